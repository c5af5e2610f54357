"""The adaptations of pygeoapi (ogc/compat.py): each is in place once pygeoapi is put to work,
shows its effect through /ogc, and still matches the pygeoapi it was written for."""

from __future__ import annotations

import ast
import inspect
import json
import logging
import math
import re
import subprocess
import sys
from importlib.metadata import version
from pathlib import Path

import pygeoapi
import pygeoapi.api.itemtypes
import pygeoapi.util
import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.test import Client
from pygeoapi.provider.sql import PostgreSQLProvider
from pyproj import Transformer

import ogc
import ogc.api
import ogc.provider
from ogc import compat
from ogc.config import build_config
from tests.conftest import REPO_ROOT
from tests.factories import ORIGIN, SRID, ParcelFactory, rect

EPSG = "http://www.opengis.net/def/crs/EPSG/0/"
PYGEOAPI_ROOT = Path(pygeoapi.__file__).parent
R = 6378137.0  # radius of the Web Mercator sphere


def pygeoapi_modules() -> dict[str, ast.Module]:
    """Every module of the installed pygeoapi, parsed (not imported: some need optional
    dependencies)."""
    out = {}
    for path in sorted(PYGEOAPI_ROOT.rglob("*.py")):
        parts = path.relative_to(PYGEOAPI_ROOT).with_suffix("").parts
        name = ".".join(("pygeoapi", *parts)).removesuffix(".__init__")
        out[name] = ast.parse(path.read_text(encoding="utf-8"))
    return out


def importers_by_name(name: str, home: str) -> set[str]:
    """The pygeoapi modules that hold their own binding of ``home.name`` (``from home import
    name``), which a replacement must reach one by one."""
    found = set()
    for module, tree in pygeoapi_modules().items():
        for node in ast.walk(tree):
            if not isinstance(node, ast.ImportFrom):
                continue
            if node.level:  # relative: resolved against the module's package
                package = module.split(".")[: -node.level]
                source = ".".join([*package, *([node.module] if node.module else [])])
            else:
                source = node.module or ""
            if source == home and any(alias.name == name for alias in node.names):
                found.add(module)
    return found


# -- each adaptation is in place ----------------------------------------------------------------


def test_replacements_are_active_once_an_api_is_built():
    ogc.api.CasaAPI(build_config([]))
    assert pygeoapi.api.itemtypes.transform_bbox is compat.transform_bbox
    assert pygeoapi.api.itemtypes.create_crs_transform_spec is compat.create_crs_transform_spec
    assert pygeoapi.util.to_json is compat.to_json  # the templates' to_json filter
    assert pygeoapi.api.itemtypes.to_json is compat.to_json
    assert pygeoapi.api.to_json is compat.to_json


@pytest.mark.parametrize("replacement", compat.REPLACEMENTS, ids=lambda r: r.name)
def test_every_module_importing_a_replaced_function_is_rebound(replacement):
    importers = importers_by_name(replacement.name, replacement.home)
    assert importers, f"no pygeoapi module imports {replacement.name}: is it still used?"
    assert importers <= set(replacement.modules), "new importers: add them to compat.REPLACEMENTS"
    assert set(replacement.modules) <= importers | {replacement.home}
    # No module reaches it as an attribute (``crs.transform_bbox``), which rebinding by name
    # would miss unless the home module were rebound too.
    for module, tree in pygeoapi_modules().items():
        attributes = [n for n in ast.walk(tree) if isinstance(n, ast.Attribute)]
        assert not [a for a in attributes if a.attr == replacement.name], module
    compat.apply()  # imports each module that can be loaded here
    loaded = [m for m in replacement.modules if m in sys.modules]
    assert "pygeoapi.api.itemtypes" in loaded
    for module in loaded:
        assert getattr(sys.modules[module], replacement.name) is replacement.function, module


def test_apply_is_idempotent():
    compat.apply()
    compat.apply()
    assert pygeoapi.api.itemtypes.transform_bbox is compat.transform_bbox
    assert pygeoapi.util.to_json is compat.to_json


def test_nothing_is_replaced_when_a_module_is_imported():
    """ogc.compat, ogc.api and ogc.provider change nothing by being imported: no statement at
    module level calls anything or assigns another module's attribute; apply() does the work."""
    for module in (compat, ogc.api, ogc.provider):
        tree = ast.parse(inspect.getsource(module))
        calls = [n for n in tree.body if isinstance(n, ast.Expr) and isinstance(n.value, ast.Call)]
        assert not calls, (module.__name__, [ast.unparse(n) for n in calls])
        foreign = [
            target
            for node in tree.body
            if isinstance(node, ast.Assign)
            for target in node.targets
            if isinstance(target, ast.Attribute)
        ]
        assert not foreign, (module.__name__, [ast.unparse(t) for t in foreign])


