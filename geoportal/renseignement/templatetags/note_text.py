"""Tags of the note's templates: a planning value in the note's language (its French value marked
as such where it has no translation), and the link to a zone's regulation."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django import template
from django.conf import settings
from django.urls import reverse
from django.utils.html import format_html

register = template.Library()

# Notes issued before the planning data had translations named the zone's label ``label_fr``.
OLD_KEYS = {"label": "label_fr"}


@register.simple_tag(takes_context=True)
def localized(context: template.Context, item: dict[str, Any], key: str, empty: str = "") -> str:
    """``item[key]`` (a text or a list of texts, joined) as the note gives it. When ``key`` is in
    the item's ``in_french``, the value is the French one for lack of a translation: it is marked
    ``lang="fr"`` (read left to right) and followed by the words saying so."""
    value = item.get(key)
    if value is None and key in OLD_KEYS:
        value = item.get(OLD_KEYS[key])
    t = context["t"]
    text = t["join_sep"].join(value) if isinstance(value, list) else str(value or "")
    if not text:
        return empty
    if key in (item.get("in_french") or ()):
        return format_html(
            '<span lang="fr" dir="ltr" class="in-french">{}</span> <small class="in-french">{}'
            "</small>",
            text,
            t["in_french"],
        )
    return text  # escaped by the template, as any variable


@register.simple_tag(takes_context=True)
def regulation_url(context: template.Context, zone: dict[str, Any]) -> str:
    """The text of a zone's regulation: its own ``text_url``, else the platform's page of the
    regulation, in the page's language (an absolute address: the PDF is read away from here).
    The template escapes it, as any value."""
    own = str((zone.get("regulation") or {}).get("text_url") or "")
    if own.lower().startswith(("https://", "http://")):  # never a javascript: or data: link
        return own
    path = reverse(
        "renseignement:regulation",
        args=[zone["document_reference"], zone["regulation"]["code"]],
    )
    return f"{settings.PUBLIC_URL}{path}?{urlencode({'lang': context['lang']})}"
