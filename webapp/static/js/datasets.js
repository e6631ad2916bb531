// Datasets pages: upload with a progress bar and drag-and-drop, the label map following the
// label column, and live validation status. Every form also works without this script.
"use strict";

(function () {
  // --- upload: send with XMLHttpRequest so the browser reports upload progress ------------------
  const form = document.querySelector("[data-upload-form]");
  if (form) {
    const zone = form.querySelector("[data-dropzone]");
    const single = form.querySelector("#id_file");
    if (zone && single) {
      ["dragenter", "dragover"].forEach((name) => zone.addEventListener(name, (ev) => {
        ev.preventDefault();
        zone.classList.add("dragging");
      }));
      ["dragleave", "drop"].forEach((name) => zone.addEventListener(name, () => zone.classList.remove("dragging")));
      zone.addEventListener("drop", (ev) => {
        ev.preventDefault();
        if (ev.dataTransfer && ev.dataTransfer.files.length) single.files = ev.dataTransfer.files;
      });
    }
    form.addEventListener("submit", (ev) => {
      ev.preventDefault();
      // Over the limit: say so now instead of sending it all to be refused (the server refuses too).
      const error = form.querySelector("[data-upload-error]");
      const total = Array.from(form.querySelectorAll("input[type=file]"))
        .flatMap((input) => Array.from(input.files)).reduce((sum, f) => sum + f.size, 0);
      if (error && total > Number(form.dataset.maxBytes)) {
        error.textContent = `The files come to ${(total / 1048576).toFixed(1)} MB, over the upload limit of ` +
          `${form.dataset.limit}; choose smaller files (nothing was sent).`;
        error.hidden = false;
        return;
      }
      if (error) error.hidden = true;
      const box = form.querySelector("[data-upload-progress]");
      const bar = box.querySelector("progress");
      const percent = box.querySelector("[data-upload-percent]");
      box.hidden = false;
      form.querySelector("button[type=submit]").disabled = true;
      const xhr = new XMLHttpRequest();
      xhr.open("POST", form.action);
      xhr.upload.addEventListener("progress", (e) => {
        if (!e.lengthComputable) return;
        const value = Math.round((100 * e.loaded) / e.total);
        bar.value = value;
        percent.textContent = value === 100 ? "Checking the file…" : value + "%";
      });
      xhr.addEventListener("load", () => {
        const landed = new URL(xhr.responseURL, window.location.href);
        if (landed.pathname !== new URL(form.action, window.location.href).pathname) {
          window.location.assign(xhr.responseURL);  // accepted: the mapping page
          return;
        }
        // Refused: show the page the server rendered, with its explanation.
        document.open();
        document.write(xhr.responseText);
        document.close();
      });
      xhr.addEventListener("error", () => {
        percent.textContent = "The upload failed; check the connection and try again.";
        form.querySelector("button[type=submit]").disabled = false;
      });
      xhr.send(new FormData(form));
    });
  }

  // --- mapping: offer the new label column's values as the label map --------------------------
  const labelColumn = document.querySelector("#mapping-form #id_label_column");
  const distinctScript = document.getElementById("distinct-values");
  if (labelColumn && distinctScript) {
    const distinct = JSON.parse(distinctScript.textContent);
    const labelMap = document.getElementById("id_label_map");
    labelColumn.addEventListener("change", () => {
      const values = distinct[labelColumn.value] || [];
      labelMap.value = values.map((v) => v + " = " + v).join("\n");
    });
  }

  // --- mapping: each split's labels follow the label column and the way of splitting ----------
  const distribution = document.getElementById("label-distribution");
  const mappingForm = document.getElementById("mapping-form");
  if (distribution && mappingForm) {
    const choices = ["label_column", "split_mode", "split_column"];
    const refreshDistribution = () => {
      const query = new URLSearchParams();
      for (const name of choices) {
        const field = mappingForm.elements.namedItem(name);
        if (field) query.set(name, field.value);
      }
      const url = document.getElementById("label-distribution").dataset.fragmentUrl;
      window.SPS.refreshFragment(url + "?" + query, "label-distribution");
    };
    choices.forEach((name) => {
      const field = mappingForm.elements.namedItem(name);
      if (field) field.addEventListener("change", refreshDistribution);
    });
  }

  // --- mapping: label words only mean something for classification ---------------------------
  const taskKind = document.querySelector("#mapping-form #id_task_kind");
  const labelWords = document.querySelector("#mapping-form [data-label-words]");
  if (taskKind && labelWords) {
    const follow = () => { labelWords.hidden = taskKind.value !== "classification"; };
    taskKind.addEventListener("change", follow);
    follow();
  }

  // --- mapping: show what the model will read as the template changes ------------------------
  const templateInput = document.querySelector("#mapping-form #id_input_template");
  const previewScript = document.getElementById("preview-rows");
  if (templateInput && previewScript) {
    const rows = JSON.parse(previewScript.textContent);
    // Python's str.format placeholders: {column}, with {{ and }} standing for literal braces. A
    // placeholder that names no column is shown marked, so a typo shows before submitting.
    const render = (template, row) => {
      const nodes = [];
      let text = "", last = 0;
      template.replace(/\{\{|\}\}|\{([^{}]*)\}/g, (match, name, at) => {
        text += template.slice(last, at);
        last = at + match.length;
        if (match === "{{" || match === "}}") text += match[0];
        else if (!(name in row)) {
          nodes.push(document.createTextNode(text));
          text = "";
          const mark = document.createElement("mark");
          mark.className = "unknown-column";
          mark.title = "No column of this name";
          mark.textContent = match;
          nodes.push(mark);
        } else text += row[name] === null ? "" : String(row[name]);
        return match;
      });
      nodes.push(document.createTextNode(text + template.slice(last)));
      return nodes;
    };
    const refresh = () => document.querySelectorAll("[data-preview-row]").forEach((cell) => {
      cell.replaceChildren(...render(templateInput.value, rows[Number(cell.dataset.previewRow)]));
    });
    templateInput.addEventListener("input", refresh);
    refresh();
    // Column buttons insert `{column}` where the cursor is: picking input columns by click.
    document.querySelectorAll("[data-insert-column]").forEach((chip) => chip.addEventListener("click", () => {
      const name = "{" + chip.dataset.insertColumn.replace(/[{}]/g, (b) => b + b) + "}";
      const start = templateInput.selectionStart ?? templateInput.value.length;
      const end = templateInput.selectionEnd ?? start;
      templateInput.value = templateInput.value.slice(0, start) + name + templateInput.value.slice(end);
      templateInput.focus();
      templateInput.setSelectionRange(start + name.length, start + name.length);
      refresh();
    }));
  }


  // --- live status --------------------------------------------------------------------------------
  // An upload being checked: its page shows progress until the check ends, then becomes the
  // dataset's page (a redirect) or the mapping page again with the problems (another page).
  const uploadStatus = document.getElementById("upload-status");
  if (uploadStatus && window.SPS) {
    const id = uploadStatus.dataset.liveUpload;
    const look = () => window.SPS.refreshFragment(uploadStatus.dataset.fragmentUrl, "upload-status",
                                                  { followIfGone: true });
    window.SPS.listen("/ws/events/", (event) => {
      if (event.kind === "upload.status" && event.data.id === id) look();
    }, look);
    // A worker can finish before the socket opens: look again now and then.
    setInterval(look, 3000);
  }

  // A ready dataset's page changes only when a token-length measure finishes.
  function refreshDetail() {
    const el = document.getElementById("dataset-detail");
    if (el) window.SPS.refreshFragment(el.dataset.fragmentUrl, "dataset-detail");
  }
  const measuring = () => document.querySelector("#dataset-detail [data-token-measuring]");
  const detail = document.getElementById("dataset-detail");
  if (detail && window.SPS) {
    const id = detail.dataset.liveDataset;
    window.SPS.listen("/ws/events/", (event) => {
      if (event.kind === "dataset.status" && String(event.data.id) === id) refreshDetail();
    }, () => { if (measuring()) refreshDetail(); });
    setInterval(() => { if (measuring()) refreshDetail(); }, 3000);
  }
  const list = document.getElementById("dataset-list");
  if (list && window.SPS) {
    // Progress messages repeat the same status about once a second; the list shows only the
    // status, so it is re-read when an upload's status changes (and on every connection).
    const lastStatus = new Map();
    const refreshList = () => window.SPS.refreshFragment(list.dataset.fragmentUrl, "dataset-list");
    window.SPS.listen("/ws/events/", (event) => {
      if (event.kind !== "upload.status" || lastStatus.get(event.data.id) === event.data.status) return;
      lastStatus.set(event.data.id, event.data.status);
      refreshList();
    }, refreshList);
  }
})();
