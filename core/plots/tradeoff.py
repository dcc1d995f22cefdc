"""Figures of the (accuracy, F1) trade-off: the plane with its feasible region, threshold
sweeps, operating points and Pareto front; two positive classes side by side; metrics
re-estimated at the class shares expected in use.

They draw views computed by :mod:`core.analysis.planes` and :mod:`core.analysis.deployment` (any
object with the same attributes works) and never compute a metric.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from core.plots.style import NEUTRAL, PALETTE, SEQUENTIAL, TEMPLATE, figure

FRONT_COLOR = "#222222"
EXTRA_COLOR = "#000000"
Y_RANGE = [-0.07, 1.07]  # room for the trivial classifiers' labels at F1 = 0 and 1
_EXTRA_SYMBOLS = ("diamond", "hexagram", "star-square", "hourglass")


class PlaneLike(Protocol):
    """What the plane figures read (see :class:`core.analysis.planes.PlaneView`)."""

    positive_class: str
    negative_label: str
    positive_share: float
    x_label: str
    f1_label: str
    points: pd.DataFrame
    operating: pd.DataFrame
    region: pd.DataFrame
    trivial: dict[str, dict[str, float]]

    @property
    def role(self) -> str: ...


def strategy_colors(strategies: Sequence[str]) -> dict[str, str]:
    """Colour per strategy by its position in the comparison (stable across the figures)."""
    return {s: PALETTE[i % len(PALETTE)] for i, s in enumerate(strategies)}


def _threshold_text(values: pd.Series) -> list[str]:
    return [
        "never (all negative)" if np.isinf(v) else ("—" if np.isnan(v) else f"{v:.4g}")
        for v in values.to_numpy(dtype=float)
    ]


def _custom(rows: pd.DataFrame) -> np.ndarray:
    return np.column_stack(
        [
            _threshold_text(rows["threshold"]),
            rows["recall_pos"].map("{:.3f}".format),
            rows["recall_neg"].map("{:.3f}".format),
            rows["balanced_accuracy"].map("{:.3f}".format),
            rows["precision"].map("{:.3f}".format),
        ]
    )


def _hover(view: PlaneLike, name: str, what: str) -> str:
    return (
        f"<b>{name}</b> ({what})<br>threshold %{{customdata[0]}}<br>"
        f"{view.x_label} %{{x:.3f}}<br>{view.f1_label} %{{y:.3f}}<br>"
        f"recall of '{view.positive_class}' %{{customdata[1]}}, "
        f"of '{view.negative_label}' %{{customdata[2]}}<br>"
        "balanced accuracy %{customdata[3]}, precision %{customdata[4]}<extra></extra>"
    )


def _add_plane(
    fig: go.Figure,
    view: PlaneLike,
    colors: dict[str, str],
    *,
    row: int | None = None,
    col: int | None = None,
    legend: bool = True,
) -> None:
    where: dict[str, Any] = {} if row is None else {"row": row, "col": col}
    region = view.region
    if region is not None and not region.empty:
        fig.add_scatter(
            x=np.r_[region["accuracy"], region["accuracy"][::-1]],
            y=np.r_[region["f1_max"], region["f1_min"][::-1]],
            mode="lines",
            fill="toself",
            fillcolor="rgba(127,127,127,0.12)",
            line={"color": NEUTRAL, "width": 1},
            name="feasible region",
            legendgroup="region",
            showlegend=legend,
            hovertemplate="boundary: accuracy %{x:.3f}, F1 %{y:.3f}<extra></extra>",
            **where,
        )
    extra_i = 0
    for name, rows in view.points.groupby("strategy", sort=False):
        name = str(name)
        own = name in colors
        color = colors.get(name, EXTRA_COLOR)
        symbol = "circle" if own else _EXTRA_SYMBOLS[extra_i % len(_EXTRA_SYMBOLS)]
        extra_i += 0 if own else 1
        fig.add_scatter(
            x=rows["accuracy"],
            y=rows["f1"],
            mode="lines+markers" if own else "markers",
            line={"color": color, "width": 1},
            marker={"color": color, "size": 5 if own else 11, "symbol": symbol},
            name=name if own else f"{name} (outer folds)",
            legendgroup=name,
            showlegend=legend,
            customdata=_custom(rows),
            hovertemplate=_hover(view, name, "threshold sweep" if own else "tuned, outer folds"),
            **where,
        )
    front = view.points[view.points["pareto"]].sort_values("accuracy", kind="stable")
    if not front.empty:
        fig.add_scatter(
            x=front["accuracy"],
            y=front["f1"],
            mode="lines+markers",
            line={"color": FRONT_COLOR, "width": 2, "dash": "dash"},
            marker={"color": FRONT_COLOR, "size": 9, "symbol": "circle-open"},
            name="Pareto front",
            legendgroup="front",
            showlegend=legend,
            customdata=np.column_stack([front["strategy"].astype(str), _custom(front)]),
            hovertemplate=(
                "<b>Pareto front: %{customdata[0]}</b><br>threshold %{customdata[1]}<br>"
                f"{view.x_label} %{{x:.3f}}<br>{view.f1_label} %{{y:.3f}}<br>"
                f"recall of '{view.positive_class}' %{{customdata[2]}}, "
                f"of '{view.negative_label}' %{{customdata[3]}}<extra></extra>"
            ),
            **where,
        )
    for rec in view.operating.itertuples():
        name = str(rec.strategy)
        fig.add_scatter(
            x=[rec.accuracy],
            y=[rec.f1],
            mode="markers",
            marker={
                "color": colors.get(name, EXTRA_COLOR),
                "size": 15,
                "symbol": "star",
                "line": {"color": "white", "width": 1},
            },
            name=f"{name} (own decisions)",
            legendgroup=name,
            showlegend=False,
            customdata=_custom(view.operating.loc[[rec.Index]]),
            hovertemplate=_hover(view, name, "its own decision rule"),
            **where,
        )
    for key, point in (view.trivial or {}).items():
        label = key.replace("_", " ")
        fig.add_scatter(
            x=[point["accuracy"]],
            y=[point["f1"]],
            mode="markers+text",
            text=[label],
            textposition=_label_position(key, point["accuracy"]),
            marker={"color": NEUTRAL, "symbol": "x-thin-open", "size": 13, "line": {"width": 2}},
            name=label,
            legendgroup="trivial",
            showlegend=False,
            hovertemplate=f"{label}: accuracy %{{x:.3f}}, F1 %{{y:.3f}}<extra></extra>",
            **where,
        )


def _label_position(key: str, accuracy: float) -> str:
    """Labels point inwards so they are not cut at the plot's edges."""
    side = "right" if accuracy < 0.5 else "left"
    return f"{'bottom' if key == 'all_negative' else 'top'} {side}"


