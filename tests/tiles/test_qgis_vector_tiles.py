"""QGIS 3.22's "Vector Tiles" connection on the production server (gunicorn): a layer opened
with the tile URL template and the style URL (``type=xyz&url=...&zmin=..&zmax=..&styleUrl=...``,
what QGIS's connection dialog writes), its style loaded from the style URL by QGIS itself
(``loadDefaultStyle``), renders hand-made features in the registry's colours.

PyQGIS runs only under Debian's own Python (``/usr/bin/python3``), so QGIS opens, styles and
renders in a subprocess and reports the colours of chosen pixels. The pixels are placed by hand:
a feature's corners in metres from ``ORIGIN`` (storage SRID) go to longitude/latitude with pyproj
and to Web Mercator with its formula, and the map's extent and image size are chosen here, so a
point's pixel is plain arithmetic. The expected colours are the registry's colours composed over
the white map background with their opacity (``alpha * colour + (1 - alpha) * 255``); the
tolerance is two levels per channel, for the rounding of an 8-bit image with premultiplied alpha.
Probes sit well inside each area (at least 10 px from any edge), so antialiasing of the edges and
the outlines (under 3 px wide) never reaches them."""

from __future__ import annotations

import json
import os
import re
import secrets
import socket
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT, wait_for_http
from tests.factories import GreenSpaceFactory, ParcelFactory, RoadSegmentFactory, line, rect
from tests.tiles.conftest import lonlat, mercator

QGIS_PYTHON = "/usr/bin/python3"

pytestmark = pytest.mark.slow

# The map: 600 x 300 pixels over the storage-SRID rectangle x -100..500 m, y -100..200 m from
# ORIGIN (its corners taken to Web Mercator), about 1.2 Web Mercator metres a pixel: the
# resolution of zoom 17, drawn by QGIS 3.22 from zoom 16 tiles.
EXTENT_M = (-100.0, -100.0, 500.0, 200.0)
SIZE = (600, 300)

WHITE = (255, 255, 255)


def hex_rgb(colour: str) -> tuple[int, int, int]:
    return int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16)


def over_white(colour: str, alpha: float) -> tuple[float, float, float]:
    r, g, b = hex_rgb(colour)
    return tuple(alpha * c + (1 - alpha) * 255 for c in (r, g, b))  # type: ignore[return-value]


def over(colour: str, alpha: float, below: tuple[float, float, float]) -> tuple[float, ...]:
    return tuple(alpha * c + (1 - alpha) * u for c, u in zip(hex_rgb(colour), below, strict=True))


def map_extent() -> tuple[float, float, float, float]:
    """The Web Mercator rectangle of the map: the one holding the storage-SRID rectangle's
    corners (its sides are nearly straight at this size)."""
    xs, ys = [], []
    for x in (EXTENT_M[0], EXTENT_M[2]):
        for y in (EXTENT_M[1], EXTENT_M[3]):
            mx, my = mercator(*lonlat(x, y))
            xs.append(mx)
            ys.append(my)
    return min(xs), min(ys), max(xs), max(ys)


def pixel(x: float, y: float) -> tuple[int, int]:
    """The image pixel (column, row) of the point ``x``, ``y`` metres from ORIGIN."""
    xmin, ymin, xmax, ymax = map_extent()
    mx, my = mercator(*lonlat(x, y))
    return int((mx - xmin) / (xmax - xmin) * SIZE[0]), int((ymax - my) / (ymax - ymin) * SIZE[1])


QGIS_SCRIPT = textwrap.dedent("""
    import json, sys
    from qgis.core import (
        QgsApplication, QgsCoordinateReferenceSystem, QgsDataSourceUri, QgsMapRendererSequentialJob,
        QgsMapSettings, QgsRectangle, QgsVectorTileLayer,
    )
    from qgis.PyQt.QtCore import QSize
    from qgis.PyQt.QtGui import QColor

    job = json.loads(sys.argv[1])
    app = QgsApplication([], False)
    app.initQgis()
    out = {"layers": []}
    layers = []
    for spec in job["layers"]:
        uri = QgsDataSourceUri()
        uri.setParam("type", "xyz")
        uri.setParam("url", spec["url"])
        uri.setParam("zmin", str(spec["zmin"]))
        uri.setParam("zmax", str(spec["zmax"]))
        uri.setParam("styleUrl", spec["style"])
        layer = QgsVectorTileLayer(bytes(uri.encodedUri()).decode(), spec["name"])
        info = {"name": spec["name"], "valid": layer.isValid()}
        if layer.isValid():
            message, ok = layer.loadDefaultStyle()
            info["style_loaded"] = ok
            info["message"] = message
            info["style_count"] = len(layer.renderer().styles()) if layer.renderer() else 0
        out["layers"].append(info)
        layers.append(layer)
    settings = QgsMapSettings()
    settings.setDestinationCrs(QgsCoordinateReferenceSystem("EPSG:3857"))
    settings.setLayers(list(reversed(layers)))  # QGIS lists the top layer first
    settings.setExtent(QgsRectangle(*job["extent"]))
    settings.setOutputSize(QSize(*job["size"]))
    settings.setOutputDpi(96)
    settings.setBackgroundColor(QColor(255, 255, 255))
    render = QgsMapRendererSequentialJob(settings)
    render.start()
    render.waitForFinished()
    image = render.renderedImage()
    image.save(job["image"])
    out["image_size"] = [image.width(), image.height()]
    out["errors"] = [e.message for e in render.errors()]
    out["pixels"] = {}
    for name, (col, row) in job["probes"].items():
        c = QColor(image.pixel(col, row))
        out["pixels"][name] = [c.red(), c.green(), c.blue()]
    out["strips"] = {}
    for name, (col, row0, row1) in job.get("strips", {}).items():
        strip = []
        for row in range(row0, row1 + 1):
            c = QColor(image.pixel(col, row))
            strip.append([c.red(), c.green(), c.blue()])
        out["strips"][name] = strip
    del layers, layer
    app.exitQgis()
    print("RESULT " + json.dumps(out))
""")


