"""The recommended strategy (core.analysis.recommendation) and the one important-class rule."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from sklearn.datasets import load_digits
from sklearn.metrics import recall_score

from core.analysis.planes import default_positive
from core.analysis.recommendation import VERDICTS, Recommendation, recommendation_of
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


def _bayes(a, b, rope, k):
    """The correlated t-test by hand: Student t posterior of mean(a - b), rho = 1/k."""
    d = np.asarray(a) - np.asarray(b)
    scale = np.sqrt((1 / k + (1 / k) / (1 - 1 / k)) * d.var(ddof=1))
    better = stats.t.sf(rope, k - 1, loc=d.mean(), scale=scale)
    worse = stats.t.cdf(-rope, k - 1, loc=d.mean(), scale=scale)
    return better, 1 - better - worse, worse


def test_recommendation_weighs_every_strategy_against_the_baseline(multiclass_run):
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
    assert rec.rope == 0.01 == comparison.config.rope
    base = comparison.results["baseline"]
    b = [f[smallest] for f in base.fold_class_f1]
    verdicts = {v.strategy: v for v in rec.per_strategy}
    assert list(verdicts) == list(comparison.results)
    for name, v in verdicts.items():
        a = [f[smallest] for f in comparison.results[name].fold_class_f1]
        assert v.value == pytest.approx(f1[name])
        assert v.mean_delta == pytest.approx(np.mean(np.subtract(a, b)))
        if name == "baseline":
            assert (v.p_better, v.p_equivalent, v.p_worse) == (0.0, 1.0, 0.0)
        else:
            expected = _bayes(a, b, 0.01, 3)
            assert (v.p_better, v.p_equivalent, v.p_worse) == pytest.approx(expected)
        assert rec.evidence["strategies"][name] == v.to_dict()
    # with three folds no gain is firm (P(better) < 0.95), though the arg-max would switch
    assert max(v.p_better for v in rec.per_strategy) < 0.95
    assert max(f1.values()) > f1["baseline"]
    assert verdicts["baseline"].beats_trivial  # F1 0.415 against 0.18 for always 'blue'
    assert rec.verdict == "keep_baseline" and rec.strategy == "baseline"
    assert rec.value == f1["baseline"] and rec.p_value is None and rec.alternatives == ()
    assert rec.reason.startswith("Keep the baseline: no strategy beats it on F1 of class 'blue'")
    closest = max((v for v in rec.per_strategy if v.strategy != "baseline" and v.beats_trivial),
                  key=lambda v: v.p_better)  # fmt: skip
    assert f"the closest, {closest.strategy}, has P(better) = {closest.p_better:.2f}" in rec.reason
    # a wider region of practical equivalence changes the masses, not the values
    wide = recommendation_of(comparison, rope=0.05)
    assert wide.rope == 0.05 and wide.evidence["rope"] == 0.05
    cw = next(v for v in wide.per_strategy if v.strategy == "class_weight")
    a = [f[smallest] for f in comparison.results["class_weight"].fold_class_f1]
    assert (cw.p_better, cw.p_equivalent, cw.p_worse) == pytest.approx(_bayes(a, b, 0.05, 3))


@pytest.mark.parametrize("cls", ["red", "green"])
def test_recommendation_follows_the_important_class(multiclass_run, cls):
    _, comparison = multiclass_run
    recall = {
        name: float(r.per_class.set_index("class").loc[cls, "recall"])
        for name, r in comparison.results.items()
    }
    rec = recommendation_of(comparison, important_class=cls, metric="recall")
    assert rec.class_name == cls and rec.metric == "recall"
    assert rec.strategy in recall and rec.value == pytest.approx(recall[rec.strategy])
    # per-fold recall of the class, recomputed here with scikit-learn, drives the test
    y, k = comparison.y_true, comparison.classes.index(cls)
    for v in rec.per_strategy:
        r = comparison.results[v.strategy]
        folds = [
            recall_score(y[va] == k, r.oof_pred[va] == k, zero_division=0)
            for _, va in comparison.folds
        ]
        base = comparison.results["baseline"]
        base_folds = [
            recall_score(y[va] == k, base.oof_pred[va] == k, zero_division=0)
            for _, va in comparison.folds
        ]
        assert v.mean_delta == pytest.approx(np.mean(folds) - np.mean(base_folds))
    with pytest.raises(DataError, match="Unknown important class 'nope'"):
        recommendation_of(comparison, important_class="nope")
    with pytest.raises(DataError, match="Cannot recommend by 'nope'"):
        recommendation_of(comparison, metric="nope")


def test_to_dict_is_the_results_json_object(multiclass_run):
    _, comparison = multiclass_run
    rec = recommendation_of(comparison)
    doc = rec.to_dict()
    assert list(doc) == [
        "strategy", "metric", "class", "value", "p_value", "reason",
        "verdict", "alternatives", "evidence",
    ]  # fmt: skip
    assert doc["class"] == rec.class_name and doc["strategy"] == rec.strategy
    assert doc["value"] == rec.value and doc["reason"] == rec.reason
    assert doc["verdict"] in VERDICTS and doc["alternatives"] == list(rec.alternatives)
    share = float(np.mean(comparison.y_true == comparison.classes.index("blue")))
    evidence = doc["evidence"]
    assert evidence["rope"] == 0.01 and evidence["folds"] == 3
    assert evidence["rho"] == pytest.approx(1 / 3)
    assert evidence["class_share"] == pytest.approx(share)
    assert evidence["trivial_f1"] == pytest.approx(2 * share / (1 + share))
    assert set(evidence["strategies"]["smote"]) == {
        "value", "mean_delta", "p_better", "p_equivalent", "p_worse", "roc_auc", "beats_trivial",
        "f1_ci_low", "ranking_p",
    }  # fmt: skip
    assert json.loads(json.dumps(doc, allow_nan=False)) == doc
    summary = recommendation_of(comparison, metric="macro_f1")
    assert summary.to_dict()["class"] is None and summary.metric == "macro_f1"
    base = [s["macro_f1"] for s in comparison.results["baseline"].fold_scores]
    for v in summary.per_strategy:
        r = comparison.results[v.strategy]
        assert v.value == r.summary["macro_f1"]
        if v.strategy != "baseline":
            a = [s["macro_f1"] for s in r.fold_scores]
            assert (v.p_better, v.p_equivalent, v.p_worse) == pytest.approx(
                _bayes(a, base, 0.01, 3)
            )
    assert summary.strategy in comparison.results and summary.verdict in VERDICTS[:3]


def test_when_every_strategy_fails_nothing_is_recommended(datasets):
    # one_class does not apply to multi-label targets: no fit runs, only its reason
    comparison = run_comparison(
        datasets["multilabel"], CompareConfig(strategies=("one_class",), cv=3, n_jobs=1)
    )
    rec = recommendation_of(comparison)
    assert rec.strategy is None and rec.value is None and rec.p_value is None
    assert rec.class_name == comparison.important_class
    assert rec.reason.startswith("Every strategy failed")
    assert rec.per_strategy == () and rec.alternatives == ()


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
