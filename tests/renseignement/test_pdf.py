"""The PDF of an issued note, rendered by WeasyPrint and read back with poppler's tools."""

from __future__ import annotations

import shutil
import subprocess

import pytest
from django.contrib.gis.geos import MultiPolygon

from geoportal.renseignement.models import Note
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
    shutil.which("pdftoppm") is None, reason="poppler-utils (bin/setup-system test)"
)


@pytest.fixture
def number(client, split_70_30, arrondissement, document):
    ReservedLandFactory(document=document)
    ServitudeFactory(geom=MultiPolygon(line((-300, 120), (400, 120)).buffer(30)), width_m=60)
    RoadSegmentFactory(name_fr="Rue Sud", geom=line((-50, -10), (150, -10)), width_m=12)
    ParcelFactory(reference="TF 3000/C", geom=rect(0, 0, 100, 100), address="1 rue X")
    ParcelFactory(reference="TF 3001/C", geom=rect(100, 0, 60, 100))
    response = client.post("/renseignement/issue", {"parcel": "TF 3000/C"})
    return response["Location"].rsplit("/", 1)[1]


@needs_poppler
def test_pdf_of_an_issued_note(client, number, tmp_path):
    response = client.get(f"/renseignement/{number}.pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    pdf = tmp_path / "note.pdf"
    pdf.write_bytes(response.content)
    assert response.content.startswith(b"%PDF-")
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    flat = " ".join(text.replace("\u202f", " ").replace("\xa0", " ").split())
    assert number in flat
    assert "TF 3000/C" in flat
    assert "R+4" in flat and "VE" in flat and "70,00 %" in flat and "30,00 %" in flat
    assert "Voie projetée V12" in flat and "Ligne 225 kV" in flat and "Rue Sud" in flat
    assert "ODbL" in flat and "Haut-Commissariat au Plan" in flat
    assert "/renseignement/" + number in flat  # the verification address
    version = Note.objects.get(number=number).content["data_version"]["version"]
    assert f"Données du plan d'aménagement : version {version} du " in flat
    assert "ne crée aucun droit" in flat
    # Rendered to an image, the pages are not blank.
    command = ["pdftoppm", "-r", "50", "-png", str(pdf), str(tmp_path / "page")]
    subprocess.run(command, check=True, capture_output=True)
    pages = sorted(tmp_path.glob("page*.png"))
    assert pages and all(p.stat().st_size > 5_000 for p in pages)
    # The map is drawn: the VE zone's green (#a6d96a at 55 % over white, about (206, 234, 173))
    # and the planned road's orange hatching (#e66101) are on some page.
    from PIL import Image

    def has_colour(rgb: tuple[int, int, int], tolerance: int = 10) -> bool:
        for page in pages:
            colours = Image.open(page).convert("RGB").getcolors(maxcolors=1 << 20) or []
            for _, c in colours:
                if all(abs(a - b) <= tolerance for a, b in zip(c, rgb, strict=True)):
                    return True
        return False

    assert has_colour((206, 234, 173))
    assert has_colour((230, 97, 1), tolerance=40)
    assert not has_colour((255, 0, 255))  # a colour the map does not use


def test_pdf_of_an_unknown_note(client, db):
    assert client.get("/renseignement/NR-20260101-AAAAAAAA.pdf").status_code == 404


def test_pdf_is_rendered_once_and_kept(client, number, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    first = client.get(f"/renseignement/{number}.pdf").content
    kept = tmp_path / "renseignement" / f"{number}.pdf"
    assert kept.read_bytes() == first
    kept.write_bytes(b"%PDF-kept")
    assert client.get(f"/renseignement/{number}.pdf").content == b"%PDF-kept"


def test_settings_checks(settings):
    from geoportal.renseignement.checks import check_renseignement_settings

    assert check_renseignement_settings() == []
    settings.RENSEIGNEMENT = {**settings.RENSEIGNEMENT, "RATE_LIMITS": {"note": (0, 60)}}
    assert [e.id for e in check_renseignement_settings()] == ["renseignement.E003"]


@needs_poppler
def test_the_pdf_is_french_whoever_asks_first(client, number, tmp_path):
    """The PDF is rendered once and kept: an English browser asking first must not leave an English
    month name in the official French document."""
    import datetime as dt

    from geoportal.renseignement.models import Note

    issued = Note.objects.get(number=number).issued_at.astimezone(dt.UTC)
    response = client.get(f"/renseignement/{number}.pdf", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    pdf = tmp_path / "note.pdf"
    pdf.write_bytes(response.content)
    text = subprocess.run(
        ["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    months = ["janvier", "février", "mars", "avril", "mai", "juin"]
    months += ["juillet", "août", "septembre", "octobre", "novembre", "décembre"]
    french = months[issued.month - 1]
    english = issued.strftime("%B")
    assert french in text
    assert english not in text
