"""core.text: user strings reach Streamlit Markdown and Plotly as text.

What the browser finally shows is checked against the real renderer in
tests/browser/test_hostile_text_browser.py; these tests pin the escaped forms by hand.
"""

from __future__ import annotations

import re

import pytest

from core.text import WORD_JOINER, md, plotly_text

WJ = WORD_JOINER

HOSTILE = [
    "tgt **bold**",
    "![t](http://h/x.png)",
    "[click](http://h/p)",
    "data`![i](http://h/f.png)`.csv",
    '<a href="http://h/p">a</a>',
    "$x^2$",
    ":smile: :material/home: :material_home: :streamlit: :red[red]",
    "a -> b <- c <-> d -- e >= f <= g ~= h",
    "www.example.com x@h.org mailto:x@h.org",
    "# head\n- item\n1. one\n> quote",
    "| a | b |",
    "&amp; %{x} 50%",
]


def unescape_md(text: str) -> str:
    """What CommonMark makes of backslash escapes, less the word joiners (invisible)."""
    return re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", text).replace(WJ, "")


def test_md_escapes_what_formats_inline() -> None:
    for ch in "`*[]<$~|&{":
        assert md(f"a{ch}b") == f"a\\{ch}b"
    assert md("a\\*b") == r"a\\\*b"  # a backslash that would escape: escaped
    assert md("C:\\data\\x") == "C:\\data\\x"  # before a letter: a plain one
    assert md("end\\") == r"end\\"  # last: the caller's text follows
    assert md("Save As > CSV (p < 1)") == r"Save As > CSV (p \< 1)"
    assert md("class_weight") == "class_weight"  # between letters: never emphasis
    assert md("_u_ x_ _y") == r"\_u\_ x\_ \_y"


def test_md_escapes_what_starts_a_block_at_the_start_of_a_line() -> None:
    assert md("# head") == r"\# head"
    assert md("- item") == r"\- item"
    assert md("+ item") == r"\+ item"
    assert md("=== x") == r"\=== x"
    assert md("> quote") == r"\> quote"
    assert md("12. twelve") == r"12\. twelve"
    assert md("3) three") == r"3\) three"
    assert md("    indented") == "indented"
    assert md("one-vs-rest #2 a.b") == "one-vs-rest #2 a.b"  # inside a line: text


def test_md_of_the_issue_names_by_hand() -> None:
    assert md("tgt **bold**") == r"tgt \*\*bold\*\*"
    assert md("[click](http://h/p)") == r"\[click\](http:" + WJ + "//h/p)"
    assert md("![t](http://h/x.png)") == r"!\[t\](http:" + WJ + "//h/x.png)"
    assert md("a`b") == r"a\`b"


def test_md_plain_names_and_sentences_are_unchanged() -> None:
    for name in ("baseline", "medium", "class 1", "Ünïcödé 日本", "x" * 300, "a.csv"):
        assert md(name) == name
    sentence = "Recommended: class_weight (F1 0.42, +0.03 vs the baseline), 5 folds."
    assert md(sentence) == sentence


@pytest.mark.parametrize("hostile", HOSTILE)
def test_md_reads_back_as_the_same_text(hostile: str) -> None:
    escaped = md(hostile)
    assert "\n" not in escaped and "\r" not in escaped
    assert unescape_md(escaped) == re.sub(r"\s+", " ", hostile)


@pytest.mark.parametrize("hostile", HOSTILE)
def test_md_leaves_no_markdown_syntax_unescaped(hostile: str) -> None:
    escaped = md(hostile)
    bare = re.sub(r"\\[!-/:-@\[-`{-~]", "", escaped)  # drop every escaped character
    assert not set(bare) & set("`*[]<$~|&{"), (hostile, escaped)
    assert not re.search(r"\\[!-/:-@\[-`{-~]", bare), (hostile, escaped)
    assert not re.search(r"(?<![^\W_])_|_(?![^\W_])", bare), (hostile, escaped)
    assert not re.search(r":[\w+-]+:|:material|https?:/|@\w", escaped), (hostile, escaped)


