"""The note wholly in Arabic, French or English: its words, its planning data (the translated
columns, French where a planner left one empty, marked), its PDF (right to left in Arabic, read
back with poppler) and the link to each zone's regulation.

Page 1 of each language's PDF is kept in ``tests/artifacts/renseignement/`` to be looked at."""

from __future__ import annotations

import re
import shutil
import subprocess
from html import unescape
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.gis.geos import MultiPolygon

from geoportal.renseignement.models import Note
from tests.conftest import REPO_ROOT
from tests.factories import (
    ParcelFactory,
    ReservedLandFactory,
    RoadSegmentFactory,
    ServitudeFactory,
    line,
    rect,
)

pytestmark = pytest.mark.django_db
needs_poppler = pytest.mark.skipif(
    shutil.which("pdftotext") is None, reason="poppler-utils (bin/setup-system test)"
)
BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")
# Arabic vowel marks: poppler extracts some of them apart from their letter.
ARABIC_MARKS = re.compile("[\u064b-\u065f\u0670]")
ARTIFACTS = REPO_ROOT / "tests" / "artifacts" / "renseignement"

TITLE_AR = "مذكرة المعلومات التعميرية"
# The R+4 zone's label in Arabic. pdftotext reorders runs of digits inside Arabic text (it reads
# "ط+4" back as "ط4+") and detaches vowel marks, so the strings read back from the PDF have
# neither; the rendered page (tests/artifacts) shows them.
ZONE_AR = "منطقة السكن الجماعي"
ZONE_EN = "Housing zone G+4"
ZONE_FR = "Zone d'habitat R+4"
GREEN_FR = "Zone verte"  # the VE zone has no Arabic or English label: shown in French, marked
USES_AR = ["السكن", "تجارة القرب"]
USES_EN = ["housing", "local shops"]
SERVITUDE_AR = "خط كهربائي ذو جهد عال"
EFFECT_AR = "يمنع كل بناء تحت الخط"
SERVITUDE_EN = "225 kV power line"
EFFECT_EN = "No building under the line."
RESERVED_AR = "طريق مبرمجة V12"
RESERVED_EN = "Planned road V12"

# Words of a French note that are French and English alike: not in an Arabic note.
FRENCH_AND_ENGLISH_WORDS = ["Zone ", "Servitude", "Servitudes"]
# Words of a French note that must not be in the Arabic or the English one: its section titles
# and words, the French values of the planning data that has a translation, the map's legend.
FRENCH_WORDS = [
    "Note de renseignements urbanistiques",
    "Données du plan d'aménagement",
    "Identification du terrain",
    "Référence foncière",
    "Statut foncier",
    "Superficie calculée",
    "Document d'urbanisme en vigueur",
    "Zonage",
    "Libellé",
    "Surface",
    "Règlement de la zone",
    "Hauteur maximale",
    "Usages autorisés",
    "Usages interdits",
    "Reculs",
    "Référence légale",
    "Effet",
    "Emplacements réservés",
    "Voies desservant",
    "Extrait de plan",
    "Avertissement",
    "Délivrée le",
    "Vérification",
    "Limites administratives",
    "Parcellaire, voirie et urbanisme",
    "Terrain objet de la note",
    "Parcelles voisines",
    "Voirie existante",
    "ne vaut ni autorisation",
    "habitation",
    "commerce de proximité",
    ZONE_FR,
    "Ligne 225 kV",
    "Construction interdite",
    "Voie projetée",
    "voie projetée",
    "habitat collectif",
    "ligne haute tension",
    "immatriculé",
    "titre foncier",
    "rue",
]


