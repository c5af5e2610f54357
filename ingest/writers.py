"""The bulk write path: COPY into a temporary staging table, validate, repair and reproject in
SQL, then one INSERT ... SELECT (or UPDATE + INSERT for an upsert) into the layer table, all in
the caller's transaction so a failure leaves the layer as it was.

Identifiers are quoted with ``psycopg.sql.Identifier``; values are bound parameters. The only SQL
text not written here is the layer's own CHECK constraints, read from the PostgreSQL catalog and
evaluated on the staging rows so a feature that would break one is rejected with its name."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FuturesTimeout
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import psycopg
import pyarrow as pa
import pyarrow.csv as pa_csv
from django.db import DatabaseError, connection
from django.db.backends.utils import CursorWrapper
from django.utils.translation import gettext as _
from psycopg import sql

from layers.common import bulk
from layers.common.conf import gis_settings
from layers.common.errors import IngestError, sql_format
from layers.common.guards import check_staged
from layers.common.history import HISTORY_TRIGGERS
from layers.common.registry import Layer
from layers.common.users import AnyUser

from .conf import option

Progress = Callable[[str, int, int], None]

# Layer geometry family -> (accepted source types, ST_CollectionExtract type number)
FAMILIES = {
    "Polygon": (("POLYGON", "MULTIPOLYGON"), 3),
    "LineString": (("LINESTRING", "MULTILINESTRING"), 2),
    "Point": (("POINT", "MULTIPOINT"), 1),
}


@dataclass
class LoadResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    deleted: int = 0
    rejected: list[tuple[int, str]] = field(default_factory=list)  # (feature number, reason)
    repaired: list[tuple[int, str]] = field(default_factory=list)


class Refused(Exception):
    """Some features were rejected and partial loads were not asked for: roll back."""

    def __init__(self, result: LoadResult) -> None:
        super().__init__("features rejected")
        self.result = result


def _family(layer: Layer) -> tuple[str, bool]:
    name = layer.geometry_type
    multi = name.startswith("Multi")
    return (name[5:] if multi else name), multi


def _column_types(table: str) -> dict[str, str]:
    with connection.cursor() as cur:
        cur.execute(
            "SELECT attname, format_type(atttypid, atttypmod) FROM pg_attribute "
            "WHERE attrelid = %s::regclass AND attnum > 0 AND NOT attisdropped "
            "AND attgenerated = ''",
            [table],
        )
        return dict(cur.fetchall())


def _check_constraints(table: str) -> list[tuple[str, str, list[str]]]:
    """(name, expression, columns it reads) of the table's CHECK constraints."""
    with connection.cursor() as cur:
        cur.execute(
            "SELECT c.conname, pg_get_expr(c.conbin, c.conrelid), "
            "array(SELECT attname FROM pg_attribute a "
            "      WHERE a.attrelid = c.conrelid AND a.attnum = ANY(c.conkey)) "
            "FROM pg_constraint c WHERE c.conrelid = %s::regclass AND c.contype = 'c' "
            "ORDER BY c.conname",
            [table],
        )
        return [(a, b, list(c)) for a, b, c in cur.fetchall()]