def test_pygeoapi_logs_only_its_errors_by_the_logging_setting():
    assert settings.LOGGING["loggers"]["pygeoapi"]["level"] == "ERROR"
    sql_logger = logging.getLogger("pygeoapi.provider.sql")
    assert not sql_logger.isEnabledFor(logging.WARNING)
    assert sql_logger.isEnabledFor(logging.ERROR)
    assert "setLevel" not in inspect.getsource(ogc.api)


# -- their effect through /ogc ------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_markup_in_data_comes_back_as_json_escapes(client: Client):
    parcel = ParcelFactory(address="1 rue <b>Tahar</b>", geom=rect(0, 0, 10, 10))
    response = client.get(
        f"/ogc/collections/parcels/items/{parcel.pk}", {"f": "json"}, HTTP_HOST="127.0.0.1"
    )
    assert response.status_code == 200
    assert b'"1 rue \\u003cb\\u003eTahar\\u003c/b\\u003e"' in response.content
    assert b"&lt;" not in response.content


def mercator(lon: float, lat: float) -> tuple[float, float]:
    """Spherical Mercator (EPSG:3857) by its formula."""
    return math.radians(lon) * R, math.log(math.tan(math.pi / 4 + math.radians(lat) / 2)) * R


def lonlat(x: float, y: float) -> tuple[float, float]:
    """The inverse of :func:`mercator`."""
    return math.degrees(x / R), math.degrees(2 * math.atan(math.exp(y / R)) - math.pi / 2)


@pytest.mark.parametrize(
    ("from_crs", "box"),
    [
        ("http://www.opengis.net/def/crs/OGC/1.3/CRS84", (-7.62, 33.57, -7.614, 33.576)),
        ("http://www.opengis.net/def/crs/OGC/1.3/CRS84", (-8.0, 33.0, -7.0, 34.0)),  # 100 km
        (f"{EPSG}3857", (-848000.0, 3972000.0, -842000.0, 3978000.0)),
    ],
)
def test_a_box_is_transformed_as_transform_bounds_does(from_crs, box):
    """The densified edges transformed at once give pyproj's own ``transform_bounds`` (the same
    points: 21 between the corners of each edge), to a millimetre."""
    storage = f"{EPSG}{SRID}"
    expected = Transformer.from_crs(
        compat.get_crs(from_crs), compat.get_crs(storage), always_xy=True
    ).transform_bounds(*box, densify_pts=21)
    got = compat.transform_bbox(list(box), from_crs, storage, always_xy=True)
    assert got == pytest.approx(list(expected), abs=1e-3)


def test_a_crs_transform_spec_is_made_once_and_equals_pygeoapis():
    from pygeoapi.crs import create_crs_transform_spec as upstream

    storage = f"{EPSG}{SRID}"
    offered = ["http://www.opengis.net/def/crs/OGC/1.3/CRS84", f"{EPSG}4326", storage]
    provider_def = {"storage_crs": storage, "crs": offered, "name": "x", "data": {}}
    for query in (None, f"{EPSG}4326", storage, "http://www.opengis.net/def/crs/OGC/1.3/CRS84"):
        ours = compat.create_crs_transform_spec(dict(provider_def), query)
        assert ours == upstream(provider_def, query)
        assert compat.create_crs_transform_spec(dict(provider_def), query) is ours  # kept
    # Other settings, another answer; a CRS not offered is refused every time.
    assert compat.create_crs_transform_spec({"crs": offered[:2]}, None) == upstream(
        {"crs": offered[:2]}, None
    )
    for _ in range(2):
        with pytest.raises(ValueError, match="not supported"):
            compat.create_crs_transform_spec(provider_def, f"{EPSG}2154")


