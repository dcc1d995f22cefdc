"""Splits shared by every strategy: stratified K-fold (iterative stratification for
multi-label), the stratified hold-out set aside before anything else, and row subsets of a
Dataset. The same folds for every strategy are what make the comparison paired.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import numpy as np
from iterstrat.ml_stratifiers import MultilabelStratifiedKFold, MultilabelStratifiedShuffleSplit
from sklearn.model_selection import StratifiedKFold, StratifiedShuffleSplit

from core.errors import DataError
from core.intake.dataset import Dataset

Fold = tuple[np.ndarray, np.ndarray]


# --------------------------------------------------------------------------- splits


def _check_cv(ds: Dataset, cv: int) -> None:
    if isinstance(cv, bool) or not isinstance(cv, int | np.integer) or cv < 2:
        raise DataError(
            "The number of cross-validation folds must be a whole number of at least 2. "
            f"Got {cv!r} instead"
        )
    for name, have in ds.class_counts.items():
        n = min(have, ds.n_rows - have) if ds.is_multilabel else have
        if n >= cv:
            continue
        rows = f"only {n} row{'s' * (n != 1)}"
        if ds.is_multilabel:
            what = f"Label {name!r} is {'carried by' if have == n else 'missing from'} {rows}"
            fix = "drop that label from the targets"
        else:
            what = f"Class {name!r} has {rows}"
            fix = "merge that class with a similar one or drop its rows"
        raise DataError(
            f"{what}, fewer than the {cv} cross-validation folds, so some fold would lack it",
            (f"Choose at most {n} folds, or " if n >= 2 else "") + fix,
        )


def make_folds(ds: Dataset, *, cv: int = 5, seed: int = 0) -> list[Fold]:
    """Stratified ``cv``-fold split of ``ds`` as sorted (train rows, validation rows).

    Multi-label data uses iterative stratification. Every strategy of a comparison gets
    the same folds, which is what makes the comparison paired. :class:`DataError` when a
    class (or label) has fewer rows than ``cv``, with the fix.
    """
    _check_cv(ds, cv)
    y = np.asarray(ds.y)
    placeholder = np.zeros((ds.n_rows, 1))
    if ds.is_multilabel:
        splitter: Any = MultilabelStratifiedKFold(n_splits=int(cv), shuffle=True, random_state=seed)
    else:
        splitter = StratifiedKFold(n_splits=int(cv), shuffle=True, random_state=seed)
    return [(np.sort(tr), np.sort(va)) for tr, va in splitter.split(placeholder, y)]


def holdout_split(ds: Dataset, share: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Stratified (train rows, hold-out rows), sorted, with a share ``share`` held out.

    Taken before anything else; the hold-out keeps the natural prevalence. Multi-label
    uses iterative stratification, whose hold-out size can differ by a few rows.
    """
    if isinstance(share, bool) or not isinstance(share, float | int) or not 0 < share < 1:
        raise DataError(
            f"The hold-out share must be a number between 0 and 1 (e.g. 0.2). Got {share!r} instead"
        )
    n_hold = int(np.ceil(share * ds.n_rows))
    n_classes = len(ds.classes)
    if not ds.is_multilabel:
        for name, have in ds.class_counts.items():
            if have < 2:
                raise DataError(
                    f"Class {name!r} has only {have} row, too few to split between the "
                    "hold-out and the cross-validation",
                    "Turn the hold-out off, or merge or drop that class",
                )
        if n_hold < n_classes or ds.n_rows - n_hold < n_classes:
            raise DataError(
                f"A hold-out share of {share:g} leaves {n_hold} of {ds.n_rows} rows aside, "
                f"but each side needs at least one row of each of the {n_classes} classes",
                "Choose a share that leaves both sides enough rows (e.g. 0.2)",
            )
        splitter: Any = StratifiedShuffleSplit(n_splits=1, test_size=n_hold, random_state=seed)
    else:
        splitter = MultilabelStratifiedShuffleSplit(n_splits=1, test_size=n_hold, random_state=seed)
    placeholder = np.zeros((ds.n_rows, 1))
    try:
        train, hold = next(iter(splitter.split(placeholder, np.asarray(ds.y))))
    except ValueError as err:
        raise DataError(
            f"The hold-out split failed: {err}", "Turn the hold-out off or change its share"
        ) from None
    return np.sort(train), np.sort(hold)


def subset(ds: Dataset, rows: np.ndarray) -> Dataset:
    """The rows ``rows`` (positions) of ``ds`` as a Dataset; ``row_ids`` follow them."""
    rows = np.asarray(rows, dtype=np.intp)
    return replace(ds, X=ds.X.iloc[rows], y=np.asarray(ds.y)[rows], row_ids=ds.row_ids[rows])


@dataclass(frozen=True)
class CvSplit:
    """The rows of one comparison: the hold-out set aside first (none when ``holdout`` is 0),
    then the folds of the remaining cross-validation rows."""

    cv_rows: np.ndarray  # positions in the full Dataset
    hold_rows: np.ndarray
    cv_ds: Dataset
    folds: tuple[Fold, ...]  # positions in ``cv_ds``
    repeated: tuple[tuple[Fold, ...], ...] = ()  # the folds of repeats 2..R, same rows


def split_rows(ds: Dataset, *, holdout: float, cv: int, seed: int, repeats: int = 1) -> CvSplit:
    """The one place a comparison, and every fit made on its folds later (the diagnostic
    fits), takes its hold-out and folds from: same ``holdout``, ``cv`` and ``seed``, same rows.

    With ``repeats`` R > 1 the cross-validation rows are also split R - 1 more times
    (repeat r, counted from 0, shuffles with ``seed + r``): repeated cross-validation, the
    same folds for every strategy, on the same rows (the hold-out is set aside once).
    """
    if holdout > 0:
        cv_rows, hold_rows = holdout_split(ds, holdout, seed)
        cv_ds = subset(ds, cv_rows)
    else:
        cv_rows, hold_rows = np.arange(ds.n_rows), np.arange(0)
        cv_ds = ds
    folds = tuple(make_folds(cv_ds, cv=cv, seed=seed))
    repeated = tuple(tuple(make_folds(cv_ds, cv=cv, seed=seed + r)) for r in range(1, repeats))
    return CvSplit(cv_rows, hold_rows, cv_ds, folds, repeated)
