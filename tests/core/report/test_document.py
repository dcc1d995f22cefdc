"""core.report.document: the offline HTML report, parsed; numbers against results.json; escaping;
how-to-reproduce (the command parses, the script runs); the download bundle."""

from __future__ import annotations

import io
import json
import re
import shlex
from dataclasses import replace
from html.parser import HTMLParser
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest
from markupsafe import escape
from plotly.offline import get_plotlyjs

from core.analysis.findings import comparison_findings, strategy_findings
from core.cli import build_parser
from core.errors import DataError
from core.evaluation.comparison import CompareConfig, run_comparison
from core.exports.outputs import write_outputs
from core.intake.dataset import load_dataset
from core.metrics.scores import HEADLINE_METRICS, SUMMARY_METRICS, is_loss
from core.modelling.options import StrategyOptions
from core.profile.measures import build_profile
from core.report.document import TEMPLATE_DIR, ReportBundle, build_report, write_report
from core.report.parts import (
    FigureStore,
    cli_gaps,
    custom_options,
    reproduce_command,
    reproduce_script,
    script_json,
)
from core.report.strategy_section import MAX_THRESHOLD_PANELS, threshold_classes

TASKS = ("binary", "multiclass", "multilabel")
VOID = {"meta", "link", "br", "img", "input", "hr", "source", "wbr"}
XSS_COLUMN = "<script>alert(1)</script>"
FORMULA_CLASS = '=HYPERLINK("http://evil.example","click")'
SCRIPT_CLASS = "</script><script>alert(2)</script>"
XSS_FILE = "<img src=x onerror=alert(3)>.csv"


