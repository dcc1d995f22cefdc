"""Strategies, Results and Compare pages, driven like a user, checked against core."""

from __future__ import annotations

import json

import numpy as np
import pytest
from streamlit.proto.Metric_pb2 import Metric as MetricProto

from core.analysis.details import at_threshold, strategy_details
from core.analysis.recommendation import recommendation_of
from core.analysis.spread import (
    OVER_FOLDS_NOTE,
    comparison_spreads,
    outlier_notes,
    spread_text,
    strategy_spread,
)
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
    correction = app.widget("selectbox", "Probability correction")
    assert correction.value == "prior"
    assert list(correction.options) == [
        "Undo the prior shift (analytic)",
        "Calibrate on inner folds (sigmoid)",
        "Calibrate on inner folds (isotonic)",
        "No correction",
    ]
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
    app.widget("selectbox", "Probability correction").set_value("none")
    app.run()
    app.widget("button", "Run comparison").click()
    app.run()
    assert app.at.title[0].value == "Diagnosis"  # a finished run lands on Diagnosis
    assert any("Compared 2 strategies on 3 folds" in c.value for c in app.at.caption)
    shown = app.at.session_state[state.COMPARISON]
    assert shown.config.options.probability_correction == "none"  # the select box reached it
    assert shown.results["class_weight"].corrected_proba is None
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
    noun = "label" if task == "multilabel" else "class"  # issue 15, item 9: the task's noun
    assert any(f"per {noun}, by strategy" in t for t in titles)
    assert not any("per class" in t for t in titles) or task != "multilabel"
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


@pytest.mark.parametrize("task", ["binary", "multilabel"])
def test_compare_page_shows_the_spread_over_folds_beside_the_pooled_scores(
    open_app, sample_comparisons, task
):
    view, ds, comparison = _open_with(open_app, task, sample_comparisons, "pages/compare.py")
    table = view.at.dataframe[0].value.set_index("strategy")
    important = view.widget("selectbox", f"{'Label' if task == 'multilabel' else 'Class'} "
                            "that matters most").value  # fmt: skip
    spreads = comparison_spreads(comparison)
    for name, spread in spreads.items():
        pooled = comparison.results[name].per_class.set_index("class").at[important, "f1"]
        assert table.at[name, "important_f1"] == pooled
        assert table.at[name, "important_f1_folds"] == spread_text(spread.class_f1[important])
        assert table.at[name, "macro_f1_folds"] == spread_text(spread.summary["macro_f1"])
        assert " ± " in table.at[name, "macro_f1_folds"]
    assert any(OVER_FOLDS_NOTE in c.value for c in view.at.caption)


@pytest.mark.parametrize("task", ["binary", "multilabel"])
def test_results_page_shows_f1_over_folds_per_class(open_app, sample_comparisons, task):
    view, ds, comparison = _open_with(open_app, task, sample_comparisons, "pages/results.py")
    name = view.widget("selectbox", "Strategy").value
    spread = strategy_spread(comparison.results[name], comparison.classes)
    tables = [d.value for d in view.at.dataframe if "f1_folds" in d.value.columns]
    assert len(tables) == 1  # the cross-validated per-class table, not the hold-out one
    shown = tables[0]
    noun = "label" if task == "multilabel" else "class"
    expected = [spread_text(spread.class_f1[str(c)]) for c in shown[noun]]
    assert list(shown["f1_folds"]) == expected
    assert any(OVER_FOLDS_NOTE in c.value for c in view.at.caption)
    notes = outlier_notes(spread, noun)
    assert [c.value for c in view.at.caption if c.value.startswith("Outlier fold.")] == [
        f"Outlier fold. {n}" for n in notes
    ]


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


DECIDING = ("baseline", "threshold_tuning", "cost_sensitive")


@pytest.fixture(scope="module")
def deciding_comparison(oracle):
    """card_fraud with strategies whose decision is not one cut at 0.5 (issue 15, item 1)."""
    ds, _ = oracle.sample("card_fraud.csv")
    return ds, run_comparison(ds, CompareConfig(strategies=DECIDING, cv=3, seed=0, n_jobs=1))


