// The sweep page: its runs' progress moves in place; a run that changes status re-reads the
// page's live fragment (status, best run, grid and panels are rendered by the server).
"use strict";

(function () {
  const options = document.currentScript ? document.currentScript.dataset : {};
  const jobIds = new Set((options.jobIds || "").split(",").filter(Boolean).map(Number));

  // The filters sit outside the live fragment, so they outlast its refreshes; rows are shown or
  // hidden by them after every refresh.
  function applyFilters() {
    const chosen = [...document.querySelectorAll("#sweep-filters [data-filter]")]
      .filter((select) => select.value !== "")
      .map((select) => [select.dataset.filter, select.value]);
    const rows = [...document.querySelectorAll("#sweep-runs tbody tr")];
    let shown = 0;
    rows.forEach((row) => {
      const match = chosen.every(([key, value]) => (key === "status"
        ? row.dataset.runStatus === value
        : (row.querySelector(`[data-axis="${key}"]`) || {}).dataset?.value === value));
      row.hidden = !match;
      if (match) shown += 1;
    });
    const note = document.getElementById("sweep-shown");
    if (note) note.textContent = chosen.length ? `${shown} of ${rows.length} runs shown` : "";
  }

  function start() {
    let pending = null;
    const refresh = () => {
      clearTimeout(pending);
      pending = setTimeout(async () => {
        await SPS.refreshFragment(options.fragmentUrl, "sweep-live");
        if (SPS.charts) SPS.charts.mountAll(document.getElementById("sweep-live"));  // a swapped panel's chart
        applyFilters();
      }, 150);
    };
    const filters = document.getElementById("sweep-filters");
    if (filters) filters.addEventListener("change", applyFilters);
    SPS.listen("/ws/events/", (event) => {
      const d = event.data;
      if (event.kind === "job.step" && jobIds.has(d.id)) {
        const cell = document.querySelector(`#sweep-runs tr[data-job-id="${d.id}"] [data-progress]`);
        if (cell) cell.textContent = `${d.step} / ${d.total_steps}`;
      } else if (event.kind === "job.status" && jobIds.has(d.job_id)) {
        refresh();
      }
    }, refresh);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
