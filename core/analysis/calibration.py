"""How honest each strategy's probabilities are, per class: Brier score, its Murphy
decomposition, ECE and log loss (:mod:`core.metrics.calibration`) of the pooled
out-of-fold probabilities.

Where a strategy's probabilities were corrected (``StrategyResult.corrected_proba``: the prior
shift of resampling or class weights undone, or calibrated on inner folds), the calibration
shown is that of the corrected probabilities ("after") and ``before`` holds the same numbers
for the model's own probabilities, so the reader sees what the correction bought. Decisions
and every other score stay those of the model's own probabilities.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from core.errors import DataError
from core.evaluation.comparison import Comparison
from core.metrics.calibration import (
    CALIBRATION_COLUMNS,
    N_BINS,
    binning_text,
    calibration_table,
    log_loss_of,
)
from core.metrics.curves import calibration_by_class

PROBABILITY_SLACK = 1e-9  # float noise tolerated outside [0, 1] (clipped), more is an error
COMPARE_COLUMNS = ("brier", "reliability", "ece", "log_loss")
"""The numbers of the important class in :func:`calibration_comparison` (own probabilities;
``*_corrected`` beside them for corrected strategies)."""
UNRECORDED = "Corrected probabilities; how they were made was not recorded"
"""``StrategyCalibration.correction`` of corrected probabilities without a ``correction``: a
sentence without its full stop, like :func:`core.modelling.correction.correction_text`."""


def probabilities_source(comparison: Comparison) -> str:
    """Where the calibrated probabilities come from, in words: ``the pooled out-of-fold
    predictions``, or in predictions mode ``the scores in the predictions file (models
    trained elsewhere)``."""
    if comparison.config.mode == "predictions":
        return "the scores in the predictions file (models trained elsewhere)"
    return "the pooled out-of-fold predictions"


@dataclass(frozen=True, eq=False)
class StrategyCalibration:
    """Calibration of one strategy's pooled out-of-fold probabilities.

    ``per_class`` has ``class`` and :data:`core.metrics.calibration.TABLE_COLUMNS`' numbers
    (one-vs-rest per class; binary: both classes, mirror images); ``bins`` the reliability
    diagram's bins per class, on the same binning. When ``correction`` is set these are the
    corrected probabilities' and ``before`` holds the model's own; else ``before`` is None.
    """

    name: str
    per_class: pd.DataFrame
    log_loss: float
    n_bins: int
    binning: str  # the binning in words, stated beside the numbers
    bins: dict[str, pd.DataFrame]
    correction: str | None = None  # how they were corrected: sentences, no last full stop
    before: StrategyCalibration | None = None

    @property
    def own(self) -> StrategyCalibration:
        """The calibration of the model's own probabilities (those the decisions use)."""
        return self.before if self.before is not None else self

    def table(self) -> pd.DataFrame:
        """``per_class`` with ``brier_before`` and ``reliability_before`` (the model's own
        probabilities) when corrected."""
        out = self.per_class.copy()
        if self.before is not None:
            own = self.before.per_class.set_index("class")
            for col in ("brier", "reliability"):
                out[f"{col}_before"] = out["class"].map(own[col])
        return out

    def of(self, cls: str) -> pd.Series:
        """The per-class row of ``cls``."""
        return self.per_class.set_index("class").loc[cls]


def _checked(proba: np.ndarray) -> np.ndarray:
    p = np.asarray(proba, dtype=np.float64)
    if p.size and (p.min() < -PROBABILITY_SLACK or p.max() > 1 + PROBABILITY_SLACK):
        raise DataError(
            "Calibration needs probabilities between 0 and 1. "
            f"Got values from {p.min():.3g} to {p.max():.3g} instead"
        )
    return np.clip(p, 0.0, 1.0)


def _calibration_of(
    comparison: Comparison, name: str, proba: np.ndarray, n_bins: int
) -> StrategyCalibration:
    y, classes, task = comparison.y_true, comparison.classes, comparison.task
    p = _checked(proba)
    return StrategyCalibration(
        name=name,
        per_class=calibration_table(y, p, classes, task, n_bins),
        log_loss=log_loss_of(y, p, classes, task),
        n_bins=n_bins,
        binning=binning_text(n_bins),
        bins=calibration_by_class(y, p, classes, task, n_bins=n_bins),
    )


def strategy_calibration(
    comparison: Comparison, name: str, n_bins: int = N_BINS
) -> StrategyCalibration:
    """Calibration of strategy ``name`` (which must have run): of its corrected
    probabilities with ``before`` = its own when ``corrected_proba`` is set, else of its own."""
    result = comparison.results.get(name)
    if result is None or not result.ok or result.oof_proba is None:
        reason = "it was not run" if result is None else f"it failed: {result.error}"
        raise DataError(f"No probabilities for strategy {name!r}: {reason}")
    own = _calibration_of(comparison, name, result.oof_proba, n_bins)
    if result.corrected_proba is None:
        return own
    after = _calibration_of(comparison, name, result.corrected_proba, n_bins)
    correction = result.correction or UNRECORDED
    return StrategyCalibration(
        name=name,
        per_class=after.per_class,
        log_loss=after.log_loss,
        n_bins=n_bins,
        binning=after.binning,
        bins=after.bins,
        correction=correction,
        before=own,
    )


def _numbers_dict(cal: StrategyCalibration) -> dict[str, Any]:
    records = cal.per_class[["class", *CALIBRATION_COLUMNS, "within_bin"]].to_dict("records")
    for rec in records:
        rec["class"] = str(rec["class"])
    return {"per_class": records, "log_loss": cal.log_loss}


def calibration_dict(cal: StrategyCalibration) -> dict[str, Any]:
    """results.json ``strategies.<name>.calibration``: ``per_class`` (class, brier,
    reliability, resolution, uncertainty, ece, within_bin), ``log_loss``, ``bins`` (the
    binning) and, when the probabilities were corrected, ``before`` (the same numbers for
    the model's own probabilities; how they were corrected is the strategy's ``correction``)."""
    out = _numbers_dict(cal)
    out["bins"] = {"n_bins": cal.n_bins, "kind": "equal-width", "description": cal.binning}
    if cal.before is not None:
        out["before"] = _numbers_dict(cal.before)
    return out


def calibration_comparison(comparison: Comparison, cls: str | None = None) -> pd.DataFrame:
    """One row per successful strategy: the calibration of class ``cls`` (default the
    important class) from its own probabilities (:data:`COMPARE_COLUMNS`, log loss over all
    classes), the same ``*_corrected`` where a correction exists (NaN elsewhere) and
    ``correction`` (words, "" when none)."""
    cls = comparison.important_class if cls is None else cls
    rows = []
    for name, result in comparison.results.items():
        if not result.ok or result.oof_proba is None:
            continue
        cal = strategy_calibration(comparison, name)
        own = cal.own
        row: dict[str, Any] = {"strategy": name}
        row.update({c: float(own.of(cls)[c]) for c in COMPARE_COLUMNS[:-1]})
        row["log_loss"] = own.log_loss
        after = cal if cal.before is not None else None
        for c in COMPARE_COLUMNS[:-1]:
            row[f"{c}_corrected"] = float(after.of(cls)[c]) if after else float("nan")
        row["log_loss_corrected"] = after.log_loss if after else float("nan")
        row["correction"] = cal.correction or ""
        rows.append(row)
    columns = ["strategy", *COMPARE_COLUMNS, *(f"{c}_corrected" for c in COMPARE_COLUMNS)]
    return pd.DataFrame(rows, columns=[*columns, "correction"])