def test_md_breaks_what_streamlit_rewrites_after_parsing() -> None:
    # emoji / icons / logo: ":" is never directly followed by a word character
    text = unescape_md(md(":smile: :material_home: :streamlit: :+1:"))
    assert text == ":smile: :material_home: :streamlit: :+1:"
    escaped = md(":smile: :material_home: :streamlit: :+1:")
    assert not re.search(r":[\w+-]", escaped)
    # typography stays (core's own sentences use "->", ">="): a cosmetic substitution
    assert md("'x' -> 'x_2', P >= 0.95") == "'x' -> 'x_2', P >= 0.95"
    # autolinks found in text nodes: www., scheme:, e-mail
    assert md("www.h.org") == f"www{WJ}.h.org"
    assert md("x@h.org") == f"x@{WJ}h.org"
    assert md("http://h/p mailto:x") == f"http:{WJ}//h/p mailto:{WJ}x"
    assert md(":red[x] :ab{t=1}") == f":{WJ}red\\[x\\] :{WJ}ab\\{{t=1}}"
    # any other ":" or "@" stays: core's own messages show them
    for plain in ("tcp://127.0.0.1:9", "colons ':'", "15:42", "a:b", "a@b", "Note: x"):
        assert md(plain) == plain


def test_md_whitespace_becomes_one_space() -> None:
    assert md("a\n\nb\r\nc\td\u2028e") == "a b c d e"


def test_md_accepts_any_object() -> None:
    assert md(3) == "3"
    assert md(None) == "None"
    assert md(("a", "b*")) == r"('a', 'b\*')"


def test_plotly_text_escapes_tags_entities_templates_and_tex() -> None:
    assert plotly_text('<a href="http://h/p">x</a>') == '&lt;a href="http://h/p"&gt;x&lt;/a&gt;'
    assert plotly_text("<b>B</b><br>") == "&lt;b&gt;B&lt;/b&gt;&lt;br&gt;"
    assert plotly_text("&lt;") == "&amp;lt;"
    assert plotly_text("%{x} 50%") == "&#37;{x} 50&#37;"
    assert plotly_text("$x$") == "&#36;x&#36;"
    assert plotly_text("[click](http://h/p)") == "[click](http://h/p)"  # not Markdown
    for name in ("baseline", "class 1", "日本", ""):
        assert plotly_text(name) == name
    assert plotly_text(7) == "7"


# ---------------------------------------------------------------- every figure, hostile names

HOSTILE_CLASSES = (
    "![t](http://h/x.png)",
    "[click](http://h/p)",
    '<b>B</b><a href="http://h/q">q</a>',
)
HOSTILE_TARGET = "tgt **bold** <i>$x$</i>"
OUR_TAGS = re.compile(r"</?(?:b|br|i|sup|sub|extra)>")  # the markup the figures use themselves


def _hostile_frame(n: int = 240, seed: int = 7):
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(seed)
    y = rng.choice(len(HOSTILE_CLASSES), size=n, p=[0.6, 0.3, 0.1])
    return pd.DataFrame(
        {
            "x": (rng.normal(size=n) + 1.5 * y).round(3),
            "<a href='http://h/f'>f</a> %{x}": (rng.normal(size=n) - y).round(3),
            HOSTILE_TARGET: [HOSTILE_CLASSES[i] for i in y],
        }
    )


def _strings(spec: object):
    if isinstance(spec, dict):
        for key, value in spec.items():
            if key != "template":  # ours
                yield from _strings(value)
    elif isinstance(spec, list | tuple):
        for value in spec:
            yield from _strings(value)
    elif isinstance(spec, str):
        yield spec