class ReportParser(HTMLParser):
    """Scripts, links, sections, strategies, and every ``data-metric`` cell with its context."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, dict]] = []
        self.scripts: list[dict] = []  # attrs + "text"
        self.links: list[dict] = []
        self.ids: set[str] = set()
        self.cells: list[dict] = []  # context attrs + metric/value/text
        self.charts: list[str] = []
        self.schema_columns: list[str] = []
        self._script: dict | None = None
        self._cell: dict | None = None

    def _context(self, name: str) -> str | None:
        for _, attrs in reversed(self.stack):
            if name in attrs:
                return attrs[name]
        return None

    def handle_starttag(self, tag: str, attrs_list: list) -> None:
        attrs = {k: (v or "") for k, v in attrs_list}
        if "id" in attrs:
            self.ids.add(attrs["id"])
        if tag == "link":
            self.links.append(attrs)
        if tag in VOID:
            return
        self.stack.append((tag, attrs))
        if tag == "script":
            self._script = {**attrs, "text": ""}
        if "class" in attrs and "chart" in attrs["class"].split():
            self.charts.append(attrs["id"])
        if "data-metric" in attrs:
            self._cell = {
                "strategy": self._context("data-strategy"),
                "class": self._context("data-class"),
                "split": self._context("data-split"),
                "table": next(
                    (a.get("class") for t, a in reversed(self.stack) if t == "table"), None
                ),
                "tag": tag,
                "metric": attrs["data-metric"],
                "value": attrs.get("data-value"),
                "text": "",
            }

    def handle_endtag(self, tag: str) -> None:
        while self.stack:
            open_tag, _ = self.stack.pop()
            if open_tag == tag:
                break
        if tag == "script" and self._script is not None:
            self.scripts.append(self._script)
            self._script = None
        if tag in ("td", "div") and self._cell is not None and self._cell["tag"] == tag:
            self.cells.append(self._cell)
            self._cell = None

    def handle_data(self, data: str) -> None:
        if self._script is not None:
            self._script["text"] += data
        if self._cell is not None:
            self._cell["text"] += data


def parse(text: str) -> ReportParser:
    parser = ReportParser()
    parser.feed(text)
    parser.close()
    return parser


@pytest.fixture(scope="module")
def reports(datasets, comparisons) -> dict[str, tuple[str, dict]]:
    """task -> (report HTML, results.json document) with dataset and profile."""
    out = {}
    for task in TASKS:
        bundle = ReportBundle(comparisons[task], datasets[task], build_profile(datasets[task]))
        out[task] = (bundle.html, json.loads(bundle.results_json()))
    return out


# --------------------------------------------------------------------------- structure, numbers


@pytest.mark.parametrize("task", TASKS)
def test_every_section_strategy_and_class_is_in_the_report(reports, comparisons, task):
    text, doc = reports[task]
    parsed = parse(text)
    assert {"summary", "dataset", "profile", "configuration", "comparison", "plane", "strategies",
            "findings", "label-next", "reproduce"} <= parsed.ids  # fmt: skip
    comparison = comparisons[task]
    for name in comparison.config.strategies:
        assert f"strategy-{name}" in parsed.ids
        rows = {
            c["class"] for c in parsed.cells if c["strategy"] == name and c["table"] == "per-class"
        }
        assert rows == set(comparison.classes), name
    compared = {c["strategy"] for c in parsed.cells if c["table"] == "comparison"}
    assert compared == set(comparison.config.strategies)
    assert doc["recommendation"]["strategy"] in text


@pytest.mark.parametrize("task", TASKS)
def test_report_numbers_equal_results_json(reports, task):
    text, doc = reports[task]
    cells = parse(text).cells
    checked = 0
    for cell in cells:
        entry = doc["strategies"].get(cell["strategy"] or "")
        if entry is None or cell["value"] is None:
            continue
        if cell["table"] == "per-class" and cell["metric"] in entry["per_class"][0]:
            rec = next(r for r in entry["per_class"] if r["class"] == cell["class"])
            expected = rec[cell["metric"]]
        elif (
            cell["table"] == "comparison"
            and cell["metric"] in entry["summary"]
            or cell["tag"] == "div"
            and cell["metric"] in entry["summary"]
        ):
            expected = entry["summary"][cell["metric"]]
        else:
            continue
        assert float(cell["value"]) == expected, cell  # exact: repr round-trips
        if cell["metric"] != "support":
            assert cell["text"] == f"{expected:.3f}", cell
        checked += 1
    n_classes = len(doc["dataset"]["classes"])
    per_strategy = n_classes * 6 + len(doc["strategies"]["baseline"]["summary"])
    assert checked >= len(doc["strategies"]) * per_strategy


@pytest.mark.slow
def test_holdout_numbers_equal_results_json(datasets):
    comparison = run_comparison(
        datasets["binary"],
        CompareConfig(strategies=("baseline", "class_weight"), cv=3, holdout=0.25, n_jobs=1),
    )
    bundle = ReportBundle(comparison, datasets["binary"])
    doc = json.loads(bundle.results_json())
    held = [c for c in parse(bundle.html).cells if c["split"] == "holdout" and c["value"]]
    assert {c["strategy"] for c in held} == {"baseline", "class_weight"}
    for cell in held:
        if cell["metric"] == "important_f1":
            continue
        assert (
            float(cell["value"])
            == doc["strategies"][cell["strategy"]]["holdout"]["summary"][cell["metric"]]
        )
    assert 'Hold-out rows</dt><dd data-value="75">75' in bundle.html


# --------------------------------------------------------------------------- offline


@pytest.mark.parametrize("task", TASKS)
def test_report_is_self_contained_with_plotly_js_once(reports, task):
    text, _ = reports[task]
    parsed = parse(text)
    assert all("src" not in s for s in parsed.scripts), "a script loads from elsewhere"
    assert all(not link.get("href", "").startswith(("http", "//")) for link in parsed.links)
    assert not re.search(
        r"""(src|href)\s*=\s*["']?\s*(https?:)?//""", text.replace(get_plotlyjs(), "")
    )
    assert not re.search(r"@import|url\(\s*['\"]?(https?:)?//", text)
    code = [s for s in parsed.scripts if s.get("type", "") == ""]
    assert len(code) == 2  # plotly.js, then the few lines that draw the figures
    assert code[0]["text"] == get_plotlyjs()
    assert text.count(get_plotlyjs()[:400]) == 1
    assert "default-src 'none'" in text  # the CSP forbids every request
    specs = [s for s in parsed.scripts if s.get("type") == "application/json"]
    assert len(specs) == len(parsed.charts) + 2  # one per chart, the templates, the config
    for s in specs:
        json.loads(s["text"])
    beyond = len(text.encode()) - len(get_plotlyjs().encode())
    assert beyond < 3_000_000


def test_figure_json_cannot_close_its_script_and_keeps_counts_exact():
    fig = go.Figure(
        go.Heatmap(z=np.array([[12345, 3], [7, 99999]]), x=[SCRIPT_CLASS, "b"], y=["a", "b"])
    )
    fig.add_scatter(x=np.array([0.123456789, np.nan]), y=[1.0, 2.5], name="</SCRIPT>&")
    store = FigureStore()
    chart = store.add(fig)
    assert "<" not in chart.spec and ">" not in chart.spec and "&" not in chart.spec
    spec = json.loads(chart.spec)
    assert spec["data"][0]["z"] == [[12345, 3], [7, 99999]]
    assert spec["data"][0]["x"][0] == SCRIPT_CLASS
    assert spec["data"][1]["x"] == [0.1235, None]
    assert spec["data"][1]["name"] == "</SCRIPT>&"
    assert script_json({"a": "<!--"}) == '{"a":"\\u003c!--"}'
    store.add(go.Figure(layout={"template": "plotly_white"}))
    store.add(fig)
    assert len(store.templates) == 2  # the shared template is stored once


