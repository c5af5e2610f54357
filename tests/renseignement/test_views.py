"""The pages, the JSON API, issuing and verification, through Django's test client."""

from __future__ import annotations

import json
import re
from html import unescape

import pytest
from django.contrib.auth.models import Permission, User
from django.contrib.gis.geos import MultiPolygon
from django.db import IntegrityError, connection, transaction

from geoportal.renseignement.models import Note
from layers.zoning.models import ZoneRegulation
from tests.factories import (
    ParcelFactory,
    ReservedLandFactory,
    RoadSegmentFactory,
    ServitudeFactory,
    line,
    point,
    rect,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def parcel(split_70_30, arrondissement, document):
    ReservedLandFactory(document=document)
    ServitudeFactory(geom=MultiPolygon(line((-300, 120), (400, 120)).buffer(30)), width_m=60)
    RoadSegmentFactory(name_fr="Rue <b>Sud</b>", geom=line((-50, -10), (150, -10)), width_m=12)
    return ParcelFactory(reference="TF 2000/C", geom=rect(0, 0, 100, 100), address="1 rue X")


def outline_4326(x, y, w, h) -> dict:
    geom = rect(x, y, w, h)
    geom.transform(4326)
    return json.loads(geom.json)


def test_json_note_of_a_parcel(client, parcel):
    response = client.get("/api/renseignement/", {"parcel": "TF 2000/C"})
    assert response.status_code == 200
    body = response.json()
    zones = {z["regulation"]["code"]: (z["area_m2"], z["share_pct"]) for z in body["zones"]}
    assert zones == {"R+4": (7000.0, 70.0), "VE": (3000.0, 30.0)}
    assert body["reserved_land"][0]["area_m2"] == 2000.0
    assert body["servitudes"][0]["area_m2"] == pytest.approx(1000.0, abs=0.1)
    assert body["roads"][0]["name_fr"] == "Rue <b>Sud</b>"
    assert body["issued"] is False
    assert body["geometry"]["type"] == "MultiPolygon"
    lon, lat = body["geometry"]["coordinates"][0][0][0]
    assert -7.7 < lon < -7.5 and 33.5 < lat < 33.7  # served in EPSG:4326
    assert "ODbL" in " ".join(body["credits"])
    assert Note.objects.count() == 0  # looking does not issue


def test_json_note_of_an_outline_in_4326(client, split_70_30):
    # The same 100 m square, drawn in longitude/latitude: the split is found again in metres.
    response = client.post(
        "/api/renseignement/", outline_4326(0, 0, 100, 100), content_type="application/json"
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["subject"]["kind"] == "outline"
    assert body["subject"]["computed_area_m2"] == pytest.approx(10_000, abs=0.5)
    zones = {z["regulation"]["code"]: z["share_pct"] for z in body["zones"]}
    assert zones == {"R+4": pytest.approx(70.0, abs=0.01), "VE": pytest.approx(30.0, abs=0.01)}


@pytest.mark.parametrize(
    ("body", "status", "fragment"),
    [
        (b"{not json", 400, "JSON"),
        (json.dumps({"type": "Point", "coordinates": [-7.6, 33.6]}), 400, "Polygon"),
        # A bow-tie: self-intersecting.
        (
            json.dumps(
                {
                    "type": "Polygon",
                    "coordinates": [
                        [
                            [-7.62, 33.59],
                            [-7.61, 33.60],
                            [-7.61, 33.59],
                            [-7.62, 33.60],
                            [-7.62, 33.59],
                        ]
                    ],
                }
            ),
            400,
            "pas valide",
        ),
        # Rabat, outside the city.
        (
            json.dumps(
                {
                    "type": "Polygon",
                    "coordinates": [[[-6.85, 34.0], [-6.84, 34.0], [-6.84, 34.01], [-6.85, 34.0]]],
                }
            ),
            400,
            "hors du territoire",
        ),
        # 0.3 x 0.3 degrees, about 900 km²: absurdly large.
        (
            json.dumps(
                {
                    "type": "Polygon",
                    "coordinates": [
                        [
                            [-7.75, 33.45],
                            [-7.45, 33.45],
                            [-7.45, 33.62],
                            [-7.75, 33.62],
                            [-7.75, 33.45],
                        ]
                    ],
                }
            ),
            400,
            "limite",
        ),
        (
            json.dumps(
                {"type": "Polygon", "coordinates": [[[700, 33], [701, 33], [701, 34], [700, 33]]]}
            ),
            400,
            "longitudes",
        ),
    ],
)
def test_bad_outlines_get_a_clear_error(client, db, body, status, fragment):
    response = client.post("/api/renseignement/", body, content_type="application/json")
    assert response.status_code == status
    assert fragment in response.json()["detail"]


@pytest.mark.parametrize(
    ("lang", "said"),
    [
        ("fr", "Le contour couvre 1.200 ha ; la limite est de 200 ha."),
        ("en", "The outline covers 1,200 ha; the limit is 200 ha."),
    ],
)
def test_an_outline_over_the_limit_gives_its_area_as_the_language_writes_numbers(
    client, db, lang, said
):
    body = outline_4326(0, 0, 4000, 3000)  # 12,000,000 m²: 1,200 ha, over the 200 ha allowed
    response = client.post(
        f"/api/renseignement/?lang={lang}", body, content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["detail"] == said


def test_unknown_and_malformed_references(client, db):
    response = client.get("/api/renseignement/", {"parcel": "TF 424242/C"})
    assert response.status_code == 404
    assert "TF 424242/C" in response.json()["detail"]
    assert client.get("/api/renseignement/", {"parcel": "<script>"}).status_code == 400
    page = client.get("/renseignement/", {"parcel": "<script>alert(1)</script>"})
    assert page.status_code == 400
    assert b"<script>alert" not in page.content
    assert client.get("/api/renseignement/").status_code == 400


def test_html_note_of_a_map_click(client, parcel):
    pt = point(50, 50)
    pt.transform(4326)
    page = client.get("/renseignement/", {"lon": pt.x, "lat": pt.y})
    assert page.status_code == 200
    html = page.content.decode()
    assert "TF 2000/C" in html and "7.000,0" in html  # fr-MA: "." between thousands
    assert "Rue &lt;b&gt;Sud&lt;/b&gt;" in html  # escaped
    assert "Obtenir la note officielle" in html
    assert "<svg" in html and 'class="scale-bar"' in html and 'class="north-arrow"' in html
    # The disclaimer in the page's language only (French here), saying the note creates no right.
    assert "ne vaut ni autorisation de construire" in unescape(html) and "التعمير" not in html
    assert "ODbL" in html and "Haut-Commissariat au Plan" in html
    assert Note.objects.count() == 0


def test_parcel_outside_every_zone_is_said_plainly(client, document):
    ParcelFactory(reference="TF 2001/C", geom=rect(1500, 1500, 50, 40))
    html = unescape(client.get("/renseignement/", {"parcel": "TF 2001/C"}).content.decode())
    assert "couvert par aucune zone" in html


def issue(client, reference: str) -> str:
    response = client.post("/renseignement/issue", {"parcel": reference})
    assert response.status_code == 303
    match = re.fullmatch(r"/renseignement/(NR-\d{8}-[A-Z0-9]{8})", response["Location"])
    assert match, response["Location"]
    return match.group(1)


def test_issue_store_and_verify_a_note(client, parcel):
    number = issue(client, "TF 2000/C")
    note = Note.objects.get(number=number)
    assert note.parcel_reference == "TF 2000/C"
    assert note.arrondissement_name == "Anfa"
    assert note.content["note"]["verification_url"].endswith(f"/renseignement/{number}")
    page = unescape(client.get(f"/renseignement/{number}").content.decode())
    assert "Note authentique" in page
    assert "n'ont pas changé" in page
    # Asking again the same day gives the same note, not a new one.
    assert issue(client, "TF 2000/C") == number
    assert Note.objects.count() == 1

    # The regulation changes: the note still shows what was issued, and says the rules changed.
    ZoneRegulation.objects.filter(code="R+4").update(max_height_m=30.0)
    page = unescape(client.get(f"/renseignement/{number}").content.decode())
    assert "ont changé depuis" in page and "zones" in page
    assert "15,5 m" in page  # as issued
    api = client.get(f"/api/renseignement/{number}").json()
    # The regulation's one UPDATE moves the zoning data's version by one.
    version = api["verification"]["data_version"]
    assert isinstance(version["then"], int) and version["now"] == version["then"] + 1
    assert api["verification"] == {
        "intact": True,
        "signature": "valid",
        "authentic": True,
        "outcome": "authentic",
        "parcel_exists": True,
        "rules_changed": True,
        "changed_sections": ["zones"],
        "data_version": version,
    }
    # A new request now issues a new note with the new rule.
    number2 = issue(client, "TF 2000/C")
    assert number2 != number
    assert Note.objects.get(number=number2).content["zones"][0]["regulation"]["max_height_m"] == 30


def test_issued_note_is_immutable(parcel):
    from geoportal.renseignement.actions import issue_note
    from geoportal.renseignement.selectors.subjects import find_parcel

    note = issue_note(find_parcel("TF 2000/C")).note
    with pytest.raises(IntegrityError), transaction.atomic():
        Note.objects.filter(pk=note.pk).update(content={"zones": []})
    with pytest.raises(IntegrityError), transaction.atomic():
        Note.objects.filter(pk=note.pk).delete()
    with connection.cursor() as cur:
        cur.execute("SELECT content->'zones'->0->>'share_pct' FROM renseignement_note")
        assert cur.fetchone() == ("70.0",)


def test_tampered_content_is_detected(parcel):
    # Rows cannot be updated; a copy with an altered content must fail the hash check.
    from geoportal.renseignement.actions import issue_note
    from geoportal.renseignement.selectors.subjects import find_parcel
    from geoportal.renseignement.selectors.verification import verify_note

    note = issue_note(find_parcel("TF 2000/C")).note
    assert verify_note(note)["intact"] is True
    note.content["zones"][0]["share_pct"] = 90.0
    assert verify_note(note)["intact"] is False


def test_api_issue_and_read_back(client, parcel):
    response = client.post(
        "/api/renseignement/notes", {"parcel": "TF 2000/C"}, content_type="application/json"
    )
    assert response.status_code == 201
    body = response.json()
    assert body["links"]["pdf"].endswith(f"/renseignement/{body['number']}.pdf")
    again = client.get(f"/api/renseignement/{body['number']}").json()
    assert again["content_hash"] == body["content_hash"]
    assert again["verification"]["rules_changed"] is False
    # An outline note.
    response = client.post(
        "/api/renseignement/notes",
        {"outline": outline_4326(0, 0, 100, 100)},
        content_type="application/json",
    )
    assert response.status_code == 201
    assert Note.objects.get(number=response.json()["number"]).subject_kind == "outline"
    assert client.get("/api/renseignement/NR-20260101-AAAAAAAA").status_code == 404


def test_parcel_deleted_after_issue(client, parcel):
    number = issue(client, "TF 2000/C")
    parcel.delete()
    page = unescape(client.get(f"/renseignement/{number}").content.decode())
    assert "n'existe plus" in page
    assert "TF 2000/C" in page


def test_planners_list_by_arrondissement_and_date(client, parcel, document):
    from tests.factories import ArrondissementFactory

    ArrondissementFactory(code="141010102", name_fr="Maârif", geom=rect(2000, 0, 900, 900))
    ParcelFactory(reference="TF 2002/C", geom=rect(2100, 100, 50, 50))
    n1 = issue(client, "TF 2000/C")
    n2 = issue(client, "TF 2002/C")
    assert client.get("/renseignement/notes/").status_code in (302, 403)
    planner = User.objects.create_user("planner", password="x")
    citizen = User.objects.create_user("citizen", password="x")
    planner.user_permissions.add(Permission.objects.get(codename="view_note"))
    client.force_login(citizen)
    assert client.get("/renseignement/notes/").status_code == 403
    client.force_login(planner)
    html = client.get("/renseignement/notes/").content.decode()
    assert n1 in html and n2 in html
    assert "<h1>Notes délivrées</h1>" in html
    arabic = client.get("/renseignement/notes/", {"lang": "ar"}).content.decode()
    assert "<h1>المذكرات المسلّمة</h1>" in arabic and "حسب اليوم والمقاطعة" in arabic
    assert "délivrées" not in arabic and n1 in arabic
    html = client.get("/renseignement/notes/", {"arrondissement": "141010102"}).content.decode()
    assert n2 in html and n1 not in html
    html = client.get("/renseignement/notes/", {"from": "2001-01-01", "to": "2001-12-31"})
    assert n1 not in html.content.decode()
    assert client.get("/renseignement/notes/", {"from": "yesterday"}).status_code == 400


def test_html_note_of_a_drawn_outline_and_its_issue(client, split_70_30):
    outline = json.dumps(outline_4326(0, 0, 100, 100))
    page = client.post("/renseignement/", {"outline": outline})
    assert page.status_code == 200
    html = page.content.decode()
    assert "Contour dessiné" in html and "70,00 %" in html
    response = client.post("/renseignement/issue", {"outline": outline})
    assert response.status_code == 303
    note = Note.objects.get()
    assert note.subject_kind == "outline" and note.parcel_reference == ""
    assert note.geom.area == pytest.approx(10_000, abs=0.5)
    bad = client.post("/renseignement/", {"outline": "{]"})
    assert bad.status_code == 400 and "GeoJSON" in bad.content.decode()


def test_page_in_arabic_and_english(client, parcel):
    ar = client.get("/renseignement/", {"parcel": "TF 2000/C", "lang": "ar"}).content.decode()
    assert 'dir="rtl"' in ar and "مذكرة المعلومات التعميرية" in ar and "التنطيق" in ar
    # Without a choice, the browser's language (as on the portal and the APIs); else French.
    browser = client.get("/renseignement/", {"parcel": "TF 2000/C"}, HTTP_ACCEPT_LANGUAGE="en")
    assert "3. Zoning" in unescape(browser.content.decode())
    plain = client.get("/renseignement/", {"parcel": "TF 2000/C"})
    assert "3. Zonage" in unescape(plain.content.decode())
    # The language chosen on the portal (its cookie) does.
    client.cookies["django_language"] = "en"
    en = client.get("/renseignement/", {"parcel": "TF 2000/C"})
    html = unescape(en.content.decode())
    assert "Urban-planning information note" in html and "3. Zoning" in html
    assert "This urban-planning information note is given for information" in html
    assert "Avertissement" not in html and "La présente note" not in html  # English only
    # an unknown ?lang is passed over: the cookie's English
    other = client.get("/renseignement/", {"parcel": "TF 2000/C", "lang": "xx"}).content.decode()
    assert 'lang="en"' in other and "3. Zoning" in other