def qgis_available() -> bool:
    if not Path(QGIS_PYTHON).exists():
        return False
    probe = subprocess.run(
        [QGIS_PYTHON, "-c", "import qgis.core"],
        capture_output=True,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
        timeout=120,
    )
    return probe.returncode == 0


@pytest.fixture
def tile_server(transactional_db, manage_env, tmp_path) -> Iterator[tuple[str, Path]]:
    """gunicorn against the test database, its ``PUBLIC_URL`` its own address (the styles'
    sources lead back to it), its own ``var/`` (tile cache) and an access log: (base, log)."""
    from django.db import connection

    s = connection.settings_dict
    url = f"postgresql://{s['USER']}:{s['PASSWORD']}@{s['HOST']}:{s['PORT']}/{s['NAME']}"
    # The socket is bound here and handed over, so no other server can take the port between.
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    base = f"http://127.0.0.1:{port}"
    access = tmp_path / "access.log"
    log_path = tmp_path / "gunicorn.log"
    env = {
        **manage_env,
        "DATABASE_URL": url,
        "GEOPORTAL_DB_CONN_MAX_AGE": "0",
        "GEOPORTAL_VAR_DIR": str(tmp_path / "var"),
        "GEOPORTAL_SECRET_KEY": secrets.token_urlsafe(50),
        "GEOPORTAL_PUBLIC_URL": base,
        "GEOPORTAL_BASEMAP_URL": "",
    }
    with listener, log_path.open("wb") as log:
        fd = listener.fileno()
        gunicorn = str(Path(sys.executable).parent / "gunicorn")
        command = [gunicorn, "geoportal.wsgi", "--bind", f"fd://{fd}", "--workers", "2"]
        command += ["--timeout", "300", "--no-control-socket", "--access-logfile", str(access)]
        proc = subprocess.Popen(
            command, cwd=REPO_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, pass_fds=[fd]
        )
    try:
        try:
            wait_for_http(base + "/healthz", timeout=300)
        except TimeoutError:
            raise TimeoutError(log_path.read_text()[-5000:]) from None
        yield base, access
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def run_qgis(job: dict, tmp_path: Path) -> dict:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "XDG_RUNTIME_DIR": str(tmp_path)}
    env["HOME"] = str(tmp_path)  # QGIS writes its profile under the home folder
    env.pop("PYTHONPATH", None)
    done = subprocess.run(
        [QGIS_PYTHON, "-c", QGIS_SCRIPT, json.dumps(job)],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )
    found = re.search(r"^RESULT (.*)$", done.stdout, re.MULTILINE)
    assert found, f"QGIS failed ({done.returncode}): {done.stderr[-3000:]}"
    return json.loads(found[1])


def close_to(actual, expected, tolerance: float = 2.0) -> bool:
    return all(abs(a - e) <= tolerance for a, e in zip(actual, expected, strict=True))


def logged_paths(access: Path) -> list[tuple[str, int]]:
    found = []
    for entry in access.read_text().splitlines():
        match = re.search(r'"GET (\S+) HTTP/[\d.]+" (\d{3})', entry)
        if match:
            found.append((match[1], int(match[2])))
    return found


@pytest.fixture
def city(transactional_db):
    """A parcel, a green space and a motorway at known places (metres from ORIGIN)."""
    ParcelFactory(reference="TF 1/Q", geom=rect(0, 0, 100, 100))
    GreenSpaceFactory(name_fr="Jardin Q", geom=rect(250, 0, 150, 100))
    RoadSegmentFactory(road_class="motorway", geom=line((-100, 150), (500, 150)))


