// The sweep page: its runs' progress moves in place; a run that changes status re-reads the
// page's live fragment (status, best run, grid and panels are rendered by the server).
"use strict";

(function () {
  const options = document.currentScript ? document.currentScript.dataset : {};
  const jobIds = new Set((options.jobIds || "").split(",").filter(Boolean).map(Number));

  function start() {
    let pending = null;
    const refresh = () => {
      clearTimeout(pending);
      pending = setTimeout(async () => {
        await SPS.refreshFragment(options.fragmentUrl, "sweep-live");
        if (SPS.charts) SPS.charts.mountAll(document.getElementById("sweep-live"));  // a swapped panel's chart
      }, 150);
    };
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
