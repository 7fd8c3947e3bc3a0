// Indicator trend charts (Chart.js 4). Data comes from <script type="application/json" id="indicator-data">.
(() => {
  const COLOURS = ["#1d4ed8", "#b45309", "#15803d", "#7c3aed", "#be123c", "#0e7490", "#4d7c0f", "#a16207"];
  const INTEGER_Y = { beginAtZero: true, ticks: { precision: 0 } };

  function config(kind, data) {
    if (kind === "ens_by_mode") {
      return {
        type: "bar",
        data: { labels: data.labels, datasets: data.ens_by_mode.map((s, i) => ({ label: s.label, data: s.data, backgroundColor: COLOURS[i % COLOURS.length] })) },
        options: { responsive: true, scales: { x: { stacked: true }, y: { ...INTEGER_Y, stacked: true } } },
      };
    }
    if (kind === "hits") {
      return {
        type: "line",
        data: {
          labels: data.labels,
          datasets: [
            { label: "Automated", data: data.hits.automated, borderColor: COLOURS[0], backgroundColor: COLOURS[0], tension: 0.2 },
            { label: "After assessment", data: data.hits.after_assessment, borderColor: COLOURS[1], backgroundColor: COLOURS[1], tension: 0.2 },
          ],
        },
        options: { responsive: true, scales: { y: INTEGER_Y } },
      };
    }
    return {
      data: {
        labels: data.labels,
        datasets: [
          { type: "bar", label: "Controls", data: data.controls.controls, backgroundColor: COLOURS[2], yAxisID: "y" },
          { type: "line", label: "Irregularity found (%)", data: data.controls.detection_rate, borderColor: COLOURS[4], backgroundColor: COLOURS[4], yAxisID: "share", spanGaps: true },
        ],
      },
      options: { responsive: true, scales: { y: INTEGER_Y, share: { position: "right", min: 0, max: 100, grid: { drawOnChartArea: false } } } },
    };
  }

  function draw() {
    const source = document.getElementById("indicator-data");
    if (!source || typeof window.Chart === "undefined") return;
    window.crmsFigures?.useEuropeanNumbers(window.Chart); // ticks and tooltips as the pages write numbers
    const data = JSON.parse(source.textContent);
    document.querySelectorAll("canvas[data-indicator-chart]").forEach((canvas) => {
      if (canvas.dataset.drawn) return;
      canvas.dataset.drawn = "1";
      new window.Chart(canvas, config(canvas.dataset.indicatorChart, data));
    });
  }

  document.addEventListener("DOMContentLoaded", draw);
})();
