"""Hostile names in a real browser (issue 18, item 1): a CSV whose file, target, feature and
class names are Markdown links, images, bold and HTML goes through every page by the sidebar
links; no request leaves the app's host, no link or image of the attacker's is in the DOM, no
formatting comes from user text, and the sidebar shows the names literally.

A second test renders :func:`core.text.md` of a corpus through Streamlit's own Markdown (body,
caption, alert, metric, expander and widget labels) and reads back the text the browser
shows: exactly the string, whatever Markdown, HTML, LaTeX, emoji or directive it holds.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import textwrap
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from pageops import RERUN_MS, choose, open_page, pick_strategies, settled
from playwright.sync_api import Page, expect

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "data"))
from hostile import CLASSES, TARGET, hostile_csv

from core.text import WORD_JOINER

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
SHOTS = Path(os.environ.get("HOSTILE_SHOTS", ROOT / "tests" / "artifacts" / "hostile"))
LOAD_MS = 60_000
RUN_MS = 240_000  # two strategies x 5 folds on a loaded 2-core machine
PAGES = ("Diagnosis", "Results", "Compare", "Trade-offs", "Report", "Runs", "Data", "Strategies")
LOCAL_SCHEMES = ("data", "blob", "about")
expect.set_options(timeout=RERUN_MS)

FILE_NAME = "h`![f](http://h/f.png)` **file**.csv"

# Links and images of the attacker's, and formatting from the names, anywhere in the DOM
# (the page, the report preview, the charts' SVG).
LEAKS = r"""() => {
  const docs = [document, ...[...document.querySelectorAll('iframe')]
    .map(f => { try { return f.contentDocument; } catch (e) { return null; } })
    .filter(d => d)];
  const out = [];
  for (const doc of docs) {
    for (const el of doc.querySelectorAll('a, img, image, use')) {
      const url = el.getAttribute('href') || el.getAttribute('src')
        || el.getAttribute('xlink:href') || '';
      if (/\/\/h\/|h\.png/.test(url)) out.push(el.outerHTML.slice(0, 160));
    }
    // bold / italic made of a name's "**bold**", "<b>B</b>"; a code span the file name's
    // backticks opened or closed (our own bold may hold a name: then its text is whole)
    for (const el of doc.querySelectorAll('strong, b, em, i, del')) {
      const t = el.textContent.trim();
      if (t === 'bold' || t === 'file' || t === 'B') out.push(el.outerHTML.slice(0, 160));
    }
    // (the report's <code> blocks hold the command line: HTML-escaped text, checked above)
    for (const el of doc === document ? doc.querySelectorAll('code') : []) {
      const t = el.textContent.trim();
      if (t === 'h' || t.includes('![') || t.includes('file')) {
        out.push(el.outerHTML.slice(0, 160));
      }
    }
  }
  return out;
}"""


def _outside(urls: list[str], server_url: str) -> list[str]:
    home = urlsplit(server_url).netloc
    return [
        u for u in urls if urlsplit(u).scheme not in LOCAL_SCHEMES and urlsplit(u).netloc != home
    ]


def _shot(page: Page, name: str) -> None:
    """The whole page (Streamlit scrolls inside its main element: grow the viewport)."""
    main = page.get_by_test_id("stMain")
    height = int(main.evaluate("el => el.scrollHeight"))
    page.set_viewport_size({"width": 1400, "height": min(max(height, 1000), 12_000)})
    main.evaluate("el => el.scrollTo(0, 0)")
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)
    page.set_viewport_size({"width": 1400, "height": 1000})


def test_hostile_names_fetch_nothing_link_nothing_format_nothing(page: Page, streamlit_server):
    server = streamlit_server.url
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    page.context.route(  # offline: a request elsewhere fails at once instead of waiting
        "**/*",
        lambda route: route.abort() if _outside([route.request.url], server) else route.continue_(),
    )
    page.goto(server)
    sidebar = page.get_by_test_id("stSidebar")
    expect(sidebar).to_contain_text("(sample)", timeout=LOAD_MS)
    settled(page, LOAD_MS)

    page.get_by_test_id("stFileUploaderDropzoneInput").set_input_files(
        {"name": FILE_NAME, "mimeType": "text/csv", "buffer": hostile_csv()}
    )
    expect(sidebar).to_contain_text(FILE_NAME, timeout=LOAD_MS)
    settled(page)
    choose(page, "Target column", TARGET)
    expect(sidebar).to_contain_text(f"target: {TARGET} ·", timeout=RERUN_MS)
    settled(page)
    main = page.get_by_test_id("stMain")
    assert f"Current file: {FILE_NAME} —" in main.inner_text().replace(WORD_JOINER, "")

    open_page(page, "Strategies")
    pick_strategies(page, ("baseline", "class_weight"))
    page.get_by_role("button", name="Run comparison").click()
    heading = page.get_by_test_id("stHeading").get_by_role("heading", name="Diagnosis", exact=True)
    expect(heading).to_be_visible(timeout=RUN_MS)
    settled(page, RUN_MS)

    for title in PAGES:
        open_page(page, title, LOAD_MS)
        if title == "Report":  # the preview (on demand): the report's own DOM, charts drawn
            if page.locator("iframe").count() == 0:
                page.get_by_text("Show the report here", exact=True).click()
            frame = page.frame_locator("iframe").first
            expect(frame.locator(".main-svg").first).to_be_attached(timeout=LOAD_MS)
        if title == "Trade-offs":  # the charts are drawn (their text is in the DOM)
            expect(page.locator(".js-plotly-plot .main-svg").first).to_be_visible()
        expect(page.get_by_test_id("stException")).to_have_count(0)
        leaks = page.evaluate(LEAKS)
        assert leaks == [], f"{title}: {leaks}"
        text = sidebar.inner_text().replace(WORD_JOINER, "")
        assert FILE_NAME in text and f"target: {TARGET} ·" in text, (title, text)
        _shot(page, title.lower().replace("-", ""))
    # the class names read literally in the page text (Results' threshold caption)
    open_page(page, "Results")
    body = page.get_by_test_id("stMain").inner_text().replace(WORD_JOINER, "")
    assert any(f"'{c}'" in body for c in CLASSES), body[:2000]
    assert requested, "the browser recorded no request at all"
    assert _outside(requested, server) == []


# ---------------------------------------------------------------- md() in Streamlit's renderer

CORPUS = [
    "tgt **bold**",
    "![t](http://h/x.png)",
    "[click](http://h/p) <http://h/a> www.h.org x@h.org mailto:x@h.org",
    "name`with ![i](http://h/f.png)` tick",
    '<a href="http://h/p">a</a> <img src=http://h/x.png>',
    "$x^2$ and $$y$$ \\(z\\)",
    ":smile: :+1: :material/home: :material_home: :streamlit: :red[red] :blue-background[b]",
    "# head\n- item\n1. one\n> quote\n    code",
    "| a | b |\n|---|---|\n| 1 | 2 |",
    "_u_ *i* ~~s~~ ~s~ `c` __u__",
    "&amp; &lt;b&gt; &#36; \\*kept\\* C:\\data end\\",
    "[^1] [ref][1]\n\n[1]: http://h/r",
    "tcp://h:9 a:b :b x:smile: x:+1: :9: :abbr{title=x} 15:42 ':' a@b",
    "-> x>=0 a->b",  # between spaces, Streamlit shows "->", ">=" as arrows (see core.text.md)
    "日本語 naïve ☃ 🙂 " + "long" * 30,
]
CORPUS_APP = textwrap.dedent(
    """
    import sys
    sys.path.insert(0, {root!r})
    import streamlit as st
    from core.text import md
    CORPUS = {corpus!r}
    for i, s in enumerate(CORPUS):
        st.markdown(f"M{{i}}|" + md(s) + "|")
        st.caption(f"C{{i}}|" + md(s) + "|")
        st.info(f"I{{i}}|" + md(s) + "|")
        st.metric(f"L{{i}}|" + md(s) + "|", "V|" + md(s) + "|")
        with st.expander(f"E{{i}}|" + md(s) + "|"):
            st.write("x")
        st.selectbox(f"S{{i}}|" + md(s) + "|", ["a"], key=f"s{{i}}")
    st.write("END")
    """
)
SHOWN = r"""() => [...document.querySelectorAll(
  '[data-testid=stMarkdownContainer], [data-testid=stCaptionContainer], [data-testid=stMetricValue]'
)].map(e => e.innerText)"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def corpus_server(tmp_path):
    """``streamlit run`` of a script that shows md() of :data:`CORPUS` in every kind of
    element that renders Markdown; its URL."""
    script = tmp_path / "corpus_app.py"
    script.write_text(CORPUS_APP.format(root=str(ROOT), corpus=CORPUS), encoding="utf-8")
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    log = (tmp_path / "corpus.log").open("wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(script), "--server.headless", "true",
         "--server.port", str(port), "--server.address", "127.0.0.1",
         "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none"],
        cwd=tmp_path, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + LOAD_MS / 1000
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(url + "/_stcore/health", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                time.sleep(0.25)
        yield url
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=10)
        log.close()


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace(WORD_JOINER, "")).strip()