def test_every_figure_of_a_hostile_comparison_shows_names_as_text() -> None:
    import io
    import json

    import numpy as np

    from core import plots
    from core.analysis.deployment import deployment_estimate, evaluation_shares
    from core.analysis.details import accuracy_f1_plane, per_class_long, strategy_details
    from core.analysis.diagnosis import diagnose
    from core.analysis.sides import sides
    from core.evaluation.comparison import CompareConfig, run_comparison
    from core.intake.dataset import load_dataset
    from core.metrics.scores import normalise_confusion
    from core.plots.tradeoff import prevalence_figure, tradeoff_plane, tradeoff_sides
    from core.profile.measures import build_profile
    from core.report.diagnosis import cause_figures
    from core.report.document import build_report

    buf = io.StringIO()
    _hostile_frame().to_csv(buf, index=False)
    ds = load_dataset(buf.getvalue().encode(), HOSTILE_TARGET, name="h`![f](http://h/f.png)`.csv")
    assert set(ds.classes) == set(HOSTILE_CLASSES)
    prof = build_profile(ds)
    config = CompareConfig(strategies=("baseline", "class_weight"), cv=3, seed=0, n_jobs=1)
    comparison = run_comparison(ds, config)
    classes = list(comparison.classes)
    rare = HOSTILE_CLASSES[2]
    det = strategy_details(comparison, "baseline")
    long = per_class_long(comparison, "f1")
    plane = accuracy_f1_plane(comparison, rare)
    both = sides(comparison, rare)
    estimate = deployment_estimate(comparison, "baseline", evaluation_shares(comparison))
    found = diagnose(comparison, profile=prof, dataset=ds, important_class=rare)
    figures = {
        "class_distribution": plots.class_distribution(prof.class_counts),
        "cooccurrence": plots.cooccurrence_heatmap(classes, np.eye(len(classes))),
        "confusion": plots.confusion_heatmap(
            np.asarray(comparison.results["baseline"].confusion), classes
        ),
        "ml_grid": plots.multilabel_confusion_grid(np.ones((len(classes), 2, 2)), classes),
        "threshold": plots.threshold_curve_figure(det.threshold_curves[rare], rare),
        "pr": plots.pr_curves_figure(
            det.pr_curves, classes, average_precision=det.average_precision
        ),
        "roc": plots.roc_curves_figure(det.roc_curves, classes, auc=det.roc_auc),
        "calibration": plots.calibration_figure(det.calibration, classes),
        "gap": plots.train_validation_gap(det.gap, classes),
        "bars": plots.per_class_bars(long, classes),
        "heatmap": plots.strategy_class_heatmap(long, classes),
        "side_by_side": plots.confusion_side_by_side(
            {
                n: normalise_confusion(np.asarray(r.confusion), "true")
                for n, r in comparison.results.items()
            },
            classes,
        ),
        "plane": plots.accuracy_f1_plane(
            plane.points,
            f1_label=plane.f1_label,
            x_label=plane.x_label,
            region=plane.region,
            trivial=plane.trivial,
        ),
        "tradeoff_plane": tradeoff_plane(both.positive),
        "tradeoff_sides": tradeoff_sides(both.positive, both.complement),
        "prevalence": prevalence_figure(estimate.per_class, estimate.confusion, classes),
    }
    if prof.difficulty is not None and prof.difficulty.types:
        figures["difficulty"] = plots.difficulty_bars(
            prof.difficulty.type_shares, k=prof.difficulty.k
        )
    figures |= {f"cause {k}": f for k, f in cause_figures(comparison, found).items()}
    specs = {name: fig.to_plotly_json() for name, fig in figures.items()}
    html = build_report(comparison, dataset=ds, profile=prof)
    for i, raw in enumerate(
        re.findall(r'<script type="application/json" id="[^"]*-spec">(.*?)</script>', html)
    ):
        specs[f"report figure {i}"] = json.loads(raw)
    assert len(specs) > len(figures)  # the report has figures too
    shown_rare = 0
    for name, spec in specs.items():
        for text in _strings(spec):
            # no user tag (a link, bold, an image), no stray "<", no %{...} of a user string
            assert "<" not in OUR_TAGS.sub("", text), (name, text)
            assert "%{x}</" not in text and "$x$" not in text, (name, text)
            shown_rare += plotly_text(rare) in text
    assert shown_rare  # the rare class is named in the figures, as text
