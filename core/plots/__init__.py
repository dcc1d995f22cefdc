"""Plotly figures, built by pure functions from computed results (pages AND the report).

One template, one colour-blind-safe palette, one colour per class across every chart.
Functions here draw; they never compute a metric (STYLE.md, the Display pattern).
"""

from core.plots.compare import (
    accuracy_f1_plane,
    confusion_side_by_side,
    per_class_bars,
    strategy_class_heatmap,
)
from core.plots.costs import cost_curve_figure, expected_cost_figure
from core.plots.data import class_distribution, cooccurrence_heatmap, difficulty_bars
from core.plots.results import (
    calibration_figure,
    confusion_heatmap,
    multilabel_confusion_grid,
    pr_curves_figure,
    roc_curves_figure,
    threshold_curve_figure,
    train_validation_gap,
)
from core.plots.style import PALETTE, TEMPLATE, class_colors

__all__ = [
    "PALETTE",
    "TEMPLATE",
    "accuracy_f1_plane",
    "calibration_figure",
    "class_colors",
    "class_distribution",
    "confusion_heatmap",
    "confusion_side_by_side",
    "cooccurrence_heatmap",
    "cost_curve_figure",
    "difficulty_bars",
    "expected_cost_figure",
    "multilabel_confusion_grid",
    "per_class_bars",
    "pr_curves_figure",
    "roc_curves_figure",
    "strategy_class_heatmap",
    "threshold_curve_figure",
    "train_validation_gap",
]
