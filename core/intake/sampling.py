"""Stratified samples of a :class:`Dataset`, for exploring a big file quickly.

A sample keeps every class's share of the rows (multi-label: the share of each row's rarest
label), except that a class too small to survive in proportion keeps a minimum number of
rows, so that cross-validation and SMOTE still have rows of it. The sample says so: its
``notes`` and ``sample_note`` announce it, ``sampled_from`` holds the full row count, and its
``content_hash`` is the file's with ``#sample-<rows>-seed<seed>`` appended, so a result
computed on it can never be mistaken for (or cached as) one on all rows.
"""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np

from core.errors import DataError
from core.intake.dataset import Dataset

MIN_CLASS_ROWS = 25
"""A class keeps at least this many rows in a sample (all of them if it has fewer)."""


def stratified_rows(
    strata: np.ndarray, size: int, seed: int, min_rows: int = MIN_CLASS_ROWS
) -> np.ndarray:
    """Sorted positions of ``size`` rows drawn without replacement, per stratum in proportion.

    Quotas are proportional (largest remainders), then raised to ``min(stratum size,
    min_rows)``; the rows that costs are taken from the strata furthest above their floor.
    Seeded by ``seed``: the same call gives the same rows.
    """
    values, inverse, counts = np.unique(strata, return_inverse=True, return_counts=True)
    exact = counts * size / counts.sum()
    quota = np.floor(exact).astype(np.int64)
    short = size - int(quota.sum())
    quota[np.argsort(-(exact - quota), kind="stable")[:short]] += 1
    floor = np.minimum(counts, min_rows)
    if floor.sum() > size:  # too small a sample for the floors: at least one row each
        floor = np.minimum(counts, 1)
    quota = np.maximum(quota, floor)
    for _ in range(int(quota.sum()) - size):  # pay for the raised strata from the largest
        quota[np.argmax(quota - floor)] -= 1
    rng = np.random.default_rng(seed)
    order = np.argsort(inverse, kind="stable")  # rows grouped by stratum, in row order
    starts = np.concatenate(([0], np.cumsum(counts)[:-1]))
    parts = [
        rng.choice(order[start : start + n], size=q, replace=False)
        for start, n, q in zip(starts, counts, quota, strict=True)
    ]
    return np.sort(np.concatenate(parts))


def strata_of(y: np.ndarray, multilabel: bool) -> np.ndarray:
    """Single-label: the class code; multi-label: the rarest label a row carries (-1: none)."""
    y = np.asarray(y)
    if not multilabel:
        return y
    rarity = np.where(y == 1, y.sum(axis=0), np.iinfo(np.int64).max)
    return np.where(y.any(axis=1), rarity.argmin(axis=1), -1)


def _count(n: int, noun: str) -> str:
    return f"{n:,} {noun}{'s' * (n != 1)}"


def stratified_sample(ds: Dataset, n_rows: int, seed: int = 0) -> Dataset:
    """``n_rows`` rows of ``ds`` drawn per class in proportion (seeded), as a Dataset.

    Each class keeps at least :data:`MIN_CLASS_ROWS` rows (all of them if it has fewer),
    taken from the largest classes; multi-label rows are stratified by their rarest label.
    Rows stay in file order and keep their ``row_ids``. :class:`DataError` unless
    ``n_rows`` is a whole number from ``2 x classes`` to below ``ds.n_rows``.
    """
    k = len(ds.classes)
    if isinstance(n_rows, bool) or not isinstance(n_rows, int | np.integer):
        raise DataError(f"The sample size must be a whole number of rows. Got {n_rows!r} instead")
    if not 2 * k <= n_rows < ds.n_rows:
        raise DataError(
            f"A sample needs from {2 * k:,} to {ds.n_rows - 1:,} rows (the data has "
            f"{ds.n_rows:,}). Got {n_rows:,} instead",
            "Choose a size in that range, or work on all rows",
        )
    strata = strata_of(ds.y, ds.is_multilabel)
    rows = stratified_rows(strata, int(n_rows), seed)
    y = np.asarray(ds.y)[rows]
    full_counts = ds.class_counts
    sample = replace(
        ds,
        X=ds.X.iloc[rows].reset_index(drop=True),
        y=y,
        row_ids=np.asarray(ds.row_ids)[rows],
        content_hash=f"{ds.content_hash}#sample-{int(n_rows)}-seed{seed}",
    )
    total = ds.sampled_from or ds.n_rows
    share = len(rows) / ds.n_rows
    noun = "label" if ds.is_multilabel else "class"
    note = (
        f"Working on a stratified sample of {len(rows):,} of {total:,} rows (seed {seed}): "
        f"each {noun} keeps its share of the rows"
    )
    kept = sample.class_counts
    raised = [
        f"'{c}' ({kept[c]:,} of {full_counts[c]:,})"
        for c in ds.classes
        if kept[c] > math.ceil(full_counts[c] * share) and not ds.is_multilabel
    ]
    if raised:
        note += (
            f", except that small classes keep at least {_count(MIN_CLASS_ROWS, 'row')} "
            f"(all they have if fewer): {', '.join(raised)}"
        )
    note += (
        ". Scores estimate those on all rows; run on all rows before acting on small differences."
    )
    return replace(
        sample,
        notes=(*ds.notes, note),
        sampled_from=total,
        sample_note=note,
    )
