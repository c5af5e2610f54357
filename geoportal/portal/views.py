"""The portal's views: thin wrappers around ``selectors`` and ``downloads``. Domain errors are
raised and answered by the project's error handler (``geoportal.errors``)."""

from __future__ import annotations

from django.conf import settings
from django.http import (
    FileResponse,
    HttpRequest,
    HttpResponse,
    HttpResponseRedirect,
    JsonResponse,
    StreamingHttpResponse,
)
from django.http.response import HttpResponseBase
from django.middleware.csrf import get_token
from django.shortcuts import render
from django.templatetags.static import static
from django.utils import translation
from django.utils.cache import patch_cache_control
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from geoportal.language import browser_locale
from geoportal.portal import downloads, editing, selectors
from geoportal.portal.words import city_name, strings, text_direction
from geoportal.replicas import replica_reads
from layers.common.basemap import city_bounds, vector_tile_url
from layers.common.errors import InvalidRequest, NotFound, UnknownLayer
from layers.common.labels import field_labels
from layers.common.registry import Layer, get_layer

SEARCH_MAX_LIMIT = 20
ICON_MAX_AGE = 24 * 3600
LANGUAGE_COOKIE_MAX_AGE = 365 * 24 * 3600  # the choice is remembered for a year


def page_context(request: HttpRequest) -> dict:
    """What every portal page shows, in the request's language (``geoportal.language``)."""
    return {
        "lang": translation.get_language(),
        "dir": text_direction(),
        "t": strings(),
        "languages": settings.LANGUAGES,
        "city": city_name(),
    }


@require_safe
def home(request: HttpRequest) -> HttpResponse:
    context = page_context(request)
    context["portal_config"] = {
        "lang": context["lang"],
        "locale": browser_locale(),
        "dir": context["dir"],
        "strings": context["t"],
        "field_labels": field_labels(),
        "bounds": city_bounds(),
        "api": {"layers": "/api/layers", "search": "/api/search"},
        "search_min_chars": selectors.SEARCH_MIN_CHARS,
        "renseignement": "/renseignement/",
        "ogc": "/ogc/collections",
        # The storage CRS, for the coordinates shown under the cursor (proj4js).
        "lambert": {
            "code": settings.GIS_STORAGE_CRS["code"],
            "proj4": settings.GIS_STORAGE_CRS["proj4"],
        },
    }
    if editing.editable_layers(request.user):
        # The map editor, for those who may change a layer; its words are in ``strings``.
        context["portal_config"]["editor"] = {
            "layers": "/api/edit/layers",
            "history": "/api/edit/{slug}/{id}/history",
            "presence": "/api/edit/{slug}/{id}/presence",
            "csrf": get_token(request),
            "storage_crs": f"http://www.opengis.net/def/crs/EPSG/0/{settings.GIS['STORAGE_SRID']}",
            "user": request.user.get_username(),
        }
        context["editor"] = True
    return render(request, "geoportal/home.html", context)


@require_safe
def favicon(request: HttpRequest) -> HttpResponse:
    """``/favicon.ico``, which browsers ask for where a page names no icon (the API's JSON, the
    notes' PDF): sent to the pages' own icon, under its versioned static name (so the redirect
    itself is kept a day only)."""
    response = HttpResponseRedirect(static("geoportal/favicon.svg"))
    patch_cache_control(response, public=True, max_age=ICON_MAX_AGE)
    return response


@replica_reads()
@require_safe
def open_data(request: HttpRequest) -> HttpResponse:
    context = page_context(request)
    base = settings.PUBLIC_URL
    context.update(
        entries=selectors.catalogue(context["lang"]),
        formats=list(downloads.FORMATS.values()),
        ogc_url=f"{base}/ogc",
        tiles_url=base + vector_tile_url("{slug}"),
        base_url=base,
    )
    return render(request, "geoportal/open_data.html", context)


@replica_reads()
@require_safe
def layer_download(request: HttpRequest, slug: str, fmt: str) -> HttpResponseBase:
    layer: Layer | None
    try:
        layer = get_layer(slug)
    except UnknownLayer:
        layer = None
    spec = downloads.format_for_extension(fmt)
    if layer is None or not layer.public or spec is None:  # internal layers are not told apart
        raise NotFound(
            _("Aucun téléchargement ne correspond à « %(file)s ».") % {"file": f"{slug}.{fmt}"}
        )
    if spec.key == "geojson":
        body = downloads.stream_geojson(layer)
    elif spec.key == "csv":
        body = downloads.stream_csv(layer)
    else:
        path = downloads.cached_export(layer, spec)
        return FileResponse(
            path.open("rb"),
            as_attachment=True,
            filename=f"{slug}.{spec.extension}",
            content_type=spec.media_type,
        )
    response = StreamingHttpResponse(body, content_type=spec.media_type)
    response["Content-Disposition"] = f'attachment; filename="{slug}.{spec.extension}"'
    return response


@require_safe
def api_layers(request: HttpRequest) -> JsonResponse:
    lang = translation.get_language()
    return JsonResponse(
        selectors.layer_tree(request.user, lang), json_dumps_params={"ensure_ascii": False}
    )


@replica_reads()
@require_safe
def api_search(request: HttpRequest) -> JsonResponse:
    lang = translation.get_language()
    text = request.GET.get("q", "")
    try:
        limit = int(request.GET.get("limit", selectors.SEARCH_LIMIT))
    except ValueError:
        raise InvalidRequest(_("limit must be an integer"), field="limit") from None
    limit = max(1, min(limit, SEARCH_MAX_LIMIT))
    hits = selectors.search(text, request.user, limit=limit)
    titles = {hit.layer: get_layer(hit.layer).title(lang) for hit in hits}
    return JsonResponse(
        {"query": text, "results": [hit.as_dict(lang, titles) for hit in hits]},
        json_dumps_params={"ensure_ascii": False},
    )


@require_POST
def set_portal_language(request: HttpRequest) -> HttpResponse:
    """Remember the chosen language in Django's language cookie and go back to ``next`` (a page
    of this site only), keeping its ``#map=...`` view."""
    lang = request.POST.get("language", "")
    next_url = request.POST.get("next") or "/"
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = "/"
    response = HttpResponseRedirect(next_url)
    if lang in dict(settings.LANGUAGES):
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            lang,
            max_age=LANGUAGE_COOKIE_MAX_AGE,
            samesite="Lax",
            secure=request.is_secure(),
        )
    return response
