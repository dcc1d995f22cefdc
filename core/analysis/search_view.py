"""What a search of :mod:`core.analysis.search` found, as the Trade-offs page shows it: one
row per distinct point with its hyper-parameters, and one sentence saying whether the search
beat the plain strategies on the positive class's F1 and on the Pareto front."""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from core.analysis.planes import PlaneView
from core.analysis.search_types import SearchResult
from core.errors import DataError
from core.modelling.search_space import search_space

PARAM_TITLES = {"class_weight_strength": "class weight", "threshold": "threshold"}
"""Short names of the shared search parameters; a model's own keep the estimator's name."""

TABLE_COLUMNS = ("point", "hyper_parameters", "accuracy", "f1", "recall_pos", "recall_neg",
                 "on_front", "members")  # fmt: skip
"""Columns of :attr:`SearchView.table`."""

_SAME = ("tp", "fp", "fn", "tn")  # equal counts: the same point (same accuracy, F1, recalls)


@dataclass(frozen=True)
class SearchView:
    """A search's points for display and the verdict against the plain strategies.

    ``table``: :data:`TABLE_COLUMNS`, one row per distinct point (points with equal counts
    merged), most accurate first; ``point`` is "A (most accurate)", "B", ..., the best-F1
    one saying "(best F1)"; ``hyper_parameters`` each parameter's value, or its range over the outer
    folds ("C 0.012–3.4 · class weight 0.50 · threshold 0.31–0.44"); ``on_front`` whether it
    is on the Pareto front of the strategies' points and the search's together.
    """

    table: pd.DataFrame
    sentence: str
    best_f1: float  # the search's best F1 of the positive class
    best_decision_f1: float  # the best F1 of a strategy's own decision
    best_decision: str  # ... reached by this strategy
    best_sweep_f1: float  # the best F1 of any strategy at any threshold
    best_sweep: str  # ... reached by this strategy
    n_on_front: int

    @property
    def beats_decisions(self) -> bool:
        """The search found a higher F1 than every strategy's own decision."""
        return self.best_f1 > self.best_decision_f1

    @property
    def beats_sweeps(self) -> bool:
        """The search found a higher F1 than any strategy at any threshold."""
        return self.best_f1 > self.best_sweep_f1


def _fmt(value: float, integer: bool) -> str:
    return f"{int(round(value)):,}" if integer else f"{value:.3g}"


def param_text(chosen: pd.DataFrame, model: str) -> str:
    """Each searched parameter of ``chosen`` (rows: one member per outer fold) as its value
    when every fold agrees, else its range: "C 0.012–3.4 · class weight 0.5 · threshold 0.31"."""
    parts = []
    for p in search_space(model):
        if p.name not in chosen.columns:
            continue
        values = chosen[p.name].to_numpy(dtype=float)
        low, high = _fmt(values.min(), p.kind == "int"), _fmt(values.max(), p.kind == "int")
        parts.append(
            f"{PARAM_TITLES.get(p.name, p.name)} {low if low == high else f'{low}–{high}'}"
        )
    return " · ".join(parts)


def _labels(table: pd.DataFrame) -> list[str]:
    """A, B, C, ... in table order; the most accurate and the best-F1 rows say so."""
    labels = [chr(ord("A") + i) if i < 26 else f"P{i + 1}" for i in range(len(table))]
    notes: dict[int, list[str]] = {}
    notes.setdefault(int(np.argmax(table["accuracy"].to_numpy())), []).append("most accurate")
    notes.setdefault(int(np.argmax(table["f1"].to_numpy())), []).append("best F1")
    return [f"{x} ({', '.join(notes[i])})" if i in notes else x for i, x in enumerate(labels)]


def search_view(result: SearchResult, strategies: PlaneView) -> SearchView:
    """``result``'s points merged and labelled, with the verdict against ``strategies`` (the
    plane of the same positive class holding only the comparison's strategies)."""
    if strategies.positive_class != result.positive_class:
        raise DataError(
            f"The search is for '{result.positive_class}', the plane for "
            f"'{strategies.positive_class}'",
            "Compare a search with the plane of its own positive class",
        )
    points = result.points.reset_index(drop=True)
    if points.empty or strategies.points.empty:
        raise DataError("There are no points to compare", "Run the search again")
    joined = strategies.with_points(points).points
    on_front = joined["pareto"].to_numpy()[-len(points) :]  # the search's rows come last
    group = points.groupby(list(_SAME), sort=False).ngroup().to_numpy()
    rows = []
    for g in range(group.max() + 1):
        same = np.flatnonzero(group == g)
        first = points.iloc[same[0]]
        members = result.chosen[result.chosen["point"].isin(same)]
        rows.append(
            {
                **{c: first[c] for c in ("accuracy", "f1", "recall_pos", "recall_neg")},
                "hyper_parameters": param_text(members, result.model),
                "on_front": bool(on_front[same].any()),
                "members": " | ".join(dict.fromkeys(points.loc[same, "members"])),
            }
        )
    table = pd.DataFrame(rows).sort_values(["accuracy", "f1"], ascending=False, kind="stable")
    table = table.reset_index(drop=True)
    table.insert(0, "point", _labels(table))
    table = table[list(TABLE_COLUMNS)].reset_index(drop=True)
    decisions = strategies.operating.dropna(subset=["f1"])
    sweep = strategies.points
    best_decision = decisions.loc[decisions["f1"].idxmax()]
    best_sweep = sweep.loc[sweep["f1"].idxmax()]
    view = SearchView(
        table=table,
        sentence="",  # filled in below, from the numbers
        best_f1=float(table["f1"].max()),
        best_decision_f1=float(best_decision["f1"]),
        best_decision=str(best_decision["strategy"]),
        best_sweep_f1=float(best_sweep["f1"]),
        best_sweep=str(best_sweep["strategy"]),
        n_on_front=int(table["on_front"].sum()),
    )
    return replace(view, sentence=_sentence(view, result, best_sweep))


def _sentence(view: SearchView, result: SearchResult, best_sweep: pd.Series) -> str:
    """One paragraph: F1 against the strategies' own decisions and best cuts, then the front."""

    def side(better: bool, best: float) -> str:
        return "level with" if abs(view.best_f1 - best) < 1e-12 else "above" if better else "below"

    top = view.table.loc[view.table["f1"].idxmax()]
    cut = float(best_sweep["threshold"])
    at = "never" if np.isinf(cut) else f"{cut:.2f}"
    n, k = len(view.table), view.n_on_front
    if k:
        them = "it" if k == 1 else "them"
        front = (
            f"{k} of its {n} point{'s' if n != 1 else ''} {'is' if k == 1 else 'are'} on the "
            f"Pareto front: no strategy at any threshold beats {them} on both accuracy and F1."
        )
    else:
        front = (
            "None of its points is on the Pareto front: for each, some strategy at some "
            "threshold is at least as good on both accuracy and F1."
        )
    verdict = "beat" if view.beats_decisions else "did not beat"
    return (
        f"The search {verdict} the plain strategies on F1 of '{result.positive_class}': its best "
        f"is {view.best_f1:.3f} (point {top['point'].split()[0]}, accuracy "
        f"{top['accuracy']:.3f}), {side(view.beats_decisions, view.best_decision_f1)} the best "
        f"strategy's own decision ({view.best_decision_f1:.3f}, {view.best_decision}) and "
        f"{side(view.beats_sweeps, view.best_sweep_f1)} the best cut of any strategy "
        f"({view.best_sweep_f1:.3f}, {view.best_sweep} at {at}; that cut is chosen on these "
        f"same rows, which flatters it). {front}"
    )
