"""Building blocks that the strategies assemble, beyond what imblearn offers directly.

- :class:`NeighbourOverSampler`: SMOTE / SMOTE-NC / SMOTE-N / Borderline-SMOTE / ADASYN
  with ``k`` adapted at fit time to the smallest class of the training data.
- :class:`SafeCleaner`: Tomek links or ENN cleaning that never erases a whole class.
- :class:`OneClassBoostClassifier`: a classifier whose isolated class is boosted by a
  novelty model trained on that class alone.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from imblearn.ensemble import RUSBoostClassifier
from imblearn.over_sampling import ADASYN, SMOTE, SMOTEN, SMOTENC, BorderlineSMOTE
from imblearn.under_sampling import EditedNearestNeighbours, TomekLinks
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.utils.validation import check_is_fitted

from core.errors import DataError, StrategyError

NEIGHBOUR_SAMPLERS = {
    "smote": "SMOTE",
    "smotenc": "SMOTE-NC",
    "smoten": "SMOTE-N",
    "borderline_smote": "Borderline-SMOTE",
    "adasyn": "ADASYN",
}


def _take_rows(X: Any, rows: np.ndarray) -> Any:
    if isinstance(X, pd.DataFrame):
        return X.iloc[rows]
    return np.asarray(X)[rows]


def _class_name(names: Sequence[str] | None, code: Any) -> str:
    if names is not None and 0 <= int(code) < len(names):
        return str(names[int(code)])
    return str(code)


def class_counts(y: Any) -> dict[int, int]:
    """Rows per class code of ``y``: what a resampling step hands to the next one (read by
    :func:`core.modelling.correction.prior_shift`)."""
    codes, counts = np.unique(np.asarray(y), return_counts=True)
    return {int(c): int(n) for c, n in zip(codes, counts, strict=True)}


class NeighbourOverSampler(BaseEstimator):
    """A SMOTE-family over-sampler whose neighbour count adapts to tiny classes.

    At fit time ``k = min(k_neighbors, n_smallest - 1)`` where ``n_smallest`` is the row
    count of the smallest class to be over-sampled; ``k < 1`` raises
    :class:`StrategyError`. ``kind`` is one of :data:`NEIGHBOUR_SAMPLERS`;
    ``categorical_features`` (column positions) is required for ``"smotenc"``.
    ``class_names[code]`` names classes in messages. After fit: ``k_neighbors_`` and
    ``class_counts_`` (rows per class code returned).
    """

    def __init__(
        self,
        kind: str = "smote",
        *,
        k_neighbors: int = 5,
        categorical_features: Sequence[int] | None = None,
        class_names: Sequence[str] | None = None,
        random_state: Any = None,
    ) -> None:
        self.kind = kind
        self.k_neighbors = k_neighbors
        self.categorical_features = categorical_features
        self.class_names = class_names
        self.random_state = random_state

    def _sampler(self, k: int) -> Any:
        seed = self.random_state
        if self.kind == "smote":
            return SMOTE(k_neighbors=k, random_state=seed)
        if self.kind == "smotenc":
            cats = list(self.categorical_features or [])
            return SMOTENC(categorical_features=cats, k_neighbors=k, random_state=seed)
        if self.kind == "smoten":
            return SMOTEN(k_neighbors=k, random_state=seed)
        if self.kind == "borderline_smote":
            return BorderlineSMOTE(k_neighbors=k, random_state=seed)
        if self.kind == "adasyn":
            return ADASYN(n_neighbors=k, random_state=seed)
        raise DataError(
            f"Unknown sampler kind {self.kind!r}",
            "Valid kinds: " + ", ".join(NEIGHBOUR_SAMPLERS),
        )

    def fit(self, X: Any, y: Any) -> NeighbourOverSampler:
        self.fit_resample(X, y)
        return self

    def fit_resample(self, X: Any, y: Any) -> tuple[Any, np.ndarray]:
        """Over-sampled ``(X, y)``; ``class_counts_`` records the rows per class returned."""
        X_res, y_res = self._resample(X, y)
        self.class_counts_ = class_counts(y_res)
        return X_res, y_res

    def _resample(self, X: Any, y: Any) -> tuple[Any, np.ndarray]:
        y = np.asarray(y)
        codes, counts = np.unique(y, return_counts=True)
        minority = counts < counts.max()
        if codes.size < 2 or not minority.any():
            self.k_neighbors_ = None  # nothing to over-sample
            return X, y
        smallest = int(np.argmin(np.where(minority, counts, np.iinfo(np.int64).max)))
        n_small = int(counts[smallest])
        k = min(int(self.k_neighbors), n_small - 1)
        title = NEIGHBOUR_SAMPLERS.get(self.kind, self.kind)
        if k < 1:
            name = _class_name(self.class_names, codes[smallest])
            raise StrategyError(
                f"{title} needs at least 2 rows of class {name!r} in every training fold; "
                f"it has {n_small}",
                "Use fewer folds, merge or drop that class, or use random_over, which only "
                "duplicates rows",
            )
        sampler = self._sampler(k)
        self.k_neighbors_ = k
        self.sampler_ = sampler
        try:
            X_res, y_res = sampler.fit_resample(X, y)
        except (RuntimeError, ValueError) as err:
            if self.kind != "adasyn":
                raise
            if "No samples will be generated" in str(err):
                # ADASYN rounds each row's share of new rows; with nearly balanced classes
                # every share rounds to 0. Nothing to add is not a failure: keep the data.
                return X, y
            raise StrategyError(
                f"ADASYN cannot over-sample this training fold: {err}",
                "ADASYN needs minority rows with neighbours of other classes; try smote or "
                "borderline_smote instead",
            ) from err
        return X_res, np.asarray(y_res)


class CheckedRUSBoostClassifier(RUSBoostClassifier):
    """imblearn's RUSBoost, with its "worse than random" failure as a StrategyError.

    Boosting stops when the first weak learner, trained on a balanced under-sample, errs on
    more than chance of the weighted training rows; that happens with a very rare class.
    """

    def fit(self, X: Any, y: Any, sample_weight: Any = None) -> CheckedRUSBoostClassifier:
        try:
            return super().fit(X, y, sample_weight=sample_weight)
        except ValueError as err:
            if "worse than random" not in str(err):
                raise
            raise StrategyError(
                "RUSBoost cannot start: its first tree, trained on a balanced under-sample, "
                "misclassified more than chance of the training rows (this happens with a "
                "very rare class or label)",
                "Try easy_ensemble or balanced_random_forest instead",
            ) from err


class SafeCleaner(BaseEstimator):
    """Tomek-link (``"tomek"``) or edited-nearest-neighbour (``"enn"``) cleaning of all
    classes, as in imblearn's SMOTETomek / SMOTEENN, except that a class the cleaning would
    erase entirely keeps its rows (a classifier must still see every class). After fit:
    ``sample_indices_`` (rows kept) and ``class_counts_`` (rows per class code kept)."""

    def __init__(self, kind: str = "tomek") -> None:
        self.kind = kind

    def fit(self, X: Any, y: Any) -> SafeCleaner:
        self.fit_resample(X, y)
        return self

    def fit_resample(self, X: Any, y: Any) -> tuple[Any, np.ndarray]:
        y = np.asarray(y)
        if self.kind == "tomek":
            cleaner: Any = TomekLinks(sampling_strategy="all")
        elif self.kind == "enn":
            cleaner = EditedNearestNeighbours(sampling_strategy="all")
        else:
            raise DataError(f"Unknown cleaner kind {self.kind!r}. Valid kinds: tomek, enn")
        cleaner.fit_resample(X, y)
        keep = np.asarray(cleaner.sample_indices_, dtype=int)
        erased = np.setdiff1d(np.unique(y), np.unique(y[keep]))
        if erased.size:
            keep = np.sort(np.concatenate([keep, np.flatnonzero(np.isin(y, erased))]))
        self.sample_indices_ = keep
        self.restored_classes_ = erased
        self.class_counts_ = class_counts(y[keep])
        return _take_rows(X, keep), y[keep]


class OneClassBoostClassifier(ClassifierMixin, BaseEstimator):
    """A base classifier plus a novelty model of one class, combined by a noisy-OR.

    ``estimator`` is fitted on all training rows; ``novelty`` (a pipeline ending in an
    outlier detector with ``score_samples``, higher = more typical) only on the rows of
    class ``target``. A row's acceptance ``m`` in [0, 1] is twice the share of the target's
    training rows that it is at least as typical as, capped at 1: 0 for a row less typical
    than every known row of the class, 1 for a row at least as typical as its median row.

    The novelty vote is trusted as much as it earned on the training rows: its weight
    ``vote_weight_ = sum(m over target rows) / sum(m over all rows)``, the (soft) precision
    of acceptance. The target's probability becomes ``p + (1 - p) * vote_weight_ * m`` (a
    noisy-OR: the row is the target if the model says so or, independently, the novelty
    vote is right); the other classes share the remaining mass in their original
    proportions. A detector that also accepts many rows of other classes (overlap) thus
    barely moves the model; a selective one recovers rare rows the model misses.
    """

    def __init__(
        self,
        estimator: Any,
        novelty: Any,
        *,
        target: int = 0,
        target_name: str | None = None,
    ) -> None:
        self.estimator = estimator
        self.novelty = novelty
        self.target = target
        self.target_name = target_name

    def fit(self, X: Any, y: Any) -> OneClassBoostClassifier:
        y = np.asarray(y)
        if y.ndim != 1:
            raise StrategyError(
                "The one-class strategy needs one class per row",
                "For multi-label data use threshold_tuning or ml_ros",
            )
        rows = np.flatnonzero(y == self.target)
        if rows.size < 2:
            name = self.target_name if self.target_name is not None else str(self.target)
            raise StrategyError(
                f"The one-class model needs at least 2 rows of class {name!r} in every "
                f"training fold; it has {rows.size}",
                "Use fewer folds or choose a larger class as the one-class target",
            )
        self.estimator_ = clone(self.estimator).fit(X, y)
        self.classes_ = np.asarray(self.estimator_.classes_)
        self.target_index_ = int(np.flatnonzero(self.classes_ == self.target)[0])
        X_target = _take_rows(X, rows)
        self.novelty_ = clone(self.novelty).fit(X_target)
        self.reference_scores_ = np.sort(self.novelty_.score_samples(X_target))
        accepted = self.acceptance(X)
        total = float(accepted.sum())
        self.vote_weight_ = float(accepted[rows].sum()) / total if total > 0 else 0.0
        return self

    def acceptance(self, X: Any) -> np.ndarray:
        """How typical each row is of the target class, in [0, 1] (see the class doc)."""
        check_is_fitted(self, "reference_scores_")
        scores = self.novelty_.score_samples(X)
        ref = self.reference_scores_
        share = np.searchsorted(ref, scores, side="right") / ref.size
        return np.minimum(1.0, 2.0 * share)

    def predict_proba(self, X: Any) -> np.ndarray:
        check_is_fitted(self)
        proba = np.asarray(self.estimator_.predict_proba(X), dtype=float).copy()
        t = self.target_index_
        p = proba[:, t]
        boosted = p + (1.0 - p) * self.vote_weight_ * self.acceptance(X)
        rest = 1.0 - p
        scale = np.divide(1.0 - boosted, rest, out=np.zeros_like(rest), where=rest > 0)
        proba *= scale[:, None]
        proba[:, t] = boosted
        return proba

    def predict(self, X: Any) -> np.ndarray:
        return self.classes_[np.argmax(self.predict_proba(X), axis=1)]
