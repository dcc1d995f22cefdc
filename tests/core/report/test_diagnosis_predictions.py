"""The report of a predictions file (models trained elsewhere): the verdict's own evidence
(paired bootstrap over the rows with its interval, McNemar p), never "nan", the header and
the summary cards in the words of predictions mode."""

from __future__ import annotations

import re

import numpy as np
import pytest
from helpers import three_class_predictions
from plotly.offline import get_plotlyjs
from sklearn.metrics import f1_score

from core.analysis.deployment import deployment_dict
from core.analysis.paired import paired_bootstrap, verdict_pairs
from core.analysis.recommendation import recommendation_of
from core.evaluation.scored import comparison_from_predictions
from core.intake.predictions import load_predictions
from core.metrics.significance import mcnemar_test
from core.report.document import ReportBundle, header_words


@pytest.fixture(scope="module")
def scored():
    pset = load_predictions(three_class_predictions().to_csv(index=False).encode(), target="label")
    c = comparison_from_predictions(pset, cv=3, seed=0, important_class="0")
    shares = {"0": 0.05, "1": 0.6, "2": 0.35}  # '0' is the rarest in use
    return c, ReportBundle(c, deployment=deployment_dict(c, shares))


def _visible(html: str) -> str:
    return re.sub(r"<script.*?</script>", "", html.replace(get_plotlyjs(), ""), flags=re.S)


def test_the_report_names_the_paired_test_and_never_prints_nan(scored):
    c, bundle = scored
    html = bundle.html
    section = html[html.index('<section id="diagnosis">') : html.index('<section id="summary">')]
    assert not re.search(r"\bnan\b", _visible(html), flags=re.I)
    assert "P(better) <strong>" not in section  # no fold test against a baseline here
    assert "paired bootstrap of the difference in F1 of &#39;0&#39; over the rows" in section
    assert "1000 resamples" in section and "McNemar" in section
    assert "Δ vs baseline" not in section  # the all-"–" column is left out
    assert "Model / decision" in section


def test_the_paired_rows_are_the_verdicts_draws(scored):
    c, bundle = scored
    rec = recommendation_of(c)
    rows = verdict_pairs(c, rec)
    chosen = rec.strategy
    assert [r.entry for r in rows] == [n for n in c.results if n != chosen]
    y = np.asarray(c.y_true)
    best = c.results[chosen]
    for r in rows:
        other = c.results[r.entry]
        f1 = [f1_score(y == 0, np.asarray(x.oof_pred) == 0, zero_division=0) for x in (best, other)]
        assert r.difference == pytest.approx(f1[0] - f1[1], abs=1e-12)
        assert r.low <= r.high
        drawn = paired_bootstrap(c, other, best, "0", "f1", rope=rec.rope, seed=0)  # the verdict's
        assert (r.p_better, r.p_worse) == (drawn.p_worse, drawn.p_better)
        assert r.mcnemar_p == pytest.approx(mcnemar_test(y, best.oof_pred, other.oof_pred).p_value)
        assert r.mcnemar_p == pytest.approx(rec.evidence["mcnemar_p"][r.entry])
    html = bundle.html
    for r in rows:  # each row of the table, with its interval
        cell = f"{r.difference:+.3f} [{r.low:+.3f}, {r.high:+.3f}]"
        assert re.search(rf'data-paired-with="{re.escape(r.entry)}">.*?{re.escape(cell)}', html)


def test_header_and_cards_say_predictions(scored):
    c, bundle = scored
    html = bundle.html
    header = html[html.index('<header class="top">') : html.index("</header>")]
    assert "-fold cross-validation" not in header
    assert "predictions of 240 rows" in header
    assert "decisions tuned by cross-fitting over 3 parts" in header
    cards = html[html.index('<div class="cards">') : html.index('id="predictions-note"')]
    assert "Strategies compared" not in cards and "Models / decisions compared" in cards
    assert "Rarest class" not in cards
    assert re.search(r"Important class</div><div class=\"value\">0 <small>the rarest in use", cards)
    plain = header_words(c, {})  # no shares in use: the important class alone
    assert (plain["class_label"], plain["class_value"], plain["class_note"]) == (
        "Important class", "0", None)  # fmt: skip


def test_the_threshold_cause_reads_cross_fitted_not_inner_folds(scored):
    _, bundle = scored
    html = bundle.html
    section = html[html.index('<section id="diagnosis">') : html.index('<section id="summary">')]
    assert "inner folds" not in section
    assert "threshold_tuning" not in section.replace("&#34;no_skill&#34;", "")
    assert "Not judged for lack of input: " in section
    summary = re.search(r"<h3>Why .*?</h3>\n<p>(.*?)</p>", section, flags=re.S).group(1)
    assert "Not judged for lack of input: a single feature gives the class away" in summary
    assert "leakage_suspect" not in summary and "model_family" not in summary
    threshold = section[section.index('id="cause-threshold"') :]
    threshold = re.split(r'<div class="cause |<h3>What to do next', threshold[1:])[0]
    assert "its decisions tuned on the other parts of the file (cross-fitted)" in threshold
    assert "cross-fitted entry" in threshold  # how to read it, in predictions words
