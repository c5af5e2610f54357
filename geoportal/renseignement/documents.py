"""The note as a document: the context shared by the HTML pages and the PDF, and the PDF itself
(WeasyPrint, with the SVG map and a QR code to the verification page)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import segno
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe

from geoportal.renseignement import mapsvg


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
    return context


def render_note_pdf(content: dict[str, Any], verification: dict[str, Any] | None = None) -> bytes:
    import weasyprint

    html = render_to_string(
        "renseignement/note_pdf.html", {**note_context(content), "verification": verification}
    )
    return weasyprint.HTML(string=html).write_pdf()
