"""``make bench``: runs each benchmark in turn; results go to bench/results/.

Each benchmark module has a ``main()`` and can also be run alone: ``.venv/bin/python bench/bench_tiles.py``.
"""

from __future__ import annotations

import importlib
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

BENCHMARKS = [
    "bench_ingest",
    "bench_demo",
    "bench_ogc",
    "bench_tiles",
    "bench_raster",
    "bench_renseignement",
    "bench_portal",
    "bench_indicators",
]


def main() -> int:
    wanted = sys.argv[1:] or BENCHMARKS
    failed = []
    for name in wanted:
        started = time.monotonic()
        print(f"== {name}", flush=True)
        try:
            importlib.import_module(name).main()
        except Exception as exc:  # report and go on with the others
            failed.append(name)
            print(f"!! {name} failed: {exc!r}", flush=True)
        print(f"== {name} done in {time.monotonic() - started:.0f} s", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
