"""Views of the e-renseignement. They read the request, call selectors or ``issue_note``, and
render. Domain errors are raised and answered by the project's error handler: a page for the
pages, problem details (JSON) under ``/api/``.

Issuing: looking at a note (``GET /renseignement/?parcel=…``, ``GET /api/renseignement/…``)
computes it and stores nothing. A note is issued and stored only when the citizen asks for the
official document (``POST /renseignement/issue`` or ``POST /api/renseignement/notes``); the same land
with the same rules within ``REUSE_HOURS`` gets the note already issued."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import permission_required
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.db.models.functions import TruncDate
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import (
    require_GET,
    require_http_methods,
    require_POST,
    require_safe,
)

from geoportal.language import active_language
from geoportal.renseignement import signing
from geoportal.renseignement.actions import DISCLAIMER, credits, issue_note, record_scan
from geoportal.renseignement.documents import note_context, note_pdf_bytes
from geoportal.renseignement.labels import labels_context
from geoportal.renseignement.models import Note, VerificationScan
from geoportal.renseignement.ratelimit import rate_limited
from geoportal.renseignement.selectors import subjects
from geoportal.renseignement.selectors.content import note_content, zone_regulation
from geoportal.renseignement.selectors.mapextract import map_extract
from geoportal.renseignement.selectors.subjects import Subject
from geoportal.renseignement.selectors.verification import section_names, verify_note
from geoportal.replicas import replica_reads
from layers.common.errors import (
    InvalidGeometry,
    InvalidRequest,
    MalformedBody,
    NotFound,
    PayloadTooLarge,
)

API_SRID = settings.GIS["API_SRID"]
NOTES_PER_PAGE = 50  # the planners' list of issued notes
DAY_ROWS = 200  # rows of the per-day counts shown above it
PDF_MAX_AGE_S = 24 * 3600  # an issued note's PDF never changes: caches keep it a day


def _page(request: HttpRequest, lang: str | None = None) -> dict[str, Any]:
    """The words of the page in the request's language, and the links to the other languages."""
    query = request.GET.copy()
    query.pop("lang", None)
    encoded = query.urlencode()
    return {
        **labels_context(lang or active_language()),
        "languages": settings.LANGUAGES,
        "lang_query": encoded + "&" if encoded else "",
    }


def _read_json_body(request: HttpRequest) -> Any:
    limit = settings.RENSEIGNEMENT["MAX_BODY_BYTES"]
    length = int(request.META.get("CONTENT_LENGTH") or 0)
    if length > limit:
        raise PayloadTooLarge(
            _("Corps de requête trop grand (plus de %(limit)s octets).") % {"limit": limit}
        )
    try:
        return json.loads(request.body[: limit + 1] or b"null")
    except (ValueError, UnicodeDecodeError):
        raise MalformedBody(_("Le corps de la requête n'est pas du JSON valide.")) from None


def _outline_field(raw: str) -> Subject:
    if len(raw) > settings.RENSEIGNEMENT["MAX_BODY_BYTES"]:
        raise InvalidGeometry(_("Contour trop grand."), field="outline")
    try:
        data = json.loads(raw)
    except ValueError:
        raise InvalidGeometry(
            _("Le contour n'est pas du GeoJSON valide."), field="outline"
        ) from None
    return subjects.outline_from_geojson(data)


def _subject_from_query(params: Any) -> Subject:
    if params.get("parcel"):
        return subjects.find_parcel(params["parcel"])
    if params.get("lon") is not None or params.get("lat") is not None:
        return subjects.parcel_at(params.get("lon"), params.get("lat"))
    if params.get("outline"):
        return _outline_field(params["outline"])
    raise InvalidRequest(
        _("Indiquez une parcelle (parcel=TF 12345/C), un point (lon, lat) ou un contour.")
    )


def _subject_geojson(subject: Subject) -> dict[str, Any]:
    geom = subject.geom.transform(API_SRID, clone=True)
    return json.loads(geom.json)


def _api_note(content: dict[str, Any], subject: Subject, lang: str) -> dict[str, Any]:
    return {
        **content,
        "geometry": _subject_geojson(subject),
        "disclaimer": {lang: DISCLAIMER[lang]},
        "credits": credits(lang),
        "issued": False,
    }


