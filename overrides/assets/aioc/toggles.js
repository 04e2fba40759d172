/* aioc matrix controls: column switches, a switch for rows with ❌/⚠️ in a shown column, and the
 * evidence of a linked cell opened. Without JavaScript all shows and the controls stay hidden. State:
 * ?hide=id,id (shareable) wins over localStorage (survives a reload); ?problems=1. Idempotent: runs
 * again on each page load of Material's instant navigation. */
(function () {
  "use strict";
  var GONE = "aioc-filtered", HEAD = /^H[2-4]$/;

  function param(name) { return new URLSearchParams(location.search).get(name); }

  function setParam(name, value) {
    var url = new URL(location.href);
    if (value) { url.searchParams.set(name, value); } else { url.searchParams.delete(name); }
    history.replaceState(history.state, "", url.href.replace(/%2C/g, ","));
  }

  function readHidden(matrix) {
    var hide = param("hide");
    if (hide !== null) { return hide.split(",").filter(Boolean); }
    try { return JSON.parse(localStorage.getItem("aioc:hide:" + matrix) || "[]"); } catch (e) { return []; }
  }

  function writeHidden(matrix, hidden) {
    try { localStorage.setItem("aioc:hide:" + matrix, JSON.stringify(hidden)); } catch (e) { /* private mode */ }
    setParam("hide", hidden.join(","));
  }

  /* Rows stay if the switch is off or a shown cell is ❌/⚠️; a section left empty goes with its heading
     and prose. Returns [rows shown, rows]. */
  function filter(matrix, on) {
    var shown = 0, total = 0;
    document.querySelectorAll('table[data-aioc-table="matrix"][data-aioc-matrix="' + matrix + '"]').forEach(function (table) {
      var left = 0, box = table.closest(".aioc-scroll") || table, run = [box], e = box;
      table.querySelectorAll("tbody tr").forEach(function (tr) {
        var keep = !on || tr.querySelector("td.aioc-fail:not(.aioc-col-hidden), td.aioc-deviation:not(.aioc-col-hidden)");
        tr.classList.toggle(GONE, !keep);
        left += keep ? 1 : 0;
        total++;
      });
      shown += left;
      while ((e = e.previousElementSibling) && !HEAD.test(e.tagName) && !e.querySelector("table") && !e.matches(".aioc-toggles")) { run.push(e); }
      (e && HEAD.test(e.tagName) ? run.concat(e) : [box]).forEach(function (el) { el.classList.toggle(GONE, !left); });
    });
    return [shown, total];
  }

  function setup(box) {
    if (box.dataset.aiocReady) { return; }
    box.dataset.aiocReady = "1";
    var matrix = box.dataset.aiocMatrix;
    var inputs = Array.from(box.querySelectorAll("input[data-aioc-col]"));
    var known = inputs.map(function (i) { return i.dataset.aiocCol; });
    var hidden = readHidden(matrix).filter(function (id) { return known.includes(id); });
    var line = document.createElement("p"), label = document.createElement("label");
    var only = document.createElement("input"), count = document.createElement("span");

    function apply() {
      inputs.forEach(function (i) { i.checked = !hidden.includes(i.dataset.aiocCol); });
      document.querySelectorAll('table[data-aioc-matrix="' + matrix + '"] [data-aioc-col]').forEach(function (el) {
        el.classList.toggle("aioc-col-hidden", hidden.includes(el.dataset.aiocCol));
      });
      var n = filter(matrix, only.checked);
      count.textContent = only.checked ? n[0] + " of " + n[1] + " rows shown" : "";
    }

    inputs.forEach(function (input) {
      input.addEventListener("change", function () {
        var id = input.dataset.aiocCol;
        hidden = hidden.filter(function (h) { return h !== id; });
        if (!input.checked) { hidden.push(id); }
        writeHidden(matrix, hidden);
        apply();
      });
    });
    var all = box.querySelector(".aioc-toggle-all");
    if (all) { all.addEventListener("click", function () { hidden = []; writeHidden(matrix, hidden); apply(); }); }

    line.className = "aioc-problems";
    label.className = "aioc-toggle";
    only.type = "checkbox";
    only.setAttribute("role", "switch");
    only.checked = param("problems") === "1";
    count.setAttribute("role", "status");
    label.append(only, " Only rows where a shown column is ❌ or ⚠️");
    line.append(label, " ", count);
    box.append(line);
    only.addEventListener("change", function () { setParam("problems", only.checked ? "1" : ""); apply(); });
    apply();
    box.hidden = false;
  }

  /* A matrix cell links to #cell-<row> on the implementation's page: open that cell's details. */
  function openEvidence() {
    var id = location.hash.slice(1), target = id.startsWith("cell-") && document.getElementById(decodeURIComponent(id));
    if (target) { target.querySelectorAll("details").forEach(function (d) { d.open = true; }); }
  }

  function init() {
    document.querySelectorAll(".aioc-toggles[data-aioc-matrix]").forEach(setup);
    openEvidence();
  }

  window.addEventListener("hashchange", openEvidence);

  if (window.document$) {
    window.document$.subscribe(init);
  } else if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
