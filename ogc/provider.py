"""pygeoapi's PostgreSQL provider, with a capped count and reprojection in the database.

pygeoapi counts every match for each page (``numberMatched``), a full scan on a million parcels.
Here the count stops at ``count_cap`` (``OGC["COUNT_CAP"]``): past it ``numberMatched`` is left
out, which the standard allows, and paging goes on with ``next`` links since a full page came back.
``resulttype=hits`` still counts exactly: the client asked for that number alone.

Pages of features are reprojected by PostGIS (``ST_Transform``, then ``ST_AsGeoJSON``) rather
than row by row in Python, with the axis order of the requested CRS (latitude first for
EPSG:4326, longitude first for CRS84).

``query`` is built on private methods of pygeoapi's ``PostgreSQLProvider``: they are declared in
``ogc.compat.PROVIDER_METHODS`` and checked before a provider is built.
"""

from __future__ import annotations

import functools
import json
from typing import Any

import pyproj
from pygeoapi.crs import get_srid
from pygeoapi.provider.base import ProviderInvalidQueryError
from pygeoapi.provider.sql import PostgreSQLProvider
from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Query, Session

from ogc.compat import check_provider_methods

# Every engine the providers opened, so that they can be closed (``ogc.api.reset_apis``).
ENGINES: set[Engine] = set()


class CasaPostgreSQLProvider(PostgreSQLProvider):  # type: ignore[misc]  # pygeoapi: untyped
    def __init__(self, provider_def: dict[str, Any]) -> None:
        check_provider_methods(PostgreSQLProvider)
        super().__init__(provider_def)
        self.count_cap = int(provider_def.get("count_cap") or 0)
        ENGINES.add(self._engine)

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
        select_properties = select_properties or []
        filters = (
            self._get_property_filters(properties or []),
            self._get_cql_filters(filterq),
            self._get_bbox_filter(bbox or []),
            self._get_datetime_filter(datetime_),
        )
        order_by = self._get_order_by_clauses(sortby or [], self.table_model)
        columns = self._select_properties_clause(select_properties, skip_geometry=True)
        geojson = None if skip_geometry else self._geojson_column(crs_transform_spec)
        response: dict[str, Any] = {
            "type": "FeatureCollection",
            "features": [],
            "numberReturned": 0,
        }
        with Session(self._engine) as session:
            results = session.query(self.table_model)
            for clause in filters:
                results = results.filter(clause)
            if resulttype == "hits":
                response["numberMatched"] = results.count()
                return response
            if self.count:
                matched = self._capped_count(session, results)
                if matched is not None:
                    response["numberMatched"] = matched
            page = results.options(columns)
            if geojson is not None:
                page = page.add_columns(geojson)
            for row in page.order_by(*order_by).offset(offset).limit(limit):
                item, geometry = (row[0], row[1]) if geojson is not None else (row, None)
                feature = self._sqlalchemy_to_feature(item, None, select_properties)
                feature["geometry"] = json.loads(geometry) if geometry else None
                response["features"].append(feature)
            response["numberReturned"] = len(response["features"])
        return response

    def _get_datetime_filter(self, datetime_: str | None) -> Any:
        if datetime_ not in (None, "../..") and self.time_field is None:
            raise ProviderInvalidQueryError(user_msg="this collection has no datetime attribute")
        return super()._get_datetime_filter(datetime_)

    def _capped_count(self, session: Session, results: Query[Any]) -> int | None:
        """The number of matches, or ``None`` when there are more than ``count_cap``."""
        if not self.count_cap:
            return results.count()
        key = getattr(self.table_model, self.id_field)
        capped = results.with_entities(key).limit(self.count_cap + 1).subquery()
        n = session.execute(select(func.count()).select_from(capped)).scalar_one()
        return n if n <= self.count_cap else None

    def _geojson_column(self, crs_transform_spec: Any) -> Any:
        """``ST_AsGeoJSON`` of the geometry in the requested CRS (the storage CRS when the spec
        is ``None``)."""
        column = getattr(self.table_model, self.geom)
        if crs_transform_spec is None:
            srid, flip, digits = _output(self.storage_crs)
            return func.ST_AsGeoJSON(column, digits)
        srid, flip, digits = _output(crs_transform_spec.target_crs_uri)
        expr = func.ST_Transform(column, srid)
        if flip:
            expr = func.ST_FlipCoordinates(expr)
        return func.ST_AsGeoJSON(expr, digits)


@functools.lru_cache(maxsize=32)
def _output(crs_uri: str) -> tuple[int, bool, int]:
    """(SRID, whether the CRS puts latitude or northing first, decimals) of an output CRS."""
    crs = pyproj.CRS.from_user_input(crs_uri)
    flip = crs.axis_info[0].direction in ("north", "south")
    return get_srid(crs), flip, (7 if crs.is_geographic else 3)
