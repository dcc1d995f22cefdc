"""app.py as a whole: it starts, opens on the bundled sample, and sessions stay apart."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from sklearn.metrics import accuracy_score, f1_score

from core.analysis.planes import plane
from core.analysis.recommendation import recommendation_of
from core.report.diagnosis import verdict_kind, verdict_line
from ui import state

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_SAMPLE = "card_fraud.csv"


def test_app_starts_without_exception_on_the_default_sample(app, default_sample, oracle):
    ds, prof = default_sample
    assert ds.target == ("is_fraud",)
    assert app.at.title[0].value == "Data"
    assert app.metrics() == oracle.metrics(ds, prof)
    assert app.metrics()["Task"] == "binary"
    assert app.findings() == oracle.findings(prof)
    assert app.findings(), "the fraud sample is meant to show pitfalls (severe imbalance)"
    assert app.errors() == []
    assert app.widget("selectbox", "Target column").value == "is_fraud"


def test_sidebar_names_the_current_dataset(app, default_sample):
    ds, _ = default_sample
    sidebar = [el.value for el in app.at.sidebar.text] + [el.value for el in app.at.sidebar.caption]
    assert f"{DEFAULT_SAMPLE} (sample)" in sidebar
    assert f"{ds.n_rows:,} rows · binary · target: is_fraud · 2 classes" in sidebar


def _navigation_pages() -> list[str]:
    """Script paths of the ``st.Page("pages/...")`` entries app.py navigates over."""
    tree = ast.parse((ROOT / "app.py").read_text(encoding="utf-8"))
    return [
        node.args[0].value
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "Page"
        and node.args
        and isinstance(node.args[0], ast.Constant)
    ]


@pytest.mark.parametrize("page", _navigation_pages())
def test_every_page_runs_without_exception(app, page):
    app.at.switch_page(page)
    app.run()
    assert app.at.main.children, f"{page} drew nothing"


def _rows_analysed(app, comparison, run_id) -> None:
    assert app.metrics()["Rows analysed"] == f"{comparison.dataset.n_rows:,}"


def _run_button(app, comparison, run_id) -> None:
    assert app.widget("button", "Run comparison").label == "Run comparison"
    assert tuple(app.widget("multiselect", "Strategies").value) == comparison.config.strategies


def _verdict_box(app, comparison, run_id) -> None:
    rec = recommendation_of(comparison)
    shown = [el.value for el in getattr(app.at, verdict_kind(rec.verdict))]
    assert shown[0] == f"**{verdict_line(rec)}** {rec.reason}"


def _headline_metrics(app, comparison, run_id) -> None:
    result = comparison.results[app.widget("selectbox", "Strategy").value]
    y_true, y_pred = comparison.y_true, result.oof_pred  # pooled out-of-fold predictions
    assert app.metrics()["Accuracy"] == f"{accuracy_score(y_true, y_pred):.3f}"
    assert app.metrics()["Macro F1"] == f"{f1_score(y_true, y_pred, average='macro'):.3f}"


def _strategy_table(app, comparison, run_id) -> None:
    tables = [df.value for df in app.at.dataframe if "strategy" in df.value.columns]
    assert list(tables[0]["strategy"]) == list(comparison.config.strategies)


def _pareto_metric(app, comparison, run_id) -> None:
    assert app.metrics()["Pareto points"] == f"{len(plane(comparison).pareto)}"


def _html_download(app, comparison, run_id) -> None:
    assert "Download HTML report" in [b.proto.label for b in app.at.get("download_button")]


def _saved_run_listed(app, comparison, run_id) -> None:
    listed = [o.rsplit(" · ", 1)[1] for o in app.widget("selectbox", "Run").options]
    assert listed == [run_id]


MARKERS = {  # one piece of content per page, computed without the page
    "pages/data.py": _rows_analysed,
    "pages/strategies.py": _run_button,
    "pages/diagnosis.py": _verdict_box,
    "pages/results.py": _headline_metrics,
    "pages/compare.py": _strategy_table,
    "pages/tradeoffs.py": _pareto_metric,
    "pages/report.py": _html_download,
    "pages/runs.py": _saved_run_listed,
}
EMPTY = ("No comparison yet", "No saved runs")


def test_every_page_has_a_content_check():
    assert sorted(MARKERS) == sorted(_navigation_pages())


@pytest.mark.parametrize("page", _navigation_pages())
def test_every_page_shows_its_content_after_a_comparison(
    seeded_app, seeded_comparison, seeded_run, page
):
    seeded_app.at.switch_page(page)
    seeded_app.run()  # raises if the page raised
    assert not seeded_app.at.exception
    said = [
        el.value
        for kind in ("info", "warning", "error", "success")
        for el in getattr(seeded_app.at, kind)
    ]
    assert not [text for text in said if text.startswith(EMPTY)], said
    assert seeded_app.errors() == []
    MARKERS[page](seeded_app, seeded_comparison, seeded_run)


def test_sessions_do_not_share_their_dataset(open_app, churn_csv):
    first, second = open_app(), open_app()
    first.use_sample("machine_states.csv")
    second.upload("churners.csv", churn_csv)
    first.run()
    second.run()
    assert first.dataset.name == "machine_states.csv"
    assert first.metrics()["Task"] == "multiclass"
    assert second.dataset.name == "churners.csv"
    assert second.dataset.target == ("churn",)
    third = open_app()  # a new visitor still gets the default sample
    assert third.dataset.name == DEFAULT_SAMPLE
    assert third.at.session_state[state.SOURCE].kind == "sample"


def test_sidebar_names_the_dataset_as_soon_as_it_changes(app, churn_csv):
    def sidebar() -> list[str]:
        return [el.value for el in app.at.sidebar.caption]

    app.upload("churners.csv", churn_csv)
    assert "300 rows · binary · target: churn · 2 classes" in sidebar()
    app.widget("selectbox", "Target column").set_value("segment")
    app.run()
    assert "300 rows · multiclass · target: segment · 3 classes" in sidebar()
    app.use_sample("machine_states.csv")
    assert any(line.endswith("target: state · 3 classes") for line in sidebar())
    app.use_sample("support_tickets.csv")  # multi-label: its labels are counted as labels
    assert any(line.endswith(" labels") and "multilabel" in line for line in sidebar())
    assert not any(line.endswith(" classes") for line in sidebar())
