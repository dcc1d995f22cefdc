"""One Plotly template, one colour-blind-safe palette, one colour per class."""

from __future__ import annotations

from collections.abc import Sequence

import plotly.graph_objects as go
import plotly.io as pio

# Okabe & Ito (2008) without black, then Paul Tol's "muted" set: 16 colour-blind-safe hues.
PALETTE: tuple[str, ...] = (
    "#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442",
    "#332288", "#CC6677", "#117733", "#88CCEE", "#882255", "#44AA99", "#999933",
    "#AA4499", "#DDCC77",
)  # fmt: skip
NEUTRAL = "#7f7f7f"
SEQUENTIAL = "Cividis"  # perceptually uniform and colour-blind safe
DIVERGING = "RdBu"
DIFFICULTY_COLORS = {
    "safe": "#009E73",
    "borderline": "#F0E442",
    "rare": "#E69F00",
    "outlier": "#D55E00",
}

TEMPLATE_NAME = "imbalance"
pio.templates[TEMPLATE_NAME] = go.layout.Template(
    layout=go.Layout(
        colorway=list(PALETTE),
        font={"family": "Inter, Segoe UI, Helvetica, Arial, sans-serif", "size": 13},
        title={"x": 0.0, "xanchor": "left", "font": {"size": 16}},
        margin={"l": 60, "r": 20, "t": 60, "b": 50},
        hoverlabel={"namelength": -1},
        legend={"title": {"font": {"size": 12}}},
    )
)
# Merged once: a "plotly_white+imbalance" string would be re-merged by every figure.
TEMPLATE = "imbalance_white"
pio.templates[TEMPLATE] = pio.templates.merge_templates("plotly_white", TEMPLATE_NAME)


def class_colors(classes: Sequence[str]) -> dict[str, str]:
    """Colour per class, by its position in the dataset's class order (stable everywhere)."""
    return {c: PALETTE[i % len(PALETTE)] for i, c in enumerate(classes)}


def figure(title: str, **layout) -> go.Figure:
    fig = go.Figure()
    fig.update_layout(template=TEMPLATE, title=title, **layout)
    return fig
