"""Diagnose predictions you already have, in a real browser: upload the bundled scored
validation set through the Data page's predictions uploader, set the class shares met in
use, diagnose, read the per-class table on Results and download the report (issue 14)."""

from __future__ import annotations

from pathlib import Path

import pytest
from pageops import RERUN_MS, open_page, settled
from playwright.sync_api import Page, expect

from core.analysis.deployment import deployment_estimate
from core.analysis.recommendation import recommendation_of
from core.evaluation.scored import comparison_from_predictions
from core.intake.predictions import load_predictions

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "tests" / "artifacts"
FILE = "scored_validation.csv"
CSV = ROOT / "sample_data" / FILE
SHARES = {"0": 0.4565, "1": 0.4565, "2": 0.087}  # class 2 is 1 row in 11.5 in use
LOAD_MS = 60_000  # first open: the server reads and profiles the default sample
REPORT_MS = 120_000
expect.set_options(timeout=RERUN_MS)


def _screenshot(page: Page, name: str) -> Path:
    """The whole page (Streamlit scrolls inside its main element: grow the viewport to the
    content first, then restore it) to tests/artifacts/<name>.png."""
    size = dict(page.viewport_size)
    main = page.get_by_test_id("stMain")
    height = int(main.evaluate("el => el.scrollHeight"))
    page.set_viewport_size({"width": size["width"], "height": min(max(height, 600), 15_000)})
    main.evaluate("el => el.scrollTo(0, 0)")
    page.evaluate("document.activeElement && document.activeElement.blur()")
    settled(page)
    path = ARTIFACTS / f"{name}.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(path), full_page=True, animations="disabled", caret="hide")
    page.set_viewport_size(size)
    return path


def _set_share(page: Page, cls: str, value: float) -> None:
    label = f"Share of '{cls}' in use"
    box = page.get_by_test_id("stNumberInput").filter(has=page.get_by_text(label, exact=True))
    field = box.locator("input")
    field.fill(f"{value:.4f}")
    field.press("Enter")
    settled(page)


def test_upload_predictions_diagnose_results_and_report(page: Page, streamlit_server):
    pset = load_predictions(CSV, target="label")
    expected = comparison_from_predictions(pset, cv=5, seed=0, important_class="2")
    shown = recommendation_of(expected).strategy
    in_use = deployment_estimate(expected, "one_vs_all", SHARES).per_class.set_index("class")
    sidebar = page.get_by_test_id("stSidebar")

    # ------------------------------------------------------------ Data: the second way in
    page.goto(streamlit_server.url)
    expect(sidebar).to_contain_text("card_fraud.csv (sample)", timeout=LOAD_MS)
    settled(page, LOAD_MS)
    page.get_by_text("Diagnose predictions you already have", exact=True).click()
    expect(page.get_by_text("Upload predictions (CSV)", exact=True)).to_be_visible()
    settled(page)
    page.get_by_test_id("stFileUploaderDropzoneInput").set_input_files(CSV)
    expect(sidebar).to_contain_text(FILE)
    expect(sidebar).to_contain_text("Predictions mode")
    settled(page)
    expect(page.get_by_text(f"Current predictions file: {FILE}")).to_be_visible()
    for line in pset.layout.describe():
        expect(page.get_by_text(line, exact=False)).to_be_visible()
    for cls, share in SHARES.items():
        _set_share(page, cls, share)
    page.get_by_role("button", name="Diagnose these predictions").click()
    expect(page.get_by_text("Diagnosed 4 decisions of 2 model(s)")).to_be_visible()
    expect(sidebar).to_contain_text("1,200 rows · multiclass · target: label")
    expect(page.get_by_text("differ strongly from the evaluation data")).to_be_visible()
    settled(page)
    table = page.get_by_test_id("stDataFrame").last  # the class in use, per decision
    expect(table).to_contain_text("one_vs_all")
    expect(table).to_contain_text("Recall of '2'")  # the rarest class in use
    precision = float(in_use.loc["2", "precision"])
    assert f"{precision:.3f}" == "0.257"  # the analyst's 0.25-0.26
    expect(table).to_contain_text(repr(precision))  # the grid's text holds the full number
    expect(page.get_by_test_id("stException")).to_have_count(0)
    _screenshot(page, "predictions")

    # ------------------------------------------------------------ Results: per-class table
    open_page(page, "Results")
    expect(page.get_by_text("No training rows: these are predictions")).to_be_visible()
    per_class = page.get_by_test_id("stDataFrame").first
    f1 = expected.results[shown].per_class.set_index("class")["f1"]
    for cls in ("0", "1", "2"):
        expect(per_class).to_contain_text(f"{f1[cls]:.3f}")
    expect(page.get_by_test_id("stException")).to_have_count(0)
    _screenshot(page, "predictions-results")

    # ------------------------------------------------------------ Report: download the HTML
    open_page(page, "Report", REPORT_MS)
    button = page.get_by_role("button", name="Download HTML report")
    expect(button).to_be_enabled(timeout=REPORT_MS)
    with page.expect_download(timeout=REPORT_MS) as info:
        button.click()
    download = info.value
    assert download.failure() is None
    report = Path(download.path()).read_text(encoding="utf-8")
    assert report.lstrip().lower().startswith("<!doctype html>")
    assert f"Imbalance report: {FILE}" in report
    for name in expected.results:
        assert name in report, name
    expect(page.get_by_test_id("stException")).to_have_count(0)
    assert "Traceback" not in streamlit_server.log_text()
