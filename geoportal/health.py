"""``/healthz``: is the database reachable, and with which PostgreSQL and PostGIS."""

from __future__ import annotations

from django.db import DatabaseError, connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    try:
        with connection.cursor() as cur:
            cur.execute("SELECT current_setting('server_version'), postgis_lib_version()")
            pg_version, postgis_version = cur.fetchone()
    except DatabaseError as exc:
        return JsonResponse(
            {"status": "error", "database": "unreachable", "detail": str(exc).splitlines()[0]},
            status=503,
        )
    return JsonResponse({"status": "ok", "postgresql": pg_version, "postgis": postgis_version})
