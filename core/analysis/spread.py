"""How much each pooled cross-validated figure moves from fold to fold.

The headline figures are computed once on the pooled out-of-fold predictions (every row
predicted once, scored together). Beside each, the views show the same score over the k
validation folds — mean ± sd, from :attr:`StrategyResult.fold_scores` and
:attr:`StrategyResult.fold_class_f1` — and flag a fold far from the others
(:func:`core.metrics.per_fold.fold_spread` holds the one rule). The Compare and Results
pages, the HTML report and results.json (``fold_spread``) all read this module, so they
say the same thing in the same words.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from core.evaluation.comparison import Comparison
from core.evaluation.crossval import StrategyResult
from core.metrics.per_fold import FoldSpread, fold_spread

OVER_FOLDS_NOTE = (
    "Pooled: every row predicted once, scored together. Over folds: mean ± sd of the k fold "
    "scores; a fold far from the others is flagged."
)
"""The one-line caption that explains a pooled figure and its over-folds companion."""

FOLDS_SUFFIX = "_folds"
"""Column ``<m>_folds`` of :func:`over_folds_table` is the over-folds text of column ``<m>``."""


@dataclass(frozen=True)
class StrategySpread:
    """One strategy's scores over the folds: each summary metric and each class's F1.

    Both mappings are empty for a strategy that did not run.
    """

    strategy: str
    summary: Mapping[str, FoldSpread] = field(default_factory=dict)
    class_f1: Mapping[str, FoldSpread] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """results.json's ``fold_spread``: ``{"summary": {metric: ...}, "per_class_f1":
        {class: ...}}``, each ``{mean, sd, low, high, n, outlier_fold, outlier_value}``
        (``outlier_fold`` 0-based, as ``fold_scores[].fold``; NaN -> None)."""
        return {
            "summary": {m: s.to_dict() for m, s in self.summary.items()},
            "per_class_f1": {c: s.to_dict() for c, s in self.class_f1.items()},
        }


def _keys(dicts: Sequence[Mapping[str, float]], first: Sequence[str]) -> list[str]:
    """``first`` (those some fold has), then every other key in first-seen order."""
    seen = {k for d in dicts for k in d}
    keys = [k for k in first if k in seen]
    for d in dicts:
        keys += [k for k in d if k not in keys]
    return keys


def strategy_spread(result: StrategyResult, classes: Sequence[str] = ()) -> StrategySpread:
    """Spread over folds of ``result``'s summary metrics (in ``summary`` order) and of each
    class's F1 (in ``classes`` order, then any other class the folds scored)."""
    if not result.ok:
        return StrategySpread(result.name)
    folds, class_folds = result.fold_scores, result.fold_class_f1
    summary = {
        m: fold_spread([f.get(m, math.nan) for f in folds])
        for m in _keys(folds, list(result.summary or {}))
    }
    class_f1 = {
        str(c): fold_spread([f.get(c, math.nan) for f in class_folds])
        for c in _keys(class_folds, [str(c) for c in classes])
    }
    return StrategySpread(result.name, summary, class_f1)


def comparison_spreads(comparison: Comparison) -> dict[str, StrategySpread]:
    """:func:`strategy_spread` of every strategy of ``comparison`` (failed ones empty)."""
    return {
        name: strategy_spread(result, comparison.classes)
        for name, result in comparison.results.items()
    }


def spread_text(spread: FoldSpread | None, digits: int = 3, part: str = "fold") -> str:
    """The over-folds companion of a pooled figure, e.g. ``"0.812 ± 0.021"``, or
    ``"0.742 ± 0.180, fold 5 outlier (0.400)"`` (folds counted from 1, as on screen).

    ``"–"`` when no fold has the score; ``"0.812 (1 fold)"`` with a single fold. ``part``:
    what the folds are called ("part": the cross-fitting parts of a predictions file).
    """
    if spread is None or spread.n == 0:
        return "–"
    if spread.n == 1:
        return f"{spread.mean:.{digits}f} (1 {part})"
    out = f"{spread.mean:.{digits}f} ± {spread.sd:.{digits}f}"
    if spread.outlier_fold is not None:
        out += f", {part} {spread.outlier_fold + 1} outlier ({spread.outlier_value:.{digits}f})"
    return out


def outlier_notes(spread: StrategySpread, noun: str = "class", part: str = "fold") -> list[str]:
    """One note per class whose F1 has an outlier fold (class order), e.g. "F1 of class
    'yes': fold 5 scored 0.400 against 0.800 on average on the other folds; ..." (folds
    counted from 1, as on screen)."""
    notes = []
    for cls, s in spread.class_f1.items():
        if s.outlier_fold is None:
            continue
        others = (s.mean * s.n - s.outlier_value) / (s.n - 1)
        notes.append(
            f"F1 of {noun} '{cls}': {part} {s.outlier_fold + 1} scored {s.outlier_value:.3f} "
            f"against {others:.3f} on average on the other {part}s; look at what that {part}'s "
            "rows hold before trusting the pooled F1."
        )
    return notes


def _pooled_f1(result: StrategyResult, cls: str) -> float:
    table = result.per_class
    if not result.ok or table is None:
        return math.nan
    hit = table.loc[table["class"].astype(str) == str(cls), "f1"]
    return float(hit.iloc[0]) if len(hit) else math.nan


def over_folds_table(
    comparison: Comparison, metrics: Sequence[str], important_class: str
) -> pd.DataFrame:
    """One row per strategy (comparison order): ``strategy``, ``important_f1`` (pooled F1 of
    ``important_class``) and ``important_f1_folds``, then ``<m>_folds`` for each of
    ``metrics`` — the :func:`spread_text` of that score over the folds."""
    rows = []
    part = "part" if comparison.config.mode == "predictions" else "fold"
    for name, spread in comparison_spreads(comparison).items():
        result = comparison.results[name]
        row: dict[str, Any] = {
            "strategy": name,
            "important_f1": _pooled_f1(result, important_class),
            "important_f1" + FOLDS_SUFFIX: spread_text(
                spread.class_f1.get(str(important_class)), part=part
            ),
        }
        for m in metrics:
            row[m + FOLDS_SUFFIX] = spread_text(spread.summary.get(m), part=part)
        rows.append(row)
    columns = ["strategy", "important_f1", "important_f1" + FOLDS_SUFFIX]
    return pd.DataFrame(rows, columns=columns + [m + FOLDS_SUFFIX for m in metrics])


def with_f1_over_folds(
    per_class: pd.DataFrame, spread: StrategySpread, part: str = "fold"
) -> pd.DataFrame:
    """A copy of a pooled per-class table with ``f1_folds`` (:func:`spread_text` of the
    class's F1 over the folds) right after ``f1``."""
    out = per_class.copy()
    texts = [spread_text(spread.class_f1.get(str(c)), part=part) for c in out["class"]]
    at = list(out.columns).index("f1") + 1 if "f1" in out.columns else len(out.columns)
    out.insert(at, "f1" + FOLDS_SUFFIX, texts)
    return out
