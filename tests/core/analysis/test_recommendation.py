"""The recommended strategy (core.analysis.recommendation) and the one important-class rule."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from sklearn.datasets import load_digits

from core.analysis.planes import default_positive
from core.analysis.recommendation import Recommendation, recommendation_of
from core.analysis.sides import sides
from core.errors import DataError
from core.evaluation.comparison import CompareConfig, run_comparison
from core.exports.tradeoff_json import tradeoff_dict
from core.intake.dataset import Dataset
from core.modelling.options import StrategyOptions


@pytest.fixture(scope="module")
def multiclass_run(datasets):
    ds = datasets["multiclass"]
    config = CompareConfig(
        strategies=("baseline", "class_weight", "random_over", "smote"), cv=3, n_jobs=1
    )
    return ds, run_comparison(ds, config)


def test_recommendation_picks_the_best_f1_of_the_smallest_class(multiclass_run):
    ds, comparison = multiclass_run
    smallest = min(ds.classes, key=lambda c: ds.class_counts[c])
    assert smallest == "blue" == comparison.important_class  # 10% of the rows
    f1 = {
        name: float(r.per_class.set_index("class").loc[smallest, "f1"])
        for name, r in comparison.results.items()
    }
    rec = recommendation_of(comparison)
    assert isinstance(rec, Recommendation)
    assert rec.class_name == smallest and rec.metric == "f1"
    assert f1[rec.strategy] == max(f1.values())
    assert rec.value == max(f1.values())
    if rec.strategy != "baseline":
        delta = (
            comparison.results[rec.strategy].summary["macro_f1"]
            - comparison.results["baseline"].summary["macro_f1"]
        )
        assert f"macro F1 {delta:+.3f}" in rec.reason
        best, base = comparison.results[rec.strategy], comparison.results["baseline"]
        d = np.array([f[smallest] for f in best.fold_class_f1]) - np.array(
            [f[smallest] for f in base.fold_class_f1]
        )
        t = d.mean() / np.sqrt(
            (1 / 3 + np.mean(best.n_val) / np.mean(best.n_train)) * d.var(ddof=1)
        )
        assert rec.p_value == pytest.approx(2 * stats.t.sf(abs(t), 2))
        assert f"p = {rec.p_value:.3g}" in rec.reason


@pytest.mark.parametrize("cls", ["red", "green"])
def test_recommendation_follows_the_important_class(multiclass_run, cls):
    _, comparison = multiclass_run
    recall = {
        name: float(r.per_class.set_index("class").loc[cls, "recall"])
        for name, r in comparison.results.items()
    }
    rec = recommendation_of(comparison, important_class=cls, metric="recall")
    assert rec.class_name == cls and recall[rec.strategy] == max(recall.values())
    with pytest.raises(DataError, match="Unknown important class 'nope'"):
        recommendation_of(comparison, important_class="nope")
    with pytest.raises(DataError, match="Cannot recommend by 'nope'"):
        recommendation_of(comparison, metric="nope")


def test_to_dict_is_the_results_json_object(multiclass_run):
    _, comparison = multiclass_run
    rec = recommendation_of(comparison)
    doc = rec.to_dict()
    assert list(doc) == ["strategy", "metric", "class", "value", "p_value", "reason"]
    assert doc["class"] == rec.class_name and doc["strategy"] == rec.strategy
    assert doc["value"] == rec.value and doc["reason"] == rec.reason
    assert json.loads(json.dumps(doc, allow_nan=False)) == doc
    summary = recommendation_of(comparison, metric="macro_f1").to_dict()
    assert summary["class"] is None and summary["metric"] == "macro_f1"
    best = max(comparison.results, key=lambda n: comparison.results[n].summary["macro_f1"])
    assert summary["strategy"] == best


def test_when_every_strategy_fails_nothing_is_recommended(datasets):
    # one_class does not apply to multi-label targets: no fit runs, only its reason
    comparison = run_comparison(
        datasets["multilabel"], CompareConfig(strategies=("one_class",), cv=3, n_jobs=1)
    )
    rec = recommendation_of(comparison)
    assert rec.strategy is None and rec.value is None and rec.p_value is None
    assert rec.class_name == comparison.important_class
    assert rec.reason.startswith("Every strategy failed")


# --------------------------------------------------------------------------- one important class


def _digits(counts: dict[str, int]) -> Dataset:
    """The first ``counts[c]`` rows of each digit ``c`` of scikit-learn's digits."""
    X, y = load_digits(return_X_y=True)
    rows = np.concatenate([np.flatnonzero(y == int(c))[:n] for c, n in counts.items()])
    rows = np.sort(rows)
    frame = pd.DataFrame(X[rows], columns=[f"p{i}" for i in range(X.shape[1])])
    classes = tuple(str(c) for c in range(10))
    return Dataset(
        X=frame,
        y=y[rows].astype(np.intp),
        task="multiclass",
        classes=classes,
        target=("digit",),
        numeric_features=tuple(frame.columns),
        categorical_features=(),
        schema=(),
        row_ids=np.arange(len(rows)),
        name="digits.csv",
        content_hash="digits-tie",
    )


def test_every_site_names_the_same_important_class_on_ten_digits():
    # '3' and '7' tie for the rarest: the earlier class, '3', wins everywhere
    counts = {str(c): 30 for c in range(10)} | {"3": 12, "7": 12}
    ds = _digits(counts)
    comparison = run_comparison(ds, CompareConfig(strategies=("baseline",), cv=3, n_jobs=1))
    assert ds.classes_by_rarity()[:2] == ["3", "7"]  # Strategies page default
    assert StrategyOptions().validated(ds).one_class_target == "3"  # one_class default
    assert comparison.class_rarity()[:2] == ["3", "7"] and comparison.rarest_class == "3"
    assert comparison.important_class == "3"  # Compare and Results page defaults
    assert recommendation_of(comparison).class_name == "3"  # the recommendation
    assert default_positive(comparison) == "3"  # Trade-offs page, results.json, search
    assert sides(comparison).positive.positive_class == "3"
    assert tradeoff_dict(comparison, max_points=5)["positive_class"] == "3"
    # the config's choice wins everywhere it applies
    chosen = run_comparison(
        ds, CompareConfig(strategies=("baseline",), cv=3, n_jobs=1, important_class="5")
    )
    assert chosen.important_class == "5" and chosen.rarest_class == "3"
    assert recommendation_of(chosen).class_name == "5" == default_positive(chosen)
