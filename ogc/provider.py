"""pygeoapi's PostgreSQL provider, with a capped count and reprojection in the database.

pygeoapi counts every match for each page (``numberMatched``), a full scan on a million parcels.
Here the count stops at ``count_cap`` (``OGC["COUNT_CAP"]``): past it ``numberMatched`` is left
out, which the standard allows, and paging goes on with ``next`` links since a full page came back.
For a streamed GeoJSON page (:mod:`ogc.stream`) the count runs beside the page, in a thread on a
connection of its own (:func:`_beside`), and a page with no filter but a bbox runs statements kept
from an earlier page with its own values bound (:meth:`CasaPostgreSQLProvider._template`).
``resulttype=hits`` still counts exactly: the client asked for that number alone.

Pages of features are reprojected by PostGIS (``ST_Transform``, then ``ST_AsGeoJSON``) rather
than row by row in Python, with the axis order of the requested CRS (latitude first for
EPSG:4326, longitude first for CRS84). WGS 84 and Web Mercator output is written from the
geometry's Web Mercator copy that a publication view carries (``ogc.publication.MERCATOR_COPY``),
which is never published as an attribute (:meth:`CasaPostgreSQLProvider.get_fields`).

``query`` is built on private methods of pygeoapi's ``PostgreSQLProvider``: they are declared in
``ogc.compat.PROVIDER_METHODS`` and checked before a provider is built.
"""

from __future__ import annotations

import contextvars
import functools
import json
import os
import warnings
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from typing import Any

import pyproj
from django.core.cache import cache
from pygeoapi.crs import get_srid
from pygeoapi.provider.base import ProviderConnectionError, ProviderInvalidQueryError
from pygeoapi.provider.sql import PostgreSQLProvider
from pygeofilter.backends.sqlalchemy.evaluate import to_filter
from sqlalchemy import (
    Float,
    Text,
    and_,
    bindparam,
    cast,
    false,
    func,
    literal,
    or_,
    select,
    text,
    true,
)
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Query, Session
from sqlalchemy.sql.elements import BindParameter

from layers.common.conf import gis_settings
from layers.common.errors import DatabaseUnavailable, database_unavailable
from layers.common.geojson import feature_text_parts
from ogc.compat import check_provider_methods, plane_bbox
from ogc.paging import Paging, current
from ogc.pool import ping_when_idle, read_again_if_dropped
from ogc.publication import MERCATOR_COPY
from ogc.stream import FeatureStream, autocommit

# ST_AsGeoJSON's options: none. Its default (8) writes a ``crs`` member into each geometry of a
# CRS other than EPSG:4326, which RFC 7946 removed; the response's ``Content-Crs`` names the CRS.
GEOJSON_OPTIONS = 0
# The layer's stamp (``layers.common.models.LayerVersion``) read on pygeoapi's connection.
STAMP_SQL = text("SELECT version, changed_at FROM public.layers_version WHERE table_name = :table")
COUNT_TIMEOUT = 7 * 24 * 3600  # a count is kept a week for one version of a layer

# The features' JSON expression of each table model and output CRS (:meth:`_model_feature_json`).
_FEATURE_JSON: dict[tuple[Any, ...], Any] = {}
FEATURE_JSON_KEPT = 256

# pygeoapi's fields of each table model and geometry column (``get_fields``).
_FIELDS: dict[tuple[Any, str], dict[str, Any]] = {}

# The statements of simple streamed pages, kept (:meth:`CasaPostgreSQLProvider._template`); False:
# every page builds its own (tests compare the two).
KEEP_STATEMENTS = True
_TEMPLATES: dict[tuple[Any, ...], tuple[Any, Any]] = {}
BBOX_PARAMS = ("bbox_minx", "bbox_miny", "bbox_maxx", "bbox_maxy")
INNER_PARAMS = ("inner_minx", "inner_miny", "inner_maxx", "inner_maxy")
# The inner box of a bbox (:func:`inner_box`) lies this share of the bbox's largest coordinate
# inside it: 8 steps of a single-precision float, in which PostGIS rounds boxes outwards.
INNER_MARGIN = 2.0**-20

