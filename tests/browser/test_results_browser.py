"""The Results page in a real browser, on the bundled sample (card_fraud.csv, loaded by
app.py): a comparison of baseline, threshold_tuning and cost_sensitive on 3 folds with a
hold-out share, run from the Strategies page (issue 15, items 1, 2 and 4).

For each strategy, the threshold panel's decision line and counts agree with the per-class
table and the confusion matrix on the same page (1); the count table under the slider shows
whole numbers, e.g. "3,915", and they are the counts of one cut at the slider's start (2);
the hold-out panel is a table of metric rows, not a raw dict (4). The expected numbers come
from ``run_comparison`` with the same config (deterministic) and scikit-learn.
"""

from __future__ import annotations

import math
import re

import numpy as np
import pytest
from pageops import RERUN_MS, choose, open_page, pick_strategies, settled
from playwright.sync_api import Locator, Page, expect
from sklearn.metrics import confusion_matrix, precision_recall_fscore_support

from core.analysis.decision import decision_of
from core.analysis.details import strategy_details
from core.evaluation.comparison import CompareConfig, Comparison, run_comparison
from core.intake.dataset import load_dataset
from core.metrics.scores import HEADLINE_METRICS, metric_title
from core.modelling.options import StrategyOptions

pytestmark = pytest.mark.browser

SAMPLE = "sample_data/card_fraud.csv"
TARGET = "is_fraud"
POSITIVE = "1"  # the fraud class: the smallest, so the page's "class that matters most"
STRATEGIES = ("baseline", "threshold_tuning", "cost_sensitive")
FOLDS = 3
HOLDOUT = 0.2  # 4 steps of the slider's 0.05
LOAD_MS = 60_000  # first open: the server reads and profiles the 5,000-row sample
RUN_MS = 180_000  # 3 strategies x 3 folds (+ hold-out fits), on a shared 2-core machine
expect.set_options(timeout=RERUN_MS)

COUNTS = re.compile(
    r"It finds ([\d,]+) of ([\d,]+) '(.+?)' rows and flags ([\d,]+) others: "
    r"precision ([\d.]+), recall ([\d.]+), F1 ([\d.]+) "
    r"\(TP ([\d,]+) · FP ([\d,]+) · FN ([\d,]+) · TN ([\d,]+)\)"
)
START = re.compile(r"It starts at ([\d.]+),")
SINGLE = re.compile(
    r"A single cut at ([\d.]+) finds ([\d,]+) of ([\d,]+) '.+?' rows and flags ([\d,]+) others"
)
GRID_FONT = "400 14px 'Source Sans', sans-serif"  # st.dataframe's cell font
CELL_PADDING = 8  # px each side of a cell's text (--gdg-cell-horizontal-padding)
# The width the columns' texts need: per column its widest text plus padding, summed.
MEASURE = f"""columns => {{
  const ctx = document.createElement('canvas').getContext('2d');
  ctx.font = "{GRID_FONT}";
  return columns.reduce((sum, texts) =>
    sum + Math.max(...texts.map(t => ctx.measureText(t).width)) + 2 * {CELL_PADDING}, 0);
}}"""


def _int(text: str) -> int:
    return int(text.replace(",", ""))


def _expected() -> tuple[Comparison, CompareConfig]:
    ds = load_dataset(SAMPLE, TARGET)
    assert ds.task == "binary" and ds.classes == ("0", POSITIVE)
    config = CompareConfig(
        strategies=STRATEGIES,
        cv=FOLDS,
        holdout=HOLDOUT,
        n_jobs=1,
        options=StrategyOptions().validated(ds),  # the page's defaults (cost matrix, objective)
        important_class=POSITIVE,
    )
    comparison = run_comparison(ds, config)
    assert all(r.ok for r in comparison.results.values())
    return comparison, config


def _grid_rows(frame: Locator) -> list[list[str]]:
    """Body rows of an st.dataframe from the ARIA table Glide keeps beside its canvas: each
    row's header cell (the index, if shown) and its cells, as text."""
    rows = []
    for row in frame.locator("[role=row]").all():
        cells = row.locator("[role=rowheader], [role=gridcell]").all_inner_texts()
        if cells:
            rows.append([c.strip() for c in cells])
    return rows


def _grid_header(frame: Locator) -> list[str]:
    return [h.strip() for h in frame.locator("[role=columnheader]").all_inner_texts()]


def _markdown(page: Page, starts: str) -> str:
    box = page.get_by_test_id("stMarkdownContainer").filter(has_text=starts)
    expect(box).to_have_count(1)
    return box.inner_text().replace("\n", " ")


