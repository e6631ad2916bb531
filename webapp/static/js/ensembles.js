// Ensemble pages. The builder: sortable version table, "pick the best k", and a live summary of
// the choice. The ensemble page: its evaluation's progress, fed by /ws/jobs/<id>/, and the
// results re-read from the server when the job ends. Pages work without JavaScript.
"use strict";

(function () {
  const number = (text) => (text === "" || text === undefined ? null : parseFloat(text));

  function builder() {
    const table = document.getElementById("candidates");
    const summary = document.getElementById("choice-summary");
    if (!summary) return;
    const rows = () => Array.from(table ? table.tBodies[0].rows : []);
    const boxes = () => rows().map((r) => r.querySelector("input[type=checkbox]"));
    const max = parseInt(summary.dataset.max, 10);

    function describe() {
      const chosen = rows().filter((r) => r.querySelector("input").checked);
      const values = chosen.map((r) => number(r.dataset.validation)).filter((v) => v !== null);
      const prompts = new Set(chosen.map((r) => r.dataset.prompt));
      const parts = [`${chosen.length} version${chosen.length === 1 ? "" : "s"} chosen`];
      if (chosen.length) parts.push(`from ${prompts.size} prompt${prompts.size === 1 ? "" : "s"}`);
      if (values.length) {
        const mean = values.reduce((a, b) => a + b, 0) / values.length;
        parts.push(`validation: best ${Math.max(...values).toFixed(3)}, mean ${mean.toFixed(3)}, worst ${Math.min(...values).toFixed(3)}`);
      }
      let problem = "";
      if (chosen.length < 2) problem = "Choose at least 2 versions.";
      else if (chosen.length > max) problem = `At most ${max} versions.`;
      else if (chosen.length % 2 === 0) parts.push("an even number of members can tie: ties go to the summed log-likelihood");
      summary.textContent = parts.join(" · ") + (problem ? ". " + problem : ".");
      summary.classList.toggle("bad", Boolean(problem));
      summary.dataset.count = String(chosen.length);
    }

    function sortBy(key, button) {
      const descending = button.getAttribute("aria-sort") !== "descending";
      table.querySelectorAll("button.sort").forEach((b) => b.removeAttribute("aria-sort"));
      button.setAttribute("aria-sort", descending ? "descending" : "ascending");
      const numeric = ["validation", "test", "length"].includes(key);
      const sorted = rows().sort((a, b) => {
        const x = a.dataset[key], y = b.dataset[key];
        if (numeric) {
          const nx = number(x), ny = number(y);
          if (nx === null || ny === null) return (nx === null) - (ny === null);  // unknown last
          return descending ? ny - nx : nx - ny;
        }
        return descending ? y.localeCompare(x) : x.localeCompare(y);
      });
      sorted.forEach((r) => table.tBodies[0].appendChild(r));
    }

    if (table) {
      table.querySelectorAll("button.sort").forEach((b) => b.addEventListener("click", () => sortBy(b.dataset.sort, b)));
      table.addEventListener("change", describe);
    }
    const pick = document.getElementById("pick-best");
    if (pick) pick.addEventListener("click", () => {
      const k = Math.min(parseInt(document.getElementById("best-k").value, 10) || 0, max);
      const ranked = rows().filter((r) => number(r.dataset.validation) !== null)
        .sort((a, b) => number(b.dataset.validation) - number(a.dataset.validation));
      boxes().forEach((box) => { box.checked = false; });
      ranked.slice(0, k).forEach((r) => { r.querySelector("input").checked = true; });
      describe();
    });
    const none = document.getElementById("pick-none");
    if (none) none.addEventListener("click", () => { boxes().forEach((box) => { box.checked = false; }); describe(); });
    describe();
  }

  function detail(detailUrl) {
    const live = document.getElementById("ensemble-live");
    const jobId = live && live.dataset.activeJob;
    if (!jobId) return;
    const url = detailUrl + window.location.search;
    let pending = null;
    const refresh = () => {
      clearTimeout(pending);
      pending = setTimeout(() => SPS.refreshFragment(url, "ensemble-live"), 100);
    };
    const connection = SPS.listen(`/ws/jobs/${jobId}/`, (event) => {
      const d = event.data;
      if (event.kind === "job.progress") {
        const bar = document.getElementById("ensemble-progress");
        if (bar) { bar.setAttribute("max", d.total_steps); bar.value = d.step; }
        const step = document.getElementById("ensemble-step");
        if (step) step.textContent = d.step;
      } else if (event.kind === "job.status") {
        document.querySelectorAll("main > .messages").forEach((m) => m.remove());
        refresh();
        if (d.final) setTimeout(() => connection.close(), 1500);
      }
    }, refresh);
  }

  const options = document.currentScript ? document.currentScript.dataset : {};
  const start = { builder, detail: () => detail(options.detailUrl) }[options.page];
  if (start) {
    if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
    else start();
  }
})();
