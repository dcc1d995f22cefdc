"""The Runs page: saved runs listed, reopened into Results/Compare, compared, deleted; and
every comparison run from the Strategies page saved (or a warning, never lost results)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import streamlit as st

from core.analysis.recommendation import recommendation_of
from core.evaluation.comparison import CompareConfig, run_comparison
from core.intake.dataset import load_dataset
from core.profile.measures import build_profile
from core.report.diagnosis import verdict_kind, verdict_line
from core.runs.store import ENV_VAR, RunStore
from ui import state

RUNS_PAGE = "pages/runs.py"


@pytest.fixture(autouse=True)
def runs_page_in_navigation(monkeypatch) -> None:
    """app.py gets the Runs page from the lead; until then add it as that line will."""
    navigation = st.navigation

    def with_runs(pages, *args, **kwargs):
        if isinstance(pages, list) and not any(p.url_path == "runs" for p in pages):
            pages = [*pages, st.Page(RUNS_PAGE, title="Runs", icon=":material/history:")]
        return navigation(pages, *args, **kwargs)

    monkeypatch.setattr(st, "navigation", with_runs)


@pytest.fixture(scope="module")
def churn_run(churn_csv):
    """A real comparison of the churn CSV (what a user would have run), with its bytes."""
    ds = load_dataset(churn_csv, "churn", name="churners.csv")
    config = CompareConfig(strategies=("baseline", "class_weight"), cv=3, n_jobs=1)
    return run_comparison(ds, config), churn_csv, build_profile(ds)


@pytest.fixture
def two_runs(runs_home, churn_run, comparisons) -> tuple[RunStore, str, str]:
    """The store with a churn run (data saved) and, newer, a multiclass run without data."""
    store = RunStore(runs_home)
    comparison, data, profile = churn_run
    with_data = store.save(comparison, data_bytes=data, data_name="churners.csv", profile=profile)
    without = store.save(comparisons["multiclass"])
    return store, with_data, without


def _open_runs_page(app):
    app.at.switch_page(RUNS_PAGE)
    return app.run()


def _select_run(app, run_id: str) -> None:
    box = app.widget("selectbox", "Run")
    (label,) = [o for o in box.options if o.endswith(run_id)]
    box.set_value(run_id)
    assert label.endswith(run_id)


def _compare_page_strategies(app) -> list[str]:
    app.at.switch_page("pages/compare.py")
    app.run()
    tables = [df.value for df in app.at.dataframe if "strategy" in df.value.columns]
    assert tables, "the Compare page shows the strategy table"
    return tables[0]["strategy"].tolist()


# --------------------------------------------------------------------------- list / open


def test_no_saved_runs_says_so(app):
    _open_runs_page(app)
    assert [i.value for i in app.at.info][0].startswith("No saved runs yet")
    assert not app.at.exception


def test_the_list_shows_every_saved_run(app, two_runs):
    store, with_data, without = two_runs
    _open_runs_page(app)
    (table,) = [df.value for df in app.at.dataframe if "recommended_value" in df.value.columns]
    assert table["id"].tolist() == [without, with_data]  # newest first
    listed = store.list()
    assert (
        table["dataset"].tolist()
        == listed["dataset"].tolist()
        == ["multiclass.csv", "churners.csv"]
    )
    np.testing.assert_allclose(table["recommended_value"], listed["recommended_value"])
    assert table["recommended_strategy"].tolist() == listed["recommended_strategy"].tolist()
    assert "best_macro_f1" not in table.columns  # one notion of best: the recommendation
    assert table["strategies"].tolist() == listed["strategies"].tolist()
    assert app.widget("selectbox", "Run").options[0].endswith(without)


def test_the_listed_recommendation_is_the_one_the_compare_page_names(app, two_runs, churn_run):
    store, with_data, _ = two_runs
    comparison = churn_run[0]
    rec = recommendation_of(comparison)
    listed = store.list().set_index("id")
    assert listed.at[with_data, "recommended_strategy"] == rec.strategy
    _open_runs_page(app)
    (table,) = [df.value for df in app.at.dataframe if "judged_by" in df.value.columns]
    shown = table.set_index("id")
    assert shown.at[with_data, "recommended_strategy"] == rec.strategy
    assert shown.at[with_data, "judged_by"] == f"F1 of '{rec.class_name}'"
    label = next(o for o in app.widget("selectbox", "Run").options if o.endswith(with_data))
    assert f"recommended {rec.strategy} (F1 of '{rec.class_name}' {rec.value:.3f})" in label
    _select_run(app, with_data)
    app.widget("button", "Open run").click()
    app.run()
    app.at.switch_page("pages/compare.py")
    app.run()
    shown = app.boxes()[verdict_kind(rec.verdict)]
    assert shown[0] == f"**{verdict_line(rec)}** {rec.reason}", shown
    assert f"Recommended: {rec.strategy}." in shown[0]


def test_opening_a_run_with_its_data_brings_back_results_compare_and_data(app, two_runs, churn_run):
    _, with_data, _ = two_runs
    comparison = churn_run[0]
    _open_runs_page(app)
    _select_run(app, with_data)
    app.widget("button", "Open run").click()
    app.run()
    assert [s.value for s in app.at.success] == [
        f"Opened run `{with_data}`: **Results** and **Compare** now show it."
    ]
    opened = app.at.session_state[state.COMPARISON]
    assert list(opened.results) == ["baseline", "class_weight"]
    pd.testing.assert_frame_equal(opened.table(), comparison.table())
    assert app.at.session_state[state.RUN_ID] == with_data
    assert app.dataset.name == "churners.csv" and app.dataset.target == ("churn",)
    assert "churners.csv" in [t.value for t in app.at.sidebar.text]
    assert _compare_page_strategies(app) == ["baseline", "class_weight"]
    app.at.switch_page("pages/results.py")
    app.run()
    assert app.widget("selectbox", "Strategy").options == ["baseline", "class_weight"]
    app.at.switch_page("pages/data.py")
    app.run()
    assert app.widget("selectbox", "Target column").value == "churn"
    assert app.metrics()["Rows analysed"] == "300"


def test_opening_a_run_without_data_keeps_the_current_dataset(app, two_runs, comparisons):
    _, _, without = two_runs
    _open_runs_page(app)
    _select_run(app, without)
    app.widget("button", "Open run").click()
    app.run()
    (warning,) = [w.value for w in app.at.warning if w.value.startswith("Opened run")]
    assert warning.startswith(f"Opened run `{without}`")
    assert "saved without its data" in warning
    assert app.dataset.name == "card_fraud.csv", "the sample loaded at start stays current"
    assert _compare_page_strategies(app) == list(comparisons["multiclass"].results)


# --------------------------------------------------------------------------- compare / delete


def test_two_runs_side_by_side(app, two_runs):
    store, with_data, without = two_runs
    _open_runs_page(app)
    assert app.widget("selectbox", "First run (A)").value == with_data
    assert app.widget("selectbox", "Second run (B)").value == without
    assert any("different data" in w.value for w in app.at.warning)
    shown = [df.value for df in app.at.dataframe if "delta" in df.value.columns]
    expected = store.compare(with_data, without)
    macro = expected[expected["metric"] == "macro_f1"].drop(columns="metric")
    pd.testing.assert_frame_equal(shown[0].reset_index(drop=True), macro.reset_index(drop=True))
    pd.testing.assert_frame_equal(shown[1], expected)
    app.widget("selectbox", "Metric").set_value("accuracy")
    app.run()
    shown = [df.value for df in app.at.dataframe if "delta" in df.value.columns][0]
    accuracy = expected[expected["metric"] == "accuracy"]
    np.testing.assert_allclose(shown["delta"], accuracy["delta"])


def test_the_second_run_starts_on_one_of_the_same_data(app, two_runs, churn_run):
    """Issue 15, item 13: "Compare two runs" paired runs of different datasets by default."""
    store, with_data, without = two_runs
    comparison, data, profile = churn_run
    again = store.save(comparison, data_bytes=data, data_name="churners.csv", profile=profile)
    _open_runs_page(app)  # newest first: again (churn), without (multiclass), with_data (churn)
    a = app.widget("selectbox", "First run (A)")
    assert a.value == without
    assert app.widget("selectbox", "Second run (B)").value == again  # nothing else of that data
    a.set_value(with_data)
    app.run()
    assert app.widget("selectbox", "Second run (B)").value == again  # the same churn data
    assert not any("different data" in w.value for w in app.at.warning)
    app.widget("selectbox", "Second run (B)").set_value(without)
    app.run()
    (warning,) = [w.value for w in app.at.warning if "different data" in w.value]
    assert "A: churners.csv, target churn" in warning and "B: multiclass.csv" in warning


def test_delete_needs_the_confirmation_then_removes_the_run(app, two_runs):
    store, with_data, without = two_runs
    _open_runs_page(app)
    _select_run(app, with_data)
    app.run()
    assert app.widget("button", "Delete run").disabled
    app.widget("checkbox", f"Yes, delete run {with_data}").check()
    app.run()
    app.widget("button", "Delete run").click()
    app.run()
    assert [s.value for s in app.at.success] == [f"Deleted run `{with_data}`."]
    assert store.list()["id"].tolist() == [without]
    assert app.widget("selectbox", "Run").options[0].endswith(without)
    assert not app.at.exception


# --------------------------------------------------------------------------- saving from the app


def _run_baseline(app) -> None:
    app.at.switch_page("pages/strategies.py")
    app.run()
    app.widget("multiselect", "Strategies").set_value(["baseline"])
    app.widget("number_input", "Folds").set_value(2)
    app.run()
    app.widget("button", "Run comparison").click()
    app.run()


def test_a_comparison_run_in_the_app_is_saved_and_its_id_shown(app, runs_home):
    _run_baseline(app)
    (run_id,) = RunStore(runs_home).list()["id"]
    assert app.at.session_state[state.RUN_ID] == run_id
    assert any(run_id in c.value for c in app.at.caption)
    saved = RunStore(runs_home).load(run_id)
    assert saved.data_name == "card_fraud.csv"
    assert saved.data_bytes == app.at.session_state[state.RAW_BYTES]
    assert saved.profile["task"] == "binary"
    pd.testing.assert_frame_equal(
        saved.comparison.table(), app.at.session_state[state.COMPARISON].table()
    )
    assert app.at.title[0].value == "Diagnosis"  # a finished run lands on Diagnosis
    app.at.switch_page("pages/strategies.py")
    app.run()
    app.widget("button", "Run comparison").click()  # the same again: reused, not saved twice
    app.run()
    assert RunStore(runs_home).list()["id"].tolist() == [run_id]
    assert app.at.session_state[state.RUN_ID] == run_id
    RunStore(runs_home).delete(run_id)  # deleted on the Runs page: running it saves it anew
    app.at.switch_page("pages/strategies.py")
    app.run()
    app.widget("button", "Run comparison").click()
    app.run()
    (again,) = RunStore(runs_home).list()["id"]
    assert again != run_id and app.at.session_state[state.RUN_ID] == again


def test_a_failed_save_warns_and_keeps_the_results(app, tmp_path, monkeypatch):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the data folder should be")
    monkeypatch.setenv(ENV_VAR, str(blocker))
    _run_baseline(app)
    (warning,) = [w.value for w in app.at.warning]
    assert warning.startswith("The results could not be saved as a run")
    assert "They stay available in this session" in warning
    assert app.at.session_state[state.RUN_ID] is None
    assert list(app.at.session_state[state.COMPARISON].results) == ["baseline"]
    assert _compare_page_strategies(app) == ["baseline"]
    assert not app.at.exception


# --------------------------------------------------------------------------- issue 15: 5, 9


def test_links_use_material_icons_and_empty_cells_read_a_dash(app, two_runs):
    store, with_data, without = two_runs
    _open_runs_page(app)
    links = {link.proto.label: link.proto.icon for link in app.at.get("page_link")}
    # emoji showed as empty boxes where the viewer's fonts lack them; Streamlit ships these
    assert links == {
        "See the comparison": ":material/compare_arrows:",
        "See each strategy's results": ":material/insights:",
    }
    tables = [df for df in app.at.dataframe if {"recommended_value", "delta"} & set(df.value)]
    assert len(tables) == 3  # the list of runs, the two runs side by side, every metric
    assert all(df.proto.placeholder == "–" for df in app.at.dataframe)  # never "None"
    side = [df.value for df in app.at.dataframe if "delta" in df.value.columns][0]
    assert side["a"].isna().any() or side["b"].isna().any()  # such cells exist here