@pytest.fixture
def land(split_70_30, arrondissement, document):
    """The 100 m square parcel TF 3000/C, 70 % in zone R+4 (translated) and 30 % in VE (French
    only), crossed by a translated power line and a translated planned road."""
    west, east = split_70_30
    for uses, ar, en in (
        ("allowed_uses", "الحدائق", "gardens"),
        ("prohibited_uses", "كل بناء", "any building"),
    ):
        setattr(
            east.regulation, uses, ["jardins"] if uses == "allowed_uses" else ["toute construction"]
        )
        setattr(east.regulation, f"{uses}_ar", [ar])
        setattr(east.regulation, f"{uses}_en", [en])
    east.regulation.save()
    regulation = west.regulation
    regulation.label_fr = ZONE_FR
    regulation.label_ar = ZONE_AR
    regulation.label_en = ZONE_EN
    regulation.allowed_uses = ["habitation", "commerce de proximité"]
    regulation.allowed_uses_ar = USES_AR
    regulation.allowed_uses_en = USES_EN
    regulation.prohibited_uses = ["industrie"]
    regulation.prohibited_uses_ar = ["الصناعة"]
    regulation.prohibited_uses_en = ["industry"]
    regulation.save()
    ReservedLandFactory(document=document, label_ar=RESERVED_AR, label_en=RESERVED_EN)
    ServitudeFactory(
        geom=MultiPolygon(line((-300, 120), (400, 120)).buffer(30)),
        width_m=60,
        label_ar=SERVITUDE_AR,
        label_en=SERVITUDE_EN,
        effect_ar=EFFECT_AR,
        effect_en=EFFECT_EN,
    )
    RoadSegmentFactory(
        name_fr="Rue Sud", name_ar="زنقة الجنوب", geom=line((-50, -10), (150, -10)), width_m=12
    )
    ParcelFactory(reference="TF 3000/C", geom=rect(0, 0, 100, 100), address="", current_use="")
    ParcelFactory(reference="TF 3001/C", geom=rect(100, 0, 60, 100))
    return "TF 3000/C"


def issue(client, reference: str, lang: str) -> Note:
    response = client.post(f"/renseignement/issue?lang={lang}", {"parcel": reference})
    assert response.status_code == 303
    return Note.objects.get(number=response["Location"].rsplit("/", 1)[1])


def pdf_text(client, note: Note, tmp_path: Path) -> tuple[str, Path]:
    response = client.get(f"/renseignement/{note.number}.pdf")
    assert response.status_code == 200
    pdf = tmp_path / f"{note.number}.pdf"
    pdf.write_bytes(response.content)
    text = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    # poppler marks the direction of runs with Unicode embedding controls (U+202A..U+202E): they
    # are not text, the text between them is in logical order.
    text = BIDI_CONTROLS.sub("", text.replace("\u202f", " ").replace("\xa0", " "))
    return " ".join(text.split()), pdf


