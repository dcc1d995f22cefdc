"""A freshly started (or restarted) server, visited at once: the first page seen goes
through app.py (its sidebar of page names, the bundled sample loaded), on the home page, on a
deep link to another page, and on a reload after a restart (issues "Views that agree" 12 and
"Untrusted text" 3)."""

from __future__ import annotations

from pathlib import Path

import pytest
from pageops import RERUN_MS, settled
from playwright.sync_api import expect

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"

pytestmark = pytest.mark.browser

PAGE_NAMES = ["Data", "Strategies", "Diagnosis", "Results", "Compare", "Trade-offs", "Report",
              "Runs"]  # fmt: skip


def _sidebar_links(page) -> list[str]:
    nav = page.get_by_test_id("stSidebarNav")
    expect(nav).to_be_visible(timeout=RERUN_MS)
    # each link reads "<icon name>\n<title>": keep the title
    return [t.strip().splitlines()[-1] for t in nav.get_by_role("link").all_inner_texts()]


def _check_went_through_app(page, title: str, shot: str) -> None:
    settled(page)
    heading = page.get_by_test_id("stHeading").get_by_role("heading", name=title, exact=True)
    expect(heading).to_be_visible(timeout=RERUN_MS)
    settled(page)
    page.screenshot(path=str(ARTIFACTS / shot), full_page=True)
    links = _sidebar_links(page)
    assert links == PAGE_NAMES, links
    # app.py loaded the bundled sample and named it in the sidebar
    expect(page.get_by_test_id("stSidebar").get_by_text("Current dataset")).to_be_visible()
    expect(page.get_by_text("No dataset is loaded yet")).to_have_count(0)


@pytest.mark.parametrize(("path", "title"), [("", "Data"), ("/strategies", "Strategies")])
def test_the_first_visit_to_a_fresh_server_goes_through_app(
    server_factory, new_page, tmp_path, path, title
):
    server = server_factory(tmp_path / "runs")  # started just now; nobody has visited it
    page = new_page()
    page.goto(server.url + path)
    _check_went_through_app(page, title, f"fresh-server{path.replace('/', '-') or '-home'}.png")


def test_a_tab_reloaded_after_a_restart_goes_through_app(server_factory, new_page, tmp_path):
    server = server_factory(tmp_path / "runs")
    page = new_page()
    page.goto(server.url + "/")
    _check_went_through_app(page, "Data", "restart-before.png")
    page.get_by_test_id("stSidebarNav").get_by_role("link", name="Strategies").click()
    settled(page)
    process = server_factory.servers[-1]
    url = process.restart().url  # a new process, a new port: the old tab's URL is gone
    page.goto(url + "/strategies")  # the reload of a deep link on the restarted server
    _check_went_through_app(page, "Strategies", "restart-after.png")
