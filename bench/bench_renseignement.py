"""E-renseignement: JSON, HTML and PDF notes per second against the cost of the note's overlay SQL
alone, on the same parcels in the same run.

- ``overlay SQL``: ``sql/overlay.sql`` executed and fetched for each parcel (the database's share);
- ``JSON note``: ``GET /api/renseignement/?parcel=`` through Django (routing, rate-limit counter,
  parcel lookup, overlay, shares, JSON);
- ``HTML note``: ``GET /renseignement/?parcel=`` (plus the map extract and the SVG map);
- ``PDF note``: issuing the note (overlay, map extract, stored snapshot) and rendering its PDF with
  WeasyPrint, in a transaction rolled back so the bench database keeps no notes.

Run alone: ``.venv/bin/python bench/bench_renseignement.py`` (``BENCH_SIZE=large|city|small``,
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
from common import REPO_ROOT, measure_in_subprocess, write_result

SAMPLE = int(os.environ.get("BENCH_RENSEIGNEMENT_SAMPLE", "200"))
PDF_SAMPLE = int(os.environ.get("BENCH_RENSEIGNEMENT_PDF_SAMPLE", "30"))


def _rate(times: list[float]) -> dict[str, float]:
    return {
        "per_second": len(times) / sum(times),
        "p50_ms": statistics.median(times) * 1000,
        "p95_ms": sorted(times)[int(0.95 * (len(times) - 1))] * 1000,
        "n": len(times),
    }


def measure() -> dict[str, Any]:
    """Runs inside the subprocess, with DATABASE_URL set to the bench database."""
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "geoportal.settings")
    os.environ.setdefault("GEOPORTAL_ALLOWED_HOSTS", "testserver,127.0.0.1")
    django.setup()
    from django.conf import settings
    from django.db import connection, transaction
    from django.db.models.functions import Mod
    from django.test import Client

    from geoportal.renseignement.actions import issue_note
    from geoportal.renseignement.documents import render_note_pdf
    from geoportal.renseignement.selectors.overlay import overlay_params, overlay_sql
    from geoportal.renseignement.selectors.subjects import find_parcel
    from layers.parcels.models import Parcel

    settings.RENSEIGNEMENT = {
        **settings.RENSEIGNEMENT,
        "RATE_LIMITS": {"note": (10**9, 60), "issue": (10**9, 60)},
    }
    total = Parcel.objects.count()
    step = max(total // SAMPLE, 1)
    parcels = list(Parcel.objects.annotate(r=Mod("id", step)).filter(r=0).order_by("id")[:SAMPLE])
    client = Client()
    sql = overlay_sql()

    def overlay_pass() -> list[float]:
        times = []
        with connection.cursor() as cur:
            for p in parcels:
                t = time.perf_counter()
                cur.execute(sql, overlay_params(p.geom))
                cur.fetchone()
                times.append(time.perf_counter() - t)
        return times

    def http_pass(path: str) -> list[float]:
        times = []
        for p in parcels:
            t = time.perf_counter()
            response = client.get(path, {"parcel": p.reference})
            response.content  # noqa: B018
            times.append(time.perf_counter() - t)
            assert response.status_code == 200, (p.reference, response.status_code)
        return times

    overlay_pass()  # warm the caches, the URL resolver and the templates
    for path in ("/api/renseignement/", "/renseignement/"):
        for p in parcels[:10]:
            client.get(path, {"parcel": p.reference})
    overlay = overlay_pass()
    json_times = http_pass("/api/renseignement/")
    html_times = http_pass("/renseignement/")
    overlay += overlay_pass()
    pdf_times = []
    zones_per_note = []
    with transaction.atomic():
        for p in parcels[:PDF_SAMPLE]:
            t = time.perf_counter()
            note = issue_note(find_parcel(p.reference)).note
            pdf = render_note_pdf(note)
            pdf_times.append(time.perf_counter() - t)
            assert pdf.startswith(b"%PDF")
            zones_per_note.append(len(note.content["zones"]))
        transaction.set_rollback(True)
    return {
        "parcels_in_db": total,
        "sample": len(parcels),
        "overlay_sql": _rate(overlay),
        "json_note": _rate(json_times),
        "html_note": _rate(html_times),
        "pdf_note": _rate(pdf_times),
        "mean_zones_per_pdf_note": statistics.mean(zones_per_note) if zones_per_note else 0,
    }


def main() -> None:
    size = os.environ.get("BENCH_SIZE", "large")
    result = measure_in_subprocess(__file__, size)
    o = result["overlay_sql"]["per_second"]
    for key in ("json_note", "html_note", "pdf_note"):
        result[key]["ratio_to_overlay_sql"] = result[key]["per_second"] / o
    lines = [
        f"- demo city `{size}` ({result['parcels_in_db']:,} parcels), {result['sample']} parcels "
        f"sampled ({result['pdf_note']['n']} for PDF)",
        f"- overlay SQL alone: {o:.1f}/s (p50 {result['overlay_sql']['p50_ms']:.1f} ms)",
    ]
    for key, label in (
        ("json_note", "JSON notes"),
        ("html_note", "HTML notes"),
        ("pdf_note", "PDF notes (issue + render)"),
    ):
        r = result[key]
        lines.append(
            f"- {label}: {r['per_second']:.1f}/s (p50 {r['p50_ms']:.1f} ms, p95 "
            f"{r['p95_ms']:.1f} ms) = {r['ratio_to_overlay_sql']:.2f} x the overlay SQL rate"
        )
    write_result("renseignement", result, lines)


if __name__ == "__main__":
    if "--measure" in sys.argv:
        sys.path.insert(0, str(REPO_ROOT))
        print(json.dumps(measure()))
    else:
        main()
