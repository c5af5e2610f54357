"""Personal data never leaves the database. A citizen report's contact, a string found nowhere
else, is looked for in the bytes of every answer that publishes citizen reports, as received by
a user who may see them: OGC API items (JSON and HTML) and their description, the publication
view in the database, vector tiles and TileJSON, the open-data catalogue and downloads, and the
portal's search. Each answer is first shown to carry the report, so a missing contact means it
was left out, not that the report was."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from django.contrib.auth.models import Permission, User
from django.db import connection
from django.test import Client

from geoportal.portal.downloads import FORMATS
from layers.common.registry import get_layer
from layers.facilities.models import CitizenReport
from ogc.api import reset_apis
from tests.factories import CitizenReportFactory
from tests.registry_overrides import layer_options
from tests.tiles.conftest import decode, origin_tile

pytestmark = pytest.mark.django_db(transaction=True)

# The personal attributes of each layer that has any (the model's own word: "never published").
PERSONAL = {"citizen-reports": ("reporter_contact",)}
# Letters, digits, dots and spaces only: no format of the answers (JSON, HTML, MVT) escapes them,
# so the bytes of an answer that leaked it would hold it as written here.
CONTACT = "amina.berrada 0661 424242"
DESCRIPTION = "Lampadaire en panne rue Oukacha depuis trois nuits"


def assert_private(content: bytes) -> None:
    """Neither the contact, nor a part of it, nor the name of a personal attribute."""
    for needle in (CONTACT, "amina.berrada", "0661 424242", *PERSONAL["citizen-reports"]):
        assert needle.encode() not in content, needle


@pytest.fixture(autouse=True)
def fresh_apis() -> Iterator[None]:
    """pygeoapi's engine on the test database, opened anew and closed after the test."""
    reset_apis()
    yield
    reset_apis()


@pytest.fixture(autouse=True)
def tile_cache(settings, tmp_path) -> None:
    settings.TILES = {**settings.TILES, "CACHE": "files", "CACHE_DIR": str(tmp_path / "tiles")}


@pytest.fixture
def report() -> CitizenReport:
    report = CitizenReportFactory(description=DESCRIPTION, reporter_contact=CONTACT)
    # The needle is in the haystack: the table holds the contact.
    assert CitizenReport.objects.filter(reporter_contact=CONTACT).count() == 1
    return report


@pytest.fixture
def staff() -> Client:
    """A client signed in as a user who may see citizen reports."""
    user = User.objects.create_user("agent", password="pw")
    user.user_permissions.add(Permission.objects.get(codename="view_citizenreport"))
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(user)
    return client


def test_the_model_says_which_attributes_are_personal():
    from django.utils import translation

    field = CitizenReport._meta.get_field("reporter_contact")
    with translation.override("en"):
        assert "never published" in str(field.help_text)
    with translation.override("fr"):
        assert "jamais publié" in str(field.help_text)


def test_ogc_items_and_their_description(staff, report):
    base = "/ogc/collections/citizen-reports"
    answers = {
        "items": staff.get(f"{base}/items"),
        "items html": staff.get(f"{base}/items", {"f": "html"}),
        "item": staff.get(f"{base}/items/{report.pk}"),
        "item html": staff.get(f"{base}/items/{report.pk}", {"f": "html"}),
        "collection": staff.get(base),
        "queryables": staff.get(f"{base}/queryables"),
        "openapi": staff.get("/ogc/openapi", {"f": "json"}),
    }
    for name, response in answers.items():
        assert response.status_code == 200, name
        assert_private(response.content)
    for name in ("items", "items html", "item", "item html"):
        assert DESCRIPTION in answers[name].content.decode(), name
    (feature,) = json.loads(answers["items"].content)["features"]
    assert feature["id"] == report.pk
    # Nor can a contact be tried against the reports: asking with the right one or a wrong one
    # gets the same answer (filters read the same published view).
    for params in (
        lambda contact: {"reporter_contact": contact},
        lambda contact: {"filter": f"reporter_contact = '{contact}'"},
    ):
        right = staff.get(f"{base}/items", params(CONTACT))
        wrong = staff.get(f"{base}/items", params("nobody@example.ma"))
        assert (right.status_code, _ids(right)) == (wrong.status_code, _ids(wrong))
        if right.status_code == 200:  # (its links repeat the query, contact included)
            assert_private(json.dumps(json.loads(right.content)["features"]).encode())


def _ids(response) -> list[int] | None:
    if response.status_code != 200:
        return None
    return [f["id"] for f in json.loads(response.content)["features"]]


def test_the_publication_view_has_no_personal_column(report):
    with connection.cursor() as cur:
        cur.execute(
            "SELECT column_name FROM information_schema.columns "
            "WHERE table_schema = 'ogc' AND table_name = %s",
            ["citizen-reports"],
        )
        columns = {row[0] for row in cur.fetchall()}
        cur.execute('SELECT row_to_json(v)::text FROM ogc."citizen-reports" AS v')
        rows = [row[0] for row in cur.fetchall()]
    assert {"id", "kind", "description", "geom"} <= columns
    assert not columns & set(PERSONAL["citizen-reports"])
    (row,) = rows
    assert "Oukacha" in row  # the report is published ...
    assert CONTACT not in row  # ... without its contact


def test_vector_tiles_and_tilejson(staff, report):
    z, x, y = origin_tile(16)
    response = staff.get(f"/tiles/citizen-reports/{z}/{x}/{y}.mvt")
    assert response.status_code == 200
    assert_private(response.content)
    (feature,) = decode(response.content)["citizen-reports"]["features"]
    assert feature["id"] == report.pk  # the report is in the tile ...
    assert not set(feature["properties"]) & set(PERSONAL["citizen-reports"])  # ... not its contact
    assert CONTACT not in map(str, feature["properties"].values())
    tilejson = staff.get("/tiles/citizen-reports.json")
    assert tilejson.status_code == 200
    assert_private(tilejson.content)


def test_open_data_has_neither_the_layer_nor_the_contact(staff, report):
    catalogue = staff.get("/open-data/")
    assert catalogue.status_code == 200
    assert_private(catalogue.content)
    assert b"dataset-citizen-reports" not in catalogue.content
    for extension in (f.extension for f in FORMATS.values()):
        response = staff.get(f"/open-data/citizen-reports.{extension}")
        assert response.status_code == 404, extension


def test_search_finds_the_report_never_by_nor_with_its_contact(staff, report):
    # The internal layer has no searched attribute: add its description to those it has for this
    # test, so a search can reach the report at all.
    searched = get_layer("citizen-reports").options.search_fields
    with layer_options("citizen-reports", search_fields=(*searched, "description")):
        found = staff.get("/api/search", {"q": "Oukacha"})
        assert found.status_code == 200
        assert [hit["id"] for hit in found.json()["results"]] == [report.pk]
        assert_private(found.content)
        by_contact = staff.get("/api/search", {"q": "amina.berrada"})
        assert by_contact.json()["results"] == []  # the answer repeats only the query
