/* aioc compare view: pick two or three implementations (?compare=a,b in the URL, shareable) to see only
 * the rows where their grades differ, across every matrix, from the site's matrix.json. Text from data
 * goes in as text nodes only. Runs where [data-aioc-compare] is; idempotent under instant navigation. */
(() => {
  "use strict";
  const ROOT = new URL("../../", document.currentScript.src); // this file is assets/aioc/compare.js

  const el = (tag, cls, ...kids) => {
    const e = document.createElement(tag);
    if (cls) { e.className = cls; }
    e.append(...kids);
    return e;
  };
  const link = (href, ...kids) => Object.assign(el("a", "", ...kids), { href });

  /* Break points after ".", "_" and "/", so that ids wrap there and never inside a word. */
  const breakable = (parent, text) => {
    text.split(/(?<=[./_])/).forEach((part, i) => parent.append(...(i ? [el("wbr"), part] : [part])));
    return parent;
  };

  /* The inline Markdown of reports: `code` and [text](https://…); anything else stays text. */
  const inline = (parent, text) => {
    text.split(/(`[^`]+`|\[[^\]]+\]\(https?:\/\/[^)\s]+\))/).forEach((part, i) => {
      const m = /^\[(.+)\]\((.+)\)$/.exec(part);
      parent.append(i % 2 === 0 ? breakable(new DocumentFragment(), part)
        : m ? link(m[2], m[1]) : breakable(el("code"), part.slice(1, -1)));
    });
    return parent;
  };

  function render(data, picked, out, status) {
    const cells = {}, rows = {}, names = {}, seen = new Set();
    let differ = 0;
    data.cells.forEach((c) => { cells[c.implementation + " " + c.row] = c; });
    data.rows.forEach((r) => { rows[r.id] = r; });
    data.implementations.forEach((i) => { names[i.id] = i.name; });
    out.replaceChildren();
    if (picked.length < 2) {
      status.textContent = "Pick two or three implementations to see the rows where their grades differ.";
      return;
    }
    for (const m of data.matrices) {
      const page = document.querySelector(`a[data-aioc-matrix="${m.id}"]`); // the page's link to the matrix
      let table = null;
      for (const s of m.sections) {
        let group = null;
        for (const id of s.rows) {
          if (seen.has(id)) { continue; } // a row two matrices list shows under the first
          seen.add(id);
          const side = picked.map((p) => cells[p + " " + id] || { status: "untested" });
          if (side.every((c) => c.status === side[0].status)) { continue; }
          differ++;
          if (!table) {
            const heads = ["Row", ...picked.map((p) => names[p])].map((t) => Object.assign(el("th", "", t), { scope: "col" }));
            table = el("table", "aioc-table", el("thead", "", el("tr", "", ...heads)));
            table.dataset.aiocTable = "compare";
            const box = el("div", "aioc-scroll", table);
            box.setAttribute("role", "region");
            box.setAttribute("aria-label", m.title + ": rows that differ");
            box.tabIndex = 0;
            out.append(el("h2", "", page ? link(page.href, m.title) : m.title), box);
          }
          group = group || table.appendChild(el("tbody", "", el("tr", "",
            Object.assign(el("th", "aioc-compare-section", s.title), { scope: "rowgroup", colSpan: picked.length + 1 }))));
          const title = inline(page ? link(page.href.split("#")[0] + `#row-${m.id}-${id}`) : el("span"), rows[id].title);
          const tr = group.appendChild(el("tr", "", Object.assign(el("th", "aioc-rowhead", title), { scope: "row" })));
          tr.dataset.aiocRow = id;
          side.forEach((c, n) => {
            const impl = picked[n], st = data.statuses[c.status] || {}, symbol = el("span", "", st.symbol);
            const td = el("td", "aioc-compare-cell aioc-" + c.status,
              el("p", "aioc-compare-grade", el("span", "aioc-compare-who", names[impl] + ": "), symbol, " " + st.label));
            symbol.setAttribute("aria-hidden", "true");
            if (c.message) { td.append(inline(el("p"), c.message)); }
            if (c.footnote) { td.append(inline(el("p", "aioc-compare-note", "Note: "), c.footnote)); }
            td.append(el("p", "aioc-provenance", c.origin ? `${c.origin} ${c.date} · ` : "",
              link(new URL(`implementations/${impl}/#cell-${id}`, ROOT).href,
                c.evidence ? "evidence" : c.origin === "manual" ? "source" : "details",
                el("span", "aioc-sr", ` for ${names[impl]}, ${id}`))));
            td.dataset.aiocCol = impl;
            tr.append(td);
          });
        }
      }
    }
    const who = picked.map((p) => names[p]).join(", ").replace(/, ([^,]*)$/, " and $1");
    status.textContent = `${differ || "No"} of ${seen.size} rows differ between ${who}.`;
  }

  function setup(data, box) {
    const ids = data.implementations.map((i) => i.id), status = el("p", "aioc-compare-status"), out = el("div");
    const chosen = (new URLSearchParams(location.search).get("compare") || "").split(",").filter((id) => ids.includes(id)).slice(0, 3);
    const inputs = ids.map((id) => Object.assign(el("input"), { type: "checkbox", value: id, checked: chosen.includes(id), onchange: update }));

    function update() {
      const picked = inputs.filter((i) => i.checked).map((i) => i.value), url = new URL(location.href);
      inputs.forEach((i) => { i.disabled = !i.checked && picked.length > 2; });
      url.searchParams.set("compare", picked.join(","));
      if (!picked.length) { url.searchParams.delete("compare"); }
      history.replaceState(history.state, "", url.href.replace(/%2C/g, ","));
      render(data, picked, out, status);
    }

    status.setAttribute("role", "status");
    box.replaceChildren(el("fieldset", "aioc-compare-pick", el("legend", "", "Implementations to compare (two or three)"),
      ...data.implementations.map((impl, n) => el("label", "aioc-toggle", inputs[n], " " + impl.name))), status, out);
    update();
  }

  function init() {
    const box = document.querySelector("[data-aioc-compare]");
    if (!box || box.dataset.aiocReady) { return; }
    box.dataset.aiocReady = "1";
    document.querySelectorAll(".aioc-compare-nojs").forEach((e) => { e.hidden = true; });
    box.textContent = "Loading matrix.json…";
    fetch(new URL("matrix.json", ROOT))
      .then((r) => { if (!r.ok) { throw new Error("HTTP " + r.status); } return r.json(); })
      .then((data) => setup(data, box))
      .catch((err) => { box.textContent = `The compare view could not load matrix.json (${err.message}); the matrices show the same grades.`; });
  }

  if (window.document$) {
    window.document$.subscribe(init);
  } else if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
