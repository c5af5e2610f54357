"""The planners' web pages: permissions, upload limit, preview map and mapping, a queued run
followed through the JSON endpoint, and the report download. The queued runs are run here, in
this process; ``test_queue.py`` runs them in worker processes."""

from __future__ import annotations

import json
import re

import geopandas as gpd
import pytest
import shapely.geometry
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile

from ingest.models import IngestJob
from ingest.options import IngestOptions
from layers.common.models import HistoryEntry
from layers.common.registry import get_layer
from layers.parcels.models import Parcel
from tests.ingest.conftest import parcels_frame, run_queued_jobs, write

pytestmark = pytest.mark.filterwarnings("ignore:Normalized/laundered field name")


def upload(client, path, layer="parcels"):
    with path.open("rb") as fh:
        return client.post("/ingest/", {"layer": layer, "file": fh})


def run_and_report(client, job_id) -> dict:
    """The status of a queued job once the queue has run it."""
    queued = client.get(f"/ingest/{job_id}/status.json").json()
    assert (queued["stage"], queued["stage_name"]) == ("queued", "en attente dans la file")
    run_queued_jobs()
    return client.get(f"/ingest/{job_id}/status.json").json()


@pytest.mark.django_db
def test_only_planners_get_in(client, django_user_model, planner):
    response = client.get("/ingest/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")
    django_user_model.objects.create_user("visitor", password="pw")
    client.login(username="visitor", password="pw")
    assert client.get("/ingest/").status_code == 403
    client.login(username="planner", password="pw")
    page = client.get("/ingest/")
    assert page.status_code == 200
    options = re.findall(r'<option value="([^"]+)"', page.content.decode())
    assert options == ["parcels"]  # the only layer this planner may change
    # A layer the planner may not change is refused even when posted by hand.
    f = SimpleUploadedFile("p.geojson", b"{}")
    assert "layer" in client.post("/ingest/", {"layer": "roads", "file": f}).context["form"].errors


@pytest.mark.django_db
def test_upload_over_the_limit_is_refused(client, planner, tmp_path, settings):
    path = write(parcels_frame(3), tmp_path / "p.gpkg")
    settings.UPLOAD_MAX_BYTES = path.stat().st_size - 1
    client.force_login(planner)
    response = upload(client, path)
    assert response.status_code == 413
    assert "Fichier trop volumineux" in response.content.decode()  # the error handler's page
    assert not IngestJob.objects.exists()


@pytest.mark.django_db
def test_preview_shows_features_and_mapping_escaped(client, planner, tmp_path):
    frame = parcels_frame(3, **{"<b>note</b>": ["<script>alert(1)</script>"] * 3})
    path = write(frame, tmp_path / "p.geojson", driver="GeoJSON")
    client.force_login(planner)
    response = upload(client, path)
    assert response.status_code == 302
    page = client.get(response["Location"])
    html = page.content.decode()
    assert '<div id="map">' in html
    assert "/static/vendor/leaflet/leaflet.js" in html and "unpkg" not in html
    assert "<script>alert(1)</script>" not in html and "<b>note</b>" not in html
    data = json.loads(re.search(r'id="preview-data"[^>]*>(.*?)</script>', html, re.S).group(1))
    assert len(data["features"]) == 3
    lon, lat = data["features"][0]["geometry"]["coordinates"][0][0][0]
    assert (round(lon, 2), round(lat, 2)) == (-7.62, 33.59)  # Place Mohammed V, in WGS 84
    assert '<option value="reference" selected>' in html
    # Another planner does not see this upload.
    other = type(planner).objects.create_user("other", password="pw")
    other.user_permissions.add(Permission.objects.get(codename="change_parcel"))
    client.force_login(other)
    assert client.get(response["Location"]).status_code == 404
    assert client.get(f"{response['Location']}report.geojson").status_code == 404
    client.force_login(planner)  # the owner: no run, no report yet
    assert client.get(f"{response['Location']}report.geojson").status_code == 404


