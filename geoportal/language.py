"""The one resolver of a request's language, for every view (pages, the OGC API, ``/api/...``):

1. ``?lang=fr|ar|en``, for that request only;
2. else the ``django_language`` cookie (the portal's language switch sets it);
3. else the browser's ``Accept-Language``;
4. else ``LANGUAGE_CODE`` (French).

Django's :class:`~django.middleware.locale.LocaleMiddleware` does 2 to 4; this subclass puts
``?lang`` in front. Every answer may depend on the language, so each says so in ``Vary``
(``Accept-Language, Cookie``); public tiles, which do not, drop both again
(``tiles.middleware``)."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.middleware.locale import LocaleMiddleware
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.utils.formats import number_format

QUERY_PARAMETER = "lang"


def supported_languages() -> tuple[str, ...]:
    return tuple(code for code, _name in settings.LANGUAGES)


def language_of_query(request: HttpRequest) -> str | None:
    """The supported language ``?lang`` names (``ar``, ``ar-MA``), or None."""
    asked = request.GET.get(QUERY_PARAMETER, "").strip()
    if not asked:
        return None
    try:
        return translation.get_supported_language_variant(asked.lower())
    except LookupError:
        return None


# The locale the pages' scripts (portal, editor, indicators) give the browser's ``Intl`` for
# numbers and dates: Morocco's conventions (``10.050 m²``, and Arabic with Latin digits), and
# British English. The server writes numbers the same way: ``geoportal/formats`` sets Django's
# formats to match.
BROWSER_LOCALES = {"fr": "fr-MA", "ar": "ar-MA", "en": "en-GB"}


def number_text(value: float, decimals: int = 0, *, grouped: bool = True) -> str:
    """``value`` as the active language writes numbers (Django's formats, ``geoportal/formats``):
    ``decimals`` decimals, thousands grouped unless ``grouped`` is false. Rounded first: Django's
    ``number_format`` cuts a float's decimals."""
    return number_format(round(value, decimals), decimal_pos=decimals, force_grouping=grouped)


def browser_locale() -> str:
    """The ``Intl`` locale of the active language, for the pages' scripts."""
    lang = active_language()
    return BROWSER_LOCALES.get(lang, lang)


def active_language() -> str:
    """The language of the request being answered, as the middleware below resolved and activated
    it (steps 1 to 4); French outside a request."""
    return translation.get_language() or settings.LANGUAGE_CODE


class LanguageMiddleware(LocaleMiddleware):
    """Django's LocaleMiddleware with ``?lang`` first; replaces it in ``MIDDLEWARE``."""

    def process_request(self, request: HttpRequest) -> None:
        lang = language_of_query(request)
        if lang is None:
            super().process_request(request)
            return
        translation.activate(lang)
        request.LANGUAGE_CODE = translation.get_language()

    def process_response(
        self, request: HttpRequest, response: HttpResponseBase
    ) -> HttpResponseBase:
        response = super().process_response(request, response)
        patch_vary_headers(response, ("Accept-Language", "Cookie"))
        return response
