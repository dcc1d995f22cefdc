"""User text on screen: one escaping helper per renderer that formats text.

Every string a user supplied (file, column, class and label names, anything read from a CSV
or from a saved run, which other people open too) goes through one of these before it meets
a renderer that would format it, so that it reaches the screen as the text it is:

- :func:`md` for Streamlit Markdown: ``st.markdown`` / ``caption`` / ``info`` / ``warning``
  / ``error`` / ``success`` / ``write``, titles and headers, and every *label* that Streamlit
  renders as Markdown (widgets, metrics and their values, tabs, expanders, progress text,
  help tooltips). Options of ``st.selectbox`` / ``st.multiselect`` and dataframe cells and
  headers are plain text: they need no escaping (escaping them would show the backslashes).
- :func:`plotly_text` for Plotly text (titles, axis titles, tick labels and categories,
  legend names, hover templates and hover text, annotations, subplot titles), which renders a
  subset of HTML (``<a href>``, ``<b>``, ``<br>``, ``<span style>``...) and, in a hover or
  text template, ``%{...}`` placeholders.

Core's own messages (findings, causes, the recommendation's reason, the diagnosis summary)
stay plain text, user names included; the UI passes a whole message through :func:`md` before
adding its own bold, and the HTML report escapes it through Jinja's autoescape.
"""

from __future__ import annotations

import re
import string

WORD_JOINER = "\u2060"
"""An invisible, zero-width character that joins nothing: placed inside a pattern that
Streamlit's Markdown rewrites *after* parsing (so that no backslash escape can stop it), it
breaks the pattern without changing what the reader sees."""

# Always escaped: emphasis and strikethrough, code spans, links and images, raw HTML and
# autolinks, LaTeX, tables, entity references, directive attributes (":name{...}").
_ALWAYS = frozenset("`*[]<$~|&{")
# A backslash escapes the ASCII punctuation after it: escaped there, and last (the caller's
# text follows); before anything else it is a plain backslash ("C:\data" stays as it is).
_BACKSLASH = "\\"
_ASCII_PUNCTUATION = frozenset(string.punctuation)
# "_" is emphasis only where it is not between two letters or digits ("class_weight" is text).
_UNDERSCORE = "_"
# At the start of a line (where a string may land): headings, lists, setext underlines,
# block quotes.
_LINE_START = re.compile(r"^(?:[#+=>-]|\d+[.)])")
_WHITESPACE = re.compile(r"\s+")  # a newline (or \r, U+2028...) would start a new block
# GFM's autolink literals are also found in text nodes after parsing ("www.x.org"); the other
# forms need a ":" (http://, mailto:) or an "@" (e-mail addresses), broken below.
_WWW = re.compile(r"www(?=\.)", re.IGNORECASE)
# A word joiner after a ":" that starts a shortcode or a directive (":smile:", ":+1:",
# ":material/x:", ":material_x:", ":streamlit:", ":name{...}") or ends a linked scheme
# ("http:", "mailto:"), and after an "@" of an e-mail address: Streamlit and GFM find them
# in the source or in text nodes, where escapes are gone. Any other ":" stays as it is
# ("tcp://h:9", "':'").
_SHORTCODE_AFTER = re.compile(r"[A-Za-z0-9_+-]+[:\[{]|material/")
_SCHEME_BEFORE = re.compile(r"(?:https?|mailto|xmpp)$", re.IGNORECASE)
_DOMAIN_AFTER = re.compile(r"[-\w]+(?:\.[-\w]+)+")


def md(s: object) -> str:
    """``s`` as text for Streamlit Markdown: shown literally, never formatted.

    Backslash-escapes what formats inline (`` ` * [ ] < $ ~ | & {``, ``_`` unless it sits
    between two letters or digits, ``\\`` where it would escape what follows: emphasis,
    strikethrough, code spans, links, images, raw HTML, autolinks, LaTeX, tables, entity
    references) and what would start a block at the start of a line (``#``, ``-``, ``+``,
    ``=``, ``>``, ``1.``); whitespace runs become one space (no new line, so no new block)
    and leading whitespace goes (no indented code). A word joiner (invisible) breaks what
    Streamlit rewrites whatever the escapes: ``:emoji:`` shortcodes, Material icons, the
    ``:streamlit:`` logo, ``:name`` directives and GFM autolinks (``www.``, ``http:``,
    e-mail addresses). Safe anywhere inline in a Markdown body or label; plain names and
    sentences (core's messages) come back unchanged.

    Left as it is: Streamlit's typography, which shows `` -> ``, `` >= `` and the like
    between spaces as arrows and signs (a cosmetic substitution of fixed sequences, no markup
    and no request); breaking it would change core's own sentences, which use them.
    """
    text = _WHITESPACE.sub(" ", str(s)).lstrip(" ")
    text = _WWW.sub(lambda m: m.group(0) + WORD_JOINER, text)
    start = _LINE_START.match(text)
    escape_at = start.end() - 1 if start else -1
    last = len(text) - 1
    out: list[str] = []
    for i, ch in enumerate(text):
        nxt = text[i + 1] if i < last else None
        if (
            ch in _ALWAYS
            or i == escape_at
            or (ch == _BACKSLASH and (nxt is None or nxt in _ASCII_PUNCTUATION))
            or (
                ch == _UNDERSCORE
                and not (i > 0 and text[i - 1].isalnum() and nxt and nxt.isalnum())
            )
        ):
            out.append("\\" + ch)
        else:
            out.append(ch)
        if (
            ch == ":" and (_SHORTCODE_AFTER.match(text, i + 1) or _SCHEME_BEFORE.search(text, 0, i))
        ) or (ch == "@" and _DOMAIN_AFTER.match(text, i + 1)):
            out.append(WORD_JOINER)
    return "".join(out)


_PLOTLY_ENTITIES = {"&": "&amp;", "<": "&lt;", ">": "&gt;", "%": "&#37;", "$": "&#36;"}
_PLOTLY_SPECIAL = re.compile("[&<>%$]")


def plotly_text(s: object) -> str:
    """``s`` as text for Plotly: shown literally, never formatted.

    ``&``, ``<`` and ``>`` become entities (Plotly renders tags such as ``<a href>``,
    ``<b>``, ``<br>``, ``<span style>`` and decodes entities back for display); ``%``
    becomes ``&#37;`` so that no ``%{...}`` placeholder forms in a hover or text template,
    and ``$`` becomes ``&#36;`` so that no ``$...$`` is taken for LaTeX.
    """
    return _PLOTLY_SPECIAL.sub(lambda m: _PLOTLY_ENTITIES[m.group(0)], str(s))
