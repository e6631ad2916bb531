// The sweep form: how many runs the axes make, and about how long they take together, estimated
// from the user's last finished jobs on the chosen base model (the server sends seconds per
// training example). A CPU steps the jobs' rows one after another, so the estimate is their sum.
"use strict";

(function () {
  function values(field) {
    return (field ? field.value : "").split(",").map((v) => v.trim()).filter(Boolean);
  }

  function humanDuration(seconds) {
    if (seconds < 90) return `${Math.round(seconds)} s`;
    if (seconds < 5400) return `${Math.round(seconds / 60)} min`;
    return `${(seconds / 3600).toFixed(1)} h`;
  }

  function start() {
    const form = document.getElementById("sweep-form");
    const out = document.getElementById("sweep-estimate");
    const data = JSON.parse(document.getElementById("sweep-estimates").textContent);
    if (!form || !out) return;

    function axes() {
      const typed = {};
      form.querySelectorAll("input[name^='sweep_']").forEach((field) => {
        const list = values(field);
        if (list.length) typed[field.name.slice("sweep_".length)] = list;
      });
      const preset = form.elements.preset ? form.elements.preset.value : "";
      return Object.keys(typed).length || !preset ? typed : data.presets[preset];
    }

    function update() {
      const grid = axes();
      const names = Object.keys(grid);
      if (!names.length) {
        out.textContent = "Type the values of an axis, or choose a preset.";
        return;
      }
      const runs = names.reduce((n, name) => n * new Set(grid[name]).size, 1);
      // Sum over the grid of steps × batch: the product of the other axes' sizes times each sum.
      const sumOf = (name) => (grid[name] ? [...new Set(grid[name])].map(Number) : [Number(form.elements[name].value) || 0])
        .reduce((a, b) => a + b, 0);
      const others = names.filter((n) => n !== "max_steps" && n !== "batch_size")
        .reduce((n, name) => n * new Set(grid[name]).size, 1);
      const examples = others * sumOf("max_steps") * sumOf("batch_size");
      const rate = data.rates[form.elements.base_model.value];
      const time = rate
        ? `, about ${humanDuration(examples * rate.seconds_per_example)} of training together, measured from your last ${rate.jobs} job${rate.jobs === 1 ? "" : "s"} on ${rate.name}`
        : " (no finished job of yours on this base model yet to estimate their time from)";
      out.textContent = runs > data.max_runs
        ? `${runs} runs: more than the ${data.max_runs} a sweep may have; drop some values.`
        : `${runs} run${runs === 1 ? "" : "s"}${time}.`;
    }

    form.addEventListener("input", update);
    form.addEventListener("change", update);
    update();
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
