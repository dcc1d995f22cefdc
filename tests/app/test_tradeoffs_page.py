"""The Trade-offs page with a comparison in session state: what it shows equals core's."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression
from streamlit.testing.v1 import AppTest

from core.analysis.costs import costs_table, decision_costs, reading_notes
from core.analysis.deployment import deployment_estimate, evaluation_shares, holdout_shares
from core.analysis.planes import plane
from core.analysis.search import run_search
from core.analysis.search_types import SearchConfig
from core.analysis.search_view import search_view
from core.analysis.sides import sides
from core.api import compare
from core.evaluation.comparison import CompareConfig, run_comparison
from core.modelling.search_space import SEARCH_SPACES
from ui import state

PAGE = str(Path(__file__).resolve().parents[2] / "pages" / "tradeoffs.py")
TIMEOUT_S = 60


def _open(comparison, dataset) -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=TIMEOUT_S)
    at.session_state[state.COMPARISON] = comparison
    at.session_state[state.DATASET] = dataset
    return _run(at)


def _run(at: AppTest) -> AppTest:
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def _widget(at: AppTest, kind: str, label: str):
    found = [w for w in getattr(at, kind) if w.label == label]
    assert len(found) == 1, [w.label for w in getattr(at, kind)]
    return found[0]


def _front_metrics(view) -> dict[str, str]:
    front = view.pareto
    return {
        "Pareto points": f"{len(front)}",
        "Best accuracy on the front": f"{front['accuracy'].max():.3f}",
        f"Best F1 of '{view.positive_class}' on the front": f"{front['f1'].max():.3f}",
        "Strategies on the front": f"{len({s for names in front['strategies'] for s in names})}",
    }


def _assert_costs_shown(at: AppTest, comparison, positive: str) -> None:
    """The Decision costs subsection shows core's cost curves, notes and table."""
    costs = decision_costs(comparison, positive)
    tables = [d.value for d in at.dataframe if "cost_own" in d.value.columns]
    assert len(tables) == 1
    pd.testing.assert_frame_equal(tables[0], costs_table(costs))
    captions = [c.value for c in at.caption]
    assert all(note in captions for note in reading_notes(costs))
    specs = [c.proto.spec for c in at.get("plotly_chart")]
    curves = [s for s in specs if "Probability cost PC(+)" in s]
    assert len(curves) == 1 and "Normalised expected cost" in curves[0]
    rest = "the rest" if costs.negative_label == "the rest" else f"'{costs.negative_label}'"
    assert f"Cost curves: '{positive}' against {rest}" in curves[0]
    assert sum("Expected cost per row against the share" in s for s in specs) == 1


def _deployment_metrics(estimate) -> dict[str, str]:
    titles = {"accuracy": "Accuracy", "balanced_accuracy": "Balanced accuracy"}
    titles |= {"macro_f1": "Macro F1", "weighted_f1": "Weighted F1"}
    titles |= {"label_accuracy": "Label accuracy"}
    return {
        f"{titles[k]} in use": f"{v:.3f}"
        for k, v in estimate.summary.items()
        if not k.startswith("eval_")
    }


@pytest.mark.parametrize("task", ("binary", "multiclass", "multilabel"))
def test_page_shows_cores_numbers(comparisons, datasets, task):
    comparison = comparisons[task]
    at = _open(comparison, datasets[task])
    both = sides(comparison)
    shown = _metrics(at)
    assert {k: shown[k] for k in _front_metrics(both.positive)} == _front_metrics(both.positive)
    estimate = deployment_estimate(comparison, "baseline", evaluation_shares(comparison))
    assert {k: shown[k] for k in _deployment_metrics(estimate)} == _deployment_metrics(estimate)
    assert both.sentence in [i.value for i in at.info]
    tables = [d.value for d in at.dataframe if "recall_neg" in d.value.columns]
    table = tables[0]  # the Pareto front, then each strategy's own decisions
    assert len(table) == len(both.positive.pareto)
    np.testing.assert_allclose(table["accuracy"], both.positive.pareto["accuracy"])
    np.testing.assert_allclose(table["f1"], both.positive.pareto["f1"])
    assert _widget(at, "selectbox", f"Positive {'label' if task == 'multilabel' else 'class'}")
    # plane, two sides, cost curves, expected cost against the share in use, deployment
    assert len(at.get("plotly_chart")) == 5
    assert "Decision costs" in [s.value for s in at.subheader]
    _assert_costs_shown(at, comparison, both.positive.positive_class)
    assert not at.warning  # evaluation shares: no prevalence warning


