"""The platform's domain errors: one hierarchy, raised wherever a request or a file is refused.

Each class carries what an answer needs and nothing of how it is written:

- ``http_status``: the HTTP status it maps to;
- ``code``: a stable machine code (``invalid-geometry``), the same in every deployment; clients
  match on it, never on the message;
- ``title``: a short summary of the kind of problem, the same for every occurrence, in the
  request's language (``gettext_lazy``; its source string is English);
- the message (``str(exc)``, also ``exc.detail``): what went wrong this time, written to be shown
  to the user as it is (never a traceback, a path or a password), through gettext so that it is
  in the request's language;
- typed attributes for the facts a client can act on (``field``, ``retry_after``...), which
  :meth:`GisError.extensions` puts in the answer's body and :meth:`GisError.http_headers` in its
  headers.

A class declared in another part of the platform (``class PreconditionFailed(GisError)`` with
``http_status = 412``) that names no ``code`` or ``title`` gets them from its class name
(``precondition-failed``, "Precondition failed"); the classes below name theirs, so renaming one
does not change what clients see.

The project's error handler turns any of them into problem details (RFC 9457), the OGC API
exception format or an HTML page; views raise and let it answer."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any, ClassVar

import psycopg
import psycopg2  # type: ignore[import-untyped]  # no stubs installed
from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

StrOrPromise = str | Promise


def _words(class_name: str) -> list[str]:
    return [w.lower() for w in re.findall(r"[A-Z]+(?![a-z])|[A-Z][a-z0-9]*", class_name)]


class GisError(Exception):
    """Base of every domain error: a request or a file the platform refuses (400)."""

    http_status: ClassVar[int] = 400
    code: ClassVar[str] = "gis-error"
    title: ClassVar[StrOrPromise] = _("Request refused")

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        words = _words(cls.__name__)
        if "code" not in cls.__dict__:
            cls.code = "-".join(words)
        if "title" not in cls.__dict__:
            cls.title = " ".join(words).capitalize()

    def __init__(self, detail: str, *, field: str | None = None) -> None:
        super().__init__(detail)
        self.field = field  # the parameter, form field or attribute at fault, when there is one

    @property
    def detail(self) -> str:
        return str(self)

    def extensions(self) -> dict[str, Any]:
        """Facts of this occurrence a client can act on, beside ``detail``."""
        return {"field": self.field} if self.field else {}

    def http_headers(self) -> dict[str, str]:
        """Headers the answer must carry (``Retry-After``, ``Allow``...)."""
        return {}


# --- 400: the request is wrong -------------------------------------------------------------------


class InvalidRequest(GisError):
    """A parameter of the request is missing or has a value that means nothing here."""

    code = "invalid-request"
    title = _("Invalid request")


class MalformedBody(InvalidRequest):
    """The request body cannot be read: not JSON, or not the expected shape."""

    code = "malformed-body"
    title = _("Malformed request body")


class InvalidGeometry(GisError):
    """A geometry that cannot be read, is empty, of the wrong type, invalid or too large.

    400, as the OGC write path and the e-renseignement have always answered; 422 (content that
    parses but cannot be processed) would fit as well, and is a change clients would see."""

    code = "invalid-geometry"
    title = _("Invalid geometry")


class OutsideMunicipalExtent(GisError):
    """A place or a geometry that is not inside the city."""

    code = "outside-municipal-extent"
    title = _("Outside the municipal extent")


class UnprocessableEntity(GisError):
    """A body that parses, in the expected shape, whose content cannot be accepted (an invalid
    geometry written through OGC API Features, for instance)."""

    http_status = 422
    code = "unprocessable-entity"
    title = _("Unprocessable content")


class IngestError(GisError):
    """A whole file is refused (unreadable, unsafe, no CRS, too large...). Features refused one
    by one are not errors: the ingest collects their reasons and reports them, in bulk."""

    code = "ingest-refused"
    title = _("File refused")


# --- 401, 403, 404, 405, 409, 413 ----------------------------------------------------------------


class NotAuthenticated(GisError):
    """Who asks must be known: sign in, or send credentials with the ``challenge`` scheme."""

    http_status = 401
    code = "not-authenticated"
    title = _("Authentication required")

    def __init__(self, detail: str, *, challenge: str) -> None:
        super().__init__(detail)
        self.challenge = challenge  # the WWW-Authenticate scheme, e.g. "Token"

    def http_headers(self) -> dict[str, str]:
        return {"WWW-Authenticate": self.challenge}


class Forbidden(GisError):
    """The user is known and may not do this."""

    http_status = 403
    code = "forbidden"
    title = _("Forbidden")


class NotFound(GisError):
    """Nothing answers to what was asked (a note number, a tile, a feature...)."""

    http_status = 404
    code = "not-found"
    title = _("Not found")


class UnknownLayer(NotFound):
    """No layer of that name, or none the user may see (the two are not told apart)."""

    code = "unknown-layer"
    title = _("Unknown layer")


class UnknownParcel(NotFound):
    """A well-formed parcel reference, or a map click, that matches no cadastral parcel."""

    code = "unknown-parcel"
    title = _("Unknown parcel")


class MethodNotAllowed(GisError):
    http_status = 405
    code = "method-not-allowed"
    title = _("Method not allowed")

    def __init__(self, detail: str, *, allowed: Iterable[str]) -> None:
        super().__init__(detail)
        self.allowed = tuple(allowed)

    def http_headers(self) -> dict[str, str]:
        return {"Allow": ", ".join(self.allowed)}


class Conflict(GisError):
    """The request contradicts what is stored: a new feature carrying the id of an existing one,
    a value that must be unique and already is someone's."""

    http_status = 409
    code = "conflict"
    title = _("Conflict")