# WGS 84 and Web Mercator output from the views' Web Mercator copy (:meth:`_output_geometry`);
# False: from the stored geometry (tests compare the two).
USE_MERCATOR_COPY = True
WGS84_SRID = 4326

# Every engine the providers opened, so that they can be closed (``ogc.api.reset_apis``).
ENGINES: set[Engine] = set()


class CasaPostgreSQLProvider(PostgreSQLProvider):  # type: ignore[misc]  # pygeoapi: untyped
    _fields: dict[str, Any]  # pygeoapi's BaseProvider sets it

    def __init__(self, provider_def: dict[str, Any]) -> None:
        check_provider_methods(PostgreSQLProvider)
        # No ping per connection taken: ogc.pool pings only the idle ones.
        options = {**(provider_def.get("options") or {}), "pool_pre_ping": False}
        try:
            super().__init__({**provider_def, "options": options})
        except ProviderConnectionError as err:  # pygeoapi would answer 500
            if database_unavailable(err):
                raise DatabaseUnavailable from err
            raise
        self.count_cap = int(provider_def.get("count_cap") or 0)
        if self._engine not in ENGINES:
            ping_when_idle(self._engine)
            ENGINES.add(self._engine)

    def get_fields(self) -> dict[str, Any]:
        """pygeoapi's fields of the table (each column's JSON schema type and format), read once
        per table model: a provider is made for every request, and reading them takes 0.2 ms.
        The geometry's Web Mercator copy is not a field: pygeoapi then neither writes it as a
        property nor lists it as a queryable or sort key."""
        if not self._fields:
            key = (self.table_model, self.geom)
            found = _FIELDS.get(key)
            if found is None:
                fields = super().get_fields()
                found = _FIELDS[key] = {k: v for k, v in fields.items() if k != MERCATOR_COPY}
            self._fields = {name: dict(spec) for name, spec in found.items()}
        return self._fields

    def query(
        self,
        offset: int = 0,
        limit: int = 10,
        resulttype: str = "results",
        bbox: list[float] | None = None,
        datetime_: str | None = None,
        properties: list[tuple[str, Any]] | None = None,
        sortby: list[dict[str, str]] | None = None,
        select_properties: list[str] | None = None,
        skip_geometry: bool = False,
        q: str | None = None,
        filterq: Any = None,
        crs_transform_spec: Any = None,
        **kwargs: Any,
    ) -> dict[str, Any]:
        datetime_ = open_start(datetime_)
        bbox = plane_bbox(bbox or [])
        select_properties = select_properties or []
        sortby = sortby or []
        properties = properties or []
        unfiltered = not (properties or filterq or bbox or datetime_ not in (None, "../.."))
        paging = current(self.table)
        keys = self._sort_keys(sortby)
        spec = crs_transform_spec
        response: dict[str, Any] = {
            "type": "FeatureCollection",
            "features": [],
            "numberReturned": 0,
        }
        stream = (
            paging is not None
            and paging.streamable
            and not (select_properties or skip_geometry or q)
        )
        rows = window(paging, offset, limit)
        kept = (
            self._template(spec, bool(bbox), rows)
            if stream
            and KEEP_STATEMENTS
            and resulttype != "hits"
            and not (properties or filterq or sortby or datetime_ not in (None, "../.."))
            and len(bbox or []) in (0, 4)
            and (rows.after is None or len(rows.after) == 1)
            else None
        )
        params = {} if kept is None else _template_params(bbox or [], rows)
        with Session(self._engine) as session:
            results = session.query(self.table_model)
            if kept is None:  # a kept statement has its filter (a bbox), to be bound
                filters = (
                    self._get_property_filters(properties),
                    self._get_cql_filters(filterq),
                    self._get_bbox_filter(bbox or []),
                    self._get_datetime_filter(datetime_),
                )
                for clause in filters:
                    results = results.filter(clause)
            if resulttype == "hits":
                response["numberMatched"] = results.count()
                return response
            matched: int | None = None
            counting: Future[int | None] | None = None
            if self.count:
                count: Callable[[], int | None] = (
                    self._layer_count
                    if unfiltered
                    else functools.partial(
                        self._capped_count,
                        self._count_statement(results) if kept is None else kept[1],
                        params,
                    )
                )
                if stream:  # counted on a connection of its own while the page is read
                    counting = _beside(count)
                else:
                    matched = count()
            if stream and paging is not None:
                # the features' JSON from PostgreSQL, read by ogc.stream after pygeoapi is done
                statement = (
                    self._stream_statement(results, keys, rows, spec) if kept is None else kept[0]
                )
                try:
                    paging.stream = FeatureStream(self._engine, statement, limit, params)
                    if counting is not None:
                        matched = counting.result()
                except BaseException:
                    if paging.stream is not None:
                        paging.stream.close()
                        paging.stream = None
                    if counting is not None:
                        wait([counting])  # its connection is back in the pool before the error
                    raise
                if matched is not None:
                    response["numberMatched"] = matched
                return response
            if matched is not None:
                response["numberMatched"] = matched
            columns = self._select_properties_clause(select_properties, skip_geometry=True)
            geojson = None if skip_geometry else self._geojson_column(spec, self._model_column)
            found = self._page_rows(session, results, columns, geojson, keys, rows)
            more = paging is not None and len(found) > limit
            last: tuple[Any, ...] = ()
            for row in found[:limit]:
                item = row[0]
                geometry = row[1] if geojson is not None else None
                last = tuple(row[len(row) - len(keys) :])
                feature = self._sqlalchemy_to_feature(item, None, select_properties)
                feature["geometry"] = json.loads(geometry) if geometry else None
                response["features"].append(feature)
            response["numberReturned"] = len(response["features"])
        if paging is not None and more:
            response["links"] = [paging.next_link(last, offset + limit, limit)]
            if offset > 0:
                response["links"].append(paging.prev_link(offset - limit, limit))
        return response

    def _page(
        self,
        page: Query[Any],
        keys: list[tuple[Any, bool]],
        window: Window,
        *,
        key_columns: bool = True,
    ) -> Query[Any]:
        """``page`` (the filtered query, with its output columns) then the sort key values (unless
        ``key_columns`` is false: ``page`` has them already), in the order of the keys, in
        ``window``: after the cursor's position or past ``offset`` rows, so many rows."""
        if key_columns:
            page = page.add_columns(*(column for column, _ in keys))
        page = page.order_by(*_order(keys))
        if window.after is not None:
            page = page.filter(_after(keys, window.after, never_null=len(keys) - 1))
        elif window.offset is not None:
            page = page.offset(window.offset)
        return page.limit(window.rows)

    def _page_rows(
        self,
        session: Session,
        results: Query[Any],
        columns: Any,
        geojson: Any,
        keys: list[tuple[Any, bool]],
        window: Window,
    ) -> list[Any]:
        """The rows of a page for pygeoapi's own writer (HTML, CSV, ``properties``...): each
        feature, its GeoJSON geometry if asked for, then its sort key values.

        As for a streamed page (:meth:`_stream_statement`), when an ``offset`` skips rows the
        page's ids are chosen first, so that the geometries of the skipped rows are not
        transformed and written."""
        if window.offset is None:
            page = results.options(columns)
            if geojson is not None:
                page = page.add_columns(geojson)
            return self._page(page, keys, window).all()
        id_column = self._model_column(self.id_field)
        chosen = results.with_entities(id_column.label("chosen_id"))
        chosen_ids = self._page(chosen, keys, window).subquery("chosen")
        page = session.query(self.table_model).options(columns)
        page = page.join(chosen_ids, id_column == chosen_ids.c.chosen_id)
        if geojson is not None:
            page = page.add_columns(geojson)
        page = page.add_columns(*(column for column, _ in keys)).order_by(*_order(keys))
        return page.all()

    def _stream_statement(
        self,
        results: Query[Any],
        keys: list[tuple[Any, bool]],
        window: Window,
        spec: Any,
    ) -> Any:
        """The streamed page: the features' JSON (:meth:`_feature_json`) then the sort key values.

        When an ``offset`` skips rows, they are chosen in a subquery (filters, order, ``offset``,
        ``limit``) and their JSON is written above it. Written in one ``SELECT``, PostgreSQL would
        build the JSON of the skipped rows too (they go through the scan's output before the
        ``Limit`` drops them): a page at offset 2,000 would transform and write 2,100 features
        to send 100. The subquery's order carries up, so the outer ``ORDER BY`` costs no sort.
        A first page or a cursor's skips nothing, and stays one ``SELECT`` (the subquery costs
        a bbox page about 0.4 ms more).
        """
        if window.offset is None:
            page = results.with_entities(self._model_feature_json(spec))
            return self._page(page, keys, window).statement
        names = list(dict.fromkeys([*self._feature_properties(), self._output_geometry(spec)]))
        names += [column.key for column, _ in keys if column.key not in names]
        chosen = results.with_entities(*(self._model_column(n) for n in names))
        rows = self._page(chosen, keys, window, key_columns=False).subquery("page")
        outer = [(rows.c[column.key], desc) for column, desc in keys]

        def column(name: str) -> Any:
            return rows.c[name]

        return (
            select(self._feature_json(spec, column), *(c for c, _ in outer))
            .select_from(rows)
            .order_by(*_order(outer))
        )

    def _template(self, crs_transform_spec: Any, with_bbox: bool, rows: Window) -> Any:
        """The streamed page's statement and its count's, for a page with no filter but a
        ``bbox`` and no ``sortby``, with bound parameters (:func:`_template_params`) in place of
        the bbox, the cursor's id, the offset and the number of rows: made once per table model,
        output CRS and kind of page, then only executed. Built for each request, the two
        statements cost more Python than the page's SQL costs PostgreSQL (about 1 ms: building
        them, and SQLAlchemy walking them for its cache key, which a kept statement keeps)."""
        kind = "after" if rows.after is not None else "offset" if rows.offset is not None else ""
        target = None if crs_transform_spec is None else crs_transform_spec.target_crs_uri
        key = (
            self.table_model,
            tuple(self._feature_properties()),
            self.id_field,
            self.geom,
            str(self.storage_crs),
            self.count_cap,
            target,
            with_bbox,
            kind,
            USE_MERCATOR_COPY,
        )
        found = _TEMPLATES.get(key)
        if found is None:
            results: Query[Any] = Query(self.table_model)
            if with_bbox:
                envelope, inner = self._envelopes(
                    [bindparam(name, type_=Float) for name in BBOX_PARAMS],
                    [bindparam(name, type_=Float) for name in INNER_PARAMS],
                )
                results = results.filter(self._bbox_test(envelope, inner))
            bound = Window(
                (bindparam("after"),) if kind == "after" else None,
                bindparam("offset") if kind == "offset" else None,
                bindparam("rows"),
            )
            keys = self._sort_keys([])
            if with_bbox and kind != "offset":
                page = self._bbox_page(envelope, inner, kind == "after", crs_transform_spec)
            else:
                page = self._stream_statement(results, keys, bound, crs_transform_spec)
            found = (page, self._count_statement(results))
            if len(_TEMPLATES) >= FEATURE_JSON_KEPT:
                _TEMPLATES.clear()
            _TEMPLATES[key] = found
        return found

    def _get_bbox_filter(self, bbox: list[float]) -> Any:
        """pygeoapi's filter (the features that ``ST_Intersects`` the bbox, in the storage CRS),
        written as :meth:`_bbox_test`."""
        if not bbox:
            return True
        return self._bbox_test(*self._envelopes(bbox, inner_box(bbox)))

    def _envelopes(self, corners: list[Any], inner: list[Any]) -> tuple[Any, Any]:
        """The bbox of ``corners`` and its inner box (:func:`inner_box`) of ``inner``, as
        envelopes in the storage CRS (values or bound parameters)."""
        srid = get_srid(self.storage_crs)
        return func.ST_MakeEnvelope(*corners, srid), func.ST_MakeEnvelope(*inner, srid)

    def _bbox_test(self, envelope: Any, inner: Any, candidates: Any = None) -> Any:
        """The features that meet the bbox ``envelope``: those whose boxes meet it (the spatial
        index), then those whose boxes lie within its ``inner`` box (:func:`inner_box`) or that
        pass the exact test. A feature's box is read from its row; the exact test
        (``ST_Intersects``) reads and converts the whole geometry, which is needed only for the
        features on the bbox's edges: the capped count of a 600 m bbox of parcels takes 1.5 ms
        instead of 2.6. ``IS TRUE`` keeps the inner box out of the index scan (and makes a
        ``NULL`` inner box, for a bbox too small to have one, test every feature exactly).
        ``candidates``: the geometry column of rows that met the box already."""
        geom = self._model_column(self.geom) if candidates is None else candidates
        exact = or_(geom.op("@")(inner).is_(true()), func.ST_Intersects(envelope, geom))
        return exact if candidates is not None else and_(geom.op("&&")(envelope), exact)

    def _bbox_page(self, envelope: Any, inner: Any, after: bool, crs_transform_spec: Any) -> Any:
        """A first or cursor page of a bbox, in id order: the features whose boxes meet the
        bbox's (the spatial index) sorted by id first, and the exact test (:meth:`_bbox_test`)
        then on them in that order, until the page is full. Filtered first and then sorted, as
        in one ``SELECT``, every candidate gets the exact test: 45,000 parcels for the first 100
        in a 3 km box. ``OFFSET 0`` keeps PostgreSQL from moving the test into the sorted
        subquery. The same rows in the same order (a test compares the two)."""
        output = self._output_geometry(crs_transform_spec)
        names = dict.fromkeys([*self._feature_properties(), self.id_field, self.geom, output])
        id_column = self._model_column(self.id_field)
        candidates = select(*(self._model_column(name) for name in names)).where(
            self._model_column(self.geom).op("&&")(envelope)
        )
        if after:
            candidates = candidates.where(id_column > cast(bindparam("after"), id_column.type))
        sorted_ = candidates.order_by(id_column).offset(0).subquery("candidates")

        def column(name: str) -> Any:
            return sorted_.c[name]

        key = column(self.id_field)
        return (
            select(self._feature_json(crs_transform_spec, column), key)
            .select_from(sorted_)
            .where(self._bbox_test(envelope, inner, column(self.geom)))
            .order_by(key.asc().nulls_last())
            .limit(bindparam("rows"))
        )

    def _model_column(self, name: str) -> Any:
        return getattr(self.table_model, name)

    def _feature_properties(self) -> list[str]:
        """The properties of a feature as pygeoapi writes them (``_sqlalchemy_to_feature``): the
        fields, or those of the configuration's ``properties``, and the id, in field order."""
        loaded = set(self.properties or self.fields) | {self.id_field}
        return [name for name in self.fields if name in loaded]

    def _model_feature_json(self, crs_transform_spec: Any) -> Any:
        """:meth:`_feature_json` of the table's own columns, built once per table model (pygeoapi
        keeps one per table) and output CRS: the same for every page, it took 0.7 ms a request
        to build again."""
        target = None if crs_transform_spec is None else crs_transform_spec.target_crs_uri
        props = tuple(self._feature_properties())
        crs = str(self.storage_crs)
        key = (self.table_model, props, self.id_field, self.geom, crs, target, USE_MERCATOR_COPY)
        found = _FEATURE_JSON.get(key)
        if found is None:
            if len(_FEATURE_JSON) >= FEATURE_JSON_KEPT:
                _FEATURE_JSON.clear()
            found = _FEATURE_JSON[key] = self._feature_json(crs_transform_spec, self._model_column)
        return found

    def _feature_json(self, crs_transform_spec: Any, column: Callable[[str], Any]) -> Any:
        """A GeoJSON Feature as text, written by PostgreSQL: its id, its geometry in the requested
        CRS (:meth:`_geojson_column`) and its properties (:meth:`_feature_properties`), from the
        columns that ``column`` gives by name.

        The text is joined with ``||`` from the fixed parts and each value's ``to_json`` (what
        ``json_build_object`` writes for a value), rather than built by ``json_build_object``:
        that one reads the geometry's GeoJSON again to check it as ``json`` and writes a space
        around each ``:`` and after each ``,``. A page of 10,000 parcels costs PostgreSQL 70 ms
        instead of 87, and is 7 % shorter for the client to read."""
        geometry = self._geojson_column(crs_transform_spec, column)
        parts = feature_text_parts(
            _json_value(column(self.id_field)),
            func.coalesce(geometry, cast(literal("null"), Text)),
            [(prop, _json_value(column(prop))) for prop in self._feature_properties()],
        )
        return _joined(parts)

    def _sort_keys(self, sortby: list[dict[str, str]]) -> list[tuple[Any, bool]]:
        """(column, descending) of each ``sortby`` key, then the id (ascending): a total order."""
        keys = [
            (getattr(self.table_model, s["property"]), s["order"] == "-")
            for s in sortby
            if s["property"] != self.id_field
        ]
        ids = [s for s in sortby if s["property"] == self.id_field]
        keys.append(
            (getattr(self.table_model, self.id_field), bool(ids and ids[0]["order"] == "-"))
        )
        return keys

    def _layer_count(self) -> int:
        """The exact number of features, counted once per version of the layer (its stamp,
        ``layers_version``, bumped by a trigger on every write) and kept in Django's cache."""
        count = select(func.count()).select_from(self.table_model.__table__)
        table = self._layer_table()

        def read() -> int:
            with self._engine.connect() as connection, autocommit(connection):
                stamp = connection.execute(STAMP_SQL, {"table": table}).first()
                if stamp is None:  # never written since the triggers were installed: count
                    return int(connection.execute(count).scalar_one())
                changed = stamp[1].isoformat() if stamp[1] else ""
                key = f"ogc:count:{self.table}:{stamp[0]}:{changed}"
                found = cache.get(key)
                if found is None:
                    found = int(connection.execute(count).scalar_one())
                    cache.set(key, found, COUNT_TIMEOUT)
                return int(found)

        return read_again_if_dropped(read)

    def _layer_table(self) -> str:
        """The table whose stamp keys the count: the layer's, or for a read-only collection
        (:mod:`ogc.views_registry`) the table of the layer it has one row per feature of."""
        from layers.common.registry import get_layer
        from ogc.views_registry import read_only_collection

        derived = read_only_collection(self.table)
        return get_layer(derived.stamp_layer if derived else self.table).table

    def _get_cql_filters(self, filterq: Any) -> Any:
        """pygeoapi's filter of a parsed CQL2 ``filter``, on the collection's fields and geometry
        alone: a property it does not publish (the Web Mercator copy, or a name it does not have)
        is refused with a 400 naming it. pygeoapi maps every column of the view, and lets
        pygeofilter take an unknown name for a text, which failed with a 500."""
        if not filterq:
            return true()
        names = [*self.fields, self.geom]
        mapping = {name: self._model_column(name) for name in names}
        try:
            return to_filter(filterq, mapping, undefined_as_null=False)
        except KeyError as err:
            msg = f"unknown property in filter: {err.args[0]}"
            raise ProviderInvalidQueryError(user_msg=msg) from err

    def _get_datetime_filter(self, datetime_: str | None) -> Any:
        datetime_ = open_start(datetime_)
        if datetime_ not in (None, "../..") and self.time_field is None:
            raise ProviderInvalidQueryError(user_msg="this collection has no datetime attribute")
        return super()._get_datetime_filter(datetime_)

    def _count_statement(self, results: Query[Any]) -> Any:
        """The count of the matches of ``results``, up to ``count_cap`` + 1 (every match when
        there is no cap): a statement of its own, bound to no session."""
        matches = results.with_entities(getattr(self.table_model, self.id_field))
        if self.count_cap:
            matches = matches.limit(self.count_cap + 1)
        return select(func.count()).select_from(matches.subquery())

    def _capped_count(self, statement: Any, params: dict[str, Any] | None = None) -> int | None:
        """The number of matches that the count ``statement`` (:meth:`_count_statement`) finds,
        with its ``params``, or ``None`` when there are more than ``count_cap``."""

        def read() -> int:
            with self._engine.connect() as connection, autocommit(connection):
                return int(connection.execute(statement, params or {}).scalar_one())

        n = read_again_if_dropped(read)
        return n if not self.count_cap or n <= self.count_cap else None

    def _output_geometry(self, crs_transform_spec: Any) -> str:
        """The column the output geometry is written from: the geometry's Web Mercator copy
        for WGS 84 or Web Mercator output when the view carries one, else the geometry itself.
        From the copy, PostGIS transforms to WGS 84 without the datum shift of the stored CRS:
        10,000 parcels in 20 ms instead of 57, the same coordinates to the 7 decimals written
        (the tests compare the two over whole layers)."""
        if crs_transform_spec is None or not USE_MERCATOR_COPY:
            return str(self.geom)
        srid = _output(crs_transform_spec.target_crs_uri)[0]
        columns = self.table_model.__table__.columns
        if srid in (WGS84_SRID, gis_settings()["TILE_SRID"]) and MERCATOR_COPY in columns:
            return MERCATOR_COPY
        return str(self.geom)

    def _geojson_column(self, crs_transform_spec: Any, source: Callable[[str], Any]) -> Any:
        """``ST_AsGeoJSON`` of the geometry in the requested CRS (the storage CRS when the spec
        is ``None``), from the column (:meth:`_output_geometry`) that ``source`` gives by name."""
        name = self._output_geometry(crs_transform_spec)
        column = source(name)
        if crs_transform_spec is None:
            srid, flip, digits = _output(self.storage_crs)
            return func.ST_AsGeoJSON(column, digits, GEOJSON_OPTIONS)
        srid, flip, digits = _output(crs_transform_spec.target_crs_uri)
        copy = name == MERCATOR_COPY and srid == gis_settings()["TILE_SRID"]
        expr = column if copy else func.ST_Transform(column, srid)
        if flip:
            expr = func.ST_FlipCoordinates(expr)
        return func.ST_AsGeoJSON(expr, digits, GEOJSON_OPTIONS)


