"""Figures of one strategy's results: confusion matrices, threshold, PR/ROC, calibration, gap."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from core.plots.style import NEUTRAL, SEQUENTIAL, TEMPLATE, class_colors, figure
from core.text import plotly_text

MAX_CURVE_POINTS = 1500  # curves are thinned for drawing; the data behind them is not
MARK_ROW = 24  # pixels per row of threshold labels above the plot

_CM_KIND = {
    "counts": ("Rows", "{:,.0f}", "rows"),
    "true": ("Share of the true class", "{:.0%}", "of true %{y}"),
    "pred": ("Share of the predicted class", "{:.0%}", "of predicted %{x}"),
}


def _thin(frame: pd.DataFrame, n: int = MAX_CURVE_POINTS) -> pd.DataFrame:
    """At most ``n`` evenly spaced rows (first and last kept) for drawing."""
    if len(frame) <= n:
        return frame
    keep = np.unique(np.linspace(0, len(frame) - 1, n).round().astype(int))
    return frame.iloc[keep]


def confusion_heatmap(
    matrix: np.ndarray, classes: Sequence[str], *, kind: str = "counts", title: str | None = None
) -> go.Figure:
    """Confusion matrix, rows = true class, columns = predicted.

    ``kind``: "counts", or "true"/"pred" for a matrix already normalised by true/predicted class.
    """
    label, fmt, hover = _CM_KIND[kind]
    names = [plotly_text(c) for c in classes]
    z = np.asarray(matrix, dtype=float)
    default = {
        "counts": "Confusion matrix (rows: true class, columns: predicted)",
        "true": "Confusion matrix normalised by true class (diagonal = recall)",
        "pred": "Confusion matrix normalised by predicted class (diagonal = precision)",
    }[kind]
    fig = figure(title or default, xaxis_title="Predicted class", yaxis_title="True class")
    fig.add_heatmap(
        z=z,
        x=names,
        y=names,
        colorscale=SEQUENTIAL,
        zmin=0,
        zmax=1 if kind != "counts" else None,
        colorbar={"title": label},
        text=[[fmt.format(v) for v in row] for row in z],
        texttemplate="%{text}" if len(names) <= 15 else None,
        hovertemplate="true %{y}, predicted %{x}: %{text} " + hover + "<extra></extra>",
    )
    fig.update_yaxes(autorange="reversed", type="category")
    fig.update_xaxes(type="category", side="bottom")
    return fig


def multilabel_confusion_grid(
    matrices: np.ndarray, labels: Sequence[str], *, title: str | None = None, columns: int = 4
) -> go.Figure:
    """One 2x2 confusion matrix per label ([[tn, fp], [fn, tp]]), in a grid."""
    k = len(labels)
    cols = min(columns, k)
    rows = int(np.ceil(k / cols))
    fig = make_subplots(
        rows=rows,
        cols=cols,
        subplot_titles=[plotly_text(label) for label in labels],
        horizontal_spacing=0.08,
        vertical_spacing=0.12 if rows > 1 else 0.2,
    )
    zmax = float(np.asarray(matrices).max()) if k else 1.0
    for i, cm in enumerate(np.asarray(matrices)):
        fig.add_heatmap(
            z=cm,
            x=["predicted 0", "predicted 1"],
            y=["true 0", "true 1"],
            coloraxis="coloraxis",
            text=[[f"{int(v):,}" for v in row] for row in cm],
            texttemplate="%{text}",
            hovertemplate=f"{plotly_text(labels[i])}: %{{y}}, %{{x}}: %{{z:,}} rows<extra></extra>",
            row=i // cols + 1,
            col=i % cols + 1,
        )
    fig.update_layout(
        template=TEMPLATE,
        title=title or "Confusion matrix per label (rows: true, columns: predicted)",
        coloraxis={
            "colorscale": SEQUENTIAL,
            "cmin": 0,
            "cmax": zmax,
            "colorbar": {"title": "Rows"},
        },
        height=max(320, 230 * rows + 80),
    )
    fig.update_yaxes(autorange="reversed")
    return fig


def threshold_curve_figure(
    curve: pd.DataFrame,
    class_name: str,
    *,
    default: float | None = 0.5,
    tuned: float | None = None,
    chosen: float | None = None,
) -> go.Figure:
    """Precision, recall and F1 of one class (one-vs-rest) against the decision threshold."""
    data = _thin(curve[np.isfinite(curve["threshold"])].sort_values("threshold"))
    class_name = plotly_text(class_name)
    fig = figure(
        f"Precision, recall and F1 of '{class_name}' by decision threshold",
        xaxis_title=f"Threshold on the predicted probability of '{class_name}'",
        yaxis_title="Score",
        hovermode="x unified",
    )
    styles = {"precision": "dot", "recall": "dash", "f1": "solid"}
    color = "#222222"
    for metric, dash in styles.items():
        fig.add_scatter(
            x=data["threshold"],
            y=data[metric],
            mode="lines",
            name=metric if metric != "f1" else "F1",
            line={"dash": dash, "width": 3 if metric == "f1" else 2, "color": color},
            hovertemplate="%{y:.3f}",
        )
    # One line per distinct threshold: marks at the same value (the slider starts at the
    # default or the tuned one) share a line and a label instead of printing over each other.
    marks: dict[float, list[tuple[float, str, str]]] = {}
    for value, name, mark_color in (
        (default, "default", NEUTRAL),
        (tuned, "tuned", "#D55E00"),
        (chosen, "chosen", "#0072B2"),
    ):
        if value is not None and np.isfinite(value):
            marks.setdefault(round(float(value), 2), []).append((value, name, mark_color))
    # Each label above the plot, in a box of its line's colour on white, one row per line
    # (lowest threshold on the bottom row): inside the plot they printed over the curves
    # near 1 and, for nearby thresholds, over each other.
    keys = sorted(marks)
    for i, key in enumerate(keys):
        value, _, mark_color = marks[key][-1]  # the chosen one's colour, where it is merged
        fig.add_vline(x=value, line={"color": mark_color, "dash": "dash"})
        fig.add_annotation(
            x=value,
            y=1,
            xref="x",
            yref="paper",
            xanchor="left" if value < 0.1 else "right" if value > 0.9 else "center",
            yanchor="bottom",
            yshift=4 + MARK_ROW * i,
            text=" = ".join(n for _, n, _ in marks[key]) + f" {value:.2f}",
            showarrow=False,
            font={"color": mark_color, "size": 12},
            bgcolor="rgba(255, 255, 255, 0.95)",
            bordercolor=mark_color,
            borderpad=2,
        )
    fig.update_layout(
        # the title stays at the top, the rows of labels fit between it and the plot
        title={"y": 1, "yref": "container", "yanchor": "top", "pad": {"t": 14}},
        margin={"t": 56 + MARK_ROW * len(keys)},
    )
    fig.update_yaxes(range=[0, 1.02])
    fig.update_xaxes(range=[0, 1])
    return fig


def _per_class_lines(
    curves: Mapping[str, pd.DataFrame],
    classes: Sequence[str],
    x: str,
    y: str,
    fig: go.Figure,
    scores: Mapping[str, float] | None,
    score_name: str,
) -> go.Figure:
    colors = class_colors(classes)
    for cls in classes:
        if cls not in curves or curves[cls].empty:
            continue
        data = _thin(curves[cls])
        label = plotly_text(cls)
        if scores is not None and cls in scores and np.isfinite(scores[cls]):
            label += f" ({score_name} {scores[cls]:.3f})"
        fig.add_scatter(
            x=data[x],
            y=data[y],
            mode="lines",
            name=label,
            line={"color": colors[cls], "width": 2},
            hovertemplate=f"{plotly_text(cls)}: {x} %{{x:.3f}}, {y} %{{y:.3f}}<extra></extra>",
        )
    return fig


def pr_curves_figure(
    curves: Mapping[str, pd.DataFrame],
    classes: Sequence[str],
    *,
    average_precision: Mapping[str, float] | None = None,
    title: str | None = None,
    noun: str = "class",
) -> go.Figure:
    """Precision-recall curve per class (one-vs-rest), in the class colours; ``noun``
    ("class" or "label") names them in the title and legend."""
    fig = figure(
        title or f"Precision-recall curve per {noun} (one-vs-rest)",
        xaxis_title="Recall",
        yaxis_title="Precision",
        legend_title_text=f"{noun.capitalize()} (average precision)",
    )
    _per_class_lines(curves, classes, "recall", "precision", fig, average_precision, "AP")
    fig.update_xaxes(range=[0, 1.01])
    fig.update_yaxes(range=[0, 1.02])
    return fig


def roc_curves_figure(
    curves: Mapping[str, pd.DataFrame],
    classes: Sequence[str],
    *,
    auc: Mapping[str, float] | None = None,
    title: str | None = None,
    noun: str = "class",
) -> go.Figure:
    """ROC curve per class or label (``noun``, one-vs-rest), with the chance diagonal."""
    fig = figure(
        title or f"ROC curve per {noun} (one-vs-rest)",
        xaxis_title="False-positive rate",
        yaxis_title="True-positive rate (recall)",
        legend_title_text=f"{noun.capitalize()} (ROC AUC)",
    )
    fig.add_scatter(
        x=[0, 1], y=[0, 1], mode="lines", name="chance", line={"color": NEUTRAL, "dash": "dot"}
    )
    _per_class_lines(curves, classes, "fpr", "tpr", fig, auc, "AUC")
    fig.update_xaxes(range=[0, 1])
    fig.update_yaxes(range=[0, 1.02])
    return fig


def calibration_figure(
    bins: Mapping[str, pd.DataFrame],
    classes: Sequence[str],
    *,
    title: str | None = None,
    noun: str = "class",
    before: Mapping[str, pd.DataFrame] | None = None,
) -> go.Figure:
    """Reliability diagram per class or label (``noun``): mean predicted probability vs
    observed frequency. With ``before`` (the bins of the model's own probabilities, when
    ``bins`` are those of corrected ones), each class also gets a dashed "before" line."""
    colors = class_colors(classes)
    fig = figure(
        title or f"Calibration: predicted probability vs observed frequency, per {noun}",
        xaxis_title="Mean predicted probability (bin)",
        yaxis_title=f"Observed share of the {noun}",
        legend_title_text=noun.capitalize(),
    )
    fig.add_scatter(
        x=[0, 1],
        y=[0, 1],
        mode="lines",
        name="perfectly calibrated",
        line={"color": NEUTRAL, "dash": "dot"},
    )
    for cls in classes:
        data = bins.get(cls)
        if data is None or data.empty:
            continue
        fig.add_scatter(
            x=data["mean_predicted"],
            y=data["fraction_positive"],
            mode="lines+markers",
            name=plotly_text(cls),
            line={"color": colors[cls]},
            customdata=data["count"],
            hovertemplate=f"{plotly_text(cls)}: predicted %{{x:.2f}}, observed %{{y:.2f}} "
            "(%{customdata:,} rows)<extra></extra>",
        )
        old = (before or {}).get(cls)
        if old is not None and not old.empty:
            fig.add_scatter(
                x=old["mean_predicted"],
                y=old["fraction_positive"],
                mode="lines+markers",
                name=f"{plotly_text(cls)}, before correction",
                line={"color": colors[cls], "dash": "dash", "width": 1},
                marker={"symbol": "circle-open"},
                customdata=old["count"],
                hovertemplate=f"{plotly_text(cls)} before correction: predicted %{{x:.2f}}, "
                "observed %{y:.2f} (%{customdata:,} rows)<extra></extra>",
            )
    # A little room around [0, 1]: a point on an edge (a bin observed at 0 or 1) stays whole.
    fig.update_xaxes(range=[-0.02, 1.02])
    fig.update_yaxes(range=[-0.02, 1.04])
    return fig


def train_validation_gap(
    gap: pd.DataFrame,
    classes: Sequence[str],
    *,
    metric: str = "F1",
    title: str | None = None,
    noun: str = "class",
) -> go.Figure:
    """Per class or label (``noun``): the metric on training folds vs on validation folds
    (the overfitting signal).

    ``gap`` has columns ``class``, ``train``, ``validation`` (means over folds).
    """
    colors = class_colors(classes)
    data = gap.set_index("class").reindex([c for c in classes if c in set(gap["class"])])
    fig = figure(
        title
        or f"{metric} on training vs validation folds, per {noun} (a large gap = overfitting)",
        xaxis_title=noun.capitalize(),
        yaxis_title=metric,
        barmode="group",
        legend_title_text="Measured on",
    )
    names = [plotly_text(c) for c in data.index]
    fig.add_bar(
        x=names,
        y=data["train"],
        name="training folds",
        marker={
            "color": "rgba(0,0,0,0)",
            "line": {"color": [colors[c] for c in data.index], "width": 2},
        },
        hovertemplate="%{x}: train %{y:.3f}<extra></extra>",
    )
    fig.add_bar(
        x=names,
        y=data["validation"],
        name="validation folds",
        marker_color=[colors[c] for c in data.index],
        hovertemplate="%{x}: validation %{y:.3f}<extra></extra>",
    )
    fig.update_yaxes(range=[0, 1.05])
    fig.update_xaxes(type="category")
    return fig
