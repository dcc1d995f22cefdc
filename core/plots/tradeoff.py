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
from core.text import plotly_text

FRONT_COLOR = "#222222"
EXTRA_COLOR = "#000000"
Y_RANGE = [-0.07, 1.07]  # room for the trivial classifiers' labels at F1 = 0 and 1
X_RANGE = [0.0, 1.02]  # the whole accuracy axis, room for markers at accuracy 1
ZOOM_ROOM = 0.03
"""Least room (in score units) left around zoomed data, so no marker or label is cut."""
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

    @property
    def pareto(self) -> pd.DataFrame: ...


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
    x_label, f1_label = plotly_text(view.x_label), plotly_text(view.f1_label)
    return (
        f"<b>{plotly_text(name)}</b> ({what})<br>threshold %{{customdata[0]}}<br>"
        f"{x_label} %{{x:.3f}}<br>{f1_label} %{{y:.3f}}<br>"
        f"recall of '{plotly_text(view.positive_class)}' %{{customdata[1]}}, "
        f"of '{plotly_text(view.negative_label)}' %{{customdata[2]}}<br>"
        "balanced accuracy %{customdata[3]}, precision %{customdata[4]}<extra></extra>"
    )


def _add_plane(
    fig: go.Figure,
    view: PlaneLike,
    colors: dict[str, str],
    *,
    ranges: tuple[Sequence[float], Sequence[float]],
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
            name=plotly_text(name if own else f"{name} (outer folds)"),
            legendgroup=name,
            showlegend=legend,
            customdata=_custom(rows),
            hovertemplate=_hover(view, name, "threshold sweep" if own else "tuned, outer folds"),
            **where,
        )
    front = view.pareto.sort_values("accuracy", kind="stable")  # each point once, all names
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
            customdata=np.column_stack([front["strategy"].map(plotly_text), _custom(front)]),
            hovertemplate=(
                "<b>Pareto front: %{customdata[0]}</b><br>threshold %{customdata[1]}<br>"
                f"{plotly_text(view.x_label)} %{{x:.3f}}<br>"
                f"{plotly_text(view.f1_label)} %{{y:.3f}}<br>"
                f"recall of '{plotly_text(view.positive_class)}' %{{customdata[2]}}, "
                f"of '{plotly_text(view.negative_label)}' %{{customdata[3]}}<extra></extra>"
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
            name=plotly_text(f"{name} (own decisions)"),
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
            textposition=label_position(point["accuracy"], point["f1"], *ranges),
            marker={"color": NEUTRAL, "symbol": "x-thin-open", "size": 13, "line": {"width": 2}},
            name=label,
            legendgroup="trivial",
            showlegend=False,
            hovertemplate=f"{label}: accuracy %{{x:.3f}}, F1 %{{y:.3f}}<extra></extra>",
            **where,
        )


def label_position(x: float, y: float, x_range: Sequence[float], y_range: Sequence[float]) -> str:
    """A Plotly ``textposition`` pointing from (x, y) towards the middle of the axes'
    ranges, so that a label is never cut at the plot's edges."""
    up = y < (y_range[0] + y_range[1]) / 2
    right = x < (x_range[0] + x_range[1]) / 2
    return f"{'top' if up else 'bottom'} {'right' if right else 'left'}"


def padded_range(
    values: Sequence[float] | np.ndarray | pd.Series,
    *,
    bounds: Sequence[float] = Y_RANGE,
    room: float = ZOOM_ROOM,
) -> list[float]:
    """[low, high] around the finite ``values`` with room on both sides (at least ``room``,
    or a tenth of their spread), kept within ``bounds``; ``bounds`` when there is no value."""
    found = np.asarray(values, dtype=float)
    found = found[np.isfinite(found)]
    if found.size == 0:
        return [float(bounds[0]), float(bounds[1])]
    low, high = float(found.min()), float(found.max())
    pad = max(room, 0.1 * (high - low))
    return [max(float(bounds[0]), low - pad), min(float(bounds[1]), high + pad)]


def zoom_f1_range(x_range: Sequence[float], *views: PlaneLike) -> list[float]:
    """The F1 range of what lies within ``x_range``: the threshold points, the strategies'
    own decisions and the trivial classifiers (so a zoomed plane is not squeezed into a
    strip when every F1 there is high, or low). The feasible region is drawn as far as the
    range goes; the unzoomed plane shows it whole."""
    low, high = x_range
    values: list[float] = []
    for view in views:
        for frame in (view.points, view.operating):
            inside = frame["accuracy"].between(low, high)
            values += frame.loc[inside, "f1"].tolist()
        values += [p["f1"] for p in (view.trivial or {}).values() if low <= p["accuracy"] <= high]
    return padded_range(values, bounds=(Y_RANGE[0], 1.01))  # no tick above F1 = 1


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
    front (dashed, each point once, hover naming every strategy that reaches it) and the
    trivial classifiers (x). ``zoom``: the accuracy axis on :func:`zoom_range` and the F1
    axis on :func:`zoom_f1_range` instead of the whole plane. ``title`` is plain text (it
    may name a class: escaped like every label here)."""
    x_label, f1_label = plotly_text(view.x_label), plotly_text(view.f1_label)
    default = f"{x_label} vs {f1_label}: every strategy at every threshold (up and right is better)"
    fig = figure(
        plotly_text(title) if title else default,
        xaxis_title=x_label,
        yaxis_title=f1_label,
        legend_title_text="",
        height=560,
    )
    x_range = zoom_range(view) if zoom else X_RANGE
    y_range = zoom_f1_range(x_range, view) if zoom else Y_RANGE
    _add_plane(fig, view, _colors(view), ranges=(x_range, y_range))
    fig.update_xaxes(range=x_range)
    fig.update_yaxes(range=y_range)
    return fig


def _panel_title(view: PlaneLike) -> str:
    role = "" if view.role == "half" else f" ({view.role})"
    positive = plotly_text(view.positive_class)
    return f"'{positive}'{role} as positive, {view.positive_share:.1%} of rows"


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
    x_range = zoom_range(left, right) if zoom else X_RANGE
    for col, view in ((1, left), (2, right)):
        y_range = zoom_f1_range(x_range, view) if zoom else Y_RANGE
        _add_plane(fig, view, colors, ranges=(x_range, y_range), row=1, col=col, legend=col == 1)
        fig.update_xaxes(title_text=plotly_text(view.x_label), range=x_range, row=1, col=col)
        fig.update_yaxes(title_text=plotly_text(view.f1_label), range=y_range, row=1, col=col)
    fig.update_layout(
        template=TEMPLATE,
        title=title or "Which class should be the positive one? The same strategies, both ways",
        height=500,
        legend_title_text="",
    )
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
    labels = [plotly_text(c) for c in classes]
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
    x = per_class["class"].map(plotly_text)
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
