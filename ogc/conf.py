"""The typed shape of the ``OGC`` settings namespace, checked at start-up by
:func:`ogc.checks.check_ogc_settings`.

:func:`ogc_settings` reads the setting at each call, so ``override_settings`` applies."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypedDict, cast

from django.conf import settings


class OgcSettings(TypedDict):
    DEFAULT_LIMIT: int  # items per page when the client gives no limit
    MAX_LIMIT: int  # larger limits are cut to this
    NEXT_LIMIT_GROWTH: int  # a next link's limit is this times the page's (1: the same)
    COUNT_CAP: int  # numberMatched of a filtered query is counted up to this
    CURSOR_MAX_AGE: int  # seconds a next link's cursor stays valid
    MAX_BODY_BYTES: int  # largest feature a client may write
    REQUIRE_IF_MATCH: bool  # writes without If-Match get 428
    BASIC_AUTH_LOCALHOST: bool | None  # HTTP Basic over plain HTTP from loopback; None: dev only
    CRS: Sequence[str]  # offered besides the storage CRS, e.g. "EPSG/0/4326"
    LANGUAGES: Sequence[str]


def ogc_settings() -> OgcSettings:
    return cast(OgcSettings, settings.OGC)