def _set_holdout(page: Page) -> None:
    """Move the "Hold-out share" slider to HOLDOUT with the keyboard, as a user can."""
    box = page.get_by_test_id("stSlider").filter(has=page.get_by_text("Hold-out share"))
    thumb = box.get_by_role("slider")
    thumb.focus()
    for _ in range(round(HOLDOUT / 0.05)):
        thumb.press("ArrowRight")
    expect(thumb).to_have_attribute("aria-valuetext", f"{HOLDOUT:.2f}")
    thumb.blur()
    settled(page)


def _check_strategy(page: Page, comparison: Comparison, name: str) -> None:
    result = comparison.results[name]
    j = comparison.classes.index(POSITIVE)
    y = np.asarray(comparison.y_true)
    cm = confusion_matrix(y, np.asarray(result.oof_pred), labels=range(len(comparison.classes)))
    tn, fp, fn, tp = (int(v) for v in cm.ravel())
    p, r, f, support = precision_recall_fscore_support(
        y, np.asarray(result.oof_pred), labels=[j], zero_division=0
    )

    # ---- item 1: the decision's lines
    # waits for the page to be redrawn for ``name`` (a rerun may start after settled())
    line = page.get_by_test_id("stMarkdownContainer").filter(
        has_text="The strategy's decision (as in the table):"
    )
    expect(line).to_contain_text(
        decision_of(comparison, strategy_details(comparison, name), POSITIVE).description
    )
    kind = {"baseline": "one cut at 0.50", "threshold_tuning": "a tuned cut per fold",
            "cost_sensitive": "expected-cost rule"}[name]  # fmt: skip
    assert kind in line.inner_text(), line.inner_text()
    settled(page)
    m = COUNTS.search(_markdown(page, "It finds "))
    assert m, _markdown(page, "It finds ")
    found, positives, cls, flagged = _int(m[1]), _int(m[2]), m[3], _int(m[4])
    prec, rec, f1 = float(m[5]), float(m[6]), float(m[7])
    counts = tuple(_int(m[i]) for i in range(8, 12))
    assert cls == POSITIVE
    assert (found, positives, flagged) == (tp, tp + fn, fp), (name, m[0])
    assert counts == (tp, fp, fn, tn), (name, m[0])
    for shown, want in ((prec, p[0]), (rec, r[0]), (f1, f[0])):
        assert math.isclose(shown, round(float(want), 3), abs_tol=1e-9), (name, m[0])

    # ... and the per-class table on the same page says the same
    table = page.get_by_test_id("stDataFrame").filter(
        has=page.locator("[role=columnheader]", has_text="F1 over folds")
    )
    expect(table).to_have_count(1)
    header = _grid_header(table)
    rows = {cells[0]: cells for cells in _grid_rows(table)}
    assert sorted(rows) == sorted(comparison.classes), rows
    row = rows[POSITIVE]
    for title, shown in (("Precision", prec), ("Recall", rec), ("F1", f1)):
        cell = row[header.index(title)]
        assert math.isclose(float(cell), shown, abs_tol=5e-4), (name, title, cell, shown)
    assert _int(row[header.index("Support")]) == positives == int(support[0])

    # ... and so does the confusion matrix (counts tab): rows true, columns predicted
    heat = page.get_by_test_id("stPlotlyChart").filter(has_text="Confusion matrix (rows: true")
    expect(heat).to_have_count(1)
    cells = heat.locator(".heatmaplayer text").all_text_contents()
    assert [_int(c) for c in cells] == [tn, fp, fn, tp], (name, cells)

    # ---- item 2: the count table under the slider, whole numbers in full
    start_line = _markdown(page, "What one cut would give:")
    start = float(START.search(start_line)[1])
    slider = page.get_by_test_id("stSlider").filter(has=page.get_by_text("Decision threshold"))
    expect(slider.get_by_role("slider")).to_have_attribute("aria-valuetext", f"{start:.2f}")
    scores = np.asarray(result.oof_proba, dtype=float)[:, j]
    cut = (scores >= start).astype(int)
    ctn, cfp, cfn, ctp = (int(v) for v in confusion_matrix(y == j, cut, labels=[0, 1]).ravel())
    if "There it gives exactly the decision's counts." in start_line:
        assert (ctp, cfp, cfn, ctn) == (tp, fp, fn, tn), (name, start_line)
    else:  # the single cut's counts differ from the decision's: the page says by how much
        single = SINGLE.search(start_line)
        assert single, start_line
        assert float(single[1]) == start
        assert (_int(single[2]), _int(single[3]), _int(single[4])) == (ctp, ctp + cfn, cfp)
    counts_table = page.get_by_test_id("stDataFrame").filter(
        has=page.locator("[role=columnheader]", has_text=f"predicted {POSITIVE}")
    )
    expect(counts_table).to_have_count(1)
    assert _grid_header(counts_table)[-2:] == [f"predicted {POSITIVE}", "predicted other"]
    grid = _grid_rows(counts_table)
    assert [r[0] for r in grid] == [f"true {POSITIVE}", "true other"], grid
    counts = [[_int(t) for t in cells[1:]] for cells in grid]
    assert counts == [[ctp, cfn], [cfp, ctn]], (name, grid)
    for cells in grid:  # whole counts (the ARIA mirror holds the raw values, "3915")
        assert all(t.isdigit() for t in cells[1:]), (name, grid)
    # The canvas paints them localized ("3,915"): nothing is cut when every column is as wide
    # as its widest text (headers included) in the grid's font, plus its cell padding.
    header = _grid_header(counts_table)
    columns = [[header[0], *(c[0] for c in grid)]] + [
        [header[i], *(f"{v[i - 1]:,}" for v in counts)] for i in (1, 2)
    ]
    need = page.evaluate(MEASURE, columns)
    canvas = counts_table.get_by_test_id("data-grid-canvas")
    width = canvas.bounding_box()["width"]
    assert width >= need, (name, width, need, columns)


