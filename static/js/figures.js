// Numbers in charts written as crms/core/formatting.py writes them on the pages, whatever the browser's
// language: groups of three digits separated by a no-break space, a decimal comma ("1 234,5"), shares as
// "39,5 %". Chart.js would otherwise format ticks and tooltips in the browser's locale (0.395, 1,234 under
// en-GB). tests/learning/test_model_charts.py checks the separators against formatting.GROUP / DECIMAL.
(() => {
  const GROUP = "\u00a0";
  const DECIMAL = ",";

  // |value| rounded half up on its shortest decimal writing (as formatting.number does on str(value)), as a
  // plain "1234.57" string: 1.005 -> "1.01" where toFixed would give "1.00".
  function roundHalfUp(abs, decimals) {
    const text = String(abs);
    if (/e/i.test(text)) return abs.toFixed(decimals);
    const [whole, fraction = ""] = text.split(".");
    if (fraction.length <= decimals) return decimals ? `${whole}.${fraction.padEnd(decimals, "0")}` : whole;
    let digits = whole + fraction.slice(0, decimals);
    if (fraction[decimals] >= "5") digits = String(BigInt(digits) + 1n).padStart(digits.length, "0");
    if (!decimals) return digits;
    const cut = digits.length - decimals;
    return `${digits.slice(0, cut) || "0"}.${digits.slice(cut)}`;
  }

  // As formatting.number: "1 234 567,89"; a dash when missing.
  function number(value, decimals = 0) {
    if (value === null || value === undefined || value === "" || !Number.isFinite(Number(value))) return "—";
    const fixed = roundHalfUp(Math.abs(Number(value)), decimals);
    const sign = Number(value) < 0 && Number(fixed) !== 0 ? "-" : "";
    const [whole, fraction] = fixed.split(".");
    const grouped = whole.replace(/^0+(?=\d)/, "").replace(/\B(?=(\d{3})+(?!\d))/g, GROUP);
    return sign + grouped + (fraction ? DECIMAL + fraction : "");
  }

  // The decimals a tick needs (0.1 -> 1, 0.25 -> 2, 40 -> 0), without floating-point noise.
  function decimalsOf(value) {
    const text = String(Number(Number(value).toFixed(6)));
    return Math.min(6, (text.split(".")[1] || "").length);
  }

  // A number already in percent (39.5) as "39,5 %".
  function percent(value, decimals = 1) {
    return value === null || value === undefined ? "—" : `${number(value, decimals)}${GROUP}%`;
  }

  // Chart.js defaults for every chart of the platform: linear axes and tooltips through number().
  function useEuropeanNumbers(Chart) {
    if (!Chart || Chart.defaults.crmsEuropean) return;
    Chart.defaults.crmsEuropean = true;
    Chart.defaults.scales.linear.ticks.callback = (value) => number(value, decimalsOf(value));
    Chart.defaults.plugins.tooltip.callbacks.label = (context) => {
      const value = context.chart.options.indexAxis === "y" ? context.parsed.x : context.parsed.y;
      const label = context.dataset.label ? `${context.dataset.label}: ` : "";
      return label + number(value, decimalsOf(value));
    };
  }

  window.crmsFigures = { GROUP, DECIMAL, number, percent, decimalsOf, useEuropeanNumbers };
})();