def _json_value(expr: Any) -> Any:
    """The JSON text of a value (``null`` for SQL's ``NULL``)."""
    return func.coalesce(cast(func.to_json(expr), Text), cast(literal("null"), Text))


def _joined(parts: list[Any]) -> Any:
    """``parts`` joined with ``||``: texts next to each other are written as one literal, and
    the joins nest by halves, so that a layer of a hundred columns is not a hundred levels deep
    for SQLAlchemy's compiler (which walks an expression recursively)."""
    merged: list[Any] = []
    for part in parts:
        if isinstance(part, str) and merged and isinstance(merged[-1], str):
            merged[-1] += part
        else:
            merged.append(part)
    exprs = [cast(literal(p), Text) if isinstance(p, str) else p for p in merged]

    def join(first: int, end: int) -> Any:
        if end - first == 1:
            return exprs[first]
        middle = (first + end) // 2
        return join(first, middle).op("||", return_type=Text)(join(middle, end))

    return join(0, len(exprs))


def _beside(count: Callable[[], int | None]) -> Future[int | None]:
    """``count`` run in a thread, on a connection of its own, while the caller reads the page: the
    two cost their longer instead of their sum. A page of ``parcels`` in a 600 m box on ``large``
    (2,000 matches): the count 2.2 ms and the page 3.6 ms in PostgreSQL. It runs in the request's
    context (its context variables), on the provider's engine (the request's database)."""
    return _counters(os.getpid()).submit(contextvars.copy_context().run, count)


