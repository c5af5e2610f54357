"""The planners' page in headless Chromium against the production server (gunicorn) and the
queue's worker: sign in, upload, see the preview drawn by Leaflet, run, follow the progress to
the report."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.contrib.auth.hashers import PBKDF2PasswordHasher

from ingest.models import IngestJob
from layers.common.models import HistoryEntry
from layers.common.registry import get_layer
from layers.parcels.models import Parcel
from tests.factories import ArrondissementFactory
from tests.ingest.conftest import parcels_frame, write

pytestmark = pytest.mark.slow

# Checks of the page wait for their condition (``expect``), never for a fixed delay.
expect = pytest.importorskip("playwright.sync_api").expect
expect.set_options(timeout=90_000)  # a machine busy with other runs is slow

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts" / "ingest"  # screenshots
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


@pytest.fixture
def page() -> Iterator:
    playwright_api = pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian's chromium is not installed (make system-test)")
    with playwright_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(locale="fr-FR")  # the pages follow the browser's language
        page.set_default_timeout(120_000)
        yield page
        browser.close()


def sign_in_and_upload(page, server: str, planner, path: Path, monkeypatch) -> list[str]:
    """Sign in as the planner, upload ``path`` into the parcels of a city of one arrondissement
    and wait for its preview; returns the page's script errors, as they come."""
    # Playwright's sync API keeps an event loop in this thread; the ORM calls here are plain
    # synchronous checks of the test database.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    ArrondissementFactory()  # under the file's squares, drawn by the platform's own basemap
    # The server runs the production settings: store the password with their hasher.
    planner.password = PBKDF2PasswordHasher().encode("pw", "ingestsalt")
    planner.save()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(f"{server}/ingest/")
    expect(page).to_have_url(re.compile("/accounts/login/"))
    page.fill("input[name=username]", "planner")
    page.fill("input[name=password]", "pw")
    page.click("form.login button[type=submit]")
    page.set_input_files("input[name=file]", str(path))
    page.select_option("select[name=layer]", "parcels")
    page.click("form.upload button[type=submit]")
    expect(page.locator("#map path.leaflet-interactive")).to_have_count(3)  # the three squares
    return errors


# True once a canvas of the basemap drawn in the map ``selector`` holds a pixel of colour
# [r, g, b]: VectorGrid paints each tile in a canvas of its own.
BASEMAP_PAINTED = """([selector, [r, g, b]]) =>
  [...document.querySelectorAll(selector + " .basemap canvas")].some((c) => {
    const d = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
    for (let i = 0; i < d.length; i += 4) if (d[i] === r && d[i + 1] === g && d[i + 2] === b) return true;
    return false;
  })"""


# True once the layer's stored features are drawn in the map ``selector``: a canvas of that
# layer holds a painted pixel.
STORED_PAINTED = """(selector) =>
  [...document.querySelectorAll(selector + " .stored canvas")].some((c) => {
    const d = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
    for (let i = 3; i < d.length; i += 4) if (d[i] > 0) return true;
    return false;
  })"""


def wait_for_the_basemap(page, selector: str) -> None:
    """Wait until the map ``selector`` shows the arrondissement under the file's features, in
    the fill the registry gives arrondissements in the basemap."""
    fill = get_layer("arrondissements").options.basemap.fill_color.lstrip("#")
    rgb = [int(fill[i : i + 2], 16) for i in (0, 2, 4)]
    page.wait_for_function(BASEMAP_PAINTED, arg=[selector, rgb])


def test_upload_preview_and_run(live_gunicorn, queue_worker, planner, page, tmp_path, monkeypatch):
    path = write(parcels_frame(3, crs=4326), tmp_path / "parcelles.gpkg")
    errors = sign_in_and_upload(page, live_gunicorn, planner, path, monkeypatch)
    # the preview draws the file over the city, so a file in the wrong place shows it, with the
    # extent of the whole layer (from the GeoPackage's header) dashed
    wait_for_the_basemap(page, "#map")
    expect(page.locator("#map path.file-extent")).to_have_attribute("stroke-dasharray", "6 4")
    page.click("button[value=run]")
    # No worker yet: the job waits in the queue, and the page says so in its language.
    expect(page.locator("#job-stage")).to_have_text(re.compile(r"^\(en attente dans la file "))
    queue_worker()
    # The page polls the status endpoint until the run ends and shows the report.
    expect(page.locator("#job-status")).to_have_text("terminé", timeout=180_000)
    expect(page.locator("#job-report")).to_contain_text("lues 3, créées 3")
    assert errors == []
    assert Parcel.objects.count() == 3
    parcels_history = HistoryEntry.objects.filter(table_name=Parcel._meta.db_table)
    assert set(parcels_history.values_list("actor", flat=True)) == {"planner"}