@pytest.mark.django_db
def test_options_that_cannot_work_are_shown_on_the_page_and_not_kept(client, planner, tmp_path):
    path = write(parcels_frame(2), tmp_path / "p.gpkg")
    client.force_login(planner)
    job_url = upload(client, path)["Location"]
    response = client.post(job_url, {"action": "run", "mode": "upsert", "key": ""})
    assert response.status_code == 200
    assert "upsert demande --key" in response.content.decode()  # the page speaks French
    job = IngestJob.objects.get()
    assert job.status == IngestJob.Status.UPLOADED
    assert IngestOptions.from_dict(job.options) == IngestOptions()
    # Valid options are kept, typed, and the page shows them again.
    form = {"action": "preview", "mode": "upsert", "key": "reference", "field_reference": "NUM"}
    assert client.post(job_url, form).status_code == 302
    job.refresh_from_db()
    assert IngestOptions.from_dict(job.options).key == "reference"
    assert 'name="key" value="reference"' in client.get(job_url).content.decode()


@pytest.mark.slow
def test_background_run_with_progress_and_report(transactional_db, client, planner, tmp_path):
    frame = parcels_frame(4).rename(columns={"reference": "NUM"})
    frame.loc[3, "land_status"] = "stolen"
    path = write(frame, tmp_path / "p.gpkg")
    client.force_login(planner)
    job_url = upload(client, path)["Location"]
    job_id = job_url.strip("/").split("/")[-1]
    # Map NUM to reference and load the valid features; the fourth is rejected.
    response = client.post(
        job_url,
        {
            "action": "run",
            "mode": "append",
            "accept_partial": "on",
            "field_reference": "NUM",
            "field_land_status": "land_status",
        },
    )
    assert response.status_code == 302
    status = run_and_report(client, job_id)
    assert status["status"] == "done", status
    assert (status["done"], status["total"], status["progress"]) == (4, 4, "4/4")
    report = status["report"]
    assert (report["read"], report["created"], report["rejected"]) == (4, 3, 1)
    assert report["examples"][0][0] == 4
    # As the page shows them, in the request's language (French here).
    assert status["summary"].startswith(
        "lues 4, créées 3, modifiées 0, inchangées 0, supprimées 0, rejetées 1, réparées 0 ("
    )
    assert status["example_lines"] == [f"entité 4 : {report['examples'][0][1]}"]
    # The page's map of the report: the rejected fourth square, where it is in the file.
    (mapped,) = client.get(f"/ingest/{job_id}/report.geojson").json()["features"]
    assert mapped["properties"] == {
        "ingest_feature": 4,
        "ingest_reason": report["examples"][0][1],
        "kind": "rejected",
        "label": status["example_lines"][0],
    }
    square = gpd.GeoSeries([frame.geometry[3]], crs=frame.crs).to_crs(epsg=4326)[0]
    assert shapely.geometry.shape(mapped["geometry"]).equals_exact(square, 1e-9)
    assert Parcel.objects.count() == 3
    assert set(HistoryEntry.objects.values_list("actor", flat=True)) == {"planner"}
    download = client.get(f"/ingest/{job_id}/report.gpkg")
    assert download.status_code == 200
    assert b"".join(download.streaming_content)[:16] == b"SQLite format 3\x00"