@functools.cache
def _counters(pid: int) -> ThreadPoolExecutor:
    """The count threads of process ``pid`` (a pool's threads do not survive a fork)."""
    return ThreadPoolExecutor(max_workers=4, thread_name_prefix=f"ogc-count-{pid}")


@functools.lru_cache(maxsize=32)
def _output(crs_uri: str) -> tuple[int, bool, int]:
    """(SRID, whether the CRS puts latitude or northing first, decimals) of an output CRS."""
    crs = pyproj.CRS.from_user_input(crs_uri)
    flip = crs.axis_info[0].direction in ("north", "south")
    # A CRS without an EPSG code (OGC:CRS84) is matched through its PROJ string, which pyproj
    # warns "loses information" about: the point of it, not news for the server's log.
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "You will likely lose", UserWarning)
        srid = get_srid(crs)
    return srid, flip, (7 if crs.is_geographic else 3)


def open_start(datetime_: str | None) -> str | None:
    """An interval whose start is year 0 (``0000-01-01T00:00:00Z/...``, QGIS's way of writing an
    open start, a date PostgreSQL refuses) as the open start it means (``../...``)."""
    if datetime_ and "/" in datetime_:
        start, end = datetime_.split("/", 1)
        if start.startswith("0000-"):
            return f"../{end}"
    return datetime_


