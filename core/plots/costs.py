"""Figures of decision costs: Drummond & Holte cost curves, and the expected cost per row
against the positive class's share in use.

They draw a view computed by :func:`core.analysis.costs.decision_costs` (any object with the
same attributes works, :class:`CostsLike`) and never compute a metric.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

import numpy as np
import plotly.graph_objects as go

from core.metrics.cost_curves import CostCurve, ExpectedCost
from core.metrics.glossary import COST_TITLES
from core.plots.style import NEUTRAL, figure
from core.plots.tradeoff import strategy_colors
from core.text import plotly_text

LEGEND_BELOW = {"orientation": "h", "x": 0, "xanchor": "left", "y": -0.2, "yanchor": "top"}
MARGIN = {"l": 60, "r": 20, "t": 60, "b": 120}  # room for the legend under the x axis
HEIGHT = 520
COST_RANGE = [0.0, 0.6]  # the envelope never exceeds 0.5; a worse own-decision line leaves it
MARK_COLOR = "#222222"
LABEL_ROW = 22  # pixels between the rows of the vertical lines' labels


def _mark_label() -> dict[str, Any]:
    """The vertical line's label: on a white box, so the lines it crosses don't strike it
    out (a new dict per call: plotly writes the label's position into the one it is given)."""
    return {"bgcolor": "rgba(255, 255, 255, 0.85)", "font": {"size": 11}}


def _label_sides(xs: Sequence[float]) -> list[str]:
    """The side of its line each label is written on: away from the middle for one line;
    for two, the lower one's to its left and the higher one's to its right (away from each
    other), unless that would leave the plot."""
    if len(xs) == 1:
        return ["right" if xs[0] < 0.5 else "left"]
    low, high = sorted(range(2), key=lambda i: xs[i])
    sides = ["", ""]
    sides[low] = "left" if xs[low] >= 0.2 else "right"
    sides[high] = "right" if xs[high] <= 0.8 else "left"
    return sides


class StrategyCostsLike(Protocol):
    strategy: str
    curve: CostCurve
    expected: ExpectedCost


class CostsLike(Protocol):
    """What the figures read (see :class:`core.analysis.costs.DecisionCosts`)."""

    positive_class: str
    negative_label: str
    noun: str
    cost_fn: float
    cost_fp: float
    evaluation_prevalence: float
    evaluation_pc: float
    strategies: Sequence[Any]


def _cut_text(values: np.ndarray) -> list[str]:
    return ["never (all negative)" if np.isinf(v) else f"{v:.4g}" for v in values]


def _tent_peak(exp: ExpectedCost) -> float:
    """The highest cost of the better trivial classifier: the strategies' best cuts stay
    under it, so the y axis ends a little above it (a worse own-decision line leaves it)."""
    peak = float(np.max(np.minimum(exp.always_negative, exp.always_positive)))
    return peak if peak > 0 else 1.0


def _solid_widths(lines: Sequence[tuple[Any, Any]]) -> list[float]:
    """Width of each strategy's solid line, given its (x, y): 2.5; where lines coincide (a
    model and its tuned decision share their probabilities, so their cheapest cuts are one
    line) the first is drawn wide and the ones on it thin, so every colour shows."""
    arrays = [(np.asarray(x, dtype=float), np.asarray(y, dtype=float)) for x, y in lines]

    def same(a: tuple[np.ndarray, np.ndarray], b: tuple[np.ndarray, np.ndarray]) -> bool:
        return all(
            u.shape == v.shape and np.allclose(u, v, equal_nan=True)
            for u, v in zip(a, b, strict=True)
        )

    widths = [2.5] * len(arrays)
    for i, line in enumerate(arrays):
        first = next((j for j in range(i) if same(arrays[j], line)), None)
        if first is not None:
            widths[first], widths[i] = 5.0, 1.5
    return widths


def _own_decisions_key(fig: go.Figure) -> None:
    """One legend entry saying what the dashed lines are (not one per strategy)."""
    fig.add_scatter(
        x=[None],
        y=[None],
        mode="lines",
        name="dashed: each strategy's own decisions",
        line={"color": MARK_COLOR, "dash": "dash"},
        hoverinfo="skip",
    )


def cost_curve_figure(view: CostsLike, *, title: str | None = None) -> go.Figure:
    """Normalised expected cost against probability cost: per strategy the lower envelope
    over every cut of its probabilities (solid) and the line of its own decisions (dashed),
    the trivial classifiers as a grey tent, and the probability cost of the user's costs at
    the evaluation share (a vertical line)."""
    pos, neg = plotly_text(view.positive_class), view.negative_label
    rest = "the rest" if neg == "the rest" else f"'{plotly_text(neg)}'"
    fig = figure(title or f"Cost curves: '{pos}' against {rest}")
    fig.add_scatter(
        x=[0, 1, None, 0, 1],
        y=[0, 1, None, 1, 0],
        mode="lines",
        name="trivial: always negative (NEC = PC), always positive (NEC = 1 − PC)",
        line={"color": NEUTRAL, "width": 1.5},
        hoverinfo="skip",
    )
    colors = strategy_colors([s.strategy for s in view.strategies])
    widths = _solid_widths([(s.curve.pc, s.curve.envelope) for s in view.strategies])
    for s, width in zip(view.strategies, widths, strict=True):
        name, curve = plotly_text(s.strategy), s.curve
        fig.add_scatter(
            x=curve.pc,
            y=curve.envelope,
            mode="lines",
            name=name,
            legendgroup=name,
            line={"color": colors[s.strategy], "width": width},
            customdata=np.array(_cut_text(np.asarray(curve.envelope_threshold)))[:, None],
            hovertemplate=f"<b>{name}</b>, best cut<br>PC(+) %{{x:.2f}}: cost %{{y:.3f}}"
            f"<br>cut on the probability of '{pos}' %{{customdata[0]}}<extra></extra>",
        )
        fig.add_scatter(
            x=curve.pc,
            y=curve.actual,
            mode="lines",
            name=f"{name}, own decisions",
            legendgroup=name,
            showlegend=False,
            line={"color": colors[s.strategy], "dash": "dash", "width": 1.5},
            hovertemplate=f"<b>{name}</b>, own decisions (recall {curve.tpr:.3f}, false "
            f"positive rate {curve.fpr:.3f})<br>PC(+) %{{x:.2f}}: cost %{{y:.3f}}<extra></extra>",
        )
    _own_decisions_key(fig)
    fig.add_vline(
        x=view.evaluation_pc,
        line={"color": MARK_COLOR, "dash": "dot", "width": 1},
        annotation_text=f"your costs at the evaluation share: PC {view.evaluation_pc:.2f}",
        annotation_position="top right" if view.evaluation_pc < 0.5 else "top left",
        annotation=_mark_label(),
    )
    fig.update_xaxes(title_text=COST_TITLES["probability_cost"], range=[0, 1])
    fig.update_yaxes(title_text=COST_TITLES["normalised_expected_cost"], range=COST_RANGE)
    fig.update_layout(legend=LEGEND_BELOW, margin=MARGIN, height=HEIGHT)
    return fig


def expected_cost_figure(
    view: CostsLike, *, title: str | None = None, in_use: float | None = None
) -> go.Figure:
    """Expected cost per row (cost-matrix units) against the positive share in use: per
    strategy at the cut cheapest at each share (solid) and at its own decisions (dashed),
    the two trivial classifiers in grey, the evaluation share (a vertical line) and, when
    given, ``in_use``: the positive share entered for use (a second line, its label a row
    higher above the plot, so the two labels never print over each other)."""
    pos = plotly_text(view.positive_class)
    fig = figure(title or f"Expected cost per row against the share of '{pos}' in use")
    first = view.strategies[0].expected if view.strategies else None
    if first is not None:
        for y, name, dash in (
            (first.always_negative, "trivial: always negative", "dot"),
            (first.always_positive, "trivial: always positive", "dashdot"),
        ):
            fig.add_scatter(
                x=first.prevalence,
                y=y,
                mode="lines",
                name=name,
                line={"color": NEUTRAL, "width": 1.5, "dash": dash},
                hovertemplate=f"{name}<br>share %{{x:.2f}}: cost %{{y:.4g}}<extra></extra>",
            )
    colors = strategy_colors([s.strategy for s in view.strategies])
    widths = _solid_widths([(s.expected.prevalence, s.expected.best) for s in view.strategies])
    for s, width in zip(view.strategies, widths, strict=True):
        name, exp = plotly_text(s.strategy), s.expected
        for y, what, line in (
            (exp.best, "best cut", {"width": width}),
            (exp.actual, "own decisions", {"width": 1.5, "dash": "dash"}),
        ):
            fig.add_scatter(
                x=exp.prevalence,
                y=y,
                mode="lines",
                name=name if what == "best cut" else f"{name}, own decisions",
                legendgroup=name,
                showlegend=what == "best cut",
                line={"color": colors[s.strategy], **line},
                hovertemplate=f"<b>{name}</b>, {what}<br>share %{{x:.2f}}: cost %{{y:.4g}}"
                "<extra></extra>",
            )
    _own_decisions_key(fig)
    marks = [(float(view.evaluation_prevalence), "evaluation share")]
    if in_use is not None and np.isfinite(in_use):
        marks.append((float(in_use), "in use"))
    # The labels above the plot, one row each (the evaluation share's lowest), on white:
    # inside it the steep dashed lines and the other mark crossed them.
    sides = _label_sides([x for x, _ in marks])
    for row, ((x, what), side) in enumerate(zip(marks, sides, strict=True)):
        fig.add_vline(x=x, line={"color": MARK_COLOR, "dash": "dot", "width": 1.5 if row else 1})
        fig.add_annotation(
            x=x,
            y=1,
            xref="x",
            yref="paper",
            xanchor="left" if side == "right" else "right",
            yanchor="bottom",
            yshift=2 + LABEL_ROW * row,
            text=f"{what} {x:.1%}",
            showarrow=False,
            **_mark_label(),
        )
    fig.update_xaxes(title_text=f"Share of '{pos}' in use", range=[0, 1])
    fig.update_yaxes(
        title_text=f"Expected cost per row<br>(a miss costs {view.cost_fn:.3g}, "
        f"a false alarm {view.cost_fp:.3g})",  # two lines: one overran the plot's height
        range=[0, _tent_peak(first) * 1.15 if first is not None else 1],
    )
    fig.update_layout(
        legend=LEGEND_BELOW,
        # the title at the top, the rows of labels between it and the plot
        title={"y": 1, "yref": "container", "yanchor": "top", "pad": {"t": 14}},
        margin={**MARGIN, "l": 80, "t": 52 + LABEL_ROW * len(marks)},
        height=HEIGHT + LABEL_ROW * (len(marks) - 1),
    )
    return fig
