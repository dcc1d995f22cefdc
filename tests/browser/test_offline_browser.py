"""The app in Chromium makes no request outside its own server: every page, the sidebar's
icons and the browser tab's icon (issue 15, item 11: a ":material/...:" page icon was fetched
from fonts.gstatic.com, so offline the tab had no icon on any page)."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from pageops import RERUN_MS, open_page, settled
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser

LOAD_MS = 60_000  # first open: the server reads and profiles the 5,000-row sample
PAGES = ("Data", "Strategies", "Diagnosis", "Results", "Compare", "Trade-offs", "Report", "Runs")
LOCAL_SCHEMES = ("data", "blob")  # made in the page itself, not fetched from anywhere
expect.set_options(timeout=RERUN_MS)


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def _outside(urls: list[str], server_url: str) -> list[str]:
    """The URLs that go to another host than the app's server."""
    home = _origin(server_url)
    return [u for u in urls if urlsplit(u).scheme not in LOCAL_SCHEMES and _origin(u) != home]


def test_outside_means_another_host():
    urls = [
        "http://127.0.0.1:8501/_stcore/health",
        "http://127.0.0.1:8501/media/abc.png",
        "data:image/svg+xml,<svg/>",
        "https://fonts.gstatic.com/s/i/short-term/release/materialsymbolsrounded/balance/default/24px.svg",
        "http://127.0.0.1:9999/x",
    ]
    assert _outside(urls, "http://127.0.0.1:8501") == [urls[3], urls[4]]


def test_every_request_goes_to_the_apps_own_server(page: Page, streamlit_server):
    server = streamlit_server.url
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    # offline, as on a machine without internet: a request elsewhere fails instead of waiting
    page.context.route(
        "**/*",
        lambda route: (
            route.continue_() if not _outside([route.request.url], server) else route.abort()
        ),
    )
    page.goto(server)
    settled(page, LOAD_MS)
    for title in PAGES:  # every page, reached by its sidebar link (icons included)
        open_page(page, title, LOAD_MS)
    assert requested, "the browser recorded no request at all"
    assert _outside(requested, server) == []

    # the tab icon: a file of this server (Chromium may not fetch it headless, so check
    # where the page points it and fetch it as the browser would)
    icon = page.locator("link[rel='shortcut icon']")
    expect(icon).to_have_count(1)
    href = icon.evaluate("link => link.href")
    assert _outside([href], server) == [], href
    assert urlsplit(href).path.startswith("/media/"), href  # st.set_page_config's image
    answer = page.request.get(href)
    assert answer.ok and answer.headers["content-type"] == "image/png"
    assert answer.body()[:8] == b"\x89PNG\r\n\x1a\n"
