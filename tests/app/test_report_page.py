"""The Report page (AppTest): download buttons in order, the preview, built once per
comparison, and what it says when the compared dataset is not loaded."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from core.profile.measures import build_profile
from core.report.diagnosis import verdict_kind, verdict_line
from core.report.document import ReportBundle
from ui import state

ROOT = Path(__file__).resolve().parents[2]
PAGE = ROOT / "pages" / "report.py"
TIMEOUT_S = 120  # building a report takes seconds on a loaded 2-core machine
BUTTONS = [
    "Download HTML report",
    "Download results.json",
    "Download metrics.csv",
    "Download predictions.csv",
    "Download Excel workbook",
]
LABEL_NEXT = "Download rows to label next (CSV)"


def _open(session: dict | None = None) -> AppTest:
    """The Report page with ``session`` ({session-state key: value}) put in first."""
    at = AppTest.from_file(str(PAGE), default_timeout=TIMEOUT_S)
    for key, value in (session or {}).items():
        at.session_state[key] = value
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _buttons(at: AppTest) -> list[str]:
    return [b.proto.label for b in at.get("download_button")]


def _bundle(at: AppTest) -> ReportBundle:
    """The report the page built last (the most recently used entry of its session cache)."""
    return list(at.session_state[state.REPORT_CACHE].values())[-1]


@pytest.fixture(scope="module")
def multiclass_profile(datasets):
    return build_profile(datasets["multiclass"])


def test_without_a_comparison_the_page_says_where_to_start():
    at = _open()
    assert "No comparison yet" in at.info[0].value
    assert _buttons(at) == []


def test_downloads_come_html_first_with_a_preview_of_the_same_report(
    datasets, comparisons, multiclass_profile
):
    comparison = comparisons["multiclass"]
    at = _open(
        {
            state.COMPARISON: comparison,
            state.DATASET: datasets["multiclass"],
            state.PROFILE: multiclass_profile,
        }
    )
    assert at.title[0].value == "Report"
    assert _buttons(at) == [*BUTTONS, LABEL_NEXT]
    first = at.get("download_button")[0].proto
    assert first.type == "primary"
    bundle = _bundle(at)
    assert isinstance(bundle, ReportBundle) and bundle.comparison is comparison
    preview = at.get("iframe")
    assert len(preview) == 1 and preview[0].proto.srcdoc == bundle.html
    advice = bundle.doc["recommendation"]
    kind = verdict_kind(advice["verdict"])  # the same box as on Diagnosis and Compare
    assert getattr(at, kind)[0].value == f"**{verdict_line(advice)}** {advice['reason']}"
    assert f"Recommended: {advice['strategy']}." in getattr(at, kind)[0].value
    assert f"rows where **{bundle.label_next['strategy'].iloc[0]}** is least sure" in (
        at.markdown[0].value
    )
    at.run()  # a rerun reuses the report built before
    assert _bundle(at) is bundle
    at.toggle[0].set_value(False).run()
    assert len(at.get("iframe")) == 0


def test_a_reopened_run_without_its_dataset_still_offers_the_report(datasets, comparisons):
    # the session holds another dataset than the one compared (as after reopening a run)
    at = _open(
        {
            state.COMPARISON: comparisons["binary"],
            state.DATASET: datasets["multiclass"],
            state.PROFILE: None,
        }
    )
    assert _buttons(at) == BUTTONS
    notes = [i.value for i in at.info if not i.value.startswith("**")]  # not the verdict box
    assert "The dataset of this run is not loaded" in notes[0]
    assert notes[1].startswith("Not available: the dataset of this run is not loaded")
    bundle = _bundle(at)
    assert bundle.dataset is None and "The column decisions are not available" in bundle.html


def test_a_new_comparison_builds_a_new_report(datasets, comparisons):
    at = _open({state.COMPARISON: comparisons["binary"], state.DATASET: datasets["binary"]})
    first = _bundle(at)
    at.session_state[state.COMPARISON] = comparisons["multilabel"]
    at.session_state[state.DATASET] = datasets["multilabel"]
    at.run()
    assert not at.exception
    second = _bundle(at)
    assert second is not first and second.comparison is comparisons["multilabel"]
    assert "multilabel.csv" in second.html
