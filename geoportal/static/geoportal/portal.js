// The Casa Urban Platform geoportal: Leaflet map, layer tree from /api/layers, vector tiles,
// popups, search, coordinates, measure, permalink and print. Plain script, no framework.
/* global L, proj4, CasaMeasure, CasaSearch */
(function () {
  "use strict";
  const config = JSON.parse(document.getElementById("portal-config").textContent);
  const t = config.strings;
  const lang = config.lang;
  const rtl = config.dir === "rtl";
  const locale = config.locale; // the language's numbers and dates (geoportal.language)
  const numberFormat = (d) => new Intl.NumberFormat("en-US", { minimumFractionDigits: d, maximumFractionDigits: d, useGrouping: false });

  // ---- map ---------------------------------------------------------------------------------
  const cityBounds = L.latLngBounds(config.bounds);
  const map = L.map("map", {
    zoomControl: false,
    minZoom: 8,
    maxZoom: 21,
    maxBounds: cityBounds.pad(0.5),
    keyboard: true,
    attributionControl: false,
  });
  L.control.zoom({ position: rtl ? "topright" : "topleft", zoomInTitle: t.zoom_in, zoomOutTitle: t.zoom_out }).addTo(map);
  L.control.attribution({ position: rtl ? "bottomleft" : "bottomright", prefix: false }).addTo(map);
  L.control.scale({ position: rtl ? "bottomleft" : "bottomright", imperial: false }).addTo(map);
  map.createPane("basemap").style.zIndex = 150;

  // ---- permalink (hash: #map=zoom/lat/lng&layers=a,b) --------------------------------------
  function readHash() {
    const params = new URLSearchParams(location.hash.replace(/^#/, ""));
    const out = {};
    const view = (params.get("map") || "").split("/").map(Number);
    if (view.length === 3 && view.every(Number.isFinite)) out.view = { zoom: view[0], center: [view[1], view[2]] };
    if (params.has("layers")) out.layers = params.get("layers").split(",").filter(Boolean);
    return out;
  }
  const initial = readHash();
  if (initial.view) map.setView(initial.view.center, initial.view.zoom);
  else map.fitBounds(cityBounds);

  const overlays = new Map(); // slug -> {info, layer, checkbox}
  // Tools that take the map's clicks for themselves (the editor): popups wait while one is on.
  const modes = { editing: false };
  function shownSlugs() {
    return [...overlays.values()].filter((o) => o.checkbox.checked).map((o) => o.info.slug);
  }
  function permalink() {
    const c = map.getCenter();
    const z = map.getZoom();
    const d = Math.max(4, Math.ceil(Math.log2(Math.max(z, 1))) + 2);
    return "map=" + z + "/" + c.lat.toFixed(d) + "/" + c.lng.toFixed(d) + "&layers=" + shownSlugs().join(",");
  }
  function writeHash() {
    if (!overlays.size) return;
    history.replaceState(null, "", "#" + permalink());
  }
  map.on("moveend", writeHash);

  // ---- the layer tree, over the basemap ----------------------------------------------------
  fetch(config.api.layers, { credentials: "same-origin" })
    .then((r) => { if (!r.ok) throw new Error(r.status); return r.json(); })
    .then(buildTree)
    .catch(() => { document.getElementById("layer-tree").textContent = t.search_error; });

  // ---- layer styles ------------------------------------------------------------------------
  function styleFor(info) {
    const s = info.style;
    // VectorGrid 1.3 passes (properties, zoom) only: the geometry kind comes from the registry.
    const dim = info.geometry_type.includes("Point") ? 1 : info.geometry_type.includes("Line") ? 2 : 3;
    return (props) => {
      const colour = (s.by && s.categories[props[s.by]]) || s.color;
      const fillColour = (s.by && s.categories[props[s.by]]) || s.fillColor;
      if (dim === 1) {
        return { radius: s.radius, fill: true, fillColor: fillColour, fillOpacity: s.fillOpacity, color: "#ffffff", weight: 1 };
      }
      if (dim === 2) return { color: colour, weight: s.weight, dashArray: s.dashArray || null };
      return {
        color: colour, weight: s.weight, dashArray: s.dashArray || null,
        fill: s.fillOpacity > 0, fillColor: fillColour, fillOpacity: s.fillOpacity,
      };
    };
  }

  function zIndexFor(info, order) {
    if (info.geometry_type.includes("Point")) return 300 + order;
    if (info.geometry_type.includes("Line")) return 200 + order;
    return 100 + order;
  }

  function makeLayer(info, order) {
    const styles = {};
    styles[info.slug] = styleFor(info);
    const layer = L.vectorGrid.protobuf(info.tiles, {
      rendererFactory: L.svg.tile,
      vectorTileLayerStyles: styles,
      interactive: true,
      // The id travels once, as the MVT feature id; the popup reads it from the properties.
      getFeatureId: (f) => {
        f.properties.id = f.id;
        return f.id;
      },
      minZoom: info.min_zoom,
      maxZoom: 21,
      maxNativeZoom: Math.min(info.max_zoom, 20),
      zIndex: zIndexFor(info, order),
      className: "overlay overlay-" + info.slug,
      attribution: info.attribution ? escapeText(info.attribution) : "",
    });
    layer.on("click", (e) => {
      // While measuring, a click on a feature is a measure point: the event goes on to the map.
      if (measure.mode || modes.editing) return;
      L.DomEvent.stop(e);
      openPopup(info, e.layer.properties || {}, e.latlng);
    });
    return layer;
  }

  function escapeText(text) {
    const div = document.createElement("div");
    div.textContent = text;
    return div.innerHTML;
  }

  // ---- layer tree --------------------------------------------------------------------------
  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    Object.entries(attrs || {}).forEach(([k, v]) => {
      if (k === "text") node.textContent = v;
      else if (k === "class") node.className = v;
      else node.setAttribute(k, v);
    });
    children.forEach((c) => c && node.append(c));
    return node;
  }

  function legendList(info) {
    const ul = el("ul", { class: "legend", "aria-label": t.legend + " — " + info.title[lang] });
    info.legend.forEach((entry) => {
      const sw = el("span", { class: "swatch " + entry.kind, "aria-hidden": "true" });
      sw.style.borderColor = entry.color;
      if (entry.kind !== "line") sw.style.background = entry.kind === "point" || info.style.fillOpacity > 0 ? entry.color + "66" : "transparent";
      ul.append(el("li", {}, sw, el("span", { text: entry.label })));
    });
    return ul;
  }

  function buildTree(tree) {
    addCityBasemap(map, tree.basemap, "basemap");
    const root = document.getElementById("layer-tree");
    root.replaceChildren();
    const wanted = initial.layers ? new Set(initial.layers) : null;
    let order = 0;
    tree.themes.forEach((theme) => {
      const details = el("details", { open: "" }, el("summary", { text: theme.title[lang] || theme.title.fr }));
      theme.layers.forEach((info) => {
        order += 1;
        const id = "layer-" + info.slug;
        const checkbox = el("input", { type: "checkbox", id, "data-slug": info.slug });
        const label = el("label", { for: id }, checkbox, el("span", { text: info.title[lang] || info.title.fr }));
        if (info.internal) label.append(el("span", { class: "badge", text: t.internal }));
        const slider = el("input", { type: "range", min: "0", max: "100", value: "100", id: id + "-opacity" });
        const opacity = el("label", { class: "opacity", for: id + "-opacity" }, el("span", { text: t.opacity }), slider);
        const zoomNote = el("div", { class: "zoom-note", text: t.visible_from_zoom + " " + info.min_zoom });
        // aria-busy: some of the layer's tiles in view are still being fetched and drawn.
        const item = el("div", { class: "layer-item", "data-slug": info.slug, "aria-busy": "false" }, label, zoomNote, opacity, legendList(info));
        item.title = info.description[lang] || info.description.fr || "";
        details.append(item);
        const layer = makeLayer(info, order);
        const pending = new Set();
        const tileKey = (e) => e.coords.x + ":" + e.coords.y + ":" + e.coords.z;
        const busy = () => item.setAttribute("aria-busy", String(pending.size > 0));
        layer.on("tileloadstart", (e) => { pending.add(tileKey(e)); busy(); });
        layer.on("tileload tileerror tileunload", (e) => { pending.delete(tileKey(e)); busy(); });
        const entry = { info, layer, checkbox, zoomNote };
        overlays.set(info.slug, entry);
        checkbox.checked = wanted ? wanted.has(info.slug) : info.visible;
        entry.item = item;
        setShown(entry, checkbox.checked);
        checkbox.addEventListener("change", () => { setShown(entry, checkbox.checked); writeHash(); });
        slider.addEventListener("input", () => layer.setOpacity(Number(slider.value) / 100));
      });
      root.append(details);
    });
    updateZoomNotes();
    writeHash();
    // The tree is built and every shown layer has asked for its tiles (each item is aria-busy
    // until they are drawn).
    document.body.dataset.layersReady = "true";
  }

  function setShown(entry, shown) {
    entry.checkbox.checked = shown;
    entry.item.classList.toggle("on", shown);
    if (shown) entry.layer.addTo(map); else map.removeLayer(entry.layer);
  }

  function updateZoomNotes() {
    const z = map.getZoom();
    overlays.forEach((o) => { o.zoomNote.hidden = z >= o.info.min_zoom; });
  }
  map.on("zoomend", updateZoomNotes);

  // ---- popups ------------------------------------------------------------------------------
  function displayValue(info, key, value) {
    if (value === true) return t.yes;
    if (value === false) return t.no;
    const coded = info.choices && info.choices[key];
    // Coded values by the display names the models give them (French), as in the legend.
    if (coded && coded[value]) return coded[value];
    // Quantities as the page's language writes numbers ("1.242,03" in French); identifiers and
    // years as they are (the layer's plain_numbers).
    if (typeof value === "number" && !(info.plain_numbers || []).includes(key)) {
      return new Intl.NumberFormat(locale, { maximumFractionDigits: 2 }).format(value);
    }
    return String(value);
  }

  function propertyTable(info, props) {
    const table = el("table");
    Object.entries(props).forEach(([key, value]) => {
      if (value === null || value === undefined || value === "") return;
      const label = config.field_labels[key] || key;
      table.append(el("tr", {}, el("th", { scope: "row", text: label }), el("td", { text: displayValue(info, key, value) })));
    });
    return table;
  }

  function openPopup(info, props, latlng) {
    const title = props[info.label_field] || info.title[lang];
    const box = el("div", { class: "feature-popup", "data-layer": info.slug });
    box.append(el("h3", { text: String(title) }), el("div", { class: "layer-name", text: info.title[lang] }));
    const table = propertyTable(info, props);
    box.append(table);
    const actions = el("div", { class: "popup-actions" });
    if (props.id !== undefined) {
      const itemUrl = config.ogc + "/" + encodeURIComponent(info.slug) + "/items/" + encodeURIComponent(props.id);
      actions.append(el("a", { href: itemUrl, class: "ogc-link", target: "_blank", rel: "noopener", text: t.details }));
      // The full attributes come from the OGC API item (the tiles carry only a few).
      fetch(itemUrl + "?f=json", { credentials: "same-origin" })
        .then((r) => (r.ok ? r.json() : null))
        .then((feature) => { if (feature && feature.properties) table.replaceWith(propertyTable(info, { id: props.id, ...feature.properties })); })
        .catch(() => {});
    }
    if (info.slug === "parcels" && props.reference) {
      actions.append(el("a", {
        href: config.renseignement + "?parcel=" + encodeURIComponent(props.reference),
        class: "primary renseignement-link", text: t.renseignement,
      }));
    }
    box.append(actions);
    L.popup({ maxWidth: 340, autoPanPaddingTopLeft: [20, 80] }).setLatLng(latlng).setContent(box).openOn(map);
  }

  // ---- search ------------------------------------------------------------------------------
  let highlight = null;
  CasaSearch.setupSearch({
    input: document.getElementById("search-input"),
    list: document.getElementById("search-results"),
    status: document.getElementById("search-status"),
    url: config.api.search,
    minChars: config.search_min_chars,
    strings: t,
    onSelect(hit) {
      const [w, s, e, n] = hit.bbox;
      if (highlight) map.removeLayer(highlight);
      const bounds = L.latLngBounds([s, w], [n, e]);
      const entry = overlays.get(hit.layer);
      if (entry && !entry.checkbox.checked) { setShown(entry, true); }
      if (w === e && s === n) {
        highlight = L.circleMarker([s, w], { radius: 12, color: "#e67e22", weight: 3, fill: false, interactive: false }).addTo(map);
        map.flyTo([s, w], 18, { duration: 0.8 });
      } else {
        highlight = L.rectangle(bounds, { color: "#e67e22", weight: 3, fill: false, dashArray: "6 4", interactive: false }).addTo(map);
        map.flyToBounds(bounds, { maxZoom: 18, padding: [40, 40], duration: 0.8 });
      }
      // Said when the map has arrived (and the permalink is written), not when the flight starts.
      map.once("moveend", () => { document.body.dataset.lastSearch = hit.label; });
    },
  });

  // ---- coordinates under the cursor --------------------------------------------------------
  proj4.defs(config.lambert.code, config.lambert.proj4);
  const toLambert = proj4("EPSG:4326", config.lambert.code);
  const wgsOut = document.getElementById("coords-wgs84");
  const lambertOut = document.getElementById("coords-lambert");
  function showCoords(latlng) {
    wgsOut.textContent = numberFormat(5).format(latlng.lat) + "° N, " + numberFormat(5).format(-latlng.lng) + "° W";
    if (latlng.lng > 0) wgsOut.textContent = numberFormat(5).format(latlng.lat) + "°, " + numberFormat(5).format(latlng.lng) + "°";
    const [x, y] = toLambert.forward([latlng.lng, latlng.lat]);
    lambertOut.textContent = "X " + numberFormat(1).format(x) + "  Y " + numberFormat(1).format(y);
  }
  map.on("mousemove", (e) => showCoords(e.latlng));
  map.on("moveend", () => { if (document.activeElement === map.getContainer()) showCoords(map.getCenter()); });
  map.getContainer().addEventListener("focus", () => showCoords(map.getCenter()));

  // ---- measure -----------------------------------------------------------------------------
  const distanceBtn = document.getElementById("measure-distance");
  const areaBtn = document.getElementById("measure-area");
  const measureHelp = document.getElementById("measure-help");
  const measureOut = document.getElementById("measure-result");
  const measure = new CasaMeasure.Measure(map, {
    locale, strings: t,
    onResult: (text) => { measureOut.textContent = text; },
    onStateChange: (mode) => {
      distanceBtn.setAttribute("aria-pressed", String(mode === "distance"));
      areaBtn.setAttribute("aria-pressed", String(mode === "area"));
      measureHelp.hidden = !mode;
    },
  });
  distanceBtn.addEventListener("click", () => (measure.mode === "distance" ? measure.stop() : measure.start("distance")));
  areaBtn.addEventListener("click", () => (measure.mode === "area" ? measure.stop() : measure.start("area")));
  document.getElementById("measure-clear").addEventListener("click", () => { measure.stop(); measure.clear(); });

  // A click away from any feature: its coordinates and the planning information at that point.
  map.on("click", (e) => {
    if (measure.mode || modes.editing) return;
    const { lat, lng } = e.latlng;
    const [x, y] = toLambert.forward([lng, lat]);
    const box = el("div", { class: "point-popup" },
      el("h3", { text: t.coordinates }),
      el("div", { text: "WGS 84 : " + numberFormat(6).format(lat) + ", " + numberFormat(6).format(lng) }),
      el("div", { text: t.lambert + " : X " + numberFormat(1).format(x) + " Y " + numberFormat(1).format(y) }),
      el("div", { class: "popup-actions" }, el("a", {
        class: "primary renseignement-link",
        href: config.renseignement + "?lon=" + numberFormat(6).format(lng) + "&lat=" + numberFormat(6).format(lat),
        text: t.renseignement_here,
      })));
    L.popup({ maxWidth: 320 }).setLatLng(e.latlng).setContent(box).openOn(map);
  });

  // ---- permalink, print, panel, language ---------------------------------------------------
  const toolStatus = document.getElementById("tool-status");
  document.getElementById("permalink").addEventListener("click", async () => {
    writeHash();
    const url = location.href;
    try { await navigator.clipboard.writeText(url); toolStatus.textContent = t.permalink_copied; }
    catch (err) { toolStatus.textContent = url; }
  });
  document.getElementById("print").addEventListener("click", () => window.print());
  window.addEventListener("beforeprint", () => {
    document.getElementById("print-date").textContent = new Date().toLocaleString(locale);
    const legend = document.getElementById("print-legend");
    legend.replaceChildren();
    const ul = el("ul");
    overlays.forEach((o) => { if (o.checkbox.checked) ul.append(el("li", {}, legendList(o.info), el("span", { text: o.info.title[lang] }))); });
    legend.append(ul);
    map.invalidateSize();
  });
  window.addEventListener("afterprint", () => map.invalidateSize());

  const panel = document.getElementById("panel");
  const toggle = document.getElementById("panel-toggle");
  function setPanel(open) {
    panel.classList.toggle("open", open);
    toggle.setAttribute("aria-expanded", String(open));
    toggle.textContent = open ? t.close : t.show_layers;
  }
  toggle.addEventListener("click", () => setPanel(!panel.classList.contains("open")));
  panel.addEventListener("keydown", (e) => {
    if (e.key === "Escape" && panel.classList.contains("open")) { setPanel(false); toggle.focus(); }
  });

  // Keep the view and layers when the language changes.
  document.querySelectorAll(".lang-switch").forEach((form) => form.addEventListener("submit", () => {
    form.querySelector('input[name="next"]').value = location.pathname + location.search + location.hash;
  }));

  window.casaPortal = { map, overlays, measure, permalink, modes, setShown, el, toLambert, numberFormat };
})();
