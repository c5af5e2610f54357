"""The admin's geometry widget: Django's OpenLayers widget with OpenLayers served from our own
static files (installed from npm) and a basemap drawn from the platform's own vector tiles (the
registry's ``editor_basemap`` layers), so editing works on a closed network."""

from __future__ import annotations

from typing import Any

from django.contrib.gis.forms.widgets import OpenLayersWidget

from layers.common.basemap import basemap
from layers.common.conf import gis_settings


class CityMapWidget(OpenLayersWidget):
    base_layer = "city"
    template_name = "gis/openlayers.html"

    class Media:
        extend = False  # replace, not add to, the parent's CDN-hosted OpenLayers
        css = {"all": ("vendor/ol/ol.css", "gis/css/ol3.css")}
        js = ("vendor/ol/ol.js", "gis/js/OLMapWidget.js", "layers/city-basemap.js")

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        attrs = dict(attrs or {})
        lon, lat, zoom = gis_settings().get("MAP_CENTER", (-7.6186, 33.5936, 13))
        attrs.setdefault("default_lon", lon)
        attrs.setdefault("default_lat", lat)
        attrs.setdefault("default_zoom", zoom)
        super().__init__(attrs=attrs)

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        """The widget options (read by ``city-basemap.js``) with the registry's editor basemap:
        its vector tiles and each layer's paint."""
        context: dict[str, Any] = super().get_context(name, value, attrs)
        base = basemap(editor=True)
        widget_attrs = context["widget"]["attrs"]
        widget_attrs["basemap_url"] = base["url"] if base["type"] == "xyz" else ""
        widget_attrs["basemap_tiles"] = base.get("tiles") or ""
        widget_attrs["basemap_paint"] = base.get("paint", {})
        return context
