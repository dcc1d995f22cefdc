"""Strategies, Results and Compare pages, driven like a user, checked against core."""

from __future__ import annotations

import numpy as np
import pytest

from core.analysis.details import at_threshold, strategy_details
from core.analysis.recommendation import recommendation_of
from core.evaluation.comparison import CompareConfig, default_strategies, run_comparison
from core.report.diagnosis import verdict_kind, verdict_line
from ui import state

SAMPLES = {
    "binary": "card_fraud.csv",
    "multiclass": "machine_states.csv",
    "multilabel": "support_tickets.csv",
}
FAST = {
    "binary": ("baseline", "class_weight", "random_under"),
    "multiclass": ("baseline", "class_weight", "random_under"),
    "multilabel": ("baseline", "class_weight", "ml_ros"),
}


@pytest.fixture(scope="module")
def sample_comparisons(oracle):
    """Core's comparison on each sample, computed without Streamlit."""
    out = {}
    for task, file_name in SAMPLES.items():
        ds, _ = oracle.sample(file_name)
        config = CompareConfig(strategies=FAST[task], cv=3, seed=0, n_jobs=1)
        out[task] = (ds, run_comparison(ds, config))
    return out


def _open_with(open_app, task, sample_comparisons, page):
    view = open_app()
    if SAMPLES[task] != "card_fraud.csv":
        view.use_sample(SAMPLES[task])
    ds, comparison = sample_comparisons[task]
    view.at.session_state[state.COMPARISON] = comparison
    view.at.switch_page(page)
    return view.run(), ds, comparison


def test_pages_without_results_guide_the_user(app):
    for page in ("pages/results.py", "pages/compare.py"):
        app.at.switch_page(page)
        app.run()
        assert any("Run comparison" in i.value for i in app.at.info)


def test_strategies_page_defaults_greys_and_options(app):
    app.at.switch_page("pages/strategies.py")
    app.run()
    picked = app.widget("multiselect", "Strategies")
    assert tuple(picked.value) == default_strategies("binary")
    assert "ml_ros" not in picked.options  # multi-label only: not offered for a binary target
    catalogue = app.at.dataframe[0].value
    assert catalogue.set_index("strategy").at["ml_ros", "applies"].startswith("no: ")
    assert app.widget("selectbox", "Model").value == "logistic_regression"
    picked.set_value(["baseline", "cost_sensitive"])
    app.run()
    costs = app.at.get("arrow_data_frame") or app.at.dataframe
    assert costs  # the cost matrix editor is shown when cost_sensitive is picked
    assert any("Misclassification costs" in m.value for m in app.at.markdown)


def test_run_comparison_equals_core_and_reuses_the_cache(app, default_sample):
    ds, _ = default_sample
    app.at.switch_page("pages/strategies.py")
    app.run()
    app.widget("multiselect", "Strategies").set_value(["baseline", "class_weight"])
    app.widget("number_input", "Folds").set_value(3)
    app.run()
    app.widget("button", "Run comparison").click()
    app.run()
    assert app.at.title[0].value == "Diagnosis"  # a finished run lands on Diagnosis
    assert any("Compared 2 strategies on 3 folds" in c.value for c in app.at.caption)
    shown = app.at.session_state[state.COMPARISON]
    expected = run_comparison(
        ds,
        CompareConfig(
            strategies=("baseline", "class_weight"),
            cv=3,
            seed=0,
            n_jobs=1,
            important_class=shown.config.important_class,
            options=shown.config.options,
        ),
    )
    for name in ("baseline", "class_weight"):
        np.testing.assert_array_equal(shown.results[name].oof_pred, expected.results[name].oof_pred)
        assert shown.results[name].summary == expected.results[name].summary
    app.at.switch_page("pages/strategies.py")
    app.run()
    app.widget("button", "Run comparison").click()
    app.run()
    assert any("reused the cached result" in c.value for c in app.at.caption)
    assert app.at.session_state[state.COMPARISON] is shown