@dataclass(frozen=True)
class Window:
    """Which rows of the ordered result a page reads: those after ``after`` (a cursor's last
    sort key values), or past ``offset`` rows (None: none skipped), ``rows`` of them. Each is a
    value, or a bound parameter in a statement kept for many pages
    (:meth:`CasaPostgreSQLProvider._template`)."""

    after: tuple[Any, ...] | None
    offset: Any
    rows: Any


def window(paging: Paging | None, offset: int, limit: int) -> Window:
    """The window of a request: a cursor's position takes precedence over ``offset``; one row
    more than ``limit`` when paging (whether a next page exists, without counting)."""
    after = paging.position.last if paging is not None and paging.position is not None else None
    skipped = offset if after is None and offset > 0 else None
    return Window(after, skipped, limit + 1 if paging is not None else limit)


def inner_box(bbox: list[float]) -> list[float | None]:
    """The box inside ``bbox`` (west, south, east, north in the storage CRS) whose features need
    no exact test (:meth:`CasaPostgreSQLProvider._bbox_test`). PostGIS compares the boxes of
    ``@`` in single precision, each rounded outwards by at most one step: shrunk by
    ``INNER_MARGIN`` of the largest coordinate (8 such steps), a feature whose rounded box lies
    within the inner box lies within the bbox. ``None`` corners (no inner box: every feature
    is tested exactly) when the bbox is narrower than twice the margin, or not four numbers."""
    if len(bbox) != 4:
        return [None] * 4
    margin = INNER_MARGIN * max(1.0, *(abs(c) for c in bbox))
    west, south, east, north = bbox
    if east - west <= 2 * margin or north - south <= 2 * margin:
        return [None] * 4
    return [west + margin, south + margin, east - margin, north - margin]