@pytest.mark.parametrize("name", DECIDING)
def test_threshold_panel_opens_at_the_strategys_decision(open_app, deciding_comparison, name):
    from core.analysis.decision import decision_of

    ds, comparison = deciding_comparison
    view = open_app()
    view.at.session_state[state.COMPARISON] = comparison
    view.at.switch_page("pages/results.py")
    view.run()
    view.widget("selectbox", "Strategy").set_value(name)
    view.run()
    result = comparison.results[name]
    det = strategy_details(comparison, name)
    cls = det.probability_class
    decision = decision_of(comparison, det, cls)
    texts = [m.value for m in view.at.markdown]
    stated = f"**The strategy's decision (as in the table):** {decision.description}."
    assert stated in texts
    if name == "threshold_tuning":
        cuts = ", ".join(f"{t[0]:.2f}" for t in result.thresholds)
        assert f"a tuned cut per fold on the probability of '{cls}': {cuts} (mean " in stated
    if name == "cost_sensitive":
        assert "expected-cost rule (not a single cut)" in stated
    # the decided counts on the panel are the confusion matrix's (rows true, columns predicted)
    cm = np.asarray(result.confusion)
    tp, fn, fp, tn = cm[1, 1], cm[1, 0], cm[0, 1], cm[0, 0]
    counts = f"(TP {tp:,} · FP {fp:,} · FN {fn:,} · TN {tn:,})."
    assert any(t.startswith(f"It finds {tp:,} of {tp + fn:,} '{cls}' rows") for t in texts)
    assert any(t.endswith(counts) for t in texts)
    # the slider opens at the single cut nearest the decision and says whether it differs
    assert view.widget("slider", "Decision threshold").value == pytest.approx(decision.start)
    single = at_threshold(det, cls, decision.start)
    assert view.metrics()["Recall"] == f"{single.recall:.3f}"
    explained = [t for t in texts if t.startswith("**What one cut would give:**")]
    assert len(explained) == 1
    if decision.exact:
        assert explained[0].endswith("There it gives exactly the decision's counts.")
    else:
        assert explained[0].endswith(decision.difference)
    if name == "baseline":
        assert decision.start == 0.5 and decision.exact
    # a change that reads 0.000 is neutral (grey, no arrow), never "-0.000"; any other is
    # coloured with its arrow
    deltas = [m.proto for m in view.at.metric if m.proto.delta.endswith(" vs the decision")]
    assert len(deltas) == 4
    for m in deltas:
        zero = m.delta == "+0.000 vs the decision"
        assert not m.delta.startswith("-0.000")
        neutral = m.color == MetricProto.MetricColor.GRAY
        assert neutral == zero and (m.direction == MetricProto.MetricDirection.NONE) == zero
    if name == "baseline":  # the slider opens on the decision: no change at all
        assert all(m.delta == "+0.000 vs the decision" for m in deltas)
    # the tuned decision's spread over the folds and F1 a step either side (issue 16, item 4)
    from core.analysis.stability import threshold_stability

    stability = threshold_stability(comparison, name)
    over = [t for t in texts if t.startswith("**Over the folds:**")]
    if name == "baseline":
        assert stability is None and over == []
    else:
        entry = stability.entry(cls)
        assert len(over) == 1 and stability.sentence(cls) in over[0]
        say = stability.number
        assert f"ranged {say(entry.min, cls)} to {say(entry.max, cls)}" in over[0]
        assert (
            f"F1 {entry.at_value:.3f} at the cut; {entry.below:.3f} with the cut 0.05 lower, "
            f"{entry.above:.3f} with it 0.05 higher." in over[0]
        )
        values = ", ".join(say(v, cls) for v in entry.fold_values)
        assert f"Per fold: {values}." in over[0]
        if name == "threshold_tuning":
            assert entry.fold_values == tuple(t[0] for t in result.thresholds)


def test_compare_page_shows_each_tuned_decisions_range(open_app, deciding_comparison):
    from core.analysis.stability import threshold_stability

    ds, comparison = deciding_comparison
    view = open_app()
    view.at.session_state[state.COMPARISON] = comparison
    view.at.switch_page("pages/compare.py")
    view.run()
    shown = view.at.dataframe[0].value.set_index("strategy")["tuned"]
    assert shown.isna()["baseline"]  # one cut at 0.5: nothing tuned
    words = {"threshold_tuning": "cut", "cost_sensitive": "acted as cut"}
    for name, word in words.items():
        stability, cls = threshold_stability(comparison, name), comparison.classes[1]
        e, say = stability.entry(cls), stability.number
        digits = 3 if e.min < 0.1 else 2  # small cuts get a third decimal
        assert say(e.mean, cls) == f"{e.mean:.{digits}f}"
        spread = f"{say(e.min, cls)} to {say(e.max, cls)}"
        assert shown[name].startswith(f"{word} {say(e.mean, cls)} ({spread})")
        assert shown[name].endswith(", unstable") == e.unstable


# --------------------------------------------------------------------------- issue 15: 2, 4


@pytest.fixture(scope="module")
def holdout_comparison(oracle):
    """card_fraud with a 20% hold-out, so the Results page has its hold-out panel."""
    ds, _ = oracle.sample("card_fraud.csv")
    config = CompareConfig(strategies=("baseline",), cv=3, seed=0, holdout=0.2, n_jobs=1)
    return ds, run_comparison(ds, config)