@pytest.mark.slow
def test_a_job_reports_in_the_language_of_its_upload(transactional_db, client, planner, tmp_path):
    """The queue's worker runs the job in the language the planner uploaded it in, whatever
    its own: the reasons of the report are in Arabic for an upload made in Arabic."""
    frame = parcels_frame(2)
    frame.loc[1, "land_status"] = "stolen"
    client.force_login(planner)
    with write(frame, tmp_path / "p.gpkg").open("rb") as fh:
        uploaded = client.post(
            "/ingest/", {"layer": "parcels", "file": fh}, HTTP_ACCEPT_LANGUAGE="ar"
        )
    job_url = uploaded["Location"]
    job_id = job_url.strip("/").split("/")[-1]
    assert IngestJob.objects.get(pk=job_id).lang == "ar"
    form = {"action": "run", "mode": "append", "accept_partial": "on"}
    assert client.post(job_url, form).status_code == 302
    status = run_and_report(client, job_id)
    assert status["status"] == "done", status
    ((number, reason),) = status["report"]["examples"]
    assert number == 2
    assert reason.startswith("land_status: 'stolen' ليست من القيم "), reason
    # The page, read in Arabic, writes the counts and the feature in Arabic too.
    arabic = client.get(f"/ingest/{job_id}/status.json?lang=ar").json()
    assert arabic["summary"].startswith("المقروءة 2، المنشأة 1، المعدلة 0، ")
    assert arabic["example_lines"] == [f"الكيان 2: {reason}"]
    assert arabic["stage_name"] == ""  # the run is over


@pytest.mark.django_db
def test_the_pages_speak_the_planners_language(client, planner, tmp_path):
    """The upload and job pages in each language, Arabic right to left; French by default."""
    client.force_login(planner)
    french = client.get("/ingest/").content.decode()
    assert '<html lang="fr" dir="ltr">' in french
    assert "Charger un fichier dans une couche" in french and "Couche cible" in french
    english = client.get("/ingest/?lang=en").content.decode()
    assert '<html lang="en" dir="ltr">' in english
    assert "Load a file into a layer" in english and "Upload and preview" in english
    assert "Largest size: " in english and "Log out" in english
    arabic = client.get("/ingest/?lang=ar").content.decode()
    assert '<html lang="ar" dir="rtl">' in arabic
    assert "تحميل ملف في طبقة" in arabic and "الطبقة المستهدفة" in arabic
    job_url = upload(client, write(parcels_frame(2), tmp_path / "p.gpkg"))["Location"]
    page = client.get(f"{job_url}?lang=en").content.decode()
    assert "Layer in the file: " in page and "first 2 features on the map." in page
    assert '<option value="upsert">update by the key, add the new ones</option>' in page
    assert "Check without writing anything" in page and "Run the load" in page
    assert 'data-report-text="Download the report (GeoPackage)"' in page
    # The page asks for its progress in its own language, whatever the browser's.
    assert f'data-status-url="{job_url}status.json?lang=en"' in page
    page = client.get(f"{job_url}?lang=ar").content.decode()
    assert f"p.gpkg ← {get_layer('parcels').title('ar')}</h1>" in page  # its title, right to left
    assert '<strong id="job-status">تم الرفع</strong>' in page
    # The latest loads name their layer by its title.
    listed = client.get("/ingest/?lang=ar").content.decode()
    assert f"p.gpkg</a></td><td>{get_layer('parcels').title('ar')}</td>" in listed
    page = client.get(job_url).content.decode()
    assert '<option value="append" selected>ajouter les entités</option>' in page
    assert '<strong id="job-status">téléversé</strong>' in page


@pytest.mark.django_db
def test_unsupported_format_is_refused_at_upload(client, planner):
    client.force_login(planner)
    f = SimpleUploadedFile("notes.docx", b"PK\x03\x04 not a GIS file")
    response = client.post("/ingest/", {"layer": "parcels", "file": f})
    assert "Format non pris en charge" in response.content.decode()
    assert not IngestJob.objects.exists()


@pytest.mark.django_db
def test_a_job_whose_worker_died_is_reported_failed(client, planner, tmp_path):
    from tests.ingest.test_queue import stall

    path = write(parcels_frame(2), tmp_path / "p.gpkg")
    client.force_login(planner)
    job_url = upload(client, path)["Location"]
    client.post(job_url, {"action": "run", "mode": "append"})
    job = IngestJob.objects.get()
    assert client.get(f"/ingest/{job.pk}/status.json").json()["status"] == "running"  # queued
    stall(job)
    status = client.get(f"/ingest/{job.pk}/status.json").json()
    assert status["status"] == "failed"
    assert status["error"].startswith(
        "le processus qui l'exécutait s'est arrêté (aucun signe de vie depuis 30 s)"
    )
    assert "rien n'a été écrit : relancez-le" in status["error"]


