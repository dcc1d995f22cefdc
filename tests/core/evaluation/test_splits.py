"""core.evaluation.splits: stratified (and iterative) folds and the stratified hold-out."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from helpers import make_ds

from core.errors import DataError
from core.evaluation.splits import holdout_split, make_folds, subset

# --------------------------------------------------------------------------- folds


@pytest.mark.parametrize("task", ["binary", "multiclass", "multilabel"])
def test_folds_partition_rows_and_keep_class_shares(task):
    ds = make_ds(task)
    folds = make_folds(ds, cv=3, seed=0)
    assert len(folds) == 3
    seen = np.concatenate([va for _, va in folds])
    assert np.array_equal(np.sort(seen), np.arange(ds.n_rows))  # every row validated once
    for tr, va in folds:
        assert np.intersect1d(tr, va).size == 0 and tr.size + va.size == ds.n_rows
        counts = np.array(list(subset(ds, va).class_counts.values()))
        expected = np.array(list(ds.class_counts.values())) / 3
        assert np.all(np.abs(counts - expected) <= 1.5)  # stratified
    again = make_folds(ds, cv=3, seed=0)
    assert all(np.array_equal(a[1], b[1]) for a, b in zip(folds, again, strict=True))
    other = make_folds(ds, cv=3, seed=1)
    assert any(not np.array_equal(a[1], b[1]) for a, b in zip(folds, other, strict=True))


def test_too_small_class_raises_with_the_fix_and_no_sklearn_warning():
    ds = make_ds("multiclass")
    y = np.asarray(ds.y).copy()
    y[np.flatnonzero(y == 2)[2:]] = 0  # class "z" keeps 2 rows
    small = replace(ds, y=y)
    with pytest.raises(DataError, match=r"Class 'z' has only 2 rows.*Choose at most 2 folds"):
        make_folds(small, cv=3)
    assert len(make_folds(small, cv=2)) == 2


def test_rare_label_raises_for_multilabel():
    ds = make_ds("multilabel")
    y = np.asarray(ds.y).copy()
    y[np.flatnonzero(y[:, 1])[2:], 1] = 0
    with pytest.raises(DataError, match=r"Label 'b' is carried by only 2 rows"):
        make_folds(replace(ds, y=y), cv=3)


@pytest.mark.parametrize("cv", [1, 0, 2.5, True])
def test_bad_fold_count_raises(cv):
    with pytest.raises(DataError, match="at least 2"):
        make_folds(make_ds(), cv=cv)


@pytest.mark.parametrize("task", ["binary", "multilabel"])
def test_holdout_split_is_stratified_disjoint_and_seeded(task):
    ds = make_ds(task)
    train, hold = holdout_split(ds, 0.2, 0)
    # iterative stratification (multi-label) trades exact size for label balance
    assert abs(hold.size - 30) <= (0 if task == "binary" else 3)
    assert np.intersect1d(train, hold).size == 0
    assert np.array_equal(np.sort(np.concatenate([train, hold])), np.arange(ds.n_rows))
    share = np.array(list(subset(ds, hold).class_counts.values())) / hold.size
    natural = np.array(list(ds.class_counts.values())) / ds.n_rows
    assert np.all(np.abs(share - natural) < 0.05)  # natural prevalence
    assert np.array_equal(hold, holdout_split(ds, 0.2, 0)[1])


@pytest.mark.parametrize("share", [0.0, 1.0, -0.1, "0.2"])
def test_bad_holdout_share_raises(share):
    with pytest.raises(DataError, match="hold-out share must be a number between 0 and 1"):
        holdout_split(make_ds(), share, 0)
