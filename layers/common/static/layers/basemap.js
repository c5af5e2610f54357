// The platform's basemap on a Leaflet map, as ``layers.common.basemap.basemap()`` describes it:
// an outside XYZ layer, or the registry's own basemap layers from the platform's vector tiles
// (Leaflet.VectorGrid), each painted as the registry says. Used by the portal and the ingest
// pages; the admin's OpenLayers editor has its own (city-basemap.js).
(function () {
  "use strict";

  // ``pane``: a pane of the map to draw into; without it, Leaflet's tile pane (under overlays).
  window.addCityBasemap = function (map, basemap, pane) {
    const where = pane ? { pane } : {};
    if (basemap.type === "xyz") {
      return L.tileLayer(basemap.url, { ...where, attribution: basemap.attribution, maxZoom: 21 }).addTo(map);
    }
    if (!basemap.layers.length || !L.vectorGrid) return null;
    const styles = {};
    basemap.layers.forEach((slug) => {
      const paint = basemap.paint[slug];
      styles[slug] = (props, zoom) => {
        let weight = paint.weight;
        paint.zoomWeights.forEach(([from, width]) => { if (zoom >= from) weight = width; });
        return {
          stroke: Boolean(paint.color), color: paint.color || undefined, weight, opacity: 1,
          fill: Boolean(paint.fillColor), fillColor: paint.fillColor || undefined, fillOpacity: 1,
        };
      };
    });
    return L.vectorGrid.protobuf(basemap.tiles, {
      ...where,
      className: "basemap",
      rendererFactory: L.canvas.tile,
      vectorTileLayerStyles: styles,
      interactive: false,
      attribution: basemap.attribution,
      maxNativeZoom: 18,
      maxZoom: 21,
    }).addTo(map);
  };
})();