def zoom_range(*views: PlaneLike) -> list[float]:
    """An accuracy range around the strategies' own decisions and the Pareto front, where
    the differences are (the full [0, 1] hides them when a class is rare)."""
    lows = []
    for view in views:
        front = view.points.loc[view.points["pareto"], "accuracy"]
        extra = view.points.loc[~view.points["strategy"].isin(view.operating["strategy"])]
        lows += [view.operating["accuracy"].min(), front.min(), extra["accuracy"].min()]
    found = [v for v in lows if np.isfinite(v)]
    low = min(found) if found else 0.0
    return [max(0.0, low - 0.25 * (1.0 - low) - 0.01), 1.005]


def _colors(view: PlaneLike) -> dict[str, str]:
    return strategy_colors(list(dict.fromkeys(view.operating["strategy"].astype(str))))


def tradeoff_plane(view: PlaneLike, *, zoom: bool = False, title: str | None = None) -> go.Figure:
    """Feasible region, every strategy's threshold sweep (a line of small markers), its own
    operating point (star), points from elsewhere such as a search (diamonds), the Pareto
    front (dashed) and the trivial classifiers (x). ``zoom``: accuracy axis on
    :func:`zoom_range` instead of [0, 1]."""
    fig = figure(
        title
        or f"{view.x_label} vs {view.f1_label}: every strategy at every threshold "
        "(up and right is better)",
        xaxis_title=view.x_label,
        yaxis_title=view.f1_label,
        legend_title_text="",
        height=560,
    )
    _add_plane(fig, view, _colors(view))
    fig.update_xaxes(range=zoom_range(view) if zoom else [0, 1.02])
    fig.update_yaxes(range=Y_RANGE)
    return fig


