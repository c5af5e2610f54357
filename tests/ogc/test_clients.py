"""Real clients against the production server (gunicorn) on the test database: GDAL's OAPIF
driver (ogrinfo, ogr2ogr), owslib, and QGIS's OAPIF provider (Debian's PyQGIS, in a subprocess)."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from layers.common.models import HistoryEntry
from layers.parcels.models import Parcel
from tests.factories import ORIGIN, CitizenReportFactory, ParcelFactory, rect

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

# Place Mohammed V (ORIGIN) is at about 7.6186 W, 33.5936 N; a 0.003 degree box around it holds
# parcel A only (B is 1 km east, C 7 km away).
NEAR_ORIGIN = (-7.6216, 33.5906, -7.6146, 33.5966)


@pytest.fixture
def city():
    CitizenReportFactory()
    return [
        ParcelFactory(reference="TF 1/C", land_status="titled", geom=rect(0, 0, 100, 100)),
        ParcelFactory(reference="TF 2/C", land_status="requisition", geom=rect(1000, 0, 100, 100)),
        ParcelFactory(reference="TF 3/C", land_status="titled", geom=rect(5000, 5000, 100, 100)),
    ]


def run(*cmd: str, **kw) -> str:
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=180, **kw)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_gdal_ogrinfo_and_ogr2ogr(ogc_server, city, tmp_path):
    source = f"OAPIF:{ogc_server}/ogc"
    listing = run("ogrinfo", "-ro", "-q", source)
    assert "parcels" in listing and "citizen-reports" not in listing
    summary = run("ogrinfo", "-ro", "-so", source, "parcels")
    assert "Feature Count: 3" in summary
    spat = run("ogrinfo", "-ro", "-al", "-q", source, "parcels", "-spat", *map(str, NEAR_ORIGIN))
    assert "TF 1/C" in spat and "TF 2/C" not in spat and "TF 3/C" not in spat
    where = run(
        "ogrinfo", "-ro", "-al", "-q", source, "parcels", "-where", "land_status = 'titled'"
    )
    assert "TF 1/C" in where and "TF 3/C" in where and "TF 2/C" not in where
    # one feature per page: the export follows the next links to the end
    out = tmp_path / "parcels.geojson"
    run("ogr2ogr", "-f", "GeoJSON", str(out), source, "parcels", "-oo", "PAGE_SIZE=1")
    features = json.loads(out.read_text())["features"]
    assert sorted(f["properties"]["reference"] for f in features) == ["TF 1/C", "TF 2/C", "TF 3/C"]


def test_owslib_reads_and_writes_with_a_token(ogc_server, city, token):
    from owslib.ogcapi.features import Features

    anonymous = Features(f"{ogc_server}/ogc")
    ids = {c["id"] for c in anonymous.collections()["collections"]}
    assert "parcels" in ids and "citizen-reports" not in ids
    items = anonymous.collection_items("parcels", bbox=list(NEAR_ORIGIN))
    assert [f["properties"]["reference"] for f in items["features"]] == ["TF 1/C"]
    x0, y0 = ORIGIN[0] + 200, ORIGIN[1]  # beside parcel A (parcels may not overlap)
    ring = [[x0, y0], [x0 + 40, y0], [x0 + 40, y0 + 40], [x0, y0 + 40], [x0, y0]]
    feature = {
        "type": "Feature",
        "geometry": {"type": "Polygon", "coordinates": [ring]},
        "properties": {"reference": "TF 6/C", "land_status": "titled"},
    }
    body = json.dumps(feature)
    local = "<http://www.opengis.net/def/crs/EPSG/0/26191>"
    with pytest.raises(RuntimeError):
        Features(f"{ogc_server}/ogc", headers={"Content-Crs": local}).collection_item_create(
            "parcels", body
        )
    assert not Parcel.objects.filter(reference="TF 6/C").exists()
    headers = {
        "Authorization": f"Token {token}",
        "Content-Type": "application/geo+json",
        "Content-Crs": local,
    }
    editor = Features(f"{ogc_server}/ogc", headers=headers)
    assert editor.collection_item_create("parcels", body)
    created = Parcel.objects.get(reference="TF 6/C")
    assert created.geom.area == pytest.approx(1600)
    assert (
        HistoryEntry.objects.get(table_name="parcels_parcel", row_id=created.pk).actor == "planner"
    )
    assert editor.collection_item_delete("parcels", str(created.pk))
    assert not Parcel.objects.filter(pk=created.pk).exists()


QGIS_SCRIPT = textwrap.dedent("""
    import json, sys
    from qgis.core import (QgsApplication, QgsFeatureRequest, QgsRectangle, QgsVectorLayer)
    app = QgsApplication([], False)
    app.initQgis()
    layer = QgsVectorLayer(f"url='{sys.argv[1]}' typename='parcels'", "parcels", "OAPIF")
    out = {"valid": layer.isValid()}
    if layer.isValid():
        out["count"] = sum(1 for _ in layer.getFeatures())
        rect = QgsRectangle(*[float(v) for v in sys.argv[2].split(",")])
        request = QgsFeatureRequest().setFilterRect(rect)
        out["in_bbox"] = sorted(f["reference"] for f in layer.getFeatures(request))
        out["crs"] = layer.crs().authid()
    del layer
    app.exitQgis()
    print(json.dumps(out))
