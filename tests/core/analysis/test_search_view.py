"""core.analysis.search_view: a search's points shown once each, with their hyper-parameters
and a label instead of a position, and one sentence on whether it beat the plain strategies."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from core.analysis.planes import plane
from core.analysis.search import run_search
from core.analysis.search_types import SearchConfig
from core.analysis.search_view import TABLE_COLUMNS, param_text, search_view
from core.errors import DataError


@pytest.fixture(scope="module")
def found(datasets, comparisons):
    config = SearchConfig(n_trials=6, inner_cv=2, timeout=None)
    return run_search(datasets["binary"], comparisons["binary"], config)


@pytest.fixture(scope="module")
def strategies(comparisons, found):
    return plane(comparisons["binary"], found.positive_class)


def test_one_row_per_distinct_point_with_labels_and_hyper_parameters(found, strategies):
    view = search_view(found, strategies)
    table = view.table
    assert tuple(table.columns) == TABLE_COLUMNS
    counts = found.points[["tp", "fp", "fn", "tn"]].drop_duplicates()
    assert len(table) == len(counts)  # duplicates merged, nothing lost
    assert not table.duplicated(["accuracy", "f1", "recall_pos", "recall_neg"]).any()
    assert table["accuracy"].is_monotonic_decreasing
    assert table["point"].iloc[0].startswith("A (most accurate")
    best = table["f1"].to_numpy().argmax()
    assert table["point"].iloc[best].endswith("best F1)")
    assert [p for p in table["point"] if "best F1" in p] == [table["point"].iloc[best]]
    assert "position" not in table.columns  # 0.00 / 0.33 meant nothing to a reader
    for text in table["hyper_parameters"]:
        assert text.startswith("C ") and " · class weight " in text and " · threshold " in text
    shown = {m for ms in table["members"] for m in ms.split(" | ")}
    assert shown == set(found.points["members"])  # every point's trials, none twice


def test_the_verdict_is_computed_from_the_planes_numbers(found, strategies):
    view = search_view(found, strategies)
    decisions, sweep = strategies.operating, strategies.points
    assert view.best_f1 == found.points["f1"].max()
    assert view.best_decision_f1 == decisions["f1"].max()
    assert view.best_decision == decisions.loc[decisions["f1"].idxmax(), "strategy"]
    assert view.best_sweep_f1 == sweep["f1"].max()
    assert view.beats_decisions == (found.points["f1"].max() > decisions["f1"].max())
    joined = strategies.with_points(found.points).points
    tail = joined["pareto"].to_numpy()[-len(found.points) :]
    assert view.n_on_front == len(found.points[tail][["tp", "fp", "fn", "tn"]].drop_duplicates())
    verdict = "beat" if view.beats_decisions else "did not beat"
    assert view.sentence.startswith(f"The search {verdict} the plain strategies on F1 of 'yes'")
    assert f"{view.best_decision_f1:.3f}, {view.best_decision}" in view.sentence


def test_hand_made_points_duplicates_and_a_winner(found, strategies):
    """Two copies of one point and one point better than every strategy on F1 and accuracy."""
    n = int(strategies.points[["tp", "fn"]].iloc[0].sum())  # positive rows
    total = int(strategies.points[["tp", "fp", "fn", "tn"]].iloc[0].sum())
    perfect = {"tp": n, "fp": 0, "fn": 0, "tn": total - n, "accuracy": 1.0, "f1": 1.0}
    weak = {"tp": 0, "fp": 0, "fn": n, "tn": total - n, "accuracy": (total - n) / total, "f1": 0.0}
    rows = [weak, weak, perfect]
    points = pd.DataFrame(
        [
            {"strategy": "search", "threshold": 0.5, "recall_pos": r["tp"] / n,
             "recall_neg": 1.0, "balanced_accuracy": 0.5 + r["tp"] / n / 2, "precision": 1.0,
             "position": q, "members": f"fold 1: trial {i}", **r}
            for i, (q, r) in enumerate(zip((0.0, 0.5, 1.0), rows, strict=True))
        ]
    )  # fmt: skip
    chosen = pd.DataFrame(
        {"point": [0, 0, 1, 1, 2, 2], "fold": [0, 1] * 3, "C": [0.01, 2.5, 1.0, 1.0, 7, 7],
         "class_weight_strength": [0.5] * 6, "threshold": [0.2, 0.4, 0.3, 0.3, 0.5, 0.5]}
    )  # fmt: skip
    fake = replace(found, points=points, chosen=chosen)
    view = search_view(fake, strategies)
    assert list(view.table["point"]) == ["A (most accurate, best F1)", "B"]
    assert view.table["f1"].tolist() == [1.0, 0.0]
    assert view.table.at[0, "hyper_parameters"] == "C 7 · class weight 0.5 · threshold 0.5"
    # the merged copies: C over both points' folds, thresholds 0.2-0.4
    assert (
        view.table.at[1, "hyper_parameters"] == "C 0.01–2.5 · class weight 0.5 · threshold 0.2–0.4"
    )
    assert view.table.at[1, "members"] == "fold 1: trial 0 | fold 1: trial 1"
    assert view.beats_decisions == (strategies.operating["f1"].max() < 1.0)
    assert view.table.at[0, "on_front"] and view.n_on_front >= 1
    assert "on the Pareto front: no strategy at any threshold beats" in view.sentence


def test_param_text_integers_and_agreement():
    chosen = pd.DataFrame({"n_estimators": [20, 200], "max_depth": [4, 4],
                           "min_samples_leaf": [1, 3], "threshold": [0.25, 0.25]})  # fmt: skip
    assert param_text(chosen, "random_forest") == (
        "n_estimators 20–200 · max_depth 4 · min_samples_leaf 1–3 · threshold 0.25"
    )


def test_a_plane_of_another_class_is_refused(found, comparisons):
    other = plane(comparisons["binary"], "no" if found.positive_class == "yes" else "yes")
    with pytest.raises(DataError, match="The search is for"):
        search_view(found, other)


def test_no_nan_in_the_table(found, strategies):
    table = search_view(found, strategies).table
    assert not table.isna().any().any()
    assert np.isfinite(table[["accuracy", "f1"]].to_numpy(dtype=float)).all()
