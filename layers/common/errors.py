"""The platform's domain errors. Each class carries its HTTP status (``http_status``), so an error
defined in any part of the platform maps itself; :func:`http_status_for` is the one place views read
it."""

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


def http_status_for(exc: GisError) -> int:
    return exc.http_status
