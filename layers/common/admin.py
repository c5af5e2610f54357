"""Admin base for every layer: the city map widget, registry-driven search, and the database-kept
history (every write path, not only the admin's own log) as the object's History page; and the
page where edit scopes are set, per group and layer."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from django.contrib import admin
from django.contrib.gis.admin import GISModelAdmin
from django.db import models
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse

from layers.common.models import EditScope, Feature, HistoryEntry, LayerVersion
from layers.common.registry import layer_for_model
from layers.common.widgets import CityMapWidget

# The admin classes are generic over their model for the type checker only (Django's are not
# subscriptable at run time).
if TYPE_CHECKING:
    _FeatureModelAdmin = GISModelAdmin[Feature]
    _ModelAdmin = admin.ModelAdmin[models.Model]
    _EditScopeAdmin = admin.ModelAdmin[EditScope]
else:
    _FeatureModelAdmin = GISModelAdmin
    _ModelAdmin = admin.ModelAdmin
    _EditScopeAdmin = admin.ModelAdmin


class FeatureAdmin(_FeatureModelAdmin):
    # django-stubs narrows gis_widget to OSMWidget; any OpenLayersWidget is what Django takes.
    gis_widget = CityMapWidget  # type: ignore[assignment]
    gis_widget_kwargs: dict[str, Any] = {}
    list_per_page = 50
    show_full_result_count = False  # no COUNT(*) over a million parcels on each page
    readonly_fields: ClassVar[tuple[str, ...]] = ("created_at", "updated_at")
    object_history_template = "admin/layers/feature_history.html"

    def get_search_fields(self, request: HttpRequest) -> tuple[str, ...]:
        if self.search_fields:
            return tuple(self.search_fields)
        layer = layer_for_model(self.model)
        return tuple(layer.options.search_fields) if layer else ()

    def history_view(
        self, request: HttpRequest, object_id: str, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        obj = get_object_or_404(self.model, pk=object_id)
        if not self.has_view_or_change_permission(request, obj):
            return super().history_view(request, object_id, extra_context)
        entries = HistoryEntry.objects.filter(
            table_name=self.model._meta.db_table, row_id=obj.pk
        ).order_by("-at", "-id")[:200]
        rows = []
        for entry in entries:
            old, new = entry.old or {}, entry.new or {}
            changed = sorted(k for k in set(old) | set(new) if old.get(k) != new.get(k))
            changed = [k for k in changed if k not in ("updated_at", "created_at")]
            rows.append({"entry": entry, "changed": changed})
        context = {
            **self.admin_site.each_context(request),
            "title": f"History: {obj}",
            "subtitle": None,
            "object": obj,
            "opts": self.model._meta,
            "rows": rows,
            **(extra_context or {}),
        }
        return TemplateResponse(request, self.object_history_template, context)


class ReadOnlyAdmin(_ModelAdmin):
    """Rows written only by the database's triggers: shown, never added, changed or deleted."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(HistoryEntry)
class HistoryEntryAdmin(ReadOnlyAdmin):
    list_display = ("at", "table_name", "row_id", "op", "actor")
    list_filter = ("table_name", "op")
    search_fields = ("actor",)
    date_hierarchy = "at"
    show_full_result_count = False


@admin.register(LayerVersion)
class LayerVersionAdmin(ReadOnlyAdmin):
    list_display = ("table_name", "version", "changed_at")


@admin.register(EditScope)
class EditScopeAdmin(_EditScopeAdmin):
    """Edit scopes: the districts inside which a group may edit a layer. A group without a
    scope for a layer edits it everywhere (``layers.common.scopes``)."""

    list_display = ("group", "layer", "district_names")
    list_filter = ("layer", "group")
    list_select_related = ("group",)
    filter_horizontal = ("districts",)
    search_fields = ("group__name", "districts__name_fr")

    def get_queryset(self, request: HttpRequest) -> models.QuerySet[EditScope]:
        return super().get_queryset(request).prefetch_related("districts")

    @admin.display(description="districts")
    def district_names(self, scope: EditScope) -> str:
        return ", ".join(sorted(d.name_fr for d in scope.districts.all()))