def test_changing_the_positive_class_redraws_the_plane(comparisons, datasets):
    comparison = comparisons["binary"]
    at = _open(comparison, datasets["binary"])
    _widget(at, "selectbox", "Positive class").set_value("no")
    _run(at)
    expected = _front_metrics(plane(comparison, "no"))
    assert {k: _metrics(at)[k] for k in expected} == expected
    assert sides(comparison, "no").sentence in [i.value for i in at.info]
    _assert_costs_shown(at, comparison, "no")


def test_deployment_shares_reestimate_and_warn(comparisons, datasets):
    comparison = comparisons["multiclass"]
    at = _open(comparison, datasets["multiclass"])
    for cls, value in zip(comparison.classes, (2.0, 3.0, 5.0), strict=True):  # counts work
        _widget(at, "number_input", f"Share of '{cls}' in use").set_value(value)
    _widget(at, "selectbox", "Strategy").set_value("class_weight")
    _run(at)
    estimate = deployment_estimate(comparison, "class_weight", [0.2, 0.3, 0.5])
    expected = _deployment_metrics(estimate)
    assert {k: _metrics(at)[k] for k in expected} == expected
    assert [w.value for w in at.warning] == [estimate.warning]
    _widget(at, "button", "Use evaluation shares").click()
    _run(at)
    assert not at.warning


def test_holdout_shares_button(datasets):
    comparison = run_comparison(
        datasets["binary"],
        CompareConfig(strategies=("baseline",), cv=3, seed=0, holdout=0.2, n_jobs=1),
    )
    at = _open(comparison, datasets["binary"])
    _widget(at, "button", "Use hold-out shares").click()
    _run(at)
    hold = holdout_shares(comparison)
    for cls in comparison.classes:
        value = _widget(at, "number_input", f"Share of '{cls}' in use").value
        assert value == pytest.approx(round(hold[cls], 4))


def test_run_search_adds_its_points_to_the_plane(comparisons, datasets):
    comparison, ds = comparisons["binary"], datasets["binary"]
    at = _open(comparison, ds)
    _widget(at, "number_input", "Trials").set_value(6)
    _widget(at, "button", "Run search").click()
    _run(at)
    found = run_search(ds, comparison, SearchConfig(n_trials=6, timeout=60, positive_class="yes"))
    tables = [d.value for d in at.dataframe if "members" in d.value.columns]
    assert len(tables) == 1
    # one row per distinct point (issue 15, item 13: no duplicates, no bare positions)
    view = search_view(found, plane(comparison))
    pd.testing.assert_frame_equal(tables[0], view.table)
    assert sorted(tables[0]["accuracy"]) == sorted(
        found.points.drop_duplicates(["tp", "fp", "fn", "tn"])["accuracy"]
    )
    assert set(tables[0]["f1"]) == set(found.points["f1"])
    assert "position" not in tables[0].columns
    assert all(" · threshold " in t for t in tables[0]["hyper_parameters"])
    said = [b.value for b in [*at.success, *at.info]]
    assert view.sentence in said  # whether it beat the plain strategies, in one line
    expected = _front_metrics(plane(comparison).with_points(found.points))
    assert {k: _metrics(at)[k] for k in expected} == expected


def test_reruns_reuse_the_cached_views_and_search(comparisons, datasets, monkeypatch):
    import core.analysis.search
    import core.analysis.sides
    import ui.tradeoffs

    at = _open(comparisons["binary"], datasets["binary"])
    _widget(at, "number_input", "Trials").set_value(3)
    _widget(at, "button", "Run search").click()
    _run(at)

    def recomputed(*args, **kwargs):
        raise AssertionError("recomputed on a rerun")

    monkeypatch.setattr(core.analysis.search, "run_search", recomputed)
    monkeypatch.setattr(core.analysis.sides, "sides", recomputed)
    monkeypatch.setattr(ui.tradeoffs, "run_search", recomputed)  # the names the app calls
    monkeypatch.setattr(ui.tradeoffs, "sides", recomputed)
    monkeypatch.setattr(ui.tradeoffs, "decision_costs", recomputed)
    _widget(at, "number_input", "Share of 'yes' in use").set_value(0.5)  # any rerun
    _run(at)
    assert [d.value for d in at.dataframe if "members" in d.value.columns]
    _widget(at, "button", "Run search").click()  # same settings: the cached result
    _run(at)


def test_search_needs_the_comparisons_dataset(comparisons, datasets):
    at = _open(comparisons["binary"], datasets["multiclass"])
    assert not [b for b in at.button if b.label == "Run search"]
    assert any("needs the dataset the comparison ran on" in i.value for i in at.info)