def _panel_title(view: PlaneLike) -> str:
    role = "" if view.role == "half" else f" ({view.role})"
    return f"'{view.positive_class}'{role} as positive, {view.positive_share:.1%} of rows"


def tradeoff_sides(
    left: PlaneLike, right: PlaneLike, *, zoom: bool = False, title: str | None = None
) -> go.Figure:
    """Two planes side by side (usually the minority and the majority as positive), with
    the same strategy colours; ``zoom`` as in :func:`tradeoff_plane`, the same for both."""
    fig = make_subplots(
        rows=1,
        cols=2,
        subplot_titles=[_panel_title(left), _panel_title(right)],
        horizontal_spacing=0.08,
    )
    colors = _colors(left)
    _add_plane(fig, left, colors, row=1, col=1)
    _add_plane(fig, right, colors, row=1, col=2, legend=False)
    fig.update_layout(
        template=TEMPLATE,
        title=title or "Which class should be the positive one? The same strategies, both ways",
        height=500,
        legend_title_text="",
    )
    x_range = zoom_range(left, right) if zoom else [0, 1.02]
    for col, view in ((1, left), (2, right)):
        fig.update_xaxes(title_text=view.x_label, range=x_range, row=1, col=col)
        fig.update_yaxes(title_text=view.f1_label, range=Y_RANGE, row=1, col=col)
    return fig


def prevalence_figure(
    per_class: pd.DataFrame,
    confusion: np.ndarray | None,
    classes: Sequence[str],
    *,
    title: str | None = None,
) -> go.Figure:
    """Left: the confusion matrix expected in use, as shares of all rows (rows true, columns
    predicted; coloured by share of the true class, so a rare class's row stays readable;
    skipped when ``confusion`` is None, e.g. multi-label). Right: precision and F1 per class
    on the evaluation data and re-estimated at the deployment shares.

    ``per_class`` has ``class, precision_eval, precision, f1_eval, f1``.
    """
    labels = [str(c) for c in classes]
    with_matrix = confusion is not None
    fig = make_subplots(
        rows=1,
        cols=2 if with_matrix else 1,
        subplot_titles=(
            ["Expected confusion in use (share of all rows)", "Evaluation vs in use"]
            if with_matrix
            else ["Evaluation vs in use"]
        ),
        horizontal_spacing=0.14,
        column_widths=[0.45, 0.55] if with_matrix else None,
    )
    bar_col = 2 if with_matrix else 1
    if with_matrix:
        z = np.asarray(confusion, dtype=float)
        rows = z.sum(axis=1, keepdims=True)
        by_row = np.divide(z, rows, out=np.zeros_like(z), where=rows > 0)  # colour only
        fig.add_heatmap(
            z=by_row,
            x=labels,
            y=labels,
            colorscale=SEQUENTIAL,
            zmin=0,
            zmax=1,
            showscale=False,
            text=[[f"{v:.1%}" for v in row] for row in z],
            texttemplate="%{text}" if len(labels) <= 8 else None,
            hovertemplate="true %{y}, predicted %{x}: %{text} of rows<extra></extra>",
            row=1,
            col=1,
        )
        fig.update_yaxes(autorange="reversed", type="category", title_text="True", row=1, col=1)
        fig.update_xaxes(type="category", title_text="Predicted", row=1, col=1)
    x = per_class["class"].astype(str)
    for column, name, color, pattern in (
        ("precision_eval", "precision, evaluation", PALETTE[0], ""),
        ("precision", "precision, in use", PALETTE[0], "/"),
        ("f1_eval", "F1, evaluation", PALETTE[1], ""),
        ("f1", "F1, in use", PALETTE[1], "/"),
    ):
        fig.add_bar(
            x=x,
            y=per_class[column],
            name=name,
            marker={"color": color, "pattern": {"shape": pattern}},
            hovertemplate=f"%{{x}}: {name} %{{y:.3f}}<extra></extra>",
            row=1,
            col=bar_col,
        )
    fig.update_yaxes(range=[0, 1.05], row=1, col=bar_col)
    fig.update_xaxes(type="category", row=1, col=bar_col)
    fig.update_layout(
        template=TEMPLATE,
        barmode="group",
        title=title or "Metrics re-estimated at the class shares expected in use",
        height=420,
        legend_title_text="",
    )
    return fig
