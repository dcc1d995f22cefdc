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
from core.plots.tradeoff import prevalence_figure, tradeoff_plane, tradeoff_sides


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
