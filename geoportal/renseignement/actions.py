"""Writes of the e-renseignement: issuing a note (an immutable snapshot)."""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from geoportal.renseignement import signing
from geoportal.renseignement.hashing import rules_hash, sha256
from geoportal.renseignement.labels import words
from geoportal.renseignement.models import Note, VerificationScan
from geoportal.renseignement.selectors.content import note_content
from geoportal.renseignement.selectors.dataversion import zoning_data_version
from geoportal.renseignement.selectors.mapextract import map_extract
from geoportal.renseignement.selectors.subjects import Subject

NUMBER_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud or typed
NUMBER_TOKEN_LENGTH = 8  # 8 characters of a 32-letter alphabet: 40 bits
NUMBER_ATTEMPTS = 5  # draws of a free number before giving up (a clash is already 1 in 2^40)

# The legal statement of every note: informative, it creates no rights. A note carries it in its
# own language only.
DISCLAIMER = {
    "fr": (
        "La présente note de renseignements urbanistiques est délivrée à titre d'information, "
        "d'après les documents d'urbanisme et les données du géoportail en vigueur à sa date. "
        "Elle ne crée aucun droit. Elle ne vaut ni autorisation de construire ou de lotir, ni "
        "certificat de propriété, et ne préjuge pas des avis des services consultés. Seuls les "
        "documents d'urbanisme homologués et publiés au Bulletin officiel font foi."
    ),
    "ar": (
        "تُسلَّم مذكرة المعلومات التعميرية هذه على سبيل الإخبار، استناداً إلى وثائق التعمير "
        "ومعطيات البوابة الجغرافية السارية في تاريخها. ولا تُنشئ أي حق. ولا تُعدّ رخصة بناء أو "
        "تجزئة ولا شهادة ملكية، ولا تُغني عن آراء المصالح المختصة. ولا يُعتدّ إلا بوثائق التعمير "
        "المصادق عليها والمنشورة في الجريدة الرسمية."
    ),
    "en": (
        "This urban-planning information note is given for information, from the planning "
        "documents and geoportal data in force on its date. It creates no rights. It is neither "
        "a building or subdivision permit nor a title of ownership, and does not replace the "
        "opinions of the services consulted. Only the approved planning documents published in "
        "the Official Bulletin are authoritative."
    ),
}


def data_credit(lang: str) -> str:
    """``RENSEIGNEMENT["DATA_CREDIT"]`` in ``lang``: one text, or one per language (French when
    the language has none)."""
    credit = settings.RENSEIGNEMENT["DATA_CREDIT"]
    if isinstance(credit, str):
        return credit
    return credit.get(lang) or credit["fr"]


def credits(lang: str = "fr") -> list[str]:
    """The sources credited on every note, from the settings (a city names its own), introduced
    in ``lang``."""
    attribution = settings.ATTRIBUTION
    t = words(lang)
    return [
        f"{t['credit_boundaries']}{t['colon']}{attribution['OSM']}",
        f"{t['credit_population']}{t['colon']}{attribution['HCP']}",
        f"{t['credit_data']}{t['colon']}{data_credit(lang)}",
    ]


def new_number(at: dt.datetime) -> str:
    """``NR-YYYYMMDD-XXXXXXXX``: the date and 8 random characters (40 bits), so notes cannot be
    enumerated by guessing the next number."""
    token = "".join(secrets.choice(NUMBER_ALPHABET) for _ in range(NUMBER_TOKEN_LENGTH))
    return f"NR-{timezone.localtime(at):%Y%m%d}-{token}"


def verification_url(number: str) -> str:
    return settings.PUBLIC_URL + reverse("renseignement:note_detail", args=[number])


@dataclass(frozen=True)
class Issued:
    note: Note
    created: bool


def _reusable(subject: Subject, rules: str, lang: str, since: dt.datetime) -> Note | None:
    notes = Note.objects.filter(rules_hash=rules, lang=lang, issued_at__gte=since)
    if subject.parcel is not None:
        notes = notes.filter(subject_kind=Note.Subject.PARCEL)
        notes = notes.filter(parcel_reference=subject.parcel.reference)
    else:
        notes = notes.filter(subject_kind=Note.Subject.OUTLINE, geom__equals=subject.geom)
    return notes.order_by("-issued_at").first()


@transaction.atomic
def issue_note(subject: Subject, lang: str = "fr") -> Issued:
    """Issue the note of ``subject`` in ``lang``: compute it from the layers in force, and store
    it with its number, language, map extract, the version of the zoning data, and its hash
    signed with the platform's key (``signing.sign_digest``). The same land with the same rules
    in the same language within ``RENSEIGNEMENT["REUSE_HOURS"]`` gets the note already issued
    instead of a new one."""
    content: dict[str, Any] = note_content(subject, lang=lang)
    rules = rules_hash(content)
    now = timezone.now()
    reuse_since = now - dt.timedelta(hours=settings.RENSEIGNEMENT["REUSE_HOURS"])
    existing = _reusable(subject, rules, lang, reuse_since)
    if existing is not None:
        return Issued(existing, created=False)
    content["map"] = map_extract(subject, lang=lang)
    content["credits"] = credits(lang)
    content["disclaimer"] = {lang: DISCLAIMER[lang]}
    content["data_version"] = zoning_data_version()  # not a rule: see hashing.RULE_KEYS
    certificate = signing.certificate_fingerprint()
    arr = content.get("arrondissement") or {}
    for _attempt in range(NUMBER_ATTEMPTS):
        number = new_number(now)
        content["note"] = {
            "number": number,
            "issued_at": now.isoformat(),
            "verification_url": verification_url(number),
        }
        content_hash = sha256(content)
        try:
            with transaction.atomic():
                note = Note.objects.create(
                    number=number,
                    issued_at=now,
                    subject_kind=subject.kind,
                    parcel_reference=subject.parcel.reference if subject.parcel else "",
                    arrondissement_code=arr.get("code") or "",
                    arrondissement_name=arr.get("name_fr") or "",
                    geom=subject.geom,
                    content=content,
                    content_hash=content_hash,
                    rules_hash=rules,
                    content_signature=signing.sign_digest(bytes.fromhex(content_hash)),
                    signing_certificate=certificate,
                    lang=lang,
                )
        except IntegrityError:  # the same number drawn twice: draw again
            continue
        return Issued(note, created=True)
    raise RuntimeError("could not draw a free note number")


@transaction.atomic
def record_scan(note: Note, outcome: str) -> VerificationScan:
    """Log one look at ``note``'s verification page: the time and what the page found, nothing
    about who looked."""
    return VerificationScan.objects.create(note=note, outcome=outcome)
