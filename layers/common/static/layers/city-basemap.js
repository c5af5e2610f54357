// Basemap of the admin's geometry widget: the platform's own vector tiles (the registry layers
// with an ``editor_basemap`` paint, given by the widget options), or an outside XYZ basemap when
// GEOPORTAL_BASEMAP_URL is set.
/* global ol, MapWidget */
(function () {
  "use strict";
  // Django's widget calls the builder without arguments: read the widget options instead.
  function widgetOptions() {
    const script = document.querySelector('script[id$="_mapwidget_options"]');
    return script ? JSON.parse(script.textContent) : {};
  }
  MapWidget.layerBuilder.city = function () {
    const options = widgetOptions();
    if (options.basemap_url) {
      return new ol.layer.Tile({ source: new ol.source.XYZ({ url: options.basemap_url }) });
    }
    const paint = options.basemap_paint || {};
    const styles = {};
    Object.keys(paint).forEach((slug) => {
      const p = paint[slug];
      styles[slug] = new ol.style.Style({
        stroke: p.color ? new ol.style.Stroke({ color: p.color, width: p.weight }) : undefined,
        fill: p.fillColor ? new ol.style.Fill({ color: p.fillColor }) : undefined,
      });
    });
    if (!options.basemap_tiles) {
      return new ol.layer.Tile({});  // no public basemap layer: a blank map
    }
    return new ol.layer.VectorTile({
      source: new ol.source.VectorTile({
        format: new ol.format.MVT({ layerName: "layer" }),
        url: options.basemap_tiles,
        maxZoom: 18,
      }),
      style: function (feature) {
        return styles[feature.get("layer")];
      },
    });
  };
})();
