"""The portal in headless Chromium against the production server (gunicorn, WhiteNoise).

Depends on the tiles area's ``/tiles/<slug>/<z>/<x>/<y>.mvt`` for drawn features and clicks; the
popup's full attributes come from the OGC item when ``/ogc`` answers (the tile attributes otherwise).
Screenshots are kept in ``tests/artifacts/portal/``.
"""

from __future__ import annotations

import json
import re
import time

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

# Every check of the page waits for its condition (``expect``): the page answers events, tile
# requests and animations at its own pace, never at a fixed delay after an action.
expect = pytest.importorskip("playwright.sync_api").expect
expect.set_options(timeout=90_000)  # a machine busy with other runs is slow

ARTIFACTS = REPO_ROOT / "tests" / "artifacts" / "portal"


@pytest.fixture
def city(transactional_db) -> dict:
    """Committed rows (the server reads them on its own connection): a block of parcels."""
    data = {
        "arr": ArrondissementFactory(name_fr="Sidi Belyout", geom=rect(-1000, -1000, 3000, 3000)),
        "road": RoadSegmentFactory(name_fr="Boulevard Zerktouni", road_class="primary",
                                   geom=line((-50, -20), (400, -20))),
        "school": FacilityFactory(name_fr="École Al Amal", geom=point(150, 150)),
    }  # fmt: skip
    # four 100 m parcels side by side, 20 m apart: TF 4240/C ... TF 4243/C, ids 42400 ... 42403
    for i in range(4):
        data[f"p{i}"] = ParcelFactory(
            id=42_400 + i,
            reference=f"TF 424{i}/C",
            address=f"{i} rue <b>Tahar</b> Sebti",
            geom=rect(i * 120, 0, 100, 100),
        )
    return data


def new_page(browser, **options):
    """A page in its own context; earlier pages are closed so their tile requests stop."""
    for context in browser.contexts:
        context.close()
    options.setdefault("viewport", {"width": 1280, "height": 800})
    options.setdefault("locale", "fr-FR")  # the portal follows the browser's language
    context = browser.new_context(**options)
    context.set_default_timeout(120_000)
    return context.new_page()


