// The prompt version page: draw the stored training curve with the job page's chart
// (SPS.drawChart from jobs.js). Data comes from a <script type="application/json"> block.
"use strict";

(function () {
  function versionChart() {
    const data = document.getElementById("version-series");
    const chart = document.getElementById("version-chart");
    if (!data || !chart) return;
    const series = JSON.parse(data.textContent);
    const total = parseInt(data.dataset.totalSteps, 10) || 1;
    const redraw = () => SPS.drawChart(chart, series, total);
    redraw();
    window.addEventListener("resize", redraw);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", versionChart);
  else versionChart();
})();
