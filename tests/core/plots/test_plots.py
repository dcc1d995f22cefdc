"""core.plots: every figure is titled and labelled, draws the data it is given, and gives a
class the same colour on every chart."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest

from core import plots
from core.analysis.details import accuracy_f1_plane, per_class_long, strategy_details
from core.metrics.plane import pareto_front
from core.metrics.scores import normalise_confusion
from core.plots.results import MARK_ROW, MAX_CURVE_POINTS
from core.plots.tradeoff import strategy_colors


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
    matrices = np.asarray(cmp_.results["baseline"].confusion)
    fig = plots.multilabel_confusion_grid(matrices, cmp_.classes)
    assert len(fig.data) == len(cmp_.classes)
    assert [a.text for a in fig.layout.annotations] == list(cmp_.classes)
    for panel, cm in zip(fig.data, matrices, strict=True):
        assert cm.shape == (2, 2)
        np.testing.assert_array_equal(np.asarray(panel.z), cm)  # [[tn, fp], [fn, tp]]
    assert fig.layout.coloraxis.cmax == matrices.max()


def test_multilabel_grid_draws_hand_made_matrices_in_label_order():
    matrices = np.array([[[5, 1], [2, 3]], [[9, 0], [0, 2]], [[1, 4], [6, 0]]])
    fig = plots.multilabel_confusion_grid(matrices, ["a", "b", "c"], columns=2)
    assert [list(map(list, panel.z)) for panel in fig.data] == [
        [[5, 1], [2, 3]],
        [[9, 0], [0, 2]],
        [[1, 4], [6, 0]],
    ]
    assert [(p.xaxis, p.yaxis) for p in fig.data] == [("x", "y"), ("x2", "y2"), ("x3", "y3")]
    assert fig.layout.coloraxis.cmax == 9


def test_threshold_figure_marks_default_tuned_and_chosen(comparisons):
    det = strategy_details(comparisons["binary"], "threshold_tuning")
    curve = det.threshold_curves["yes"]
    fig = plots.threshold_curve_figure(curve, "yes", default=0.5, tuned=0.31, chosen=0.4)
    _labelled(fig)
    assert {t.name for t in fig.data} == {"precision", "recall", "F1"}
    marks = sorted(s.x0 for s in fig.layout.shapes)
    assert marks == [0.31, 0.4, 0.5]
    # the labels sit above the plot, one row each (lowest threshold lowest), on white boxes
    # in their line's colour, so they print over neither the curves nor each other
    labels = fig.layout.annotations
    assert [a.text for a in labels] == ["tuned 0.31", "chosen 0.40", "default 0.50"]
    assert [a.x for a in labels] == [0.31, 0.4, 0.5]
    assert all(a.yref == "paper" and a.y == 1 and a.yanchor == "bottom" for a in labels)
    assert [a.yshift for a in labels] == [4, 4 + MARK_ROW, 4 + 2 * MARK_ROW]
    assert all(a.bgcolor.startswith("rgba(255, 255, 255") for a in labels)
    colors = {s.x0: s.line.color for s in fig.layout.shapes}
    assert [a.bordercolor for a in labels] == [colors[a.x] for a in labels]
    assert fig.layout.margin.t >= 56 + 3 * MARK_ROW  # room for three rows under the title


def test_threshold_marks_at_one_value_share_a_line_and_a_label(comparisons):
    det = strategy_details(comparisons["binary"], "threshold_tuning")
    curve = det.threshold_curves["yes"]
    fig = plots.threshold_curve_figure(curve, "yes", default=0.5, tuned=0.31, chosen=0.31)
    assert sorted(s.x0 for s in fig.layout.shapes) == [0.31, 0.5]
    assert [a.text for a in fig.layout.annotations] == ["tuned = chosen 0.31", "default 0.50"]
    edge = plots.threshold_curve_figure(curve, "yes", default=None, chosen=0.99)
    (label,) = edge.layout.annotations
    assert label.xanchor == "right"  # at the plot's edge the label stays inside the figure


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


# -- what the result figures draw ------------------------------------------------------------------


@pytest.mark.parametrize("task", ["binary", "multiclass", "multilabel"])
def test_roc_figure_draws_one_curve_per_class_and_the_chance_line(comparisons, task):
    cmp_ = comparisons[task]
    det = strategy_details(cmp_, "baseline")
    classes = list(cmp_.classes)
    fig = plots.roc_curves_figure(det.roc_curves, classes, auc=det.roc_auc)
    chance, *curves = fig.data
    assert chance.name == "chance"
    assert list(chance.x) == [0, 1] and list(chance.y) == [0, 1]
    drawn = [c for c in classes if not det.roc_curves[c].empty]
    assert len(curves) == len(drawn) >= 1
    for trace, cls in zip(curves, drawn, strict=True):
        assert trace.name == f"{cls} (AUC {det.roc_auc[cls]:.3f})"
        assert trace.line.color == plots.class_colors(classes)[cls]
        x, y = np.asarray(trace.x, float), np.asarray(trace.y, float)
        assert (x[0], y[0]) == (0.0, 0.0) and (x[-1], y[-1]) == (1.0, 1.0)
        assert np.all(np.diff(x) >= 0) and np.all(np.diff(y) >= 0)  # an ROC curve only rises


def test_roc_figure_draws_the_given_points():
    curves = {
        "a": pd.DataFrame({"fpr": [0.0, 0.0, 0.5, 1.0], "tpr": [0.0, 0.5, 1.0, 1.0]}),
        "b": pd.DataFrame({"fpr": [0.0, 1.0], "tpr": [0.0, 1.0]}),
    }
    fig = plots.roc_curves_figure(curves, ["a", "b"], auc={"a": 0.875, "b": 0.5})
    assert [t.name for t in fig.data] == ["chance", "a (AUC 0.875)", "b (AUC 0.500)"]
    assert list(fig.data[1].x) == [0.0, 0.0, 0.5, 1.0]
    assert list(fig.data[1].y) == [0.0, 0.5, 1.0, 1.0]
    assert list(fig.data[2].x) == [0.0, 1.0] and list(fig.data[2].y) == [0.0, 1.0]


@pytest.mark.parametrize("task", ["binary", "multiclass", "multilabel"])
def test_gap_figure_draws_the_train_and_validation_scores(comparisons, task):
    cmp_ = comparisons[task]
    det = strategy_details(cmp_, "baseline")
    classes = list(cmp_.classes)
    fig = plots.train_validation_gap(det.gap, classes)
    train, validation = fig.data
    assert (train.name, validation.name) == ("training folds", "validation folds")
    gap = det.gap.set_index("class")
    drawn = [c for c in classes if c in gap.index]
    assert list(train.x) == drawn and list(validation.x) == drawn
    np.testing.assert_array_equal(np.asarray(train.y, float), gap.loc[drawn, "train"].to_numpy())
    np.testing.assert_array_equal(
        np.asarray(validation.y, float), gap.loc[drawn, "validation"].to_numpy()
    )


def test_gap_figure_puts_the_given_values_in_class_order():
    gap = pd.DataFrame(
        {"class": ["b", "a"], "train": [0.9, 0.8], "validation": [0.4, 0.7], "gap": [0.5, 0.1]}
    )
    fig = plots.train_validation_gap(gap, ["a", "b", "c"])  # "c" has no row: not drawn
    assert list(fig.data[0].x) == ["a", "b"] and list(fig.data[0].y) == [0.8, 0.9]
    assert list(fig.data[1].x) == ["a", "b"] and list(fig.data[1].y) == [0.7, 0.4]


def test_strategy_class_heatmap_draws_the_pivot_of_the_values():
    long = pd.DataFrame(
        {
            "strategy": ["s1", "s1", "s2", "s2", "s3"],
            "class": ["b", "a", "a", "b", "a"],
            "value": [0.25, 0.5, 0.75, 1.0, 0.1],
        }
    )
    fig = plots.strategy_class_heatmap(long, ["a", "b"])
    (heat,) = fig.data
    assert list(heat.y) == ["s1", "s2", "s3"] and list(heat.x) == ["a", "b"]
    np.testing.assert_array_equal(
        np.asarray(heat.z, float), [[0.5, 0.25], [0.75, 1.0], [0.1, np.nan]]
    )
    assert heat.text[2][1] == ""  # no value: no label


def test_strategy_class_heatmap_of_a_comparison(comparisons):
    cmp_ = comparisons["multiclass"]
    classes = list(cmp_.classes)
    f1 = per_class_long(cmp_)  # per-class F1 of every strategy
    fig = plots.strategy_class_heatmap(f1, classes)
    (heat,) = fig.data
    assert list(heat.x) == classes
    for i, strategy in enumerate(heat.y):
        for j, cls in enumerate(classes):
            rows = f1[(f1["strategy"] == strategy) & (f1["class"] == cls)]
            assert heat.z[i][j] == rows["value"].item()


def test_difficulty_bars_draw_the_given_shares():
    shares = {
        "rare": {"safe": 0.1, "borderline": 0.2, "rare": 0.3, "outlier": 0.4},
        "minor": {"safe": 0.5, "borderline": 0.25, "rare": 0.25, "outlier": 0.0},
    }
    fig = plots.difficulty_bars(shares)
    assert [t.name for t in fig.data] == ["safe", "borderline", "rare", "outlier"]
    for trace in fig.data:
        assert trace.orientation == "h"
        assert list(trace.y) == ["rare", "minor"]
        assert list(trace.x) == [shares["rare"][trace.name], shares["minor"][trace.name]]


def test_cooccurrence_heatmap_draws_the_given_counts():
    matrix = np.array([[7, 2, 0], [2, 4, 1], [0, 1, 3]])
    fig = plots.cooccurrence_heatmap(["a", "b", "c"], matrix)
    (heat,) = fig.data
    np.testing.assert_array_equal(np.asarray(heat.z), matrix)
    assert list(heat.x) == ["a", "b", "c"] and list(heat.y) == ["a", "b", "c"]
    assert heat.text[0][0] == "7"


# --------------------------------------------------------------------------- diagnosis


def test_learning_curve_draws_ap_and_f1_against_the_class_rows():
    from types import SimpleNamespace

    from core.plots.diagnosis import learning_curve_figure

    curve = SimpleNamespace(
        class_name="rare", strategy="baseline", shares=(0.25, 0.5, 1.0),
        class_rows=(10.0, 20.0, 40.0), ap_mean=(0.3, 0.4, 0.5), ap_std=(0.05, 0.04, 0.03),
        f1_mean=(0.1, 0.2, 0.25), f1_std=(0.02, 0.02, 0.01),
    )  # fmt: skip
    fig = learning_curve_figure(curve)
    _labelled(fig)
    ap, f1 = fig.data
    assert list(ap.x) == [10.0, 20.0, 40.0] and list(ap.y) == [0.3, 0.4, 0.5]
    assert list(ap.error_y.array) == [0.05, 0.04, 0.03]
    assert list(f1.y) == [0.1, 0.2, 0.25] and list(f1.error_y.array) == [0.02, 0.02, 0.01]
    assert fig.layout.xaxis.title.text == "Rows of 'rare' in the training folds"
    assert fig.layout.yaxis.title.text == "Score of 'rare'"


def test_pr_comparison_draws_each_curve_and_its_operating_point(comparisons):
    from core.plots.diagnosis import BASELINE_COLOR, pr_comparison_figure

    c = comparisons["binary"]
    cls = c.classes[1]
    curves, points = {}, {}
    for name in ("baseline", "class_weight"):
        det = strategy_details(c, name)
        curves[name] = det.pr_curves[cls]
        row = c.results[name].per_class.set_index("class").loc[cls]
        points[name] = (float(row["recall"]), float(row["precision"]))
    fig = pr_comparison_figure(curves, points, cls, average_precision={"baseline": 0.5})
    _labelled(fig)
    lines = [t for t in fig.data if t.mode == "lines"]
    marks = [t for t in fig.data if t.mode == "markers"]
    assert [t.name for t in lines] == ["baseline (0.500)", "class_weight"]
    np.testing.assert_array_equal(lines[0].x, curves["baseline"]["recall"])
    np.testing.assert_array_equal(lines[1].y, curves["class_weight"]["precision"])
    assert [(m.x[0], m.y[0]) for m in marks] == [points["baseline"], points["class_weight"]]
    assert lines[0].line.color == BASELINE_COLOR == marks[0].marker.color
    assert lines[1].line.color == marks[1].marker.color != BASELINE_COLOR
    assert fig.layout.xaxis.title.text == f"Recall of '{cls}'"


def test_threshold_gain_marks_the_default_and_the_best_cut():
    from core.plots.diagnosis import threshold_gain_figure

    curve = pd.DataFrame({"threshold": [0.1, 0.3, 0.5, 0.7], "f1": [0.2, 0.6, 0.4, 0.1]})
    fig = threshold_gain_figure(curve, "rare", "baseline", default=(0.5, 0.4), best=(0.3, 0.6))
    _labelled(fig)
    line, default, best = fig.data
    assert list(line.x) == [0.1, 0.3, 0.5, 0.7] and list(line.y) == [0.2, 0.6, 0.4, 0.1]
    assert (default.x[0], default.y[0]) == (0.5, 0.4) and (best.x[0], best.y[0]) == (0.3, 0.6)
    assert default.name == "default decision: F1 0.400" and best.name == "best cut: F1 0.600"
    assert fig.layout.yaxis.title.text == "F1 of 'rare'"


def test_reference_bars_show_strategies_references_and_the_rope_line():
    from core.plots.diagnosis import REFERENCE_COLOR, reference_bars_figure
    from core.plots.style import NEUTRAL

    fig = reference_bars_figure(
        {"baseline": 0.3, "smote": 0.38},
        {"hist_gradient_boosting": 0.8, "dummy": 0.0},
        "rare",
        rope=0.01,
    )
    _labelled(fig)
    strategies, references = fig.data
    assert list(strategies.x) == ["baseline", "smote"] and list(strategies.y) == [0.3, 0.38]
    assert list(references.x) == ["reference: hist_gradient_boosting", "reference: dummy"]
    assert list(references.y) == [0.8, 0.0]
    assert list(references.marker.color) == [REFERENCE_COLOR, NEUTRAL]
    (line,) = fig.layout.shapes
    assert line.y0 == pytest.approx(0.39) == line.y1


def test_threshold_gain_draws_an_arg_max_default_as_a_line():
    from core.plots.diagnosis import threshold_gain_figure

    curve = pd.DataFrame({"threshold": [0.2, 0.6], "f1": [0.5, 0.3]})
    fig = threshold_gain_figure(curve, "red", "baseline", default=(None, 0.35), best=(0.2, 0.5))
    _, default, best = fig.data
    assert list(default.x) == [0, 1] and list(default.y) == [0.35, 0.35]
    assert default.name == "default decision (arg-max): F1 0.350"
    assert (best.x[0], best.y[0]) == (0.2, 0.5)


def _inside(values, axis_range) -> bool:
    values = np.asarray(values, dtype=float)
    return bool(np.all((values >= axis_range[0]) & (values <= axis_range[1])))


def test_plane_names_strategies_in_the_legend_and_zooms_on_them(comparisons):
    plane = accuracy_f1_plane(comparisons["binary"])
    fig = plots.accuracy_f1_plane(
        plane.points, f1_label=plane.f1_label, region=plane.region, trivial=plane.trivial
    )
    names = list(plane.points["strategy"])
    traces = {t.name: t for t in fig.data}
    # no name printed on the plot (they ran into each other and were cut at the edges)
    assert all(traces[n].text is None and "text" not in traces[n].mode for n in names)
    styles = {(traces[n].marker.color, traces[n].marker.symbol) for n in names}
    assert len(styles) == len(names)  # told apart by colour and symbol, as in the legend
    assert {n: traces[n].marker.color for n in names} == strategy_colors(names)
    assert all(traces[n].showlegend is not False for n in names)
    # axes zoomed on the points (not 0..1) with every point and near trivial point inside
    x_range, y_range = list(fig.layout.xaxis.range), list(fig.layout.yaxis.range)
    assert _inside(plane.points["accuracy"], x_range) and _inside(plane.points["f1"], y_range)
    assert x_range[0] > 0.5  # the points sit at accuracy ~0.85-0.9 (15% positive)
    negative, positive = plane.trivial["all_negative"], plane.trivial["all_positive"]
    assert _inside([negative["accuracy"]], x_range) and _inside([negative["f1"]], y_range)
    # the all-positive classifier (accuracy 0.15) is far from them: named in a note instead
    assert positive["accuracy"] < x_range[0]
    note = fig.layout.annotations[0].text
    assert note == (
        f"Outside this view: all positive at accuracy {positive['accuracy']:.3f}, "
        f"F1 {positive['f1']:.3f}"
    )
    assert traces["all negative"].textposition == "top left"  # inwards: never cut


def test_plane_rings_the_front_and_says_so_on_hover(comparisons):
    plane = accuracy_f1_plane(comparisons["binary"])
    front = plane.points[pareto_front(plane.points).to_numpy()]
    fig = plots.accuracy_f1_plane(
        plane.points, region=plane.region, trivial=plane.trivial, front=front
    )
    traces = {t.name: t for t in fig.data}
    ring = traces["Pareto front"]
    assert ring.mode == "lines+markers" and ring.marker.symbol == "circle-open"
    np.testing.assert_allclose(sorted(ring.x), sorted(front["accuracy"]))
    for name in plane.points["strategy"]:
        on = "(on the Pareto front)" in traces[name].hovertemplate
        assert on == (name in set(front["strategy"]))


def test_plane_without_region_keeps_both_axes_on_the_points(comparisons):
    plane = accuracy_f1_plane(comparisons["multiclass"])
    fig = plots.accuracy_f1_plane(plane.points, f1_label=plane.f1_label)
    assert _inside(plane.points["accuracy"], fig.layout.xaxis.range)
    assert _inside(plane.points["f1"], fig.layout.yaxis.range)
    assert not fig.layout.annotations
    assert all(t.text is None for t in fig.data)


def test_multi_label_figures_say_label_not_class(comparisons):
    """Issue 15, item 9: "F1 per class" with a "Class" legend under a "Per label" heading."""
    cmp_ = comparisons["multilabel"]
    labels = list(cmp_.classes)
    det = strategy_details(cmp_, "baseline")
    long = per_class_long(cmp_, "f1")
    shares = {c: {"safe": 0.5, "borderline": 0.3, "rare": 0.1, "outlier": 0.1} for c in labels}
    figs = [
        plots.per_class_bars(long, labels, noun="label"),
        plots.strategy_class_heatmap(long, labels, noun="label"),
        plots.pr_curves_figure(det.pr_curves, labels, noun="label"),
        plots.roc_curves_figure(det.roc_curves, labels, noun="label"),
        plots.calibration_figure(det.calibration, labels, noun="label"),
        plots.train_validation_gap(det.gap, labels, noun="label"),
        plots.difficulty_bars(shares, noun="label"),
    ]
    for fig in figs:
        words = [fig.layout.title.text, fig.layout.legend.title.text]
        words += [fig.layout.xaxis.title.text, fig.layout.yaxis.title.text]
        text = " ".join(w for w in words if w)
        assert "label" in text.lower(), text
        assert "class" not in text.lower(), text
    assert figs[0].layout.title.text == "F1 per label, by strategy"
    assert figs[0].layout.legend.title.text == "Label"
    assert figs[2].layout.legend.title.text == "Label (average precision)"
    assert figs[5].layout.xaxis.title.text == "Label"
    # the default stays "class" (binary and multiclass pages)
    assert plots.per_class_bars(long, labels).layout.legend.title.text == "Class"
