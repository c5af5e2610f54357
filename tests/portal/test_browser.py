"""The portal in headless Chromium against the production server (gunicorn, WhiteNoise).

Depends on the tiles area's ``/tiles/<slug>/<z>/<x>/<y>.mvt`` for drawn features and clicks; the
popup's full attributes come from the OGC item when ``/ogc`` answers (the tile attributes otherwise).
Screenshots are kept in ``tests/artifacts/portal/``.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from pyproj import Geod

from tests.conftest import REPO_ROOT
from tests.factories import (
    ArrondissementFactory,
    FacilityFactory,
    ParcelFactory,
    RoadSegmentFactory,
    line,
    point,
    rect,
)
from tests.portal.conftest import bbox_lonlat, to_lonlat

pytestmark = pytest.mark.slow

ARTIFACTS = REPO_ROOT / "tests" / "artifacts" / "portal"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]  # fmt: skip


def _static_sources() -> list[Path]:
    roots = [REPO_ROOT / "geoportal" / "static", *REPO_ROOT.glob("*/static"),
             *REPO_ROOT.glob("layers/*/static")]  # fmt: skip
    return [f for root in roots if root.is_dir() for f in root.rglob("*") if f.is_file()]


@pytest.fixture(scope="module")
def collected_static() -> None:
    """The production server serves static files collected by WhiteNoise's manifest storage;
    collected again only when a source file is newer than the last collection's manifest."""
    from django.conf import settings

    manifest = Path(settings.STATIC_ROOT) / "staticfiles.json"
    if manifest.exists():
        newest = max((f.stat().st_mtime for f in _static_sources()), default=0)
        if newest < manifest.stat().st_mtime:
            return
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--no-input", "-v", "0"],
        cwd=REPO_ROOT, check=True, timeout=300,
        env={**{k: v for k, v in os.environ.items() if not k.startswith("PYTEST")},
             "DJANGO_SETTINGS_MODULE": "geoportal.settings"},
    )  # fmt: skip


@pytest.fixture
def city(transactional_db) -> dict:
    """Committed rows (the server reads them on its own connection): a block of parcels."""
    data = {
        "arr": ArrondissementFactory(name_fr="Sidi Belyout", geom=rect(-1000, -1000, 3000, 3000)),
        "road": RoadSegmentFactory(name_fr="Boulevard Zerktouni", road_class="primary",
                                   geom=line((-50, -20), (400, -20))),
        "school": FacilityFactory(name_fr="École Al Amal", geom=point(150, 150)),
    }  # fmt: skip
    # four 100 m parcels side by side, 20 m apart: TF 4240/C ... TF 4243/C
    for i in range(4):
        data[f"p{i}"] = ParcelFactory(
            reference=f"TF 424{i}/C",
            address=f"{i} rue <b>Tahar</b> Sebti",
            geom=rect(i * 120, 0, 100, 100),
        )
    return data


@pytest.fixture
def browser() -> Iterator:
    playwright_api = pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian's chromium is not installed (make system-test)")
    with playwright_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def new_page(browser, **options):
    """A page in its own context; earlier pages are closed so their tile requests stop."""
    for context in browser.contexts:
        context.close()
    options.setdefault("viewport", {"width": 1280, "height": 800})
    return browser.new_context(**options).new_page()


