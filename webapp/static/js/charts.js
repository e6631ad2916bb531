// Line charts drawn with uPlot (webapp/static/vendor/uplot/): axes with ticks, a legend that shows
// the values under the cursor, a log scale where asked, one colour per series, points added live.
//
// A page declares a chart with a container and its data in a json_script element:
//
//   <div class="chart" data-chart="loss-chart-data" aria-label="Training loss"></div>
//   {{ loss_chart|json_script:"loss-chart-data" }}
//
// and loads the assets with {% include "charts/_assets.html" %} in its head block. The data shape
// (built on the server by webapp/jobs/charts.py `chart_spec`):
//
//   {
//     "x_label": "step", "y_label": "loss",
//     "log_y": true,              // optional: logarithmic y axis (values <= 0 are left out)
//     "log_x": true,              // optional: logarithmic x axis (a sweep's prompt lengths)
//     "x_max": 300,               // optional: the x axis reaches at least this far (a job's last step)
//     "height": 240,              // optional, pixels
//     "series": [                 // 1 to 8 series overlaid, each its own colour (or "color": "#hex")
//       {"label": "v1 loss", "points": [[10, 0.71], [20, 0.52]]},
//       {"label": "v2 loss", "points": [[10, 0.69], [30, 0.40]]}
//     ]
//   }
//
// Series need not share x values: the union of all x values is the chart's x axis, and a series
// is drawn across the x values it lacks.
//
// Every container with data-chart is drawn when this script runs (and by SPS.charts.mountAll(root)
// for a fragment put in later). Live points:
//
//   const chart = SPS.charts.mount(document.getElementById("job-loss-chart"));
//   chart.append(0, step, loss);          // series by index, or by label: chart.append("v2 loss", …)
//   chart.replace(spec);                  // a whole new data object (after a resync)
//   chart.setXMax(total);
//
// The container's data-points attribute counts the points drawn (tests and pages read it).
"use strict";