@pytest.mark.django_db(transaction=True)
def test_a_bbox_in_epsg_3857_is_densified_into_the_storage_crs(client: Client):
    """A 6 km box in Web Mercator around ORIGIN is turned by a degree or so in the storage CRS
    (the meridians converge away from its central meridian): two of its corners stick out of the
    box spanned by the other two, which is all that pygeoapi transforms. A small parcel in one of
    those corners, inside the Web Mercator box, is found only if the box was densified."""
    to_storage = Transformer.from_crs(4326, SRID, always_xy=True)
    to_lonlat = Transformer.from_crs(SRID, 4326, always_xy=True)
    mx, my = mercator(*to_lonlat.transform(*ORIGIN))
    half = 3000.0
    west, south, east, north = mx - half, my - half, mx + half, my + half
    (x1, y1), (x2, y2) = (
        to_storage.transform(*lonlat(x, y)) for x, y in ((west, south), (east, north))
    )

    def outside_two_corner_box(x: float, y: float) -> float:
        return max(x1 - x, x - x2, y1 - y, y - y2)

    # The corner sticking out furthest, and a point 30 Mercator metres inside the box from it.
    corners = [(west, north), (east, south), (west, south), (east, north)]
    cx, cy = max(corners, key=lambda c: outside_two_corner_box(*to_storage.transform(*lonlat(*c))))
    inside = (cx + math.copysign(30, mx - cx), cy + math.copysign(30, my - cy))
    assert west < inside[0] < east and south < inside[1] < north
    px, py = to_storage.transform(*lonlat(*inside))
    assert outside_two_corner_box(px, py) > 20  # metres: pygeoapi's own box misses it
    corner = ParcelFactory(
        reference="TF 31/C", geom=rect(px - ORIGIN[0] - 2, py - ORIGIN[1] - 2, 4, 4)
    )
    ParcelFactory(reference="TF 32/C", geom=rect(0, 0, 10, 10))  # at ORIGIN, the centre
    ParcelFactory(reference="TF 33/C", geom=rect(9000, 0, 10, 10))  # 9 km east: outside
    params = {"bbox": f"{west},{south},{east},{north}", "bbox-crs": f"{EPSG}3857", "f": "json"}
    response = client.get("/ogc/collections/parcels/items", params, HTTP_HOST="127.0.0.1")
    assert response.status_code == 200, response.content
    found = {f["properties"]["reference"] for f in json.loads(response.content)["features"]}
    assert found == {corner.reference, "TF 32/C"}


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(("lang", "direction"), [("ar", "rtl"), ("fr", "ltr"), ("en", "ltr")])
def test_pages_have_the_text_direction_of_their_language(client: Client, lang, direction):
    page = client.get("/ogc", {"f": "html", "lang": lang}, HTTP_HOST="127.0.0.1")
    assert page.status_code == 200
    html = page.content.decode()
    assert f'<html lang="{lang}" dir="{direction}"' in html
    assert "text_direction" not in html


# -- the version guard --------------------------------------------------------------------------


@pytest.mark.parametrize("installed", ["0.24.0", "0.24.7", "0.24.1rc1"])
def test_versions_in_range_are_accepted(installed):
    compat.check_version(installed)


@pytest.mark.parametrize("installed", ["0.25.0", "0.25.0.dev0", "0.23.9", "1.0.0", "0.2.40", "x"])
def test_versions_out_of_range_are_refused(installed):
    with pytest.raises(ImproperlyConfigured, match=f"pygeoapi {installed} is installed"):
        compat.check_version(installed)


def test_the_installed_pygeoapi_is_in_range():
    compat.check_version(version("pygeoapi"))


def test_the_system_checks_refuse_a_release_out_of_range(monkeypatch):
    """The adaptations wait for the first OGC request; ``manage.py check`` (and every start that
    runs the checks) refuses a pygeoapi they were not written for before that."""
    import importlib.metadata

    from ogc.checks import check_pygeoapi_release

    assert check_pygeoapi_release() == []
    real = importlib.metadata.version
    monkeypatch.setattr(
        importlib.metadata, "version", lambda name: "0.25.1" if name == "pygeoapi" else real(name)
    )
    errors = check_pygeoapi_release()
    assert [e.id for e in errors] == ["ogc.E006"]
    assert "pygeoapi 0.25.1 is installed" in errors[0].msg


# -- what pygeoapi must still be ----------------------------------------------------------------


@pytest.mark.parametrize("key", sorted(compat.UPSTREAM_SOURCES))
def test_pygeoapi_did_not_change_what_is_replaced_or_relied_upon(key):
    expected, why = compat.UPSTREAM_SOURCES[key]
    assert compat.upstream_digest(key) == expected, (
        f"pygeoapi changed {key} ({why}): read it again, then update ogc/compat.py"
    )


def test_the_fingerprint_reads_the_installed_source_not_the_replacement():
    source = compat.upstream_source("pygeoapi.util:to_json")
    assert source.startswith("def to_json(") and "&lt;" in source
    with pytest.raises(LookupError):
        compat.upstream_source("pygeoapi.util:no_such_function")


def test_the_template_fix_matches_the_installed_template():
    base = (PYGEOAPI_ROOT / "templates" / "_base.html").read_text(encoding="utf-8")
    for broken, fixed in compat.TEMPLATE_FIXES:
        assert base.count(broken) == 1
        assert broken not in compat.fix_template(base) and fixed in compat.fix_template(base)


