"""Web ingests in the admin, read-only: who loaded what, when, and how it ended."""

from django.contrib import admin

from .models import IngestJob


@admin.register(IngestJob)
class IngestJobAdmin(admin.ModelAdmin):
    list_display = ("file_name", "layer", "user", "status", "created_at")
    list_filter = ("status", "layer")
    search_fields = ("file_name", "user__username")
    readonly_fields = [f.name for f in IngestJob._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
