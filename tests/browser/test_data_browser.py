"""The Data page in a real browser: sample on open, CSV upload, target choice, Plotly charts."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from pageops import RERUN_MS, choose, metric, settled
from playwright.sync_api import Page, expect

from core.intake.dataset import load_dataset

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "tests" / "artifacts"
LOAD_MS = 60_000  # first open: the server reads and profiles the 5,000-row sample
# Under CI load a run can pause between a script run and the rerun it asks for, so every
# expectation waits as long as a rerun may take (Playwright's default is 5 s).
expect.set_options(timeout=RERUN_MS)


def _churn_csv(path: Path) -> Path:
    """A seeded binary CSV (target 'churn', 15% positive) with a 3-class 'segment' column."""
    rng = np.random.default_rng(11)
    n = 420
    churn = (rng.random(n) < 0.15).astype(int)
    frame = pd.DataFrame(
        {
            "usage_hours": (rng.normal(10, 3, n) - 4 * churn).round(2),
            "tickets": rng.poisson(1 + 2 * churn),
            "plan": rng.choice(["free", "pro", "team"], n, p=[0.6, 0.3, 0.1]),
            "segment": rng.choice(["retail", "smb", "enterprise"], n, p=[0.7, 0.25, 0.05]),
            "churn": churn,
        }
    )
    buf = io.StringIO()
    frame.to_csv(buf, index=False)
    path.write_text(buf.getvalue(), encoding="utf-8")
    return path


def _screenshot_whole_page(page: Page, path: Path) -> None:
    """Streamlit scrolls inside its main element, so ``full_page`` alone shows one screen:
    grow the viewport to the content's height first."""
    main = page.get_by_test_id("stMain")
    height = int(main.evaluate("el => el.scrollHeight"))
    page.set_viewport_size({"width": page.viewport_size["width"], "height": min(height, 15_000)})
    main.evaluate("el => el.scrollTo(0, 0)")
    expect(page.get_by_test_id("stPlotlyChart").first).to_be_in_viewport()
    path.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(path), full_page=True)


def test_data_page_upload_pick_target_and_see_charts(page: Page, streamlit_server, tmp_path):
    sample = load_dataset(ROOT / "sample_data" / "card_fraud.csv", "is_fraud")
    csv = _churn_csv(tmp_path / "churners.csv")
    uploaded = load_dataset(csv, "segment")

    page.goto(streamlit_server.url)
    sidebar = page.get_by_test_id("stSidebar")
    expect(sidebar).to_contain_text("card_fraud.csv (sample)", timeout=LOAD_MS)
    settled(page, LOAD_MS)
    expect(page.get_by_role("heading", name="Data", exact=True)).to_be_visible()
    expect(metric(page, "Rows analysed")).to_have_text(f"{sample.n_rows:,}")
    expect(metric(page, "Task")).to_have_text("binary")

    page.get_by_test_id("stFileUploaderDropzoneInput").set_input_files(csv)
    # The sidebar changes only on the rerun after a load, so once it names the new target
    # (the suggested one), the page below it is final when the run settles.
    expect(sidebar).to_contain_text("target: churn", timeout=RERUN_MS)
    settled(page)
    expect(metric(page, "Rows analysed")).to_have_text(f"{uploaded.n_rows:,}")
    expect(page.get_by_text("Current file: churners.csv")).to_be_visible()
    expect(page.get_by_role("heading", name="Schema report")).to_be_visible()
    expect(page.get_by_test_id("stDataFrame").last).to_be_visible()

    choose(page, "Target column", "segment")
    expect(sidebar).to_contain_text("target: segment", timeout=RERUN_MS)
    settled(page)
    expect(metric(page, "Task")).to_have_text("multiclass")
    expect(metric(page, "Classes")).to_have_text(str(len(uploaded.classes)))
    schema = page.get_by_test_id("stDataFrame").last  # the schema report's (hidden) ARIA grid
    why = next(d.reason for d in uploaded.schema if d.column == "segment")
    reason = schema.locator("[role=gridcell]").get_by_text(why, exact=True)
    expect(reason).to_have_count(1)

    chart = page.get_by_test_id("stPlotlyChart").first  # class balance
    expect(chart.locator(".js-plotly-plot svg.main-svg").first).to_be_visible(timeout=RERUN_MS)
    for name in uploaded.classes:  # its bars are labelled with every class
        expect(chart.locator("g.xtick text").filter(has_text=name)).to_have_count(1)
    expect(page.get_by_test_id("stException")).to_have_count(0)

    _screenshot_whole_page(page, ARTIFACTS / "data_page.png")
