// Search box with suggestions as you type (ARIA combobox): /api/search, then fly to the result.
(function () {
  "use strict";

  function debounce(fn, ms) {
    let timer = null;
    return (...args) => { clearTimeout(timer); timer = setTimeout(() => fn(...args), ms); };
  }

  function setupSearch(opts) {
    // opts: {input, list, status, url, minChars, strings, onSelect(hit)}
    const { input, list, status, strings } = opts;
    const minChars = opts.minChars || 3;  // the server's SEARCH_MIN_CHARS, from the page config
    let hits = [];
    let active = -1;
    let controller = null;

    function close() {
      list.hidden = true;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
      active = -1;
    }

    function render() {
      list.replaceChildren();
      hits.forEach((hit, i) => {
        const li = document.createElement("li");
        li.id = "search-hit-" + i;
        li.setAttribute("role", "option");
        li.setAttribute("aria-selected", i === active ? "true" : "false");
        li.dataset.layer = hit.layer;
        const title = document.createElement("span");
        title.textContent = hit.label;
        const sub = document.createElement("small");
        sub.textContent = hit.layer_title + (hit.matched && hit.matched !== hit.label ? " · " + hit.matched : "");
        li.append(title, sub);
        li.addEventListener("mousedown", (e) => { e.preventDefault(); choose(i); });
        list.appendChild(li);
      });
      if (!hits.length) {
        const li = document.createElement("li");
        li.setAttribute("role", "option");
        li.setAttribute("aria-disabled", "true");
        li.textContent = strings.search_none;
        list.appendChild(li);
      }
      list.hidden = false;
      input.setAttribute("aria-expanded", "true");
      if (active >= 0) input.setAttribute("aria-activedescendant", "search-hit-" + active);
      status.textContent = hits.length ? hits.length + " · " + strings.search : strings.search_none;
    }

    function choose(i) {
      const hit = hits[i];
      if (!hit) return;
      input.value = hit.label;
      close();
      opts.onSelect(hit);
    }

    const query = debounce(async () => {
      const q = input.value.trim();
      if (q.length < minChars) { hits = []; close(); return; }
      if (controller) controller.abort();
      controller = new AbortController();
      try {
        const res = await fetch(opts.url + "?q=" + encodeURIComponent(q), { signal: controller.signal, credentials: "same-origin" });
        if (!res.ok) throw new Error(res.status);
        const data = await res.json();
        if (input.value.trim() !== q) return;
        hits = data.results;
        active = hits.length ? 0 : -1;
        render();
      } catch (err) {
        if (err.name !== "AbortError") { status.textContent = strings.search_error; }
      }
    }, 180);

    input.addEventListener("input", query);
    input.addEventListener("keydown", (e) => {
      if (e.key === "ArrowDown" && hits.length) {
        active = (active + 1) % hits.length; render(); e.preventDefault();
      } else if (e.key === "ArrowUp" && hits.length) {
        active = (active - 1 + hits.length) % hits.length; render(); e.preventDefault();
      } else if (e.key === "Enter") {
        if (active >= 0) { choose(active); e.preventDefault(); }
      } else if (e.key === "Escape") {
        close();
      }
    });
    input.addEventListener("blur", () => setTimeout(close, 150));
  }

  window.CasaSearch = { setupSearch };
})();
