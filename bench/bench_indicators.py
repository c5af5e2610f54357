"""The city in figures: the cost of computing every indicator (one SQL statement over all the
source layers) against a read served from the cache (the layers' versions only); and, for the
OGC collection ``arrondissement-indicators``, the refresh of its materialised view (what the first
read after a write pays) against a read of the stored figures (every other read).

Run alone: ``.venv/bin/python bench/bench_indicators.py`` (``BENCH_SIZE=large|city|small``,
default ``large``). The measurement runs in a subprocess bound to the bench database.
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import measure_in_subprocess, write_result

ROUNDS = int(os.environ.get("BENCH_INDICATORS_ROUNDS", "5"))


def _summary(times: list[float]) -> dict[str, float]:
    return {"p50_ms": statistics.median(times) * 1000, "max_ms": max(times) * 1000, "n": len(times)}


def measure() -> dict[str, Any]:
    """Runs inside the subprocess, with DATABASE_URL set to the bench database."""
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "geoportal.settings")
    django.setup()
    from django.core.cache import cache
    from django.db import connection

    from geoportal.indicators.publication import REFRESHED_TABLE, refresh_if_stale
    from geoportal.indicators.selectors import city_figures

    computed, cached, refreshed, view = [], [], [], []
    for _ in range(ROUNDS):
        cache.clear()
        started = time.perf_counter()
        figures = city_figures()
        computed.append(time.perf_counter() - started)
        started = time.perf_counter()
        city_figures()
        cached.append(time.perf_counter() - started)
        with connection.cursor() as cur:  # as after a write to a source layer
            cur.execute(f"UPDATE {REFRESHED_TABLE} SET version = ''")  # noqa: S608 - a constant
        started = time.perf_counter()
        refresh_if_stale()
        refreshed.append(time.perf_counter() - started)
        started = time.perf_counter()
        refresh_if_stale()  # nothing changed: the versions are compared, nothing computed
        with connection.cursor() as cur:
            cur.execute('SELECT * FROM ogc."arrondissement-indicators"')
            cur.fetchall()
        view.append(time.perf_counter() - started)
    return {
        "arrondissements": len(figures.rows),
        "computed": _summary(computed),
        "cached": _summary(cached),
        "ogc_view_refresh": _summary(refreshed),
        "ogc_view": _summary(view),
    }


def main() -> None:
    size = os.environ.get("BENCH_SIZE", "large")
    result = measure_in_subprocess(__file__, size)
    lines = [
        f"- demo city `{size}`, {result['arrondissements']} arrondissements, {ROUNDS} rounds",
        f"- every indicator computed: p50 {result['computed']['p50_ms']:.0f} ms",
        f"- read from the cache: p50 {result['cached']['p50_ms']:.1f} ms",
        f"- the OGC view computed again (first read after a write): p50 "
        f"{result['ogc_view_refresh']['p50_ms']:.0f} ms",
        f"- the OGC view read whole, nothing changed: p50 {result['ogc_view']['p50_ms']:.1f} ms",
    ]
    write_result("indicators", result, lines)


if __name__ == "__main__":
    if "--measure" in sys.argv:
        print(json.dumps(measure()))
    else:
        main()
