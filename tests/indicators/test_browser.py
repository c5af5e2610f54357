"""The ``/indicators/`` page in headless Chromium against the production server (gunicorn,
WhiteNoise), on the hand-made arrondissements. Screenshots in ``tests/artifacts/indicators/``."""

from __future__ import annotations

import pytest

from tests.conftest import REPO_ROOT
from tests.portal.conftest import browser  # noqa: F401  (the fixture)

pytestmark = pytest.mark.slow

expect = pytest.importorskip("playwright.sync_api").expect
expect.set_options(timeout=90_000)  # a machine busy with other runs is slow

ARTIFACTS = REPO_ROOT / "tests" / "artifacts" / "indicators"


def open_page(browser, url: str, **options):  # noqa: F811
    options.setdefault("viewport", {"width": 1280, "height": 900})
    options.setdefault("locale", "fr-FR")
    context = browser.new_context(**options)
    context.set_default_timeout(120_000)
    page = context.new_page()
    page.goto(url)
    return page


def shot(page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def test_choropleth_chart_and_cards(known_city_committed, live_gunicorn, browser):  # noqa: F811
    page = open_page(browser, live_gunicorn + "/indicators/?indicator=density")
    body = page.locator("body")
    expect(body).to_have_attribute("data-rendered", "density:map")
    # the map: one coloured polygon per arrondissement, the denser one darker
    paths = page.locator("#indicator-map path.leaflet-interactive")
    expect(paths).to_have_count(2)
    fills = sorted(paths.evaluate_all("ps => ps.map(p => p.getAttribute('fill'))"))
    assert len(set(fills)) == 2
    expect(page.locator("#legend")).to_contain_text("quantiles")
    # the ranked chart is drawn by Chart.js from the vendored file (no CDN)
    chart_labels = page.evaluate("Chart.getChart('ranking').data.labels")
    assert chart_labels == ["Ouest", "Est"]  # 10,000 before 5,000 inhabitants/km²
    # cards in rank order, with the figure
    cards = page.locator("#cards .card h3")
    expect(cards).to_have_text(["Ouest", "Est"])
    expect(page.locator("#city-value")).to_contain_text("9")
    shot(page, "density-fr")

    # another indicator: the address is the permalink, the order follows
    page.select_option("#indicator", "facilities_market_per_10k")
    expect(body).to_have_attribute("data-rendered", "facilities_market_per_10k:map")
    assert page.url.endswith("/indicators/?indicator=facilities_market_per_10k")
    expect(cards).to_have_text(["Est", "Ouest"])
    expect(page.locator("#chosen-formula")).to_contain_text("10.000")
    shot(page, "market-fr")

    # the permalink reopens the same view
    page2 = open_page(browser, live_gunicorn + "/indicators/?indicator=facilities_market_per_10k")
    expect(page2.locator("body")).to_have_attribute(
        "data-rendered", "facilities_market_per_10k:map"
    )
    expect(page2.locator("#indicator")).to_have_value("facilities_market_per_10k")


def test_arabic_right_to_left_and_phone(known_city_committed, live_gunicorn, browser):  # noqa: F811
    page = open_page(
        browser,
        live_gunicorn + "/indicators/?indicator=road_share_de&lang=ar",
        viewport={"width": 390, "height": 844},
        locale="ar-MA",
    )
    expect(page.locator("body")).to_have_attribute("data-rendered", "road_share_de:map")
    assert page.locator("html").get_attribute("dir") == "rtl"
    assert page.evaluate("Chart.getChart('ranking').options.scales.x.reverse") is True
    # on a phone nothing is wider than the screen
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390
    shot(page, "road-share-ar-phone")


def test_print_view(known_city_committed, live_gunicorn, browser):  # noqa: F811
    page = open_page(browser, live_gunicorn + "/indicators/?indicator=green_300m_share&lang=en")
    expect(page.locator("body")).to_have_attribute("data-rendered", "green_300m_share:map")
    page.emulate_media(media="print")
    expect(page.locator(".topbar")).to_be_hidden()
    expect(page.locator("#indicator-map")).to_be_visible()
    expect(page.locator("#cards .card")).to_have_count(2)
    shot(page, "green-300m-en-print")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.pdf(path=str(ARTIFACTS / "green-300m-en-print.pdf"))
