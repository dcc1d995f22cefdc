"""The HTML report in Chromium with the network blocked: no request leaves, no console
error, every chart is drawn (also those in collapsed sections, once opened)."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.profile.measures import build_profile
from core.report.document import write_report

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "tests" / "artifacts"
LOAD_MS = 60_000  # parsing 5 MB of plotly.js on a loaded 2-core machine
DRAW_MS = 60_000
ALL_DRAWN = """() => {
  const charts = [...document.querySelectorAll('.chart')];
  return charts.length > 0 && charts.every(c => c.querySelector('.main-svg'));
}"""


@pytest.fixture
def offline_page(browser):
    """A page whose context aborts every request that is not file:// or data:."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    requested: list[str] = []

    def block(route) -> None:
        url = route.request.url
        if url.startswith(("file://", "data:")):
            route.continue_()
        else:
            requested.append(url)
            route.abort()

    context.route("**/*", block)
    page = context.new_page()
    problems: list[str] = []
    page.on(
        "console",
        lambda m: problems.append(f"console {m.type}: {m.text}") if m.type == "error" else None,
    )
    page.on("pageerror", lambda err: problems.append(f"page error: {err}"))
    page.on("requestfailed", lambda r: problems.append(f"request failed: {r.url}"))
    try:
        yield page, requested, problems
    finally:
        context.close()


@pytest.mark.parametrize("task", ["multiclass", "multilabel"])
def test_report_opens_offline_and_draws_every_chart(
    offline_page, datasets, comparisons, tmp_path, task
):
    page, requested, problems = offline_page
    ds = datasets[task]
    path = write_report(
        comparisons[task], tmp_path / "report.html", dataset=ds, profile=build_profile(ds)
    )
    page.goto(path.as_uri(), wait_until="load", timeout=LOAD_MS)

    # open sections draw on load; the collapsed strategies draw when opened
    closed = page.locator("details.strategy:not([open])")
    assert closed.count() == len(comparisons[task].results) - 1
    n_charts = page.locator(".chart").count()
    drawn_at_start = page.locator(".chart[data-drawn]").count()
    assert 0 < drawn_at_start < n_charts
    page.click("#expand-all")
    page.wait_for_function(ALL_DRAWN, timeout=DRAW_MS)
    assert page.locator(".chart[data-drawn] .main-svg").count() >= n_charts
    widths = page.eval_on_selector_all(".chart", "els => els.map(e => e.clientWidth)")
    assert min(widths) > 300  # drawn at their real width, not squeezed while hidden

    assert requested == [] and problems == []
    title = page.title()
    assert title == f"Imbalance report: {ds.name}"
    if task == "multiclass":
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.click("#collapse-all")
        page.evaluate("window.scrollTo(0, 0)")
        page.screenshot(path=str(ARTIFACTS / "report.png"))
        page.locator("#strategies").scroll_into_view_if_needed()
        page.click("details.strategy:first-of-type > summary")
        page.wait_for_function(ALL_DRAWN, timeout=DRAW_MS)
        page.locator("details.strategy[open]").first.screenshot(
            path=str(ARTIFACTS / "report_strategy.png")
        )
