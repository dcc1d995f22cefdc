"""Options shared by all strategies, validated once against a Dataset."""

from __future__ import annotations

import difflib
import math
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from core.errors import DataError, StrategyError
from core.intake.dataset import Dataset
from core.metrics.decision_rules import OBJECTIVES


def _is_int(value: Any) -> bool:
    return isinstance(value, int | np.integer) and not isinstance(value, bool | np.bool_)


def close_hint(name: str, valid: list[str], what: str) -> str:
    close = difflib.get_close_matches(name, valid, n=1)
    return (f"Did you mean {close[0]!r}? " if close else "") + f"Valid {what}: " + ", ".join(valid)


def _positive_number(value: Any, what: str) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        number = math.nan
    if isinstance(value, bool) or not math.isfinite(number) or number <= 0:
        raise DataError(f"{what} must be a positive number. Got {value!r} instead")
    return number


PROBABILITY_CORRECTIONS = {
    "prior": "Undo the prior shift (analytic)",
    "sigmoid": "Calibrate on inner folds (sigmoid)",
    "isotonic": "Calibrate on inner folds (isotonic)",
    "none": "No correction",
}
"""``StrategyOptions.probability_correction`` values and their titles
(:mod:`core.modelling.correction` does them)."""


@dataclass(frozen=True)
class StrategyOptions:
    """User options shared by all strategies; :meth:`validated` checks them against a Dataset.

    - ``class_weights``: ``{class name: weight}`` for ``class_weight`` (classes left out
      weigh 1); ``None`` = "balanced" (weights inversely proportional to class frequency in
      the training data). Multi-label: ``{label: weight of its positive rows}``.
    - ``cost_matrix``: K x K, rows = true class, columns = predicted, in ``ds.classes``
      order. ``None`` = 0 on the diagonal and ``n_majority / n_true_class`` elsewhere (an
      error on a class ten times rarer costs ten times more; computed from the training
      data's class counts). Single-label only.
    - ``threshold_objective``: what ``threshold_tuning`` maximises: "f1" (binary: F1 of
      class 1; multiclass: macro F1; multi-label: per-label F1), "fbeta" (with ``beta``),
      "balanced_accuracy" or "mcc".
    - ``k_neighbors``: neighbours of the SMOTE family / ADASYN (lowered for tiny classes).
    - ``one_class_target``: class isolated by ``one_class``; ``None`` = the smallest class.
    - ``inner_cv``: folds of the inner cross-validation that tunes thresholds / calibrates.
    - ``n_estimators``: ensemble size override (forest trees, bags, boosting rounds,
      isolation trees); ``None`` = each recipe's default. A speed knob.
    - ``probability_correction``: how the probabilities of a resampled or weighted strategy
      are corrected (:mod:`core.modelling.correction`; decisions never change): "prior"
      (the prior shift undone analytically), "sigmoid" / "isotonic" (calibrated on
      ``inner_cv`` inner folds; extra fits) or "none".
    """

    class_weights: Mapping[str, float] | None = None
    cost_matrix: tuple[tuple[float, ...], ...] | None = None
    threshold_objective: str = "f1"
    beta: float = 1.0
    k_neighbors: int = 5
    one_class_target: str | None = None
    inner_cv: int = 3
    n_estimators: int | None = None
    probability_correction: str = "prior"

    def validated(self, ds: Dataset) -> StrategyOptions:
        """These options checked against ``ds`` and normalised: class weights for every
        class (floats, ``ds.classes`` order), the cost matrix filled in (single-label), the
        one-class target named. Idempotent. Raises :class:`DataError` on bad input."""
        classes = list(ds.classes)
        weights = None
        if self.class_weights is not None:
            if not isinstance(self.class_weights, Mapping):
                raise DataError(
                    "class_weights must map class names to weights. "
                    f"Got {type(self.class_weights).__name__} instead"
                )
            for key in self.class_weights:
                if str(key) not in classes:
                    raise DataError(
                        f"class_weights names an unknown class {key!r}",
                        close_hint(str(key), classes, "classes"),
                    )
            given = {str(k): v for k, v in self.class_weights.items()}
            weights = {
                c: _positive_number(given.get(c, 1.0), f"The weight of class {c!r}")
                for c in classes
            }
        cost = None
        if ds.is_multilabel:
            if self.cost_matrix is not None:
                raise DataError(
                    "A cost matrix applies to one class per row, not to multi-label targets",
                    "Leave it empty, or use threshold_tuning with the fbeta objective to "
                    "favour recall per label",
                )
        else:
            cost = self._cost_matrix(ds)
        if self.threshold_objective not in OBJECTIVES:
            raise DataError(
                f"Unknown threshold objective {self.threshold_objective!r}",
                close_hint(str(self.threshold_objective), list(OBJECTIVES), "objectives"),
            )
        beta = _positive_number(self.beta, "beta")
        if not _is_int(self.k_neighbors) or self.k_neighbors < 1:
            raise DataError(f"k_neighbors must be a whole number >= 1. Got {self.k_neighbors!r}")
        if not _is_int(self.inner_cv) or self.inner_cv < 2:
            raise DataError(f"inner_cv must be a whole number >= 2. Got {self.inner_cv!r}")
        if self.n_estimators is not None and (
            not _is_int(self.n_estimators) or self.n_estimators < 1
        ):
            raise DataError(f"n_estimators must be a whole number >= 1. Got {self.n_estimators!r}")
        if self.probability_correction not in PROBABILITY_CORRECTIONS:
            raise DataError(
                f"Unknown probability correction {self.probability_correction!r}",
                close_hint(
                    str(self.probability_correction), list(PROBABILITY_CORRECTIONS), "corrections"
                ),
            )
        target = self.one_class_target
        if target is not None and str(target) not in classes:
            raise DataError(
                f"The one-class target {target!r} is not a class of the target",
                close_hint(str(target), classes, "classes"),
            )
        if target is None and not ds.is_multilabel:
            target = ds.classes_by_rarity()[0]
        return replace(
            self,
            class_weights=weights,
            cost_matrix=cost,
            beta=beta,
            k_neighbors=int(self.k_neighbors),
            inner_cv=int(self.inner_cv),
            n_estimators=None if self.n_estimators is None else int(self.n_estimators),
            one_class_target=None if target is None else str(target),
        )

    def _cost_matrix(self, ds: Dataset) -> tuple[tuple[float, ...], ...]:
        k = len(ds.classes)
        if self.cost_matrix is None:
            counts = np.array(list(ds.class_counts.values()), dtype=float)
            if counts.min() <= 0:
                raise StrategyError(
                    "The default cost matrix needs at least one row of every class",
                    "Give a cost matrix, or drop the empty class",
                )
            matrix = np.repeat((counts.max() / counts)[:, None], k, axis=1)
            np.fill_diagonal(matrix, 0.0)
        else:
            try:
                matrix = np.array(self.cost_matrix, dtype=float)
            except (TypeError, ValueError):
                raise DataError(
                    "The cost matrix must hold numbers only. Got a value that is not a number"
                ) from None
            if matrix.shape != (k, k):
                raise DataError(
                    f"The cost matrix must be {k} x {k} (rows = true class, columns = "
                    f"predicted, in the order {', '.join(ds.classes)}). "
                    f"Got shape {matrix.shape} instead"
                )
            if not np.isfinite(matrix).all() or (matrix < 0).any():
                raise DataError("The cost matrix must hold finite costs >= 0. Got " + str(matrix))
            if not (matrix[~np.eye(k, dtype=bool)] > 0).any():
                raise DataError(
                    "The cost matrix has no positive cost for a wrong prediction",
                    "Give at least one positive entry off the diagonal",
                )
        return tuple(tuple(float(v) for v in row) for row in matrix)