def _csv_chunks(
    attrs: pd.DataFrame, wkb: np.ndarray, reasons: np.ndarray | list[str | None], rows: int
) -> Iterator[tuple[int, bytes]]:
    """The staging rows (``_fid``, ``_reason``, ``_raw`` as hex WKB, then the attributes) as CSV
    for ``COPY ... (FORMAT csv)``, ``rows`` at a time, each written by Arrow's CSV writer (a
    twentieth of pandas' time): every text quoted (an empty text is ``""``), a NULL left empty
    and unquoted, which is how PostgreSQL's CSV format tells them apart. Yields the rows done
    so far and the chunk. The hex text and the Arrow table are made a chunk at a time: for a
    million parcels, whole, they held about 600 MB."""
    options = pa_csv.WriteOptions(include_header=False, quoting_style="needed")
    attrs = attrs.reset_index(drop=True)
    reasons = np.asarray(reasons, dtype=object)
    for start in range(0, len(attrs), rows):
        end = min(start + rows, len(attrs))
        raw = wkb[start:end].copy()
        present = raw != None  # noqa: E711 (element-wise)
        raw[present] = _HEX(raw[present])
        chunk = pd.DataFrame(
            {"_fid": np.arange(start + 1, end + 1), "_reason": reasons[start:end], "_raw": raw}
        ).join(attrs.iloc[start:end].reset_index(drop=True))
        sink = pa.BufferOutputStream()
        pa_csv.write_csv(pa.Table.from_pandas(chunk, preserve_index=False), sink, options)
        yield end, sink.getvalue().to_pybytes()


# GEOS writes binary WKB four times faster than hex (ingest.validate.check_geometries);
# ``bytes.hex`` makes the text.
_HEX = np.frompyfunc(bytes.hex, 1, 1)


@dataclass
class Rows:
    """The rows to stage, given up once copied (:func:`load_features`): the attributes as text
    (a column per layer column), the WKB to stage and each row's reason, if refused already.
    The caller keeps no other reference, so their memory (about 400 MB for a million parcels)
    is free again before the checks and the write."""

    attrs: pd.DataFrame | None
    wkb: np.ndarray | None
    reasons: np.ndarray | list[str | None] | None

    def take(self) -> tuple[pd.DataFrame, np.ndarray, np.ndarray | list[str | None]]:
        attrs, wkb, reasons = self.attrs, self.wkb, self.reasons
        if attrs is None or wkb is None or reasons is None:
            raise RuntimeError("these rows were staged already")
        self.attrs = self.wkb = self.reasons = None
        return attrs, wkb, reasons