def test_results_panels_agree_on_the_sample(page: Page, streamlit_server) -> None:
    comparison, config = _expected()
    sidebar = page.get_by_test_id("stSidebar")
    page.goto(streamlit_server.url)
    expect(sidebar).to_contain_text("card_fraud.csv (sample)", timeout=LOAD_MS)
    expect(sidebar).to_contain_text(f"target: {TARGET}", timeout=LOAD_MS)
    settled(page, LOAD_MS)

    # ---------------------------------------------------------------- Strategies: run
    open_page(page, "Strategies")
    folds = page.get_by_test_id("stNumberInput").filter(has=page.get_by_text("Folds", exact=True))
    folds.locator("input").fill(str(FOLDS))
    folds.locator("input").press("Enter")
    settled(page)
    pick_strategies(page, STRATEGIES)
    expect(folds.locator("input")).to_have_value(str(FOLDS))
    _set_holdout(page)
    page.get_by_role("button", name="Run comparison").click()
    heading = page.get_by_test_id("stHeading").get_by_role("heading", name="Diagnosis", exact=True)
    expect(heading).to_be_visible(timeout=RUN_MS)
    settled(page, RUN_MS)

    # ---------------------------------------------------------------- Results
    open_page(page, "Results")
    rows = comparison.dataset.n_rows - comparison.dataset.n_holdout_rows
    expect(page.get_by_text(f"every one of the {rows:,} rows is predicted once")).to_be_visible()
    for name in STRATEGIES:
        choose(page, "Strategy", name)
        settled(page)
        _check_strategy(page, comparison, name)

        # ---- item 4: the hold-out panel is a table of metric rows, never a dict
        panel = page.get_by_test_id("stExpander").filter(has_text="Hold-out (natural prevalence")
        expect(panel).to_have_count(1)
        if not panel.get_by_test_id("stDataFrame").first.is_visible():
            panel.locator("summary").click()
        frame = panel.get_by_test_id("stDataFrame").first
        expect(frame).to_be_visible()
        expect(frame.locator("[role=columnheader]")).to_have_count(4)  # drawn once opened
        assert _grid_header(frame) == [
            "Metric", "Cross-validated", "Hold-out", "Hold-out − cross-validated",
        ]  # fmt: skip
        hold = comparison.results[name].holdout.summary
        metric_rows = {cells[0]: cells for cells in _grid_rows(frame)}
        keys = [k for k in HEADLINE_METRICS[comparison.task] if k in hold]
        assert keys and all(metric_title(k) in metric_rows for k in keys), metric_rows
        for key in keys:
            shown = metric_rows[metric_title(key)][2]
            assert math.isclose(float(shown), hold[key], abs_tol=1e-9), (key, shown)  # raw
        assert "{" not in panel.inner_text() and "}" not in panel.inner_text()
        expect(panel.get_by_test_id("stJson")).to_have_count(0)
    expect(page.get_by_test_id("stException")).to_have_count(0)
    assert config.holdout == HOLDOUT
