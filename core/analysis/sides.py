"""A class and its complement as the positive class, side by side (:func:`sides`).

Which one's F1-optimal cut gives the better balanced accuracy, strategy by strategy; the
planes themselves come from :mod:`core.analysis.planes`.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from core.analysis.planes import PlaneView, plane, resolve_positive
from core.evaluation.comparison import Comparison
from core.metrics.plane import TIE_TOLERANCE


@dataclass(frozen=True, eq=False)
class Sides:
    """A class and its complement as the positive class, side by side.

    ``table``: one row per strategy with a threshold sweep; for each side (``pos`` = the
    chosen class, ``neg`` = its complement) the F1-optimal cut's ``best_f1_*``,
    ``threshold_*`` (on that side's own probability), ``accuracy_*`` and
    ``balanced_accuracy_*``; ``better_balanced_accuracy`` is "positive", "complement" or
    "tie". Balanced accuracy does not depend on which class is called positive, so the
    two sides are comparable; best F1 is where they differ.
    """

    positive: PlaneView
    complement: PlaneView
    table: pd.DataFrame
    sentence: str

    @property
    def minority(self) -> PlaneView:
        return self.complement if self.positive.positive_share > 0.5 else self.positive

    @property
    def majority(self) -> PlaneView:
        return self.positive if self.positive.positive_share > 0.5 else self.complement


def _best_f1_rows(points: pd.DataFrame) -> pd.DataFrame:
    """Per strategy, the threshold row of highest F1 (ties: the highest threshold)."""
    if points.empty:
        return points
    idx = points.groupby("strategy", sort=False)["f1"].idxmax()
    return points.loc[idx.to_numpy()].set_index("strategy")


def sides(comparison: Comparison, positive: str | None = None) -> Sides:
    """``positive`` (default :func:`~core.analysis.planes.default_positive`) and its
    complement as positive, compared at each side's F1-optimal threshold."""
    left = plane(comparison, positive)
    right = plane(comparison, resolve_positive(comparison, positive), complement=True)
    a, b = _best_f1_rows(left.points), _best_f1_rows(right.points)
    rows = []
    for name in a.index:
        ba_pos, ba_neg = (
            float(a.at[name, "balanced_accuracy"]),
            float(b.at[name, "balanced_accuracy"]),
        )
        gap = ba_pos - ba_neg
        rows.append(
            {
                "strategy": name,
                "best_f1_pos": float(a.at[name, "f1"]),
                "threshold_pos": float(a.at[name, "threshold"]),
                "accuracy_pos": float(a.at[name, "accuracy"]),
                "balanced_accuracy_pos": ba_pos,
                "best_f1_neg": float(b.at[name, "f1"]),
                "threshold_neg": float(b.at[name, "threshold"]),
                "accuracy_neg": float(b.at[name, "accuracy"]),
                "balanced_accuracy_neg": ba_neg,
                "better_balanced_accuracy": "tie"
                if abs(gap) <= TIE_TOLERANCE
                else ("positive" if gap > 0 else "complement"),
            }
        )
    table = pd.DataFrame(
        rows,
        columns=[
            "strategy",
            "best_f1_pos",
            "threshold_pos",
            "accuracy_pos",
            "balanced_accuracy_pos",
            "best_f1_neg",
            "threshold_neg",
            "accuracy_neg",
            "balanced_accuracy_neg",
            "better_balanced_accuracy",
        ],
    )
    return Sides(left, right, table, _sides_sentence(left, right, table))


def _name(view: PlaneView) -> str:
    return (
        f"'{view.positive_class}' ({view.role})"
        if view.role != "half"
        else f"'{view.positive_class}'"
    )


def _examples(table: pd.DataFrame, first: str, second: str, limit: int = 3) -> str:
    shown = [
        f"{r.strategy} {getattr(r, first):.3f} vs {getattr(r, second):.3f}"
        for r in table.head(limit).itertuples()
    ]
    return ", ".join(shown) + (", …" if len(table) > limit else "")


def _sides_sentence(left: PlaneView, right: PlaneView, table: pd.DataFrame) -> str:
    """Which side's F1-optimal cut has the better balanced accuracy, strategy by strategy."""
    if table.empty:
        return "No strategy produced probabilities, so no threshold can be compared."
    n = len(table)
    lead = "At the threshold of best F1,"
    sentences = []
    for side, winner, loser, a, b in (
        ("positive", left, right, "balanced_accuracy_pos", "balanced_accuracy_neg"),
        ("complement", right, left, "balanced_accuracy_neg", "balanced_accuracy_pos"),
    ):
        wins = table[table["better_balanced_accuracy"] == side]
        if wins.empty:
            continue
        count = "every strategy" if len(wins) == n else f"{len(wins)} of {n} strategies"
        sentences.append(
            f"{lead} {_name(winner)} as the positive class gives a better balanced accuracy "
            f"than {_name(loser)} for {count} ({_examples(wins, a, b)})."
        )
    ties = table[table["better_balanced_accuracy"] == "tie"]
    if not sentences:
        return (
            f"{lead} the balanced accuracy is the same whether {_name(left)} or {_name(right)} "
            "is the positive class, for every strategy."
        )
    if not ties.empty:
        sentences.append(f"The same either way: {', '.join(ties['strategy'])}.")
    return " ".join(sentences)