def test_holdout_panel_is_a_table_beside_the_cross_validated_scores(open_app, holdout_comparison):
    from core.metrics.scores import HEADLINE_METRICS, metric_title

    ds, comparison = holdout_comparison
    view = open_app()
    view.at.session_state[state.COMPARISON] = comparison
    view.at.switch_page("pages/results.py")
    view.run()
    result = comparison.results["baseline"]
    assert not view.at.json  # no raw dict ({"Accuracy": 0.9367, ...}) any more
    (table,) = [d for d in view.at.dataframe if "holdout" in d.value.columns]
    shown = table.value
    keys = HEADLINE_METRICS["binary"]
    assert shown["metric"].tolist() == [metric_title(k) for k in keys]
    assert shown["cv"].tolist() == [result.summary[k] for k in keys]
    assert shown["holdout"].tolist() == [result.holdout.summary[k] for k in keys]
    np.testing.assert_allclose(shown["difference"], shown["holdout"] - shown["cv"], atol=0)
    assert table.proto.placeholder == "–"  # a missing score reads "–", never "None"
    config = json.loads(table.proto.columns)
    assert config["cv"]["label"] == "Cross-validated"
    assert config["holdout"]["type_config"]["format"] == "%.3f"  # 3 decimals for scores
    assert config["difference"]["type_config"]["format"] == "%+.3f"
    n = comparison.dataset.n_holdout_rows
    assert any(c.value.startswith(f"Hold-out: {n:,} rows set aside") for c in view.at.caption)


@pytest.mark.parametrize("task", ["binary", "multiclass", "multilabel"])
def test_count_table_has_its_own_row_and_whole_numbers(open_app, sample_comparisons, task):
    view, ds, comparison = _open_with(open_app, task, sample_comparisons, "pages/results.py")
    name = view.widget("selectbox", "Strategy").value
    det = strategy_details(comparison, name)
    cls = det.probability_class if task == "binary" else comparison.important_class
    threshold = view.widget("slider", "Decision threshold").value
    expected = at_threshold(det, cls, threshold)
    (counts,) = [d for d in view.at.dataframe if f"predicted {cls}" in d.value.columns]
    assert counts.value.columns.tolist() == [f"predicted {cls}", "predicted other"]
    assert counts.value.index.tolist() == [f"true {cls}", "true other"]
    assert counts.value.to_numpy().tolist() == [
        [expected.tp, expected.fn],
        [expected.fp, expected.tn],
    ]
    # its own row, not squeezed into a third of the page beside the chart (154 read "15")
    for column in view.at.columns:
        assert not [d for d in column.dataframe if f"predicted {cls}" in d.value.columns]
    config = json.loads(counts.proto.columns)
    assert all(config[c]["type_config"]["format"] == "localized" for c in counts.value.columns)


# --------------------------------------------------------------------------- issue 15: 13


def test_loading_other_data_keeps_the_results_and_says_whose_they_are(seeded_app):
    app, shown = seeded_app, seeded_app.at.session_state[state.COMPARISON]
    app.at.switch_page("pages/compare.py")
    app.run()
    assert not [m for m in app.at.markdown if "These results are for" in m.value]
    app.at.switch_page("pages/data.py")
    app.run().use_sample("machine_states.csv")
    assert app.at.session_state[state.COMPARISON] is shown  # not dropped silently
    for page in ("pages/compare.py", "pages/results.py"):
        app.at.switch_page(page)
        app.run()
        (note,) = [m.value for m in app.at.markdown if "These results are for" in m.value]
        assert note.startswith(":orange-badge[:material/swap_horiz: Other data] ")
        plain = note.replace("\\", "")  # md() escapes what Markdown would format
        assert "These results are for 'card_fraud.csv', target is_fraud;" in plain
        assert "the loaded data is 'machine_states.csv', target state." in plain
        assert "Run a comparison on it" in note


def test_compare_table_shows_the_deciding_columns_and_offers_the_rest(open_app, sample_comparisons):
    view, ds, comparison = _open_with(open_app, "binary", sample_comparisons, "pages/compare.py")
    table = view.at.dataframe[0]
    config = json.loads(table.proto.columns)
    order = list(table.proto.column_order)
    # what the verdict and its tests rest on, McNemar p, fit time and ROC AUC included
    for col in ("strategy", "important_f1", "macro_f1", "macro_f1_delta", "macro_f1_p",
                "roc_auc", "mcnemar_p", "fit_seconds"):  # fmt: skip
        assert col in order, col
    assert len(order) <= 10  # fits a 1400 px window without scrolling sideways
    hidden = [c for c in table.value.columns if c not in order]
    more = view.widget("multiselect", "More columns")
    assert sorted(more.options) == sorted(config[c]["label"] for c in hidden)
    # every score says what it means: the glossary's words (the report's too)
    from core.metrics.glossary import metric_help

    assert config["macro_f1"]["help"] == metric_help("macro_f1", "class")
    assert config["mcnemar_p"]["help"] == metric_help("mcnemar_p", "class")
    more.set_value(["balanced_accuracy"])
    view.run()
    assert "balanced_accuracy" in list(view.at.dataframe[0].proto.column_order)