# --- HTML ---------------------------------------------------------------------------------------


@replica_reads("GET", "HEAD", "POST")  # a drawn outline is POSTed, and only read
@require_http_methods(["GET", "HEAD", "POST"])
@rate_limited("note")
def note_preview(request: HttpRequest) -> HttpResponse:
    """The note of a parcel (``?parcel=``), a map click (``?lon=&lat=``) or a drawn outline (POST
    ``outline``), computed now; a button issues the official document."""
    params = request.POST if request.method == "POST" else request.GET
    if not any(params.get(k) for k in ("parcel", "lon", "lat", "outline")):
        return render(request, "renseignement/search.html", _page(request))
    subject = _subject_from_query(params)
    lang = active_language()
    content = {**note_content(subject, lang=lang), "map": map_extract(subject, lang=lang)}
    context = {
        **_page(request, lang),
        **note_context(content, lang),
        "subject_parcel": subject.parcel.reference if subject.parcel else "",
        "subject_outline": params.get("outline", "") if subject.parcel is None else "",
        "disclaimer": {lang: DISCLAIMER[lang]},
        "credits": credits(lang),
    }
    return render(request, "renseignement/preview.html", context)


@require_POST
@rate_limited("issue")
def note_issue(request: HttpRequest) -> HttpResponse:
    subject = _subject_from_query(request.POST)
    issued = issue_note(subject, lang=active_language())
    response = redirect(reverse("renseignement:note_detail", args=[issued.note.number]))
    response.status_code = 303  # see other: the issued note, fetched with GET
    return response


def _get_note(number: str) -> Note:
    note = Note.objects.filter(number=number).first()
    if note is None:
        raise NotFound(_("Aucune note ne porte le numéro %(number)s.") % {"number": number})
    return note


@require_GET
@rate_limited("note")
def note_detail(request: HttpRequest, number: str) -> HttpResponse:
    """The verification page: the note as issued (in its language), whether it is authentic and
    whether it still holds. Each look is logged (``VerificationScan``: the time and the verdict,
    nothing about who looked). Only GET: a HEAD (link checkers, previews) is refused, not counted."""
    note = _get_note(number)
    verification = verify_note(note)
    record_scan(note, verification["outcome"])
    with translation.override(note.lang):  # the page's verdicts in the note's language too
        context = {
            **_page(request, note.lang),
            **note_context(note.content, note.lang),
            "note": note,
            "verification": verification,
            "changed_parts": section_names(verification["changed_sections"]),
        }
        return render(request, "renseignement/detail.html", context)


@require_safe
@rate_limited("note")
def note_pdf(request: HttpRequest, number: str) -> HttpResponse:
    note = _get_note(number)
    pdf = note_pdf_bytes(note)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{note.number}.pdf"'
    response["Cache-Control"] = f"public, max-age={PDF_MAX_AGE_S}, immutable"
    return response


@require_safe
@rate_limited("note")
def regulation_detail(request: HttpRequest, document: str, code: str) -> HttpResponse:
    """The rules of a zone of a planning document, in the request's language: where a note links
    when the regulation has no published text of its own (``text_url``)."""
    lang = active_language()
    context = {**_page(request, lang), **zone_regulation(document, code, lang)}
    return render(request, "renseignement/regulation.html", context)


