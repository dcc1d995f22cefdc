"""core.profile.pitfalls: every pitfall code has a "how to read it", and the SMOTE pitfall says
what the app does (it lowers k per training fold; below 2 rows SMOTE cannot run)."""

from __future__ import annotations

import ast
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from helpers import dataset_from, finding_codes, spread_ds
from sklearn.model_selection import StratifiedKFold

from core.errors import StrategyError
from core.intake.dataset import Dataset
from core.modelling.learners import NeighbourOverSampler
from core.profile import pitfalls
from core.profile.measures import build_profile
from core.profile.pitfalls import HOW_TO_READ, PITFALL_CODES

SOURCE = Path(pitfalls.__file__)


def emitted_literals(path: Path) -> set[str]:
    """The code literals a module passes as the first argument of ``_finding(...)``."""
    out = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "_finding":
            first = node.args[0]
            assert isinstance(first, ast.Constant) and isinstance(first.value, str), (
                "a finding code must be a string literal"
            )
            out.add(first.value)
    return out


def finding_calls(path: Path) -> int:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return sum(
        isinstance(n, ast.Call) and getattr(n.func, "id", None) == "Finding" for n in ast.walk(tree)
    )


def test_the_mapping_covers_every_code_the_module_emits():
    assert emitted_literals(SOURCE) == set(PITFALL_CODES) == set(HOW_TO_READ)
    assert len(PITFALL_CODES) == len(set(PITFALL_CODES))
    assert finding_calls(SOURCE) == 1  # only _finding builds one, so every one reads the mapping
    for code, text in HOW_TO_READ.items():
        assert text.strip() and len(text) <= 400, code  # one or two plain sentences
        assert text.rstrip().endswith("."), code


# --- every code, constructed -------------------------------------------------------------


def _duplicated_minority() -> Dataset:
    rng = np.random.default_rng(0)
    X = pd.DataFrame(rng.normal(size=(50, 2)), columns=["a", "b"])
    y = np.array([0] * 40 + [1] * 10)
    X = pd.concat([X, X.iloc[40:]], ignore_index=True)  # every minority row copied once
    return dataset_from(X, np.concatenate([y, y[40:]]), ["neg", "pos"])


def _conflicting() -> Dataset:
    X = pd.DataFrame({"a": np.arange(30.0)})
    X.loc[[1, 2, 3], "a"] = 0.0  # rows 0-3: identical features, two targets
    y = np.array([0] * 20 + [1] * 10)
    y[2] = 1
    return dataset_from(X, y, ["a", "b"])


def _hard_minority() -> Dataset:
    # 'c' rows sit in groups of 6 among 'a' or 'b' rows: 1 or 2 'c' neighbours each
    groups = [("c", "c", "a", "a", "a", "a"), ("c", "c", "b", "b", "b", "b")] * 2
    groups += [("a",) * 6] * 4 + [("b",) * 6] * 4
    xs, labels = [], []
    for g, members in enumerate(groups):
        xs += [1000.0 * g + 0.1 * i for i in range(6)]
        labels += list(members)
    y = np.array(["abc".index(v) for v in labels])
    return dataset_from(pd.DataFrame({"x": xs}), y, ["a", "b", "c"])


def _scumble() -> Dataset:
    y = np.zeros((10, 4), dtype=int)
    y[:, 0] = 1
    y[0, 1] = y[1, 2] = y[2, 3] = 1
    return dataset_from(pd.DataFrame({"a": np.arange(10.0)}), y, ["L0", "L1", "L2", "L3"])


CASES = {
    "duplicate_rows": _duplicated_minority,
    "conflicting_duplicates": _conflicting,
    "exactly_balanced": lambda: spread_ds([10, 10]),
    "too_small_for_folds": lambda: spread_ds([60, 2]),
    "too_small_for_smote": lambda: spread_ds([60, 6]),
    "severe_imbalance": lambda: spread_ds([60, 6]),
    "hard_minority": _hard_minority,
    "high_scumble": _scumble,
}


