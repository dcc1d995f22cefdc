"""The causes' evidence in plain words, shared by the Diagnosis page and the report: one
mapping of evidence keys to labels, counts without decimals, classes quoted."""

from __future__ import annotations

import re

import numpy as np
import pytest

from core.analysis.diagnosis import CAUSE_IDS, diagnose
from core.evaluation.diagnostic_fits import diagnostic_fits
from core.profile.measures import build_profile
from core.report.diagnosis import evidence_rows, evidence_tables, format_evidence
from core.report.evidence_words import COUNT_KEYS, EVIDENCE_LABELS

SNAKE = re.compile(r"^[a-z0-9]+(_[a-z0-9]+)+$")


def test_the_reviewers_keys_read_as_words():
    evidence = {"f1_default": 0.5, "roc_auc": 0.9, "delta_f1": 0.1, "delta_ap": 0.0,
                "ranking_better": True, "neighbour_shares": {"0": 0.522, "b": 0.1}}  # fmt: skip
    assert evidence_rows(evidence) == [
        ("F1 at the default decision", "0.500"),
        ("ROC AUC", "0.900"),
        ("Change in F1", "0.100"),
        ("Change in average precision", "0.000"),
        ("Ranks the class better", "yes"),
        ("Share of neighbours from other classes", "'0': 0.522, 'b': 0.100"),
    ]


def test_whole_counts_read_as_counts_where_the_key_is_a_count():
    assert format_evidence("class_rows", [35.0, 70.0, 140.5]) == "35, 70, 140.500"
    assert format_evidence("duplicate_rows", np.float64(1234.0)) == "1,234"
    assert format_evidence("types", {"safe": 34.0, "rare": 16}) == "safe: 34, rare: 16"
    assert format_evidence("k", 5.0) == "5"
    assert format_evidence("gain", 35.0) == "35.000"  # not a count: three decimals
    assert format_evidence("n_rows_used", float("nan")) == "–"
    assert set(EVIDENCE_LABELS) | {"n_groups", "per_class", "counts"} >= COUNT_KEYS


@pytest.mark.parametrize("task", ["binary", "multiclass"])
def test_every_evidence_key_of_a_full_diagnosis_has_words(datasets, comparisons, task):
    ds, c = datasets[task], comparisons[task]
    fits = diagnostic_fits(ds, c.config, important_class=c.important_class)
    found = diagnose(c, profile=build_profile(ds), dataset=ds, fits=fits)
    assert {x.id for x in found.causes} == set(CAUSE_IDS)
    labels = [what for x in found.causes for what, _ in evidence_rows(x.evidence)]
    for table in (t for x in found.causes for t in evidence_tables(x.evidence)):
        labels += [table.title, *table.columns]
    assert labels and not [w for w in labels if SNAKE.match(w)], labels
    for x in found.causes:  # every top-level key is in the one mapping
        assert set(x.evidence) <= set(EVIDENCE_LABELS), (x.id, set(x.evidence))
    counts = {EVIDENCE_LABELS[k] for k in COUNT_KEYS if k in EVIDENCE_LABELS}
    rows = [row for x in found.causes for row in evidence_rows(x.evidence)]
    assert not [(w, v) for w, v in rows if w in counts and re.search(r"\d\.000\b", v)], rows
