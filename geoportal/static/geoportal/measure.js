// Distance and area measurement on the map: geodesic lengths (Leaflet's haversine) and spherical
// polygon areas, so values agree with the database's geography results to a fraction of a percent.
/* global L */
(function () {
  "use strict";
  const EARTH_RADIUS = 6378137;

  function ringArea(latlngs) {
    // Spherical excess of a lon/lat ring (Chamberlain & Duquette), in square metres.
    let total = 0;
    const n = latlngs.length;
    if (n < 3) return 0;
    for (let i = 0; i < n; i++) {
      const p1 = latlngs[i], p2 = latlngs[(i + 1) % n];
      total += (p2.lng - p1.lng) * Math.PI / 180 *
        (2 + Math.sin(p1.lat * Math.PI / 180) + Math.sin(p2.lat * Math.PI / 180));
    }
    return Math.abs(total * EARTH_RADIUS * EARTH_RADIUS / 2);
  }

  function pathLength(map, latlngs) {
    let total = 0;
    for (let i = 1; i < latlngs.length; i++) total += map.distance(latlngs[i - 1], latlngs[i]);
    return total;
  }

  function formatLength(m, locale) {
    const nf = (d) => new Intl.NumberFormat(locale, { maximumFractionDigits: d });
    return m >= 1000 ? nf(2).format(m / 1000) + " km" : nf(1).format(m) + " m";
  }

  function formatArea(m2, locale) {
    const nf = (d) => new Intl.NumberFormat(locale, { maximumFractionDigits: d });
    if (m2 >= 1e6) return nf(3).format(m2 / 1e6) + " km²";
    if (m2 >= 1e4) return nf(2).format(m2 / 1e4) + " ha (" + nf(0).format(m2) + " m²)";
    return nf(1).format(m2) + " m²";
  }

  class Measure {
    constructor(map, opts) {
      this.map = map;
      this.opts = opts; // {locale, strings, onResult(text), onStateChange(mode)}
      this.mode = null;
      this.points = [];
      this.layer = L.layerGroup().addTo(map);
      this._click = (e) => this.add(e.latlng);
      this._key = (e) => {
        if (!this.mode) return;
        if (e.key === "Escape") { this.stop(); }
        else if (e.key === "Enter" && document.activeElement === map.getContainer()) {
          this.add(map.getCenter());
          e.preventDefault();
        }
      };
      this._dbl = (e) => { L.DomEvent.stop(e); this.stop(); };
    }

    start(mode) {
      this.clear();
      this.mode = mode;
      this.map.on("click", this._click);
      this.map.on("dblclick", this._dbl);
      this.map.doubleClickZoom.disable();
      document.addEventListener("keydown", this._key);
      this.map.getContainer().classList.add("measuring");
      this.opts.onStateChange(mode);
    }

    stop() {
      this.mode = null;
      this.map.off("click", this._click);
      this.map.off("dblclick", this._dbl);
      this.map.doubleClickZoom.enable();
      document.removeEventListener("keydown", this._key);
      this.map.getContainer().classList.remove("measuring");
      this.opts.onStateChange(null);
    }

    clear() {
      this.points = [];
      this.layer.clearLayers();
      this.opts.onResult("");
    }

    add(latlng) {
      this.points.push(latlng);
      this.draw();
    }

    value() {
      if (this.mode === "area" || (this.mode === null && this.kind === "area")) {
        return { kind: "area", value: ringArea(this.points) };
      }
      return { kind: "distance", value: pathLength(this.map, this.points) };
    }

    draw() {
      this.kind = this.mode;
      this.layer.clearLayers();
      const style = { color: "#e67e22", weight: 3, dashArray: "6 4", interactive: false };
      if (this.mode === "area" && this.points.length >= 3) {
        L.polygon(this.points, { ...style, fillOpacity: 0.15 }).addTo(this.layer);
      } else if (this.points.length >= 2) {
        L.polyline(this.points, style).addTo(this.layer);
      }
      this.points.forEach((p) => L.circleMarker(p, { radius: 4, color: "#e67e22", interactive: false }).addTo(this.layer));
      const s = this.opts.strings;
      const v = this.value();
      const text = v.kind === "area"
        ? s.area + " : " + formatArea(v.value, this.opts.locale)
        : s.distance + " : " + formatLength(v.value, this.opts.locale);
      this.opts.onResult(this.points.length > 1 ? text : "");
    }
  }

  window.CasaMeasure = { Measure, ringArea, pathLength, formatArea, formatLength };
})();
