"""The map editor in headless Chromium against the production server (gunicorn): planners draw
with snapping, fill the form generated from the registry, save through the OGC API, meet
another planner's change (412), restore a version; the layer's rules and the planner's districts
are enforced; users without the permission see no editing control and cannot write.

Geometries are hand-made in metres from ``ORIGIN`` (storage CRS), so the expected vertices,
areas and overlaps are known without the code under test. Screenshots go to
``tests/artifacts/editor/``.
"""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.contrib.auth.models import Group, Permission
from django.contrib.gis.geos import Point

from layers.common.history import acting_as
from layers.common.models import HistoryEntry
from layers.parcels.models import Parcel
from tests.conftest import REPO_ROOT
from tests.factories import ORIGIN, ArrondissementFactory, ParcelFactory, rect
from tests.portal.conftest import to_lonlat
from tests.portal.test_browser import layers_drawn, map_point

pytestmark = pytest.mark.slow

expect = pytest.importorskip("playwright.sync_api").expect
expect.set_options(timeout=90_000)  # a machine busy with other runs is slow

ARTIFACTS = REPO_ROOT / "tests" / "artifacts" / "editor"
PASSWORD = "editor-pw-2026"
PARCEL_PERMS = ("view_parcel", "add_parcel", "change_parcel", "delete_parcel")


@pytest.fixture(autouse=True)
def _sync_orm(monkeypatch):
    # Playwright's sync API keeps an event loop in this thread; the ORM calls here are plain
    # synchronous reads and writes of the test database.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture
def district(transactional_db) -> dict:
    """Two arrondissements side by side, A (x 0..1000) and B (x 1000..2000), and parcel TF 5000/C,
    a 100 m square in A (x 0..100, y 0..100)."""
    return {
        "a": ArrondissementFactory(name_fr="Anfa Test", geom=rect(-1000, -1000, 2000, 3000)),
        "b": ArrondissementFactory(name_fr="Maarif Test", geom=rect(1000, -1000, 2000, 3000)),
        "parcel": ParcelFactory(
            reference="TF 5000/C", address="1 rue Ibnou Sina", geom=rect(0, 0, 100, 100)
        ),
    }


def make_user(django_user_model, name: str, *perms: str, group: Group | None = None):
    user = django_user_model.objects.create_user(name)
    # The server runs the production settings: the password is stored with their hasher.
    user.password = PBKDF2PasswordHasher().encode(PASSWORD, f"salt{name}")
    user.save()
    if group is not None:
        user.groups.add(group)
    for codename in perms:
        user.user_permissions.add(Permission.objects.get(codename=codename))
    return user


@pytest.fixture
def planner(district, django_user_model):
    return make_user(django_user_model, "amina", *PARCEL_PERMS)


def new_context(browser, **options):
    options.setdefault("viewport", {"width": 1400, "height": 850})
    options.setdefault("locale", "fr-FR")  # the portal follows the browser's language
    context = browser.new_context(**options)
    context.set_default_timeout(120_000)
    return context


def sign_in(context, base: str, name: str):
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.errors = errors
    page.goto(f"{base}/accounts/login/?next=/")
    page.fill("input[name=username]", name)
    page.fill("input[name=password]", PASSWORD)
    page.click("form.login button[type=submit]")
    page.wait_for_url(re.compile(r"/$|/#"))
    return page


def open_editor(page, base: str, x: float, y: float, zoom: int = 19) -> None:
    lon, lat = to_lonlat(x, y)
    page.goto("about:blank")  # from the home page, a new hash alone would not reload it
    page.goto(f"{base}/#map={zoom}/{lat:.7f}/{lon:.7f}&layers=parcels")
    layers_drawn(page)
    page.click("#edit-toggle")
    expect(page.locator("body")).to_have_attribute("data-editor-ready", "true")


def at(page, x: float, y: float) -> tuple[float, float]:
    return map_point(page, *to_lonlat(x, y))


def click_at(page, x: float, y: float) -> None:
    """Move to the point first, as a hand does: snapping follows the pointer."""
    px, py = at(page, x, y)
    page.mouse.move(px - 6, py - 6)
    page.mouse.move(px, py, steps=4)
    page.mouse.click(px, py)