def shot(page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"))


def map_point(page, lon: float, lat: float) -> tuple[float, float]:
    """Page pixel of a lon/lat on the map."""
    p = page.evaluate(
        "([lat, lon]) => { const m = window.casaPortal.map; const p = m.latLngToContainerPoint([lat, lon]);"
        " const r = m.getContainer().getBoundingClientRect(); return [r.left + p.x, r.top + p.y]; }",
        [lat, lon],
    )
    return p[0], p[1]


def open_map(page, base: str, x: float, y: float, zoom: int, layers: str) -> None:
    lon, lat = to_lonlat(x, y)
    page.goto(f"{base}/#map={zoom}/{lat:.6f}/{lon:.6f}&layers={layers}")
    page.wait_for_selector("body[data-layers-ready='true']", state="attached", timeout=120_000)


def test_map_draws_tiles_and_a_parcel_click_opens_its_popup(
    collected_static, city, live_gunicorn, browser
):
    page = new_page(browser)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    open_map(page, live_gunicorn, 230, 50, 17, "arrondissements,roads,parcels,facilities")
    # vector tiles drawn: SVG paths in the parcels layer
    page.wait_for_function(
        "document.querySelectorAll('.overlay-parcels path').length >= 4", timeout=20_000
    )
    page.wait_for_function("document.querySelectorAll('.overlay-roads path').length >= 1")
    # the school is drawn with the registry's point radius (5 px) and colour
    school = page.wait_for_selector(".overlay-facilities path")
    assert "a5,5 " in school.get_attribute("d")
    assert school.get_attribute("fill") == "#6c3483"
    assert page.locator("#layer-parcels").is_checked()
    shot(page, "map-fr")

    # click the middle of TF 4242/C (x 240..340, y 0..100)
    page.mouse.click(*map_point(page, *to_lonlat(290, 50)))
    popup = page.wait_for_selector(".feature-popup[data-layer='parcels']", timeout=10_000)
    assert "TF 4242/C" in popup.inner_text()
    link = page.locator(".renseignement-link")
    assert link.get_attribute("href") == "/renseignement/?parcel=TF%204242%2FC"
    ogc = page.locator(".feature-popup .ogc-link")
    assert ogc.get_attribute("href") == f"/ogc/collections/parcels/items/{city['p2'].pk}"
    # the OGC item fills in the attributes the tile does not carry; markup in them stays text
    # (depends on /ogc; the address is compared loosely: /ogc currently HTML-escapes JSON values)
    page.wait_for_function(
        "document.querySelector('.feature-popup').innerText.includes('Surface calculée (m²)')",
        timeout=10_000,
    )
    popup_text = page.locator(".feature-popup").inner_text()
    assert "Tahar" in popup_text
    assert "immatriculé (titre foncier)" in popup_text  # land_status "titled", named
    assert page.locator(".feature-popup b").count() == 0
    assert page.locator(".point-popup").count() == 0  # the feature took the click
    shot(page, "popup-parcel")

    # a click away from any feature offers the planning information at that point
    page.evaluate("window.casaPortal.map.closePopup()")
    lon, lat = to_lonlat(650, 250)
    page.mouse.click(*map_point(page, lon, lat))
    href = page.wait_for_selector(".point-popup .renseignement-link").get_attribute("href")
    query = dict(part.split("=") for part in href.split("?", 1)[1].split("&"))
    assert float(query["lon"]) == pytest.approx(lon, abs=2e-5)
    assert float(query["lat"]) == pytest.approx(lat, abs=2e-5)

    # keyboard: the layer checkboxes work with Tab and Space
    page.focus("#layer-parcels")
    page.keyboard.press("Space")
    assert not page.locator("#layer-parcels").is_checked()
    page.wait_for_function("document.querySelectorAll('.overlay-parcels path').length === 0")
    assert "parcels" not in page.url.split("layers=")[1]
    page.keyboard.press("Space")
    page.wait_for_function("document.querySelectorAll('.overlay-parcels path').length >= 4")

    # print view: controls hidden, the map and its legend kept
    page.emulate_media(media="print")
    assert not page.locator("#panel").is_visible()
    assert not page.locator(".search").is_visible()
    assert page.locator("#map").is_visible()
    page.evaluate("window.dispatchEvent(new Event('beforeprint'))")
    assert "Parcelles cadastrales" in page.locator("#print-legend").inner_text()
    shot(page, "print-view")
    page.emulate_media(media="screen")
    assert errors == []


def test_cursor_coordinates_and_distance_measure(collected_static, city, live_gunicorn, browser):
    page = new_page(browser)
    open_map(page, live_gunicorn, 100, 50, 18, "parcels")
    # ORIGIN + (100, 50) in Lambert: X 294100, Y 335050 (give or take the pixel, < 1 m at z18)
    page.mouse.move(*map_point(page, *to_lonlat(100, 50)))
    text = page.locator("#coords-lambert").inner_text()
    x, y = (float(v) for v in text.replace("X", "").split("Y"))
    assert abs(x - 294100) < 2 and abs(y - 335050) < 2

    # measure 0,0 -> 200,0 -> 200,100; the geodesic length is computed here with pyproj
    page.click("#measure-distance")
    pts = [to_lonlat(0, 0), to_lonlat(200, 0), to_lonlat(200, 100)]
    for lon, lat in pts:
        page.mouse.click(*map_point(page, lon, lat))
    geod = Geod(ellps="WGS84")
    expected = sum(geod.inv(*a, *b)[2] for a, b in zip(pts, pts[1:], strict=False))
    result = page.locator("#measure-result").inner_text()
    metres = float(
        result.split(":")[1].replace("m", "").replace("\u202f", "").replace(",", ".").strip()
    )
    assert metres == pytest.approx(expected, rel=0.01)
    shot(page, "measure")

    # area of the triangle (0,0) (200,0) (200,100): 10,000 m² on the Lambert plane; the ellipsoidal
    # area from pyproj is the reference (the scale factor here is within 0.1 % of one)
    page.click("#measure-area")
    for lon, lat in pts:
        page.mouse.click(*map_point(page, lon, lat))
    area, _ = geod.polygon_area_perimeter([p[0] for p in pts], [p[1] for p in pts])
    assert abs(area) == pytest.approx(10_000, rel=0.005)
    text = page.locator("#measure-result").inner_text()
    assert "ha" in text  # 1 ha shown as hectares with the m² in brackets
    # whole square metres in brackets, grouped the Moroccan French way ("10.050 m²")
    shown = int(re.sub(r"\D", "", text.split("(")[1].split("m²")[0]))
    assert shown == pytest.approx(abs(area), rel=0.01)
    page.keyboard.press("Escape")
    assert page.get_attribute("#measure-area", "aria-pressed") == "false"

    # opacity slider of a layer
    page.eval_on_selector(
        "#layer-parcels-opacity", "e => { e.value = 40; e.dispatchEvent(new Event('input')); }"
    )
    assert page.eval_on_selector(".overlay-parcels", "e => e.style.opacity") == "0.4"


def test_search_finds_a_parcel_and_moves_the_map(collected_static, city, live_gunicorn, browser):
    page = new_page(browser)
    open_map(page, live_gunicorn, 1000, 1000, 13, "arrondissements")
    page.fill("#search-input", "TF 4243")
    page.wait_for_selector("#search-results li[role='option']", timeout=10_000)
    assert "TF 4243/C" in page.locator("#search-results").inner_text()
    shot(page, "search-suggestions")
    page.keyboard.press("Enter")
    page.wait_for_function("document.body.dataset.lastSearch === 'TF 4243/C'")
    page.wait_for_timeout(1500)  # the fly animation
    west, south, east, north = bbox_lonlat(360, 0, 100, 100)
    center = page.evaluate(
        "(() => { const c = window.casaPortal.map.getCenter(); return [c.lng, c.lat]; })()"
    )
    assert west <= center[0] <= east and south <= center[1] <= north
    assert page.evaluate("window.casaPortal.map.getZoom()") >= 16
    assert page.locator("#layer-parcels").is_checked()  # the searched layer is switched on
    # the permalink in the address bar restores the same view and layers
    url = page.url
    assert "layers=" in url and "parcels" in url.split("layers=")[1]
    shot(page, "search-result")
    page2 = new_page(browser)
    page2.goto(url)
    page2.wait_for_selector("body[data-layers-ready='true']", state="attached", timeout=120_000)
    assert page2.locator("#layer-parcels").is_checked()
    assert not page2.locator("#layer-roads").is_checked()
    center2 = page2.evaluate(
        "(() => { const c = window.casaPortal.map.getCenter(); return [c.lng, c.lat]; })()"
    )
    assert center2 == pytest.approx(center, abs=1e-4)


def test_arabic_turns_the_layout_right_to_left_and_is_remembered(
    collected_static, city, live_gunicorn, browser
):
    page = new_page(browser, locale="en-US")
    open_map(page, live_gunicorn, 230, 50, 16, "parcels,arrondissements")
    assert page.get_attribute("html", "lang") == "fr"  # French whatever the browser says
    page.click(".lang-switch button[value='ar']")
    page.wait_for_selector("html[dir='rtl']")
    page.wait_for_selector("body[data-layers-ready='true']", state="attached", timeout=120_000)
    assert page.get_attribute("html", "lang") == "ar"
    assert "الطبقات" in page.locator("#panel h2").first.inner_text()
    assert "القطع العقارية" in page.locator(".layer-item[data-slug='parcels']").inner_text()
    # mirrored: the layer panel is on the right of the map
    panel = page.locator("#panel").bounding_box()
    map_box = page.locator("#map").bounding_box()
    assert panel["x"] > map_box["x"]
    assert "layers=parcels" in page.url.replace("%2C", ",") or "parcels" in page.url  # view kept
    page.wait_for_function("document.querySelectorAll('.overlay-parcels path').length >= 4")
    shot(page, "map-ar")
    # remembered on the next visit
    page.goto(live_gunicorn + "/open-data/")
    assert page.get_attribute("html", "dir") == "rtl"
    shot(page, "open-data-ar")


def test_open_data_download_returns_a_valid_geojson(
    collected_static, city, live_gunicorn, browser, tmp_path
):
    page = new_page(browser, viewport={"width": 1280, "height": 900})
    page.goto(live_gunicorn + "/open-data/")
    shot(page, "open-data-fr")
    with page.expect_download() as info:
        page.click("#dataset-parcels a[href$='parcels.geojson']")
    target = tmp_path / "parcels.geojson"
    info.value.save_as(target)
    data = json.loads(target.read_text())
    refs = sorted(f["properties"]["reference"] for f in data["features"])
    assert refs == ["TF 4240/C", "TF 4241/C", "TF 4242/C", "TF 4243/C"]


def test_phone_layout_hides_the_panel_behind_a_keyboard_usable_button(
    collected_static, city, live_gunicorn, browser
):
    page = new_page(browser, viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    open_map(page, live_gunicorn, 230, 50, 16, "parcels")
    toggle = page.locator("#panel-toggle")
    assert toggle.is_visible()
    panel_box = page.locator("#panel").bounding_box()
    assert panel_box["x"] + panel_box["width"] <= 1  # off screen
    shot(page, "phone-map")
    toggle.focus()
    page.keyboard.press("Enter")
    assert toggle.get_attribute("aria-expanded") == "true"
    page.wait_for_timeout(400)
    assert page.locator("#panel").bounding_box()["x"] >= -1
    shot(page, "phone-layers")
    page.focus("#layer-parcels")
    page.keyboard.press("Escape")  # closes the drawer and gives the focus back to its button
    assert toggle.get_attribute("aria-expanded") == "false"
    assert page.evaluate("document.activeElement.id") == "panel-toggle"
