"""core.plots.costs: the cost-curve and expected-cost figures draw what core computed, with
labelled axes, the trivial classifiers, and user names shown as text."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from core.analysis.costs import decision_costs
from core.plots.costs import LABEL_ROW, cost_curve_figure, expected_cost_figure
from core.text import plotly_text

HOSTILE = "<b>x</b> 50% %{y}"


def test_cost_curve_figure_draws_the_envelopes_and_own_decisions(comparisons):
    costs = decision_costs(comparisons["binary"])
    fig = cost_curve_figure(costs)
    assert fig.layout.xaxis.title.text == "Probability cost PC(+)"
    assert fig.layout.yaxis.title.text == "Normalised expected cost"
    by_name = {t.name: t for t in fig.data}
    tent = next(t for t in fig.data if t.name.startswith("trivial"))
    assert list(tent.y) == [0, 1, None, 1, 0]  # always negative: PC; always positive: 1 - PC
    for s in costs.strategies:
        np.testing.assert_array_equal(by_name[s.strategy].y, s.curve.envelope)
        own = by_name[f"{s.strategy}, own decisions"]
        np.testing.assert_array_equal(own.y, s.curve.actual)
        assert own.line.dash == "dash" and own.showlegend is False
    assert len(fig.data) == 2 + 2 * len(costs.strategies)  # tent, lines, the dashed key
    assert fig.layout.shapes[0].x0 == costs.evaluation_pc


def test_expected_cost_figure(comparisons):
    costs = decision_costs(comparisons["multiclass"])
    fig = expected_cost_figure(costs)
    by_name = {t.name: t for t in fig.data}
    for s in costs.strategies:
        np.testing.assert_array_equal(by_name[s.strategy].y, s.expected.best)
        np.testing.assert_array_equal(by_name[f"{s.strategy}, own decisions"].y, s.expected.actual)
    first = costs.strategies[0].expected
    np.testing.assert_array_equal(by_name["trivial: always negative"].y, first.always_negative)
    assert fig.layout.shapes[0].x0 == costs.evaluation_prevalence
    assert fig.layout.xaxis.title.text == f"Share of '{costs.positive_class}' in use"


def test_user_names_are_shown_as_text(comparisons):
    costs = decision_costs(comparisons["binary"])
    hostile = replace(
        costs,
        positive_class=HOSTILE,
        strategies=tuple(replace(s, strategy=HOSTILE + s.strategy) for s in costs.strategies),
    )
    for fig in (cost_curve_figure(hostile), expected_cost_figure(hostile)):
        assert plotly_text(HOSTILE) in fig.layout.title.text
        assert HOSTILE not in fig.layout.title.text
        for trace in fig.data:
            assert HOSTILE not in (trace.name or "")
            assert HOSTILE not in (trace.hovertemplate or "")


def test_coinciding_best_cut_lines_all_show(comparisons):
    """A model and its tuned decision share their probabilities, so their solid lines are
    one: the first is drawn wide, the one on it thin (both colours show); others keep 2.5."""
    costs = decision_costs(comparisons["binary"])
    first = costs.strategies[0]
    other = next(
        s
        for s in costs.strategies[1:]
        if not np.allclose(s.curve.envelope, first.curve.envelope)
        and not np.allclose(s.expected.best, first.expected.best)
    )
    copy = replace(first, strategy=first.strategy + " + tuned")
    view = replace(costs, strategies=(first, other, copy))
    for fig in (cost_curve_figure(view), expected_cost_figure(view)):
        width = {t.name: t.line.width for t in fig.data}
        assert width[first.strategy] == 5.0 and width[copy.strategy] == 1.5
        assert width[other.strategy] == 2.5
    alone = replace(costs, strategies=(first, other))
    for fig in (cost_curve_figure(alone), expected_cost_figure(alone)):
        width = {t.name: t.line.width for t in fig.data}
        assert width[first.strategy] == width[other.strategy] == 2.5


def test_expected_cost_figure_marks_the_share_in_use(comparisons):
    """Shares entered for use: a second dotted line at the positive share in use; the labels
    above the plot (no line crosses them), one row each, away from each other."""
    costs = replace(decision_costs(comparisons["binary"]), evaluation_prevalence=0.3)
    alone = expected_cost_figure(costs)
    assert [s.x0 for s in alone.layout.shapes] == [0.3]
    (label,) = alone.layout.annotations
    assert label.text == "evaluation share 30.0%" and label.xanchor == "left"  # right of it
    fig = expected_cost_figure(costs, in_use=0.5)
    assert [s.x0 for s in fig.layout.shapes] == [0.3, 0.5]
    assert all(s.line.dash == "dot" for s in fig.layout.shapes)
    evaluation, in_use = fig.layout.annotations
    assert evaluation.text == label.text and in_use.text == "in use 50.0%"
    assert all(
        a.yref == "paper" and a.y == 1 and a.yanchor == "bottom" for a in (evaluation, in_use)
    )
    assert in_use.yshift == evaluation.yshift + LABEL_ROW  # a row above
    assert all(a.bgcolor.startswith("rgba(255, 255, 255") for a in (evaluation, in_use))
    assert fig.layout.margin.t == alone.layout.margin.t + LABEL_ROW
    # away from each other: the lower share's label left of its line, the higher's right
    assert (evaluation.xanchor, in_use.xanchor) == ("right", "left")
    assert [t.name for t in fig.data] == [t.name for t in alone.data]  # no trace added
    # near the plot's edge a label stays inside it, on its own row
    near = expected_cost_figure(costs, in_use=0.087).layout.annotations
    assert near[1].text == "in use 8.7%" and near[1].xanchor == "left"
    assert near[1].yshift == near[0].yshift + LABEL_ROW
    assert len(expected_cost_figure(costs, in_use=None).layout.shapes) == 1