""")


def test_qgis_oapif_provider(ogc_server, city, tmp_path):
    script = tmp_path / "qgis_oapif.py"
    script.write_text(QGIS_SCRIPT)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIRTUAL_ENV"))}
    env.update(QT_QPA_PLATFORM="offscreen", XDG_RUNTIME_DIR=str(tmp_path))
    near = ",".join(map(str, NEAR_ORIGIN))
    stdout = run("/usr/bin/python3", str(script), f"{ogc_server}/ogc", near, env=env)
    result = json.loads(stdout.strip().splitlines()[-1])
    assert result["valid"], stdout
    assert result["count"] == 3
    assert result["in_bbox"] == ["TF 1/C"]


QGIS_WHOLE_READ = textwrap.dedent("""
    import json, sys
    from qgis.core import QgsApplication, QgsVectorLayer
    app = QgsApplication([], False)
    app.initQgis()
    layer = QgsVectorLayer(f"url='{sys.argv[1]}' typename='parcels'", "parcels", "OAPIF")
    out = {"valid": layer.isValid()}
    if layer.isValid():
        out["fields"] = layer.fields().names()
        out["features"] = [
            {"id": f["id"], "reference": f["reference"]} for f in layer.getFeatures()
        ]
    del layer
    app.exitQgis()
    print(json.dumps(out))
""")


@pytest.fixture
def logged_ogc_server(transactional_db, manage_env, tmp_path):
    """gunicorn on the test database, its access log in ``tmp_path``: (base URL, log path)."""
    from django.db import connection

    from tests.conftest import REPO_ROOT, free_port, wait_for_http

    s = connection.settings_dict
    url = f"postgresql://{s['USER']}:{s['PASSWORD']}@{s['HOST']}:{s['PORT']}/{s['NAME']}"
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log = tmp_path / "access.log"
    env = {
        **manage_env,
        "DATABASE_URL": url,
        "GEOPORTAL_DB_CONN_MAX_AGE": "0",
        "GEOPORTAL_PUBLIC_URL": base,
    }
    gunicorn = str(Path(sys.executable).parent / "gunicorn")
    command = [gunicorn, "geoportal.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", "2"]
    command += ["--timeout", "300", "--no-control-socket", "--access-logfile", str(log)]
    proc = subprocess.Popen(
        command, cwd=REPO_ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        wait_for_http(base + "/healthz", timeout=120)
        yield base, log
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def items_requests(log: Path) -> list[dict[str, list[str]]]:
    """The query parameters of every items request of parcels in a gunicorn access log."""
    found = []
    for line in log.read_text().splitlines():
        match = re.search(r'"GET (\S+) HTTP', line)
        if match:
            path = urlsplit(match[1])
            if path.path == "/ogc/collections/parcels/items":
                found.append(parse_qs(path.query))
    return found


def test_qgis_reads_a_whole_layer_over_several_pages_by_cursor(logged_ogc_server, tmp_path):
    """2,500 parcels, more than QGIS's page: its default connection pages by
    ``min(max(1000, default limit), maximum limit)`` of ``components/parameters/limit`` in the
    OpenAPI document (qgsoapifprovider.cpp, QgsOapifProvider::init), follows the ``next`` links
    (cursors, no offset) and gets every parcel once."""
    if (
        shutil.which("/usr/bin/python3") is None
        or subprocess.run(
            ["/usr/bin/python3", "-c", "import qgis.core"], capture_output=True, check=False
        ).returncode
    ):
        pytest.skip("PyQGIS (Debian's python3-qgis) is not installed")
    from django.conf import settings

    base, log = logged_ogc_server
    count = 2500
    parcels = Parcel.objects.bulk_create(
        Parcel(
            reference=f"TF {i + 1}/C",
            land_status="titled",
            geom=rect(20 * (i % 50), 20 * (i // 50), 10, 10),
        )
        for i in range(count)
    )
    inserted = {p.pk: p.reference for p in parcels}
    script = tmp_path / "qgis_whole_read.py"
    script.write_text(QGIS_WHOLE_READ)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIRTUAL_ENV"))}
    runtime = tmp_path / "runtime"
    runtime.mkdir(mode=0o700)
    env.update(QT_QPA_PLATFORM="offscreen", XDG_RUNTIME_DIR=str(runtime))
    stdout = run("/usr/bin/python3", str(script), f"{base}/ogc", env=env)
    result = json.loads(stdout.strip().splitlines()[-1])
    assert result["valid"], stdout
    features = result["features"]
    assert len(features) == count
    assert sorted(f["reference"] for f in features) == sorted(inserted.values())
    assert sorted(f["id"] for f in features) == sorted(inserted)
    assert all(inserted[f["id"]] == f["reference"] for f in features)

    page = min(max(1000, settings.OGC["DEFAULT_LIMIT"]), settings.OGC["MAX_LIMIT"])
    assert page < count
    requests = items_requests(log)
    assert not [r for r in requests if "offset" in r]
    # its first page of 1000, then by cursor the next links' pages, each NEXT_LIMIT_GROWTH
    # times the one before (up to MAX_LIMIT), until every parcel is read
    sizes, covered = [page], page
    while covered < count:
        sizes.append(min(sizes[-1] * settings.OGC["NEXT_LIMIT_GROWTH"], settings.OGC["MAX_LIMIT"]))
        covered += sizes[-1]
    # (before, QGIS asks for a page of 10 to learn the layer's fields and geometry type)
    whole = [r for r in requests if int(r.get("limit", ["0"])[0]) >= page]
    assert [r["limit"] for r in whole] == [[str(n)] for n in sizes]
    assert ["cursor" in r for r in whole] == [False] + [True] * (len(sizes) - 1)