@require_safe
@permission_required("renseignement.view_note", raise_exception=True)
def note_list(request: HttpRequest) -> HttpResponse:
    """Planners: the notes issued, filtered by arrondissement and dates, with counts per day, and
    how many times each note's verification page was opened (and found it not authentic)."""
    notes = Note.objects.defer("content", "geom")
    arrondissement = request.GET.get("arrondissement", "")
    if arrondissement:
        notes = notes.filter(arrondissement_code=arrondissement)
    for param, lookup in (("from", "issued_at__date__gte"), ("to", "issued_at__date__lte")):
        value = request.GET.get(param, "")
        if value:
            try:
                notes = notes.filter(**{lookup: dt.date.fromisoformat(value)})
            except ValueError:
                raise InvalidRequest(
                    _("Date invalide : %(value)s") % {"value": value}, field=param
                ) from None
    counts = (
        notes.annotate(day=TruncDate("issued_at"))
        .values("day", "arrondissement_code", "arrondissement_name")
        .annotate(n=Count("id"))
        .order_by("-day", "arrondissement_name")
    )
    arrondissements = (
        Note.objects.exclude(arrondissement_code="")
        .values_list("arrondissement_code", "arrondissement_name")
        .distinct()
        .order_by("arrondissement_name")
    )
    not_authentic = Q(scans__outcome=VerificationScan.Outcome.NOT_AUTHENTIC)
    listed = notes.annotate(
        scan_count=Count("scans"), not_authentic_count=Count("scans", filter=not_authentic)
    )
    page = Paginator(listed.order_by("-issued_at", "-id"), NOTES_PER_PAGE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "renseignement/list.html",
        {
            **_page(request, "fr"),
            "page": page,
            "counts": counts[:DAY_ROWS],
            "arrondissements": arrondissements,
            "filters": {k: request.GET.get(k, "") for k in ("arrondissement", "from", "to")},
        },
    )


# --- JSON API -----------------------------------------------------------------------------------


@replica_reads("GET", "HEAD", "POST")
@csrf_exempt
@require_http_methods(["GET", "HEAD", "POST"])
@rate_limited("note")
def api_note_preview(request: HttpRequest) -> HttpResponse:
    """``GET ?parcel=`` or ``?lon=&lat=``; ``POST`` a GeoJSON outline (EPSG:4326)."""
    if request.method == "POST":
        subject = subjects.outline_from_geojson(_read_json_body(request))
    else:
        subject = _subject_from_query(request.GET)
    lang = active_language()
    payload = _api_note(note_content(subject, lang=lang), subject, lang)
    payload["links"] = {"issue": settings.PUBLIC_URL + reverse("renseignement:api_note_issue")}
    return JsonResponse(payload, json_dumps_params={"ensure_ascii": False})


@csrf_exempt
@require_POST
@rate_limited("issue")
def api_note_issue(request: HttpRequest) -> HttpResponse:
    """Issue a note: ``{"parcel": "TF 123/C"}`` or ``{"outline": <GeoJSON in EPSG:4326>}``."""
    body = _read_json_body(request)
    expected = _('Attendu : {"parcel": "..."} ou {"outline": {...}}.')
    if not isinstance(body, dict):
        raise MalformedBody(expected)
    if body.get("parcel"):
        subject = subjects.find_parcel(str(body["parcel"]))
    elif body.get("outline"):
        subject = subjects.outline_from_geojson(body["outline"])
    else:
        raise MalformedBody(expected)
    issued = issue_note(subject, lang=active_language())
    return JsonResponse(
        _issued_payload(issued.note),
        status=201 if issued.created else 200,
        json_dumps_params={"ensure_ascii": False},
    )


def _issued_payload(note: Note, verification: dict[str, Any] | None = None) -> dict[str, Any]:
    content = {k: v for k, v in note.content.items() if k != "map"}
    base = settings.PUBLIC_URL
    return {
        "number": note.number,
        "issued_at": note.issued_at.isoformat(),
        "lang": note.lang,
        "content_hash": note.content_hash,
        "rules_hash": note.rules_hash,
        "content_signature": note.content_signature,
        "signing_certificate_sha256": note.signing_certificate,
        "note": content,
        "verification": verification,
        "links": {
            "verification": base + reverse("renseignement:note_detail", args=[note.number]),
            "pdf": base + reverse("renseignement:note_pdf", args=[note.number]),
        },
    }


@require_safe
@rate_limited("note")
def api_note_detail(request: HttpRequest, number: str) -> HttpResponse:
    note = _get_note(number)
    payload = _issued_payload(note, verify_note(note))
    return JsonResponse(payload, json_dumps_params={"ensure_ascii": False})


@require_safe
def signing_certificate(request: HttpRequest) -> HttpResponse:
    """The certificate the PDF notes are signed with, for anyone who checks one (PEM)."""
    response = HttpResponse(signing.certificate_pem(), content_type="application/x-pem-file")
    response["Content-Disposition"] = 'inline; filename="certificate.pem"'
    return response