def test_md_reads_back_literally_in_streamlits_markdown(page: Page, corpus_server):
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    page.goto(corpus_server)
    expect(page.get_by_text("END", exact=True)).to_be_visible(timeout=LOAD_MS)
    settled(page, LOAD_MS)
    for kind in ("stMetric", "stExpander", "stSelectbox"):  # every element drawn
        expect(page.get_by_test_id(kind)).to_have_count(len(CORPUS), timeout=LOAD_MS)
    expect(
        page.get_by_test_id("stMetricLabel").get_by_test_id("stMarkdownContainer")
    ).to_have_count(len(CORPUS), timeout=LOAD_MS)
    expected = [_norm(s) for s in CORPUS]
    seen: dict[str, set[int]] = {}
    for shown in page.evaluate(SHOWN):
        m = re.fullmatch(r"([MCILVES])(\d*)\|(.*)\|", _norm(shown), re.S)
        if m is None:
            continue
        kind, i, text = m.group(1), m.group(2), m.group(3).strip()
        if kind == "V":
            assert text in expected, text
            continue
        assert text == expected[int(i)], (kind, i, text)
        seen.setdefault(kind, set()).add(int(i))
    assert {k: len(v) for k, v in seen.items()} == {k: len(CORPUS) for k in "MCILES"}
    leaks = page.evaluate(LEAKS)
    assert leaks == []
    # nothing the corpus holds became markup: the only elements are Streamlit's own
    made = page.evaluate(
        r"""() => [...document.querySelectorAll(`[data-testid=stMain] :is(strong, em, code, del,
        .katex, img, h1, h2, h3, li, blockquote, table, span[role=img], span.material-icons)`)]
        .map(e => e.outerHTML.slice(0, 120))"""
    )
    assert made == []
    assert [u for u in requested if urlsplit(u).netloc != urlsplit(corpus_server).netloc] == []
