// Risk model charts (Chart.js 4). Data comes from <script type="application/json" id="model-data">.
(() => {
  const BLUE = "#1d4ed8";
  const AMBER = "#b45309";
  const GREEN = "#15803d";
  const PERCENT_Y = { beginAtZero: true, max: 100, ticks: { callback: (v) => `${v} %` } };

  function config(kind, data) {
    if (kind === "curve") {
      return {
        type: "line",
        data: { labels: data.curve.labels, datasets: [
          { label: "Precision (%)", data: data.curve.precision, borderColor: BLUE, backgroundColor: BLUE },
          { label: "Recall (%)", data: data.curve.recall, borderColor: AMBER, backgroundColor: AMBER },
        ] },
        options: { responsive: true, scales: { y: PERCENT_Y } },
      };
    }
    if (kind === "calibration") {
      return {
        type: "line",
        data: { labels: data.calibration.labels, datasets: [
          { label: "Found irregular (%)", data: data.calibration.irregular_share, borderColor: BLUE, backgroundColor: BLUE },
          { label: "Mean score (%)", data: data.calibration.mean_score, borderColor: "#6b7280", borderDash: [4, 4], pointRadius: 0 },
        ] },
        options: { responsive: true, scales: { y: PERCENT_Y } },
      };
    }
    if (kind === "importance") {
      return {
        type: "bar",
        data: { labels: data.importance.labels, datasets: [{ label: "Share of gain (%)", data: data.importance.share, backgroundColor: GREEN }] },
        options: { responsive: true, indexAxis: "y", scales: { x: { beginAtZero: true } } },
      };
    }
    return {
      type: "line",
      data: { labels: data.weekly.labels, datasets: [
        { label: "90th percentile", data: data.weekly.p90, borderColor: AMBER, backgroundColor: AMBER },
        { label: "Median", data: data.weekly.p50, borderColor: BLUE, backgroundColor: BLUE },
        { label: "10th percentile", data: data.weekly.p10, borderColor: GREEN, backgroundColor: GREEN },
      ] },
      options: { responsive: true, scales: { y: { beginAtZero: true, max: 1 } } },
    };
  }

  function draw() {
    const source = document.getElementById("model-data");
    if (!source || typeof window.Chart === "undefined") return;
    const data = JSON.parse(source.textContent);
    document.querySelectorAll("canvas[data-model-chart]").forEach((canvas) => {
      if (canvas.dataset.drawn) return;
      canvas.dataset.drawn = "1";
      new window.Chart(canvas, config(canvas.dataset.modelChart, data));
    });
  }

  document.addEventListener("DOMContentLoaded", draw);
})();