def provider_calls() -> set[str]:
    """The methods ``CasaPostgreSQLProvider`` calls on ``self`` without defining them, and those
    it calls on ``super()``: what it takes from pygeoapi."""
    tree = ast.parse(inspect.getsource(ogc.provider.CasaPostgreSQLProvider))
    (cls,) = tree.body
    assert isinstance(cls, ast.ClassDef)
    own = {n.name for n in cls.body if isinstance(n, ast.FunctionDef)}
    used = set()
    for node in ast.walk(cls):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            target = node.func.value
            name = node.func.attr
            if isinstance(target, ast.Name) and target.id == "self" and name not in own:
                used.add(name)
            if isinstance(target, ast.Call) and ast.unparse(target) == "super()":
                used.add(name)
    return {name for name in used if name.startswith("_") and name != "__init__"}


def test_the_private_methods_the_provider_uses_are_declared_and_exist():
    assert provider_calls() == set(compat.PROVIDER_METHODS)
    compat.check_provider_methods()
    for name, parameters in compat.PROVIDER_METHODS.items():
        method = getattr(PostgreSQLProvider, name)
        assert tuple(inspect.signature(method).parameters) == parameters
        owner = method.__qualname__.split(".")[0]
        assert f"pygeoapi.provider.sql:{owner}.{name}" in compat.UPSTREAM_SOURCES


def test_pygeoapi_is_loaded_and_adapted_when_it_is_put_to_work(manage_env):
    """Starting the application loads no pygeoapi; the system checks (which load the URLs and
    the OGC views) load it but leave it as it is, and leave SQLAlchemy, which only the provider
    needs, to the first OGC request, where the provider's methods are checked; building the
    first API object puts the adaptations in place."""
    code = (
        "import sys, django; django.setup(); print('pygeoapi' in sys.modules); "
        "import io; from django.core.management import call_command; "
        "call_command('check', stdout=io.StringIO()); "
        "import pygeoapi.api.itemtypes as it; from ogc import api, compat; "
        "print(it.transform_bbox is compat.transform_bbox, 'sqlalchemy' in sys.modules); "
        "from ogc.config import build_config; api.CasaAPI(build_config([])); "
        "print(it.transform_bbox is compat.transform_bbox, 'sqlalchemy' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        cwd=REPO_ROOT,
        env=manage_env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout.split() == ["False", "False", "False", "True", "False"]


def test_a_changed_private_method_is_refused():
    class Changed(PostgreSQLProvider):
        def _get_datetime_filter(self, datetime_, tz):  # one more parameter
            return True

    class Missing(PostgreSQLProvider):
        _sqlalchemy_to_feature = None

    with pytest.raises(ImproperlyConfigured, match="_get_datetime_filter"):
        compat.check_provider_methods(Changed)
    with pytest.raises(ImproperlyConfigured, match="_sqlalchemy_to_feature is missing"):
        compat.check_provider_methods(Missing)


# -- the patches written out for pygeoapi -------------------------------------------------------


def upstream_patches() -> list[tuple[str, list[str]]]:
    """(file, lines of the diff) of each patch in ogc/UPSTREAM.md."""
    text = (Path(ogc.__file__).parent / "UPSTREAM.md").read_text(encoding="utf-8")
    patches = []
    for block in re.findall(r"```diff\n(.*?)```", text, re.DOTALL):
        lines = block.splitlines()
        assert lines[0].startswith("--- a/pygeoapi/") and lines[1].startswith("+++ b/pygeoapi/")
        patches.append((lines[0].removeprefix("--- a/pygeoapi/"), lines[2:]))
    return patches


def test_upstream_md_holds_the_patches():
    files = [path for path, _ in upstream_patches()]
    assert files == [
        "util.py",
        "templates/_base.html",
        "crs.py",
        "provider/sql.py",
        "django_/views.py",
    ]


@pytest.mark.parametrize(
    ("path", "diff"), upstream_patches(), ids=[p for p, _ in upstream_patches()]
)
def test_each_upstream_patch_applies_to_the_installed_pygeoapi(path, diff):
    """Each hunk's old side (context and removed lines) is the installed file at the line the hunk
    names, and its counts are right: the patch applies as written."""
    installed = (PYGEOAPI_ROOT / path).read_text(encoding="utf-8").splitlines()
    hunks = [i for i, line in enumerate(diff) if line.startswith("@@ ")]
    assert hunks and hunks[0] == 0
    for start, end in zip(hunks, [*hunks[1:], len(diff)], strict=True):
        header = re.match(r"@@ -(\d+),(\d+) \+(\d+),(\d+) @@", diff[start])
        assert header, diff[start]
        old_start, old_count, _, new_count = (int(g) for g in header.groups())
        body = diff[start + 1 : end]
        assert all(line[:1] in (" ", "-", "+") for line in body), "a line lost its first column"
        old = [line[1:] for line in body if line[:1] in (" ", "-")]
        new = [line[1:] for line in body if line[:1] in (" ", "+")]
        assert (len(old), len(new)) == (old_count, new_count)
        assert installed[old_start - 1 : old_start - 1 + old_count] == old
