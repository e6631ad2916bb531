// The job page: progress bar, live charts (loss and validation metric) and event log,
// fed by /ws/jobs/<id>/. The server renders the state at load; this keeps it current.
"use strict";

(function () {
  // As webapp/lib/durations.py writes them: "45 s", "2 min 40 s", "1 h 5 min".
  function humanDuration(seconds) {
    const total = Math.round(seconds);
    const h = Math.floor(total / 3600), m = Math.floor((total % 3600) / 60), s = total % 60;
    if (h) return m ? `${h} h ${m} min` : `${h} h`;
    if (m) return s ? `${m} min ${s} s` : `${m} min`;
    return `${s} s`;
  }

  function jobPage(jobId, detailUrl) {
    // Two charts (js/charts.js): loss on a log scale, the validation metric on its own axis.
    const lossChart = SPS.charts.mount(document.getElementById("job-loss-chart"));
    const metricChart = SPS.charts.mount(document.getElementById("job-metric-chart"));

    function addLog(message, at) {
      const log = document.getElementById("job-log");
      const li = document.createElement("li");
      const time = at ? new Date(at) : new Date();
      li.textContent = time.toTimeString().slice(0, 8) + " " + message;
      log.appendChild(li);
    }
    const setText = (id, text) => { const n = document.getElementById(id); if (n) n.textContent = text; };

    let refreshing = null;
    // The worker announces every step but records them in the database less often, so a summary
    // re-read from the database can be behind this page: it would put "Preparing" back and move the
    // bar back. After each re-read the last announced step is shown again where it is newer.
    let lastProgress = null;
    function showStep(d) {
      const bar = document.getElementById("job-progress");
      if (!bar || Number(bar.value) > d.step) return;
      bar.setAttribute("max", d.total_steps);
      bar.value = d.step;
      setText("job-step", d.step);
      // Preparation is over once steps count: the "Preparing: …" line goes.
      const phase = document.getElementById("job-phase");
      if (phase && d.step > 0) phase.closest("p").remove();
      if (d.loss !== null && d.loss !== undefined) setText("job-loss", d.loss.toFixed(4));
      if (d.eta_seconds !== null && d.eta_seconds !== undefined) setText("job-eta", humanDuration(d.eta_seconds));
    }
    const showLastStep = () => { if (lastProgress) showStep(lastProgress); };

    const refreshSummary = () => {
      clearTimeout(refreshing);
      refreshing = setTimeout(() => SPS.refreshFragment(detailUrl, "job-summary").then(showLastStep), 100);
    };

    // Whatever happened between rendering and connecting is in the database: re-read it.
    const renderedStatus = document.getElementById("job-summary").dataset.status;
    const dropStaleMessages = () => document.querySelectorAll("main > .messages").forEach((m) => m.remove());
    async function resync() {
      const doc = await SPS.refreshElements(detailUrl, ["job-summary", "job-log"]);
      showLastStep();
      const summary = document.getElementById("job-summary");
      if (summary && summary.dataset.status !== renderedStatus) dropStaleMessages();
      for (const [chart, id] of [[lossChart, "job-loss-chart-data"], [metricChart, "job-metric-chart-data"]]) {
        const fresh = doc && doc.getElementById(id);
        if (chart && fresh) chart.replace(JSON.parse(fresh.textContent));
      }
    }

    const connection = SPS.listen(`/ws/jobs/${jobId}/`, (event) => {
      const d = event.data;
      if (event.kind === "job.progress") {
        lastProgress = d;
        showStep(d);
        if (lossChart) lossChart.setXMax(d.total_steps);
        if (metricChart) metricChart.setXMax(d.total_steps);
        if (d.point === "step" && d.loss !== null && d.loss !== undefined && lossChart) lossChart.append(0, d.step, d.loss);
        if (d.point === "eval") {
          const name = d.metric_name;
          if (name && metricChart) metricChart.append(0, d.step, d.metrics[name]);
          if (d.is_best && name) setText("job-best", `${name} ${d.metrics[name].toFixed(3)} (step ${d.step})`);
        }
      } else if (event.kind === "job.log") {
        addLog(d.message, d.at);
        setText("job-phase", d.message);
      } else if (event.kind === "job.status") {
        // A flash message ("Job 3 queued") belongs to the moment it was said.
        dropStaleMessages();
        refreshSummary();
        if (d.final) setTimeout(() => connection.close(), 1500);
      }
    }, resync);
  }

  // The jobs list: any job of mine changed status, so re-read the table (same filter); its
  // progress moves live with each step the worker records.
  function liveJobsList() {
    const url = window.location.pathname + window.location.search;
    let pending = null;
    SPS.listen("/ws/events/", (event) => {
      if (event.kind === "job.step") {
        // Progress moves often: change the one cell in place rather than re-read the table.
        const cell = document.querySelector(`tr[data-job-id="${event.data.id}"] [data-progress]`);
        if (cell) cell.textContent = `${event.data.step} / ${event.data.total_steps}`;
        return;
      }
      if (event.kind !== "job.status") return;
      clearTimeout(pending);
      pending = setTimeout(() => SPS.refreshFragment(url, "jobs-table"), 150);
    });
  }

  window.SPS = Object.assign(window.SPS || {}, { jobPage });

  // Pages say what they are with data attributes on this script's tag: the
  // Content-Security-Policy allows no inline script.
  const options = document.currentScript ? document.currentScript.dataset : {};
  const start = {
    detail: () => jobPage(parseInt(options.jobId, 10), options.detailUrl),
    list: liveJobsList,
  }[options.page];
  if (start) {
    if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
    else start();
  }
})();