def layer_spec(base: str, slugs: str, style: str, zmin: int) -> dict:
    return {
        "name": slugs,
        "url": f"{base}/tiles/{slugs}/{{z}}/{{x}}/{{y}}.mvt",
        "zmin": zmin,
        "zmax": 22,
        "style": style,
    }


def test_qgis_draws_each_layer_in_its_registry_style(city, tile_server, tmp_path):
    if not qgis_available():
        pytest.skip(f"QGIS (python3-qgis) is not installed for {QGIS_PYTHON}")
    base, access = tile_server
    # The URL template QGIS is given is the one the layer's own style names as its source.
    import urllib.request

    with urllib.request.urlopen(f"{base}/tiles/parcels/style.json", timeout=60) as response:
        parcels_style = json.load(response)
    assert parcels_style["sources"]["parcels"]["tiles"] == [
        f"{base}/tiles/parcels/{{z}}/{{x}}/{{y}}.mvt"
    ]
    probes = {
        "parcel": pixel(50, 50),
        "green": pixel(325, 50),
        "between": pixel(175, 50),  # 75 m from the parcel, 75 m from the green space
        "south": pixel(200, -60),
    }
    job = {
        "layers": [
            layer_spec(base, slug, f"{base}/tiles/{slug}/style.json", zmin)
            for slug, zmin in (("green-spaces", 11), ("parcels", 14), ("roads", 10))
        ],
        "extent": list(map_extent()),
        "size": list(SIZE),
        "image": str(tmp_path / "map.png"),
        "probes": probes,
        # a column across the road (y = 150 m): rows 8 px above to 8 px below
        "strips": {"road": [pixel(175, 150)[0], pixel(175, 150)[1] - 8, pixel(175, 150)[1] + 8]},
    }
    result = run_qgis(job, tmp_path)
    assert result["image_size"] == list(SIZE)
    for info in result["layers"]:
        assert info["valid"], info
        assert info["style_loaded"], info
        assert info["style_count"] >= 1, info
    pixels = result["pixels"]
    # layers/parcels/layers.py: fill #f6ddcc at 0.25; green-spaces: #58d68d at 0.5
    assert close_to(pixels["parcel"], over_white("#f6ddcc", 0.25)), pixels
    assert close_to(pixels["green"], over_white("#58d68d", 0.5)), pixels
    assert close_to(pixels["between"], WHITE, 0), pixels
    assert close_to(pixels["south"], WHITE, 0), pixels
    # roads: motorway #c0392b, 2 px wide: a band 2 px wide covers at least one whole pixel row,
    # which then has the line's colour (line opacity 1)
    strip = result["strips"]["road"]
    assert any(close_to(colour, hex_rgb("#c0392b")) for colour in strip), strip
    assert close_to(strip[0], WHITE, 0) and close_to(strip[-1], WHITE, 0), strip
    # QGIS took the styles and the tiles from this server
    requested = logged_paths(access)
    for slug in ("parcels", "green-spaces", "roads"):
        assert (f"/tiles/{slug}/style.json", 200) in requested
        # (QGIS 3.22 takes zoom 16 tiles for this map of about 1.2 m a pixel)
        assert any(
            path.startswith(f"/tiles/{slug}/16/") and status == 200 for path, status in requested
        ), requested


def test_qgis_draws_the_portals_default_map(city, tile_server, tmp_path):
    """One QGIS layer with every source-layer of ``/tiles/style.json`` and that style: the
    portal's own basemap under its default layers, each drawn as the portal draws it."""
    if not qgis_available():
        pytest.skip(f"QGIS (python3-qgis) is not installed for {QGIS_PYTHON}")
    base, access = tile_server
    import urllib.request

    with urllib.request.urlopen(f"{base}/tiles/style.json", timeout=60) as response:
        style = json.load(response)
    # every source-layer the style paints, in one tile URL
    slugs = ",".join(
        dict.fromkeys(lyr["source-layer"] for lyr in style["layers"] if "source-layer" in lyr)
    )
    job = {
        "layers": [layer_spec(base, slugs, f"{base}/tiles/style.json", 6)],
        "extent": list(map_extent()),
        "size": list(SIZE),
        "image": str(tmp_path / "default.png"),
        "probes": {"parcel": pixel(50, 50), "green": pixel(325, 50), "between": pixel(175, 50)},
    }
    result = run_qgis(job, tmp_path)
    (info,) = result["layers"]
    assert info["valid"] and info["style_loaded"], info
    pixels = result["pixels"]
    # the parcel: no basemap layer under it, its fill over white
    assert close_to(pixels["parcel"], over_white("#f6ddcc", 0.25)), pixels
    # the green space: the basemap's opaque #a9dfbf, then the overlay's #58d68d at 0.5
    assert close_to(pixels["green"], over("#58d68d", 0.5, hex_rgb("#a9dfbf"))), pixels
    assert close_to(pixels["between"], WHITE, 0), pixels
    assert ("/tiles/style.json", 200) in logged_paths(access)
