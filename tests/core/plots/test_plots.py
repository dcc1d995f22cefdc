"""core.plots: every figure is titled and labelled, draws the data it is given, and gives a
class the same colour on every chart."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest

from core import plots
from core.analysis.details import accuracy_f1_plane, per_class_long, strategy_details
from core.metrics.scores import normalise_confusion
from core.plots.results import MAX_CURVE_POINTS


def _labelled(fig: go.Figure) -> None:
    assert fig.layout.title.text, "figure has no title"
    assert fig.layout.template.layout.colorway  # our template is applied


def _color_of(fig: go.Figure, name: str) -> str:
    for trace in fig.data:
        if trace.name == name:
            marker = getattr(trace, "marker", None)
            line = getattr(trace, "line", None)
            return (marker.color if marker is not None and marker.color else None) or line.color
    raise AssertionError(f"no trace named {name!r}")


def test_a_class_keeps_its_colour_across_charts(comparisons):
    cmp_ = comparisons["multiclass"]
    classes = list(cmp_.classes)
    det = strategy_details(cmp_, "baseline")
    expected = plots.class_colors(classes)
    bars = plots.per_class_bars(per_class_long(cmp_), classes)
    pr = plots.pr_curves_figure(det.pr_curves, classes)
    cal = plots.calibration_figure(det.calibration, classes)
    dist = plots.class_distribution(cmp_.dataset.class_counts)
    for cls in classes:
        assert _color_of(bars, cls) == expected[cls]
        assert _color_of(pr, cls) == expected[cls]
        assert _color_of(cal, cls) == expected[cls]
    bar_colors = dict(zip(dist.data[0].x, dist.data[0].marker.color, strict=True))
    assert bar_colors == {c: expected[c] for c in classes}
    assert len(set(expected.values())) == len(classes)


def test_class_distribution_shows_counts_largest_first():
    fig = plots.class_distribution({"a": 5, "b": 50, "c": 1})
    _labelled(fig)
    assert list(fig.data[0].x) == ["b", "a", "c"]
    assert list(fig.data[0].y) == [50, 5, 1]
    assert fig.data[0].text[0] == "50 (89.3%)"
    assert fig.layout.xaxis.title.text == "Class"


def test_confusion_heatmaps_draw_the_given_matrix(comparisons):
    cmp_ = comparisons["multiclass"]
    cm = np.asarray(cmp_.results["baseline"].confusion)
    fig = plots.confusion_heatmap(cm, cmp_.classes)
    _labelled(fig)
    np.testing.assert_array_equal(np.asarray(fig.data[0].z), cm)
    assert fig.layout.xaxis.title.text == "Predicted class"
    assert fig.layout.yaxis.title.text == "True class"
    normed = normalise_confusion(cm, "true")
    fig = plots.confusion_heatmap(normed, cmp_.classes, kind="true")
    assert "recall" in fig.layout.title.text
    side = plots.confusion_side_by_side({"a": normed, "b": normed}, cmp_.classes)
    assert len(side.data) == 2 and side.layout.coloraxis.cmax == 1.0


def test_multilabel_grid_has_one_panel_per_label(comparisons):
    cmp_ = comparisons["multilabel"]
    fig = plots.multilabel_confusion_grid(cmp_.results["baseline"].confusion, cmp_.classes)
    assert len(fig.data) == len(cmp_.classes)
    assert [a.text for a in fig.layout.annotations] == list(cmp_.classes)


def test_threshold_figure_marks_default_tuned_and_chosen(comparisons):
    det = strategy_details(comparisons["binary"], "threshold_tuning")
    curve = det.threshold_curves["yes"]
    fig = plots.threshold_curve_figure(curve, "yes", default=0.5, tuned=0.31, chosen=0.4)
    _labelled(fig)
    assert {t.name for t in fig.data} == {"precision", "recall", "F1"}
    marks = sorted(s.x0 for s in fig.layout.shapes)
    assert marks == [0.31, 0.4, 0.5]


def test_long_curves_are_thinned_for_drawing_but_keep_their_ends():
    n = 50_000
    curve = pd.DataFrame(
        {
            "threshold": np.linspace(0, 1, n),
            "precision": np.linspace(0, 1, n),
            "recall": np.linspace(1, 0, n),
            "f1": np.full(n, 0.5),
        }
    )
    fig = plots.threshold_curve_figure(curve, "x")
    xs = np.asarray(fig.data[0].x)
    assert len(xs) <= MAX_CURVE_POINTS and xs[0] == 0.0 and xs[-1] == 1.0


def test_plane_draws_region_points_and_trivial_classifiers(comparisons):
    plane = accuracy_f1_plane(comparisons["binary"])
    fig = plots.accuracy_f1_plane(
        plane.points, f1_label=plane.f1_label, region=plane.region, trivial=plane.trivial
    )
    _labelled(fig)
    names = [t.name for t in fig.data]
    assert "feasible region (lower bound)" in names
    assert set(plane.points["strategy"]) <= set(names)
    assert {"all positive", "all negative"} <= set(names)
    assert fig.layout.yaxis.title.text == plane.f1_label


@pytest.mark.parametrize("task", ["binary", "multiclass", "multilabel"])
def test_every_result_figure_builds_for_every_task(comparisons, task):
    cmp_ = comparisons[task]
    det = strategy_details(cmp_, "baseline")
    classes = list(cmp_.classes)
    long = per_class_long(cmp_)
    figures = [
        plots.roc_curves_figure(det.roc_curves, classes, auc=det.roc_auc),
        plots.train_validation_gap(det.gap, classes),
        plots.strategy_class_heatmap(long, classes),
        plots.difficulty_bars(
            {c: {"safe": 0.5, "borderline": 0.3, "rare": 0.1, "outlier": 0.1} for c in classes}
        ),
        plots.cooccurrence_heatmap(classes, np.eye(len(classes)) * 3),
    ]
    for fig in figures:
        _labelled(fig)
        fig.to_json()  # serialisable: what the app and the report send to plotly.js
