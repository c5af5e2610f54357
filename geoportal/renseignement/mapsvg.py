"""The map extract of a note drawn as SVG from its stored geometries (storage SRID, metres): zones,
reserved land, servitudes, roads, neighbouring parcels and the land itself, with a scale bar and a
north arrow. No browser and no tile server: WeasyPrint puts the SVG in the PDF as is."""

from __future__ import annotations

import math
from html import escape
from typing import Any

from django.utils import translation

from geoportal.language import number_text
from geoportal.renseignement.labels import words

MAP_SIZE_PX = 520  # the side of the square map, in SVG pixels (the PDF page fits it)

ZONE_COLOURS = {
    "collective_housing": "#f4a582",
    "villa": "#fddbc7",
    "economic_housing": "#f6c667",
    "mixed": "#d6a5c9",
    "centre": "#e78ac3",
    "industrial": "#a6a6d8",
    "equipment": "#92c5de",
    "green": "#a6d96a",
    "tourism": "#80cdc1",
}
LAYER_STYLE = {
    "reserved": 'fill="url(#hatch-reserved)" stroke="#e66101" stroke-width="1.5" '
    'stroke-dasharray="6 3"',
    "servitude": 'fill="url(#hatch-servitude)" stroke="#b2182b" stroke-width="1"',
    "road": 'fill="none" stroke="#636363" stroke-width="3" stroke-linecap="round"',
    "parcel": 'fill="none" stroke="#969696" stroke-width="0.6"',
}
LEGEND = {  # layer: (its word in ``labels``, colour)
    "reserved": ("legend_reserved", "#e66101"),
    "servitude": ("legend_servitude", "#b2182b"),
    "road": ("legend_road", "#636363"),
    "parcel": ("legend_parcel", "#969696"),
}
FONTS = "DejaVu Sans, Noto Sans Arabic, sans-serif"  # Noto Sans Arabic: Debian's fonts-noto-core


def nice_length(target: float) -> float:
    """The largest 1, 2 or 5 x 10^n not above ``target``."""
    if target <= 0:
        return 1.0
    exp = math.floor(math.log10(target))
    for mult in (5, 2, 1):
        if mult * 10**exp <= target:
            return float(mult * 10**exp)
    return float(10**exp)


class _Projector:
    def __init__(self, frame: list[float], size: float) -> None:
        self.xmin, self.ymin, self.xmax, self.ymax = frame
        self.k = size / max(self.xmax - self.xmin, self.ymax - self.ymin)

    def xy(self, c: list[float]) -> str:
        return f"{(c[0] - self.xmin) * self.k:.1f},{(self.ymax - c[1]) * self.k:.1f}"

    def path(self, geometry: dict[str, Any]) -> tuple[str, bool]:
        """SVG path data and whether it is areal."""
        kind = geometry.get("type")
        coords: Any = geometry.get("coordinates")
        if kind == "Polygon":
            return self._rings(coords), True
        if kind == "MultiPolygon":
            return " ".join(self._rings(p) for p in coords), True
        if kind == "LineString":
            return self._line(coords), False
        if kind == "MultiLineString":
            return " ".join(self._line(part) for part in coords), False
        if kind == "GeometryCollection":
            parts = [self.path(g) for g in geometry.get("geometries", [])]
            areal = [d for d, a in parts if a and d]
            return (" ".join(areal), True) if areal else (" ".join(d for d, _ in parts), False)
        return "", False

    def _line(self, coords: list[list[float]]) -> str:
        if len(coords) < 2:
            return ""
        return "M" + " L".join(self.xy(c) for c in coords)

    def _rings(self, rings: list[list[list[float]]]) -> str:
        return " ".join(self._line(r) + " Z" for r in rings if len(r) >= 3)


def legend_items(map_data: dict[str, Any], lang: str = "fr") -> list[dict[str, str]]:
    """The legend of the layers present on the map, zones first, in ``lang``."""
    t = words(lang)
    items = []
    seen: set[tuple[str, str]] = set()
    for feature in map_data.get("features", []):
        layer = feature["layer"]
        if layer == "zone":
            key = ("zone", feature["label"] or "")
            if key not in seen:
                colour = ZONE_COLOURS.get(feature["style"], "#cccccc")
                label = f"{t['legend_zone']} {feature['label']}"
                items.append({"label": label, "colour": colour})
        else:
            key = (layer, "")
            if key not in seen:
                word, colour = LEGEND[layer]
                items.append({"label": t[word], "colour": colour})
        seen.add(key)
    items.append({"label": t["legend_subject"], "colour": "#000000"})
    return items


