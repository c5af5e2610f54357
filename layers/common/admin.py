"""Admin base for every layer: the city map widget, registry-driven search, the database-kept
history (every write path, not only the admin's own log) as the object's History page, and the
writer's edit scope (``layers.common.scopes``) on every save and delete; and the page where edit
scopes are set, per group and layer."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.actions import delete_selected
from django.contrib.admin.utils import unquote
from django.contrib.gis.admin import GISModelAdmin
from django.db import models
from django.db.models import Q
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext, gettext_lazy, ngettext

from layers.common.guards import OutsideEditScope
from layers.common.models import EditScope, Feature, HistoryEntry, LayerVersion
from layers.common.registry import Layer, layer_for_model
from layers.common.scopes import Scope, user_scope
from layers.common.users import AnyUser
from layers.common.widgets import CityMapWidget

# The admin classes are generic over their model for the type checker only (Django's are not
# subscriptable at run time).
if TYPE_CHECKING:
    _FeatureModelAdmin = GISModelAdmin[Feature]
    _ModelAdmin = admin.ModelAdmin[models.Model]
    _FeatureForm = forms.ModelForm[Feature]
    _EditScopeAdmin = admin.ModelAdmin[EditScope]
else:
    _FeatureModelAdmin = GISModelAdmin
    _ModelAdmin = admin.ModelAdmin
    _FeatureForm = forms.ModelForm
    _EditScopeAdmin = admin.ModelAdmin


def _sentence(detail: str) -> str:
    """A refusal's message as the admin words its errors: capital first, full stop last."""
    return f"{detail[:1].upper()}{detail[1:]}."


class FeatureForm(_FeatureForm):
    """The change form of every layer's admin: the feature as stored and as saved must lie in
    the writer's edit scope. A layer admin's own ``form`` subclasses it.

    ``FeatureAdmin.get_form`` makes a subclass per request naming the ``layer`` and the
    ``writer``; the scope is read when the form is checked (a save), not when it is shown."""

    layer: ClassVar[Layer | None] = None
    writer: ClassVar[AnyUser | None] = None

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if self.layer is None or self.writer is None:
            return cleaned
        if "geom" in self.fields and "geom" not in cleaned:
            return cleaned  # no geometry to check: the field has its own error
        scope = user_scope(self.layer, self.writer)
        if scope is None:
            return cleaned
        before = self.instance.geom if self.instance.pk is not None else None
        after = cleaned.get("geom", before)
        try:
            scope.check(before=before, after=None)
        except OutsideEditScope as refusal:
            raise forms.ValidationError(_sentence(refusal.detail), code=refusal.code) from None
        try:
            scope.check(before=None, after=after)
        except OutsideEditScope as refusal:
            self.add_error("geom" if "geom" in self.fields else None, _sentence(refusal.detail))
        return cleaned


class FeatureAdmin(_FeatureModelAdmin):
    # django-stubs narrows gis_widget to OSMWidget; any OpenLayersWidget is what Django takes.
    gis_widget = CityMapWidget  # type: ignore[assignment]
    gis_widget_kwargs: dict[str, Any] = {}
    list_per_page = 50
    show_full_result_count = False  # no COUNT(*) over a million parcels on each page
    readonly_fields: ClassVar[tuple[str, ...]] = ("created_at", "updated_at")
    object_history_template = "admin/layers/feature_history.html"
    form = FeatureForm
    actions = ["delete_selected"]  # the site's, with the writer's edit scope first

    def get_form(
        self, request: HttpRequest, obj: Feature | None = None, change: bool = False, **kwargs: Any
    ) -> type[forms.ModelForm[Feature]]:
        form = super().get_form(request, obj, change, **kwargs)
        if not issubclass(form, FeatureForm):
            return form
        layer = layer_for_model(self.model)
        return type(form.__name__, (form,), {"layer": layer, "writer": request.user})

    def _scope(self, request: HttpRequest) -> Scope | None:
        layer = layer_for_model(self.model)
        return None if layer is None else user_scope(layer, request.user)

    def delete_view(
        self, request: HttpRequest, object_id: str, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        """Django's, once the feature is known to lie in the writer's edit scope; otherwise back
        to its change page with the reason."""
        obj = self.get_object(request, unquote(object_id))
        scope = self._scope(request) if obj is not None else None
        if obj is not None and scope is not None:
            try:
                scope.check(before=obj.geom, after=None)
            except OutsideEditScope as refusal:
                self.message_user(request, _sentence(refusal.detail), messages.ERROR)
                opts = self.model._meta
                url = reverse(
                    f"admin:{opts.app_label}_{opts.model_name}_change",
                    args=[obj.pk],
                    current_app=self.admin_site.name,
                )
                return HttpResponseRedirect(url)
        return super().delete_view(request, object_id, extra_context)

    # Django's words, so its catalogues translate them.
    @admin.action(
        permissions=["delete"], description=gettext_lazy("Delete selected %(verbose_name_plural)s")
    )
    def delete_selected(
        self, request: HttpRequest, queryset: models.QuerySet[Feature]
    ) -> HttpResponse | None:
        """Django's bulk delete, refused (back to the list, with the reason) when any of the
        selected features lies outside the writer's edit scope."""
        scope = self._scope(request)
        if scope is not None:
            outside = queryset.exclude(Q(geom__coveredby=scope.cover)).count()
            if outside:
                some = ngettext(
                    "one lies outside them",
                    "%(count)d of the selected features lie outside them",
                    outside,
                ) % {"count": outside}
                detail = gettext("%(scope)s: %(what)s") % {"scope": scope.label(), "what": some}
                self.message_user(request, _sentence(detail), messages.ERROR)
                return None
        return delete_selected(self, request, queryset)

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
