"""The indicators as the API and the page give them: labels, units, formulas and sources in the
request's language, figures rounded to each indicator's decimals."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

from geoportal.indicators.definitions import CENSUS, GROUPS, Indicator
from geoportal.indicators.selectors import Figures, Row
from layers.common.registry import get_layer


def source_title(slug: str, lang: str) -> str:
    if slug == CENSUS:
        return _("Recensement général de la population et de l'habitat 2024 (HCP)")
    return get_layer(slug).title(lang)


def indicator_dict(ind: Indicator, lang: str) -> dict[str, Any]:
    out = ind.as_dict()
    out["sources"] = [{"id": s, "title": source_title(s, lang)} for s in ind.sources]
    return out


def rounded(value: float | None, decimals: int) -> float | int | None:
    if value is None:
        return None
    return round(value) if decimals == 0 else round(value, decimals)


def row_values(row: Row, indicators: list[Indicator]) -> dict[str, float | int | None]:
    return {ind.key: rounded(row.values.get(ind.key), ind.decimals) for ind in indicators}


def data_note(lang: str) -> str:
    """What the figures are made of: the population is the census's, the other layers are
    whatever ``RENSEIGNEMENT["DATA_CREDIT"]`` says they are (demonstration data by default)."""
    credit = settings.RENSEIGNEMENT["DATA_CREDIT"]
    text = credit if isinstance(credit, str) else credit.get(lang) or credit["fr"]
    return _(
        "La population et les limites des arrondissements sont réelles (RGPH 2024). Les autres chiffres sont calculés sur les couches de la plateforme : %(credit)s."
    ) % {"credit": text}


def document(figures: Figures, indicators: list[Indicator], lang: str) -> dict[str, Any]:
    """The JSON of ``/api/indicators/arrondissements``."""
    return {
        "version": figures.version,
        "note": data_note(lang),
        "classification": "quantiles",
        "groups": [
            {"key": g.key, "title": str(g.title)}
            for g in GROUPS
            if any(ind.group == g.key for ind in indicators)
        ],
        "indicators": [indicator_dict(ind, lang) for ind in indicators],
        "city": {"name": _("Ville entière"), "values": row_values(figures.city, indicators)},
        "arrondissements": [
            {
                "id": row.id,
                "code": row.code,
                "name": row.name(lang),
                "name_fr": row.name_fr,
                "name_ar": row.name_ar,
                "values": row_values(row, indicators),
            }
            for row in figures.rows
        ],
    }