(function () {
  // Colour-blind-safe hues (Okabe–Ito, with the site's accent first); series i takes PALETTE[i % 8].
  const PALETTE = ["#2f5fd0", "#d55e00", "#1d7a3e", "#cc79a7", "#e69f00", "#0072b2", "#7b3fa0", "#5b6575"];
  const handles = new WeakMap();

  function formatValue(value) {
    if (value === null || value === undefined || Number.isNaN(value)) return "—";
    const abs = Math.abs(value);
    if (abs !== 0 && (abs < 0.001 || abs >= 1e6)) return value.toExponential(2);
    return Number(value.toPrecision(4)).toString();
  }

  // uPlot wants aligned columns: [xs, ys of series 0, ys of series 1, …] over one sorted x axis.
  function alignedData(spec) {
    const xs = new Set();
    spec.series.forEach((s) => s.points.forEach((p) => xs.add(p[0])));
    const sortedX = Array.from(xs).sort((a, b) => a - b);
    const at = new Map(sortedX.map((x, i) => [x, i]));
    const columns = spec.series.map((s) => {
      const ys = new Array(sortedX.length).fill(null);
      s.points.forEach(([x, y]) => { ys[at.get(x)] = (spec.log_y && !(y > 0)) ? null : y; });
      return ys;
    });
    return [sortedX, ...columns];
  }

  // uPlot's own log range widens to whole powers of ten (a loss from 0.13 to 1.7 would span 0.1 to
  // 10); this one rounds to the leading digit instead (0.1 to 2), so the curve fills the plot.
  function logRange(u, min, max) {
    if (min === null || max === null || !(min > 0)) return [0.1, 1];
    const magnitude = (v) => Math.pow(10, Math.floor(Math.log10(v)));
    const clean = (v) => Number(v.toPrecision(12));
    let low = clean(Math.floor(min / magnitude(min)) * magnitude(min));
    let high = clean(Math.ceil(max / magnitude(max)) * magnitude(max));
    if (low === high) { low = clean(low / 2); high = clean(high * 2); }
    return [low, high];
  }

  // uPlot's own padded range, and [0, 1] before the first point so an empty chart has its axis;
  // never past the spec's y_bounds (a metric's own range: accuracy stops at 1).
  function linearRange(spec) {
    return (u, min, max) => {
      let [low, high] = min === null || max === null ? [0, 1] : window.uPlot.rangeNum(min, max, 0.1, true);
      if (spec.y_bounds) {
        low = Math.max(low, spec.y_bounds[0]);
        high = Math.min(high, spec.y_bounds[1]);
      }
      return [low, high];
    };
  }

  function countPoints(spec) {
    return spec.series.reduce((n, s) => n + s.points.length, 0);
  }

  function options(spec, width) {
    const axisStyle = { stroke: "#5b6575", grid: { stroke: "#e6e9ee", width: 1 }, ticks: { stroke: "#c8ced8", width: 1 } };
    const xMax = () => spec.x_max;
    return {
      width,
      height: spec.height || 240,
      scales: {
        // A log x axis (a sweep's prompt lengths, 1 to 150) has few points: a margin on both sides,
        // and a tick at each point (powers of ten alone may not fall inside the range).
        x: spec.log_x ? { time: false, distr: 3, log: 10, range: (u, min, max) => (min > 0 && max > 0 ? [min / 1.5, max * 1.5] : [1, 10]) } : {
          time: false,
          range: (u, min, max) => {
            const low = min === null ? 0 : Math.min(min, 0);
            const high = Math.max(max === null ? 1 : max, xMax() || 0, low + 1);
            return [low, high];
          },
        },
        y: spec.log_y ? { distr: 3, log: 10, range: logRange } : { range: linearRange(spec) },
      },
      axes: [
        Object.assign({ label: spec.x_label || "", values: (u, splits) => Array.from(splits, formatValue) },
          spec.log_x ? { splits: (u) => Array.from(u.data[0]), filter: (u, splits) => splits } : {}, axisStyle),
        Object.assign({ label: spec.y_label || "", size: 60, values: (u, splits) => splits.map((v) => (v === null ? "" : formatValue(v))) }, axisStyle),
      ],
      series: [
        { label: spec.x_label || "x", value: (u, v) => formatValue(v) },
        ...spec.series.map((s, i) => ({
          label: s.label,
          stroke: s.color || PALETTE[i % PALETTE.length],
          width: 2,
          spanGaps: true,
          points: { size: 6 },
          value: (u, v) => formatValue(v),
        })),
      ],
      legend: { live: true },
      cursor: { drag: { x: true, y: false } },
    };
  }

  function mount(container, givenSpec) {
    // A page without this chart (an evaluation job has no training curve) mounts nothing.
    if (!container) return null;
    if (handles.has(container)) return handles.get(container);
    let spec = givenSpec || readSpec(container);
    if (!spec || !window.uPlot) return null;
    spec = normalised(spec);
    const width = () => Math.max(container.clientWidth || 600, 240);
    let plot = null;
    let pending = false;

    const empty = document.createElement("p");
    empty.className = "chart-empty";
    empty.textContent = "No points yet.";

    function build() {
      if (plot) plot.destroy();
      container.replaceChildren();
      plot = new window.uPlot(options(spec, width()), alignedData(spec), container);
      container.appendChild(empty);
      afterDraw();
    }
    function afterDraw() {
      const n = countPoints(spec);
      container.dataset.points = String(n);
      empty.hidden = n > 0;
    }
    function redraw() {
      // Many points may arrive at once (a resync, a burst of progress): draw once per frame.
      if (pending) return;
      pending = true;
      window.requestAnimationFrame(() => {
        pending = false;
        plot.setData(alignedData(spec));
        afterDraw();
      });
    }
    function seriesAt(which) {
      if (typeof which === "number") return spec.series[which];
      return spec.series.find((s) => s.label === which);
    }

    const handle = {
      get spec() { return spec; },
      get plot() { return plot; },
      // Add (or, for an x the series already has, replace) one point and redraw.
      append(which, x, y) {
        const series = seriesAt(which);
        if (!series || x === null || x === undefined || y === null || y === undefined) return;
        const same = series.points.findIndex((p) => p[0] === x);
        if (same >= 0) series.points[same] = [x, y];
        else series.points.push([x, y]);
        series.points.sort((a, b) => a[0] - b[0]);
        redraw();
      },
      // New data (a page re-read after its websocket reconnected). The same series (labels) only
      // redraw, keeping points past the new data's last x: they arrived live while it was fetched.
      // Other series rebuild the chart.
      replace(next) {
        const fresh = normalised(next);
        const sameSeries = fresh.series.length === spec.series.length &&
          fresh.series.every((s, i) => s.label === spec.series[i].label) && !!fresh.log_y === !!spec.log_y;
        if (sameSeries) {
          fresh.series.forEach((s, i) => {
            const last = s.points.length ? s.points[s.points.length - 1][0] : -Infinity;
            s.points.push(...spec.series[i].points.filter((p) => p[0] > last));
          });
        }
        spec = fresh;
        if (sameSeries) redraw(); else build();
      },
      setXMax(value) {
        if (value && value !== spec.x_max) { spec.x_max = value; redraw(); }
      },
    };
    build();
    if (window.ResizeObserver) {
      let lastWidth = width();
      new ResizeObserver(() => {
        const w = width();
        if (w !== lastWidth) { lastWidth = w; plot.setSize({ width: w, height: spec.height || 240 }); }
      }).observe(container);
    }
    handles.set(container, handle);
    return handle;
  }

  function normalised(spec) {
    return Object.assign({}, spec, {
      series: (spec.series || []).map((s) => Object.assign({}, s, { points: (s.points || []).map((p) => [p[0], p[1]]) })),
    });
  }

  function readSpec(container) {
    const source = container.dataset.chart && document.getElementById(container.dataset.chart);
    return source ? JSON.parse(source.textContent) : null;
  }

  function mountAll(root) {
    (root || document).querySelectorAll("[data-chart]").forEach((container) => mount(container));
  }

  window.SPS = Object.assign(window.SPS || {}, { charts: { mount, mountAll, formatValue, PALETTE } });
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", () => mountAll());
  else mountAll();
})();
