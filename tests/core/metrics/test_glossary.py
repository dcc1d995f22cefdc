"""core.metrics.glossary: every number the summary can produce has help text in plain words,
and the HTML report's "How to read the numbers" shows the very same text."""

from __future__ import annotations

import html
import re

import numpy as np
import pytest

from core.metrics.glossary import METRIC_HELP, glossary, metric_help
from core.metrics.scores import METRIC_TITLES, PER_CLASS_COLUMNS, SUMMARY_METRICS, summary_scores
from core.report.document import build_report
from core.tasks import TASK_KINDS


@pytest.mark.parametrize("task", TASK_KINDS)
def test_every_metric_the_summary_produces_has_help(task):
    rng = np.random.default_rng(0)
    classes = ["a", "b", "c"] if task != "binary" else ["a", "b"]
    k = len(classes)
    if task == "multilabel":
        y = rng.integers(0, 2, size=(40, k))
        pred, proba = rng.integers(0, 2, size=(40, k)), rng.random((40, k))
    else:
        y, pred = np.arange(40) % k, rng.integers(0, k, 40)
        proba = rng.dirichlet(np.ones(k), 40)
    produced = summary_scores(y, pred, proba, classes, task)
    assert produced  # the summary is not empty, so the check below checks something
    for name in produced:
        text = metric_help(name, "label" if task == "multilabel" else "class")
        assert len(text) > 40, name
        assert "{" not in text, name  # every placeholder filled in


def test_registries_are_covered():
    assert set(SUMMARY_METRICS) <= set(METRIC_HELP)
    assert set(METRIC_TITLES) <= set(METRIC_HELP)
    assert all(c in METRIC_HELP for c in PER_CLASS_COLUMNS if c != "class")
    assert metric_help("no_such_metric") == ""


def test_each_help_says_which_way_is_better():
    for name in SUMMARY_METRICS:
        text = metric_help(name)
        better = "Lower is better" if not SUMMARY_METRICS[name].higher_is_better else "Higher is"
        assert better in text, name


def test_the_noun_follows_the_task():
    assert "per-label F1" in metric_help("macro_f1", "label")
    assert "per-class F1" in metric_help("macro_f1", "class")
    assert "classes" not in metric_help("macro_f1", "label")
    assert metric_help("recall", "label").startswith("Of the rows that truly are a label,")
    titles = [t for t, _ in glossary("multilabel", "label")]
    assert "Hamming loss" in titles and "Accuracy" not in titles
    titles = [t for t, _ in glossary("binary")]
    assert titles[:3] == ["Precision", "Recall", "F1"]
    assert "Balanced accuracy" in titles and "Hamming loss" not in titles


@pytest.mark.parametrize("task", ["binary", "multilabel"])
def test_the_report_glossary_shows_the_same_text(comparisons, task):
    page = build_report(comparisons[task])
    section = page[page.index('<dl class="kv" id="glossary">') :]
    section = section[: section.index("</dl>")]
    shown = [
        (html.unescape(t), html.unescape(d))
        for t, d in re.findall(r"<dt>(.*?)</dt><dd>(.*?)</dd>", section)
    ]
    assert shown == glossary(task, "label" if task == "multilabel" else "class")
