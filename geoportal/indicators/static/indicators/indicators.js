/* The city in figures: a choropleth of the chosen indicator (quantile classes), a ranked bar
   chart (Chart.js) and a card per arrondissement, from the platform's own
   /api/indicators/arrondissements(.geojson). The chosen indicator is in the address
   (?indicator=key), so the address is the permalink. */
(function () {
  "use strict";
  const data = JSON.parse(document.getElementById("indicators-data").textContent);
  const config = JSON.parse(document.getElementById("indicators-config").textContent);
  const words = config.words;
  const rtl = config.dir === "rtl";
  const byKey = Object.fromEntries(data.indicators.map((ind) => [ind.key, ind]));
  const PALETTE = ["#f1eef6", "#bdc9e1", "#74a9cf", "#2b8cbe", "#045a8d"]; // light = low
  const NO_DATA = "#d5d8dc";
  const locale = config.locale; // geoportal.language.BROWSER_LOCALES: as the server writes numbers
  let chosen = byKey[config.chosen] ? config.chosen : data.indicators[0].key;
  let chart = null;
  let layer = null;

  function fmt(value, ind) {
    if (value === null || value === undefined) return words.no_data;
    return new Intl.NumberFormat(locale, {
      maximumFractionDigits: ind.decimals, minimumFractionDigits: 0,
    }).format(value);
  }

  /* Quantile classes: up to five classes holding as many arrondissements each; ``breaks``
     are the upper bounds. */
  function quantileBreaks(values, k) {
    const sorted = values.filter((v) => v !== null && v !== undefined).sort((a, b) => a - b);
    if (!sorted.length) return [];
    const breaks = [];
    for (let i = 1; i <= k; i += 1) {
      const b = sorted[Math.min(sorted.length - 1, Math.ceil((i * sorted.length) / k) - 1)];
      if (!breaks.length || b > breaks[breaks.length - 1]) breaks.push(b);
    }
    return breaks;
  }

  function classOf(value, breaks) {
    if (value === null || value === undefined) return -1;
    for (let i = 0; i < breaks.length; i += 1) if (value <= breaks[i]) return i;
    return breaks.length - 1;
  }

  function colour(cls, n) {
    if (cls < 0) return NO_DATA;
    // spread the classes over the palette when there are fewer than five
    const idx = n <= 1 ? PALETTE.length - 1 : Math.round((cls * (PALETTE.length - 1)) / (n - 1));
    return PALETTE[idx];
  }

  const map = L.map("indicator-map", { zoomSnap: 0.25, attributionControl: true });
  map.attributionControl.setPrefix(false);
  map.fitBounds(config.bounds);

  function valuesOf(key) {
    return data.arrondissements.map((a) => a.values[key]);
  }

  function renderLegend(ind, breaks) {
    const box = document.getElementById("legend");
    box.replaceChildren();
    const title = document.createElement("p");
    title.className = "legend-title";
    title.textContent = `${ind.label} (${ind.unit})`;
    const method = document.createElement("p");
    method.className = "legend-method";
    method.textContent = words.classes;
    const list = document.createElement("ul");
    let low = Math.min(...valuesOf(ind.key).filter((v) => v !== null));
    breaks.forEach((b, i) => {
      const li = document.createElement("li");
      const sw = document.createElement("span");
      sw.className = "swatch";
      sw.style.background = colour(i, breaks.length);
      const text = document.createElement("span");
      text.textContent = `${fmt(low, ind)} – ${fmt(b, ind)}`;
      li.append(sw, text);
      list.append(li);
      low = b;
    });
    if (valuesOf(ind.key).some((v) => v === null)) {
      const li = document.createElement("li");
      const sw = document.createElement("span");
      sw.className = "swatch";
      sw.style.background = NO_DATA;
      const text = document.createElement("span");
      text.textContent = words.no_data;
      li.append(sw, text);
      list.append(li);
    }
    box.append(title, method, list);
  }

  function renderMap(ind, breaks) {
    if (!layer) return;
    layer.eachLayer((feature) => {
      const a = feature.feature;
      const value = data.arrondissements.find((x) => x.id === a.id).values[ind.key];
      feature.setStyle({
        fillColor: colour(classOf(value, breaks), breaks.length),
        fillOpacity: 0.85, color: "#5b2c6f", weight: 1.2,
      });
      feature.unbindTooltip();
      feature.bindTooltip(`${a.properties.name}: ${fmt(value, ind)} ${ind.unit}`, { sticky: true });
    });
  }

  function ranked(ind) {
    return data.arrondissements
      .map((a) => ({ a, v: a.values[ind.key] }))
      .sort((x, y) => (y.v ?? -Infinity) - (x.v ?? -Infinity));
  }

  function renderChart(ind, breaks) {
    const rows = ranked(ind);
    const labels = rows.map((r) => r.a.name);
    const values = rows.map((r) => r.v);
    const colours = rows.map((r) => colour(classOf(r.v, breaks), breaks.length));
    if (chart) chart.destroy();
    chart = new Chart(document.getElementById("ranking"), {
      type: "bar",
      data: { labels, datasets: [{ label: `${ind.label} (${ind.unit})`, data: values,
        backgroundColor: colours, borderColor: "#34495e", borderWidth: 1 }] },
      options: {
        indexAxis: "y", responsive: true, maintainAspectRatio: false, animation: false,
        locale,
        plugins: {
          legend: { display: false },
          tooltip: { rtl, callbacks: { label: (c) => `${fmt(c.raw, ind)} ${ind.unit}` } },
        },
        scales: {
          x: { reverse: rtl, beginAtZero: true, ticks: { callback: (v) => fmt(v, ind) } },
          y: { position: rtl ? "right" : "left", ticks: { autoSkip: false } },
        },
      },
    });
  }

  function renderCards(ind) {
    const list = document.getElementById("cards");
    const rows = ranked(ind);
    rows.forEach((r, i) => {
      const card = list.querySelector(`[data-id="${r.a.id}"]`);
      card.querySelector(".rank").textContent = `${words.rank} ${i + 1}/${rows.length} ·`;
      card.querySelector(".value").textContent = `${ind.label}: ${fmt(r.v, ind)} ${ind.unit}`;
      card.querySelectorAll("dd[data-key]").forEach((dd) => {
        dd.textContent = fmt(r.a.values[dd.dataset.key], byKey[dd.dataset.key]);
      });
      list.append(card); // in rank order
    });
  }

  function renderDefinition(ind) {
    document.getElementById("chosen-label").textContent = ind.label;
    document.getElementById("chosen-unit").textContent = `(${ind.unit})`;
    document.getElementById("chosen-formula").textContent = ind.formula;
    document.getElementById("chosen-sources").textContent =
      ind.sources.map((s) => s.title).join(" ; ");
    document.getElementById("city-value").textContent =
      `${fmt(data.city.values[ind.key], ind)} ${ind.unit}`;
  }

  function render() {
    const ind = byKey[chosen];
    const breaks = quantileBreaks(valuesOf(ind.key), 5);
    renderDefinition(ind);
    renderLegend(ind, breaks);
    renderMap(ind, breaks);
    renderChart(ind, breaks);
    renderCards(ind);
    const url = new URL(window.location.href);
    url.searchParams.set("indicator", chosen);
    document.getElementById("permalink").href = url.pathname + url.search;
    document.body.dataset.rendered = `${chosen}${layer ? ":map" : ""}`;
  }

  document.getElementById("indicator").addEventListener("change", (event) => {
    chosen = event.target.value;
    const url = new URL(window.location.href);
    url.searchParams.set("indicator", chosen);
    window.history.replaceState(null, "", url.pathname + url.search + url.hash);
    render();
  });
  document.getElementById("print").addEventListener("click", () => window.print());
  window.addEventListener("beforeprint", () => {
    map.invalidateSize();
    if (layer && layer.getBounds().isValid()) map.fitBounds(layer.getBounds(), { animate: false });
  });

  render();
  fetch(config.geojson, { credentials: "same-origin" })
    .then((r) => { if (!r.ok) throw new Error(r.statusText); return r.json(); })
    .then((fc) => {
      layer = L.geoJSON(fc).addTo(map);
      if (layer.getBounds().isValid()) map.fitBounds(layer.getBounds(), { padding: [8, 8] });
      render();
    })
    .catch(() => { document.body.dataset.rendered = `${chosen}:map-error`; });
})();