def test_every_code_has_a_case():
    assert set(CASES) == set(PITFALL_CODES)


@pytest.mark.parametrize("code", PITFALL_CODES)
def test_every_pitfall_found_says_how_to_read_it(code):
    found = build_profile(CASES[code]()).findings
    assert code in {f.code for f in found}
    for f in found:
        assert f.how_to_read and f.how_to_read == HOW_TO_READ[f.code]
        assert f.to_dict()["how_to_read"] == f.how_to_read


# --- the SMOTE pitfall says what the app does (issue 15) ----------------------------------


def _fold_k(ds: Dataset, k: int, cv: int) -> int:
    """The k the app's SMOTE sampler uses on the worst training fold of ``ds`` (its folds)."""
    lowest = k
    folds = StratifiedKFold(n_splits=cv, shuffle=True, random_state=0)
    for train, _ in folds.split(ds.X, ds.y):
        sampler = NeighbourOverSampler("smote", k_neighbors=k, random_state=0)
        sampler.fit_resample(ds.X.to_numpy()[train], ds.y[train])
        lowest = min(lowest, sampler.k_neighbors_)
    return lowest


@pytest.mark.parametrize(("minority", "lowered_to"), [(6, 3), (7, 4)])
def test_smote_k_merely_lowered_is_a_note_saying_what_the_app_does(minority, lowered_to):
    ds = spread_ds([60, minority])
    f = finding_codes(build_profile(ds, k=5, cv=5))["too_small_for_smote"]
    # training fold = count - ceil(count / 5): 6 -> 4 rows, 7 -> 5 rows; k = rows - 1
    assert minority - math.ceil(minority / 5) - 1 == lowered_to
    assert _fold_k(ds, 5, 5) == lowered_to == f.evidence["largest_k"]  # the app really does
    assert f.severity == "info"
    assert f.evidence["cannot_run"] == []
    assert "lowers k to the largest value the fold allows" in f.message
    assert f"{lowered_to} for these classes" in f.message
    assert "will fail" not in f.message and "fail" not in f.title
    assert "fewer neighbours" in f.message
    assert "SMOTE neighbours (k)" in f.suggestion and "--k-neighbors" in f.suggestion
    assert f"at most {lowered_to}" in f.suggestion
    assert f.how_to_read == HOW_TO_READ["too_small_for_smote"]


def test_smote_cannot_run_with_a_class_of_one_training_row_is_a_warning():
    ds = spread_ds([60, 2])  # a training fold holds 2 - 1 = 1 row of 'c1'
    f = finding_codes(build_profile(ds, k=5, cv=5))["too_small_for_smote"]
    assert f.severity == "warning"
    assert f.evidence["cannot_run"] == ["c1"] and f.evidence["training_fold_counts"] == {"c1": 1}
    assert "cannot run" in f.message and "at least 2 rows" in f.message
    assert "cannot run at all with 'c1'" in f.suggestion
    one_row = np.r_[np.zeros(48, dtype=int), 1]  # and the app agrees: such a fold fails
    sampler = NeighbourOverSampler("smote", k_neighbors=5, class_names=["c0", "c1"])
    with pytest.raises(StrategyError, match="needs at least 2 rows of class 'c1'"):
        sampler.fit_resample(ds.X.to_numpy()[:49], one_row)


def test_one_hopeless_class_makes_the_whole_finding_a_warning():
    f = finding_codes(build_profile(spread_ds([60, 6, 2]), k=5, cv=5))["too_small_for_smote"]
    assert f.severity == "warning"
    assert f.evidence["training_fold_counts"] == {"c1": 4, "c2": 1}
    assert f.evidence["cannot_run"] == ["c2"]
    assert "'c2'" in f.suggestion and "'c1'" not in f.suggestion


def test_no_smote_pitfall_when_every_fold_has_k_plus_one_rows():
    assert "too_small_for_smote" not in finding_codes(build_profile(spread_ds([60, 8]), k=5, cv=5))
