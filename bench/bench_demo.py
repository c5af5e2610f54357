"""The demo loader: ``load_demo --size large`` into a fresh database, against the database's own
cost of the same rows, measured in the same run.

1. ``manage.py load_demo --size large`` into a scratch database (migrations applied), timed from
   outside, as an operator runs it (the command's start-up included).
2. Its rows, read back with ``COPY TO`` into files, then written again with ``COPY FROM``:
   - into bare tables of the same columns (no constraint, index, trigger or generated column):
     the floor, PostgreSQL writing the rows and nothing else;
   - into the layer tables themselves, emptied, with every index and constraint in place and the
     history triggers off (as the loader has them for ``large``), in one transaction rolled back:
     what a plain ``COPY`` of rows already made would cost, without the loader's index handling.

The issue's reference, before the loader's work: 78.7 s on this machine.

    .venv/bin/python bench/bench_demo.py            # BENCH_DEMO_SIZE=large by default
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from common import REPO_ROOT, drop_database, first, scratch_database, write_result

DB_NAME = "geoportal_bench_demo"
BEFORE_SECONDS = {"large": 78.7}  # load_demo --size large before the loader's work (issue 15)


def written_columns(conn, table: str) -> list[str]:
    """The columns a load writes: not generated, not filled by a default alone (the loader gives
    ids; ``created_at`` and ``updated_at`` come from their defaults)."""
    rows = conn.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_name = %s "
        "AND is_generated = 'NEVER' AND column_name NOT IN ('created_at', 'updated_at') "
        "ORDER BY ordinal_position",
        [table],
    ).fetchall()
    return [r[0] for r in rows]


def main() -> None:
    import psycopg
    from psycopg import sql

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "geoportal.settings")
    import django

    django.setup()
    from layers.demo.loader import DEMO_TABLES

    size = os.environ.get("BENCH_DEMO_SIZE", "large")
    url = scratch_database(DB_NAME)
    env = {**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "geoportal.settings"}
    command = [sys.executable, str(REPO_ROOT / "manage.py"), "load_demo", "--size", size]
    started = time.monotonic()
    done = subprocess.run(
        [*command, "--no-progress"], env=env, check=True, capture_output=True, text=True
    )
    ours = time.monotonic() - started
    print(done.stdout, flush=True)
    said = re.search(
        r"([\d,]+) rows in ([\d.]+) s .*index builds ([\d.]+) s; then (\d+) indexes built after "
        r"the commit in ([\d.]+) s",
        done.stdout,
    )
    assert said, "load_demo's summary line changed"
    rows_loaded = int(said.group(1).replace(",", ""))

    with tempfile.TemporaryDirectory(prefix="bench-demo-") as tmp, psycopg.connect(url) as conn:
        tables = [
            t
            for t in DEMO_TABLES
            if first(
                conn.execute(sql.SQL("SELECT EXISTS (SELECT 1 FROM {})").format(sql.Identifier(t)))
            )
        ]
        columns = {t: written_columns(conn, t) for t in tables}
        files = {t: Path(tmp) / f"{t}.copy" for t in tables}
        for t in tables:
            cols = sql.SQL(", ").join(map(sql.Identifier, columns[t]))
            with (
                files[t].open("wb") as fh,
                conn.cursor().copy(
                    sql.SQL("COPY {} ({}) TO STDOUT").format(sql.Identifier(t), cols)
                ) as copy,
            ):
                for data in copy:
                    fh.write(data)
        conn.commit()

        def copy_in(target: str, t: str) -> None:
            cols = sql.SQL(", ").join(map(sql.Identifier, columns[t]))
            with (
                files[t].open("rb") as fh,
                conn.cursor().copy(
                    sql.SQL("COPY {} ({}) FROM STDIN").format(sql.Identifier(target), cols)
                ) as copy,
            ):
                while data := fh.read(1 << 20):
                    copy.write(data)

        # The floor: bare tables of the same columns (logged, as the layer tables are).
        with conn.transaction(force_rollback=True):
            for t in tables:
                conn.execute(
                    sql.SQL("CREATE TABLE {} AS SELECT {} FROM {} WITH NO DATA").format(
                        sql.Identifier(f"bare_{t}"),
                        sql.SQL(", ").join(map(sql.Identifier, columns[t])),
                        sql.Identifier(t),
                    )
                )
            started = time.monotonic()
            for t in tables:
                copy_in(f"bare_{t}", t)
            bare = time.monotonic() - started

        # The same rows into the layer tables, every index in place, history triggers off.
        with conn.transaction(force_rollback=True):
            conn.execute(
                sql.SQL("TRUNCATE {} CASCADE").format(
                    sql.SQL(", ").join(map(sql.Identifier, tables))
                )
            )
            for t in tables:
                for trigger in conn.execute(
                    "SELECT tgname FROM pg_trigger WHERE tgrelid = %s::regclass "
                    "AND tgname LIKE 'layers_history_%%'",
                    [t],
                ).fetchall():
                    conn.execute(
                        sql.SQL("ALTER TABLE {} DISABLE TRIGGER {}").format(
                            sql.Identifier(t), sql.Identifier(trigger[0])
                        )
                    )
            conn.execute("SET CONSTRAINTS ALL DEFERRED")
            started = time.monotonic()
            for t in tables:
                copy_in(t, t)
            conn.execute("SET CONSTRAINTS ALL IMMEDIATE")
            plain = time.monotonic() - started
    drop_database(DB_NAME)

    before = BEFORE_SECONDS.get(size)
    result = {
        "size": size,
        "rows": rows_loaded,
        "load_demo_seconds": round(ours, 2),
        "inside_command_seconds": float(said.group(2)),
        "index_builds_in_transaction_seconds": float(said.group(3)),
        "indexes_built_after_commit": int(said.group(4)),
        "index_builds_after_commit_seconds": float(said.group(5)),
        "copy_into_bare_tables_seconds": round(bare, 2),
        "copy_into_layer_tables_seconds": round(plain, 2),
        "ratio_to_bare_copy": round(ours / bare, 2),
        "ratio_to_plain_copy": round(ours / plain, 2),
        "before_seconds": before,
        "speed_up_on_before": round(before / ours, 2) if before else None,
    }
    lines = [
        f"- `load_demo --size {size}` into a fresh database: {ours:.1f} s for {rows_loaded:,} rows "
        f"(inside the command {said.group(2)} s; index builds {said.group(3)} s in the "
        f"transaction, then {said.group(4)} indexes in {said.group(5)} s after the commit)",
        f"- the same rows by COPY into bare tables (the floor): {bare:.1f} s; ratio {ours / bare:.2f}",
        f"- the same rows by COPY into the layer tables, indexes in place, history off: "
        f"{plain:.1f} s; load_demo makes and writes them in {ours / plain:.2f} of that time",
    ]
    if before:
        lines.append(
            f"- before the loader's work: {before} s; now {before / ours:.2f}x as fast (goal >= 2x)"
        )
    write_result("demo", result, lines)


if __name__ == "__main__":
    main()
