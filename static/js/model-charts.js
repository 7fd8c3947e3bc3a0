// Risk model charts (Chart.js 4). Data comes from <script type="application/json" id="model-data">, its
// words translated on the server (data.text). Every number is written by figures.js as the pages write
// them ("39,5 %", "0,395"), never in the browser's locale.
(() => {
  const BLUE = "#1d4ed8";
  const AMBER = "#b45309";
  const GREEN = "#15803d";
  const GREY = "#6b7280";
  const LABEL_WIDTH = 28; // characters per line of a feature's label; longer ones wrap, none is cut
  const PIXELS_PER_BAR = 40;

  const figures = () => window.crmsFigures;
  const percentTick = (value) => figures().percent(value, figures().decimalsOf(value));
  const percentAxis = () => ({ beginAtZero: true, max: 100, ticks: { callback: percentTick } });
  const tooltip = (format) => ({
    callbacks: {
      label: (context) => {
        const value = context.chart.options.indexAxis === "y" ? context.parsed.x : context.parsed.y;
        return `${context.dataset.label}: ${format(value)}`;
      },
    },
  });
  const inPercent = (value) => figures().percent(value, 1);

  // "Country of loading and HS chapter: irregularity rate" -> lines of at most LABEL_WIDTH characters.
  function wrap(label) {
    const lines = [];
    let line = "";
    for (const word of String(label).split(" ")) {
      if (line && (line + " " + word).length > LABEL_WIDTH) {
        lines.push(line);
        line = word;
      } else {
        line = line ? `${line} ${word}` : word;
      }
    }
    if (line) lines.push(line);
    return lines.length > 1 ? lines : lines[0] || "";
  }

  function config(kind, data) {
    const text = data.text || {};
    if (kind === "curve") {
      return {
        type: "line",
        data: { labels: data.curve.labels, datasets: [
          { label: text.precision, data: data.curve.precision, borderColor: BLUE, backgroundColor: BLUE },
          { label: text.recall, data: data.curve.recall, borderColor: AMBER, backgroundColor: AMBER },
        ] },
        options: { responsive: true, scales: { y: percentAxis() }, plugins: { tooltip: tooltip(inPercent) } },
      };
    }
    if (kind === "calibration") {
      return {
        type: "line",
        data: { labels: data.calibration.labels, datasets: [
          { label: text.irregular_share, data: data.calibration.irregular_share, borderColor: BLUE, backgroundColor: BLUE },
          { label: text.mean_score, data: data.calibration.mean_score, borderColor: GREY, borderDash: [4, 4], pointRadius: 0 },
        ] },
        options: { responsive: true, scales: { y: percentAxis() }, plugins: { tooltip: tooltip(inPercent) } },
      };
    }
    if (kind === "importance") {
      const labels = data.importance.labels;
      return {
        type: "bar",
        data: { labels: labels.map(wrap), datasets: [{ label: text.share, data: data.importance.share, backgroundColor: GREEN }] },
        options: {
          responsive: true,
          maintainAspectRatio: false, // the height is the wrapper's, room for every bar's label
          indexAxis: "y",
          layout: { padding: { left: 8, right: 16 } },
          plugins: {
            legend: { display: false },
            tooltip: { callbacks: { title: (items) => labels[items[0].dataIndex], label: (context) => inPercent(context.parsed.x) } },
          },
          scales: {
            x: { beginAtZero: true, ticks: { callback: percentTick }, title: { display: true, text: text.share } },
            y: { ticks: { autoSkip: false } }, // every bar labelled
          },
        },
      };
    }
    const score = (value) => figures().number(value, 3);
    return {
      type: "line",
      data: { labels: data.weekly.labels, datasets: [
        { label: text.p90, data: data.weekly.p90, borderColor: AMBER, backgroundColor: AMBER },
        { label: text.p50, data: data.weekly.p50, borderColor: BLUE, backgroundColor: BLUE },
        { label: text.p10, data: data.weekly.p10, borderColor: GREEN, backgroundColor: GREEN },
      ] },
      options: {
        responsive: true,
        scales: { y: { beginAtZero: true, max: 1, ticks: { callback: (value) => figures().number(value, figures().decimalsOf(value)) } } },
        plugins: { tooltip: tooltip(score) },
      },
    };
  }

  // The importance chart's wrapper grows with its bars (the stylesheet caps other charts' height).
  function size(canvas, kind, data) {
    if (kind !== "importance" || !canvas.parentElement) return;
    canvas.parentElement.style.height = `${Math.max(260, data.importance.labels.length * PIXELS_PER_BAR + 60)}px`;
  }

  function draw() {
    const source = document.getElementById("model-data");
    if (!source || typeof window.Chart === "undefined") return;
    figures().useEuropeanNumbers(window.Chart);
    const data = JSON.parse(source.textContent);
    document.querySelectorAll("canvas[data-model-chart]").forEach((canvas) => {
      if (canvas.dataset.drawn) return;
      canvas.dataset.drawn = "1";
      size(canvas, canvas.dataset.modelChart, data);
      new window.Chart(canvas, config(canvas.dataset.modelChart, data));
    });
  }

  window.crmsModelCharts = { config, wrap }; // for tests/learning/test_model_charts.py
  document.addEventListener("DOMContentLoaded", draw);
})();
