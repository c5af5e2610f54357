"""pygeoapi's HTML templates, served without any outside host.

pygeoapi's own templates load Bootstrap, Leaflet, Leaflet.markercluster, Leaflet.draw and Swagger UI
from CDNs. Here they are copied once from the installed pygeoapi, with each of those addresses
replaced by the same library installed from npm into our static files (``bin/build-frontend``), so
the OGC pages work on a closed network and follow a pygeoapi upgrade without hand-kept copies.
pygeoapi reads them through ``server.templates.path``. This is configuration, not a patch of
pygeoapi; the fixes of pygeoapi's own template bugs are made on the way (``ogc.compat.fix_template``).
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
import shutil
import tempfile
from importlib.metadata import version
from pathlib import Path

import pygeoapi
from django.conf import settings

from ogc.compat import fix_template

PYGEOAPI_TEMPLATES = Path(pygeoapi.__file__).resolve().parent / "templates"

# CDN address (regular expression) -> static file installed from npm.
LOCAL_LIBRARIES: tuple[tuple[str, str], ...] = (
    (r"https://unpkg\.com/leaflet@[\d.]+/dist/leaflet\.css", "vendor/leaflet/leaflet.css"),
    (r"https://unpkg\.com/leaflet@[\d.]+/dist/leaflet\.js", "vendor/leaflet/leaflet.js"),
    (
        r"https://cdnjs\.cloudflare\.com/ajax/libs/leaflet/[\d.]+/leaflet\.js",
        "vendor/leaflet/leaflet.js",
    ),
    (
        r"https://unpkg\.com/leaflet\.markercluster/dist/MarkerCluster\.css",
        "vendor/leaflet.markercluster/MarkerCluster.css",
    ),
    (
        r"https://unpkg\.com/leaflet\.markercluster/dist/MarkerCluster\.Default\.css",
        "vendor/leaflet.markercluster/MarkerCluster.Default.css",
    ),
    (
        r"https://unpkg\.com/leaflet\.markercluster/dist/leaflet\.markercluster-src\.js",
        "vendor/leaflet.markercluster/leaflet.markercluster-src.js",
    ),
    (
        r"https://unpkg\.com/leaflet-draw@[\d.]+/dist/leaflet\.draw\.css",
        "vendor/leaflet-draw/leaflet.draw.css",
    ),
    (
        r"https://unpkg\.com/leaflet-draw@[\d.]+/dist/leaflet\.draw\.js",
        "vendor/leaflet-draw/leaflet.draw.js",
    ),
    (
        r"https://unpkg\.com/leaflet\.vectorgrid@[\w.]+/dist/Leaflet\.VectorGrid\.bundled\.js",
        "vendor/leaflet.vectorgrid/Leaflet.VectorGrid.bundled.min.js",
    ),
    (
        r"https://unpkg\.com/bootstrap@[\d.]+/dist/css/bootstrap\.min\.css",
        "vendor/bootstrap/bootstrap.min.css",
    ),
    (r"https://unpkg\.com/swagger-ui-dist/([\w.-]+)", r"vendor/swagger-ui/\1"),
)

# Dropped rather than fetched: html5shiv is for Internet Explorer 8, and the OGC API Maps overlay is
# used only for collections with a map link, which the platform does not publish.
DROPPED = (
    r'<script src="https://cdnjs\.cloudflare\.com/ajax/libs/html5shiv/[^"]+"></script>',
    r'<script src="https://unpkg\.com/leaflet-imageoverlay-ogcapi@[^"]+"></script>',
)

# The pages an OGC API Features service shows; the others (EDR, coverages, STAC, AsyncAPI) are not
# served by the platform.
SERVED = re.compile(
    r"^(_base|landing_page|conformance|exception|openapi/\w+|collections/"
    r"(index|collection|queryables|schema|items/\w+|tiles/\w+))\.html$"
)


def static_url(path: str) -> str:
    """The file's plain static address: served by WhiteNoise alongside the hashed copy, and known
    without the static manifest (so building the pygeoapi config never depends on collectstatic)."""
    return settings.STATIC_URL.rstrip("/") + "/" + path


def localise(text: str) -> str:
    for pattern in DROPPED:
        text = re.sub(pattern, "", text)
    for pattern, target in LOCAL_LIBRARIES:
        text = re.sub(pattern, functools.partial(_static_match, target), text)
    return text


def _static_match(target: str, match: re.Match[str]) -> str:
    return static_url(match.expand(target))


@functools.cache
def local_templates_dir() -> Path:
    """The rewritten templates under ``var/ogc/``, in a folder named by their content (the static
    names they point to carry the static manifest's hashes), built once per process; workers that
    build the same content share one folder."""
    pages: dict[str, str] = {}
    for source in sorted(PYGEOAPI_TEMPLATES.rglob("*.html")):
        relative = source.relative_to(PYGEOAPI_TEMPLATES).as_posix()
        if SERVED.match(relative):
            pages[relative] = localise(fix_template(source.read_text(encoding="utf-8")))
    # ReDoc is not installed: its page shows Swagger UI rather than a CDN copy of ReDoc.
    pages["openapi/redoc.html"] = pages["openapi/swagger.html"]
    digest = hashlib.sha256(json.dumps(pages, sort_keys=True).encode()).hexdigest()[:16]
    target = Path(settings.VAR_DIR) / "ogc" / f"templates-{version('pygeoapi')}-{digest}"
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        scratch = Path(tempfile.mkdtemp(prefix=".templates-", dir=target.parent))
        for relative, text in pages.items():
            out = scratch / relative
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_text(text, encoding="utf-8")
        try:
            scratch.rename(target)
        except OSError:  # another worker got there first, with the same content
            shutil.rmtree(scratch, ignore_errors=True)
    return target