@pytest.mark.parametrize("task", ["binary", "multiclass", "multilabel"])
def test_results_page_shows_core_numbers(open_app, sample_comparisons, task):
    view, ds, comparison = _open_with(open_app, task, sample_comparisons, "pages/results.py")
    recommended = recommendation_of(comparison).strategy
    assert view.widget("selectbox", "Strategy").value == recommended  # starts on it
    result = comparison.results[recommended]
    shown = view.metrics()
    if task == "multilabel":
        assert shown["Micro F1"] == f"{result.summary['micro_f1']:.3f}"
        assert shown["Hamming loss"] == f"{result.summary['hamming_loss']:.3f}"
    else:
        assert shown["Accuracy"] == f"{result.summary['accuracy']:.3f}"
        assert shown["Macro F1"] == f"{result.summary['macro_f1']:.3f}"
    table = view.at.dataframe[0].value
    assert list(table["f1"].round(12)) == list(result.per_class["f1"].round(12))
    assert len(view.plotly_specs()) >= 6


def test_threshold_slider_updates_metrics_from_the_curves(open_app, sample_comparisons):
    view, ds, comparison = _open_with(open_app, "binary", sample_comparisons, "pages/results.py")
    det = strategy_details(comparison, recommendation_of(comparison).strategy)
    view.widget("slider", "Decision threshold").set_value(0.2)
    view.run()
    expected = at_threshold(det, det.probability_class, 0.2)
    shown = view.metrics()
    assert shown["Recall"] == f"{expected.recall:.3f}"
    assert shown["Precision"] == f"{expected.precision:.3f}"
    counts = view.at.dataframe[1].value.to_numpy()
    assert counts[0, 0] == expected.tp and counts[1, 0] == expected.fp


@pytest.mark.parametrize("task", ["binary", "multiclass", "multilabel"])
def test_compare_page_table_recommendation_and_charts(open_app, sample_comparisons, task):
    view, ds, comparison = _open_with(open_app, task, sample_comparisons, "pages/compare.py")
    table = view.at.dataframe[0].value
    assert list(table["strategy"]) == list(FAST[task])
    expected = comparison.table().set_index("strategy")["macro_f1"]
    assert dict(zip(table["strategy"], table["macro_f1"], strict=True)) == expected.to_dict()
    advice = recommendation_of(comparison)
    # the verdict's box, coloured by its strength: green only for a clear winner
    assert view.boxes()[verdict_kind(advice.verdict)][0] == (
        f"**{verdict_line(advice)}** {advice.reason}"
    )
    if advice.verdict != "clear_winner":
        assert view.boxes()["success"] == []
    titles = [spec["layout"]["title"]["text"] for spec in view.plotly_specs()]
    assert any("per class, by strategy" in t for t in titles)
    assert any("each strategy as a point" in t for t in titles)
    assert any("Confusion matrices" in t for t in titles) == (task != "multilabel")


def test_important_class_changes_the_recommendation_target(open_app, sample_comparisons):
    view, ds, comparison = _open_with(
        open_app, "multiclass", sample_comparisons, "pages/compare.py"
    )
    view.widget("selectbox", "Class that matters most").set_value("failure")
    view.run()
    advice = recommendation_of(comparison, important_class="failure")
    assert advice.class_name == "failure" and "failure" in advice.reason
    assert view.boxes()[verdict_kind(advice.verdict)][0] == (
        f"**{verdict_line(advice)}** {advice.reason}"
    )


def test_strategies_page_says_where_the_fits_run(app, monkeypatch):
    monkeypatch.delenv("IMBALANCE_DASK_SCHEDULER", raising=False)
    app.at.switch_page("pages/strategies.py")
    app.run()
    captions = [c.value for c in app.at.caption]
    assert any("in parallel on this machine's" in c for c in captions)
    monkeypatch.setenv("IMBALANCE_DASK_SCHEDULER", "tcp://10.0.0.5:8786")
    app.run()
    captions = [c.value for c in app.at.caption]
    assert (
        "The fits run on the Dask cluster at tcp://10.0.0.5:8786 (IMBALANCE_DASK_SCHEDULER)."
        in captions
    )


def test_an_unreachable_cluster_is_an_error_on_the_page_not_a_traceback(app, monkeypatch):
    from core.evaluation import parallel

    monkeypatch.setattr(parallel, "CONNECT_TIMEOUT_S", 0.5)
    monkeypatch.setenv("IMBALANCE_DASK_SCHEDULER", "tcp://127.0.0.1:9")  # nothing listens
    app.at.switch_page("pages/strategies.py")
    app.run()
    app.widget("multiselect", "Strategies").set_value(["baseline"])
    app.widget("button", "Run comparison").click()
    app.run()
    assert any("Cannot reach the Dask scheduler at 'tcp://127.0.0.1:9'" in e for e in app.errors())
    assert app.at.session_state[state.COMPARISON] is None
