// Basemap of the admin's geometry widget: the platform's own vector tiles (administrative areas,
// roads, parcels, green spaces), or an outside XYZ basemap when GEOPORTAL_BASEMAP_URL is set.
/* global ol, MapWidget */
(function () {
  "use strict";
  const colours = {
    arrondissements: "#5b2c6f", roads: "#888888", parcels: "#a04000", "green-spaces": "#1e8449",
  };
  // Django's widget calls the builder without arguments: read the widget options instead.
  function basemapUrl() {
    const script = document.querySelector('script[id$="_mapwidget_options"]');
    return script ? JSON.parse(script.textContent).basemap_url || "" : "";
  }
  MapWidget.layerBuilder.city = function () {
    const url = basemapUrl();
    if (url) {
      return new ol.layer.Tile({ source: new ol.source.XYZ({ url: url }) });
    }
    return new ol.layer.VectorTile({
      source: new ol.source.VectorTile({
        format: new ol.format.MVT({ layerName: "layer" }),
        url: "/tiles/arrondissements,roads,parcels,green-spaces/{z}/{x}/{y}.mvt",
        maxZoom: 18,
      }),
      style: function (feature) {
        const colour = colours[feature.get("layer")] || "#666666";
        return new ol.style.Style({
          stroke: new ol.style.Stroke({ color: colour, width: 1 }),
          fill: feature.get("layer") === "green-spaces"
            ? new ol.style.Fill({ color: "rgba(88,214,141,0.4)" }) : undefined,
        });
      },
    });
  };
})();