def load_features(
    layer: Layer,
    rows: Rows,
    source_crs: int | str,
    *,
    mode: str = "append",
    key: str | None = None,
    accept_partial: bool = False,
    progress: Progress | None = None,
    user: AnyUser | None = None,
) -> LoadResult:
    """Stage, check and write the features, their geometries in ``source_crs`` (an EPSG code, or
    a definition PROJ reads: the WKT of a CRS without code). Must run inside
    ``transaction.atomic()``; raises :class:`Refused` when features were rejected and
    ``accept_partial`` is false."""
    progress = progress or (lambda stage, done, total: None)
    table = layer.table
    types = _column_types(table)
    attrs, wkb, reasons = rows.take()
    columns = list(attrs.columns)
    unknown = [c for c in columns if c not in types]
    if unknown:
        raise IngestError(_("the layer table has no column %(column)r") % {"column": unknown[0]})
    if key is not None and key not in columns:
        raise IngestError(
            _("--key %(key)s: the file does not fill that attribute of the layer") % {"key": key}
        )
    suffix = uuid.uuid4().hex[:10]
    stage = sql.Identifier(f"ingest_stage_{suffix}")
    checked = sql.Identifier(f"ingest_checked_{suffix}")
    n = len(attrs)
    ident = [sql.Identifier(c) for c in columns]
    with connection.cursor() as cur:
        # Room for the staging tables in memory; PostgreSQL only allows it before a session's
        # first temporary table, so a connection that already used one keeps its setting.
        cur.execute("SAVEPOINT ingest_buffers")
        try:
            cur.execute("SELECT set_config('temp_buffers', %s, true)", [option("TEMP_BUFFERS")])
            cur.execute("RELEASE SAVEPOINT ingest_buffers")
        except DatabaseError:
            cur.execute("ROLLBACK TO SAVEPOINT ingest_buffers")
        # Room for the checks' sorts and hashes and the final write's ordering, in memory.
        cur.execute("SELECT set_config('work_mem', %s, true)", [option("WORK_MEM")])
        cur.execute(
            sql.SQL("CREATE TEMP TABLE {} (_fid integer, _reason text, _raw geometry{})").format(
                stage,
                sql.SQL("").join(
                    sql.SQL(", {} {}").format(sql.Identifier(c), sql.SQL(types[c])) for c in columns
                ),
            )
        )
        copy_sql = sql.SQL("COPY {} ({}) FROM STDIN (FORMAT csv)").format(
            stage,
            sql.SQL(", ").join(
                [sql.Identifier("_fid"), sql.Identifier("_reason"), sql.Identifier("_raw"), *ident]
            ),
        )
        raw = cur.cursor
        with raw.copy(copy_sql) as copy:
            for end, data in _csv_chunks(attrs, wkb, reasons, option("COPY_CHUNK_ROWS")):
                copy.write(data)
                progress("copy", end, n)
        del attrs, wkb, reasons
        progress("validate", 0, n)
        _check_geometries(cur, layer, stage, checked, columns, source_crs)
        cur.execute(sql.SQL("DROP TABLE {}").format(stage))
        stage = checked  # from here on, the checked rows are the staging table
        progress("validate", n // 2, n)
        _check_constraints_and_keys(cur, layer, stage, columns, mode, key)
        # The layer's rules and the user's edit scope (``user`` None: an operator's command).
        check_staged(cur, layer, user, stage, mode=mode, key=key)
        progress("validate", n, n)
        result = LoadResult()
        cur.execute(
            sql.SQL("SELECT _fid, _reason FROM {} WHERE _reason IS NOT NULL ORDER BY _fid").format(
                stage
            )
        )
        result.rejected = [(int(a), str(b)) for a, b in cur.fetchall()]
        cur.execute(
            sql.SQL(
                "SELECT _fid, _note FROM {} WHERE _reason IS NULL AND _note IS NOT NULL "
                "ORDER BY _fid"
            ).format(stage)
        )
        result.repaired = [(int(a), str(b)) for a, b in cur.fetchall()]
        if result.rejected and not accept_partial:
            raise Refused(result)
        to_write = n - len(result.rejected)
        # The write's stage starts here, though its own reports may come only at its end (a
        # statement shorter than their interval, an upsert's comparison and MERGE that add
        # nothing): its time is not counted as the checks'.
        progress("write", 0, to_write)
        _write(cur, stage, table, columns, mode, key, result, progress, to_write)
        progress("write", to_write, to_write)
        cur.execute(sql.SQL("DROP TABLE {}").format(stage))
    return result


def _check_geometries(
    cur: CursorWrapper,
    layer: Layer,
    stage: sql.Identifier,
    checked: sql.Identifier,
    columns: list[str],
    source_crs: int | str,
) -> None:
    """One pass over the staged rows into ``checked``: turn arcs into segments (a curved
    polygon, 32 segments a quarter circle), reproject, flatten, check the type,
    repair what a repair does not reshape, promote to multi, check the extent. Each row keeps
    the first reason it was refused for.

    ``v`` is materialized: inlined, each use of ``g`` and ``valid`` below would run the
    transform and ``ST_IsValid`` again (2.1 s instead of 0.8 s for 200,000 parcels)."""
    storage = gis_settings()["STORAGE_SRID"]
    family, multi = _family(layer)
    accepted, dim = FAMILIES[family]
    xmin, ymin, xmax, ymax = gis_settings()["EXTENT"]
    params: dict[str, Any] = {
        "src": source_crs,
        "dst": storage,
        "types": list(accepted),
        "dim": dim,
        "tol": float(option("REPAIR_TOLERANCE_M")),
        "multi": multi,
        "xmin": xmin,
        "ymin": ymin,
        "xmax": xmax,
        "ymax": ymax,
        "wrong_type": sql_format(
            _("wrong geometry type: %(type)s, the layer takes %(layer_type)s"),
            "type",
            layer_type=layer.geometry_type,
        ),
        "invalid": sql_format(
            _("invalid geometry (%(reason)s) that a repair would reshape"), "reason"
        ),
        "several": _("several parts where the layer takes a single %(layer_type)s")
        % {"layer_type": layer.geometry_type},
        "outside": _("outside the municipal extent"),
        "repaired": sql_format(_("repaired: %(reason)s"), "reason"),
    }
    cols = sql.SQL("").join(sql.SQL(", {}").format(sql.Identifier(c)) for c in columns)
    # From an EPSG code, or from a CRS's WKT (``ST_Transform(geom, from_proj, to_srid)``).
    reproject = (
        "ST_Transform(ST_SetSRID({g}, %(src)s), %(dst)s)"
        if isinstance(source_crs, int)
        else "ST_Transform({g}, %(src)s::text, %(dst)s)"
    )
    query = sql.SQL("""
        CREATE TEMP TABLE {checked} AS
        WITH t AS (
          SELECT _fid, _reason{cols},
                 CASE WHEN _reason IS NULL THEN ST_Force2D({reproject}) END AS g
          FROM {stage}
        ), v AS MATERIALIZED (
          SELECT t.*, GeometryType(g) = ANY(%(types)s) AS ok_type, ST_IsValid(g) AS valid FROM t
        ), r AS (
          SELECT v.*,
                 CASE WHEN valid OR NOT ok_type THEN g
                      ELSE ST_CollectionExtract(ST_MakeValid(g), %(dim)s) END AS fixed
          FROM v
        )
        SELECT _fid{cols},
          CASE
            WHEN _reason IS NOT NULL THEN _reason
            WHEN NOT ok_type THEN format(%(wrong_type)s, initcap(GeometryType(g)))
            WHEN NOT valid AND (ST_IsEmpty(fixed) OR ST_HausdorffDistance(g, fixed) > %(tol)s) THEN
              format(%(invalid)s, ST_IsValidReason(g))
            WHEN NOT %(multi)s AND ST_NumGeometries(fixed) > 1 THEN %(several)s
            WHEN NOT fixed @ ST_MakeEnvelope(%(xmin)s, %(ymin)s, %(xmax)s, %(ymax)s, %(dst)s)
              THEN %(outside)s
          END AS _reason,
          CASE WHEN ok_type AND NOT valid THEN format(%(repaired)s, ST_IsValidReason(g))
          END AS _note,
          CASE WHEN NOT ok_type THEN NULL
               WHEN %(multi)s THEN ST_Multi(fixed)
               WHEN ST_NumGeometries(fixed) = 1 THEN ST_GeometryN(fixed, 1)
               ELSE fixed END AS geom
        FROM r
    """).format(
        checked=checked,
        stage=stage,
        cols=cols,
        reproject=sql.SQL(reproject).format(
            g=sql.SQL("CASE WHEN ST_HasArc(_raw) THEN ST_CurveToLine(_raw) ELSE _raw END")
        ),
    )
    try:
        cur.execute("SAVEPOINT ingest_transform")
        cur.execute(query, params)
        cur.execute("RELEASE SAVEPOINT ingest_transform")
    except Exception as exc:  # PROJ refuses the coordinates: the whole file is refused
        cur.execute("ROLLBACK TO SAVEPOINT ingest_transform")
        message = str(exc).splitlines()[0]
        raise IngestError(
            _("the coordinates cannot be reprojected from %(crs)s (%(message)s): is --srs right?")
            % {
                "crs": f"EPSG:{source_crs}"
                if isinstance(source_crs, int)
                else _("the file's coordinate system"),
                "message": message,
            }
        ) from None


def _check_constraints_and_keys(
    cur: CursorWrapper,
    layer: Layer,
    stage: sql.Identifier,
    columns: list[str],
    mode: str,
    key: str | None,
) -> None:
    table = layer.table
    target = sql.Identifier(table)
    staged = {*columns, "geom"}
    for name, expr, reads in _check_constraints(table):
        if not set(reads) <= staged:
            continue  # reads a column the file does not write: the insert itself checks it
        if reads == ["geom"]:
            continue  # the geometry rules (validity) were checked above, with their reasons
        # Without parameters: the rule's own text may hold a ``%`` (``LIKE 'TF%'``), which
        # a query with parameters would read as a placeholder.
        reason = _("breaks the layer rule %(name)s") % {"name": name}
        cur.execute(
            sql.SQL("UPDATE {} SET _reason = {} WHERE _reason IS NULL AND ({}) IS FALSE").format(
                stage, sql.Literal(reason), sql.SQL(expr)
            )
        )
    unique = [f.column for f in layer.model._meta.concrete_fields if f.unique and not f.primary_key]
    checks = [c for c in columns if c in unique or c == key]
    # The comparisons with the stored features below are skipped when the layer holds none, as
    # on a first load (each scanned every staged row: 0.3-0.5 s for a million parcels).
    cur.execute(sql.SQL("SELECT EXISTS (SELECT 1 FROM {})").format(target))
    stored = bool(cur.fetchone()[0])
    for col in checks:
        c = sql.Identifier(col)
        # Features of the file that share a key value are all rejected: which one is right is the
        # planner's call. A look for any shared value first (0.35 s for 200,000 references):
        # the statement that names them gathers every row's feature numbers (0.6 s).
        cur.execute(
            sql.SQL(
                "SELECT EXISTS (SELECT FROM {stage} WHERE _reason IS NULL AND {c} IS NOT NULL "
                "GROUP BY {c} HAVING count(*) > 1)"
            ).format(stage=stage, c=c)
        )
        shared = cur.fetchone()[0]
        if shared:
            cur.execute(
                sql.SQL("""
                    UPDATE {stage} s SET _reason = format(%s, quote_literal(s.{c}), d.fids)
                    FROM (SELECT {c} AS v, string_agg(_fid::text, ', ' ORDER BY _fid) AS fids
                          FROM {stage} WHERE _reason IS NULL AND {c} IS NOT NULL
                          GROUP BY {c} HAVING count(*) > 1) d
                    WHERE s._reason IS NULL AND s.{c} = d.v
                """).format(stage=stage, c=c),
                [
                    sql_format(
                        _("duplicate %(column)s %(value)s (features %(features)s)"),
                        "value",
                        "features",
                        column=col,
                    )
                ],
            )
        if mode == "append" and stored:
            cur.execute(
                sql.SQL(
                    "UPDATE {stage} s SET _reason = format(%s, quote_literal(s.{c})) "
                    "WHERE s._reason IS NULL AND EXISTS (SELECT 1 FROM {target} t WHERE t.{c} = s.{c})"
                ).format(stage=stage, c=c, target=target),
                [
                    sql_format(
                        _(
                            "%(column)s %(value)s is already in the layer "
                            "(use --mode upsert --key %(column)s)"
                        ),
                        "value",
                        column=col,
                    )
                ],
            )
        elif mode == "upsert" and key and col != key and stored:
            cur.execute(
                sql.SQL(
                    "UPDATE {stage} s SET _reason = format(%s, quote_literal(s.{c})) "
                    "WHERE s._reason IS NULL AND EXISTS (SELECT 1 FROM {target} t "
                    "WHERE t.{c} = s.{c} AND t.{k} IS DISTINCT FROM s.{k})"
                ).format(stage=stage, c=c, target=target, k=sql.Identifier(key)),
                [
                    sql_format(
                        _("%(column)s %(value)s belongs to another feature of the layer"),
                        "value",
                        column=col,
                    )
                ],
            )
    if mode == "upsert" and key:
        k = sql.Identifier(key)
        cur.execute(
            sql.SQL("UPDATE {} SET _reason = %s WHERE _reason IS NULL AND {} IS NULL").format(
                stage, k
            ),
            [_("no value for the key %(key)s") % {"key": key}],
        )
        # A key the layer keeps unique (its constraint) identifies its features by definition;
        # any other is looked for in the stored features (0.2-0.4 s for a million parcels).
        dup = None
        if stored and key not in unique:
            cur.execute(
                sql.SQL("SELECT {k} FROM {t} GROUP BY {k} HAVING count(*) > 1 LIMIT 1").format(
                    k=k, t=target
                )
            )
            dup = cur.fetchone()
        if dup:
            raise IngestError(
                _("--key %(key)s does not identify the layer's features (%(value)r is used twice)")
                % {"key": key, "value": dup[0]}
            )


def _write(
    cur: CursorWrapper,
    stage: sql.Identifier,
    table: str,
    columns: list[str],
    mode: str,
    key: str | None,
    result: LoadResult,
    progress: Progress,
    total: int,
) -> None:
    """The final write, one statement for append and upsert (``DELETE`` then that statement for
    replace), the features in file order."""
    cols = [sql.Identifier(c) for c in [*columns, "geom"]]
    col_list = sql.SQL(", ").join(cols)
    src_list = sql.SQL(", ").join(sql.SQL("s.{}").format(c) for c in cols)
    target = sql.Identifier(table)
    if mode in ("append", "replace"):
        dropped = _first_fill(cur, table, total)
        if mode == "replace":
            cur.execute(sql.SQL("DELETE FROM {}").format(target))
            result.deleted = cur.rowcount
        query = sql.SQL(
            "INSERT INTO {t} ({cols}) SELECT {src} FROM {s} s WHERE s._reason IS NULL ORDER BY s._fid"
        ).format(t=target, cols=col_list, src=src_list, s=stage)
        result.created = _run_watched(cur, query, table, total, progress)
        if dropped is not None:
            bulk.build_indexes(
                cur, dropped, progress=lambda done, of: progress("indexes", done, of)
            )
        return
    if mode != "upsert" or not key:
        raise IngestError(
            _("unknown mode %(mode)r (append, replace, or upsert with --key)") % {"mode": mode}
        )
    k = sql.Identifier(key)
    tgt_list = sql.SQL(", ").join(sql.SQL("t.{}").format(c) for c in cols)
    cur.execute(
        sql.SQL(
            "SELECT count(*), count(*) FILTER (WHERE ({tgt}) IS DISTINCT FROM ({src})) "
            "FROM {s} s JOIN {t} t ON t.{k} = s.{k} WHERE s._reason IS NULL"
        ).format(s=stage, t=target, k=k, tgt=tgt_list, src=src_list)
    )
    matched, changed = cur.fetchone()
    # MERGE: the features whose key is in the layer and whose values differ are updated, the
    # others added, in one statement (so one history statement and one version bump).
    query = sql.SQL("""
        MERGE INTO {t} t
        USING (SELECT * FROM {s} WHERE _reason IS NULL ORDER BY _fid) s ON t.{k} = s.{k}
        WHEN MATCHED AND ({tgt}) IS DISTINCT FROM ({src}) THEN
          UPDATE SET ({cols}, updated_at) = ({src}, now())
        WHEN NOT MATCHED THEN
          INSERT ({cols}) VALUES ({src})
    """).format(t=target, s=stage, k=k, tgt=tgt_list, src=src_list, cols=col_list)
    added = total - matched
    written = _run_watched(cur, query, table, added, progress, recorded=added + changed)
    result.updated = changed
    result.unchanged = matched - changed
    result.created = written - changed


def _first_fill(cur: CursorWrapper, table: str, total: int) -> bulk.Dropped | None:
    """A layer table that holds no row yet gets its indexes built after the write, from all the
    rows at once (:mod:`layers.common.bulk`): its loose indexes and unique constraints are dropped
    here, in the transaction. ``DROP INDEX`` keeps readers out of the table until the commit,
    which costs nobody anything while the table is empty; so this is done only when the table
    is empty and nobody else is using it at this moment (the lock is asked without waiting).
    The rows were checked against the unique constraints already (staged rows among
    themselves), so adding them again succeeds. Returns what was dropped, or None."""
    if total < option("BULK_INDEX_MIN_ROWS"):
        return None
    target = sql.Identifier(table)
    cur.execute(sql.SQL("SELECT EXISTS (SELECT 1 FROM {})").format(target))
    if cur.fetchone()[0]:
        return None
    cur.execute("SAVEPOINT ingest_first_fill")
    try:
        cur.execute(sql.SQL("LOCK TABLE {} IN ACCESS EXCLUSIVE MODE NOWAIT").format(target))
        cur.execute(sql.SQL("SELECT EXISTS (SELECT 1 FROM {})").format(target))
        empty = not cur.fetchone()[0]  # rows may have been committed in between
    except DatabaseError:  # in use
        empty = False
    if not empty:  # the write keeps the indexes as they are
        cur.execute("ROLLBACK TO SAVEPOINT ingest_first_fill")  # which lets the lock go
        return None
    cur.execute("RELEASE SAVEPOINT ingest_first_fill")
    return bulk.drop_indexes(cur, [table])


def _run_watched(
    cur: CursorWrapper,
    query: sql.Composable,
    table: str,
    total: int,
    progress: Progress,
    recorded: int | None = None,
) -> int:
    """Run one write statement and return its row count, reporting how far it went: a second
    connection reads the id sequences of the table (which moves as each row goes in) and of the
    history (which moves as the statement's history is written, at its end). A sequence is not
    transactional: another session sees it move before the commit. ``recorded``: the history
    records the statement writes (``total`` unless said)."""
    recorded = total if recorded is None else recorded
    cur.execute(
        "SELECT pg_get_serial_sequence(%s, 'id'), pg_get_serial_sequence('layers_history', 'id'), "
        "EXISTS (SELECT 1 FROM pg_trigger WHERE tgrelid = %s::regclass "
        "        AND tgname = ANY(%s) AND tgenabled <> 'D')",
        [table, table, list(HISTORY_TRIGGERS)],
    )
    rows_seq, history_seq, recording = cur.fetchone()
    raw = cur.cursor.connection
    if rows_seq is None or total <= 0:
        cur.execute(query)
        return int(cur.rowcount)
    value = "(SELECT CASE WHEN is_called THEN last_value ELSE last_value - 1 END FROM {})"
    # pg_get_serial_sequence quotes the names already
    seq_query = sql.SQL("SELECT " + value + ", " + value).format(
        sql.SQL(rows_seq), sql.SQL(history_seq)
    )
    cur.execute(seq_query)
    start = cur.fetchone()
    try:
        watcher = psycopg.connect(raw.info.dsn, password=raw.info.password, autocommit=True)
    except psycopg.Error:  # no second connection: write without progress
        cur.execute(query)
        return int(cur.rowcount)

    def run() -> int:
        with raw.cursor() as writer:
            writer.execute(query)
            return int(writer.rowcount)

    with watcher, ThreadPoolExecutor(max_workers=1) as pool:
        future = pool.submit(run)
        while True:
            try:
                return future.result(timeout=option("PROGRESS_INTERVAL_S"))
            except FuturesTimeout:
                now = watcher.execute(seq_query).fetchone() or start
                done = min(max(int(now[0]) - int(start[0]), 0), total)
                try:
                    if done < total or not recording or recorded <= 0:
                        progress("write", done, total)
                    else:
                        history = min(max(int(now[1]) - int(start[1]), 0), recorded)
                        progress("history", history, recorded)
                except BaseException:
                    raw.cancel_safe()  # the run was stopped: stop the statement too
                    raise
