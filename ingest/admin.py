"""Web ingests in the admin, read-only: who loaded what, when, and how it ended."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib import admin
from django.http import HttpRequest

from .models import IngestJob

# Generic over the model for the type checker only (Django's admin is not subscriptable).
if TYPE_CHECKING:
    _ModelAdmin = admin.ModelAdmin[IngestJob]
else:
    _ModelAdmin = admin.ModelAdmin


@admin.register(IngestJob)
class IngestJobAdmin(_ModelAdmin):
    list_display = ("file_name", "layer", "user", "status", "created_at")
    list_filter = ("status", "layer")
    search_fields = ("file_name", "user__username")
    readonly_fields = [f.name for f in IngestJob._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: IngestJob | None = None) -> bool:
        return False
