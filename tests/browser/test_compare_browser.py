"""The whole journey in a real browser: upload a CSV, pick its target, run three strategies,
land on Diagnosis (the verdict, the causes), read the Compare table, see the Results charts;
a full-page screenshot of every page.

Screenshots go to tests/artifacts/<page>.png on every run. ``UPDATE_SCREENSHOTS=1`` also
refreshes the README's copies in docs/screenshots/ (tracked files, so not on every run).
"""

from __future__ import annotations

import math
import os
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from pageops import RERUN_MS, choose, open_page, pick_strategies, settled
from playwright.sync_api import Locator, Page, expect

from core.analysis.diagnosis import diagnose
from core.analysis.recommendation import recommendation_of
from core.evaluation.comparison import CompareConfig, run_comparison
from core.evaluation.diagnostic_fits import diagnostic_fits
from core.intake.dataset import load_dataset
from core.profile.measures import build_profile
from core.report.diagnosis import next_steps, verdict_kind, verdict_line

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "tests" / "artifacts"
DOCS = ROOT / "docs" / "screenshots"
LOAD_MS = 60_000  # first open: the server reads and profiles the 5,000-row sample
RUN_MS = 180_000  # 3 strategies x 3 folds on 600 rows, sharing 2 cores with other tests
TARGET = "risk_tier"
CLASSES = ("high", "low", "medium")
STRATEGIES = ("baseline", "random_over", "class_weight")  # the order the user ends up with
FOLDS = 3
# Under CI load a run can pause between a script run and the rerun it asks for, so every
# expectation waits as long as a rerun may take (Playwright's default is 5 s).
expect.set_options(timeout=RERUN_MS)
MAX_DOC_PNG = 600_000  # bytes; the README's screenshots are committed
DOC_HEIGHT = 2_400  # px kept of a page for the README (its top)
ALERT = {"success": "stAlertContentSuccess", "info": "stAlertContentInfo",
         "warning": "stAlertContentWarning"}  # fmt: skip
MARKS = ".heatmaplayer .hm image, .scatterlayer path.js-line, .barlayer .point path"  # drawn data

# Records the text of every progress bar that appears, however briefly (a fast run can
# come and go between two polls of an ``expect``).
WATCH_PROGRESS = """() => {
  window.__progress = [];
  const seen = () => document.querySelectorAll('[data-testid="stProgress"]').forEach(
    el => window.__progress.push(el.textContent));
  new MutationObserver(seen).observe(document.body,
    {subtree: true, childList: true, characterData: true});
}"""


def _loans_csv(path: Path) -> Path:
    """600 seeded rows: target 'risk_tier' (low 60% / medium 33% / high 7%), two categorical
    columns; 'channel' comes last, so the app suggests it and the user must pick the target."""
    rng = np.random.default_rng(7)
    n = 600
    tier = rng.choice(["low", "medium", "high"], n, p=[0.62, 0.3, 0.08])
    shift = pd.Series(tier).map({"low": 0.0, "medium": 1.2, "high": 2.6}).to_numpy()
    frame = pd.DataFrame(
        {
            "income": (rng.normal(50, 12, n) - 6 * shift).round(1),
            "debt_ratio": (rng.normal(0.3, 0.1, n) + 0.08 * shift).round(3),
            "late_payments": rng.poisson(0.5 + shift),
            "region": rng.choice(["north", "south", "east", "west"], n, p=[0.4, 0.3, 0.2, 0.1]),
            TARGET: tier,
            "channel": rng.choice(["web", "branch", "phone"], n, p=[0.5, 0.35, 0.15]),
        }
    )
    frame.to_csv(path, index=False)
    return path


def _grid_rows(frame: Locator) -> list[list[str]]:
    """The body rows of an st.dataframe, read from the ARIA table that Glide Data Grid keeps
    next to its canvas (the cells are painted, not in the DOM). Glide renders only the
    cells in view, so this suits small tables: their rows and first ~10 columns."""
    rows = (
        row.locator("[role=gridcell]").all_inner_texts()
        for row in frame.locator("[role=row]").all()
    )
    return [cells for cells in rows if cells]  # the header row has column headers only


def _grid_header(frame: Locator) -> list[str]:
    return frame.locator("[role=columnheader]").all_inner_texts()


