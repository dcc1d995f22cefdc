"""Hostile names (issue 18, item 1): a CSV whose file, target column, feature and class names
are Markdown, HTML, links and images goes through every page, and every place that renders
Markdown (bodies, alerts, titles, labels, tooltips, metric values) or Plotly text gets it as
text: escaped by core.text.md / core.text.plotly_text, never as formatting, link or image.

What the browser finally draws is checked in tests/browser/test_hostile_text_browser.py.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Iterator
from pathlib import Path

from streamlit.testing.v1.element_tree import (
    AlertBase,
    Caption,
    Expander,
    HeadingBase,
    Markdown,
    Metric,
    Tab,
    Widget,
)

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "data"))
from hostile import CLASSES, FEATURE, TARGET, hostile_csv

from core.text import WORD_JOINER, md, plotly_text
from ui import state

FILE_NAME = "h`![f](http://h/f.png)`.csv"
STRATEGIES = ["baseline", "class_weight"]
PAGES = [
    "pages/diagnosis.py",
    "pages/results.py",
    "pages/compare.py",
    "pages/tradeoffs.py",
    "pages/report.py",
    "pages/runs.py",
    "pages/data.py",
    "pages/strategies.py",
]
ESCAPED = re.compile(r"\\[!-/:-@\[-`{-~]")  # a backslash-escaped ASCII punctuation character
# What Markdown would turn into formatting, a link or an image (after the escapes are taken
# out; a word joiner inside "http:" / "//" breaks an autolink).
FORMATTING = ("**bold**", "](", "![", "[click", "http://", "<a ", "<b>", "<img", "`![")


def markdown_texts(at) -> Iterator[tuple[str, str]]:
    """(where, text) of everything on the page that Streamlit renders as Markdown."""
    for node in _walk(at._tree):
        kind = type(node).__name__
        if isinstance(node, Markdown | Caption | HeadingBase | AlertBase):
            yield kind, node.value
        elif isinstance(node, Metric):
            yield "metric label", node.label
            yield "metric value", node.value
            yield "metric help", node.proto.help
        elif isinstance(node, Expander | Tab):
            yield f"{kind} label", node.label
        elif isinstance(node, Widget):
            yield f"{kind} label", getattr(node.proto, "label", "")
            yield f"{kind} help", getattr(node.proto, "help", "")


def _walk(node) -> Iterator:
    yield node
    for child in getattr(node, "children", {}).values():
        yield from _walk(child)


def formatting_in(text: str) -> list[str]:
    """The Markdown constructs left unescaped in ``text`` (empty when it reads literally)."""
    bare = ESCAPED.sub("", text)
    return [f for f in FORMATTING if f in bare]


def plotly_strings(spec: object) -> Iterator[str]:
    """Every string of a Plotly spec (data and layout; the template is ours)."""
    if isinstance(spec, dict):
        for key, value in spec.items():
            if key != "template":
                yield from plotly_strings(value)
    elif isinstance(spec, list):
        for value in spec:
            yield from plotly_strings(value)
    elif isinstance(spec, str):
        yield spec


def html_in(strings: Iterator[str]) -> list[str]:
    """Strings in which Plotly would render a user's HTML (a link, bold text)."""
    return [s for s in strings if re.search(r"<a\b|<b>B|<img", s)]


def test_the_corpus_is_escaped_by_hand() -> None:
    # the check below would see each raw name (guards against a vacuous test)
    for raw in (TARGET, FEATURE, FILE_NAME, *CLASSES[:2]):
        assert formatting_in(raw), raw
        assert not formatting_in(md(raw)), raw
    assert html_in(iter([CLASSES[2]])) and not html_in(iter([plotly_text(CLASSES[2])]))


def _run_a_comparison(app) -> None:
    """The hostile CSV uploaded on Data, its target picked, a comparison run from the
    Strategies page (it lands on Diagnosis and is saved as a run)."""
    app.upload(FILE_NAME, hostile_csv())
    app.widget("selectbox", "Target column").set_value(TARGET)
    app.run()
    assert app.dataset is not None and tuple(app.dataset.target) == (TARGET,)
    assert set(app.dataset.classes) == set(CLASSES)
    app.at.switch_page("pages/strategies.py")
    app.run()
    app.widget("multiselect", "Strategies").set_value(STRATEGIES)
    app.widget("number_input", "Folds").set_value(3)
    app.run()
    app.widget("button", "Run comparison").click()
    app.run()
    assert app.at.title[0].value == "Diagnosis"


def _check_page(app, page: str) -> None:
    texts = list(markdown_texts(app.at))
    assert texts, page
    bad = [(where, text) for where, text in texts if formatting_in(text)]
    assert not bad, f"{page}: Markdown formatting from user text: {bad}"
    specs = app.plotly_specs()
    leaked = html_in(s for spec in specs for s in plotly_strings(spec))
    assert not leaked, f"{page}: HTML from user text in a chart: {leaked[:5]}"
    # the sidebar names the target literally (escaped), on every page
    sidebar = [c.value for c in app.at.sidebar.caption]
    assert any(f"target: {md(TARGET)} " in c for c in sidebar), sidebar
    assert FILE_NAME in [t.value for t in app.at.sidebar.text]  # st.text: plain already


def test_hostile_names_reach_every_page_and_the_report_as_text(app) -> None:
    _run_a_comparison(app)
    for page in PAGES:
        app.at.switch_page(page)
        app.run()
        _check_page(app, page)
        if page == "pages/data.py":
            assert any(f"Current file: {md(FILE_NAME)} — " in m.value for m in app.at.markdown)
        elif page == "pages/results.py":
            captions = [c.value for c in app.at.caption]
            # the one-vs-rest view names its class, escaped
            assert any(f"'{md(cls)}'" in c for cls in CLASSES for c in captions), captions
            strings = [s for spec in app.plotly_specs() for s in plotly_strings(spec)]
            assert plotly_text(CLASSES[2]) in strings  # a confusion-matrix category, as text
        elif page == "pages/compare.py":
            important = app.at.session_state[state.COMPARISON].important_class
            assert any(f"'{md(important)}'" in c.value for c in app.at.caption)
        elif page == "pages/report.py":
            app.widget("toggle", "Show the report here").set_value(True)
            app.run()  # the preview, on demand: the same HTML as the download
            _check_report(app.at.get("iframe")[0].proto.srcdoc)


def _check_report(html: str) -> None:
    specs = re.findall(r'<script type="application/json" id="[^"]*-spec">(.*?)</script>', html)
    assert specs
    leaked = html_in(s for raw in specs for s in plotly_strings(json.loads(raw)))
    assert not leaked, leaked[:5]
    body = re.sub(r"<script\b.*?</script>", "", html, flags=re.S)
    assert 'href="http://h' not in body and 'src="http://h' not in body
    assert "<b>B</b>" not in body
    assert "&lt;b&gt;B&lt;/b&gt;" in body  # the class name, as text
    assert WORD_JOINER not in body  # Markdown escaping stays out of the HTML report
