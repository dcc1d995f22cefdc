"""The report's "Decision costs" section: the cost curves and the expected cost against the
positive share in use (the Trade-offs page's figures and words), with a table of each
strategy's cost at the evaluation share."""

from __future__ import annotations

from typing import Any

from core.analysis.costs import costs_table, decision_costs, reading_notes
from core.evaluation.comparison import Comparison
from core.plots.costs import HEIGHT, cost_curve_figure, expected_cost_figure
from core.report.parts import FigureStore, Table, num, text


def costs_section(c: Comparison, store: FigureStore) -> dict[str, Any] | None:
    """Template context of the section for the default positive class (the important one);
    figures added to ``store``. None when no strategy ran or no class has both sides."""
    costs = decision_costs(c)
    if costs is None:
        return None
    curves_note, expected_note = reading_notes(costs)
    frame = costs_table(costs)
    pos = costs.positive_class
    table = Table(
        ["Strategy", f"Recall of '{pos}'", "False positive rate",
         "Cost per row, own decisions", "Cost per row, cheapest cut"],
        [[text(r["strategy"]), num(r["recall"], key="recall"),
          num(r["false_positive_rate"], key="false_positive_rate"),
          num(r["cost_own"], ".4f", key="cost_own"), num(r["cost_best"], ".4f", key="cost_best")]
         for r in frame.to_dict(orient="records")],
        row_attrs=[{"strategy": s} for s in frame["strategy"]],
        caption=f"At the evaluation share of '{pos}' ({costs.evaluation_prevalence:.1%}).",
    )  # fmt: skip
    return {
        "positive": pos,
        "curves": store.add(cost_curve_figure(costs), height=HEIGHT),
        "curves_note": curves_note,
        "expected": store.add(expected_cost_figure(costs), height=HEIGHT),
        "expected_note": expected_note,
        "table": table,
    }
