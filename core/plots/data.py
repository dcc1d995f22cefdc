"""Figures of the Data page: class balance, label co-occurrence, difficulty."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from core.plots.style import DIFFICULTY_COLORS, SEQUENTIAL, class_colors, figure
from core.text import plotly_text


def class_distribution(
    class_counts: Mapping[str, int], *, title: str | None = None, multilabel: bool = False
) -> go.Figure:
    """Bar chart of rows per class (multi-label: rows carrying each label), largest first."""
    classes = list(class_counts)
    colors = class_colors(classes)
    counts = pd.Series(class_counts, dtype=float).sort_values(ascending=False)
    total = sum(class_counts.values()) if not multilabel else None
    text = [f"{int(n):,} ({n / total:.1%})" if total else f"{int(n):,}" for n in counts.to_numpy()]
    noun = "label" if multilabel else "class"
    fig = figure(
        title or f"Rows per {noun}",
        xaxis_title=noun.capitalize(),
        yaxis_title="Rows carrying the label" if multilabel else "Rows",
        showlegend=False,
    )
    fig.add_bar(
        x=[plotly_text(c) for c in counts.index],
        y=counts.to_numpy(),
        marker_color=[colors[c] for c in counts.index],
        text=text,
        textposition="outside",
        cliponaxis=False,
        hovertemplate="%{x}: %{y:,} rows<extra></extra>",
    )
    fig.update_xaxes(type="category")
    return fig


def cooccurrence_heatmap(
    labels: Sequence[str], matrix: np.ndarray, *, title: str | None = None
) -> go.Figure:
    """Label co-occurrence counts (rows carrying both labels; diagonal = label counts)."""
    names = [plotly_text(c) for c in labels]
    z = np.asarray(matrix, dtype=float)
    fig = figure(title or "Label co-occurrence (rows carrying both labels; diagonal: the label)")
    fig.add_heatmap(
        z=z,
        x=names,
        y=names,
        colorscale=SEQUENTIAL,
        colorbar={"title": "Rows"},
        text=[[f"{int(v):,}" for v in row] for row in z],
        texttemplate="%{text}" if len(names) <= 20 else None,
        hovertemplate="%{y} & %{x}: %{z:,} rows<extra></extra>",
    )
    fig.update_yaxes(autorange="reversed", type="category")
    fig.update_xaxes(type="category", side="bottom")
    return fig


def difficulty_bars(
    type_shares: Mapping[str, Mapping[str, float]],
    *,
    k: int = 5,
    sample_note: str | None = None,
    noun: str = "class",
) -> go.Figure:
    """Stacked bars: share of each minority class's (or label's: ``noun``) rows that are
    safe/borderline/rare/outlier.

    ``type_shares`` maps class -> {"safe", "borderline", "rare", "outlier"} -> share, as
    ``core.profile.stats.Difficulty.type_shares`` gives it.
    """
    title = f"How hard each minority {noun} is: row types by their {k} nearest neighbours"
    if sample_note:
        title += f"<br><sup>{sample_note}</sup>"
    classes = [plotly_text(c) for c in type_shares]
    fig = figure(
        title,
        barmode="stack",
        xaxis_title=f"Share of the {noun}'s rows",
        yaxis_title=noun.capitalize(),
        legend_title_text="Row type",
        height=max(260, 90 + 45 * len(classes)),
    )
    for kind, color in DIFFICULTY_COLORS.items():
        values = [float(type_shares[c][kind]) for c in type_shares]
        fig.add_bar(
            y=classes,
            x=values,
            name=kind,
            orientation="h",
            marker_color=color,
            text=[f"{v:.0%}" if v >= 0.04 else "" for v in values],
            textposition="inside",
            hovertemplate="%{y}: %{x:.1%} " + kind + "<extra></extra>",
        )
    fig.update_xaxes(range=[0, 1], tickformat=".0%")
    fig.update_yaxes(type="category", autorange="reversed")
    return fig
