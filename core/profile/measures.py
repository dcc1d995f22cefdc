"""Imbalance profile of a :class:`~core.intake.dataset.Dataset`: how skewed, how hard, what looks wrong.

:func:`build_profile` returns a :class:`Profile`: class counts and imbalance measures, the
multi-label measures of Charte et al., the neighbourhood difficulty of Napierala &
Stefanowski, and a list of :class:`~core.profile.finding.Finding` (data pitfalls, each with its evidence,
from :mod:`core.profile.pitfalls`); the measure types live in :mod:`core.profile.stats`.

References
----------
- F. Charte, A. J. Rivera, M. J. del Jesus, F. Herrera. "Addressing imbalance in multilabel
  classification: measures and random resampling algorithms". Neurocomputing 163 (2015):
  IRLbl, MeanIR, CVIR.
- F. Charte, A. J. Rivera, M. J. del Jesus, F. Herrera. "Concurrence among imbalanced labels
  and its influence on multilabel resampling algorithms". HAIS 2014, LNCS 8480: SCUMBLE.
  Computed as in the authors' R package ``mldr`` (``R/measures.R``): per row,
  ``1 - geometric_mean(IRLbl of its labels) / arithmetic_mean(IRLbl of its labels)``, rows
  without labels score 0, averaged over all rows.
- K. Napierala, J. Stefanowski. "Types of minority class examples and their influence on
  learning classifiers from imbalanced data". J. Intell. Inf. Syst. 46 (2016) 563-597:
  safe / borderline / rare / outlier from the classes of the k nearest neighbours.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.neighbors import NearestNeighbors
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from core.errors import DataError
from core.intake.dataset import Dataset
from core.intake.sampling import strata_of, stratified_rows
from core.profile.finding import SEVERITIES, Finding, jsonable
from core.profile.pitfalls import PitfallFacts, find_pitfalls
from core.profile.stats import EXAMPLE_TYPES, Difficulty, DuplicateStats, MultilabelStats

MAX_CATEGORIES = 50  # one-hot columns per categorical feature in the neighbourhood space
DENSE_CELLS = 10_000_000  # densify the neighbourhood space up to this many cells (80 MB)


@dataclass(frozen=True, eq=False)
class Profile:
    """Everything the Data page shows about imbalance, in ``classes`` order.

    Multi-label: ``classes`` are the labels, ``class_counts`` the rows carrying each,
    ``class_shares`` those counts over ``n_rows``, ``imbalance_ratio`` the largest IRLbl.
    """

    task: str
    n_rows: int
    classes: tuple[str, ...]
    class_counts: dict[str, int]
    class_shares: dict[str, float]
    imbalance_ratio: float  # largest count / smallest count
    majority_class: str
    minority_classes: tuple[str, ...]
    balance_entropy: float  # Shannon entropy of shares / log K (1 = balanced); NaN multi-label
    multilabel: MultilabelStats | None
    difficulty: Difficulty | None  # None when there are no features or fewer than 2 rows
    duplicates: DuplicateStats
    findings: tuple[Finding, ...]

    def to_dict(self) -> dict:
        """Plain JSON-serialisable dict (NaN and infinity become ``None``)."""
        ml = self.multilabel
        return jsonable(
            {
                "task": self.task,
                "n_rows": self.n_rows,
                "classes": list(self.classes),
                "class_counts": self.class_counts,
                "class_shares": self.class_shares,
                "imbalance_ratio": self.imbalance_ratio,
                "majority_class": self.majority_class,
                "minority_classes": list(self.minority_classes),
                "balance_entropy": self.balance_entropy,
                "multilabel": None if ml is None else vars(ml),
                "difficulty": None if self.difficulty is None else self.difficulty.to_dict(),
                "duplicates": vars(self.duplicates),
                "findings": [f.to_dict() for f in self.findings],
            }
        )


def build_profile(
    ds: Dataset, *, k: int = 5, cv: int = 5, max_knn_rows: int = 20_000, seed: int = 0
) -> Profile:
    """Profile the imbalance of ``ds`` and list its data pitfalls.

    ``k`` is the neighbourhood size (Napierala & Stefanowski use 5) and also the SMOTE
    ``k_neighbors`` the small-class check assumes; ``cv`` the number of cross-validation
    folds planned. Neighbourhoods are computed on a stratified sample of ``max_knn_rows``
    rows (drawn with ``seed``) when the data are larger; ``difficulty.n_rows_used`` says so.
    """
    for name, value, low in (("k", k, 1), ("cv", cv, 2), ("max_knn_rows", max_knn_rows, 2)):
        if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < low:
            raise DataError(
                f"{name} must be a whole number of at least {low}. Got {value!r} instead"
            )
    y = np.asarray(ds.y)
    n = ds.n_rows
    counts = np.asarray(list(ds.class_counts.values()), dtype=np.int64)
    shares = counts / n if n else np.full(len(counts), math.nan)
    if ds.is_multilabel:
        ml = _multilabel_stats(y, ds.classes)
        irlbl = np.asarray(list(ml.irlbl.values()))
        minority = tuple(c for c, ir in zip(ds.classes, irlbl, strict=True) if ir > ml.mean_ir)
        ratio = float(np.nanmax(irlbl)) if np.isfinite(irlbl).any() else math.nan
        entropy = math.nan
    else:
        ml = None
        minority = _single_label_minority(counts, ds.classes, n)
        ratio = float(counts.max() / counts.min()) if counts.min() > 0 else math.inf
        entropy = _balance_entropy(shares)
    difficulty = _difficulty(ds, minority, k=k, max_rows=max_knn_rows, seed=seed)
    duplicates = _duplicates(ds)
    facts = PitfallFacts(
        ds=ds,
        counts=dict(zip(ds.classes, counts.tolist(), strict=True)),
        majority=ds.classes[int(np.argmax(counts))],
        minority=minority,
        ratio=ratio,
        ml=ml,
        difficulty=difficulty,
        duplicates=duplicates,
        k=k,
        cv=cv,
    )
    findings = sorted(find_pitfalls(facts), key=lambda f: SEVERITIES.index(f.severity))
    return Profile(
        task=ds.task,
        n_rows=n,
        classes=tuple(ds.classes),
        class_counts=facts.counts,
        class_shares=dict(zip(ds.classes, shares.tolist(), strict=True)),
        imbalance_ratio=ratio,
        majority_class=facts.majority,
        minority_classes=minority,
        balance_entropy=entropy,
        multilabel=ml,
        difficulty=difficulty,
        duplicates=duplicates,
        findings=tuple(findings),
    )


# --- imbalance measures -----------------------------------------------------------------


def _single_label_minority(counts: np.ndarray, classes: Sequence[str], n: int) -> tuple[str, ...]:
    """Binary: the smaller class (none if equal); multiclass: classes below the balanced n/K."""
    if len(classes) == 2:
        if counts[0] == counts[1]:
            return ()
        return (classes[int(np.argmin(counts))],)
    return tuple(c for c, m in zip(classes, counts, strict=True) if m * len(classes) < n)


def _balance_entropy(shares: np.ndarray) -> float:
    if len(shares) < 2:
        return math.nan
    p = shares[shares > 0]
    return float(-(p * np.log(p)).sum() / math.log(len(shares)))


def _multilabel_stats(y: np.ndarray, labels: Sequence[str]) -> MultilabelStats:
    y = y.astype(np.int64)
    n, n_labels = y.shape
    counts = y.sum(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        irlbl = np.where(counts > 0, counts.max() / counts, math.nan)
    valid = irlbl[np.isfinite(irlbl)]
    mean_ir = float(valid.mean()) if valid.size else math.nan
    cvir = float(valid.std(ddof=1) / mean_ir) if valid.size >= 2 else math.nan
    per_row = y.sum(axis=1)
    active_ir = np.where(y == 1, np.nan_to_num(irlbl, nan=1.0), 1.0)  # 1 = neutral in products
    with np.errstate(divide="ignore", invalid="ignore"):
        geo = np.exp(np.log(active_ir).sum(axis=1) / per_row)
        arith = (active_ir - (y == 0)).sum(axis=1) / per_row  # drop the neutral 1s
        row_scumble = np.where(per_row > 0, 1.0 - geo / arith, 0.0)
    cardinality = float(per_row.mean()) if n else math.nan
    return MultilabelStats(
        label_cardinality=cardinality,
        label_density=cardinality / n_labels,
        irlbl=dict(zip(labels, irlbl.tolist(), strict=True)),
        mean_ir=mean_ir,
        cvir=cvir,
        scumble=float(row_scumble.mean()) if n else math.nan,
        cooccurrence=y.T @ y,
        n_labelsets=int(np.unique(y, axis=0).shape[0]) if n else 0,
        n_rows_no_label=int((per_row == 0).sum()),
    )


# --- neighbourhood difficulty -----------------------------------------------------------


def _example_types(same: np.ndarray, k: int) -> np.ndarray:
    """Type index per row from its count of same-class neighbours among ``k``.

    Share of same-class neighbours above 0.7 is safe, above 0.3 borderline, above 0 rare,
    0 outlier; for k = 5 that is the paper's 4-5 / 2-3 / 1 / 0 (integer arithmetic, no
    rounding at the cut-offs).
    """
    return np.select([10 * same > 7 * k, 10 * same > 3 * k, same > 0], [0, 1, 2], default=3)


def _feature_space(X: pd.DataFrame, numeric: list[str], categorical: list[str]) -> Any:
    """Numeric: median-impute + standardise; categorical: most-frequent impute + one-hot.

    A categorical column keeps its ``MAX_CATEGORIES - 1`` most frequent values and pools the
    rest (near-unique values add no neighbourhood information, only width). The result is
    dense when that stays under ``DENSE_CELLS`` (kNN on sparse input is ~15x slower).
    """
    parts = []
    if numeric:
        num = make_pipeline(
            SimpleImputer(strategy="median", keep_empty_features=True), StandardScaler()
        )
        parts.append(("num", num, numeric))
    if categorical:
        cat = make_pipeline(
            SimpleImputer(strategy="most_frequent", keep_empty_features=True),
            OneHotEncoder(handle_unknown="ignore", max_categories=MAX_CATEGORIES),
        )
        parts.append(("cat", cat, categorical))
    frame = X[numeric + categorical].copy()
    if numeric:
        frame[numeric] = frame[numeric].astype(np.float64)
    if categorical:  # one object dtype with NaN for missing, whatever pandas inferred
        frame[categorical] = frame[categorical].astype(object).where(frame[categorical].notna())
    Z = ColumnTransformer(parts).fit_transform(frame)
    if hasattr(Z, "toarray") and Z.shape[0] * Z.shape[1] <= DENSE_CELLS:
        Z = Z.toarray()
    return Z


def _difficulty(
    ds: Dataset, minority: Sequence[str], *, k: int, max_rows: int, seed: int
) -> Difficulty | None:
    """Example types of the minority classes' rows; neighbour classes of every class's rows."""
    numeric, categorical = list(ds.numeric_features), list(ds.categorical_features)
    if ds.n_rows < 2 or not (numeric or categorical):
        return None
    sampled = ds.n_rows > max_rows
    rows = (
        stratified_rows(strata_of(ds.y, ds.is_multilabel), max_rows, seed, min_rows=1)
        if sampled
        else np.arange(ds.n_rows)
    )
    Z = _feature_space(ds.X.iloc[rows], numeric, categorical)
    k_used = min(k, len(rows) - 1)
    # Without a query, kneighbors never returns a row as its own neighbour (even among copies).
    neighbours = NearestNeighbors(n_neighbors=k_used).fit(Z).kneighbors(return_distance=False)
    y = np.asarray(ds.y)[rows]
    types: dict[str, dict[str, int]] = {}
    overlap: dict[str, dict[str, float]] = {}
    for j, cls in enumerate(ds.classes):
        if ds.is_multilabel:
            members = y[:, j] == 1
            nb = y[neighbours[members]]  # (rows of cls, k, K) 0/1
            same = nb[:, :, j].sum(axis=1)
            nb_share = nb.mean(axis=(0, 1)) if members.any() else None
        else:
            members = y == j
            nb = y[neighbours[members]]  # (rows of cls, k) class codes
            same = (nb == j).sum(axis=1)
            nb_share = np.bincount(nb.ravel(), minlength=len(ds.classes)) / max(nb.size, 1)
        if cls in minority:
            kinds = np.bincount(_example_types(same, k_used), minlength=4)
            types[cls] = dict(zip(EXAMPLE_TYPES, kinds.tolist(), strict=True))
        if not members.any():
            nb_share = np.full(len(ds.classes), math.nan)
        overlap[cls] = dict(zip(ds.classes, np.asarray(nb_share, float).tolist(), strict=True))
    return Difficulty(
        k=k_used, n_rows_used=len(rows), sampled=sampled, types=types, overlap=overlap
    )


# --- duplicates -------------------------------------------------------------------------


def _duplicates(ds: Dataset) -> DuplicateStats:
    """Rows repeating an earlier row (features and target); same features, other targets."""
    y = np.asarray(ds.y)
    features = pd.util.hash_pandas_object(ds.X, index=False).to_numpy()  # 64-bit row hashes
    if ds.is_multilabel:
        target = pd.util.hash_pandas_object(pd.DataFrame(y), index=False).to_numpy()
    else:
        target = y.astype(np.uint64)
    keys = pd.DataFrame({"f": features, "t": target})
    dup = keys.duplicated().to_numpy()
    per_class = (
        y[dup].sum(axis=0) if ds.is_multilabel else np.bincount(y[dup], minlength=len(ds.classes))
    )
    n_targets = keys.drop_duplicates().groupby("f")["t"].size()
    conflicting = n_targets.index[n_targets > 1]
    return DuplicateStats(
        n_duplicate_rows=int(dup.sum()),
        per_class=dict(zip(ds.classes, np.asarray(per_class).tolist(), strict=True)),
        n_conflicting_groups=len(conflicting),
        n_conflicting_rows=int(np.isin(features, conflicting.to_numpy()).sum()),
    )
