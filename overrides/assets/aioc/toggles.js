/* aioc column toggles: show or hide implementation columns of a matrix; open a linked cell's evidence.
 * Without JavaScript every column shows and the controls stay hidden.
 * State: ?hide=id,id in the URL (shareable) wins over localStorage (survives a reload).
 * Idempotent: safe to run again on every page load of Material's instant navigation. */
(function () {
  "use strict";
  var PARAM = "hide";

  function storageKey(matrix) { return "aioc:hide:" + matrix; }

  function readHidden(matrix) {
    var params = new URLSearchParams(window.location.search);
    if (params.has(PARAM)) {
      return params.get(PARAM).split(",").filter(Boolean);
    }
    try {
      return JSON.parse(window.localStorage.getItem(storageKey(matrix)) || "[]");
    } catch (e) {
      return [];
    }
  }

  function writeHidden(matrix, hidden) {
    try { window.localStorage.setItem(storageKey(matrix), JSON.stringify(hidden)); } catch (e) { /* private mode */ }
    var url = new URL(window.location.href);
    if (hidden.length) { url.searchParams.set(PARAM, hidden.join(",")); } else { url.searchParams.delete(PARAM); }
    window.history.replaceState(window.history.state, "", url.toString());
  }

  function apply(matrix, hidden) {
    document.querySelectorAll('table[data-aioc-matrix="' + matrix + '"] [data-aioc-col]').forEach(function (el) {
      el.classList.toggle("aioc-col-hidden", hidden.indexOf(el.getAttribute("data-aioc-col")) !== -1);
    });
  }

  function setup(box) {
    if (box.getAttribute("data-aioc-ready") === "1") { return; }
    box.setAttribute("data-aioc-ready", "1");
    var matrix = box.getAttribute("data-aioc-matrix");
    var inputs = Array.prototype.slice.call(box.querySelectorAll("input[data-aioc-col]"));
    var known = inputs.map(function (i) { return i.getAttribute("data-aioc-col"); });
    var hidden = readHidden(matrix).filter(function (id) { return known.indexOf(id) !== -1; });

    function sync() {
      inputs.forEach(function (i) { i.checked = hidden.indexOf(i.getAttribute("data-aioc-col")) === -1; });
      apply(matrix, hidden);
    }

    inputs.forEach(function (input) {
      input.addEventListener("change", function () {
        var id = input.getAttribute("data-aioc-col");
        hidden = hidden.filter(function (h) { return h !== id; });
        if (!input.checked) { hidden.push(id); }
        apply(matrix, hidden);
        writeHidden(matrix, hidden);
      });
    });
    var all = box.querySelector(".aioc-toggle-all");
    if (all) {
      all.addEventListener("click", function () { hidden = []; sync(); writeHidden(matrix, hidden); });
    }
    sync();
    box.hidden = false;
  }

  /* A matrix cell links to #cell-<row> on the implementation's page: open that cell's evidence. */
  function openEvidence() {
    var id = window.location.hash.slice(1);
    if (id.indexOf("cell-") !== 0) { return; }
    var target = document.getElementById(decodeURIComponent(id));
    if (!target) { return; }
    target.querySelectorAll("details.aioc-evidence").forEach(function (d) { d.open = true; });
  }

  function init() {
    document.querySelectorAll(".aioc-toggles[data-aioc-matrix]").forEach(setup);
    openEvidence();
  }

  window.addEventListener("hashchange", openEvidence);

  if (window.document$ && typeof window.document$.subscribe === "function") {
    window.document$.subscribe(init);
  } else if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