def page_one_png(pdf: Path, name: str) -> Path:
    """Page 1 at 80 dpi, kept in tests/artifacts/renseignement/ to be looked at."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    stem = ARTIFACTS / name
    command = ["pdftoppm", "-png", "-r", "80", "-f", "1", "-l", "1", "-singlefile"]
    subprocess.run([*command, str(pdf), str(stem)], check=True, capture_output=True)
    png = stem.with_suffix(".png")
    assert png.stat().st_size > 5_000
    return png


def french_words_in(text: str, lang: str) -> list[str]:
    """The French words of a note found in ``text``, but the VE zone's label: it has no
    translation, so it is shown in French (and marked so)."""
    text = text.replace(GREEN_FR, "")
    words = FRENCH_WORDS + (FRENCH_AND_ENGLISH_WORDS if lang == "ar" else [])
    return [word for word in words if word in text]


@needs_poppler
def test_an_arabic_note_is_wholly_arabic_in_its_pdf(client, land, tmp_path):
    note = issue(client, land, "ar")
    assert note.lang == "ar"
    text, pdf = pdf_text(client, note, tmp_path)
    assert french_words_in(text, "ar") == []
    # Arabic extracts in logical order (as typed), not reversed into visual order.
    for arabic in (TITLE_AR, ZONE_AR, SERVITUDE_AR, "الاستعمالات المسموح بها", *USES_AR):
        assert arabic in text, arabic
    # The disclaimer: it creates no right. Its words, not the phrase: where its lines break
    # depends on the page above, and poppler may join the lines of a right-to-left paragraph in
    # another order.
    bare = ARABIC_MARKS.sub("", text).split()
    assert all(
        word in bare for word in ["ولا", "تنشئ", "أي", "حق", "رخصة", "بناء", "شهادة", "ملكية"]
    )
    assert "في انتظار الترجمة" in text and GREEN_FR in text  # VE: French, marked
    assert note.number in text and "TF 3000/C" in text
    page_one_png(pdf, "note-ar-p1")


@needs_poppler
def test_an_english_note_is_wholly_english_in_its_pdf(client, land, tmp_path):
    note = issue(client, land, "en")
    assert note.lang == "en"
    text, pdf = pdf_text(client, note, tmp_path)
    assert french_words_in(text, "en") == []
    for english in (
        "Urban-planning information note",
        ZONE_EN,
        SERVITUDE_EN,
        EFFECT_EN,
        "housing, local shops",
        RESERVED_EN,
        "It is neither a building or subdivision permit",
    ):
        assert english in text, english
    page_one_png(pdf, "note-en-p1")


@needs_poppler
def test_a_french_note_stays_french(client, land, tmp_path):
    note = issue(client, land, "fr")
    text, pdf = pdf_text(client, note, tmp_path)
    assert note.lang == "fr"
    assert "Note de renseignements urbanistiques" in text and ZONE_FR in text
    assert TITLE_AR not in text and ZONE_AR not in text and ZONE_EN not in text
    assert "ne vaut ni autorisation de construire" in text
    page_one_png(pdf, "note-fr-p1")


def test_the_arabic_pdf_is_laid_out_right_to_left(client, land):
    from django.template.loader import render_to_string

    from geoportal.renseignement.documents import note_context
    from geoportal.renseignement.labels import labels_context

    note = issue(client, land, "ar")
    html = render_to_string(
        "renseignement/note_pdf.html",
        {**labels_context("ar"), **note_context(note.content, "ar")},
    )
    assert '<html lang="ar" dir="rtl">' in html
    assert "Noto Naskh Arabic" in html
    assert "مقتطف من التصميم" in html and "العقار موضوع المذكرة" in html  # map and legend


def test_the_language_is_kept_and_a_note_is_reused_in_its_language_only(client, land):
    french = issue(client, land, "fr")
    arabic = issue(client, land, "ar")
    assert arabic.number != french.number and (french.lang, arabic.lang) == ("fr", "ar")
    assert issue(client, land, "ar").number == arabic.number
    assert issue(client, land, "fr").number == french.number
    english = issue(client, land, "en")
    assert english.number not in {french.number, arabic.number}
    assert Note.objects.count() == 3
    # The verification page recomputes the note in its language: the rules have not changed.
    page = unescape(client.get(f"/renseignement/{arabic.number}").content.decode())
    assert 'lang="ar"' in page and "لم تتغير الضوابط المطبقة" in page and ZONE_AR in page
    api = client.get(f"/api/renseignement/{english.number}").json()
    assert api["lang"] == "en" and api["verification"]["rules_changed"] is False


def test_the_page_shows_the_data_in_its_language(client, land):
    def page(lang: str) -> str:
        html = client.get("/renseignement/", {"parcel": land, "lang": lang}).content.decode()
        return unescape(html)

    ar, en, fr = page("ar"), page("en"), page("fr")
    assert ZONE_AR in ar and SERVITUDE_AR in ar and EFFECT_AR in ar and RESERVED_AR in ar
    assert "، ".join(USES_AR) in ar and "زنقة الجنوب" in ar
    assert ZONE_EN in en and SERVITUDE_EN in en and EFFECT_EN in en and RESERVED_EN in en
    assert ZONE_FR in fr and "Ligne 225 kV" in fr and "habitation, commerce de proximité" in fr
    assert ZONE_AR not in fr and ZONE_FR not in ar and ZONE_FR not in en
    # The VE zone has only its French label: shown, marked as French.
    assert f'<span lang="fr" dir="ltr" class="in-french">{GREEN_FR}</span>' in ar
    assert "(in French, awaiting translation)" in en and 'class="in-french"' not in fr


def test_a_zone_links_to_its_regulation(client, land, document):
    ar = client.get("/renseignement/", {"parcel": land, "lang": "ar"}).content.decode()
    link = f"{settings.PUBLIC_URL}/renseignement/regulations/PA-CASA-2020/R+4?lang=ar"
    assert f'href="{link}"' in ar
    page = client.get("/renseignement/regulations/PA-CASA-2020/R+4", {"lang": "ar"})
    assert page.status_code == 200
    html = unescape(page.content.decode())
    assert ZONE_AR in html and "ضابط تهيئة المنطقة" in html and "، ".join(USES_AR) in html
    assert 'dir="rtl"' in html
    en = unescape(
        client.get("/renseignement/regulations/PA-CASA-2020/R+4?lang=en").content.decode()
    )
    assert ZONE_EN in en and "housing, local shops" in en
    assert client.get("/renseignement/regulations/PA-CASA-2020/XX").status_code == 404


def test_a_regulation_s_own_text_is_linked_and_every_value_escaped(client, land, make_zone):
    from layers.zoning.models import ZoneRegulation

    regulation = ZoneRegulation.objects.get(code="R+4")
    regulation.text_url = "https://urbanisme.example.ma/pa-casa-2020/reglement.pdf#R4"
    regulation.save()
    html = client.get("/renseignement/", {"parcel": land}).content.decode()
    assert 'href="https://urbanisme.example.ma/pa-casa-2020/reglement.pdf#R4"' in html
    # A link that is not http(s) is never written: the platform's page instead.
    ZoneRegulation.objects.filter(pk=regulation.pk).update(text_url="javascript:alert(1)")
    html = client.get("/renseignement/", {"parcel": land}).content.decode()
    assert "javascript:" not in html
    assert "/renseignement/regulations/PA-CASA-2020/R+4?lang=fr" in html
    # A label with markup is shown as text, on the note and on the regulation's page.
    ZoneRegulation.objects.filter(pk=regulation.pk).update(label_ar="<b>منطقة</b>")
    for url in (
        "/renseignement/?lang=ar&parcel=TF+3000/C",
        "/renseignement/regulations/PA-CASA-2020/R+4?lang=ar",
    ):
        body = client.get(url).content.decode()
        assert "&lt;b&gt;منطقة&lt;/b&gt;" in body and "<b>منطقة" not in body


@pytest.mark.parametrize(("lang", "written"), [("fr", "2.500"), ("en", "2,500")])
def test_a_regulation_s_minimum_plot_is_grouped_as_the_note_writes_areas(
    client, land, lang, written
):
    from layers.zoning.models import ZoneRegulation

    ZoneRegulation.objects.filter(code="R+4").update(min_plot_area_m2=2500)
    page = client.get("/renseignement/regulations/PA-CASA-2020/R+4", {"lang": lang})
    html = unescape(page.content.decode())
    assert f">{written} m²<" in html


def test_a_zone_takes_its_regulation_s_labels_in_every_language(land):
    from django.db import connection

    from layers.zoning.models import Zone

    zone = Zone.objects.get(code="R+4")
    assert (zone.label_fr, zone.label_ar, zone.label_en) == (ZONE_FR, ZONE_AR, ZONE_EN)
    with connection.cursor() as cur:  # published to OGC API clients (QGIS) as attributes
        cur.execute('SELECT label_ar, label_en FROM ogc."zoning" WHERE id = %s', [zone.pk])
        assert cur.fetchone() == (ZONE_AR, ZONE_EN)
