"""The platform's domain errors, mapped once to HTTP status codes (``HTTP_STATUS``)."""

from __future__ import annotations


class GisError(Exception):
    """Base of every domain error; the message is safe to show to the user."""

    http_status = 400


class InvalidGeometry(GisError):
    pass


class OutsideMunicipalExtent(GisError):
    pass


class UnknownLayer(GisError):
    http_status = 404


class IngestRowError(GisError):
    pass


class IngestError(GisError):
    """A whole file is refused (unreadable, unsafe, no CRS, too large...)."""


class NotFound(GisError):
    http_status = 404


class RateLimited(GisError):
    http_status = 429


HTTP_STATUS: dict[type[GisError], int] = {
    cls: cls.http_status
    for cls in (GisError, InvalidGeometry, OutsideMunicipalExtent, UnknownLayer, IngestRowError,
                IngestError, NotFound, RateLimited)
}  # fmt: skip


def http_status_for(exc: GisError) -> int:
    for cls in type(exc).__mro__:
        if cls in HTTP_STATUS:
            return HTTP_STATUS[cls]
    return 400
