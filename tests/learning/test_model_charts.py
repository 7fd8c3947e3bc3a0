"""The model page's charts write numbers as the platform does, whatever the browser's language (an en-GB
browser drew 0.1 ... 0.9 and tooltips "0.395"), and label every bar of the feature importance with a "%" axis.

The chart scripts run in Node (as the browser would run them, without Chart.js): ``static/js/figures.js``
must write what ``crms.core.formatting`` writes, and ``static/js/model-charts.js`` must format every tick
and tooltip through it."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings

from crms.core import formatting

JS = Path(settings.BASE_DIR) / "static" / "js"
NODE = shutil.which("node")
needs_node = pytest.mark.skipif(NODE is None, reason="Node.js is not installed")
NBSP = "\u00a0"

HARNESS = """
global.window = {};
global.document = { addEventListener() {}, getElementById() { return null; } };
require(process.argv[1]);
require(process.argv[2]);
const input = JSON.parse(require("fs").readFileSync(0, "utf8"));
const f = window.crmsFigures;
const charts = window.crmsModelCharts;
const out = { numbers: input.numbers.map(([v, d]) => f.number(v, d)), charts: {} };
const tip = (config, value, label) => {
  const horizontal = config.options.indexAxis === "y";
  const context = { chart: { options: config.options }, parsed: horizontal ? { x: value } : { y: value },
                    dataset: { label }, dataIndex: 0 };
  return config.options.plugins.tooltip.callbacks.label(context);
};
for (const kind of ["curve", "calibration", "weekly", "importance"]) {
  const config = charts.config(kind, input.data);
  const valueAxis = config.options.indexAxis === "y" ? "x" : "y";
  const scale = config.options.scales[valueAxis];
  out.charts[kind] = {
    ticks: input.ticks[kind].map((v) => scale.ticks.callback(v)),
    tooltip: tip(config, input.tooltip[kind], "Series"),
    labels: config.data.labels,
    legends: config.data.datasets.map((d) => d.label),
    autoSkip: config.options.scales.y.ticks ? config.options.scales.y.ticks.autoSkip : undefined,
    axisTitle: scale.title ? scale.title.text : null,
    maintainAspectRatio: config.options.maintainAspectRatio,
  };
}
const fakeChart = { defaults: { scales: { linear: { ticks: {} } }, plugins: { tooltip: { callbacks: {} } } } };
f.useEuropeanNumbers(fakeChart);
out.defaults = {
  tick: fakeChart.defaults.scales.linear.ticks.callback(12500),
  tooltip: fakeChart.defaults.plugins.tooltip.callbacks.label(
    { chart: { options: {} }, parsed: { y: 1234.5 }, dataset: { label: "Controls" } }),
};
process.stdout.write(JSON.stringify(out));
"""

NUMBERS = [(1.005, 2), (2.675, 2), (0.395, 3), (1234567.891, 2), (-0.004, 2), (0, 0), (999.5, 0), (0.1, 1), (-12.5, 1)]
LONG = "Country of loading and HS chapter: irregularity rate"
DATA = {
    "curve": {"labels": ["0,5 %", "1 %"], "precision": [39.5, 30.0], "recall": [5.0, 9.0]},
    "calibration": {"labels": ["5,0 %"], "mean_score": [5.0], "irregular_share": [4.2]},
    "weekly": {"labels": ["06/01/2020"], "p10": [0.1], "p50": [0.395], "p90": [0.9], "n": [10], "operational": False},
    "importance": {"labels": [LONG] + [f"Feature {n}" for n in range(14)], "share": [12.5] + [1.0] * 14},
    "text": {"precision": "Precision", "recall": "Recall", "irregular_share": "Found irregular",
             "mean_score": "Mean score", "share": "Share of the total gain (%)", "p90": "90th percentile",
             "p50": "Median", "p10": "10th percentile"},
}  # fmt: skip


def run_charts() -> dict:
    payload = {
        "numbers": NUMBERS,
        "data": DATA,
        "ticks": {"curve": [0, 40, 100], "calibration": [20], "weekly": [0.1, 0.5, 0.9], "importance": [0, 12.5]},
        "tooltip": {"curve": 39.5, "calibration": 4.2, "weekly": 0.395, "importance": 12.5},
    }
    done = subprocess.run(
        [NODE, "-e", HARNESS, str(JS / "figures.js"), str(JS / "model-charts.js")],
        input=json.dumps(payload),
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    return json.loads(done.stdout)


def test_the_chart_figures_use_the_platforms_separators():
    source = (JS / "figures.js").read_text()
    group = re.search(r'const GROUP = "([^"]*)";', source).group(1).encode().decode("unicode_escape")
    decimal = re.search(r'const DECIMAL = "([^"]*)";', source).group(1)
    assert (group, decimal) == (formatting.GROUP, formatting.DECIMAL)


@needs_node
def test_the_charts_write_numbers_as_the_pages_do():
    out = run_charts()
    assert out["numbers"] == [formatting.number(value, decimals) for value, decimals in NUMBERS]
    charts = out["charts"]
    assert charts["weekly"]["ticks"] == ["0,1", "0,5", "0,9"]  # not 0.1 ... 0.9
    assert charts["weekly"]["tooltip"] == "Series: 0,395"  # not 0.395
    assert charts["curve"]["ticks"] == [f"0{NBSP}%", f"40{NBSP}%", f"100{NBSP}%"]
    assert charts["curve"]["tooltip"] == f"Series: 39,5{NBSP}%"
    assert charts["calibration"]["tooltip"] == f"Series: 4,2{NBSP}%"
    assert charts["curve"]["legends"] == ["Precision", "Recall"]  # the server's (translated) words
    # Every chart of the platform: Chart.js defaults through the same formatting (12,500 under en-GB before).
    assert out["defaults"] == {"tick": f"12{NBSP}500", "tooltip": f"Controls: 1{NBSP}234,5"}


@needs_node
def test_every_feature_bar_is_labelled_and_the_axis_says_percent():
    importance = run_charts()["charts"]["importance"]
    assert importance["autoSkip"] is False  # Chart.js skips every other label of 15 bars by default
    assert importance["maintainAspectRatio"] is False  # its height grows with the bars (model-charts.js size())
    assert importance["ticks"] == [f"0{NBSP}%", f"12,5{NBSP}%"] and "%" in importance["axisTitle"]
    assert importance["tooltip"] == f"12,5{NBSP}%"
    labels = importance["labels"]
    assert len(labels) == 15
    first = labels[0]
    assert isinstance(first, list) and " ".join(first) == LONG  # wrapped, nothing cut
    assert all(len(line) <= 28 for line in first)


def test_the_page_loads_the_figures_before_the_charts():
    template = (Path(settings.BASE_DIR) / "templates" / "learning" / "detail.html").read_text()
    assert template.index("js/figures.js") < template.index("js/model-charts.js")
    assert 'class="chart-tall"><canvas data-model-chart="importance"' in template
