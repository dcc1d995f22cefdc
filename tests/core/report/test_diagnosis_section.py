"""The report opens with the verdict and the diagnosis: first section, causes in core's rank
order with their evidence and charts, the callouts coloured by the verdict, user text escaped."""

from __future__ import annotations

import re
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from markupsafe import escape
from plotly.offline import get_plotlyjs

from core.analysis.diagnosis import Cause, Diagnosis, diagnose
from core.analysis.recommendation import recommendation_of
from core.evaluation.comparison import CompareConfig, run_comparison
from core.evaluation.diagnostic_fits import diagnostic_fits
from core.intake.dataset import load_dataset
from core.profile.measures import build_profile
from core.report.diagnosis import (
    evidence_rows,
    evidence_tables,
    format_value,
    next_steps,
    verdict_headline,
    verdict_kind,
)
from core.report.diagnosis_section import callout_class
from core.report.document import ReportBundle, build_report

TASKS = ("binary", "multiclass", "multilabel")
SCRIPT_CLASS = "</script><b>rare</b>"


def _sections(html: str) -> list[str]:
    return re.findall(r'<section id="([^"]+)"', html)


def _causes(html: str) -> list[tuple[str, str]]:
    return re.findall(r'<div class="cause (\w+)" id="cause-(\w+)"', html)


@pytest.fixture(scope="module")
def bundles(datasets, comparisons) -> dict[str, ReportBundle]:
    out = {}
    for task in TASKS:
        ds, c = datasets[task], comparisons[task]
        fits = diagnostic_fits(ds, c.config, important_class=c.important_class)
        out[task] = ReportBundle(c, ds, build_profile(ds), fits=fits)
    return out


@pytest.mark.parametrize("task", TASKS)
def test_the_diagnosis_is_the_first_section_in_rank_order(bundles, task):
    bundle = bundles[task]
    html = bundle.html
    assert _sections(html)[:2] == ["diagnosis", "summary"]
    assert re.findall(r'<a href="#(\w[\w-]*)">', html)[0] == "diagnosis"  # first in contents
    found = bundle.diagnosed
    assert _causes(html) == [(c.verdict, c.id) for c in found.causes]
    section = html[html.index('<section id="diagnosis">') : html.index('<section id="summary">')]
    for cause in found.causes:
        assert str(escape(cause.suggestion)) in section
        assert str(escape(cause.how_to_read)) in section
    for step in next_steps(found):
        assert f"<li>{escape(step)}</li>" in section
    # the diagnosis in the report is the one in its results.json
    assert bundle.doc["diagnosis"] == found.to_dict()


@pytest.mark.parametrize("task", TASKS)
def test_callouts_are_green_only_for_a_clear_winner(bundles, task):
    bundle = bundles[task]
    rec = recommendation_of(bundle.comparison)
    html = bundle.html
    verdict = re.search(r'<div class="callout ([^"]*)" id="verdict" data-verdict="(\w+)">', html)
    assert verdict.group(2) == rec.verdict
    assert verdict.group(1).strip() == callout_class(rec.verdict)
    assert (verdict.group(1).strip() == "") == (rec.verdict == "clear_winner")
    if rec.strategy is not None:  # "At a glance" says the same, in the same colour
        glance = re.search(r'<div class="callout ([^"]*)" id="recommendation"><strong>(.*?)</strong>',
                           html)  # fmt: skip
        assert glance.group(1).strip() == callout_class(rec.verdict)
        assert glance.group(2) == str(escape(verdict_headline(rec)))


def test_each_cause_with_a_chart_draws_it_in_the_report(bundles):
    bundle = bundles["binary"]
    html = bundle.html
    scarcity = _cause_block(html, "scarcity")
    assert 'class="chart"' in scarcity  # the learning curve
    spec = re.search(r'id="(fig-\d+)-spec">(.*?)</script>', scarcity).group(2)
    curve = bundle.fits.learning_curve
    assert f'"x":[{",".join(_short(v) for v in curve.class_rows)}]' in spec.replace(" ", "")
    overfitting = _cause_block(html, "overfitting")
    assert 'class="chart"' not in overfitting  # no chart where none applies


def _cause_block(html: str, cause_id: str) -> str:
    """The HTML of one cause: from its ``div`` to the next cause or "What to do next"."""
    start = html.index(f'id="cause-{cause_id}"')
    ends = [html.find(m, start + 1) for m in ('<div class="cause ', "<h3>What to do next")]
    return html[start : min(e for e in ends if e > 0)]


def _short(v: float) -> str:
    """A number as the report's compact figure JSON writes it (4 significant digits)."""
    r = float(f"{v:.4g}")
    return str(int(r)) if r == int(r) else repr(r)


