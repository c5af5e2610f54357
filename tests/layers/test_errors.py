"""The domain error hierarchy: each class's HTTP status, machine code and title, the facts it
carries as typed attributes, and what a class declared elsewhere in the platform gets."""

from __future__ import annotations

import pytest
from django.utils import translation

from layers.common import errors
from layers.common.errors import (
    Conflict,
    DatabaseUnavailable,
    Forbidden,
    GisError,
    IngestError,
    InvalidGeometry,
    InvalidRequest,
    MalformedBody,
    MethodNotAllowed,
    NotAuthenticated,
    NotFound,
    OutsideMunicipalExtent,
    PayloadTooLarge,
    RateLimited,
    ServiceUnavailable,
    UnknownLayer,
    UnknownParcel,
    UnprocessableEntity,
)

# (class, HTTP status, code, title, parent): the contract clients rely on, written out by hand.
CONTRACT = [
    (GisError, 400, "gis-error", "Request refused", Exception),
    (InvalidRequest, 400, "invalid-request", "Invalid request", GisError),
    (MalformedBody, 400, "malformed-body", "Malformed request body", InvalidRequest),
    (InvalidGeometry, 400, "invalid-geometry", "Invalid geometry", GisError),
    (
        OutsideMunicipalExtent,
        400,
        "outside-municipal-extent",
        "Outside the municipal extent",
        GisError,
    ),
    (
        UnprocessableEntity,
        422,
        "unprocessable-entity",
        "Unprocessable content",
        GisError,
    ),
    (IngestError, 400, "ingest-refused", "File refused", GisError),
    (NotFound, 404, "not-found", "Not found", GisError),
    (UnknownLayer, 404, "unknown-layer", "Unknown layer", NotFound),
    (UnknownParcel, 404, "unknown-parcel", "Unknown parcel", NotFound),
    (Forbidden, 403, "forbidden", "Forbidden", GisError),
    (Conflict, 409, "conflict", "Conflict", GisError),
    (PayloadTooLarge, 413, "payload-too-large", "Request body too large", GisError),
    (ServiceUnavailable, 503, "service-unavailable", "Service unavailable", GisError),
]


@pytest.mark.parametrize(("cls", "status", "code", "title", "parent"), CONTRACT)
def test_status_code_and_place_in_the_hierarchy(cls, status, code, title, parent):
    exc = cls("what went wrong")
    with translation.override("en"):  # titles are English source strings, French by default
        facts = (exc.http_status, exc.code, str(exc.title), cls.__base__)
    assert facts == (status, code, title, parent)
    assert (exc.detail, exc.field, exc.extensions(), exc.http_headers()) == (
        "what went wrong",
        None,
        {},
        {},
    )


def test_classes_with_required_facts():
    limited = RateLimited("Trop de demandes", retry_after=17)
    assert (limited.http_status, limited.code) == (429, "rate-limited")
    assert limited.extensions() == {"retry_after": 17}
    assert limited.http_headers() == {"Retry-After": "17"}
    with pytest.raises(TypeError):
        RateLimited("no delay given")  # type: ignore[call-arg]

    anonymous = NotAuthenticated("sign in", challenge="Token")
    assert (anonymous.http_status, anonymous.code) == (401, "not-authenticated")
    assert anonymous.http_headers() == {"WWW-Authenticate": "Token"}

    method = MethodNotAllowed("no", allowed=["GET", "HEAD"])
    assert (method.http_status, method.code) == (405, "method-not-allowed")
    assert method.http_headers() == {"Allow": "GET, HEAD"}

    later = ServiceUnavailable("export tool down", retry_after=30)
    assert later.extensions() == {"retry_after": 30}
    assert later.http_headers() == {"Retry-After": "30"}

    with translation.override("en"):  # its own message, in the language of the moment
        down = DatabaseUnavailable()
    assert str(down.detail).startswith("the database cannot be reached")
    with translation.override("fr"):
        assert DatabaseUnavailable().detail.startswith("la base de données est injoignable")
    assert (down.http_status, down.code, down.__class__.__base__) == (
        503,
        "database-unavailable",
        ServiceUnavailable,
    )
    assert down.http_headers() == {"Retry-After": "5"}


def test_every_code_names_one_kind_of_problem():
    classes = [
        value
        for value in vars(errors).values()
        if isinstance(value, type) and issubclass(value, GisError)
    ]
    # + RateLimited, NotAuthenticated, MethodNotAllowed, DatabaseUnavailable
    assert len(classes) == len(CONTRACT) + 4
    codes = [cls.code for cls in classes]
    assert len(set(codes)) == len(codes)


def test_the_field_at_fault_is_a_typed_attribute_and_an_extension():
    exc = InvalidRequest("limit must be an integer", field="limit")
    assert exc.field == "limit"
    assert exc.extensions() == {"field": "limit"}
    limited = RateLimited("x", retry_after=3)
    limited.field = "parcel"
    assert limited.extensions() == {"field": "parcel", "retry_after": 3}


def test_a_class_declared_elsewhere_gets_its_own_code_and_title():
    class PreconditionFailed(GisError):  # as ogc.actions declares it
        http_status = 412

    class ExportFailed(ServiceUnavailable):
        pass

    class OGCTimeout(ServiceUnavailable):
        code = "ogc-timeout-explicit"

    assert (PreconditionFailed.code, PreconditionFailed.title) == (
        "precondition-failed",
        "Precondition failed",
    )
    assert (ExportFailed.code, ExportFailed.http_status) == ("export-failed", 503)
    assert ServiceUnavailable.code == "service-unavailable"  # the parent keeps its own
    assert (OGCTimeout.code, OGCTimeout.title) == ("ogc-timeout-explicit", "Ogc timeout")
