"""What the browser tests do to a page, as a user would: wait for the server, open a page by
its sidebar link, pick from a select box or the "Strategies" multiselect, read a metric."""

from __future__ import annotations

from playwright.sync_api import Locator, Page, expect

RERUN_MS = 30_000  # a rerun after an interaction, on a loaded 2-core machine


def settled(page: Page, timeout: float = RERUN_MS) -> None:
    """Wait until the script run (and any rerun it asked for) has finished."""
    app = page.get_by_test_id("stApp")
    expect(app).to_have_attribute("data-test-script-state", "notRunning", timeout=timeout)


def open_page(page: Page, title: str, timeout: float = RERUN_MS) -> None:
    """Go to a page by its sidebar link, like a user (a new URL would start a new session)."""
    page.get_by_test_id("stSidebarNav").get_by_role("link", name=title, exact=True).click()
    heading = page.get_by_test_id("stHeading").get_by_role("heading", name=title, exact=True)
    expect(heading).to_be_visible(timeout=timeout)
    settled(page, timeout)


def choose(page: Page, label: str, option: str) -> None:
    """Pick ``option`` in the st.selectbox labelled ``label``."""
    box = page.get_by_test_id("stSelectbox").filter(has=page.get_by_text(label, exact=True))
    box.locator("input").click()
    page.get_by_role("option", name=option, exact=True).click()


def metric(page: Page, label: str) -> Locator:
    """The value element of the st.metric labelled ``label``."""
    box = page.get_by_test_id("stMetric").filter(
        has=page.get_by_test_id("stMetricLabel").get_by_text(label, exact=True)
    )
    return box.get_by_test_id("stMetricValue")


def strategy_expanders(page: Page) -> Locator:
    """One expander per picked strategy ("name: Title"), drawn by the server after each
    change of the multiselect: waiting on them waits for the server to have the choice."""
    return page.get_by_test_id("stExpander").filter(has_not_text="Strategy catalogue")


def pick_strategies(page: Page, wanted: tuple[str, ...]) -> None:
    """Leave exactly ``wanted`` in the "Strategies" multiselect: remove the other chips by
    their x, then type the missing names and pick them from the list, waiting for the
    server's redraw after each change."""
    box = page.get_by_test_id("stMultiSelect").filter(has=page.get_by_text("Strategies"))
    chips = box.get_by_test_id("stMultiSelectTagsContainer").first.locator("[data-tag]")
    expanders = strategy_expanders(page)
    for label in chips.all_inner_texts():
        if label.split(" — ")[0] not in wanted:
            before = expanders.count()
            box.get_by_role("button", name=f"Remove {label}", exact=True).click()
            expect(expanders).to_have_count(before - 1)
    names = [t.split(" — ")[0] for t in chips.all_inner_texts()]
    for name in wanted:
        if name not in names:
            before = expanders.count()
            field = box.get_by_role("combobox")
            field.click()
            field.fill(name)
            page.get_by_role("option", name=f"{name} — ", exact=False).first.click()
            expect(expanders).to_have_count(before + 1)
            page.keyboard.press("Escape")  # close the list of options
    settled(page)
    assert sorted(t.split(" — ")[0] for t in chips.all_inner_texts()) == sorted(wanted)
