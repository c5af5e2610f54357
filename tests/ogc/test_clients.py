"""Real clients against the production server (gunicorn) on the test database: GDAL's OAPIF
driver (ogrinfo, ogr2ogr), owslib, and QGIS's OAPIF provider (Debian's PyQGIS, in a subprocess)."""

from __future__ import annotations

import json
import os
import subprocess
import textwrap

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
    x0, y0 = ORIGIN
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
