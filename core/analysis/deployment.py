"""Deployment prevalence: a strategy's metrics re-estimated at the class shares expected in use.

Per-class recall and false-positive rates are read from the pooled out-of-fold confusion
matrix and carried over to the new shares (:func:`core.metrics.prevalence.reestimate_at_prevalence`):
precision, F1, accuracy and the confusion matrix move with the shares, recall and balanced
accuracy do not. A strong difference between the evaluation shares and the shares in use
(for instance an evaluation set balanced by hand, the "balanced test set" trap) gives a
warning. Multi-label: each label is its own 2 x 2 problem with its own share (labels
overlap, so label shares need not sum to 1).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from core.errors import DataError
from core.evaluation.comparison import Comparison
from core.metrics.prevalence import prevalence_shift_warning, reestimate_at_prevalence


@dataclass(frozen=True, eq=False)
class DeploymentEstimate:
    """Metrics of one strategy expected at the deployment shares.

    ``per_class``: class, eval_share, target_share, recall, precision_eval, precision,
    f1_eval, f1, predicted_share (multi-label: one row per label, shares of rows carrying
    it). ``confusion``: expected shares of all rows, (K, K) rows true / columns predicted,
    or (K, 2, 2) ``[[tn, fp], [fn, tp]]`` per label. ``confusion_counts``: the same times
    ``n`` when ``n`` was given. ``summary``: accuracy, balanced_accuracy, macro_f1,
    weighted_f1 and their ``eval_`` versions (multi-label: label_accuracy, macro_f1 and
    ``eval_`` versions).
    """

    strategy: str
    task: str
    classes: tuple[str, ...]
    eval_shares: np.ndarray
    target_shares: np.ndarray
    per_class: pd.DataFrame
    confusion: np.ndarray
    confusion_counts: np.ndarray | None
    summary: dict[str, float]
    warning: str | None


def evaluation_shares(comparison: Comparison) -> dict[str, float]:
    """Class shares of the cross-validation rows (multi-label: share of rows carrying each)."""
    return _shares_of(np.asarray(comparison.y_true), comparison)


def holdout_shares(comparison: Comparison) -> dict[str, float] | None:
    """Class shares of the hold-out rows, or None without a hold-out."""
    if comparison.holdout_y_true is None or len(comparison.holdout_y_true) == 0:
        return None
    return _shares_of(np.asarray(comparison.holdout_y_true), comparison)


def _shares_of(y: np.ndarray, comparison: Comparison) -> dict[str, float]:
    if comparison.task == "multilabel":
        values = y.mean(axis=0)
    else:
        values = np.bincount(y, minlength=len(comparison.classes)) / max(y.size, 1)
    return {c: float(v) for c, v in zip(comparison.classes, values, strict=True)}


def normalise_shares(
    shares: Mapping[str, float] | Sequence[float], classes: Sequence[str], *, multilabel: bool
) -> np.ndarray:
    """Shares in ``classes`` order as floats. Single-label: non-negative numbers rescaled to
    sum to 1 (so counts or percentages work too). Multi-label: each a share in [0, 1]."""
    names = [str(c) for c in classes]
    if isinstance(shares, Mapping):
        given = {str(k): v for k, v in shares.items()}
        unknown = [k for k in given if k not in names]
        missing = [c for c in names if c not in given]
        if unknown or missing:
            raise DataError(
                f"Deployment shares need exactly one value per class {names!r}. "
                f"Got unknown {unknown!r} and missing {missing!r} instead"
            )
        values: Any = [given[c] for c in names]
    else:
        values = list(shares)
    try:
        arr = np.asarray(values, dtype=float)
    except (TypeError, ValueError):
        raise DataError(f"Deployment shares must be numbers. Got {values!r} instead") from None
    if arr.shape != (len(names),):
        raise DataError(
            f"Deployment shares need one value per class ({len(names)}). Got {arr.tolist()!r} instead"
        )
    if not np.all(np.isfinite(arr)) or np.any(arr < 0):
        raise DataError(
            f"Deployment shares must be non-negative numbers. Got {arr.tolist()!r} instead"
        )
    if multilabel:
        if np.any(arr > 1):
            raise DataError(
                f"Label shares are the share of rows carrying each label, from 0 to 1. Got "
                f"{arr.tolist()!r} instead",
                "Give fractions such as 0.05, not percentages",
            )
        return arr
    if arr.sum() <= 0:
        raise DataError(
            f"Deployment shares must not all be zero. Got {arr.tolist()!r} instead",
            "Give each class's expected share (or count) of the rows in use",
        )
    return arr / arr.sum()


def deployment_estimate(
    comparison: Comparison,
    strategy: str,
    shares: Mapping[str, float] | Sequence[float],
    *,
    n: int | None = None,
) -> DeploymentEstimate:
    """``strategy``'s pooled out-of-fold metrics re-estimated at ``shares`` (see
    :func:`normalise_shares`); ``n`` rows in use scales ``confusion_counts``."""
    result = comparison.results.get(strategy)
    if result is None or not result.ok:
        reason = "it was not run" if result is None else f"it failed: {result.error}"
        raise DataError(f"No results for strategy {strategy!r}: {reason}")
    multilabel = comparison.task == "multilabel"
    classes = tuple(comparison.classes)
    target = normalise_shares(shares, classes, multilabel=multilabel)
    evals = np.array(list(evaluation_shares(comparison).values()))
    if not multilabel:
        found = reestimate_at_prevalence(result.confusion, target, classes=classes, n=n)
        return DeploymentEstimate(
            strategy=strategy,
            task=comparison.task,
            classes=classes,
            eval_shares=evals,
            target_shares=target,
            per_class=found["per_class"],
            confusion=found["confusion"],
            confusion_counts=found.get("confusion_counts"),
            summary=found["summary"],
            warning=found["warning"],
        )
    rows, matrices, counts, shifted = [], [], [], []
    for j, label in enumerate(classes):
        names = (f"not {label}", label)
        found = reestimate_at_prevalence(
            np.asarray(result.confusion[j]), [1 - target[j], target[j]], classes=names, n=n
        )
        rows.append(found["per_class"].iloc[1])
        matrices.append(found["confusion"])
        if n is not None:
            counts.append(found["confusion_counts"])
        if prevalence_shift_warning([1 - evals[j], evals[j]], [1 - target[j], target[j]]):
            shifted.append(f"'{label}' {evals[j]:.1%} → {target[j]:.1%}")
    per_class = pd.DataFrame(rows).reset_index(drop=True)
    accuracy = np.array([np.trace(m) for m in matrices])
    eval_accuracy = np.array([np.trace(c) / c.sum() for c in np.asarray(result.confusion)])
    summary = {
        "label_accuracy": float(accuracy.mean()),
        "macro_f1": float(per_class["f1"].mean()),
        "eval_label_accuracy": float(eval_accuracy.mean()),
        "eval_macro_f1": float(per_class["f1_eval"].mean()),
    }
    warning = None
    if shifted:
        warning = (
            "The label shares expected in use differ strongly from the evaluation data for "
            + ", ".join(shifted)
            + ". Precision and F1 measured on the evaluation data will not hold in use for "
            "those labels (recall does, if the model behaves the same); read the re-estimated "
            "values instead."
        )
    return DeploymentEstimate(
        strategy=strategy,
        task=comparison.task,
        classes=classes,
        eval_shares=evals,
        target_shares=target,
        per_class=per_class,
        confusion=np.stack(matrices),
        confusion_counts=np.stack(counts) if counts else None,
        summary=summary,
        warning=warning,
    )


def complete_shares(
    shares: Mapping[str, float], comparison: Comparison
) -> tuple[dict[str, float], str | None]:
    """Shares for every class from the classes given: single-label, the classes left out share
    what is left (1 minus the sum given) in proportion to their evaluation shares; multi-label,
    a label left out keeps its evaluation share. Returns the shares and a sentence saying what
    was filled in (None when every class was given). :class:`DataError` for an unknown class or
    shares over 1 with classes left out."""
    names = [str(c) for c in comparison.classes]
    given = {str(k): float(v) for k, v in shares.items()}
    unknown = [k for k in given if k not in names]
    if unknown:
        raise DataError(
            f"Unknown class {unknown[0]!r} in the deployment shares",
            "Choose among: " + ", ".join(map(repr, names)),
        )
    missing = [c for c in names if c not in given]
    if not missing:
        return given, None
    evals = evaluation_shares(comparison)
    if comparison.task == "multilabel":
        filled = {c: evals[c] for c in missing}
    else:
        left = 1.0 - sum(given.values())
        if left < 0 or any(v < 0 for v in given.values()):
            raise DataError(
                f"The deployment shares given sum to {1 - left:.3g}, over 1, with "
                f"{', '.join(map(repr, missing))} left out",
                "Give shares from 0 to 1 (e.g. 0.087 or 1/11.5), or a share for every class",
            )
        rest = sum(evals[c] for c in missing)
        filled = {c: left * (evals[c] / rest if rest > 0 else 1 / len(missing)) for c in missing}
    note = "Shares not given, filled in: " + ", ".join(
        f"'{c}' {v:.3g}" for c, v in filled.items()
    ) + (" (the evaluation shares)" if comparison.task == "multilabel" else
         " (what is left, in proportion to the evaluation shares)")  # fmt: skip
    return {c: given.get(c, filled.get(c, 0.0)) for c in names}, note


def deployment_dict(
    comparison: Comparison, shares: Mapping[str, float] | Sequence[float]
) -> dict[str, Any]:
    """results.json's ``deployment`` section: the ``shares`` in use (normalised), the
    ``evaluation_shares``, the ``warning`` when they differ strongly (the balanced-test-set
    trap; None otherwise) and per successful strategy its ``per_class`` (``class``,
    ``precision``, ``recall``, ``f1`` at the shares in use, and ``precision_eval``,
    ``f1_eval`` as measured) and ``summary`` (:class:`DeploymentEstimate`)."""
    target = normalise_shares(
        shares, comparison.classes, multilabel=comparison.task == "multilabel"
    )
    named = {str(c): float(v) for c, v in zip(comparison.classes, target, strict=True)}
    out: dict[str, Any] = {
        "shares": named,
        "evaluation_shares": evaluation_shares(comparison),
        "warning": None,
        "strategies": {},
    }
    for name, result in comparison.results.items():
        if not result.ok or result.confusion is None:
            continue
        found = deployment_estimate(comparison, name, named)
        out["warning"] = out["warning"] or found.warning
        out["strategies"][name] = {
            "per_class": [
                {
                    "class": str(row["class"]),
                    "precision": float(row["precision"]),
                    "recall": float(row["recall"]),
                    "f1": float(row["f1"]),
                    "precision_eval": float(row["precision_eval"]),
                    "f1_eval": float(row["f1_eval"]),
                }
                for row in found.per_class.to_dict(orient="records")
            ],
            "summary": {k: float(v) for k, v in found.summary.items()},
        }
    return out
