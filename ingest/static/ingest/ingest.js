// Planners' ingest page: preview map of the first features, and polling of a queued or running
// ingest.
(function () {
  "use strict";
  const data = document.getElementById("preview-data");
  if (data && window.L) {
    const map = L.map("map");
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
    const bounds = layer.getBounds();
    if (bounds.isValid()) map.fitBounds(bounds, { padding: [20, 20] });
    else map.setView([33.59, -7.62], 12);
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
    p.textContent = `lues ${r.read}, créées ${r.created}, modifiées ${r.updated}, inchangées ${r.unchanged}, supprimées ${r.deleted}, rejetées ${r.rejected}, réparées ${r.repaired} (${r.seconds.toFixed(1)} s)`;
    reportEl.append(p);
    const ul = document.createElement("ul");
    for (const [fid, why] of r.examples || []) {
      const li = document.createElement("li");
      li.textContent = `entité ${fid} : ${why}`;
      ul.append(li);
    }
    reportEl.append(ul);
    if (r.report_path) {
      const a = document.createElement("a");
      a.href = section.dataset.reportUrl;
      a.textContent = "Télécharger le rapport (GeoPackage)";
      reportEl.append(a);
    }
  }

  async function poll() {
    const res = await fetch(section.dataset.statusUrl, { credentials: "same-origin" });
    if (!res.ok) return;
    const job = await res.json();
    statusEl.textContent = job.status_display;
    stageEl.textContent = job.stage ? `(${job.stage_name} ${job.done}/${job.total})` : "";
    if (job.status === "running" && job.cancelled_by) {
      stageEl.textContent += ` — annulation demandée par ${job.cancelled_by}`;
    }
    const cancel = document.getElementById("cancel-form");
    if (cancel && job.status !== "running") cancel.hidden = true;
    bar.max = job.total || 1;
    bar.value = job.done;
    showReport(job);
    if (job.status === "running") setTimeout(poll, 1000);
  }
  poll();
})();
