"""Public tiles are the same for every client: their ``Vary`` header should not name ``Cookie``
or ``Accept-Language`` (added by the session and locale middlewares for every response), or a
shared cache or CDN would keep one copy per visitor. Placed first in ``MIDDLEWARE`` so it sees the
response last."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

PUBLIC_TILE_ATTRIBUTE = "public_tile"
PER_CLIENT = {"cookie", "accept-language"}


class PublicTileVaryMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if getattr(response, PUBLIC_TILE_ATTRIBUTE, False) and not response.cookies:
            kept = [
                v.strip()
                for v in response.get("Vary", "").split(",")
                if v.strip() and v.strip().lower() not in PER_CLIENT
            ]
            if kept:
                response["Vary"] = ", ".join(kept)
            elif "Vary" in response:
                del response["Vary"]
        return response