class PayloadTooLarge(GisError):
    """A request body over its limit (the limit is in the message)."""

    http_status = 413
    code = "payload-too-large"
    title = _("Request body too large")


# --- 429, 503: come back later -------------------------------------------------------------------


class RateLimited(GisError):
    """Too many requests from this client in the current window."""

    http_status = 429
    code = "rate-limited"
    title = _("Too many requests")

    def __init__(self, detail: str, *, retry_after: int) -> None:
        super().__init__(detail)
        self.retry_after = retry_after  # seconds until the window ends

    def extensions(self) -> dict[str, Any]:
        return {**super().extensions(), "retry_after": self.retry_after}

    def http_headers(self) -> dict[str, str]:
        return {"Retry-After": str(self.retry_after)}


class ServiceUnavailable(GisError):
    """The platform cannot do it now (an export tool failed, a dependency is down); with
    ``retry_after``, when to ask again."""

    http_status = 503
    code = "service-unavailable"
    title = _("Service unavailable")

    def __init__(self, detail: str, *, retry_after: int | None = None) -> None:
        super().__init__(detail)
        self.retry_after = retry_after

    def extensions(self) -> dict[str, Any]:
        extra = {} if self.retry_after is None else {"retry_after": self.retry_after}
        return {**super().extensions(), **extra}

    def http_headers(self) -> dict[str, str]:
        return {} if self.retry_after is None else {"Retry-After": str(self.retry_after)}


# SQLSTATEs of a server that cannot be reached or is going away: class 08 (connection exception),
# 57P01 admin shutdown, 57P02 crash shutdown, 57P03 cannot connect now (starting up).
UNAVAILABLE_SQLSTATES = ("08", "57P01", "57P02", "57P03")
DATABASE_RETRY_AFTER_S = 5


class DatabaseUnavailable(ServiceUnavailable):
    """The database cannot be reached, or is going away (a restart, a failover): ask again soon."""

    def __init__(self) -> None:
        super().__init__(
            gettext("the database cannot be reached just now; try again in a few seconds"),
            retry_after=DATABASE_RETRY_AFTER_S,
        )


def database_unavailable(exc: BaseException | None) -> bool:
    """Whether ``exc`` (Django's, SQLAlchemy's, pygeoapi's or a driver's error, or one it wraps or
    was raised while handling) says that the database could not be reached or is going away: a connection refused or lost
    (no SQLSTATE: the client saw it), or one of :data:`UNAVAILABLE_SQLSTATES`."""
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if isinstance(exc, psycopg.OperationalError | psycopg2.OperationalError):
            state = getattr(exc, "sqlstate", None) or getattr(exc, "pgcode", None)
            if state is None or state.startswith(UNAVAILABLE_SQLSTATES):
                return True
        if isinstance(exc, psycopg.InterfaceError | psycopg2.InterfaceError):
            return True  # the connection was closed under it
        exc = getattr(exc, "orig", None) or exc.__cause__ or exc.__context__
    return False


def http_status_for(exc: GisError) -> int:
    return exc.http_status


def sql_format(message: str, *args: str, **values: object) -> str:
    """A translated ``message`` made a pattern for PostgreSQL's ``format()``, for reasons written
    by a statement over many rows: the placeholders named in ``args`` become ``format``'s
    positional arguments (``%1$s``, ``%2$s``...) in that order, those in ``values`` are filled
    here, and any other ``%`` is kept literal. The pattern is a bound parameter, never SQL text::

        sql_format(_("duplicate %(column)s %(value)s"), "value", column="ref")
        # 'doublon ref %1$s'  ->  format(%s, quote_literal(s.ref))
    """
    mapping: dict[str, str] = {name: f"%{i}$s" for i, name in enumerate(args, 1)}
    mapping |= {name: str(value).replace("%", "%%") for name, value in values.items()}
    return message.replace("%%", "%%%%") % mapping
