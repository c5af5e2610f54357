"""Verifying an issued note: is it authentic (its content still has its hash, and that hash
carries the platform's signature), and have the rules changed since it was issued (the note
computed again now, compared section by section)?"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy

from geoportal.renseignement import signing
from geoportal.renseignement.hashing import changed_sections, sha256
from geoportal.renseignement.models import Note, VerificationScan
from geoportal.renseignement.selectors.content import note_content
from geoportal.renseignement.selectors.dataversion import zoning_data_version
from geoportal.renseignement.selectors.subjects import Subject, find_parcel
from layers.common.errors import NotFound

# What the signature check of a stored note found.
SIGNATURE_VALID = "valid"  # signed under the platform's certificate, for this hash
SIGNATURE_INVALID = "invalid"  # a signature that is not the platform's for this hash
SIGNATURE_MISSING = "missing"  # no signature, though notes were already signed when it was issued
SIGNATURE_NONE = "unsigned"  # issued before notes were signed
SIGNATURE_OTHER_CERTIFICATE = "other_certificate"  # signed under a certificate no longer in use

# The sections of a note, as the superseded banner names them.
SECTION_NAMES = {
    "subject": gettext_lazy("le terrain"),
    "arrondissement": gettext_lazy("l'arrondissement"),
    "planning_document": gettext_lazy("le document d'urbanisme"),
    "zones": gettext_lazy("le zonage et son règlement"),
    "outside_zones": gettext_lazy("la partie hors zonage"),
    "servitudes": gettext_lazy("les servitudes"),
    "reserved_land": gettext_lazy("les emplacements réservés"),
    "roads": gettext_lazy("la voirie"),
}


def signature_status(note: Note) -> str:
    """Whether the note's ``content_hash`` is signed with the platform's current key. An unsigned
    note is "issued before signing" only if no signed note was issued before it: a row whose
    signature was wiped is not authentic."""
    if not note.content_signature:
        signed_before = Note.objects.filter(issued_at__lte=note.issued_at).exclude(
            content_signature=""
        )
        return SIGNATURE_MISSING if signed_before.exists() else SIGNATURE_NONE
    if note.signing_certificate != signing.certificate_fingerprint():
        return SIGNATURE_OTHER_CERTIFICATE
    try:
        digest = bytes.fromhex(note.content_hash)
    except ValueError:
        return SIGNATURE_INVALID
    ok = len(digest) == 32 and signing.verify_digest(digest, note.content_signature)
    return SIGNATURE_VALID if ok else SIGNATURE_INVALID


def outcome(intact: bool, signature: str) -> str:
    """The verdict as a scan records it."""
    if not intact or signature in (SIGNATURE_INVALID, SIGNATURE_MISSING):
        return VerificationScan.Outcome.NOT_AUTHENTIC
    if signature == SIGNATURE_NONE:
        return VerificationScan.Outcome.UNSIGNED
    if signature == SIGNATURE_OTHER_CERTIFICATE:
        return VerificationScan.Outcome.UNVERIFIABLE
    return VerificationScan.Outcome.AUTHENTIC


def verify_note(note: Note) -> dict[str, Any]:
    """Whether a stored note is authentic (its content still has its hash, signed by the
    platform), whether the rules have changed since it was issued (the note computed again now in
    its language, compared section by section), and the version of the zoning data then and now."""
    intact = sha256(note.content) == note.content_hash
    signature = signature_status(note)
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
    then = note.content.get("data_version") or {}
    verdict = outcome(intact, signature)
    return {
        "intact": intact,
        "signature": signature,
        "authentic": verdict == VerificationScan.Outcome.AUTHENTIC,
        "outcome": str(verdict),
        "parcel_exists": parcel_exists,
        "rules_changed": bool(changed),
        "changed_sections": changed,
        "data_version": {"then": then.get("version"), "now": zoning_data_version()["version"]},
    }


def section_names(keys: list[str]) -> list[str]:
    return [str(SECTION_NAMES[k]) if k in SECTION_NAMES else k for k in keys]
