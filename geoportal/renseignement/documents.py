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
from geoportal.renseignement.models import Note


def note_context(content: dict[str, Any], lang: str = "fr") -> dict[str, Any]:
    """Template context of a note's content (computed now, or stored as issued) in ``lang``."""
    context: dict[str, Any] = {"n": content}
    if content.get("map"):
        context["map_svg"] = mark_safe(
            mapsvg.render_map_svg(content["map"], lang=lang)
        )  # every label in it is escaped
        context["map_labels"] = mapsvg.map_labels(content["map"])
        context["legend"] = mapsvg.legend_items(content["map"], lang)
    note = content.get("note")
    if note:
        context["issued_at"] = dt.datetime.fromisoformat(note["issued_at"])
        qr = segno.make(note["verification_url"], error="m")
        context["qr_svg_uri"] = qr.svg_data_uri(scale=3, border=2)
    stamp = content.get("data_version") or {}
    if stamp.get("changed_at"):
        context["data_version_at"] = dt.datetime.fromisoformat(stamp["changed_at"])
    return context


def note_pdf_bytes(note: Note) -> bytes:
    """The PDF of an issued note, rendered once from its immutable snapshot in its language,
    signed (PAdES, see ``signing``) and kept under ``MEDIA_ROOT/renseignement/`` (the number has
    been matched by the URL pattern)."""
    number = note.number
    folder = Path(settings.MEDIA_ROOT) / "renseignement"
    path = folder / f"{number}.pdf"
    if path.exists():
        return path.read_bytes()
    pdf = signing.sign_pdf(
        render_note_pdf(note),
        reason=f"Note de renseignement urbanistique {number}",
        location=settings.GIS["CITY_NAME"],
    )
    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=folder, suffix=".tmp", delete=False) as tmp:
        tmp.write(pdf)
    os.replace(tmp.name, path)  # atomic: concurrent workers never read half a file
    return pdf


def render_note_pdf(note: Note, verification: dict[str, Any] | None = None) -> bytes:
    """The note's PDF, wholly in its language (right to left in Arabic): its words, its data,
    its dates and numbers, whoever asks for it (it is rendered once and kept)."""
    import weasyprint

    with translation.override(note.lang):
        html = render_to_string(
            "renseignement/note_pdf.html",
            {
                **labels_context(note.lang),
                **note_context(note.content, note.lang),
                "verification": verification,
            },
        )
    return weasyprint.HTML(string=html).write_pdf()
