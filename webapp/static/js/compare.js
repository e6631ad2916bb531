// Picking versions to compare and reading the compare page.
//
// A picker is a GET form to /prompts/compare/ with checkboxes named "v" (it works without this
// script); here its Compare button says how many are ticked and stays off outside 2–8.
// On the compare page: "show only differences" hides configuration rows where every version
// agrees, and the disagreement table's gold filter applies as soon as it changes.
"use strict";

(function () {
  const MIN = 2, MAX = 8;

  // Boxes may sit outside the form (form="…" attribute) in a fragment that a live refresh
  // replaces (the jobs list): the ticked values are kept here and put back on the fresh boxes.
  function picker(form) {
    const button = form.querySelector("[data-compare-button]");
    const count = form.querySelector("[data-compare-count]");
    const ticked = new Set();
    const boxes = () => Array.from(form.elements).filter((el) => el.name === "v" && el.type === "checkbox");
    boxes().forEach((box) => { if (box.checked) ticked.add(box.value); });
    const update = () => {
      const n = ticked.size;
      const ok = n >= MIN && n <= MAX;
      if (button) {
        button.disabled = !ok;
        button.setAttribute("aria-disabled", String(!ok));
      }
      if (count) {
        count.textContent = n === 0 ? `Tick ${MIN} to ${MAX} versions to compare`
          : n > MAX ? `${n} ticked: compare at most ${MAX}` : `${n} ticked`;
      }
    };
    document.addEventListener("change", (ev) => {
      const box = ev.target;
      if (!(box instanceof HTMLInputElement) || box.form !== form || box.name !== "v") return;
      if (box.checked) ticked.add(box.value); else ticked.delete(box.value);
      update();
    });
    new MutationObserver(() => {
      boxes().forEach((box) => { box.checked = ticked.has(box.value); });
    }).observe(document.body, { childList: true, subtree: true });
    update();
  }

  function onlyDifferences(box) {
    const table = document.querySelector("table.compare-config");
    if (!table) return;
    const apply = () => table.classList.toggle("only-differences", box.checked);
    box.addEventListener("change", apply);
    apply();
  }

  // Versions without a run on the chosen split: when any job of the user ends (the evaluations
  // "Run the missing evaluations" queued among them), the metrics, confusion matrices and
  // disagreements are read again, so the cells fill in without a reload, as on the transfer matrix.
  function fillInMissing() {
    const metrics = document.getElementById("compare-metrics");
    if (!metrics || !metrics.dataset.missing || !window.SPS || !SPS.listen) return;
    let pending = null;
    const ids = ["compare-metrics", "compare-confusion-live", "compare-disagreements"];
    const refresh = () => {
      clearTimeout(pending);
      pending = setTimeout(() => SPS.refreshElements(window.location.href, ids), 200);
    };
    const connection = SPS.listen("/ws/events/", (event) => {
      if (event.kind !== "job.status" || !event.data.final) return;
      refresh();
      const now = document.getElementById("compare-metrics");
      if (now && !now.dataset.missing) connection.close();
    }, refresh);
  }

  function init() {
    fillInMissing();
    document.querySelectorAll("form[data-compare-picker]").forEach(picker);
    document.querySelectorAll("[data-toggle-differences]").forEach(onlyDifferences);
    document.querySelectorAll("select[data-autosubmit]").forEach((select) => {
      select.addEventListener("change", () => select.form.requestSubmit());
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();

// While a worker computes nearest tokens, re-read that section every few seconds until none is
// pending (the database says which; no message is needed).
(function () {
  const POLL_MS = 2500, MAX_POLLS = 240;
  let polls = 0;
  function pending() {
    const section = document.getElementById("compare-neighbours");
    return section && section.dataset.pending.includes("true");
  }
  async function poll() {
    if (!pending() || polls++ > MAX_POLLS || !window.SPS || !SPS.refreshElements) return;
    await SPS.refreshElements(window.location.href, ["compare-neighbours"]);
    setTimeout(poll, POLL_MS);
  }
  function start() { if (pending()) setTimeout(poll, POLL_MS); }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();

// Bootstrap intervals not yet computed: ask for them (intervals=1) and put the fresh metrics
// table in place; the page itself did not wait for them.
(function () {
  async function fillIntervals() {
    const table = document.getElementById("metrics-table");
    if (!table || table.dataset.intervalsPending !== "true" || !window.SPS || !SPS.refreshElements) return;
    table.querySelectorAll("[data-interval-pending]").forEach((cell) => { cell.textContent = "computing…"; });
    const url = new URL(window.location.href);
    url.searchParams.set("intervals", "1");
    url.hash = "";
    await SPS.refreshElements(url.toString(), ["metrics-table"]);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", fillIntervals);
  else fillIntervals();
})();