def _screenshot(page: Page, name: str) -> Path:
    """A full-page screenshot to tests/artifacts/<name>.png. Streamlit scrolls inside its
    main element, so ``full_page`` alone shows one screen: grow the viewport to the content
    first, let the charts redraw at that size, then restore the viewport."""
    size = dict(page.viewport_size)
    main = page.get_by_test_id("stMain")
    height = int(main.evaluate("el => el.scrollHeight"))
    page.set_viewport_size({"width": size["width"], "height": min(max(height, 600), 15_000)})
    main.evaluate("el => el.scrollTo(0, 0)")
    page.evaluate("document.activeElement && document.activeElement.blur()")  # no focus ring
    settled(page)
    charts = page.get_by_test_id("stPlotlyChart")
    for i in range(charts.count()):  # only charts in open tabs are drawn
        if charts.nth(i).is_visible():
            expect(charts.nth(i).locator(".main-svg").first).to_be_attached()
    path = ARTIFACTS / f"{name}.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(path), full_page=True, animations="disabled", caret="hide")
    if os.environ.get("UPDATE_SCREENSHOTS") == "1" and name in ("data", "compare"):
        _save_for_readme(page, name, height)
    page.set_viewport_size(size)
    return path


def _save_for_readme(page: Page, name: str, height: int) -> None:
    """The top of the page, small enough to commit, to docs/screenshots/<name>.png."""
    DOCS.mkdir(parents=True, exist_ok=True)
    width = page.viewport_size["width"]
    clip = {"x": 0, "y": 0, "width": width, "height": min(height, DOC_HEIGHT)}
    out = DOCS / f"{name}.png"
    page.screenshot(path=str(out), clip=clip, animations="disabled", caret="hide")
    if out.stat().st_size > MAX_DOC_PNG:
        pytest.fail(f"{out} is {out.stat().st_size:,} bytes; keep README images under 600 KB")


