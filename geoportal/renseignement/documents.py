"""The note as a document: the context shared by the HTML pages and the PDF, and the PDF itself
(WeasyPrint, with the SVG map and a QR code to the verification page)."""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from pathlib import Path
from typing import Any

import segno
from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.safestring import mark_safe

from geoportal.renseignement import mapsvg, signing
from geoportal.renseignement.labels import labels_context


def note_context(content: dict[str, Any]) -> dict[str, Any]:
    """Template context of a note's content (computed now, or stored as issued)."""
    context: dict[str, Any] = {"n": content}
    if content.get("map"):
        context["map_svg"] = mark_safe(
            mapsvg.render_map_svg(content["map"])
        )  # every label in it is escaped
        context["legend"] = mapsvg.legend_items(content["map"])
    note = content.get("note")
    if note:
        context["issued_at"] = dt.datetime.fromisoformat(note["issued_at"])
        qr = segno.make(note["verification_url"], error="m")
        context["qr_svg_uri"] = qr.svg_data_uri(scale=3, border=2)
    stamp = content.get("data_version") or {}
    if stamp.get("changed_at"):
        context["data_version_at"] = dt.datetime.fromisoformat(stamp["changed_at"])
    return context


def note_pdf_bytes(number: str, content: dict[str, Any]) -> bytes:
    """The PDF of an issued note, rendered once from its immutable snapshot, signed (PAdES, see
    ``signing``) and kept under ``MEDIA_ROOT/renseignement/`` (``number`` has been matched by the
    URL pattern)."""
    folder = Path(settings.MEDIA_ROOT) / "renseignement"
    path = folder / f"{number}.pdf"
    if path.exists():
        return path.read_bytes()
    pdf = signing.sign_pdf(
        render_note_pdf(content),
        reason=f"Note de renseignement urbanistique {number}",
        location=settings.GIS["CITY_NAME"],
    )
    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=folder, suffix=".tmp", delete=False) as tmp:
        tmp.write(pdf)
    os.replace(tmp.name, path)  # atomic: concurrent workers never read half a file
    return pdf


def render_note_pdf(content: dict[str, Any], verification: dict[str, Any] | None = None) -> bytes:
    import weasyprint

    # The document is French whoever asks for it first (it is rendered once and kept): dates and
    # numbers follow French, not the requesting browser's language.
    with translation.override("fr"):
        html = render_to_string(
            "renseignement/note_pdf.html",
            {**labels_context("fr"), **note_context(content), "verification": verification},
        )
    return weasyprint.HTML(string=html).write_pdf()
