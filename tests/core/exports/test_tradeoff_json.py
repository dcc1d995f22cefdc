"""core.exports.tradeoff_json: the ``tradeoff`` object of results.json."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from helpers import brute_force_pareto

from core.analysis.planes import (
    default_positive,
    plane,
    positive_classes,
)
from core.exports.outputs import write_outputs
from core.exports.results_json import results_dict
from core.exports.tradeoff_json import tradeoff_dict
from core.metrics.plane import f1_bounds

TASKS = ("binary", "multiclass", "multilabel")


@pytest.mark.parametrize("task", TASKS)
def test_tradeoff_dict_contract(comparisons, task):
    comparison = comparisons[task]
    doc = tradeoff_dict(comparison)
    json.dumps(doc, allow_nan=False)  # plain JSON
    positive = default_positive(comparison)
    assert doc["positive_class"] == positive
    for key in ("points", "pareto", "region", "trivial", "operating_points", "sides", "by_class"):
        assert key in doc
    points = pd.DataFrame(doc["points"])
    assert {"strategy", "threshold", "accuracy", "f1"} <= set(points.columns)
    assert points["threshold"].isna().sum() == points["strategy"].nunique()  # "never" rows
    # pareto: exactly the non-dominated subset of points (and of every threshold), each
    # operating point once, naming every strategy that reaches it ("baseline, threshold_tuning")
    mask = brute_force_pareto(points["accuracy"].to_numpy(), points["f1"].to_numpy())
    front = pd.DataFrame(doc["pareto"])
    key = ["strategy", "accuracy", "f1"]
    named = [(s, a, f) for names, a, f in front[key].to_numpy().tolist() for s in names.split(", ")]
    assert sorted(named) == sorted(map(tuple, points.loc[mask, key].to_numpy().tolist()))
    full = plane(comparison, positive)
    assert len(named) == int(full.points["pareto"].sum())
    assert len(front) == len(full.pareto)
    assert not front.duplicated(["threshold", "accuracy", "f1"]).any()
    # region bounds on a grid of accuracies, equal to the exact bounds
    region = pd.DataFrame(doc["region"])
    assert region["accuracy"].iloc[0] == 0.0 and region["accuracy"].iloc[-1] == 1.0
    assert 101 <= len(region) <= 103  # the grid plus the two corners
    lo, hi = f1_bounds(region["accuracy"].to_numpy(), doc["positive_share"])
    np.testing.assert_allclose(region["f1_min"], lo)
    np.testing.assert_allclose(region["f1_max"], hi)
    assert list(doc["by_class"]) == positive_classes(comparison)
    for cls, sub in doc["by_class"].items():
        assert sub["positive_class"] == cls
        sub_points = pd.DataFrame(sub["points"])
        lo, hi = f1_bounds(sub_points["accuracy"].to_numpy(), sub["positive_share"])
        rounding = 1e-6  # by_class keeps 6 decimals; the bounds are steep in accuracy, so
        slack = 1e-4  # a rounded accuracy moves them by up to ~100 x the rounding
        assert np.all((sub_points["f1"] >= lo - slack) & (sub_points["f1"] <= hi + slack))
        full = plane(comparison, cls)
        assert sub_points["pareto"].sum() == full.points["pareto"].sum()
        np.testing.assert_allclose(
            sub_points.loc[sub_points["pareto"], "f1"].sort_values(),
            full.points.loc[full.points["pareto"], "f1"].sort_values(),  # every strategy's row
            atol=rounding,
        )
    assert doc["sides"]["positive_class"] == positive
    assert len(doc["sides"]["strategies"]) == sum(r.ok for r in comparison.results.values())


def test_results_json_has_the_tradeoff_object(comparisons, tmp_path):
    comparison = comparisons["binary"]
    assert results_dict(comparison)["tradeoff"] == tradeoff_dict(comparison)
    paths = write_outputs(comparison, tmp_path)
    written = json.loads(paths["results"].read_text(encoding="utf-8"))["tradeoff"]
    assert written["positive_class"] == "yes"
    assert {"strategy", "threshold", "accuracy", "f1"} <= set(written["points"][0])
    assert written["pareto"] and written["region"]