def map_labels(map_data: dict[str, Any], size: int = MAP_SIZE_PX) -> list[dict[str, Any]]:
    """The names on the map (zone codes, reservations, roads) and where they go, in per cent of
    the map's side from its top left corner. The page sets them over the SVG as HTML text, so
    that Arabic names are shaped and read right to left (SVG text is drawn glyph by glyph)."""
    proj = _Projector(map_data["frame"], size)
    labels = []
    for feature in map_data.get("features", []):
        point = feature.get("label_point") or {}
        if feature["layer"] in {"zone", "reserved", "road"} and feature["label"]:
            if not point.get("coordinates"):
                continue
            x, y = (float(v) for v in proj.xy(point["coordinates"]).split(","))
            labels.append(
                {
                    "text": str(feature["label"]),
                    "left_pct": round(100 * x / size, 2),
                    "top_pct": round(100 * y / size, 2),
                }
            )
    return labels


def render_map_svg(map_data: dict[str, Any], size: int = MAP_SIZE_PX, lang: str = "fr") -> str:
    """The map as SVG, its names set apart (``map_labels``). The map itself is never mirrored
    (north is up, east right, whatever the language); its words are in ``lang``."""
    t = words(lang)
    proj = _Projector(map_data["frame"], size)
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{size}" height="{size}" '
        f'viewBox="0 0 {size} {size}" font-family="{FONTS}" font-size="10" '
        f'role="img" aria-label="{escape(t["map_label"])}" lang="{escape(lang)}">',
        "<defs>"
        '<pattern id="hatch-servitude" width="8" height="8" patternUnits="userSpaceOnUse" '
        'patternTransform="rotate(45)"><rect width="8" height="8" fill="#b2182b" '
        'fill-opacity="0.10"/><line x1="0" y1="0" x2="0" y2="8" stroke="#b2182b" '
        'stroke-width="1.5"/></pattern>'
        '<pattern id="hatch-reserved" width="8" height="8" patternUnits="userSpaceOnUse" '
        'patternTransform="rotate(-45)"><rect width="8" height="8" fill="#e66101" '
        'fill-opacity="0.15"/><line x1="0" y1="0" x2="0" y2="8" stroke="#e66101" '
        'stroke-width="1.2"/></pattern>'
        "</defs>",
        f'<rect width="{size}" height="{size}" fill="#ffffff" stroke="#000000"/>',
    ]
    for feature in map_data.get("features", []):
        d, areal = proj.path(feature["geometry"])
        if not d:
            continue
        layer = feature["layer"]
        if layer == "zone":
            colour = ZONE_COLOURS.get(feature["style"], "#cccccc")
            style = f'fill="{colour}" fill-opacity="0.55" stroke="#7f7f7f" stroke-width="0.8"'
        else:
            style = LAYER_STYLE[layer]
        out.append(f'<path d="{d}" {style} fill-rule="evenodd"/>')
    d, _ = proj.path(map_data["subject"])
    out.append(f'<path d="{d}" fill="#000000" fill-opacity="0.06" stroke="#000000" '
               'stroke-width="2.5" fill-rule="evenodd"/>')  # fmt: skip
    out.append(_scale_bar(proj, size, t["metre"], lang))
    out.append(_north_arrow(size))
    out.append("</svg>")
    return "\n".join(out)


def _scale_bar(proj: _Projector, size: int, unit: str = "m", lang: str = "fr") -> str:
    metres = nice_length((size / 4) / proj.k)
    length = metres * proj.k
    x0, y0 = 14.0, size - 18.0
    half = length / 2
    with translation.override(lang):  # grouped as the note writes its areas: "1.000 m"
        label = escape(f"{number_text(metres)} {unit}")
    return (
        f'<g class="scale-bar" data-metres="{metres:g}">'
        f'<rect x="{x0 - 6}" y="{y0 - 16}" width="{length + 12 + 40}" height="26" '
        'fill="#ffffff" fill-opacity="0.85"/>'
        f'<rect x="{x0}" y="{y0}" width="{half:.1f}" height="5" fill="#000000"/>'
        f'<rect x="{x0 + half:.1f}" y="{y0}" width="{half:.1f}" height="5" fill="#ffffff" '
        'stroke="#000000" stroke-width="0.8"/>'
        f'<rect x="{x0}" y="{y0}" width="{length:.1f}" height="5" fill="none" stroke="#000000" '
        'stroke-width="0.8"/>'
        f'<text x="{x0}" y="{y0 - 4}" text-anchor="middle">0</text>'
        f'<text x="{x0 + length:.1f}" y="{y0 - 4}" text-anchor="middle">{label}</text>'
        "</g>"
    )


def _north_arrow(size: int) -> str:
    cx, top = size - 26.0, 14.0
    return (
        '<g class="north-arrow">'
        f'<circle cx="{cx}" cy="{top + 20}" r="17" fill="#ffffff" fill-opacity="0.85"/>'
        f'<path d="M{cx},{top + 4} L{cx + 8},{top + 32} L{cx},{top + 26} Z" fill="#000000"/>'
        f'<path d="M{cx},{top + 4} L{cx - 8},{top + 32} L{cx},{top + 26} Z" fill="#ffffff" '
        'stroke="#000000" stroke-width="0.8"/>'
        f'<text x="{cx}" y="{top + 2}" text-anchor="middle" font-weight="bold" '
        'font-size="11">N</text>'
        "</g>"
    )