def test_a_run_draws_its_rejected_features_on_a_map(
    live_gunicorn, queue_worker, planner, page, tmp_path, monkeypatch
):
    """The second of three squares has a land status the layer does not know: loaded with
    "valid features only", the page draws it in red on a map of the report, with its reason."""
    frame = parcels_frame(3, crs=4326)
    frame.loc[1, "land_status"] = "stolen"
    path = write(frame, tmp_path / "parcelles.geojson", driver="GeoJSON")
    errors = sign_in_and_upload(page, live_gunicorn, planner, path, monkeypatch)
    queue_worker()
    page.check("input[name=accept_partial]")
    page.click("button[value=run]")
    expect(page.locator("#job-status")).to_have_text("terminé", timeout=180_000)
    drawn = page.locator("#report-map path.leaflet-interactive")
    expect(drawn).to_have_count(1)
    expect(drawn).to_have_attribute("stroke", "#c00")  # rejected, in red
    drawn.click()
    expect(page.locator("#report-map .leaflet-popup-content")).to_have_text(
        re.compile(r"^entité 2 : land_status : 'stolen' n'est pas l'une des valeurs ")
    )
    wait_for_the_basemap(page, "#report-map")
    # the two squares loaded, in grey beside the refused one, from the layer's own tiles
    page.wait_for_function(STORED_PAINTED, arg="#report-map")
    # Zoomed out below the parcels' min_zoom (14), their tiles are empty: the map says from which
    # zoom on the grey features show, and stops saying it once zoomed in again.
    note = page.locator("#report-map .zoom-note")
    expect(note).to_be_hidden()
    report_map = "window.casaIngest.maps.find((m) => m.getContainer().id === 'report-map')"
    page.evaluate(f"{report_map}.setZoom(12, {{ animate: false }})")
    expect(note).to_be_visible()
    expect(note).to_have_text("Les entités de la couche s'affichent en gris à partir du zoom 14.")
    page.evaluate(f"{report_map}.setZoom(15, {{ animate: false }})")
    expect(note).to_be_hidden()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "report-map.png"), full_page=True, animations="disabled")
    assert errors == []
    assert Parcel.objects.count() == 2


def test_the_upload_shows_its_progress_and_refuses_a_file_too_large_before_sending_it(
    live_gunicorn, planner, page, tmp_path, monkeypatch
):
    """On a network slowed to 256 kB/s, a 1.2 MB file takes about five seconds to go: the bar
    moves, then the job's page opens. A file over the limit (200 MB, a sparse file here) is
    refused on the page, and nothing is sent."""
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    planner.password = PBKDF2PasswordHasher().encode("pw", "ingestsalt")
    planner.save()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(f"{live_gunicorn}/ingest/")
    page.fill("input[name=username]", "planner")
    page.fill("input[name=password]", "pw")
    page.click("form.login button[type=submit]")
    huge = tmp_path / "cadastre.gpkg"
    with huge.open("wb") as fh:
        fh.truncate(201 * 2**20)
    posts: list[str] = []
    page.on("request", lambda r: posts.append(r.url) if r.method == "POST" else None)
    page.set_input_files("input[name=file]", str(huge))
    page.click("form.upload button[type=submit]")
    expect(page.locator("#upload-status")).to_have_text(
        "Fichier trop volumineux : la limite est de 200 Mo."
    )
    assert posts == []
    frame = parcels_frame(3, note=["x" * 400_000] * 3)
    path = write(frame, tmp_path / "parcelles.geojson", driver="GeoJSON")
    # the connection lost on the way: the page says so, and the form can be sent again
    page.route(
        "**/ingest/",
        lambda route: route.abort() if route.request.method == "POST" else route.continue_(),
    )
    page.set_input_files("input[name=file]", str(path))
    page.select_option("select[name=layer]", "parcels")
    page.click("form.upload button[type=submit]")
    expect(page.locator("#upload-status")).to_have_text(
        re.compile(r"^L'envoi du fichier a été interrompu .* rien n'a été enregistré")
    )
    expect(page.locator("form.upload button[type=submit]")).to_be_enabled()
    assert not IngestJob.objects.exists()
    page.unroute("**/ingest/")
    cdp = page.context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send(
        "Network.emulateNetworkConditions",
        {"offline": False, "latency": 0, "downloadThroughput": -1, "uploadThroughput": 256_000},
    )
    page.set_input_files("input[name=file]", str(path))
    page.select_option("select[name=layer]", "parcels")
    page.click("form.upload button[type=submit]")
    # part of the file sent, not all of it yet
    page.wait_for_function(
        "() => { const b = document.getElementById('upload-bar');"
        " return b.value > 0 && b.value < b.max; }"
    )
    expect(page.locator("#upload-status")).to_have_text(re.compile(r"^[0-9]{1,2} %$"))
    expect(page).to_have_url(re.compile(r"/ingest/[0-9a-f-]{36}/$"))
    expect(page.locator("#map path.leaflet-interactive")).to_have_count(3)
    assert errors == []
