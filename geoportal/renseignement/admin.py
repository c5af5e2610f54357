"""Issued notes in the admin: read only (the rows are immutable)."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from geoportal.renseignement.models import Note


@admin.register(Note)
class NoteAdmin(admin.ModelAdmin):
    list_display = ("number", "issued_at", "lang", "parcel_reference", "arrondissement_name")
    list_filter = ("arrondissement_name", "subject_kind", "lang", "issued_at")
    search_fields = ("number", "parcel_reference")
    date_hierarchy = "issued_at"
    exclude = ("geom",)
    readonly_fields = (
        "number", "issued_at", "lang", "subject_kind", "parcel_reference", "arrondissement_code",
        "arrondissement_name", "content", "content_hash", "rules_hash", "content_signature",
        "signing_certificate",
    )  # fmt: skip

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Note | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Note | None = None) -> bool:
        return False
