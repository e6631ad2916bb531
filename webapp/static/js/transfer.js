// The domain-transfer matrix: cells being evaluated show their progress and fill in when their
// job ends. Events come from the user's stream (/ws/events/): job.step moves a cell's percentage
// in place; job.status re-reads the matrix fragment (the server renders it, as at load).
"use strict";

(function () {
  function start() {
    const matrix = document.getElementById("transfer-matrix");
    if (!matrix) return;
    const url = window.location.pathname + window.location.search;
    let pending = null;
    const refresh = () => {
      clearTimeout(pending);
      pending = setTimeout(() => SPS.refreshFragment(url, "transfer-matrix"), 150);
    };
    const cellOf = (jobId) => document.querySelector(`#transfer-matrix td[data-job-id="${jobId}"]`);
    // Whatever ended while the socket was away is in the database: re-read the matrix.
    SPS.listen("/ws/events/", (event) => {
      const d = event.data;
      if (event.kind === "job.step") {
        const cell = cellOf(d.id);
        const progress = cell && cell.querySelector(".progress");
        if (progress && d.total_steps) {
          cell.dataset.state = "running";
          progress.textContent = `running ${Math.floor((100 * d.step) / d.total_steps)}%`;
        }
      } else if (event.kind === "job.status" && (cellOf(d.job_id) || d.status === "queued")) {
        refresh();
      }
    }, refresh);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
