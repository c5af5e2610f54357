"""``manage.py ingest``: options, summary, exit status; once for real in a subprocess."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command
from django.core.management.base import SystemCheckError

from layers.parcels.models import Parcel
from tests.conftest import WEB_MODULES, imported_modules, live_database_url
from tests.ingest.conftest import parcels_frame, write


@pytest.mark.django_db
def test_summary_and_mapping_file(tmp_path):
    frame = parcels_frame(3).rename(columns={"reference": "NUM_TF", "land_status": "STATUT"})
    frame = frame.drop(columns=["STATUT"])
    path = write(frame, tmp_path / "extrait.gpkg")
    mapping = tmp_path / "ancfcc.toml"
    mapping.write_text(
        'key = "reference"\n[fields]\nreference = "NUM_TF"\n[values]\nland_status = "titled"\n',
        encoding="utf-8",
    )
    out = io.StringIO()
    command = ["ingest", str(path), "--layer", "parcels", "--mapping", str(mapping)]
    call_command(*command, "--no-progress", stdout=out)
    text = out.getvalue()
    assert "lues 3, créées 3, modifiées 0, inchangées 0, supprimées 0, rejetées 0" in text
    assert Parcel.objects.filter(land_status="titled").count() == 3
    # Loaded again as an upsert with the mapping's key: nothing changes.
    out = io.StringIO()
    call_command(*command, "--mode", "upsert", "--no-progress", stdout=out)
    assert "créées 0, modifiées 0, inchangées 3" in out.getvalue()


@pytest.mark.django_db
def test_refused_ingest_fails_and_names_the_report(tmp_path):
    frame = parcels_frame(2)
    frame.loc[1, "land_status"] = "unknown"
    path = write(frame, tmp_path / "p.gpkg")
    out = io.StringIO()
    with pytest.raises(CommandError, match="1 entité rejetée, rien n'a été écrit"):
        call_command("ingest", str(path), "--layer", "parcels", "--no-progress", stdout=out)
    assert "p.parcels.report.gpkg" in out.getvalue()
    assert (tmp_path / "p.parcels.report.gpkg").exists()
    assert Parcel.objects.count() == 0


@pytest.mark.django_db
def test_unknown_layer_and_bad_mapping_are_clear_errors(tmp_path):
    path = write(parcels_frame(1), tmp_path / "p.gpkg")
    with pytest.raises(CommandError, match="couche inconnue 'parcel'"):
        call_command("ingest", str(path), "--layer", "parcel", "--no-progress")
    bad = tmp_path / "m.toml"
    bad.write_text("[fields]\nreference = 'NOPE'\n", encoding="utf-8")
    with pytest.raises(CommandError, match="colonne 'NOPE', que le fichier n'a pas"):
        call_command("ingest", str(path), "--layer", "parcels", "--mapping", str(bad))


@pytest.mark.django_db
def test_options_that_cannot_work_are_refused_before_reading(tmp_path):
    path = write(parcels_frame(1), tmp_path / "p.gpkg")
    command = ["ingest", str(path), "--layer", "parcels", "--no-progress"]
    with pytest.raises(CommandError, match="upsert demande --key"):
        call_command(*command, "--mode", "upsert")
    with pytest.raises(CommandError, match="système de coordonnées inconnu 'EPSG:999999'"):
        call_command(*command, "--srs", "EPSG:999999")
    with pytest.raises(CommandError, match="encodage inconnu 'klingon'"):
        call_command(*command, "--encoding", "klingon")
    assert Parcel.objects.count() == 0


@pytest.mark.slow
def test_real_command_line(transactional_db, tmp_path, run_manage):
    url = live_database_url()
    path = write(parcels_frame(5), tmp_path / "p.gpkg")
    done = run_manage(
        "ingest", str(path), "--layer", "parcels", "--actor", "amina", env={"DATABASE_URL": url}
    )
    assert "lues 5, créées 5" in done.stdout
    # The progress bar's stages, in the command's language.
    assert "copie en base:" in done.stderr and "contrôle des règles de la couche:" in done.stderr
    assert Parcel.objects.count() == 5
    from layers.common.models import HistoryEntry

    assert set(HistoryEntry.objects.values_list("actor", flat=True)) == {"amina"}
    # The same file appended again: its 5 references are in the layer, so all 5 are refused and
    # the report file is written. Its summary says so, and nothing else speaks on the way (GDAL's
    # writer logs each file it writes at INFO).
    again = run_manage(
        "ingest", str(path), "--layer", "parcels", "--no-progress", env={"DATABASE_URL": url},
        check=False,
    )  # fmt: skip
    assert again.returncode != 0 and "5 entités rejetées" in again.stderr
    assert "lues 5, créées 0, modifiées 0, inchangées 0, supprimées 0, rejetées 5" in again.stdout
    assert "entités rejetées et réparées : " in again.stdout
    assert again.stderr.splitlines() == [again.stderr.strip()]  # the error's line alone
    missing = str(tmp_path / "nope.gpkg")
    failed = run_manage(
        "ingest", missing, "--layer", "parcels", env={"DATABASE_URL": url}, check=False
    )
    assert failed.returncode != 0
    assert "fichier introuvable" in failed.stderr  # a command speaks LANGUAGE_CODE


@pytest.mark.django_db
def test_raster_options_and_size_limit(tmp_path, settings):
    from layers.rasters.models import RasterLayer
    from tests.ingest.test_raster import write_dem

    settings.RASTER_ROOT = tmp_path / "rasters"
    path = write_dem(tmp_path / "mnt.tif")
    settings.UPLOAD_MAX_BYTES = 1000  # far below the file: --max-mb lifts the limit
    with pytest.raises(CommandError, match="limite d.envoi"):
        call_command("ingest", str(path), "--layer", "mnt", "--no-progress")
    options = ["--raster-kind", "elevation", "--title", "MNT", "--max-mb", "50", "--no-progress"]
    call_command("ingest", str(path), "--layer", "mnt", *options, stdout=io.StringIO())
    layer = RasterLayer.objects.get(slug="mnt")
    assert (layer.kind, layer.title_fr) == ("elevation", "MNT")


@pytest.mark.django_db
@pytest.mark.filterwarnings("ignore:.crs. was not provided")
def test_example_mapping_of_a_land_registry_extract(tmp_path):
    """The shipped example mapping, on a shapefile shaped like the extract it describes: no .prj
    (the mapping gives the CRS), no .cpg (the mapping gives the encoding), short column names."""
    from tests.ingest.conftest import REPO

    frame = parcels_frame(2).rename(
        columns={
            "reference": "NUM_TITRE",
            "official_area_m2": "CONTENANCE",
            "land_status": "STATUT",
            "current_use": "USAGE",
        }
    )
    frame["STATUT"] = ["TF", "R"]
    frame["ADRESSE"] = ["درب السلطان", "المعاريف"]
    frame = frame.set_crs(None, allow_override=True)
    write(frame, tmp_path / "extrait.shp", driver="ESRI Shapefile", encoding="cp1256")
    (tmp_path / "extrait.cpg").unlink()
    mapping = REPO / "ingest" / "mappings" / "examples" / "cadastre_parcels.toml"
    command = ["ingest", str(tmp_path / "extrait.shp"), "--layer", "parcels"]
    options = ["--mapping", str(mapping), "--mode", "upsert", "--no-progress"]
    call_command(*command, *options, stdout=io.StringIO())
    rows = Parcel.objects.order_by("reference").values_list("reference", "land_status", "address")
    assert list(rows) == [
        ("TF 1000/C", "titled", "درب السلطان"),
        ("TF 1001/C", "requisition", "المعاريف"),
    ]


@pytest.mark.django_db
def test_cleanup_removes_old_jobs_and_their_files(tmp_path, settings, planner):
    from datetime import timedelta

    from django.db import connection
    from django.utils import timezone
    from procrastinate.contrib.django.models import ProcrastinateJob

    from ingest.jobs import cancel_job, start_job
    from ingest.models import IngestJob

    settings.MEDIA_ROOT = tmp_path / "media"
    jobs = []
    for age, status in ((40, "done"), (40, "running"), (5, "done")):
        folder = settings.MEDIA_ROOT / "ingest" / f"job{age}{status}"
        folder.mkdir(parents=True)
        (folder / "p.gpkg").write_bytes(b"x")
        job = IngestJob.objects.create(
            user=planner,
            layer="parcels",
            file_name="p.gpkg",
            path=str(folder / "p.gpkg"),
            status=status,
        )
        IngestJob.objects.filter(pk=job.pk).update(created_at=timezone.now() - timedelta(days=age))
        jobs.append(folder)
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    stray = IngestJob.objects.create(
        user=planner, layer="parcels", file_name="x", path=str(outside / "x.gpkg")
    )
    IngestJob.objects.filter(pk=stray.pk).update(created_at=timezone.now() - timedelta(days=99))
    # The queue's record of two runs that ended, 40 and 5 days ago.
    ended = []
    for age in (40, 5):
        queued = IngestJob.objects.create(user=planner, layer="parcels", path="/x")
        start_job(queued)
        cancel_job(queued, planner)
        with connection.cursor() as cur:
            cur.execute(
                "UPDATE procrastinate_events SET at = now() - make_interval(days => %s) "
                "WHERE job_id = %s",
                [age, queued.queue_job_id],
            )
        IngestJob.objects.filter(pk=queued.pk).delete()
        ended.append(queued.queue_job_id)
    out = io.StringIO()
    call_command("ingest_cleanup", "--days", "30", stdout=out)
    assert "2 ingest(s)" in out.getvalue()
    assert [f.exists() for f in jobs] == [False, True, True]
    assert outside.exists()  # a path outside the upload folder is never deleted
    assert IngestJob.objects.count() == 2
    kept = ProcrastinateJob.objects.filter(id__in=ended).values_list("id", flat=True)
    assert list(kept) == ended[1:]


@pytest.mark.django_db
def test_time_per_stage_is_shown_at_verbosity_2(tmp_path):
    path = write(parcels_frame(3), tmp_path / "p.gpkg")
    command = ["ingest", str(path), "--layer", "parcels", "--no-progress"]
    out = io.StringIO()
    call_command(*command, verbosity=2, stdout=out)
    line = out.getvalue().splitlines()[-1]
    assert line.startswith("  temps par étape : ")
    # The stages of a small append, in the order they run, named in the command's language
    # (French), each with its time.
    stages = [part.rsplit(" ", 2)[0] for part in line.split(" : ", 1)[1].split(", ")]
    assert stages == [
        "lecture",
        "contrôle du fichier",
        "copie en base",
        "contrôle des règles de la couche",
        "écriture",
    ]
    out = io.StringIO()
    call_command(*command, "--mode", "replace", stdout=out)  # verbosity 1: not shown
    assert "temps par étape" not in out.getvalue()


def test_the_checks_of_what_a_load_rests_on_refuse_it(tmp_path, settings):
    """``ingest`` runs the system checks of the models, the layer registry and the GIS settings:
    an extent that no longer follows ``GIS`` refuses the load before anything is read."""
    path = write(parcels_frame(2), tmp_path / "p.gpkg")
    xmin, ymin, xmax, ymax = settings.GIS["EXTENT"]
    settings.GIS = {**settings.GIS, "EXTENT": (xmin + 1000, ymin, xmax + 1000, ymax)}
    with pytest.raises(SystemCheckError, match="geoportal.E001"):
        call_command("ingest", str(path), "--layer", "parcels", skip_checks=False)


@pytest.mark.slow
def test_a_load_loads_neither_the_web_pages_nor_pygeoapi(transactional_db, tmp_path, run_manage):
    """The command's start: none of :data:`tests.conftest.WEB_MODULES` (each module the process
    imports is named by ``PYTHONPROFILEIMPORTTIME``)."""
    path = write(parcels_frame(3), tmp_path / "p.gpkg")
    env = {"DATABASE_URL": live_database_url(), "PYTHONPROFILEIMPORTTIME": "1"}
    run = run_manage("ingest", str(path), "--layer", "parcels", "--no-progress", env=env)
    assert "lues 3, créées 3" in run.stdout
    imported = imported_modules(run.stderr)
    assert {"layers.common.registry", "ingest.writers", "geopandas"} <= imported
    assert not WEB_MODULES & imported
    assert Parcel.objects.count() == 3