def shot(page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"))


def saved(page, before: str | None = None) -> None:
    """The editor has saved (``data-last-save`` set, or changed from ``before``)."""
    if before is None:
        expect(page.locator("body")).to_have_attribute("data-last-save", re.compile(r"\d+"))
    else:
        expect(page.locator("body")).not_to_have_attribute("data-last-save", before)
    expect(page.locator("#edit-message")).to_have_class(re.compile(r"\bok\b"))


def nearest_vertex_distance(parcel: Parcel, x: float, y: float) -> float:
    target = Point(ORIGIN[0] + x, ORIGIN[1] + y, srid=parcel.geom.srid)
    return min(
        target.distance(Point(*xy, srid=parcel.geom.srid))
        for polygon in parcel.geom
        for ring in polygon
        for xy in ring.coords
    )


def test_a_drawn_parcel_snaps_to_its_neighbours_vertices(planner, live_gunicorn, browser):
    page = sign_in(new_context(browser), live_gunicorn, "amina")
    open_editor(page, live_gunicorn, 110, 50)
    page.click("#edit-new")
    # A new parcel east of TF 5000/C: its west corners clicked about a metre (4 px) off the
    # neighbour's corners (100, 0) and (100, 100), which snapping moves them onto.
    click_at(page, 100.8, 0.7)
    expect(page.locator("#coords-lambert")).to_contain_text("X")  # Lambert under the cursor
    click_at(page, 160, 0.7)
    click_at(page, 160, 99.2)
    click_at(page, 100.8, 99.2)
    click_at(page, 100.8, 0.7)  # the first vertex again: the polygon is closed
    expect(page.locator("#edit-form")).to_be_visible()
    page.fill("#edit-field-reference", "TF 5001/C")
    page.select_option("#edit-field-land_status", "titled")
    shot(page, "snap-drawn")
    page.click("#edit-save")
    saved(page)
    new = Parcel.objects.get(reference="TF 5001/C")
    assert nearest_vertex_distance(new, 100, 0) < 0.05
    assert nearest_vertex_distance(new, 100, 100) < 0.05
    # in fact the neighbour's coordinates as the API gives them, to the millimetre
    assert nearest_vertex_distance(new, 100, 0) < 0.001
    assert nearest_vertex_distance(new, 100, 100) < 0.001
    # snapped (100, 0) and (100, 100), clicked (160, 0.7) and (160, 99.2): a trapezoid
    assert new.geom.area == pytest.approx(60 * (100 + 98.5) / 2, abs=40)
    assert HistoryEntry.objects.filter(row_id=new.pk, table_name="parcels_parcel").get().actor == (
        "amina"
    )
    assert page.errors == []


def test_an_overlapping_parcel_is_refused_where_the_planner_looks(planner, live_gunicorn, browser):
    page = sign_in(new_context(browser), live_gunicorn, "amina")
    open_editor(page, live_gunicorn, 110, 50)
    page.click("#edit-new")
    # 50 m x 50 m from x 90: it covers a 10 m x 50 m strip of TF 5000/C, 500 m².
    for x, y in [(90, 20), (140, 20), (140, 70), (90, 70), (90, 20)]:
        click_at(page, x, y)
    page.fill("#edit-field-reference", "TF 5002/C")
    page.select_option("#edit-field-land_status", "titled")
    page.click("#edit-save")
    message = page.locator("#edit-message")
    expect(message).to_have_attribute("data-code", "rule-violation")
    geometry_error = page.locator("#edit-field-geometry-error")
    expect(geometry_error).to_be_visible()
    expect(geometry_error).to_contain_text("TF 5000/C")
    expect(page.locator("path.edit-offending")).to_have_count(1)  # the overlap, on the map
    shot(page, "overlap-refused")
    assert not Parcel.objects.filter(reference="TF 5002/C").exists()
    assert page.errors == []


def test_a_concurrent_change_shows_both_versions(
    district, planner, django_user_model, live_gunicorn, browser
):
    make_user(django_user_model, "youssef", *PARCEL_PERMS)
    parcel = district["parcel"]
    stored = stored_wkb(parcel)
    page = sign_in(new_context(browser), live_gunicorn, "amina")
    other = sign_in(new_context(browser), live_gunicorn, "youssef")
    open_editor(page, live_gunicorn, 50, 50)
    click_at(page, 50, 50)
    expect(page.locator("#edit-field-address")).to_have_value("1 rue Ibnou Sina")
    # The second planner opens the same parcel: told who has it open, nothing locked.
    open_editor(other, live_gunicorn, 50, 50)
    click_at(other, 50, 50)
    expect(other.locator("#edit-presence")).to_contain_text("amina")
    other.fill("#edit-field-address", "3 rue Ibnou Sina")
    other.click("#edit-save")
    saved(other)
    # The first planner saves an older reading: 412, and the dialog compares field by field.
    page.fill("#edit-field-address", "5 rue Ibnou Sina")
    page.click("#edit-save")
    dialog = page.locator("#edit-conflict")
    expect(dialog).to_be_visible()
    row = dialog.locator("tr[data-field='address']")
    expect(row).to_have_class(re.compile("differs"))
    expect(row.locator("td.mine")).to_have_text("5 rue Ibnou Sina")
    expect(row.locator("td.theirs")).to_have_text("3 rue Ibnou Sina")
    expect(page.locator("path.edit-theirs")).to_have_count(1)  # theirs, drawn on the map
    shot(page, "conflict")
    parcel.refresh_from_db()
    assert parcel.address == "3 rue Ibnou Sina"  # nothing overwritten silently
    # Overwriting is a choice made on purpose.
    page.click("#edit-conflict-overwrite")
    saved(page)
    parcel.refresh_from_db()
    assert parcel.address == "5 rue Ibnou Sina"
    assert stored_wkb(parcel) == stored  # attributes saved: the geometry kept to the bit
    actors = list(
        HistoryEntry.objects.filter(row_id=parcel.pk, op="U").values_list("actor", flat=True)
    )
    assert actors == ["youssef", "amina"]
    assert page.errors == [] and other.errors == []


def test_restoring_a_version_brings_it_back_exactly(district, planner, live_gunicorn, browser):
    parcel = district["parcel"]
    original = (parcel.address, parcel.land_status, parcel.geom.wkt)
    with acting_as("youssef"):
        parcel.address = "99 boulevard Anfa"
        parcel.land_status = "requisition"
        parcel.geom = rect(0, 0, 80, 120)  # reshaped
        parcel.save()
    page = sign_in(new_context(browser), live_gunicorn, "amina")
    open_editor(page, live_gunicorn, 40, 60)
    click_at(page, 40, 60)
    versions = page.locator("#edit-history-list li")
    expect(versions).to_have_count(2)  # created, then changed by youssef
    expect(versions.first).to_contain_text("youssef")
    shot(page, "history")
    versions.nth(1).locator("button.restore").click()
    saved(page)
    parcel.refresh_from_db()
    assert (parcel.address, parcel.land_status) == original[:2]
    first = HistoryEntry.objects.filter(row_id=parcel.pk, op="I").get()
    assert parcel.geom.equals_exact(rect(0, 0, 100, 100), tolerance=1e-6)
    assert first.new["geom"]["coordinates"] == parcel_coordinates(parcel)
    assert HistoryEntry.objects.filter(row_id=parcel.pk).latest("id").actor == "amina"
    # The last save can be undone: the reshaped version comes back.
    page.click("#edit-undo-save")
    expect(page.locator("#edit-field-address")).to_have_value("99 boulevard Anfa")
    parcel.refresh_from_db()
    assert parcel.geom.equals_exact(rect(0, 0, 80, 120), tolerance=1e-6)
    assert page.errors == []


def stored_wkb(parcel: Parcel) -> str:
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("SELECT ST_AsHexEWKB(geom) FROM parcels_parcel WHERE id = %s", [parcel.pk])
        return cur.fetchone()[0]


def parcel_coordinates(parcel: Parcel) -> list:
    import json

    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("SELECT geom::json::text FROM parcels_parcel WHERE id = %s", [parcel.pk])
        return json.loads(cur.fetchone()[0])["coordinates"]


def test_no_editing_control_and_no_write_without_the_permission(
    district, django_user_model, live_gunicorn, browser
):
    parcel = district["parcel"]
    make_user(django_user_model, "visitor")  # signed in, no layer permission
    body = (
        '{"type": "Feature", "properties": {"address": "pirate"}, '
        '"geometry": {"type": "MultiPolygon", "coordinates": []}}'
    )
    write = """async ([url, body]) => {
        const csrf = (document.cookie.match(/csrftoken=([^;]+)/) || [])[1] || "";
        const put = await fetch(url, {method: "PUT", body, credentials: "same-origin",
            headers: {"Content-Type": "application/geo+json", "X-CSRFToken": csrf}});
        const del = await fetch(url, {method: "DELETE", credentials: "same-origin",
            headers: {"X-CSRFToken": csrf}});
        return [put.status, del.status];
    }"""
    url = f"/ogc/collections/parcels/items/{parcel.pk}"
    anonymous = new_context(browser).new_page()
    lon, lat = to_lonlat(50, 50)
    anonymous.goto(f"{live_gunicorn}/#map=18/{lat:.7f}/{lon:.7f}&layers=parcels")
    layers_drawn(anonymous)
    expect(anonymous.locator("#edit-toggle")).to_have_count(0)
    expect(anonymous.locator("#editor")).to_have_count(0)
    statuses = anonymous.evaluate(write, [url, body])
    assert statuses == [401, 401]
    visitor = sign_in(new_context(browser), live_gunicorn, "visitor")
    visitor.goto(f"{live_gunicorn}/#map=18/{lat:.7f}/{lon:.7f}&layers=parcels")
    layers_drawn(visitor)
    expect(visitor.locator("#edit-toggle")).to_have_count(0)
    assert visitor.evaluate(write, [url, body]) == [403, 403]
    assert (
        visitor.evaluate(f"fetch('/api/edit/parcels/{parcel.pk}/history').then(r => r.status)")
        == 403
    )
    parcel.refresh_from_db()
    assert parcel.address == "1 rue Ibnou Sina"
    assert not HistoryEntry.objects.filter(row_id=parcel.pk, op__in=["U", "D"]).exists()


def test_a_planner_limited_to_a_district_cannot_save_outside_it(
    district, django_user_model, live_gunicorn, browser
):
    from layers.common.models import EditScope

    group = Group.objects.create(name="Anfa planners")
    group.permissions.add(*Permission.objects.filter(codename__in=PARCEL_PERMS))
    EditScope.objects.create(group=group, layer="parcels").districts.add(district["a"])
    make_user(django_user_model, "karim", group=group)
    # TF 5100/C lies in B (x 1200..1300)
    outside = ParcelFactory(reference="TF 5100/C", address="in B", geom=rect(1200, 0, 100, 100))
    page = sign_in(new_context(browser), live_gunicorn, "karim")
    open_editor(page, live_gunicorn, 1150, 50, zoom=18)
    expect(page.locator(".edit-scope")).to_contain_text("Anfa Test")
    expect(page.locator("path.edit-scope-outline")).to_have_count(1)
    click_at(page, 1250, 50)
    page.fill("#edit-field-address", "moved by karim")
    page.click("#edit-save")
    expect(page.locator("#edit-message")).to_have_attribute("data-code", "outside-edit-scope")
    expect(page.locator("#edit-field-geometry-error")).to_contain_text("Anfa Test")
    shot(page, "outside-district")
    outside.refresh_from_db()
    assert outside.address == "in B"
    # The same write through the API (QGIS's path) is refused alike.
    status = page.evaluate(
        """async ([url]) => {
            const csrf = JSON.parse(document.getElementById("portal-config").textContent).editor.csrf;
            const r = await fetch(url, {method: "PATCH", credentials: "same-origin",
                headers: {"Content-Type": "application/json", "X-CSRFToken": csrf},
                body: JSON.stringify({properties: {address: "by api"}})});
            return r.status;
        }""",
        [f"/ogc/collections/parcels/items/{outside.pk}"],
    )
    assert status == 403
    outside.refresh_from_db()
    assert outside.address == "in B"
    assert page.errors == []


def test_typed_lambert_vertices_keyboard_and_a_draft_kept_across_a_reload(
    district, planner, live_gunicorn, browser
):
    context = new_context(browser)
    page = sign_in(context, live_gunicorn, "amina")
    open_editor(page, live_gunicorn, 250, 50, zoom=18)
    page.click("#edit-new")
    corners = [(200, 0), (260, 0), (260, 40), (200, 40)]
    for x, y in [*corners, corners[0]]:
        page.fill("#edit-vertex-x", f"{ORIGIN[0] + x:.2f}")
        page.fill("#edit-vertex-y", f"{ORIGIN[1] + y:.2f}")
        page.click("#edit-vertex-add")
    expect(page.locator("#edit-form")).to_be_visible()
    # a reference another parcel holds: the server's refusal (409) shows at that field
    page.fill("#edit-field-reference", "TF 5000/C")
    page.select_option("#edit-field-land_status", "requisition")
    page.click("#edit-save")
    expect(page.locator("#edit-field-reference-error")).to_contain_text("TF 5000/C")
    expect(page.locator("#edit-field-reference")).to_have_attribute("aria-invalid", "true")
    page.fill("#edit-field-reference", "TF 5003/C")
    page.locator("#edit-field-land_status").dispatch_event("change")
    # Unsaved work survives a reload.
    page.reload()
    expect(page.locator("#edit-message")).to_contain_text(re.compile("restaur", re.I))
    expect(page.locator("#edit-field-reference")).to_have_value("TF 5003/C")
    # Enter saves (from the map, outside the form).
    page.focus("#map")
    page.keyboard.press("Enter")
    saved(page)
    new = Parcel.objects.get(reference="TF 5003/C")
    assert new.land_status == "requisition"
    for x, y in corners:
        assert nearest_vertex_distance(new, x, y) < 0.01
    assert new.geom.area == pytest.approx(60 * 40, abs=0.5)
    # Escape closes the feature without saving; Ctrl+Z undoes the last change of the form.
    page.fill("#edit-field-address", "typed then undone")
    page.locator("#edit-field-address").dispatch_event("change")
    page.focus("#map")
    page.keyboard.press("Control+z")
    expect(page.locator("#edit-field-address")).to_have_value("")
    page.keyboard.press("Escape")
    expect(page.locator("#edit-form")).to_be_hidden()
    new.refresh_from_db()
    assert new.address == ""
    assert page.errors == []


def test_the_editor_in_arabic_mirrors_and_speaks_arabic(planner, live_gunicorn, browser):
    context = new_context(browser)
    context.add_cookies([{"name": "django_language", "value": "ar", "url": live_gunicorn}])
    page = sign_in(context, live_gunicorn, "amina")
    open_editor(page, live_gunicorn, 50, 50)
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    expect(page.locator("#editor h2")).to_have_text("التعديل")
    click_at(page, 50, 50)
    expect(page.locator("label[for='edit-field-address']")).to_contain_text("العنوان")
    # coded values named in Arabic too
    expect(page.locator("#edit-field-land_status option[value='titled']")).to_have_text(
        "محفظ (رسم عقاري)"
    )
    # the panel sits at the map's inline end: the left in Arabic
    box = page.locator("#editor").bounding_box()
    map_box = page.locator("#map").bounding_box()
    assert box["x"] + box["width"] <= map_box["x"] + 1
    shot(page, "editor-ar")
    assert page.errors == []


def drag(page, start: tuple[float, float], end: tuple[float, float]) -> None:
    """Press on the map at ``start`` (metres from ORIGIN) and release at ``end``."""
    sx, sy = at(page, *start)
    ex, ey = at(page, *end)
    page.mouse.move(sx, sy)
    page.mouse.down()
    page.mouse.move(ex, ey, steps=8)
    page.mouse.up()


def test_moving_a_vertex_cutting_a_hole_and_deleting(district, planner, live_gunicorn, browser):
    parcel = district["parcel"]
    page = sign_in(new_context(browser), live_gunicorn, "amina")
    page.on("dialog", lambda dialog: dialog.accept())  # "delete this feature?"
    open_editor(page, live_gunicorn, 50, 50, zoom=18)
    click_at(page, 50, 50)
    expect(page.locator("#edit-field-reference")).to_have_value("TF 5000/C")
    # the corner (100, 100) dragged to (120, 100): 100 x 100 plus a 20 x 100 triangle
    drag(page, (100, 100), (120, 100))
    expect(page.locator("#edit-undo")).to_be_enabled()
    # a 30 m square hole, (30, 30) to (60, 60)
    page.click("#edit-cut")
    for x, y in [(30, 30), (60, 30), (60, 60), (30, 60), (30, 30)]:
        click_at(page, x, y)
    shot(page, "vertex-moved-and-hole")
    page.click("#edit-save")
    saved(page)
    parcel.refresh_from_db()
    (polygon,) = parcel.geom
    assert len(polygon) == 2  # the shell and one hole
    assert parcel.geom.area == pytest.approx(100 * 100 + 20 * 100 / 2 - 30 * 30, abs=60)
    assert nearest_vertex_distance(parcel, 120, 100) < 0.6  # half a pixel at zoom 18
    page.click("#edit-delete")
    expect(page.locator("#edit-message")).to_have_text("Supprimé.")
    assert not Parcel.objects.filter(pk=parcel.pk).exists()
    deleted = HistoryEntry.objects.filter(row_id=parcel.pk, op="D").get()
    assert deleted.actor == "amina"
    assert page.errors == []


def test_a_road_is_split_where_the_planner_clicks(
    district, django_user_model, live_gunicorn, browser
):
    from layers.roads.models import RoadSegment
    from tests.factories import RoadSegmentFactory, line

    make_user(
        django_user_model, "hassan", "view_roadsegment", "add_roadsegment", "change_roadsegment"
    )
    road = RoadSegmentFactory(
        name_fr="Rue Test", road_class="residential", geom=line((0, 200), (300, 200))
    )
    page = sign_in(new_context(browser), live_gunicorn, "hassan")
    open_editor(page, live_gunicorn, 150, 200, zoom=18)
    expect(page.locator("#edit-layer option")).to_have_count(1)  # only what hassan may edit
    click_at(page, 150, 200)
    expect(page.locator("#edit-field-name_fr")).to_have_value("Rue Test")
    page.click("#edit-split")
    click_at(page, 100, 200)
    expect(page.locator("path.edit-split-part")).to_have_count(1)
    page.click("#edit-save")
    saved(page)
    parts = sorted(RoadSegment.objects.all(), key=lambda r: r.geom.length)
    assert [p.name_fr for p in parts] == ["Rue Test", "Rue Test"]
    assert parts[0].geom.length == pytest.approx(100, abs=0.6)
    assert parts[1].geom.length == pytest.approx(200, abs=0.6)
    assert sum(p.geom.length for p in parts) == pytest.approx(300, abs=1e-3)
    assert road.pk in {p.pk for p in parts}
    assert page.errors == []


def test_staff_change_a_citizen_reports_status(district, django_user_model, live_gunicorn, browser):
    from layers.facilities.models import CitizenReport
    from tests.factories import CitizenReportFactory, point

    make_user(django_user_model, "nadia", "view_citizenreport", "change_citizenreport")
    report = CitizenReportFactory(geom=point(50, 150))
    reported_at = (
        report.reported_at if report.reported_at else CitizenReport.objects.get().reported_at
    )
    page = sign_in(new_context(browser), live_gunicorn, "nadia")
    lon, lat = to_lonlat(50, 150)
    page.goto("about:blank")
    page.goto(f"{live_gunicorn}/#map=19/{lat:.7f}/{lon:.7f}&layers=citizen-reports")
    layers_drawn(page)
    page.click("#edit-toggle")
    expect(page.locator("body")).to_have_attribute("data-editor-ready", "true")
    expect(page.locator("#edit-layer")).to_have_value("citizen-reports")
    click_at(page, 50, 150)
    expect(page.locator("#edit-field-status")).to_have_value("new")
    page.select_option("#edit-field-status", "resolved")
    shot(page, "citizen-report")
    page.click("#edit-save")
    saved(page)
    report = CitizenReport.objects.get()
    assert report.status == "resolved"
    assert report.reported_at == reported_at  # what the form shows to the minute is kept whole
    assert page.errors == []