def test_upload_run_three_strategies_and_compare(page: Page, streamlit_server, tmp_path):
    csv = _loans_csv(tmp_path / "loans.csv")
    ds = load_dataset(csv, TARGET)
    assert ds.task == "multiclass" and ds.classes == CLASSES
    expected = run_comparison(ds, CompareConfig(strategies=STRATEGIES, cv=FOLDS, n_jobs=1))
    assert all(r.ok for r in expected.results.values())
    sidebar = page.get_by_test_id("stSidebar")

    # ------------------------------------------------------------ Data: upload, pick target
    page.goto(streamlit_server.url)
    expect(sidebar).to_contain_text("card_fraud.csv (sample)", timeout=LOAD_MS)
    settled(page, LOAD_MS)
    page.get_by_test_id("stFileUploaderDropzoneInput").set_input_files(csv)
    expect(sidebar).to_contain_text("target: channel")  # the suggestion
    settled(page)
    choose(page, "Target column", TARGET)
    expect(sidebar).to_contain_text(f"target: {TARGET}")
    expect(sidebar).to_contain_text(f"{ds.n_rows:,} rows · multiclass")
    settled(page)
    expect(page.get_by_text("Current file: loans.csv")).to_be_visible()
    bars = page.get_by_test_id("stPlotlyChart").first  # class balance, one bar per class
    ticks = bars.locator("g.xtick text")
    expect(ticks).to_have_count(len(CLASSES))
    assert sorted(ticks.all_text_contents()) == sorted(CLASSES)
    _screenshot(page, "data")

    # ------------------------------------------------------------ Strategies: pick and run
    open_page(page, "Strategies")
    folds = page.get_by_test_id("stNumberInput").filter(has=page.get_by_text("Folds", exact=True))
    folds.locator("input").fill(str(FOLDS))
    folds.locator("input").press("Enter")
    pick_strategies(page, STRATEGIES)  # each change waits for the server's redraw
    expect(folds.locator("input")).to_have_value(str(FOLDS))

    page.evaluate(WATCH_PROGRESS)
    page.get_by_role("button", name="Run comparison").click()

    # ------------------------------------------------------------ Diagnosis: where it lands
    heading = page.get_by_test_id("stHeading").get_by_role("heading", name="Diagnosis", exact=True)
    expect(heading).to_be_visible(timeout=RUN_MS)
    done = page.get_by_test_id("stCaptionContainer").filter(has_text="Compared 3 strategies")
    expect(done).to_contain_text(f"Compared 3 strategies on {FOLDS} folds.", timeout=RUN_MS)
    settled(page, RUN_MS)
    progress = page.evaluate("window.__progress")
    assert progress, "no progress bar appeared while the comparison ran"
    # Updates may be merged on the way (the last one with the bar's removal), but the bar
    # named at least one fit out of strategies x folds.
    total = len(STRATEGIES) * FOLDS
    names = "|".join(STRATEGIES)
    fits = re.compile(rf"Fitted ({names}), fold [1-{FOLDS}] of {FOLDS} \(\d+/{total} fits\)")
    assert any(fits.search(text) for text in progress), progress
    expect(page.get_by_test_id("stProgress")).to_have_count(0)  # removed when finished
    expect(page.get_by_role("button", name="Cancel run")).to_have_count(0)  # so is Cancel
    expect(page.get_by_role("link", name="See the comparison")).to_be_visible()
    # the verdict opens the page, in the colour of its strength (green only for a clear winner)
    rec = recommendation_of(expected)
    box = page.get_by_test_id(ALERT[verdict_kind(rec.verdict)]).first
    expect(box).to_contain_text(verdict_line(rec))
    if rec.verdict != "clear_winner":
        expect(page.get_by_test_id("stAlertContentSuccess")).to_have_count(0)
    # then the causes, in core's rank order, those found open
    found = diagnose(
        expected,
        profile=build_profile(ds),
        dataset=ds,
        fits=diagnostic_fits(ds, expected.config, important_class=expected.important_class),
    )
    causes = page.get_by_test_id("stExpander").locator("summary")
    expect(causes).to_have_count(len(found.causes))
    labels = causes.all_inner_texts()
    for label, cause in zip(labels, found.causes, strict=True):
        assert cause.title in label, (label, cause.title)
    expect(page.get_by_text("What to do next", exact=True)).to_be_visible()
    steps = page.get_by_test_id("stMarkdownContainer").filter(has=page.locator("ol")).last
    expect(steps.locator("li")).to_have_count(len(next_steps(found)))
    expect(page.get_by_test_id("stException")).to_have_count(0)
    _screenshot(page, "diagnosis")
    open_page(page, "Strategies")
    _screenshot(page, "strategies")

    # ------------------------------------------------------------ Compare: the table
    open_page(page, "Compare")
    table = page.get_by_test_id("stDataFrame").first
    expect(table).to_be_visible()
    expect(table.locator("[role=row]")).to_have_count(1 + len(STRATEGIES))  # header + rows
    # the deciding columns fit the window; accuracy is one pick away ("More columns")
    assert "Accuracy" not in _grid_header(table)
    more = page.get_by_test_id("stMultiSelect").filter(has=page.get_by_text("More columns"))
    more.get_by_role("combobox").click()
    page.get_by_role("option", name="Accuracy", exact=True).click()
    page.keyboard.press("Escape")
    expect(more).to_contain_text("Accuracy")  # the pick registered (a busy CPU can lag it)
    settled(page)
    accuracy = table.locator("[role=columnheader]").filter(has_text=re.compile(r"^Accuracy$"))
    expect(accuracy).to_have_count(1, timeout=10_000)  # the rerun redrew the table
    header = _grid_header(table)
    assert header[:2] == ["Strategy", "Status"] and "McNemar p" in header, header
    at = header.index("Accuracy")
    rows = {cells[0]: cells for cells in _grid_rows(table)}
    assert sorted(rows) == sorted(STRATEGIES)
    for name, cells in rows.items():
        assert cells[1] == "ok"
        want = expected.results[name].summary["accuracy"]
        assert math.isclose(float(cells[at]), want, abs_tol=1e-9), (name, cells[at], want)
    # the verdict's box (green only for a clear winner, so any alert kind)
    advice = page.locator("[data-testid^='stAlertContent']").filter(has_text="Recommended: ").first
    expect(advice).to_contain_text("Recommended: ")
    assert any(f"Recommended: {n}." in advice.inner_text() for n in STRATEGIES)
    per_class = page.get_by_test_id("stPlotlyChart").first  # grouped bars: strategy x class
    ticks = per_class.locator("g.xtick text")
    expect(ticks).to_have_count(len(STRATEGIES))
    assert sorted(ticks.all_text_contents()) == sorted(STRATEGIES)
    legend = per_class.locator("g.legend text.legendtext")
    assert sorted(legend.all_text_contents()) == sorted(CLASSES)
    expect(page.get_by_test_id("stException")).to_have_count(0)
    _screenshot(page, "compare")

    # ------------------------------------------------------------ Results: charts drawn
    open_page(page, "Results")
    expect(page.get_by_text(f"({FOLDS} folds, model logistic_regression, seed 0)")).to_be_visible()
    per_class_table = page.get_by_test_id("stDataFrame").first
    expect(per_class_table.locator("[role=row]")).to_have_count(1 + len(CLASSES))
    assert sorted(r[0] for r in _grid_rows(per_class_table)) == sorted(CLASSES)
    charts = page.get_by_test_id("stPlotlyChart").filter(visible=True)
    last = charts.filter(has_text="F1 on training vs validation folds")  # the page's end
    expect(last.locator(".js-plotly-plot .main-svg").first).to_be_visible()
    n_visible = charts.count()
    assert n_visible >= 4, n_visible  # confusion, threshold curve, PR curves, train/validation
    for i in range(n_visible):
        expect(charts.nth(i).locator(".js-plotly-plot .main-svg").first).to_be_visible()
        expect(charts.nth(i).locator(MARKS)).not_to_have_count(0)  # not an empty frame
    expect(page.get_by_test_id("stException")).to_have_count(0)
    _screenshot(page, "results")

    for name in ("data", "strategies", "diagnosis", "compare", "results"):
        assert (ARTIFACTS / f"{name}.png").stat().st_size > 10_000
