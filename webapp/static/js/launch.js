// The launch form: says what each choice means before the job runs (trainable parameters,
// epochs, expected time, targets a max target length cuts, labels of a continued prompt) and
// fills in defaults that fit the chosen dataset until the user sets a field themselves.
(function () {
  "use strict";

  const hints = JSON.parse(document.getElementById("launch-hints").textContent);
  const field = (name) => document.getElementById(`id_${name}`);
  const hint = (name) => document.querySelector(`[data-hint-for="${name}"]`);
  const number = (name) => parseInt(field(name).value, 10);
  const plural = (n, word) => `${n.toLocaleString("en-US")} ${word}${n === 1 ? "" : "s"}`;

  // Fields the user changed keep their value when the dataset changes.
  const touched = new Set();
  ["max_target_length", "max_input_length", "init"].forEach((name) => {
    field(name).addEventListener("input", () => touched.add(name));
    field(name).addEventListener("change", () => touched.add(name));
  });
  // A form sent back with errors, or prefilled from another job, holds the user's own values.
  if (field("max_target_length").value) touched.add("max_target_length");
  if (new URLSearchParams(window.location.search).has("from") || document.querySelector(".has-error")) {
    touched.add("init");
    touched.add("max_input_length");
  }

  function duration(seconds) {
    if (seconds < 60) return `${Math.max(1, Math.round(seconds))} s`;
    const minutes = Math.round(seconds / 60);
    if (minutes < 60) return `${minutes} min`;
    return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
  }

  function dataset() {
    return hints.datasets[field("dataset").value] || null;
  }

  function trainableParameters() {
    const p = number("prompt_length");
    const d = hints.widths[field("base_model").value];
    document.getElementById("trainable-params").textContent =
      p > 0 && d ? `${(p * d).toLocaleString("en-US")} (${p} × ${d})` : "—";
  }

  function targets() {
    const data = dataset();
    const out = hint("max_target_length");
    if (!data || data.longest_target === null) {
      out.textContent = "Target lengths are not measured yet for this dataset (Measure, on its page).";
      return;
    }
    const limit = number("max_target_length") || data.default_max_target_length;
    let text = `Longest target: ${plural(data.longest_target, "token")}.`;
    if (data.target_lengths) {
      let total = 0;
      let cut = 0;
      Object.entries(data.target_lengths).forEach(([length, count]) => {
        total += count;
        if (parseInt(length, 10) > limit) cut += count;
      });
      text += cut
        ? ` ${limit} cuts ${cut.toLocaleString("en-US")} of ${plural(total, "target")}.`
        : ` ${limit} keeps every target whole.`;
      out.classList.toggle("warning", cut > 0);
    }
    out.textContent = text;
  }

  // How many training inputs the max input length cuts, counted as the job's log will count them.
  function inputs() {
    const data = dataset();
    const out = hint("max_input_length");
    out.classList.remove("warning");
    if (!data || !data.train_input_lengths) {
      out.textContent = "Input lengths are not measured yet for this dataset (Measure, on its page).";
      return;
    }
    const limit = number("max_input_length");
    let total = 0;
    let cut = 0;
    Object.entries(data.train_input_lengths).forEach(([length, count]) => {
      total += count;
      if (parseInt(length, 10) > limit) cut += count;
    });
    if (!(limit > 0) || !total) { out.textContent = ""; return; }
    const share = cut / total;
    const percent = share > 0 && share < 0.001 ? "<0.1%" : `${(100 * share).toFixed(1)}%`;
    const beyond = limit > data.input_measured_to;
    let text = cut
      ? `${limit} cuts ${beyond ? "at most " : ""}${cut.toLocaleString("en-US")} of ${plural(total, "training input")} (${percent}).`
      : `${limit} keeps every training input whole.`;
    if (share > hints.input_cut_warning) {
      text += ` That is a lot of cut text: ${data.default_max_input_length} cuts at most ` +
        `${Math.round(100 * hints.input_cut_target)}% of them.`;
      out.classList.add("warning");
    }
    out.textContent = text;
  }

  function stepsAndTime() {
    const data = dataset();
    const steps = number("max_steps");
    const batch = number("batch_size");
    const parts = [];
    if (data && data.train_rows && steps > 0 && batch > 0) {
      const epochs = (steps * batch) / data.train_rows;
      parts.push(`${epochs < 10 ? epochs.toFixed(1) : Math.round(epochs)} epochs of ` +
        `${plural(data.train_rows, "training row")}.`);
    }
    const speed = hints.speeds[field("base_model").value];
    if (speed && steps > 0 && batch > 0) {
      // Training with its evaluations (measured together), then the final scoring of the
      // validation and test splits, at the speed an evaluation job measured when there is one.
      const scored = data ? data.scored_rows : 0;
      const rows = plural(scored, "validation and test row");
      let seconds = steps * batch * speed.seconds_per_example;
      let what = " for training and its evaluations";
      if (scored && speed.seconds_per_scored_example) {
        seconds += scored * speed.seconds_per_scored_example;
        what = ` for training, its evaluations and the final scoring of ${rows}`;
      } else if (scored) {
        what += `, plus the final scoring of ${rows} (not measured on this base model yet)`;
      }
      parts.push(`About ${duration(seconds)}${what}, at the speed job ${speed.job} ran on this base model.`);
    }
    hint("max_steps").textContent = parts.join(" ");
  }

  function labelsOfContinuedPrompt() {
    const out = hint("continue_from");
    const version = field("continue_from").value;
    const data = dataset();
    out.textContent = "";
    out.classList.remove("warning");
    if (!version || !data) return;
    const before = hints.version_labels[version] || [];
    const now = data.labels;
    const same = before.length === now.length && before.every((label) => now.includes(label));
    if (!same) {
      out.classList.add("warning");
      out.textContent = `This version was trained with labels ${before.join(", ") || "(none: generation)"}; ` +
        `the dataset's are ${now.join(", ") || "(none: generation)"}. The prompt will have to learn the new ones.`;
    }
  }

  function datasetDefaults() {
    const data = dataset();
    if (!data) return;
    if (!touched.has("max_target_length")) field("max_target_length").value = data.default_max_target_length;
    if (!touched.has("max_input_length")) field("max_input_length").value = data.default_max_input_length;
    const init = field("init");
    // A generation dataset has no label words: class-label init is not offered for it.
    const classLabels = init.querySelector('option[value="class_labels"]');
    if (classLabels) classLabels.disabled = data.task_kind !== "classification";
    if (!touched.has("init") || (classLabels && classLabels.disabled && init.value === "class_labels")) {
      init.value = data.default_init;
    }
    hint("init").textContent = data.task_kind === "classification" ? "" :
      "A generation dataset has no label words to start from: vocabulary or random.";
  }

  function update() {
    trainableParameters();
    targets();
    inputs();
    stepsAndTime();
    labelsOfContinuedPrompt();
  }

  function start() {
    document.querySelectorAll(".preset").forEach((button) => button.addEventListener("click", () => {
      field("prompt_length").value = button.dataset.length;
      update();
    }));
    field("dataset").addEventListener("change", () => { datasetDefaults(); update(); });
    ["prompt_length", "max_target_length", "max_input_length", "max_steps", "batch_size"].forEach((name) =>
      field(name).addEventListener("input", update));
    ["base_model", "continue_from"].forEach((name) => field(name).addEventListener("change", update));
    datasetDefaults();
    update();
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
