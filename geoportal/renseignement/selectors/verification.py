"""Verifying an issued note: is it intact (its content still has its hash), and have the rules
changed since it was issued (the note computed again now, compared section by section)?"""

from __future__ import annotations

from typing import Any

from geoportal.renseignement.hashing import changed_sections, sha256
from geoportal.renseignement.models import Note
from geoportal.renseignement.selectors.content import note_content
from geoportal.renseignement.selectors.subjects import Subject, find_parcel
from layers.common.errors import NotFound


def verify_note(note: Note) -> dict[str, Any]:
    """Whether a stored note is intact (its content still has its hash) and whether the rules
    have changed since it was issued (the note computed again now in its language, compared section
    by section)."""
    intact = sha256(note.content) == note.content_hash
    parcel_exists = True
    if note.subject_kind == "parcel":
        try:
            subject = find_parcel(note.parcel_reference)
        except NotFound:
            parcel_exists = False
            subject = Subject(geom=note.geom)
    else:
        subject = Subject(geom=note.geom)
    if parcel_exists:
        current = note_content(subject, lang=note.lang)
        changed = changed_sections(note.content, current)
    else:
        changed = ["subject"]
    return {
        "intact": intact,
        "parcel_exists": parcel_exists,
        "rules_changed": bool(changed),
        "changed_sections": changed,
    }