# --------------------------------------------------------------------------- escaping


def _hostile_csv() -> bytes:
    rng = np.random.default_rng(7)
    n = 240
    y = rng.choice(["ok", FORMULA_CLASS, SCRIPT_CLASS], size=n, p=[0.6, 0.25, 0.15])
    shift = np.select([y == "ok", y == FORMULA_CLASS], [0.0, 1.5], 3.0)
    frame = pd.DataFrame(
        {
            XSS_COLUMN: rng.normal(size=n) + shift,
            "x1": rng.normal(size=n) - shift,
            "label": y,
        }
    )
    buf = io.StringIO()
    frame.to_csv(buf, index=False)
    return buf.getvalue().encode("utf-8")


@pytest.fixture(scope="module")
def hostile():
    ds = load_dataset(_hostile_csv(), "label", name=XSS_FILE)
    comparison = run_comparison(
        ds, CompareConfig(strategies=("baseline", "class_weight"), cv=3, n_jobs=1)
    )
    return ds, comparison, ReportBundle(comparison, ds, build_profile(ds))


@pytest.mark.slow
def test_user_strings_are_escaped_everywhere(hostile):
    ds, comparison, bundle = hostile
    text = bundle.html
    assert set(ds.classes) == {"ok", FORMULA_CLASS, SCRIPT_CLASS}
    assert XSS_COLUMN in ds.X.columns
    assert escape(XSS_COLUMN) in text  # the schema table shows it, escaped
    assert escape(XSS_FILE) in text
    outside_js = text.replace(get_plotlyjs(), "")
    for raw in (XSS_COLUMN, SCRIPT_CLASS, "<img src=x", "alert(2)</script>"):
        assert raw not in outside_js
    parsed = parse(text)
    assert len([s for s in parsed.scripts if s.get("type", "") == ""]) == 2
    assert {c["class"] for c in parsed.cells if c["table"] == "per-class"} == set(ds.classes)
    for s in parsed.scripts:
        if s.get("type") == "application/json":
            json.loads(s["text"])


# --------------------------------------------------------------------------- reproduce


def _csv_of(ds) -> bytes:
    frame = ds.X.copy()
    frame["label"] = np.asarray(ds.classes)[ds.y]
    return frame.to_csv(index=False).encode("utf-8")


def test_reproduce_command_parses_back_to_the_same_configuration(datasets):
    ds = datasets["multiclass"]
    config = CompareConfig(
        strategies=("baseline", "threshold_tuning"), cv=4, seed=3, holdout=0.2,
        options=StrategyOptions(threshold_objective="fbeta", beta=2.0), important_class="blue",
    )  # fmt: skip
    comparison = replace(
        run_comparison(ds, replace(config, strategies=("baseline",), holdout=0.0, cv=3, n_jobs=1)),
        config=config,
    )
    argv = shlex.split(reproduce_command(comparison, data_path="my data.csv", out_dir="out dir"))
    assert argv[:4] == ["python", "-m", "core", "analyze"]
    args = build_parser().parse_args(argv[3:])
    assert (args.data, args.target, args.strategies) == (
        "my data.csv",
        ["label"],
        "baseline,threshold_tuning",
    )
    assert (args.model, args.cv, args.seed, args.holdout) == ("logistic_regression", 4, 3, 0.2)
    assert (args.threshold_objective, args.beta, args.important_class) == ("fbeta", 2.0, "blue")
    assert args.out == "out dir"
    assert cli_gaps(comparison) == []
    custom = replace(comparison, config=replace(config, options=StrategyOptions(k_neighbors=3)))
    assert cli_gaps(custom) == []  # --k-neighbors says it
    assert build_parser().parse_args(shlex.split(reproduce_command(custom))[3:]).k_neighbors == 3
    assert "k_neighbors=3" in reproduce_script(custom)
    iso = replace(
        comparison,
        config=replace(config, options=StrategyOptions(probability_correction="isotonic")),
    )
    assert cli_gaps(iso) == []  # --probability-correction says it
    iso_argv = shlex.split(reproduce_command(iso))[3:]
    assert build_parser().parse_args(iso_argv).probability_correction == "isotonic"
    weights = StrategyOptions(class_weights={"blue": 2.0})
    assert cli_gaps(replace(comparison, config=replace(config, options=weights))) == [
        "class weights"
    ]
    assert "--rope" not in argv and "--repeats" not in argv  # the defaults
    wider = replace(comparison, config=replace(config, rope=0.05, repeats=3))
    args = build_parser().parse_args(shlex.split(reproduce_command(wider))[3:])
    assert (args.rope, args.repeats) == (0.05, 3)


