"""app.py as a whole: it starts, opens on the bundled sample, and sessions stay apart."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

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
    assert third.at.session_state["source"].kind == "sample"


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
