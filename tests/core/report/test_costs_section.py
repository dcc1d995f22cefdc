"""core.report.costs_section: the report's "Decision costs" section shows the Trade-offs
page's figures and words, and a table of core's numbers."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest
from markupsafe import escape

from core.analysis.costs import costs_table, decision_costs, reading_notes
from core.evaluation.crossval import failed_result
from core.report.costs_section import costs_section
from core.report.document import build_report
from core.report.parts import FigureStore


@pytest.mark.parametrize("task", ("binary", "multilabel"))
def test_section_context(comparisons, task):
    c = comparisons[task]
    store = FigureStore()
    section = costs_section(c, store)
    costs = decision_costs(c)
    assert section["positive"] == c.important_class
    assert [section["curves"], section["expected"]] == store.charts
    assert "Probability cost PC(+)" in section["curves"].spec
    assert (section["curves_note"], section["expected_note"]) == reading_notes(costs)
    table = costs_table(costs)
    assert [r[0].text for r in section["table"].rows] == list(table["strategy"])
    for row, (_, want) in zip(section["table"].rows, table.iterrows(), strict=True):
        assert float(row[3].value) == want["cost_own"]  # exact: repr round-trips
        assert float(row[4].value) == want["cost_best"]


def test_no_section_when_no_strategy_ran(comparisons):
    c = comparisons["binary"]
    none_ran = {n: failed_result(n, "boom", r.fold_of_row) for n, r in c.results.items()}
    assert costs_section(replace(c, results=none_ran), FigureStore()) is None


def test_the_report_contains_the_section(comparisons):
    c = comparisons["binary"]
    html = build_report(c)
    assert '<a href="#costs">Decision costs</a>' in html
    section = re.search(r'<section id="costs">(.*?)</section>', html, re.S)
    assert section is not None
    body = section.group(1)
    assert f"Decision costs: cost curves and expected cost at other shares of '{c.important_class}'" in body  # fmt: skip
    assert body.count('class="chart"') == 2
    for note in reading_notes(decision_costs(c)):
        assert str(escape(note)) in body
    assert html.index('id="tradeoffs"') < html.index('id="costs"') < html.index('id="strategies"')
    assert "Probability cost PC(+)" in html and "Normalised expected cost" in html  # glossary
