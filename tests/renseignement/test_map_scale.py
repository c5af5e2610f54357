"""The note's map extract writes its scale bar's length as the note writes its areas (Django's
formats of the note's language), not with a space in every language."""

from __future__ import annotations

import re

import pytest

from geoportal.renseignement.labels import words
from geoportal.renseignement.mapsvg import render_map_svg

# A 10 km frame drawn 400 px wide: 0.04 px a metre. The bar aims at a quarter of the map, 100 px,
# so 2,500 m, and takes the largest 1, 2 or 5 x 10^n below: 2,000 m.
MAP = {
    "frame": [0.0, 0.0, 10_000.0, 10_000.0],
    "subject": {"type": "Polygon", "coordinates": [[[0, 0], [10, 0], [10, 10], [0, 0]]]},
}


@pytest.mark.parametrize(("lang", "length"), [("fr", "2.000"), ("ar", "2.000"), ("en", "2,000")])
def test_the_scale_bar_groups_its_length_as_the_note_writes_numbers(lang, length):
    svg = render_map_svg(MAP, size=400, lang=lang)
    bar = re.search(r'<g class="scale-bar" data-metres="([^"]+)">(.*?)</g>', svg, re.S)
    assert bar is not None and float(bar.group(1)) == 2000
    # its two ends: 0, and the length with its unit
    assert re.findall(r"<text[^>]*>([^<]*)</text>", bar.group(2)) == [
        "0",
        f"{length} {words(lang)['metre']}",
    ]