def _template_params(bbox: list[float], rows: Window) -> dict[str, Any]:
    """The values of a kept statement's parameters (:meth:`CasaPostgreSQLProvider._template`)."""
    params: dict[str, Any] = dict(zip(BBOX_PARAMS, bbox, strict=False))
    if bbox:
        params.update(zip(INNER_PARAMS, inner_box(bbox), strict=True))
    if rows.after is not None:
        params["after"] = rows.after[0]
    if rows.offset is not None:
        params["offset"] = rows.offset
    params["rows"] = rows.rows
    return params


def _order(keys: list[tuple[Any, bool]]) -> list[Any]:
    """ORDER BY of the keys, NULLs where PostgreSQL puts them by default (said explicitly, since
    :func:`_after` relies on it): last ascending, first descending."""
    return [c.desc().nulls_first() if desc else c.asc().nulls_last() for c, desc in keys]


def _after(keys: list[tuple[Any, bool]], last: tuple[Any, ...], never_null: int = -1) -> Any:
    """The rows that come after ``last`` (the values of ``keys`` in a row) in the order of
    :func:`_order`: after on the first key, or equal on it and after on the next, and so on.

    The key at index ``never_null`` (the feature id, last of :meth:`_sort_keys`: a layer's
    primary key) holds no NULL, so "after" on it is its range alone: with ``OR id IS NULL``,
    PostgreSQL cannot start the index scan at the cursor and reads every row before it (a
    10,000-feature page of parcels at 64 ms at the start of ``large``, 226 ms at its end)."""
    if len(last) != len(keys):
        raise ProviderInvalidQueryError(user_msg="cursor is not valid")
    clauses: list[Any] = []
    equal: list[Any] = []
    for (column, desc), value in zip(keys, last, strict=True):
        if value is None:
            after = column.isnot(None) if desc else false()
            same = column.is_(None)
        else:
            bound = cast(value if isinstance(value, BindParameter) else literal(value), column.type)
            if desc:
                after = column < bound
            elif len(clauses) == never_null:
                after = column > bound
            else:
                after = or_(column > bound, column.is_(None))
            same = column == bound
        clauses.append(and_(true(), *equal, after))
        equal.append(same)
    return or_(*clauses)
