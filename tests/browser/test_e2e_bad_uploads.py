"""Bad uploads in a real browser: a zip renamed .csv, an empty file and a one-class file each
show a clear error (the message tests/data/bad/EXPECTED.md documents) with st.error, never an
exception box, and the app stays usable: the previous dataset stays loaded and a good sample
loads afterwards."""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest
from pageops import RERUN_MS, choose, metric, settled
from playwright.sync_api import Locator, Page, expect

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
BAD = ROOT / "tests" / "data" / "bad"
LOAD_MS = 60_000  # first open: the server reads and profiles the 5,000-row sample
expect.set_options(timeout=RERUN_MS)
OUTCOME = re.compile(r"refused when (?P<stage>read|the target is chosen): (?P<message>.+)")


def documented_refusals() -> dict[str, tuple[str, str]]:
    """{file: (stage, message)} of every refused file in EXPECTED.md's table, unescaped."""
    refusals = {}
    for line in (BAD / "EXPECTED.md").read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in re.split(r"(?<!\\)\|", line)[1:-1]]
        if len(cells) != 4 or not cells[0].startswith("`"):
            continue
        found = OUTCOME.fullmatch(html.unescape(cells[3]).replace("\\|", "|"))
        if found:
            stage = "read" if found["stage"] == "read" else "target"
            refusals[cells[0].strip("`")] = (stage, found["message"])
    return refusals


REFUSED = documented_refusals()


def _errors(page: Page) -> Locator:
    return page.get_by_test_id("stAlertContentError")


def _no_exception(page: Page) -> None:
    expect(page.get_by_test_id("stException")).to_have_count(0)
    for text in _errors(page).all_inner_texts():
        assert "Traceback" not in text, text


def _upload(page: Page, name: str) -> None:
    page.get_by_test_id("stFileUploaderDropzoneInput").set_input_files(BAD / name)


def test_the_corpus_documents_the_three_files():
    """The messages this test expects on screen come from EXPECTED.md itself."""
    assert REFUSED["zip_renamed.csv"][0] == "read"
    assert REFUSED["empty.csv"] == (
        "read",
        "The file is empty (0 bytes). Upload a CSV with a header row and data.",
    )
    assert REFUSED["one_class.csv"][0] == "target"
    assert "&gt;" not in "".join(m for _, m in REFUSED.values())  # unescaped


def test_three_bad_uploads_show_clear_errors_and_the_app_stays_usable(page: Page, streamlit_server):
    page.goto(streamlit_server.url)
    sidebar = page.get_by_test_id("stSidebar")
    expect(sidebar).to_contain_text("card_fraud.csv (sample)", timeout=LOAD_MS)
    settled(page, LOAD_MS)
    expect(metric(page, "Rows analysed")).to_have_text("5,000")

    # ------------------------------------------------ refused when read: the file is no CSV
    for name in ("zip_renamed.csv", "empty.csv"):
        stage, message = REFUSED[name]
        assert stage == "read"
        _upload(page, name)
        expect(_errors(page)).to_have_text([f"{name} could not be loaded: {message}"])
        settled(page)
        _no_exception(page)
        # the previous dataset stays loaded and shown
        expect(sidebar).to_contain_text("card_fraud.csv (sample)")
        expect(page.get_by_text("Current file: card_fraud.csv")).to_be_visible()
        expect(metric(page, "Rows analysed")).to_have_text("5,000")

    # ------------------------------------------------ refused when its target is chosen
    name = "one_class.csv"
    stage, message = REFUSED[name]
    assert stage == "target"
    _upload(page, name)
    # It reads fine, so it loads with the suggested target ('target' has one class, so the
    # suggestion is another column); the sidebar changes on the rerun after the load.
    expect(sidebar).to_contain_text(name)
    settled(page)
    expect(_errors(page)).to_have_count(0)
    choose(page, "Target column", "target")
    expect(_errors(page)).to_have_text([message])
    settled(page)
    _no_exception(page)
    expect(page.get_by_test_id("stMetric")).to_have_count(0)  # no numbers for that target

    # ------------------------------------------------ still usable: a good sample loads
    choose(page, "Sample dataset", "Machine states (3 classes, overlapping minority)")
    settled(page)
    page.get_by_role("button", name="Use a sample dataset").click()
    expect(sidebar).to_contain_text("machine_states.csv (sample)")
    settled(page)
    expect(_errors(page)).to_have_count(0)
    expect(metric(page, "Task")).to_have_text("multiclass")
    expect(metric(page, "Rows analysed")).to_have_text("3,000")
    _no_exception(page)
    # ... and can be analysed: the Strategies page offers a run
    page.get_by_test_id("stSidebarNav").get_by_role("link", name="Strategies", exact=True).click()
    expect(page.get_by_role("heading", name="Strategies", exact=True)).to_be_visible()
    settled(page)
    expect(page.get_by_role("button", name="Run comparison")).to_be_enabled()
    _no_exception(page)