@pytest.mark.slow
def test_reproduce_script_builds_and_fits_the_recommended_pipeline(datasets, tmp_path, monkeypatch):
    source = datasets["binary"]
    (tmp_path / "binary.csv").write_bytes(_csv_of(source))
    ds = load_dataset(tmp_path / "binary.csv", "label")
    comparison = run_comparison(
        ds, CompareConfig(strategies=("baseline", "class_weight"), cv=3, n_jobs=1)
    )
    script = reproduce_script(comparison)
    assert "get_strategy('" in script and "load_dataset('binary.csv', ['label'])" in script
    monkeypatch.chdir(tmp_path)
    namespace: dict = {}
    exec(compile(script, "reproduce.py", "exec"), namespace)
    fitted = namespace["estimator"]
    pred = fitted.predict(namespace["ds"].X)
    assert pred.shape == (ds.n_rows,)
    report = build_report(comparison, dataset=ds)
    assert escape(script) in report
    assert escape(reproduce_command(comparison)) in report


@pytest.mark.slow
def test_report_shows_the_exact_command_it_was_given(comparisons):
    command = "python -m core analyze 'my file.csv' --target label --out x"
    text = build_report(comparisons["binary"], command=command)
    assert f'<code id="cli-command">{escape(command)}</code>' in text


# --------------------------------------------------------------------------- without data, bundle


@pytest.mark.slow
def test_report_without_dataset_says_what_is_missing(comparisons, tmp_path):
    path = write_report(comparisons["multilabel"], tmp_path / "r.html")
    text = path.read_text(encoding="utf-8")
    assert "The column decisions are not available" in text
    assert "The imbalance profile is not available" in text
    assert "Not available: the dataset of this run is not loaded." in text
    assert not list(tmp_path.glob(".*.tmp"))
    bundle = ReportBundle(comparisons["multilabel"])
    assert [d.label for d in bundle.downloads()][-1] == "Download Excel workbook"


def test_a_dataset_or_profile_of_other_data_is_refused(datasets, comparisons):
    with pytest.raises(DataError, match="is not the one this comparison ran on"):
        build_report(comparisons["binary"], dataset=datasets["multiclass"])
    with pytest.raises(DataError, match="profile is of other classes"):
        ReportBundle(comparisons["binary"], profile=build_profile(datasets["multiclass"]))


@pytest.mark.slow
def test_bundle_files_match_what_the_cli_writes(datasets, comparisons, tmp_path):
    ds = datasets["binary"]
    profile = build_profile(ds)
    bundle = ReportBundle(comparisons["binary"], ds, profile, command="python -m core analyze x")
    files = bundle.downloads()
    assert [d.label for d in files] == [
        "Download HTML report", "Download results.json", "Download metrics.csv",
        "Download predictions.csv", "Download Excel workbook", "Download rows to label next (CSV)",
    ]  # fmt: skip
    assert [d.lazy for d in files] == [False, False, False, True, True, False]
    written = write_outputs(
        comparisons["binary"],
        tmp_path,
        profile=profile.to_dict(),
        command="python -m core analyze x",
        diagnosis=bundle.diagnosed.to_dict(),  # the bundle's results.json carries it too
    )
    assert json.loads(bundle.results_json())["diagnosis"] == bundle.diagnosed.to_dict()
    assert bundle.results_json() == written["results"].read_bytes()
    assert bundle.metrics_csv() == written["metrics"].read_bytes()
    assert bundle.predictions_csv() == written["predictions"].read_bytes()
    assert files[0].data() == bundle.html.encode("utf-8")
    assert bundle.excel_bytes()[:2] == b"PK"
    assert bundle.html is bundle.html  # built once


def test_threshold_curves_cover_the_rarest_classes_and_the_important_one(comparisons):
    assert threshold_classes(comparisons["binary"], "no") == ["yes"]  # the positive class
    c = comparisons["multiclass"]
    assert threshold_classes(c, "red") == list(c.classes)  # 3 classes: all of them
    names = [f"c{i}" for i in range(10)]
    many = SimpleNamespace(
        task="multiclass",
        classes=tuple(names),
        dataset=SimpleNamespace(class_counts={n: 100 - 10 * i for i, n in enumerate(names)}),
        class_rarity=lambda: names[::-1],  # c9 has the fewest rows (10), c0 the most (100)
    )
    rarest = names[-MAX_THRESHOLD_PANELS:]
    assert threshold_classes(many, "c9") == rarest
    assert threshold_classes(many, "c0") == ["c0", *rarest]  # in class order


