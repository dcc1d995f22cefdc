"""core.evaluation.scored: models trained elsewhere as a Comparison -- metrics as scikit-learn
computes them on the uploaded columns, decisions tuned honestly by cross-fitting."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from helpers import three_class_predictions
from scipy import stats
from sklearn.metrics import f1_score, precision_recall_fscore_support

from core.analysis.recommendation import recommendation_of
from core.evaluation.scored import comparison_from_predictions, decisions_dict, parts_of
from core.intake.predictions import load_predictions
from core.modelling.options import StrategyOptions

EXACT = 1e-12
NOISE = 0.03  # cross-fitted F1 on random scores may exceed the trivial F1 by this at most


def _load(frame: pd.DataFrame, target="label", **kw):
    return load_predictions(frame.to_csv(index=False).encode(), target=target, **kw)


@pytest.fixture(scope="module")
def three():
    pset = _load(three_class_predictions())
    return pset, comparison_from_predictions(pset, cv=3, seed=0)


def test_entries_and_config(three):
    pset, c = three
    assert list(c.results) == ["net", "net + tuned offsets", "gbm", "gbm + tuned offsets"]
    assert c.config.mode == "predictions" and c.config.model == "predictions"
    assert len(c.folds) == 3 and c.dataset.n_rows == pset.n_rows
    for r in c.results.values():
        assert r.ok and len(r.fold_scores) == 3
        assert all(s == {} for s in r.train_scores) and r.gap().empty  # nothing was trained
    assert c.results["net"].thresholds is None
    assert all(len(t) == 3 for t in c.results["net + tuned offsets"].thresholds)


def test_per_class_metrics_equal_sklearn_on_the_uploaded_columns(three):
    pset, c = three
    frame = three_class_predictions()
    for name in ("net", "gbm"):
        rows = frame[frame["model"] == name]
        pred = rows[["proba_0", "proba_1", "proba_2"]].to_numpy().argmax(axis=1)
        p, r, f, s = precision_recall_fscore_support(rows["label"], pred, labels=[0, 1, 2],
                                                     zero_division=0)  # fmt: skip
        table = c.results[name].per_class
        np.testing.assert_allclose(table["precision"], p, atol=EXACT)
        np.testing.assert_allclose(table["recall"], r, atol=EXACT)
        np.testing.assert_allclose(table["f1"], f, atol=EXACT)
        np.testing.assert_array_equal(table["support"], s)


def test_tuned_offsets_are_chosen_on_the_other_parts(three):
    from core.metrics.decision_rules import apply_offsets, tune_offsets

    pset, c = three
    r = c.results["gbm + tuned offsets"]
    proba = pset.models["gbm"].proba
    for (other, part), offsets in zip(c.folds, r.thresholds, strict=True):
        expected, _ = tune_offsets(pset.y[other], proba[other], "f1")
        np.testing.assert_allclose(offsets, expected, atol=EXACT)
        np.testing.assert_array_equal(r.oof_pred[part], apply_offsets(proba[part], expected))


def _f1_at_every_cut(y: np.ndarray, s: np.ndarray) -> dict[float, float]:
    """F1 of ``s >= t`` for every distinct score t, by hand (broadcast counts)."""
    cuts = np.unique(s)
    hit = s[None, :] >= cuts[:, None]
    tp = (hit & (y == 1)).sum(axis=1)
    return dict(zip(cuts, 2 * tp / (hit.sum(axis=1) + (y == 1).sum()), strict=True))


def _random_binary(seed: int, n: int = 400) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {"y": (rng.uniform(size=n) < 0.2).astype(int), "score": rng.uniform(size=n)}
    )


@pytest.mark.parametrize("seed", range(4))
def test_cross_fitted_tuning_on_random_scores_does_not_beat_the_trivial_classifier(seed):
    frame = _random_binary(seed)
    c = comparison_from_predictions(_load(frame, target="y"), cv=5, seed=seed)
    tuned = float(c.results["model + tuned threshold"].per_class["f1"].iloc[1])
    share = frame["y"].mean()
    trivial = 2 * share / (1 + share)  # always predicting the class
    assert tuned <= trivial + NOISE
    in_sample = max(_f1_at_every_cut(frame["y"].to_numpy(), frame["score"].to_numpy()).values())
    assert in_sample >= tuned  # the optimism cross-fitting removes


def test_cut_to_deploy_is_the_best_cut_on_all_rows():
    rng = np.random.default_rng(3)
    y = (rng.uniform(size=300) < 0.25).astype(int)
    s = np.clip(0.35 * y + rng.uniform(0, 0.65, 300), 0, 1)
    pset = _load(pd.DataFrame({"y": y, "score": s}), target="y")
    found = decisions_dict(pset)["models"]["model"]
    cut = found["threshold"]["cut"]
    brute = _f1_at_every_cut(y, s)
    best = max(brute.values())
    assert f1_score(y, s >= cut) == pytest.approx(best, abs=EXACT)
    assert found["objective_on_all_rows"] == pytest.approx(best, abs=EXACT)
    assert cut <= min(t for t, v in brute.items() if v >= best - EXACT)  # midway below


def test_decisions_json_shapes(three):
    pset, _ = three
    doc = decisions_dict(pset, StrategyOptions(cost_matrix=((0, 1, 1), (1, 0, 1), (5, 5, 0))))
    net = doc["models"]["net"]
    assert set(net["offsets"]["by_class"]) == {"0", "1", "2"}
    assert net["offsets"]["by_class"]["0"] == 0.0
    assert net["cost_rule"]["cost_matrix"][2] == [5.0, 5.0, 0.0]
    assert net["score_columns"] == {"0": "proba_0", "1": "proba_1", "2": "proba_2"}


def test_expected_cost_entry_is_the_bayes_rule(three):
    pset, _ = three
    cost = np.array([[0, 1, 1], [1, 0, 1], [5, 5, 0]], dtype=float)
    c = comparison_from_predictions(pset, cv=3, options=StrategyOptions(cost_matrix=cost))
    pred = np.argmin(pset.models["net"].proba @ cost, axis=1)
    np.testing.assert_array_equal(c.results["net + expected cost"].oof_pred, pred)


def test_fold_column_gives_the_parts():
    frame = _random_binary(0, 90).assign(fold=np.arange(90) % 3)
    pset = _load(frame, target="y")
    parts = parts_of(pset)
    assert len(parts) == 3
    np.testing.assert_array_equal(parts[1][1], np.arange(1, 90, 3))


def test_models_compared_on_the_same_rows_mcnemar_by_hand(three):
    pset, c = three
    rec = recommendation_of(c)
    assert rec.evidence["test"].startswith("paired bootstrap")
    assert "paired bootstrap of the rows" in rec.reason and "nothing was refitted" in rec.reason
    chosen = c.results[rec.strategy]
    y = pset.y
    for name, p in rec.evidence["mcnemar_p"].items():
        right_a, right_b = chosen.oof_pred == y, c.results[name].oof_pred == y
        b, d = int(np.sum(right_a & ~right_b)), int(np.sum(~right_a & right_b))
        if b + d < 25:
            expected = min(1.0, 2 * stats.binom.cdf(min(b, d), b + d, 0.5)) if b + d else 1.0
        else:
            expected = stats.chi2.sf((abs(b - d) - 1) ** 2 / (b + d), df=1)
        assert p == pytest.approx(expected, abs=EXACT)


def test_paired_bootstrap_of_an_entry_against_itself_is_equivalent(three):
    from core.analysis.paired import paired_bootstrap

    _, c = three
    r = c.results["gbm"]
    found = paired_bootstrap(c, r, r, "2", "f1", rope=0.01)
    assert (found.p_better, found.p_equivalent, found.p_worse, found.mean) == (0, 1, 0, 0)


def test_paired_bootstrap_interval_brackets_the_draws(three):
    from core.analysis.paired import paired_bootstrap

    _, c = three
    same = paired_bootstrap(c, c.results["gbm"], c.results["gbm"], "2", "f1", rope=0.01)
    assert (same.low, same.high) == (0, 0)
    found = paired_bootstrap(c, c.results["gbm"], c.results["net"], "2", "f1", rope=0.01)
    assert found.low < found.mean < found.high  # gbm is the better model by far
    assert found.high - found.low == pytest.approx(2 * 1.96 * found.scale, rel=0.25)
    assert found.low > 0.01 and found.p_better == 1.0  # interval beyond the ROPE: all draws


def test_the_diagnosis_of_predictions_says_cross_fitted_not_inner_folds(three):
    from core.analysis.diagnosis import CAUSE_TITLES, diagnose

    _, c = three
    found = diagnose(c, important_class="2")
    threshold = found.cause("threshold")
    source = threshold.evidence["source"]
    assert "inner folds" not in source and "threshold_tuning" not in source
    assert source.startswith("'gbm + tuned offsets'") and "(cross-fitted)" in source
    assert "inner folds" not in threshold.how_to_read and "cross-fitted" in threshold.how_to_read
    assert "inner folds" not in threshold.suggestion
    skilled = found.cause("no_skill").evidence["skill_elsewhere"]
    assert "baseline" not in skilled and "threshold_tuning" not in skilled
    unclear = [x for x in found.causes if x.verdict == "unclear"]
    tail = found.summary[found.summary.index("Not judged for lack of input") :]
    assert unclear and "_" not in tail  # no cause id
    assert all(CAUSE_TITLES[x.id].lower() in found.summary for x in unclear)