@pytest.mark.slow
def test_geotiff_from_the_web(transactional_db, client, django_user_model, tmp_path, settings):
    from layers.rasters.models import RasterLayer
    from tests.ingest.test_raster import write_dem

    settings.RASTER_ROOT = tmp_path / "rasters"
    user = django_user_model.objects.create_user("topographe", password="pw")
    user.user_permissions.add(Permission.objects.get(codename="change_rasterlayer"))
    client.force_login(user)
    options = re.findall(r'<option value="([^"]+)"', client.get("/ingest/").content.decode())
    assert options == ["raster"]
    path = write_dem(tmp_path / "mnt.tif")
    job_url = upload(client, path, layer="raster")["Location"]
    page = client.get(job_url).content.decode()
    assert "512 × 512 pixels, 1 bande(s) float32, EPSG:26191" in page
    client.post(job_url, {"action": "run", "raster_name": "mnt-2m", "raster_kind": "elevation"})
    status = run_and_report(client, job_url.strip("/").split("/")[-1])
    assert status["status"] == "done", status
    layer = RasterLayer.objects.get(slug="mnt-2m")
    assert (layer.kind, layer.value_min, layer.value_max) == ("elevation", 10.0, 521.0)


@pytest.mark.django_db
def test_geotiff_only_goes_to_a_raster_layer(client, planner, tmp_path):
    from tests.ingest.test_raster import write_dem

    client.force_login(planner)
    response = upload(client, write_dem(tmp_path / "mnt.tif"), layer="parcels")
    assert "seulement lui" in response.content.decode()


@pytest.mark.django_db
def test_a_running_job_is_not_started_twice(planner):
    from ingest.jobs import start_job

    job = IngestJob.objects.create(
        user=planner, layer="parcels", file_name="p.gpkg", path="/x", status="running"
    )
    assert start_job(job) is None
    job.refresh_from_db()
    assert job.stage == ""  # untouched


def map_base_of(html: str) -> dict:
    return json.loads(re.search(r'id="map-base"[^>]*>(.*?)</script>', html, re.S).group(1))


@pytest.mark.django_db
def test_the_job_maps_draw_the_basemap_and_the_features_the_layer_holds(
    client, planner, tmp_path, settings
):
    settings.BASEMAP_URL = ""
    path = write(parcels_frame(3), tmp_path / "p.geojson", driver="GeoJSON")
    client.force_login(planner)
    html = client.get(upload(client, path)["Location"]).content.decode()
    base = map_base_of(html)
    # the portal's own basemap, as the layer tree gives it to the portal
    assert base["basemap"] == client.get("/api/layers").json()["basemap"]
    assert (base["layer"], base["layer_tiles"]) == ("parcels", "/tiles/parcels/{z}/{x}/{y}.mvt")
    west, south, east, north = settings.GIS_EXTENT_LONLAT
    assert base["bounds"] == [[south, west], [north, east]]
    assert "En gris : les entités que la couche contient déjà." in html
    assert "/static/vendor/leaflet.vectorgrid/" in html


def test_an_internal_layer_is_drawn_only_for_a_planner_who_may_see_it(rf, django_user_model, db):
    from ingest.views import map_base

    layer = get_layer("citizen-reports")
    assert not layer.public
    request = rf.get("/")
    request.user = django_user_model.objects.create_user("agent", password="pw")
    request.user.user_permissions.add(Permission.objects.get(codename="change_citizenreport"))
    assert map_base(request, layer)["layer_tiles"] is None
    request.user.user_permissions.add(Permission.objects.get(codename="view_citizenreport"))
    request.user = django_user_model.objects.get(pk=request.user.pk)  # permissions read anew
    assert map_base(request, layer)["layer_tiles"] == "/tiles/citizen-reports/{z}/{x}/{y}.mvt"
    assert map_base(request, None)["layer"] is None  # a raster job: the basemap alone


