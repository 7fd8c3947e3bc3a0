// Backtest report charts (Chart.js 4). Data comes from <script type="application/json" id="backtest-data">,
// so the page needs no inline script. Runs on load and again whenever HTMX swaps the report in.
(() => {
  const COLOURS = ["#1d4ed8", "#b45309", "#15803d", "#7c3aed", "#be123c", "#0e7490", "#4d7c0f", "#a16207"];

  function config(kind, data) {
    if (kind === "per_day") {
      return {
        type: "line",
        data: {
          labels: data.labels,
          datasets: [
            { label: "ENS hit", data: data.ens, borderColor: COLOURS[0], backgroundColor: COLOURS[0], tension: 0.2 },
            { label: "Goods items hit", data: data.items, borderColor: COLOURS[1], backgroundColor: COLOURS[1], tension: 0.2 },
          ],
        },
        options: { responsive: true, scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } },
      };
    }
    const bar = {
      type: "bar",
      data: {
        labels: data.labels,
        datasets: [{ label: "ENS", data: data.ens, backgroundColor: data.labels.map((_, i) => COLOURS[i % COLOURS.length]) }],
      },
      options: { responsive: true, plugins: { legend: { display: false } }, scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } },
    };
    if (kind === "load") bar.options.indexAxis = "y";
    return bar;
  }

  function draw(root) {
    const source = (root || document).querySelector ? document.getElementById("backtest-data") : null;
    if (!source || typeof window.Chart === "undefined") return;
    window.crmsFigures?.useEuropeanNumbers(window.Chart); // ticks and tooltips as the pages write numbers
    const charts = JSON.parse(source.textContent);
    document.querySelectorAll("canvas[data-backtest-chart]").forEach((canvas) => {
      if (canvas.dataset.drawn) return;
      const data = charts[canvas.dataset.backtestChart];
      if (!data) return;
      canvas.dataset.drawn = "1";
      new window.Chart(canvas, config(canvas.dataset.backtestChart, data));
    });
  }

  document.addEventListener("DOMContentLoaded", () => draw(document));
  document.addEventListener("htmx:afterSettle", (event) => draw(event.target));
})();
