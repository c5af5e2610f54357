// The geoportal's map editor, for planners with a layer's change permission: drawing and vertex
// editing with snapping (Leaflet-Geoman), attribute forms generated from the layer registry,
// saving through the OGC API Features - Part 4 with If-Match (the path QGIS uses), conflicts
// shown field by field and on the map, who else is editing, history and restore, unsaved work
// kept across a reload. No per-layer code: every layer comes from /api/edit/layers.
/* global L */
(function () {
  "use strict";
  const config = JSON.parse(document.getElementById("portal-config").textContent);
  const editor = config.editor;
  if (!editor) return;
  const t = config.strings;
  const lang = config.lang;
  const rtl = config.dir === "rtl";
  const portal = window.casaPortal;
  const map = portal.map;
  const el = portal.el;
  const toLambert = portal.toLambert;
  const locale = config.locale; // the language's numbers and dates (geoportal.language)
  const DRAFT_KEY = "casa-editor-draft:" + editor.user;
  const fmt = (text, values) => text.replace(/\{(\w+)\}/g, (m, k) => (k in values ? values[k] : m));
  const timeOf = (iso) => new Date(iso).toLocaleTimeString(locale, { hour: "2-digit", minute: "2-digit" });
  const dateTimeOf = (iso) => new Date(iso).toLocaleString(locale, { dateStyle: "short", timeStyle: "medium" });

  // Geoman's own words (tooltips while drawing): French and English ship with it, Arabic here.
  if (lang === "ar") {
    map.pm.setLang("ar", {
      tooltips: {
        placeMarker: "انقر لوضع النقطة", firstVertex: "انقر لوضع الرأس الأول",
        continueLine: "انقر لمتابعة الرسم", finishLine: "انقر على رأس موجود للإنهاء",
        finishPoly: "انقر على الرأس الأول للإنهاء", placeCircleMarker: "انقر لوضع النقطة",
      },
      actions: { finish: "إنهاء", cancel: "إلغاء", removeLastVertex: "حذف آخر رأس" },
    }, "en");
  } else {
    map.pm.setLang(lang === "fr" ? "fr" : "en");
  }

  // ---- state -------------------------------------------------------------------------------
  const state = {
    layers: [], // editable layers (from /api/edit/layers)
    settings: {},
    layer: null, // the layer chosen
    id: null, // the feature open (null: a new one)
    etag: null,
    original: null, // {geometry, properties} as read
    active: null, // the Leaflet layer being edited
    splitOff: null, // the second part of a split line, created on save
    undo: [],
    current: null, // snapshot of the geometry and the form
    dirty: false,
    lastSave: null, // {slug, id, created}
    heartbeat: null,
    mode: null, // "split" while waiting for the split point
    hidden: null, // the open feature's own drawing among the loaded ones, taken out while open
  };
  const loaded = new Map(); // slug -> L.GeoJSON of the features in view
  let loadAbort = null;
  const marks = L.layerGroup().addTo(map); // offending areas, districts, other versions

  // ---- panel -------------------------------------------------------------------------------
  const toggle = document.getElementById("edit-toggle");
  const panel = document.getElementById("editor");
  const layerSelect = el("select", { id: "edit-layer" });
  const rulesBox = el("ul", { class: "edit-rules", "aria-label": t.edit_rules });
  const scopeBox = el("p", { class: "edit-scope", hidden: "" });
  const viewNote = el("p", { class: "help edit-view-note", "aria-live": "polite" });
  const snapList = el("div", { class: "snap-layers" });
  const snapDistance = el("input", { type: "number", id: "edit-snap-distance", min: "1", max: "60", value: "20" });
  const buttons = {
    draw: el("button", { type: "button", id: "edit-new", text: t.edit_new }),
    cut: el("button", { type: "button", id: "edit-cut", text: t.edit_cut }),
    split: el("button", { type: "button", id: "edit-split", text: t.edit_split }),
    remove: el("button", { type: "button", id: "edit-delete", class: "danger", text: t.edit_delete }),
    undo: el("button", { type: "button", id: "edit-undo", text: t.edit_undo }),
    undoSave: el("button", { type: "button", id: "edit-undo-save", text: t.edit_undo_save }),
  };
  const vertexX = el("input", { type: "number", id: "edit-vertex-x", step: "0.01", placeholder: "X", "aria-label": "X" });
  const vertexY = el("input", { type: "number", id: "edit-vertex-y", step: "0.01", placeholder: "Y", "aria-label": "Y" });
  const vertexAdd = el("button", { type: "button", id: "edit-vertex-add", text: t.edit_vertex_add });
  const presenceBox = el("p", { class: "edit-presence", id: "edit-presence", role: "status", hidden: "" });
  const title = el("h3", { class: "edit-title", id: "edit-title" });
  const form = el("form", { id: "edit-form", class: "edit-form", novalidate: "" });
  const message = el("p", { id: "edit-message", class: "edit-message", role: "alert" });
  const historyList = el("ol", { class: "edit-history-list", id: "edit-history-list" });
  const historyBox = el("section", { class: "edit-history", id: "edit-history", hidden: "" }, el("h3", { text: t.edit_history }), historyList);
  const featureBox = el("div", { class: "edit-feature", hidden: "" }, title, presenceBox, form);

  panel.append(
    el("h2", { text: t.editor }),
    el("label", { for: "edit-layer", class: "field" }, el("span", { text: t.edit_layer }), layerSelect),
    rulesBox, scopeBox, viewNote,
    el("div", { class: "edit-tools" }, buttons.draw, buttons.cut, buttons.split, buttons.remove),
    el("details", { class: "edit-snap" },
      el("summary", { text: t.edit_snap }), snapList,
      el("label", { for: "edit-snap-distance", class: "field" }, el("span", { text: t.edit_snap_distance }), snapDistance)),
    el("fieldset", { class: "edit-vertex" }, el("legend", { text: t.edit_vertex }), vertexX, vertexY, vertexAdd),
    featureBox, message,
    el("div", { class: "edit-undo" }, buttons.undo, buttons.undoSave),
    el("p", { class: "help", text: t.edit_keys }),
    historyBox,
  );
  const conflict = document.getElementById("edit-conflict");

  function say(text, kind) {
    message.textContent = text || "";
    message.className = "edit-message" + (kind ? " " + kind : "");
  }

  // ---- requests ----------------------------------------------------------------------------
  function itemsUrl(cfg) { return cfg.items; }
  function itemUrl(cfg, id) { return cfg.items + "/" + encodeURIComponent(id); }
  function apiUrl(template, cfg, id) { return template.replace("{slug}", encodeURIComponent(cfg.slug)).replace("{id}", encodeURIComponent(id)); }
  function send(method, url, body, headers) {
    const h = { "X-CSRFToken": editor.csrf, ...(headers || {}) };
    if (body !== undefined) h["Content-Type"] = "application/geo+json";
    return fetch(url, { method, credentials: "same-origin", headers: h, body: body === undefined ? undefined : JSON.stringify(body) });
  }
  async function readFeature(cfg, id) {
    const r = await fetch(itemUrl(cfg, id) + "?f=json&" + inStorageCrs, { credentials: "same-origin", headers: { Accept: "application/geo+json" }, cache: "no-store" });
    if (r.status === 404) return null;
    if (!r.ok) throw new Error(r.status);
    const feature = await r.json();
    return { id, etag: r.headers.get("ETag"), geometry: feature.geometry, properties: feature.properties || {} };
  }
  async function problemOf(response) {
    try { return await response.json(); } catch (err) { return { detail: response.status + " " + response.statusText }; }
  }

  // ---- geometry helpers --------------------------------------------------------------------
  const family = (cfg) => (cfg.geometry_type.includes("Point") ? "point" : cfg.geometry_type.includes("Line") ? "line" : "polygon");
  const drawShape = (cfg) => ({ point: "CircleMarker", line: "Line", polygon: "Polygon" })[family(cfg)];
  const ACTIVE_STYLE = { color: "#d35400", weight: 3, fillColor: "#f5b041", fillOpacity: 0.35, radius: 8 };
  // The editor reads and writes geometries in the storage CRS (Lambert, to the millimetre) and
  // reprojects them itself with proj4js: read in CRS84 at the API's 7 decimals, a parcel saved
  // unchanged would move by up to a centimetre and overlap its neighbours.
  const storageCrs = "<" + editor.storage_crs + ">";
  const inStorageCrs = "crs=" + encodeURIComponent(editor.storage_crs);
  // Each position read is remembered with its stored coordinates: a vertex left where it was, or
  // snapped onto a neighbour's, goes back as the very coordinates stored (proj4js's inverse and
  // forward agree to a few millimetres only).
  const exact = new Map();
  function toLonLat(c) {
    const [lng, lat] = toLambert.inverse([c[0], c[1]]);
    if (exact.size > 500000) exact.clear();
    exact.set(lng + "," + lat, [c[0], c[1]]);
    return [lng, lat];
  }
  function toStorage(c) {
    return exact.get(c[0] + "," + c[1]) || toLambert.forward([c[0], c[1]]);
  }
  function mapCoords(coords, f) {
    return typeof coords[0] === "number" ? f(coords) : coords.map((c) => mapCoords(c, f));
  }
  function lonLatGeometry(geometry) {
    return { type: geometry.type, coordinates: mapCoords(geometry.coordinates, toLonLat) };
  }
  function toLayer(geometry, options) {
    // Leaflet keeps the options it is given on the layer (Geoman makes a cut's result with them):
    // the geometry is reprojected first, so they hold nothing but the style.
    return L.GeoJSON.geometryToLayer({ type: "Feature", geometry: lonLatGeometry(geometry), properties: {} }, {
      pointToLayer: (f, latlng) => L.circleMarker(latlng, options),
      ...options,
    });
  }
  function sameGeometry(a, b) {
    // Equal to the millimetre (the storage CRS as the API writes it).
    const mm = (g) => g && JSON.stringify(mapCoords(g.coordinates, (c) => c.map((v) => Math.round(v * 1000))));
    return Boolean(a && b) && a.type === b.type && mm(a) === mm(b);
  }
  function geometryOf(cfg, layer) {
    let g = layer.toGeoJSON(false).geometry;
    g = { type: g.type, coordinates: mapCoords(g.coordinates, toStorage) };
    const want = cfg.geometry_type;
    if (want.startsWith("Multi") && !g.type.startsWith("Multi")) g = { type: "Multi" + g.type, coordinates: [g.coordinates] };
    else if (!want.startsWith("Multi") && g.type === "Multi" + want && g.coordinates.length === 1) g = { type: want, coordinates: g.coordinates[0] };
    return g;
  }
  function pmOptions() {
    return { snappable: true, snapDistance: Number(snapDistance.value) || 20, allowSelfIntersection: false, snapSegment: true };
  }

  // ---- features in view (to pick and to snap to) -------------------------------------------
  function snapSlugs() {
    return [...snapList.querySelectorAll("input:checked")].map((i) => i.value);
  }
  function buildSnapList() {
    snapList.replaceChildren();
    portal.overlays.forEach((o) => {
      const id = "snap-" + o.info.slug;
      const box = el("input", { type: "checkbox", id, value: o.info.slug });
      box.checked = state.layer && o.info.slug === state.layer.slug;
      box.addEventListener("change", loadInView);
      snapList.append(el("label", { for: id }, box, el("span", { text: o.info.title[lang] || o.info.title.fr })));
    });
  }
  // What the last complete load was of (the view's box and the layers): a move that leaves both
  // as they were (a resize that keeps the bounds to 7 decimals) loads nothing again, so the snap
  // targets are not replaced under a hand that is drawing.
  let loadedView = null;
  async function loadInView(options) {
    if (!portal.modes.editing || !state.layer) return;
    const wanted = new Set([state.layer.slug, ...snapSlugs()]);
    const b = map.getBounds();
    const bbox = [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()].map((v) => v.toFixed(7)).join(",");
    const view = bbox + "|" + [...wanted].join(",");
    if (options && options.ifMoved === true && view === loadedView) return;
    if (loadAbort) loadAbort.abort();
    const controller = (loadAbort = new AbortController());
    loadedView = null;
    loaded.forEach((layer, slug) => { if (!wanted.has(slug)) { map.removeLayer(layer); loaded.delete(slug); } });
    if (map.getZoom() < state.settings.MIN_ZOOM) {
      loaded.forEach((layer) => map.removeLayer(layer));
      loaded.clear();
      viewNote.textContent = fmt(t.edit_zoom_in, { zoom: state.settings.MIN_ZOOM });
      document.body.dataset.editorReady = "zoom";
      return;
    }
    document.body.dataset.editorReady = "loading";
    let tooMany = false;
    try {
      await Promise.all([...wanted].map(async (slug) => {
        const url = "/ogc/collections/" + encodeURIComponent(slug) + "/items?f=json&bbox=" + bbox + "&limit=" + state.settings.MAX_FEATURES + "&" + inStorageCrs;
        const r = await fetch(url, { credentials: "same-origin", headers: { Accept: "application/geo+json" }, signal: controller.signal });
        if (!r.ok) return;
        const data = await r.json();
        if ((data.links || []).some((l) => l.rel === "next")) tooMany = true;
        data.features.forEach((f) => { if (f.geometry) f.geometry = lonLatGeometry(f.geometry); });
        const editable = slug === state.layer.slug;
        const info = portal.overlays.get(slug);
        const colour = info ? info.info.style.color : "#555";
        const layer = L.geoJSON(data, {
          // The layer edited: its features are picked by a click; every layer ticked is snapped to.
          interactive: editable,
          pmIgnore: true,
          snapIgnore: false,
          filter: (f) => !(editable && state.id !== null && String(f.id) === String(state.id)),
          style: () => ({ color: colour, weight: editable ? (family(state.layer) === "line" ? 6 : 2) : 1, opacity: 0.9, fillOpacity: editable ? 0.08 : 0, dashArray: editable ? null : "3 3" }),
          pointToLayer: (f, latlng) => L.circleMarker(latlng, { radius: 5, pmIgnore: true, snapIgnore: false, interactive: editable }),
          onEachFeature: (f, lyr) => {
            lyr.featureId = f.id;
            if (editable) lyr.on("click", (e) => { if (state.mode || map.pm.globalDrawModeEnabled() || map.pm.globalCutModeEnabled()) return; L.DomEvent.stop(e); select(f.id); });
          },
        });
        if (controller.signal.aborted) return;
        if (loaded.has(slug)) map.removeLayer(loaded.get(slug));
        if (editable) state.hidden = null; // the filter left the open feature out
        loaded.set(slug, layer.addTo(map));
      }));
    } catch (err) {
      if (err.name === "AbortError") return;
      throw err;
    }
    viewNote.textContent = tooMany ? t.edit_too_many : t.edit_pick;
    loadedView = view;
    document.body.dataset.editorReady = "true";
  }
  let moveTimer = null;
  map.on("moveend", () => { clearTimeout(moveTimer); moveTimer = setTimeout(() => loadInView({ ifMoved: true }), 250); });

  // ---- the attribute form ------------------------------------------------------------------
  function inputFor(spec) {
    const id = "edit-field-" + spec.name;
    const attrs = { id, name: spec.name, "data-type": spec.type };
    let input;
    if (spec.choices) {
      input = el("select", attrs);
      if (!spec.required) input.append(el("option", { value: "", text: "—" }));
      spec.choices.forEach((c) => input.append(el("option", { value: String(c.value), text: c.label })));
    } else if (spec.type === "boolean") {
      if (spec.nullable) {
        input = el("select", attrs, el("option", { value: "", text: "—" }), el("option", { value: "true", text: t.yes }), el("option", { value: "false", text: t.no }));
      } else {
        input = el("input", { ...attrs, type: "checkbox" });
      }
    } else if (spec.text) {
      input = el("textarea", { ...attrs, rows: "3" });
    } else {
      const type = { integer: "number", number: "number", date: "date", datetime: "datetime-local" }[spec.type] || "text";
      input = el("input", { ...attrs, type });
      if (spec.type === "integer") input.step = "1";
      if (spec.type === "number") input.step = "any";
      if (spec.min !== undefined) input.min = String(spec.min);
      if (spec.max !== undefined) input.max = String(spec.max);
      if (spec.max_length) input.maxLength = spec.max_length;
      if (spec.pattern) input.pattern = spec.pattern;
    }
    if (spec.required) input.required = true;
    input.addEventListener("change", changed);
    input.addEventListener("input", () => clearFieldError(spec.name));
    return input;
  }
  function buildForm(cfg) {
    form.replaceChildren();
    cfg.fields.forEach((spec) => {
      const input = inputFor(spec);
      const label = el("label", { for: input.id }, el("span", { text: spec.label }));
      if (spec.required) label.append(el("abbr", { class: "required", title: t.edit_required, text: " *" }));
      const error = el("p", { class: "field-error", id: input.id + "-error", hidden: "" });
      input.setAttribute("aria-describedby", error.id);
      const row = el("div", { class: "field", "data-field": spec.name }, label, input, error);
      if (spec.help) row.append(el("small", { class: "help", text: spec.help }));
      form.append(row);
    });
    const geomError = el("p", { class: "field-error", id: "edit-field-geometry-error", hidden: "" });
    form.append(el("div", { class: "field", "data-field": "geometry" }, el("span", { class: "label", text: t.edit_geometry }), el("output", { id: "edit-geometry-summary" }), geomError));
    form.append(el("dl", { class: "read-only", id: "edit-read-only" }));
    form.append(el("div", { class: "form-actions" },
      el("button", { type: "submit", class: "primary", id: "edit-save", text: t.edit_save }),
      el("button", { type: "button", id: "edit-cancel", text: t.edit_cancel })));
    form.querySelector("#edit-cancel").addEventListener("click", cancel);
  }
  function fillForm(cfg, props) {
    cfg.fields.forEach((spec) => {
      const input = form.elements[spec.name];
      let value = props[spec.name];
      if (value === undefined && state.id === null) value = spec.default;
      if (input.type === "checkbox") input.checked = value === true;
      else if (value === null || value === undefined) input.value = "";
      else if (spec.type === "datetime") input.value = String(value).slice(0, 16);
      else input.value = String(value);
      // A widget may show less than the value holds (a time to the minute): left as shown, the
      // value goes back as it was read.
      input.dataset.shown = input.type === "checkbox" ? String(input.checked) : input.value;
      input.dataset.value = JSON.stringify(value === undefined ? null : value);
    });
    const dl = form.querySelector("#edit-read-only");
    dl.replaceChildren();
    cfg.read_only.forEach((f) => {
      const v = f.name === "id" ? state.id : props[f.name];
      if (v === null || v === undefined) return;
      const shown = typeof v === "number" && !f.plain ? new Intl.NumberFormat(locale).format(v) : String(v);
      dl.append(el("dt", { text: f.label }), el("dd", { text: shown }));
    });
  }
  function formValues(cfg) {
    const out = {};
    cfg.fields.forEach((spec) => {
      const input = form.elements[spec.name];
      if (input.dataset.shown !== undefined && input.dataset.shown === (input.type === "checkbox" ? String(input.checked) : input.value)) {
        const value = JSON.parse(input.dataset.value);
        if (!(value === null && spec.database_default)) out[spec.name] = value;
        return;
      }
      if (input.type === "checkbox") { out[spec.name] = input.checked; return; }
      const raw = input.value;
      // Empty, where the database sets the value (a report's date): not sent, so it keeps it.
      if (raw === "" && spec.database_default) return;
      if (raw === "") { out[spec.name] = spec.type === "string" && !spec.nullable && !spec.choices ? "" : null; return; }
      if (spec.type === "integer") out[spec.name] = parseInt(raw, 10);
      else if (spec.type === "number") out[spec.name] = Number(raw);
      else if (spec.type === "boolean") out[spec.name] = raw === "true";
      else out[spec.name] = raw;
    });
    return out;
  }
  function clearFieldError(name) {
    const row = form.querySelector('[data-field="' + CSS.escape(name) + '"]');
    if (!row) return;
    const err = row.querySelector(".field-error");
    err.hidden = true; err.textContent = "";
    row.classList.remove("invalid");
    const input = row.querySelector("input, select, textarea");
    if (input) input.removeAttribute("aria-invalid");
  }
  function clearErrors() {
    form.querySelectorAll(".field").forEach((row) => clearFieldError(row.dataset.field));
    say("");
  }
  function fieldError(name, text) {
    const row = form.querySelector('[data-field="' + CSS.escape(name || "geometry") + '"]') || form.querySelector('[data-field="geometry"]');
    const err = row.querySelector(".field-error");
    err.textContent = text; err.hidden = false;
    row.classList.add("invalid");
    const input = row.querySelector("input, select, textarea");
    if (input) { input.setAttribute("aria-invalid", "true"); input.focus(); }
  }

  // ---- the feature being edited ------------------------------------------------------------
  function snapshot() {
    return { geometry: state.active ? geometryOf(state.layer, state.active) : null, properties: formValues(state.layer) };
  }
  function summarise() {
    const out = form.querySelector("#edit-geometry-summary");
    if (!out || !state.active) return;
    const g = geometryOf(state.layer, state.active);
    const count = JSON.stringify(g.coordinates).split("],[").length;
    out.textContent = g.type + " · " + count + " " + (lang === "fr" ? "sommets" : lang === "ar" ? "رؤوس" : "vertices");
  }
  function changed() {
    if (!state.layer || (!state.active && state.id === null)) return;
    const now = snapshot();
    if (state.current && JSON.stringify(now) === JSON.stringify(state.current)) return;
    if (state.current) state.undo.push(state.current);
    state.current = now;
    state.dirty = true;
    buttons.undo.disabled = state.undo.length === 0;
    summarise();
    saveDraft();
  }
  function makeActive(geometry) {
    if (state.active) { state.active.off(); if (state.active.pm) state.active.pm.disable(); map.removeLayer(state.active); }
    state.active = toLayer(geometry, { ...ACTIVE_STYLE, snapIgnore: true, className: "edit-active" });
    state.active.addTo(map);
    watchActive();
  }
  function watchActive() {
    const layer = state.active;
    layer.pm.enable(pmOptions());
    layer.on("pm:edit pm:vertexadded pm:vertexremoved pm:dragend", changed);
  }
  function openFeature(cfg, feature, options) {
    state.id = feature.id === undefined ? null : feature.id;
    state.etag = feature.etag || null;
    state.original = { geometry: feature.geometry, properties: feature.properties };
    state.splitOff = null;
    clearMarks();
    clearErrors();
    featureBox.hidden = false;
    buildForm(cfg);
    if (feature.geometry) makeActive(feature.geometry);
    fillForm(cfg, feature.properties || {});
    title.textContent = state.id === null ? t.edit_new_title : (feature.properties[cfg.label_field] || cfg.title) + " · #" + state.id;
    state.undo = [];
    state.current = snapshot();
    // as opened: undoing back to it leaves nothing unsaved (a draft or a new drawing: never)
    state.initial = options && options.dirty ? null : state.current;
    state.dirty = Boolean(options && options.dirty);
    buttons.undo.disabled = true;
    buttons.remove.disabled = state.id === null;
    buttons.cut.disabled = family(cfg) !== "polygon";
    buttons.split.disabled = family(cfg) !== "line";
    summarise();
    refreshEditLayer();
    if (state.id !== null) { startPresence(); loadHistory(); } else { historyBox.hidden = true; presenceBox.hidden = true; }
    panel.dataset.feature = state.id === null ? "new" : String(state.id);
  }
  function closeFeature() {
    stopPresence();
    if (state.active) { state.active.off(); if (state.active.pm) state.active.pm.disable(); map.removeLayer(state.active); }
    if (state.splitOff) map.removeLayer(state.splitOff);
    state.active = null; state.splitOff = null; state.id = null; state.etag = null; state.original = null;
    state.undo = []; state.current = null; state.dirty = false; state.mode = null;
    featureBox.hidden = true; historyBox.hidden = true;
    clearMarks();
    delete panel.dataset.feature;
    refreshEditLayer();
  }
  function refreshEditLayer() {
    // The feature open is drawn by the editor only, not also from the loaded features: taken out
    // of them while open and put back when closed, without loading them again (a reload while
    // drawing would leave snapping without targets for a moment).
    const layer = state.layer && loaded.get(state.layer.slug);
    if (state.hidden && (!layer || String(state.hidden.featureId) !== String(state.id))) {
      if (layer && !layer.hasLayer(state.hidden)) layer.addLayer(state.hidden);
      state.hidden = null;
    }
    if (!layer || state.id === null || state.hidden) return;
    layer.eachLayer((sub) => {
      if (String(sub.featureId) === String(state.id)) { layer.removeLayer(sub); state.hidden = sub; }
    });
  }
  async function select(id) {
    if (state.dirty && !window.confirm(t.edit_discard)) return;
    const cfg = state.layer;
    closeFeature();
    clearDraft();
    const feature = await readFeature(cfg, id);
    if (!feature) { say(t.edit_gone, "error"); return; }
    openFeature(cfg, feature);
  }
  function cancel() {
    map.pm.disableDraw();
    if (map.pm.globalCutModeEnabled()) map.pm.disableGlobalCutMode();
    closeFeature();
    clearDraft();
    say("");
  }

  // ---- drawing tools -----------------------------------------------------------------------
  buttons.draw.addEventListener("click", () => {
    if (!state.layer) return;
    if (state.dirty && !window.confirm(t.edit_discard)) return;
    closeFeature();
    clearDraft();
    map.pm.enableDraw(drawShape(state.layer), { ...pmOptions(), continueDrawing: false, pathOptions: ACTIVE_STYLE, templineStyle: { color: "#d35400" }, hintlineStyle: { color: "#d35400", dashArray: "4 4" } });
  });
  map.on("pm:create", (e) => {
    if (!portal.modes.editing || !state.layer) return;
    const geometry = geometryOf(state.layer, e.layer);
    map.removeLayer(e.layer);
    openFeature(state.layer, { geometry, properties: {} }, { dirty: true });
    saveDraft();
    const first = form.querySelector("input, select, textarea");
    if (first) first.focus();
  });
  buttons.cut.addEventListener("click", () => {
    if (!state.active || family(state.layer) !== "polygon") return;
    map.pm.enableGlobalCutMode({ ...pmOptions(), layersToCut: [state.active] });
  });
  map.on("pm:cut", (e) => {
    if (!state.active || e.originalLayer !== state.active) return;
    // Geoman replaces the cut layer by a new one: that one is edited from now on.
    const geometry = geometryOf(state.layer, e.layer);
    map.removeLayer(e.layer);
    state.active.off();
    map.removeLayer(state.active);
    state.active = null;
    makeActive(geometry);
    changed();
  });
  buttons.split.addEventListener("click", () => {
    if (!state.active || family(state.layer) !== "line") return;
    state.mode = "split";
    say(t.edit_split_help);
  });
  map.on("click", (e) => {
    if (state.mode !== "split" || !state.active) return;
    state.mode = null;
    splitAt(e.latlng);
  });
  function splitAt(latlng) {
    // The line's vertices, the nearest point on it to the click, and the two parts either side.
    let latlngs = state.active.getLatLngs();
    if (Array.isArray(latlngs[0])) latlngs = latlngs[0];
    const p = map.latLngToLayerPoint(latlng);
    let best = null;
    for (let i = 0; i < latlngs.length - 1; i += 1) {
      const a = map.latLngToLayerPoint(latlngs[i]);
      const b = map.latLngToLayerPoint(latlngs[i + 1]);
      const q = L.LineUtil.closestPointOnSegment(p, a, b);
      const d = q.distanceTo(p);
      if (!best || d < best.d) best = { i, q, d };
    }
    if (!best) return;
    const cut = map.layerPointToLatLng(best.q);
    const first = [...latlngs.slice(0, best.i + 1), cut];
    const second = [cut, ...latlngs.slice(best.i + 1)];
    makeActive(geometryOf(state.layer, L.polyline(first)));
    state.splitOff = L.polyline(second, { color: "#8e44ad", weight: 4, dashArray: "6 4", pmIgnore: true, snapIgnore: true, className: "edit-split-part" }).addTo(map);
    changed();
    say(t.edit_split_done);
  }
  buttons.remove.addEventListener("click", async () => {
    if (state.id === null || !window.confirm(t.edit_delete_confirm)) return;
    const cfg = state.layer;
    const r = await send("DELETE", itemUrl(cfg, state.id), undefined, { "If-Match": state.etag });
    if (r.status === 204) {
      state.lastSave = null;
      closeFeature(); clearDraft(); redrawTiles(cfg); say(t.edit_deleted, "ok");
      return;
    }
    await showProblem(r, cfg);
  });

  // Typing a vertex in Lambert: the drawing tool places it as if clicked there.
  vertexAdd.addEventListener("click", () => {
    const x = Number(vertexX.value);
    const y = Number(vertexY.value);
    if (!state.layer || !vertexX.value || !vertexY.value || !Number.isFinite(x) || !Number.isFinite(y)) return;
    const [lng, lat] = toLambert.inverse([x, y]);
    const latlng = L.latLng(lat, lng);
    const shape = drawShape(state.layer);
    const draw = map.pm.Draw[shape];
    if (!draw || !draw._enabled) { say(t.edit_vertex_help); return; }
    draw._hintMarker._snapped = false;
    draw._hintMarker.setLatLng(latlng);
    if (shape === "CircleMarker") draw._createMarker({ latlng });
    else draw._createVertex({ latlng });
    vertexX.value = ""; vertexY.value = "";
    vertexX.focus();
  });

  // ---- undo --------------------------------------------------------------------------------
  function undo() {
    const drawing = state.layer && map.pm.Draw[drawShape(state.layer)];
    if (drawing && drawing._enabled && drawing._removeLastVertex) { drawing._removeLastVertex(); return; }
    const previous = state.undo.pop();
    if (!previous) return;
    if (previous.geometry) makeActive(previous.geometry);
    fillForm(state.layer, previous.properties);
    state.current = previous;
    state.dirty = JSON.stringify(previous) !== JSON.stringify(state.initial);
    buttons.undo.disabled = state.undo.length === 0;
    summarise();
    saveDraft();
  }
  buttons.undo.addEventListener("click", undo);

  // ---- saving ------------------------------------------------------------------------------
  form.addEventListener("submit", (e) => { e.preventDefault(); save(); });
  async function save(options) {
    const cfg = state.layer;
    if (!cfg || !state.active) return;
    clearErrors();
    if (!form.checkValidity()) { form.reportValidity(); return; }
    const feature = { type: "Feature", geometry: geometryOf(cfg, state.active), properties: formValues(cfg) };
    const creating = state.id === null;
    const headers = { "Content-Crs": storageCrs };
    if (!creating) headers["If-Match"] = (options && options.etag) || state.etag;
    // Attributes alone changed: a PATCH without the geometry, which stays as stored to the bit.
    const shapeKept = !creating && !state.splitOff && state.initial && sameGeometry(feature.geometry, state.initial.geometry);
    const body = shapeKept ? { type: "Feature", properties: feature.properties } : feature;
    const method = creating ? "POST" : shapeKept ? "PATCH" : "PUT";
    const r = await send(method, creating ? itemsUrl(cfg) : itemUrl(cfg, state.id), body, headers);
    if (r.status === 412) { await showConflict(cfg, feature); return; }
    if (!r.ok) { await showProblem(r, cfg); return; }
    let id = state.id;
    if (creating) id = Number((r.headers.get("Location") || "").split("/").pop());
    if (state.splitOff) {
      const part = { type: "Feature", geometry: geometryOf(cfg, state.splitOff), properties: feature.properties };
      const r2 = await send("POST", itemsUrl(cfg), part, { "Content-Crs": storageCrs });
      if (!r2.ok) { await showProblem(r2, cfg); return; }
    }
    await written(cfg, id, creating, t.edit_saved);
  }
  // After a save or a restore: the feature read again (its new ETag), the map redrawn, the write
  // remembered for "undo the last save".
  async function written(cfg, id, created, text) {
    state.lastSave = { slug: cfg.slug, id, created };
    buttons.undoSave.disabled = false;
    clearDraft();
    state.dirty = false;
    closeFeature();
    const fresh = await readFeature(cfg, id);
    if (fresh) openFeature(cfg, fresh);
    redrawTiles(cfg);
    say(text, "ok");
    document.body.dataset.lastSave = String(id);
  }
  function redrawTiles(cfg) {
    const entry = portal.overlays.get(cfg.slug);
    if (entry && map.hasLayer(entry.layer)) entry.layer.redraw();
    loadInView();
  }
  async function showProblem(response, cfg) {
    const problem = await problemOf(response);
    const detail = problem.detail || problem.description || String(response.status);
    if (problem.area) drawMark(problem.area, "edit-offending", { color: "#c0392b", weight: 2, fillColor: "#e74c3c", fillOpacity: 0.6 });
    if (problem.outline) drawMark(problem.outline, "edit-scope-outline", { color: "#6c3483", weight: 3, dashArray: "8 6", fill: false });
    if (problem.errors && Object.keys(problem.errors).length) {
      Object.entries(problem.errors).forEach(([name, msgs]) => fieldError(name, msgs.join(" ")));
      say(t.edit_failed + " : " + detail, "error");
    } else if (problem.field) {
      fieldError(problem.field, detail);
      say(t.edit_failed + " : " + detail, "error");
    } else {
      say(t.edit_failed + " : " + detail, "error");
    }
    // Problem details (``code``) or an OGC API exception (``error``, its ``code`` is OGC's).
    message.dataset.code = problem.error || problem.code || "";
  }
  function drawMark(geometry, className, style, lambert) {
    // Problem areas, outlines and history come in CRS84; a feature read by the editor in Lambert.
    const options = { style: () => style, className, interactive: false, pmIgnore: true, snapIgnore: true };
    L.geoJSON(lambert ? lonLatGeometry(geometry) : geometry, options).addTo(marks);
  }
  function clearMarks() {
    marks.clearLayers();
    if (state.layer && state.layer.scope) drawMark(state.layer.scope.outline, "edit-scope-outline", { color: "#6c3483", weight: 2, dashArray: "8 6", fill: false });
  }

  // ---- conflicts (412): both versions, field by field and on the map -----------------------
  async function showConflict(cfg, mine) {
    const theirs = await readFeature(cfg, state.id);
    if (!theirs) { say(t.edit_gone, "error"); return; }
    const table = conflict.querySelector("tbody");
    table.replaceChildren();
    cfg.fields.forEach((spec) => {
      const a = mine.properties[spec.name];
      const b = theirs.properties[spec.name];
      const named = Object.fromEntries((spec.choices || []).map((c) => [String(c.value), c.label]));
      const show = (v) => (v === null || v === undefined || v === "" ? "—" : v === true ? t.yes : v === false ? t.no : named[String(v)] || String(v));
      const differs = show(a) !== show(b);
      table.append(el("tr", { class: differs ? "differs" : "", "data-field": spec.name },
        el("th", { scope: "row", text: spec.label }), el("td", { class: "mine", text: show(a) }), el("td", { class: "theirs", text: show(b) })));
    });
    const sameShape = sameGeometry(theirs.geometry, mine.geometry);
    table.append(el("tr", { class: sameShape ? "" : "differs", "data-field": "geometry" },
      el("th", { scope: "row", text: t.edit_geometry }), el("td", { class: "mine", text: "■" }), el("td", { class: "theirs", text: "■" })));
    drawMark(theirs.geometry, "edit-theirs", { color: "#c0392b", weight: 3, dashArray: "6 4", fillOpacity: 0.1 }, true);
    conflict.querySelector("#edit-conflict-reload").onclick = () => {
      conflict.close();
      clearDraft();
      closeFeature();
      openFeature(cfg, theirs);
    };
    conflict.querySelector("#edit-conflict-overwrite").onclick = () => {
      conflict.close();
      state.etag = theirs.etag;
      clearMarks();
      save({ etag: theirs.etag });
    };
    conflict.querySelector("#edit-conflict-keep").onclick = () => { conflict.close(); clearMarks(); };
    conflict.show(); // not modal: the map, with both versions drawn, stays in view and usable
    conflict.querySelector("#edit-conflict-reload").focus();
  }

  // ---- who else is editing -----------------------------------------------------------------
  async function ping(method) {
    if (state.id === null) return;
    const url = apiUrl(editor.presence, state.layer, state.id);
    const r = await fetch(url, { method, credentials: "same-origin", headers: { "X-CSRFToken": editor.csrf }, keepalive: method === "DELETE" });
    if (!r.ok || method === "DELETE") return;
    const data = await r.json();
    const lines = data.others.map((o) => fmt(o.kind === "open" ? t.edit_by_open : t.edit_by_saved, { user: o.user, time: timeOf(o.since) }));
    presenceBox.textContent = lines.join(" · ");
    presenceBox.hidden = lines.length === 0;
  }
  function startPresence() {
    stopPresence();
    ping("POST");
    state.heartbeat = setInterval(() => ping("POST"), state.settings.PRESENCE_HEARTBEAT_S * 1000);
  }
  function stopPresence() {
    if (state.heartbeat) clearInterval(state.heartbeat);
    if (state.heartbeat && state.id !== null) ping("DELETE");
    state.heartbeat = null;
    presenceBox.hidden = true;
  }
  window.addEventListener("pagehide", () => { if (state.id !== null) ping("DELETE"); });

  // ---- history and restore -----------------------------------------------------------------
  async function loadHistory() {
    const cfg = state.layer;
    const id = state.id;
    const r = await fetch(apiUrl(editor.history, cfg, id), { credentials: "same-origin", cache: "no-store" });
    if (!r.ok || state.id !== id) return;
    const { versions } = await r.json();
    state.versions = versions;
    historyList.replaceChildren();
    historyBox.hidden = false;
    if (!versions.length) historyList.append(el("li", { text: t.edit_history_none }));
    const labels = Object.fromEntries(cfg.fields.map((f) => [f.name, f.label]));
    labels.geom = t.edit_geometry;
    versions.forEach((v, i) => {
      const what = v.changed.length ? " : " + v.changed.map((n) => labels[n] || n).join(", ") : "";
      const show = el("button", { type: "button", class: "link", text: t.edit_show });
      const restore = el("button", { type: "button", class: "link restore", text: t.edit_restore });
      show.addEventListener("click", () => {
        clearMarks();
        if (v.geometry) drawMark(v.geometry, "edit-version", { color: "#2471a3", weight: 3, dashArray: "2 6", fillOpacity: 0.15 });
      });
      restore.addEventListener("click", () => restoreVersion(v));
      if (i === 0 || v.op === "D" || !v.geometry_storage) restore.disabled = true; // the current one
      historyList.append(el("li", { "data-version": String(v.id) },
        el("time", { datetime: v.at, text: dateTimeOf(v.at) }), " ",
        el("strong", { text: v.actor || t.edit_unknown_actor }), " — ",
        el("span", { text: t["edit_op_" + v.op] + what }), " ", show, restore));
    });
  }
  async function restoreVersion(version) {
    // A new write of that version, attributed to whoever restores it: its coordinates exactly as
    // recorded (in the storage CRS), its attributes as they were.
    const cfg = state.layer;
    const properties = {};
    cfg.fields.forEach((f) => { properties[f.name] = version.properties[f.name] === undefined ? null : version.properties[f.name]; });
    const body = { type: "Feature", geometry: version.geometry_storage, properties };
    const r = await send("PUT", itemUrl(cfg, state.id), body, { "If-Match": state.etag, "Content-Crs": storageCrs });
    if (r.status === 412) { say(t.edit_conflict, "error"); return; }
    if (!r.ok) { await showProblem(r, cfg); return; }
    await written(cfg, state.id, false, t.edit_restored);
  }
  buttons.undoSave.addEventListener("click", async () => {
    const last = state.lastSave;
    if (!last) return;
    const cfg = state.layers.find((l) => l.slug === last.slug);
    if (state.layer !== cfg) return;
    if (state.id !== last.id) { await select(last.id); }
    if (last.created) {
      const r = await send("DELETE", itemUrl(cfg, last.id), undefined, { "If-Match": state.etag });
      if (!r.ok) { await showProblem(r, cfg); return; }
      closeFeature(); redrawTiles(cfg); say(t.edit_deleted, "ok");
    } else {
      await loadHistory();
      const before = (state.versions || [])[1];
      if (before) await restoreVersion(before);
    }
    state.lastSave = null;
    buttons.undoSave.disabled = true;
  });

  // ---- unsaved work survives a reload ------------------------------------------------------
  function saveDraft() {
    if (!state.layer || !state.active) return;
    const draft = { slug: state.layer.slug, id: state.id, etag: state.etag, ...snapshot(), original: state.original, at: new Date().toISOString() };
    try { localStorage.setItem(DRAFT_KEY, JSON.stringify(draft)); } catch (err) { /* storage full or refused: nothing kept */ }
  }
  function clearDraft() { try { localStorage.removeItem(DRAFT_KEY); } catch (err) { /* ignore */ } }
  function readDraft() {
    try { return JSON.parse(localStorage.getItem(DRAFT_KEY) || "null"); } catch (err) { return null; }
  }

  // ---- keyboard ----------------------------------------------------------------------------
  document.addEventListener("keydown", (e) => {
    if (!portal.modes.editing) return;
    const target = e.target;
    const typing = target && (target.tagName === "TEXTAREA" || (target.tagName === "INPUT" && !["checkbox", "radio", "button"].includes(target.type)));
    if (conflict.open) return;
    if (e.key === "Escape") {
      if (map.pm.globalDrawModeEnabled()) { map.pm.disableDraw(); return; }
      if (map.pm.globalCutModeEnabled()) { map.pm.disableGlobalCutMode(); return; }
      if (state.mode) { state.mode = null; say(""); return; }
      if (state.active && (!state.dirty || window.confirm(t.edit_discard))) cancel();
      e.preventDefault();
    } else if (e.key === "Enter" && !e.shiftKey) {
      if (target && (target.closest("form") === form || target.tagName === "BUTTON" || target.tagName === "SELECT" || target.tagName === "TEXTAREA")) return;
      if (state.active) { e.preventDefault(); save(); }
    } else if ((e.ctrlKey || e.metaKey) && !e.shiftKey && e.key.toLowerCase() === "z") {
      if (typing) return; // the field's own undo
      e.preventDefault();
      undo();
    }
  });

  // ---- turning the editor on and off -------------------------------------------------------
  function chooseLayer(slug) {
    if (state.dirty && !window.confirm(t.edit_discard)) { layerSelect.value = state.layer.slug; return; }
    closeFeature();
    clearDraft();
    state.layer = state.layers.find((l) => l.slug === slug) || state.layers[0];
    layerSelect.value = state.layer.slug;
    rulesBox.replaceChildren(...state.layer.rules.map((r) => el("li", { "data-rule": r.name, text: r.label })));
    scopeBox.hidden = !state.layer.scope;
    scopeBox.textContent = state.layer.scope ? fmt(t.edit_scope, { districts: state.layer.scope.districts.join(", ") }) : "";
    const entry = portal.overlays.get(state.layer.slug);
    if (entry && !entry.checkbox.checked) portal.setShown(entry, true);
    buildSnapList();
    clearMarks();
    loadInView();
  }
  layerSelect.addEventListener("change", () => chooseLayer(layerSelect.value));
  snapDistance.addEventListener("change", () => { map.pm.setGlobalOptions(pmOptions()); if (state.active) state.active.pm.enable(pmOptions()); });

  async function start() {
    if (!state.layers.length) {
      const r = await fetch(editor.layers, { credentials: "same-origin", cache: "no-store" });
      if (!r.ok) { say(t.edit_failed, "error"); return; }
      const data = await r.json();
      state.layers = data.layers;
      state.settings = data.settings;
      layerSelect.replaceChildren(...state.layers.map((l) => el("option", { value: l.slug, text: l.title })));
    }
    portal.modes.editing = true;
    portal.measure.stop();
    map.closePopup();
    panel.hidden = false;
    document.body.classList.add("editing");
    map.invalidateSize(); // the panel narrows the map: the first load is of the view it shows
    toggle.setAttribute("aria-pressed", "true");
    toggle.textContent = t.edit_close;
    map.pm.setGlobalOptions(pmOptions());
    buttons.undoSave.disabled = !state.lastSave;
    const draft = readDraft();
    const fromDraft = draft && state.layers.find((l) => l.slug === draft.slug);
    chooseLayer(fromDraft ? draft.slug : (state.layer || state.layers[0]).slug);
    if (fromDraft && draft.geometry) {
      openFeature(state.layer, { id: draft.id, etag: draft.etag, geometry: draft.geometry, properties: draft.properties }, { dirty: true });
      state.original = draft.original || state.original;
      saveDraft();
      say(t.edit_restored_draft, "ok");
    }
  }
  function stop() {
    if (state.dirty && !window.confirm(t.edit_discard)) return;
    cancel();
    loaded.forEach((layer) => map.removeLayer(layer));
    loaded.clear();
    marks.clearLayers();
    portal.modes.editing = false;
    panel.hidden = true;
    document.body.classList.remove("editing");
    toggle.setAttribute("aria-pressed", "false");
    toggle.textContent = t.edit;
    delete document.body.dataset.editorReady;
    map.invalidateSize();
  }
  toggle.addEventListener("click", () => (portal.modes.editing ? stop() : start()));
  // A reload with unsaved work goes straight back to it.
  if (readDraft()) start();
  window.casaEditor = { state, loaded, start, stop, select, save, undo };
})();
