// Planners' ingest page: preview map of the first features, and polling of a queued or running
// ingest.
(function () {
  "use strict";
  // Under each map, the platform's basemap and, in grey, the features the layer already holds:
  // a file that lands in the wrong place, or over features already loaded, shows it.
  const baseEl = document.getElementById("map-base");
  const base = baseEl ? JSON.parse(baseEl.textContent) : null;
  const storedStyle = { color: "#555", weight: 1, opacity: 0.8, fill: false, radius: 3 };
  function cityMap(div) {
    const map = L.map(div);
    if (!base || !window.addCityBasemap) return map;
    addCityBasemap(map, base.basemap);
    if (base.layer_tiles && L.vectorGrid) {
      L.vectorGrid.protobuf(base.layer_tiles, {
        className: "stored",
        rendererFactory: L.canvas.tile,
        vectorTileLayerStyles: { [base.layer]: storedStyle },
        interactive: false,
        maxNativeZoom: 18,
        maxZoom: 21,
      }).addTo(map);
      // Below the layer's min_zoom its tiles are empty: the map says from which zoom on the
      // grey features show, as the portal's layer list does.
      const note = L.control({ position: "bottomleft" });
      note.onAdd = () => {
        const div = L.DomUtil.create("div", "zoom-note leaflet-bar");
        div.textContent = base.zoom_note;
        div.hidden = true;
        return div;
      };
      note.addTo(map);
      map.on("zoomend moveend load", () => {
        note.getContainer().hidden = map.getZoom() >= base.layer_min_zoom;
      });
    }
    maps.push(map);
    return map;
  }
  const maps = []; // for the page's tests, as window.casaIngest.maps
  window.casaIngest = { maps };

  const data = document.getElementById("preview-data");
  if (data && window.L) {
    const map = cityMap("map");
    const layer = L.geoJSON(JSON.parse(data.textContent), {
      style: { color: "#c30", weight: 2, fillOpacity: 0.2 },
      pointToLayer: (f, latlng) => L.circleMarker(latlng, { radius: 5, color: "#c30" }),
      onEachFeature: (f, l) => {
        const rows = Object.entries(f.properties || {}).map(([k, v]) => {
          const tr = document.createElement("tr");
          const th = document.createElement("th");
          const td = document.createElement("td");
          th.textContent = k;
          td.textContent = v === null ? "" : String(v);
          tr.append(th, td);
          return tr;
        });
        const table = document.createElement("table");
        table.append(...rows);
        l.bindPopup(table);
      },
    }).addTo(map);
    // The whole layer's extent, dashed, from the file's header: the first features are a sample
    // of a large delivery, the extent shows where all of it lies.
    const extentEl = document.getElementById("preview-extent");
    const extent = extentEl ? JSON.parse(extentEl.textContent) : null;
    const bounds = layer.getBounds();
    if (extent) bounds.extend(L.latLngBounds(extent));
    if (bounds.isValid()) map.fitBounds(bounds, { padding: [20, 20] });
    else if (base) map.fitBounds(base.bounds);
    else map.setView([0, 0], 2);
    if (extent) {
      L.rectangle(extent, {
        className: "file-extent", color: "#c30", weight: 1.5, dashArray: "6 4", fill: false, interactive: false,
      }).addTo(map);
    }
  }

  const section = document.getElementById("progress");
  if (!section) return;
  const statusEl = document.getElementById("job-status");
  const stageEl = document.getElementById("job-stage");
  const bar = document.getElementById("job-bar");
  const reportEl = document.getElementById("job-report");

  function showReport(job) {
    reportEl.textContent = "";
    if (job.error) {
      const p = document.createElement("p");
      p.className = "error";
      p.textContent = job.error;
      reportEl.append(p);
    }
    const r = job.report;
    if (!r) return;
    const p = document.createElement("p");
    p.textContent = job.summary; // written by the server, in the page's language
    reportEl.append(p);
    const ul = document.createElement("ul");
    for (const line of job.example_lines || []) {
      const li = document.createElement("li");
      li.textContent = line;
      ul.append(li);
    }
    reportEl.append(ul);
    if (r.report_path) {
      const a = document.createElement("a");
      a.href = section.dataset.reportUrl;
      a.textContent = section.dataset.reportText;
      reportEl.append(a);
    }
  }

  // Once the run is over, its rejected and repaired features on a map of their own.
  const reportColors = { rejected: "#c00", repaired: "#e80" };
  let reportDrawn = false;
  async function drawReport() {
    if (reportDrawn || !window.L) return;
    reportDrawn = true;
    const res = await fetch(section.dataset.reportMapUrl, { credentials: "same-origin" });
    if (!res.ok) return;
    const data = await res.json();
    if (!data.features.length) return;
    const div = document.getElementById("report-map");
    div.hidden = false;
    document.getElementById("report-map-caption").hidden = false;
    const map = cityMap(div);
    const drawn = L.geoJSON(data, {
      style: (f) => ({ color: reportColors[f.properties.kind], weight: 2, fillOpacity: 0.3 }),
      pointToLayer: (f, latlng) =>
        L.circleMarker(latlng, { radius: 5, color: reportColors[f.properties.kind] }),
      onEachFeature: (f, l) => {
        const p = document.createElement("p");
        p.textContent = f.properties.label;
        l.bindPopup(p);
      },
    }).addTo(map);
    map.fitBounds(drawn.getBounds(), { padding: [20, 20], maxZoom: 19 });
  }

  async function poll() {
    const res = await fetch(section.dataset.statusUrl, { credentials: "same-origin" });
    if (!res.ok) return;
    const job = await res.json();
    statusEl.textContent = job.status_display;
    stageEl.textContent = job.stage ? `(${job.stage_name} ${job.progress})` : "";
    if (job.status === "running" && job.cancelled_by) {
      stageEl.textContent += ` — ${job.cancel_note}`;
    }
    const cancel = document.getElementById("cancel-form");
    if (cancel && job.status !== "running") cancel.hidden = true;
    bar.max = job.total || 1;
    bar.value = job.done;
    showReport(job);
    if (job.status === "running") setTimeout(poll, 1000);
    else if (job.report && job.report.report_path) drawReport();
  }
  poll();
})();