def test_template_is_found_next_to_core():
    assert (TEMPLATE_DIR / "report.html.j2").is_file()
    assert TEMPLATE_DIR.parent == Path(__file__).resolve().parents[3] / "core" / "report"


def test_figure_json_holds_no_nan_or_infinity(reports):
    text, _ = reports["multiclass"]
    specs = [s for s in parse(text).scripts if s.get("type") == "application/json"]
    assert specs
    for s in specs:
        assert "NaN" not in s["text"] and "Infinity" not in s["text"]


def test_a_run_where_every_strategy_failed_still_reports_why(datasets):
    ds = datasets["multilabel"]
    comparison = run_comparison(
        ds, CompareConfig(strategies=("one_vs_rest", "cost_sensitive"), cv=3, n_jobs=1)
    )
    bundle = ReportBundle(comparison, ds)
    text = bundle.html
    assert "<strong>No recommendation.</strong> Every strategy failed" in text
    assert (
        "Not available: No strategy ran successfully, so no model can rank rows to label." in text
    )
    assert 'id="python-script"' not in text
    for name in ("one_vs_rest", "cost_sensitive"):
        assert f"<strong>{name} could not run.</strong>" in text
    assert bundle.label_note == "No strategy ran successfully, so no model can rank rows to label"
    assert [d.label for d in bundle.downloads()][0] == "Download HTML report"


# --------------------------------------------------------------------------- shared rules


def test_headline_metrics_apply_to_their_task_and_only_hamming_loss_is_a_loss():
    assert set(HEADLINE_METRICS) == set(TASKS)
    for task, names in HEADLINE_METRICS.items():
        assert len(names) == 5 and all(task in SUMMARY_METRICS[m].tasks for m in names), task
    assert [m for m in SUMMARY_METRICS if is_loss(m)] == ["hamming_loss"]
    assert not is_loss("no_such_metric")


@pytest.mark.parametrize("task", TASKS)
def test_strategy_tiles_are_the_headline_metrics_in_order(reports, task):
    text, doc = reports[task]
    tiles = [c["metric"] for c in parse(text).cells
             if c["tag"] == "div" and c["strategy"] == "baseline" and c["metric"]]  # fmt: skip
    summary = doc["strategies"]["baseline"]["summary"]
    assert tiles == [m for m in HEADLINE_METRICS[task] if m in summary]


@pytest.mark.slow
def test_the_report_decides_on_the_comparisons_important_class(datasets, comparisons):
    default = comparisons["multiclass"]
    html = ReportBundle(default).html
    assert f"F1 of &#39;{default.rarest_class}&#39;" in html or (
        f"F1 of '{default.rarest_class}'" in html
    )
    assert f"{default.rarest_class} (the rarest, by default)" in html
    chosen = next(c for c in default.classes if c != default.rarest_class)
    picked = replace(default, config=replace(default.config, important_class=chosen))
    assert picked.important_class == chosen
    html = ReportBundle(picked).html
    assert f"F1 of &#39;{chosen}&#39;" in html or f"F1 of '{chosen}'" in html
    assert "(the rarest, by default)" not in html


def test_the_rarest_class_as_one_class_target_counts_as_the_default(comparisons):
    c = comparisons["multiclass"]
    same = replace(
        c, config=replace(c.config, options=StrategyOptions(one_class_target=c.rarest_class))
    )
    assert "one_class_target" not in custom_options(same)
    other = next(k for k in c.classes if k != c.rarest_class)
    moved = replace(c, config=replace(c.config, options=StrategyOptions(one_class_target=other)))
    assert custom_options(moved)["one_class_target"] == other


def test_muted_comparison_findings_stay_out_of_the_report(comparisons):
    found = {
        task: {f.code for f in comparison_findings(c)}
        | {f.code for n in c.results for f in strategy_findings(c, n)}
        for task, c in comparisons.items()
    }
    task = max(found, key=lambda t: len(found[t]))
    assert found[task], found  # the fixtures do raise comparison findings
    c = comparisons[task]
    codes = sorted(found[task])
    html = build_report(c)
    for code in codes:
        assert f'data-code="{code}"' in html
    muted = build_report(c, muted_findings=(codes[0],))
    assert f'data-code="{codes[0]}"' not in muted
    for code in codes[1:]:
        assert f'data-code="{code}"' in muted
