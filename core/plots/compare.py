"""Figures comparing strategies: per-class bars and heatmap, confusion matrices, the plane."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from core.plots.style import NEUTRAL, SEQUENTIAL, TEMPLATE, class_colors, figure

_SYMBOLS = ("circle", "square", "diamond", "triangle-up", "cross", "x", "star", "pentagon")


def per_class_bars(
    long: pd.DataFrame, classes: Sequence[str], *, metric: str = "F1", title: str | None = None
) -> go.Figure:
    """Grouped bars: for each strategy, one bar per class (class colours), of one metric.

    ``long`` has columns ``strategy``, ``class``, ``value`` (strategies in display order).
    """
    colors = class_colors(classes)
    strategies = list(dict.fromkeys(long["strategy"]))
    fig = figure(
        title or f"{metric} per class, by strategy",
        xaxis_title="Strategy",
        yaxis_title=metric,
        barmode="group",
        legend_title_text="Class",
    )
    for cls in classes:
        rows = long[long["class"] == cls].set_index("strategy").reindex(strategies)
        fig.add_bar(
            x=strategies,
            y=rows["value"],
            name=str(cls),
            marker_color=colors[cls],
            hovertemplate=f"{cls}, %{{x}}: {metric} %{{y:.3f}}<extra></extra>",
        )
    fig.update_yaxes(range=[0, 1.05])
    fig.update_xaxes(type="category", tickangle=-30)
    return fig


def strategy_class_heatmap(
    long: pd.DataFrame, classes: Sequence[str], *, metric: str = "F1", title: str | None = None
) -> go.Figure:
    """Strategy x class heatmap of one metric (columns in class order)."""
    strategies = list(dict.fromkeys(long["strategy"]))
    table = long.pivot(index="strategy", columns="class", values="value").reindex(
        index=strategies, columns=list(classes)
    )
    z = table.to_numpy(dtype=float)
    fig = figure(
        title or f"{metric}: strategy × class",
        xaxis_title="Class",
        yaxis_title="Strategy",
        height=max(320, 120 + 32 * len(strategies)),
    )
    fig.add_heatmap(
        z=z,
        x=[str(c) for c in table.columns],
        y=strategies,
        colorscale=SEQUENTIAL,
        zmin=0,
        zmax=1,
        colorbar={"title": metric},
        text=[["" if np.isnan(v) else f"{v:.2f}" for v in row] for row in z],
        texttemplate="%{text}",
        hovertemplate="%{y}, %{x}: " + metric + " %{z:.3f}<extra></extra>",
    )
    fig.update_yaxes(autorange="reversed", type="category")
    fig.update_xaxes(type="category")
    return fig


def confusion_side_by_side(
    matrices: Mapping[str, np.ndarray],
    classes: Sequence[str],
    *,
    normalised: bool = True,
    columns: int = 3,
    title: str | None = None,
) -> go.Figure:
    """One confusion matrix per strategy (rows true, columns predicted), same colour scale."""
    names = list(matrices)
    cols = max(1, min(columns, len(names)))
    rows = int(np.ceil(len(names) / cols))
    labels = [str(c) for c in classes]
    fig = make_subplots(
        rows=rows,
        cols=cols,
        subplot_titles=names,
        horizontal_spacing=0.06,
        vertical_spacing=0.14 if rows > 1 else 0.2,
    )
    fmt = "{:.0%}" if normalised else "{:,.0f}"
    zmax = 1.0 if normalised else max(float(np.max(m)) for m in matrices.values())
    for i, name in enumerate(names):
        z = np.asarray(matrices[name], dtype=float)
        fig.add_heatmap(
            z=z,
            x=labels,
            y=labels,
            coloraxis="coloraxis",
            text=[[fmt.format(v) for v in row] for row in z],
            texttemplate="%{text}" if len(labels) <= 8 else None,
            hovertemplate=f"{name}: true %{{y}}, predicted %{{x}}: %{{text}}<extra></extra>",
            row=i // cols + 1,
            col=i % cols + 1,
        )
    fig.update_layout(
        template=TEMPLATE,
        title=title
        or (
            "Confusion matrices normalised by true class (rows: true, columns: predicted)"
            if normalised
            else "Confusion matrices (rows: true, columns: predicted)"
        ),
        coloraxis={
            "colorscale": SEQUENTIAL,
            "cmin": 0,
            "cmax": zmax,
            "colorbar": {"title": "Share of true class" if normalised else "Rows"},
        },
        height=max(360, 300 * rows + 80),
    )
    fig.update_yaxes(autorange="reversed", type="category")
    # Every panel has the same true classes: label them once, on the left, since repeated
    # labels ran into the panel beside them.
    fig.update_yaxes(showticklabels=False)
    fig.update_yaxes(showticklabels=True, col=1)
    fig.update_xaxes(type="category")
    return fig


def _padded(values: pd.Series, pad: float = 0.04) -> list[float]:
    """An axis range around ``values`` with some room, clipped to [0, 1.02]."""
    low, high = float(np.nanmin(values)), float(np.nanmax(values))
    room = max(pad, (high - low) * 0.15)
    return [max(0.0, low - room), min(1.02, high + room)]


def accuracy_f1_plane(
    points: pd.DataFrame,
    *,
    f1_label: str = "Macro F1",
    x_label: str = "Accuracy",
    region: pd.DataFrame | None = None,
    trivial: Mapping[str, Mapping[str, float]] | None = None,
    front: pd.DataFrame | None = None,
    title: str | None = None,
) -> go.Figure:
    """Each strategy as a point in the (accuracy, F1) plane.

    ``points``: columns ``strategy``, ``accuracy``, ``f1`` (optional ``label`` for hover).
    ``region``: columns ``accuracy``, ``f1_min``, ``f1_max`` (the feasible area, shaded).
    ``trivial``: {name: {accuracy, f1}} (e.g. all-positive / all-negative classifiers).
    ``front``: points of a Pareto front, joined by a line.
    """
    fig = figure(
        title or f"{x_label} vs {f1_label}: each strategy as a point (up and right is better)",
        xaxis_title=x_label,
        yaxis_title=f1_label,
        legend_title_text="",
    )
    if region is not None and not region.empty:
        fig.add_scatter(
            x=region["accuracy"],
            y=region["f1_max"],
            mode="lines",
            line={"color": NEUTRAL, "width": 1},
            name="feasible region (upper bound)",
            hovertemplate="accuracy %{x:.3f}: F1 at most %{y:.3f}<extra></extra>",
        )
        fig.add_scatter(
            x=region["accuracy"],
            y=region["f1_min"],
            mode="lines",
            line={"color": NEUTRAL, "width": 1},
            fill="tonexty",
            fillcolor="rgba(127,127,127,0.12)",
            name="feasible region (lower bound)",
            hovertemplate="accuracy %{x:.3f}: F1 at least %{y:.3f}<extra></extra>",
        )
    if front is not None and not front.empty:
        ordered = front.sort_values("accuracy")
        fig.add_scatter(
            x=ordered["accuracy"],
            y=ordered["f1"],
            mode="lines",
            name="Pareto front",
            line={"color": "#D55E00", "width": 2, "dash": "dash"},
            hoverinfo="skip",
        )
    # Names of one-point strategies go above and below their point in turn, by accuracy, so
    # that two strategies with close accuracy do not print their names over each other.
    single = points.groupby("strategy", sort=False).filter(lambda g: len(g) == 1)
    by_accuracy = single.sort_values("accuracy", kind="stable")["strategy"].tolist()
    above = {name: i % 2 == 0 for i, name in enumerate(by_accuracy)}
    for i, (name, rows) in enumerate(points.groupby("strategy", sort=False)):
        hover = rows.get("label")
        fig.add_scatter(
            x=rows["accuracy"],
            y=rows["f1"],
            mode="markers+text" if len(rows) == 1 else "markers",
            text=[name] if len(rows) == 1 else None,
            textposition="top center" if above.get(name, True) else "bottom center",
            name=str(name),
            marker={"size": 12 if len(rows) == 1 else 6, "symbol": _SYMBOLS[i % len(_SYMBOLS)]},
            customdata=hover,
            hovertemplate=(
                f"{name}: {x_label} %{{x:.3f}}, {f1_label} %{{y:.3f}}"
                + ("<br>%{customdata}" if hover is not None else "")
                + "<extra></extra>"
            ),
        )
    if trivial:
        for name, point in trivial.items():
            fig.add_scatter(
                x=[point["accuracy"]],
                y=[point["f1"]],
                mode="markers+text",
                text=[name.replace("_", " ")],
                textposition="bottom center",
                marker={"color": NEUTRAL, "symbol": "x-thin-open", "size": 12},
                name=name.replace("_", " "),
                hovertemplate=f"{name}: accuracy %{{x:.3f}}, F1 %{{y:.3f}}<extra></extra>",
            )
    if region is not None:
        fig.update_xaxes(range=[0, 1.02])
        fig.update_yaxes(range=[0, 1.05])
    else:  # no region to show: zoom both axes alike on the points
        fig.update_xaxes(range=_padded(points["accuracy"]))
        fig.update_yaxes(range=_padded(points["f1"]))
    return fig
