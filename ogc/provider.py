"""pygeoapi's PostgreSQL provider, with a capped count.

pygeoapi counts every match for each page (``numberMatched``), a full scan on a million parcels.
Here the count stops at ``count_cap`` (``OGC["COUNT_CAP"]``): past it ``numberMatched`` is left
out, which the standard allows, and paging goes on with ``next`` links since a full page came back.
``resulttype=hits`` still counts exactly: the client asked for that number alone.
"""

from __future__ import annotations

from typing import Any

from pygeoapi.crs import get_transform_from_spec
from pygeoapi.provider.sql import PostgreSQLProvider
from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

# Every engine the providers opened, so that they can be closed (``ogc.api.reset_apis``).
ENGINES: set[Engine] = set()


class CasaPostgreSQLProvider(PostgreSQLProvider):
    def __init__(self, provider_def: dict[str, Any]) -> None:
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
        columns = self._select_properties_clause(select_properties, skip_geometry)
        response: dict[str, Any] = {"type": "FeatureCollection", "features": [],
                                    "numberReturned": 0}  # fmt: skip
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
            transform = get_transform_from_spec(crs_transform_spec)
            page = results.options(columns).order_by(*order_by).offset(offset).limit(limit)
            for item in page:
                response["features"].append(
                    self._sqlalchemy_to_feature(item, transform, select_properties)
                )
            response["numberReturned"] = len(response["features"])
        return response

    def _capped_count(self, session: Session, results: Any) -> int | None:
        """The number of matches, or ``None`` when there are more than ``count_cap``."""
        if not self.count_cap:
            return results.count()
        key = getattr(self.table_model, self.id_field)
        capped = results.with_entities(key).limit(self.count_cap + 1).subquery()
        n = session.execute(select(func.count()).select_from(capped)).scalar_one()
        return n if n <= self.count_cap else None