def test_without_a_comparison_the_page_says_what_to_do():
    at = AppTest.from_file(PAGE, default_timeout=TIMEOUT_S)
    _run(at)
    assert "No comparison yet" in at.info[0].value


def test_a_run_of_a_users_own_estimator_shows_the_page_without_a_search():
    rng = np.random.default_rng(3)
    frame = pd.DataFrame(rng.normal(size=(120, 3)), columns=["a", "b", "c"])
    frame["y"] = np.where(frame["a"] + rng.normal(scale=0.5, size=120) > 1.0, "rare", "common")
    result = compare(frame, target="y", estimator=LogisticRegression(), strategies=["baseline"],
                     cv=3, n_jobs=1)  # fmt: skip
    assert result.comparison.config.model not in SEARCH_SPACES
    at = _open(result.comparison, result.dataset)
    assert any("an estimator given from Python" in i.value for i in at.info)
    assert not [b for b in at.button if b.label == "Run search"]
    assert "Deployment prevalence" in [s.value for s in at.subheader]  # the page goes on


def _expected_cost_spec(at: AppTest) -> dict:
    specs = [json.loads(c.proto.spec) for c in at.get("plotly_chart")]
    (spec,) = [s for s in specs if "Expected cost per row against" in s["layout"]["title"]["text"]]
    return spec


def test_cost_table_has_fixed_decimals(comparisons, datasets):
    """Four decimals in every row (0.3840 beside 0.0833), as the report prints them."""
    at = _open(comparisons["binary"], datasets["binary"])
    (frame,) = [d for d in at.dataframe if "cost_own" in d.value.columns]
    config = json.loads(frame.proto.columns)
    for column in ("cost_own", "cost_best"):
        assert config[column]["type_config"]["format"] == "%.4f"
        assert config[column]["help"] == "At the evaluation share."


def test_expected_cost_marks_the_share_in_use_once_entered(comparisons, datasets):
    comparison = comparisons["multiclass"]
    at = _open(comparison, datasets["multiclass"])
    costs = decision_costs(comparison, _widget(at, "selectbox", "Positive class").value)
    # at the evaluation shares: only the evaluation share is marked
    spec = _expected_cost_spec(at)
    assert [s["x0"] for s in spec["layout"]["shapes"]] == [costs.evaluation_prevalence]
    assert not any("in use" in a["text"] for a in spec["layout"]["annotations"])
    shares = dict(zip(comparison.classes, (2.0, 3.0, 5.0), strict=True))  # counts work
    for cls, value in shares.items():
        _widget(at, "number_input", f"Share of '{cls}' in use").set_value(value)
    _run(at)
    share = shares[costs.positive_class] / 10
    spec = _expected_cost_spec(at)
    assert [s["x0"] for s in spec["layout"]["shapes"]] == pytest.approx(
        [costs.evaluation_prevalence, share]
    )
    assert f"in use {share:.1%}" in [a["text"] for a in spec["layout"]["annotations"]]
    note = f"The second dotted line marks the share of '{costs.positive_class}' in use, {share:.1%}"
    assert any(c.value.startswith(note) for c in at.caption)
    # shares that cannot be used (all zero): the error below, no mark, the costs still shown
    for cls in comparison.classes:
        _widget(at, "number_input", f"Share of '{cls}' in use").set_value(0.0)
    _run(at)
    assert at.error
    assert len(_expected_cost_spec(at)["layout"]["shapes"]) == 1
    _assert_costs_shown(at, comparison, costs.positive_class)


def test_expected_cost_marks_the_data_pages_shares(comparisons, datasets):
    """Predictions mode: the shares set on the Data page start the inputs, so they are
    marked without entering anything here."""
    comparison = comparisons["binary"]
    shares = {c: s for c, s in zip(comparison.classes, (0.8, 0.2), strict=True)}
    at = AppTest.from_file(PAGE, default_timeout=TIMEOUT_S)
    at.session_state[state.COMPARISON] = comparison
    at.session_state[state.DATASET] = datasets["binary"]
    at.session_state[state.DEPLOY_SHARES] = (comparison.dataset.content_hash, shares)
    _run(at)
    costs = decision_costs(comparison, _widget(at, "selectbox", "Positive class").value)
    share = shares[costs.positive_class]
    assert abs(share - costs.evaluation_prevalence) >= 5e-4
    spec = _expected_cost_spec(at)
    assert [s["x0"] for s in spec["layout"]["shapes"]] == pytest.approx(
        [costs.evaluation_prevalence, share]
    )