def shot(page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"))


def map_still(page) -> None:
    """Wait for the end of any pan or zoom animation (a popup's auto-pan, a zoom)."""
    expect(page.locator(".leaflet-pan-anim, .leaflet-zoom-anim")).to_have_count(0)


def map_point(page, lon: float, lat: float) -> tuple[float, float]:
    """Page pixel of a lon/lat on the map, once the map has stopped moving."""
    map_still(page)
    p = page.evaluate(
        "([lat, lon]) => { const m = window.casaPortal.map; const p = m.latLngToContainerPoint([lat, lon]);"
        " const r = m.getContainer().getBoundingClientRect(); return [r.left + p.x, r.top + p.y]; }",
        [lat, lon],
    )
    return p[0], p[1]


def layers_drawn(page) -> None:
    """The layer tree is built and every shown layer has drawn its tiles in view."""
    expect(page.locator("body")).to_have_attribute("data-layers-ready", "true", timeout=120_000)
    expect(page.locator(".layer-item[aria-busy='true']")).to_have_count(0, timeout=120_000)


def open_map(page, base: str, x: float, y: float, zoom: int, layers: str) -> None:
    lon, lat = to_lonlat(x, y)
    page.goto(f"{base}/#map={zoom}/{lat:.6f}/{lon:.6f}&layers={layers}")
    layers_drawn(page)


def at_least(locator, n: int) -> None:
    expect(locator.nth(n - 1)).to_be_attached()


def map_center(page) -> list[float]:
    return page.evaluate(
        "(() => { const c = window.casaPortal.map.getCenter(); return [c.lng, c.lat]; })()"
    )


def test_map_draws_tiles_and_a_parcel_click_opens_its_popup(city, live_gunicorn, browser):
    page = new_page(browser)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    open_map(page, live_gunicorn, 230, 50, 17, "arrondissements,roads,parcels,facilities")
    # vector tiles drawn: SVG paths in the parcels layer
    at_least(page.locator(".overlay-parcels path"), 4)
    at_least(page.locator(".overlay-roads path"), 1)
    # the school is drawn with the registry's point radius (5 px) and colour
    school = page.locator(".overlay-facilities path").first
    expect(school).to_have_attribute("d", re.compile(r"a5,5 "))
    expect(school).to_have_attribute("fill", "#6c3483")
    expect(page.locator("#layer-parcels")).to_be_checked()
    shot(page, "map-fr")

    # click the middle of TF 4242/C (x 240..340, y 0..100)
    page.mouse.click(*map_point(page, *to_lonlat(290, 50)))
    popup = page.locator(".feature-popup[data-layer='parcels']")
    expect(popup).to_contain_text("TF 4242/C")
    expect(popup.locator(".renseignement-link")).to_have_attribute(
        "href", "/renseignement/?parcel=TF%204242%2FC"
    )
    expect(popup.locator(".ogc-link")).to_have_attribute(
        "href", f"/ogc/collections/parcels/items/{city['p2'].pk}"
    )
    # the OGC item fills in the attributes the tile does not carry; markup in them stays text
    # (depends on /ogc; the address is compared loosely: /ogc currently HTML-escapes JSON values)
    expect(popup).to_contain_text("Surface calculée (m²)")
    expect(popup).to_contain_text("Tahar")
    expect(popup).to_contain_text("immatriculé (titre foncier)")  # land_status "titled", named
    # a quantity as French is written in Morocco (100 m x 100 m), an identifier as it is
    area = popup.locator("tr", has_text="Surface calculée (m²)").locator("td")
    expect(area).to_have_text("10.000")
    expect(popup.locator("tr").first.locator("td")).to_have_text("42402")
    expect(popup.locator("b")).to_have_count(0)
    expect(page.locator(".point-popup")).to_have_count(0)  # the feature took the click
    shot(page, "popup-parcel")

    # a click away from any feature offers the planning information at that point
    page.evaluate("window.casaPortal.map.closePopup()")
    lon, lat = to_lonlat(650, 250)
    page.mouse.click(*map_point(page, lon, lat))
    link = page.locator(".point-popup .renseignement-link")
    expect(link).to_have_attribute("href", re.compile(r"\?lon=.*&lat="))
    query = dict(part.split("=") for part in link.get_attribute("href").split("?", 1)[1].split("&"))
    assert float(query["lon"]) == pytest.approx(lon, abs=2e-5)
    assert float(query["lat"]) == pytest.approx(lat, abs=2e-5)

    # keyboard: the layer checkboxes work with Tab and Space
    parcels_in_url = re.compile(r"layers=[^&]*parcels")
    page.focus("#layer-parcels")
    page.keyboard.press("Space")
    expect(page.locator("#layer-parcels")).not_to_be_checked()
    expect(page.locator(".overlay-parcels path")).to_have_count(0)
    expect(page).not_to_have_url(parcels_in_url)
    page.keyboard.press("Space")
    expect(page).to_have_url(parcels_in_url)
    layers_drawn(page)
    at_least(page.locator(".overlay-parcels path"), 4)

    # print view: controls hidden, the map and its legend kept
    page.emulate_media(media="print")
    expect(page.locator("#panel")).to_be_hidden()
    expect(page.locator(".search")).to_be_hidden()
    expect(page.locator("#map")).to_be_visible()
    page.evaluate("window.dispatchEvent(new Event('beforeprint'))")
    expect(page.locator("#print-legend")).to_contain_text("Parcelles cadastrales")
    shot(page, "print-view")
    page.emulate_media(media="screen")
    assert errors == []


def measured(page, points: int, unit: str) -> str:
    """The measure's text once the tool holds ``points`` points (each click adds one)."""
    page.wait_for_function(f"window.casaPortal.measure.points.length === {points}")
    result = page.locator("#measure-result")
    expect(result).to_contain_text(unit)
    return result.inner_text()


def test_cursor_coordinates_and_distance_measure(city, live_gunicorn, browser):
    page = new_page(browser)
    open_map(page, live_gunicorn, 100, 50, 18, "parcels")
    # ORIGIN + (100, 50) in Lambert: X 294100, Y 335050 (give or take the pixel, < 1 m at z18)
    page.mouse.move(*map_point(page, *to_lonlat(100, 50)))
    lambert = page.locator("#coords-lambert")
    expect(lambert).to_have_text(re.compile(r"^X [\d.]+\s+Y [\d.]+$"))
    x, y = (float(v) for v in lambert.inner_text().replace("X", "").split("Y"))
    assert abs(x - 294100) < 2 and abs(y - 335050) < 2

    # measure 0,0 -> 200,0 -> 200,100, on the parcels' corners and edges (the parcels' tiles are
    # drawn: a click on a feature is a point while measuring, not a popup); the geodesic length
    # is computed here with pyproj
    page.click("#measure-distance")
    expect(page.locator("#measure-distance")).to_have_attribute("aria-pressed", "true")
    pts = [to_lonlat(0, 0), to_lonlat(200, 0), to_lonlat(200, 100)]
    for lon, lat in pts:
        page.mouse.click(*map_point(page, lon, lat))
    geod = Geod(ellps="WGS84")
    expected = sum(geod.inv(*a, *b)[2] for a, b in zip(pts, pts[1:], strict=False))
    result = measured(page, 3, " m")
    metres = float(
        result.split(":")[1].replace("m", "").replace("\u202f", "").replace(",", ".").strip()
    )
    assert metres == pytest.approx(expected, rel=0.01)
    expect(page.locator(".leaflet-popup")).to_have_count(0)
    shot(page, "measure")

    # area of the triangle (0,0) (200,0) (200,100): 10,000 m² on the Lambert plane; the ellipsoidal
    # area from pyproj is the reference (the scale factor here is within 0.1 % of one)
    page.click("#measure-area")
    expect(page.locator("#measure-area")).to_have_attribute("aria-pressed", "true")
    for lon, lat in pts:
        page.mouse.click(*map_point(page, lon, lat))
    area, _ = geod.polygon_area_perimeter([p[0] for p in pts], [p[1] for p in pts])
    assert abs(area) == pytest.approx(10_000, rel=0.005)
    text = measured(page, 3, "ha")  # 1 ha shown as hectares with the m² in brackets
    # whole square metres in brackets, grouped the Moroccan French way ("10.050 m²")
    shown = int(re.sub(r"\D", "", text.split("(")[1].split("m²")[0]))
    assert shown == pytest.approx(abs(area), rel=0.01)
    page.keyboard.press("Escape")
    expect(page.locator("#measure-area")).to_have_attribute("aria-pressed", "false")

    # opacity slider of a layer
    page.eval_on_selector(
        "#layer-parcels-opacity", "e => { e.value = 40; e.dispatchEvent(new Event('input')); }"
    )
    expect(page.locator(".leaflet-layer.overlay-parcels")).to_have_css("opacity", "0.4")


@pytest.mark.parametrize("lang", ["fr", "ar", "en"])
def test_the_pages_scripts_write_numbers_as_the_server_does(city, live_gunicorn, browser, lang):
    """One way to write a number in each language: the locale the portal and the indicators page
    give their scripts makes the browser's ``Intl`` write an area, a count and a length as Django
    writes them in the notes and the ingest pages (``floatformat``, ``number_format``)."""
    from django.template.defaultfilters import floatformat
    from django.utils import translation
    from django.utils.formats import number_format

    with translation.override(lang):
        server = [floatformat(1234567.54, "1g"), number_format(3215935, force_grouping=True),
                  floatformat(0.5, "1g")]  # fmt: skip
    script = """locale => [
        new Intl.NumberFormat(locale, {minimumFractionDigits: 1, maximumFractionDigits: 1}).format(1234567.54),
        new Intl.NumberFormat(locale).format(3215935),
        new Intl.NumberFormat(locale, {minimumFractionDigits: 1, maximumFractionDigits: 1}).format(0.5),
    ]"""
    page = new_page(browser)
    for path, config in (("/", "portal-config"), ("/indicators/", "indicators-config")):
        page.goto(f"{live_gunicorn}{path}?lang={lang}")
        locale = json.loads(page.locator(f"#{config}").text_content())["locale"]
        assert page.evaluate(script, locale) == server, (path, locale)


def test_search_finds_a_parcel_and_moves_the_map(city, live_gunicorn, browser):
    page = new_page(browser)
    open_map(page, live_gunicorn, 1000, 1000, 13, "arrondissements")
    page.fill("#search-input", "TF 4243")
    expect(page.locator("#search-results li[role='option']").first).to_be_visible()
    expect(page.locator("#search-results")).to_contain_text("TF 4243/C")
    shot(page, "search-suggestions")
    page.keyboard.press("Enter")
    # set when the flight has ended
    expect(page.locator("body")).to_have_attribute("data-last-search", "TF 4243/C")
    west, south, east, north = bbox_lonlat(360, 0, 100, 100)
    center = map_center(page)
    assert west <= center[0] <= east and south <= center[1] <= north
    assert page.evaluate("window.casaPortal.map.getZoom()") >= 16
    expect(page.locator("#layer-parcels")).to_be_checked()  # the searched layer is switched on
    # the permalink in the address bar restores the same view and layers
    url = page.evaluate("location.href")
    assert re.search(r"layers=[^&]*parcels", url)
    shot(page, "search-result")
    page2 = new_page(browser)
    page2.goto(url)
    layers_drawn(page2)
    expect(page2.locator("#layer-parcels")).to_be_checked()
    expect(page2.locator("#layer-roads")).not_to_be_checked()
    assert map_center(page2) == pytest.approx(center, abs=1e-4)


def test_arabic_turns_the_layout_right_to_left_and_is_remembered(city, live_gunicorn, browser):
    page = new_page(browser, locale="en-US")
    open_map(page, live_gunicorn, 230, 50, 16, "parcels,arrondissements")
    expect(page.locator("html")).to_have_attribute("lang", "en")  # the browser's language
    page.click(".lang-switch button[value='ar']")
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    layers_drawn(page)
    expect(page.locator("html")).to_have_attribute("lang", "ar")
    expect(page.locator("#panel h2").first).to_contain_text("الطبقات")
    expect(page.locator(".layer-item[data-slug='parcels']")).to_contain_text("القطع العقارية")
    # mirrored: the layer panel is on the right of the map
    panel = page.locator("#panel").bounding_box()
    map_box = page.locator("#map").bounding_box()
    assert panel["x"] > map_box["x"]
    # the view is kept
    expect(page).to_have_url(re.compile(r"layers=([^&]*(,|%2C))?parcels"))
    at_least(page.locator(".overlay-parcels path"), 4)
    shot(page, "map-ar")
    # remembered on the next visit
    page.goto(live_gunicorn + "/open-data/")
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    shot(page, "open-data-ar")


def test_open_data_download_returns_a_valid_geojson(city, live_gunicorn, browser, tmp_path):
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


def test_phone_layout_hides_the_panel_behind_a_keyboard_usable_button(city, live_gunicorn, browser):
    page = new_page(browser, viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    open_map(page, live_gunicorn, 230, 50, 16, "parcels")
    toggle = page.locator("#panel-toggle")
    expect(toggle).to_be_visible()
    # the drawer slides (a CSS transition): its position is waited for, not read once
    panel = "document.getElementById('panel').getBoundingClientRect()"
    page.wait_for_function(f"{panel}.right <= 1")  # off screen
    shot(page, "phone-map")
    # the site's sections stay reachable on a phone, inside the screen's width, and the map
    # still fills what is left of it
    nav = page.locator("nav.topnav a")
    expect(nav).to_have_count(3)
    for link in nav.all():
        expect(link).to_be_visible()
        box = link.bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390
    page_width = page.evaluate("document.documentElement.scrollWidth")
    assert page_width <= 390
    map_box = page.locator("#map").bounding_box()
    assert map_box is not None and map_box["height"] > 500
    toggle.focus()
    page.keyboard.press("Enter")
    expect(toggle).to_have_attribute("aria-expanded", "true")
    page.wait_for_function(f"{panel}.left >= -1")  # slid in
    shot(page, "phone-layers")
    page.focus("#layer-parcels")
    page.keyboard.press("Escape")  # closes the drawer and gives the focus back to its button
    expect(toggle).to_have_attribute("aria-expanded", "false")
    expect(toggle).to_be_focused()
    page.wait_for_function(f"{panel}.right <= 1")


def test_the_browser_shows_the_portal_icon_on_pages_and_on_the_api(request, live_gunicorn, browser):
    """Chromium loads the icon a page names; for a page that names none (the API's JSON) it asks
    for ``/favicon.ico`` on its own, and the redirect leads it to the same icon."""
    failed: list[str] = []

    def fresh_page():  # in a context of its own: the icon is not in its cache yet
        page = new_page(browser)
        page.on(
            "response", lambda r: failed.append(f"{r.status} {r.url}") if r.status >= 400 else None
        )
        return page

    def is_icon(response) -> bool:
        return "/static/geoportal/favicon" in response.url and response.url.endswith(".svg")

    page = fresh_page()
    with page.expect_response(is_icon) as named:
        page.goto(f"{live_gunicorn}/renseignement/")
    assert named.value.status == 200
    assert named.value.headers["content-type"].startswith("image/svg+xml")
    assert failed == []
    # The browser's own request for /favicon.ico reaches no page's events: the server's log
    # tells of it, and of the icon it was sent to, both asked from the JSON page (which names no
    # icon). The workers write their lines to the log each in its own time: in any order.
    fresh_page().goto(f"{live_gunicorn}/api/layers")
    log = request.node.gunicorn_log
    asked = [
        re.compile(r'"GET /favicon\.ico HTTP/1\.1" 302 [^\n]*"[^"\n]*/api/layers"'),
        re.compile(
            r'"GET /static/geoportal/favicon\.\w+\.svg HTTP/1\.1" 200 [^\n]*"[^"\n]*/api/layers"'
        ),
    ]
    deadline = time.monotonic() + 60
    while not all(line.search(log.read_text()) for line in asked) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert all(line.search(log.read_text()) for line in asked), log.read_text()[-3000:]


# Each character of an element's text with the left edge of its box on the screen; the invisible
# marks of direction (isolates, RLM, LRM), which have no place of their own, left out.
CHARACTER_PLACES = """(selector) => {
  const element = document.querySelector(selector);
  const walker = document.createTreeWalker(element, NodeFilter.SHOW_TEXT);
  const places = [];
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    for (let i = 0; i < node.data.length; i++) {
      if ("\u2066\u2067\u2068\u2069\u200e\u200f".includes(node.data[i])) continue;
      const range = document.createRange();
      range.setStart(node, i);
      range.setEnd(node, i + 1);
      places.push([node.data[i], range.getBoundingClientRect().left]);
    }
  }
  return places;
}"""


def test_arabic_labels_show_their_latin_examples_in_reading_order(live_gunicorn, browser):
    """In an Arabic sentence, a reference's examples ("TF 12345/C, R 2345/C, NI-…") read left to
    right, whole, inside their brackets; the brackets enclose them on the right side for the
    sentence's direction. Checked on the screen, character by character, as Chromium lays them
    out (the Unicode bidirectional algorithm): a run that ends in neutral characters ("-…")
    otherwise leaves them on the Arabic side."""
    page = new_page(browser, locale="ar")
    page.goto(f"{live_gunicorn}/renseignement/?lang=ar")
    places = page.evaluate(CHARACTER_PLACES, "label[for=parcel]")
    text = "".join(character for character, _ in places)
    x = [left for _, left in places]
    opening, closing = text.index("("), text.rindex(")")
    first, last, ellipsis = text.index("TF"), text.index("NI"), text.index("…")
    assert x[first] < x[last] < x[ellipsis], text  # the examples, left to right
    inside = x[opening + 1 : closing]
    assert x[closing] < min(inside) and max(inside) < x[opening], text  # the brackets around
    assert x[opening] < min(x[:opening]), text  # the Arabic words on the right
    # A refused reference, as the citizen typed it, and the examples of the message: each reads
    # left to right, its last characters ("/", "-…") in their place.
    page.goto(f"{live_gunicorn}/renseignement/?lang=ar&parcel=TF%2012/")
    places = page.evaluate(CHARACTER_PLACES, "p[role=alert]")
    text = "".join(character for character, _ in places)
    x = [left for _, left in places]
    typed, example = text.index("TF 12/"), text.index("NI-…")
    assert x[typed] < x[typed + 3] < x[typed + 5], text  # T, 1, /
    assert x[example] < x[example + 2] < x[example + 3], text  # N, -, …
    opening, closing = text.index("("), text.rindex(")")
    inside = x[opening + 1 : closing]
    assert x[closing] < min(inside) and max(inside) < x[opening], text
