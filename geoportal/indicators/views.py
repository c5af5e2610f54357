"""The city in figures: the ``/indicators/`` page and its data (JSON, CSV, GeoJSON). Thin
wrappers around the selectors; staff-only indicators (internal layers) reach staff alone."""

from __future__ import annotations

import csv
import io
import json

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from geoportal.indicators import presentation, selectors
from geoportal.indicators.definitions import BY_KEY, DEFAULT
from geoportal.language import browser_locale
from geoportal.portal.views import city_bounds, page_context

JSON_PARAMS = {"ensure_ascii": False}


def _staff(request: HttpRequest) -> bool:
    return bool(request.user.is_authenticated and request.user.is_staff)


@require_safe
def indicators_page(request: HttpRequest) -> HttpResponse:
    context = page_context(request)
    lang = context["lang"]
    indicators = selectors.indicators_for(_staff(request))
    figures = selectors.city_figures()
    asked = request.GET.get("indicator", "")
    chosen = asked if asked in {ind.key for ind in indicators} else DEFAULT
    doc = presentation.document(figures, indicators, lang)
    context.update(
        document=doc,
        chosen=BY_KEY[chosen],
        chosen_key=chosen,
        config={
            "lang": lang,
            "locale": browser_locale(),
            "dir": context["dir"],
            "chosen": chosen,
            "bounds": city_bounds(),
            "api": "/api/indicators/arrondissements",
            "geojson": "/api/indicators/arrondissements.geojson",
            "words": {
                "classes": _("Classes par quantiles (effectifs égaux)"),
                "no_data": _("sans donnée"),
                "city": _("Ville entière"),
                "rank": _("Rang"),
            },
        },
        groups=[
            (g, [ind for ind in doc["indicators"] if ind["group"] == g["key"]])
            for g in doc["groups"]
        ],
    )
    return render(request, "indicators/indicators.html", context)


@require_safe
def api_indicators(request: HttpRequest) -> JsonResponse:
    lang = translation.get_language()
    indicators = selectors.indicators_for(_staff(request))
    doc = presentation.document(selectors.city_figures(), indicators, lang)
    return JsonResponse(doc, json_dumps_params=JSON_PARAMS)


@require_safe
def api_indicators_csv(request: HttpRequest) -> HttpResponse:
    indicators = selectors.indicators_for(_staff(request))
    figures = selectors.city_figures()
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["id", "code", "name_fr", "name_ar", *(ind.key for ind in indicators)])
    for row in [*figures.rows, figures.city]:
        values = presentation.row_values(row, indicators)
        writer.writerow(
            [
                "" if row.id is None else row.id,
                row.code or "city",
                row.name_fr,
                row.name_ar,
                *("" if values[ind.key] is None else values[ind.key] for ind in indicators),
            ]
        )
    response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="arrondissement-indicators.csv"'
    return response


@require_safe
def api_indicators_geojson(request: HttpRequest) -> HttpResponse:
    lang = translation.get_language()
    indicators = selectors.indicators_for(_staff(request))
    figures = selectors.city_figures()
    outlines = selectors.boundaries_geojson()
    features = [
        {
            "type": "Feature",
            "id": row.id,
            "geometry": outlines.get(row.id) if row.id is not None else None,
            "properties": {
                "code": row.code,
                "name": row.name(lang),
                "name_fr": row.name_fr,
                "name_ar": row.name_ar,
                **presentation.row_values(row, indicators),
            },
        }
        for row in figures.rows
    ]
    body = {
        "type": "FeatureCollection",
        "name": "arrondissement-indicators",
        "indicators": [presentation.indicator_dict(ind, lang) for ind in indicators],
        "features": features,
    }
    return HttpResponse(json.dumps(body, ensure_ascii=False), content_type="application/geo+json")
