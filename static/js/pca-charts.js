// PCA progress charts (Chart.js 4). Data comes from <script type="application/json" id="pca-data">,
// so the page needs no inline script.
(() => {
  const COLOURS = { target: "#9ca3af", controls: "#1d4ed8", detections: "#b45309", seizures: "#be123c" };

  function config(kind, data) {
    const series = kind === "progress"
      ? [["Target", data.targets, COLOURS.target], ["Controls", data.controls, COLOURS.controls]]
      : [["Detections", data.detections, COLOURS.detections], ["Seizures", data.seizures, COLOURS.seizures]];
    return {
      type: "bar",
      data: {
        labels: data.labels,
        datasets: series.map(([label, values, colour]) => ({ label, data: values, backgroundColor: colour })),
      },
      options: { responsive: true, scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } },
    };
  }

  function draw() {
    const source = document.getElementById("pca-data");
    if (!source || typeof window.Chart === "undefined") return;
    window.crmsFigures?.useEuropeanNumbers(window.Chart); // ticks and tooltips as the pages write numbers
    const data = JSON.parse(source.textContent);
    document.querySelectorAll("canvas[data-pca-chart]").forEach((canvas) => {
      if (canvas.dataset.drawn) return;
      canvas.dataset.drawn = "1";
      new window.Chart(canvas, config(canvas.dataset.pcaChart, data));
    });
  }

  document.addEventListener("DOMContentLoaded", draw);
  document.addEventListener("htmx:afterSettle", draw);
})();
