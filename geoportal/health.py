"""``/healthz``: is the database reachable, with which PostgreSQL and PostGIS, and how each read
replica is doing (reachable, a standby, how far behind)."""

from __future__ import annotations

from typing import Any

from django.db import DatabaseError, connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from geoportal import replicas


@never_cache
@require_safe
def healthz(request: HttpRequest) -> JsonResponse:
    try:
        with connection.cursor() as cur:
            cur.execute(
                "SELECT current_setting('server_version'), postgis_lib_version(), "
                "CASE WHEN pg_is_in_recovery() THEN NULL ELSE pg_current_wal_lsn()::text END"
            )
            pg_version, postgis_version, primary_lsn = cur.fetchone()
    except DatabaseError as exc:
        return JsonResponse(
            {"status": "error", "database": "unreachable", "detail": str(exc).splitlines()[0]},
            status=503,
        )
    body: dict[str, Any] = {"status": "ok", "postgresql": pg_version, "postgis": postgis_version}
    aliases = replicas.replica_aliases()
    if aliases:
        # A replica down or behind is no error of the service: reads go to the primary then.
        body["replicas"] = {}
        for alias in aliases:
            state = replicas.health(alias, fresh=True)
            report = state.as_dict()
            if state.up and primary_lsn:
                report["replay_lag_bytes"] = max(
                    0, replicas.parse_lsn(primary_lsn) - state.replay_lsn
                )
            body["replicas"][alias] = report
    return JsonResponse(body)
