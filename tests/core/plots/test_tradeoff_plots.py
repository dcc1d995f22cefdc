"""core.plots.tradeoff: the plane, the two sides and the prevalence figures draw the views."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
import pytest

from core.analysis.deployment import (
    deployment_estimate,
)
from core.analysis.planes import (
    plane,
)
from core.analysis.sides import sides
from core.exports.tradeoff_json import tradeoff_report_figures, tradeoff_report_text
from core.plots.tradeoff import (
    X_RANGE,
    Y_RANGE,
    label_position,
    padded_range,
    prevalence_figure,
    tradeoff_plane,
    tradeoff_sides,
)


def _trace(fig: go.Figure, name: str):
    found = [t for t in fig.data if t.name == name]
    assert len(found) == 1, [t.name for t in fig.data]
    return found[0]


def test_plane_figure_draws_the_view(comparisons):
    view = plane(comparisons["binary"]).thinned(20)
    fig = tradeoff_plane(view)
    front = _trace(fig, "Pareto front")
    expected = view.pareto.sort_values("accuracy", kind="stable")
    np.testing.assert_allclose(front.x, expected["accuracy"])
    np.testing.assert_allclose(front.y, expected["f1"])
    sweep = _trace(fig, "baseline")
    rows = view.points[view.points["strategy"] == "baseline"]
    np.testing.assert_allclose(sweep.y, rows["f1"])
    assert sweep.customdata[0][0] == "never (all negative)"
    region = _trace(fig, "feasible region")
    assert max(region.y) == pytest.approx(view.region["f1_max"].max())
    assert _trace(fig, "all positive").x[0] == pytest.approx(
        view.trivial["all_positive"]["accuracy"]
    )


def test_sides_and_report_figures(comparisons):
    comparison = comparisons["multiclass"]
    both = sides(comparison)
    fig = tradeoff_sides(both.positive, both.complement)
    assert fig.layout.annotations[0].text.startswith("'blue' (minority) as positive")
    assert fig.layout.annotations[1].text.startswith("'not blue' (majority) as positive")
    figures = tradeoff_report_figures(comparison)
    assert len(figures) == 3 and all(isinstance(f, go.Figure) for f in figures)
    full, zoomed = figures[0].layout.xaxis.range, figures[1].layout.xaxis.range
    assert full[0] == 0 and 0 < zoomed[0] <= both.positive.operating["accuracy"].min()
    text = tradeoff_report_text(comparison)
    assert both.sentence in text
    assert any("Pareto front" in line for line in text)


def test_prevalence_figure_draws_the_estimate(comparisons):
    comparison = comparisons["multiclass"]
    est = deployment_estimate(comparison, "baseline", [0.2, 0.3, 0.5])
    fig = prevalence_figure(est.per_class, est.confusion, comparison.classes)
    heat = [t for t in fig.data if t.type == "heatmap"][0]
    assert [list(row) for row in heat.text] == [[f"{v:.1%}" for v in r] for r in est.confusion]
    rates = est.confusion / est.confusion.sum(axis=1, keepdims=True)  # colour: by true class
    np.testing.assert_allclose(np.asarray(heat.z), rates)
    np.testing.assert_allclose(np.diag(rates), est.per_class["recall"])
    np.testing.assert_allclose(_trace(fig, "F1, in use").y, est.per_class["f1"])
    np.testing.assert_allclose(
        _trace(fig, "precision, evaluation").y, est.per_class["precision_eval"]
    )
    no_matrix = prevalence_figure(est.per_class, None, comparison.classes)
    assert not [t for t in no_matrix.data if t.type == "heatmap"]


def test_front_is_drawn_once_per_point_naming_every_strategy(comparisons):
    view = plane(comparisons["multiclass"])  # baseline and threshold_tuning share points
    shared = view.pareto[view.pareto["strategies"].map(len) > 1]
    assert not shared.empty
    front = _trace(tradeoff_plane(view), "Pareto front")
    assert len(front.x) == len(view.pareto) < int(view.points["pareto"].sum())
    assert "baseline, threshold_tuning" in [row[0] for row in front.customdata]


def test_label_position_points_inwards():
    assert label_position(0.02, 0.04, [0, 1], [0, 1]) == "top right"
    assert label_position(0.98, 0.0, [0, 1], [0, 1]) == "top left"
    assert label_position(0.98, 0.99, [0.8, 1], [0.9, 1]) == "bottom left"
    assert label_position(0.81, 0.99, [0.8, 1], [0.9, 1]) == "bottom right"


def test_padded_range_hand_example():
    assert padded_range([0.5, 0.7]) == pytest.approx([0.47, 0.73])  # at least 0.03 room
    assert padded_range([0.0, 1.0]) == pytest.approx([-0.07, 1.07])  # a tenth, then bounds
    assert padded_range([np.nan]) == [-0.07, 1.07]
    assert padded_range([0.2], bounds=(0, 1), room=0.5) == [0, 0.7]


@pytest.mark.parametrize("task", ["binary", "multiclass", "multilabel"])
def test_zoomed_planes_fit_their_points_on_both_axes(comparisons, task):
    both = sides(comparisons[task])
    fig = tradeoff_sides(both.positive, both.complement, zoom=True)
    for axis_x, axis_y, view in (
        (fig.layout.xaxis, fig.layout.yaxis, both.positive),
        (fig.layout.xaxis2, fig.layout.yaxis2, both.complement),
    ):
        low, high = axis_x.range
        inside = view.points[view.points["accuracy"].between(low, high)]
        shown = np.r_[inside["f1"], view.operating["f1"]]
        y_low, y_high = axis_y.range
        assert shown.min() >= y_low and shown.max() <= y_high  # nothing cut
        room = max(0.03, 0.1 * (shown.max() - shown.min()))
        assert y_high <= min(1.01, shown.max() + room) + 1e-12  # and no empty band
    # the majority side: every F1 is high, so its axis no longer starts at 0
    assert fig.layout.yaxis2.range[0] > 0.5
    full = tradeoff_plane(both.positive)
    assert list(full.layout.yaxis.range) == Y_RANGE and list(full.layout.xaxis.range) == X_RANGE


@pytest.mark.parametrize("task", ["binary", "multiclass", "multilabel"])
def test_report_text_names_each_strategy_of_the_front_once(comparisons, task):
    comparison = comparisons[task]
    front = sides(comparison).positive.pareto
    (line,) = [t for t in tradeoff_report_text(comparison) if t.startswith("The Pareto front")]
    points = f"{len(front)} point{'' if len(front) == 1 else 's'}"
    assert line.startswith(f"The Pareto front ({points}) runs from accuracy")
    named = line.split("; it is made of ")[1].removesuffix(".").split(", ")
    assert len(named) == len(set(named))  # shared points do not repeat a name
    assert set(named) == {s for names in front["strategies"] for s in names}