def test_the_job_page_groups_its_counts_as_each_language_writes_them(db):
    from django.utils import translation

    from ingest.views import _summary

    report = {"read": 1_234_567, "created": 1_234_000, "rejected": 567, "seconds": 82.26}
    with translation.override("fr"):  # "." between thousands, a decimal comma (fr-MA)
        assert _summary(report).startswith("lues 1.234.567, créées 1.234.000, ")
        assert _summary(report).endswith(", rejetées 567, réparées 0 (82,3 s)")
    with translation.override("en"):
        assert _summary(report).startswith("read 1,234,567, created 1,234,000, ")
        assert _summary(report).endswith(", rejected 567, repaired 0 (82.3 s)")
    with translation.override("ar"):  # Latin digits, "." between thousands, a decimal comma
        text = _summary(report)
        assert "1.234.567" in text and "1.234.000" in text and "82,3" in text
        assert "1234567" not in text


@pytest.mark.django_db
def test_the_preview_says_how_many_features_the_file_holds_and_where(client, planner, tmp_path):
    """A GeoPackage's header gives its count and extent; a GeoJSON file short enough to be
    drawn whole is counted on the map, and has no extent drawn apart."""
    client.force_login(planner)
    frame = parcels_frame(3)
    gpkg = upload(client, write(frame, tmp_path / "p.gpkg"))["Location"]
    html = client.get(gpkg).content.decode()
    assert "Entités dans le fichier : 3." in html
    assert "En pointillés : l'emprise de toutes les entités du fichier." in html
    (south, west), (north, east) = json.loads(
        re.search(r'id="preview-extent"[^>]*>(.*?)</script>', html, re.S).group(1)
    )
    bounds = frame.to_crs(epsg=4326).total_bounds  # the squares' own, by geopandas
    assert (west, south, east, north) == pytest.approx(tuple(bounds), abs=1e-6)
    geojson = upload(client, write(frame, tmp_path / "p.geojson", driver="GeoJSON"))["Location"]
    html = client.get(geojson).content.decode()
    assert "Entités dans le fichier : 3." in html
    assert "En pointillés" not in html
    assert re.search(r'id="preview-extent"[^>]*>null</script>', html)


@pytest.mark.django_db
def test_the_upload_pages_script_is_told_where_the_job_is(client, planner, tmp_path):
    """Sent by the page's script (with its progress bar), an upload is answered with the job's
    address (201) instead of a redirect, which the script would follow and draw the preview of
    for nothing; a refused one with the form and its error, as a plain post."""
    client.force_login(planner)
    path = write(parcels_frame(3), tmp_path / "p.gpkg")
    with path.open("rb") as fh:
        response = client.post(
            "/ingest/", {"layer": "parcels", "file": fh}, HTTP_X_REQUESTED_WITH="XMLHttpRequest"
        )
    assert response.status_code == 201
    (job,) = IngestJob.objects.all()
    assert response.json() == {"job": f"/ingest/{job.pk}/"}
    page = client.get("/ingest/").content.decode()
    assert f'data-max-bytes="{200 * 2**20}"' in page  # GEOPORTAL_UPLOAD_MAX_MB's default
    assert 'data-too-large="Fichier trop volumineux : la limite est de 200 Mo."' in page
    text = tmp_path / "notes.txt"
    text.write_text("pas un fichier SIG")
    with text.open("rb") as fh:
        refused = client.post(
            "/ingest/", {"layer": "parcels", "file": fh}, HTTP_X_REQUESTED_WITH="XMLHttpRequest"
        )
    assert refused.status_code == 200
    assert 'class="errorlist"' in refused.content.decode()
    assert IngestJob.objects.count() == 1