def test_without_fits_the_report_says_so_and_the_causes_are_unclear(datasets, comparisons):
    c = comparisons["binary"]
    html = build_report(c, dataset=datasets["binary"])
    assert "The learning curve and the reference models were not run for this report" in html
    assert ("unclear", "scarcity") in _causes(html)


def test_user_text_in_the_diagnosis_is_escaped():
    rng = np.random.default_rng(3)
    n = 240
    y = np.where(rng.random(n) < 0.2, SCRIPT_CLASS, "ok")
    frame = pd.DataFrame({"x": rng.normal(size=n) + 2.0 * (y != "ok"), "z": rng.normal(size=n)})
    frame["label"] = y
    ds = load_dataset(frame.to_csv(index=False).encode(), "label", name="<i>x</i>.csv")
    config = CompareConfig(
        strategies=("baseline", "class_weight"), cv=3, n_jobs=1, important_class=SCRIPT_CLASS
    )
    c = run_comparison(ds, config)
    html = build_report(c, dataset=ds, profile=build_profile(ds))
    section = html[html.index('<section id="diagnosis">') : html.index('<section id="summary">')]
    assert f"Verdict and diagnosis of '{escape(SCRIPT_CLASS)}'" in section
    outside_js = html.replace(get_plotlyjs(), "")
    assert SCRIPT_CLASS not in outside_js and "<b>rare</b>" not in outside_js
    assert "<i>x</i>" not in outside_js


# --------------------------------------------------------------------------- words


def _cause(verdict: str, suggestion: str, evidence: dict | None = None) -> Cause:
    return Cause(
        id="threshold",
        verdict=verdict,
        severity="medium",
        title="t",
        evidence=evidence or {},
        suggestion=suggestion,
        how_to_read="h",
    )


def test_evidence_reads_as_numbers_intervals_and_tables():
    evidence = {
        "gain": 0.12345,
        "tiny": 0.00012,
        "rows": 1234,
        "flag": True,
        "missing_value": None,
        "roc_auc": {"mean": 0.81, "low": 0.7, "high": 0.9, "n": 5},
        "strategies": {"smote": {"delta_f1": -0.02, "flagged": True}, "random_over": {"delta_f1": 0.5}},
        "flagged": ["smote"],
    }  # fmt: skip
    assert evidence_rows(evidence) == [
        ("F1 gained by moving the decision", "0.123"),
        ("tiny", "0.00012"),
        ("rows", "1,234"),
        ("flag", "yes"),
        ("missing value", "–"),
        ("ROC AUC", "0.810 [0.700, 0.900]"),
        ("Flagged", "smote"),
    ]  # fmt: skip  (known keys in words, unknown ones with spaces for underscores)
    (table,) = evidence_tables(evidence)
    assert table.title == "Per strategy"
    assert table.columns == ("Strategy", "Change in F1", "Flagged")
    assert table.rows == (("smote", "-0.020", "yes"), ("random_over", "0.500", "–"))
    assert format_value(float("nan")) == "–" and format_value(np.float64(0.5)) == "0.500"


def test_next_steps_are_the_found_causes_suggestions_in_order_once():
    found = Diagnosis(
        "c", "s", (_cause("yes", "a"), _cause("yes", "b"), _cause("yes", "a"), _cause("no", "z"))
    )
    assert next_steps(found) == ["a", "b"]


@pytest.mark.parametrize(
    ("verdict", "strategy", "alternatives", "headline", "kind"),
    [
        ("clear_winner", "smote", (), "Recommended: smote.", "success"),
        ("equivalent", "class_weight", ("smote", "random_over"),
         "Recommended: class_weight. Practically equivalent: smote, random_over.", "info"),
        ("keep_baseline", "baseline", (),
         "Recommended: baseline. No strategy beats the baseline beyond noise.", "info"),
        ("no_skill", None, (), "No recommendation: nothing here tells 'rare' from the rest.",
         "warning"),
    ],
)  # fmt: skip
def test_verdict_words_and_colour(verdict, strategy, alternatives, headline, kind):
    rec = SimpleNamespace(
        verdict=verdict, strategy=strategy, class_name="rare", alternatives=alternatives
    )
    assert verdict_headline(rec) == headline
    as_dict = {"verdict": verdict, "strategy": strategy, "class": "rare",
               "alternatives": list(alternatives)}  # fmt: skip
    assert verdict_headline(as_dict) == headline
    assert verdict_kind(verdict) == kind
    assert (callout_class(verdict) == "") == (verdict == "clear_winner")


def test_diagnose_is_what_the_report_shows_by_default(datasets, comparisons):
    c, ds = comparisons["multiclass"], datasets["multiclass"]
    prof = build_profile(ds)
    html = build_report(c, dataset=ds, profile=prof)
    expected = diagnose(c, profile=prof, dataset=ds)
    assert _causes(html) == [(x.verdict, x.id) for x in expected.causes]
