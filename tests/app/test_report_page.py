"""The Report page (AppTest): download buttons in order, the preview, built once per
comparison, and what it says when the compared dataset is not loaded."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from core.profile.measures import build_profile
from core.report.diagnosis import verdict_kind, verdict_line
from core.report.document import ReportBundle
from ui import state
from ui.cache import BuiltOnce

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


def _entry(at: AppTest) -> tuple[ReportBundle, dict]:
    """The page's last report (the most recently used entry of its session cache): the
    bundle and a builder per download button."""
    return list(at.session_state[state.REPORT_CACHE].values())[-1]


def _bundle(at: AppTest) -> ReportBundle:
    """The report the page built last."""
    return _entry(at)[0]


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
    # opening the page builds no file: the report, the workbook, the diagnosis wait to be asked
    assert not {"html", "excel", "doc", "diagnosed"} & set(vars(bundle))
    assert len(at.get("iframe")) == 0 and at.toggle[0].value is False
    at.toggle[0].set_value(True).run()  # the preview, on demand
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


def test_each_file_is_built_on_its_first_download_and_kept(datasets, comparisons):
    at = _open({state.COMPARISON: comparisons["binary"], state.DATASET: datasets["binary"]})
    bundle = _bundle(at)
    made, builders = _entry(at)
    assert made is bundle and list(builders) == _buttons(at)
    assert not any(b.built for b in builders.values())  # opening the page built none
    html = builders["Download HTML report"]()
    assert html == bundle.html.encode("utf-8") and builders["Download HTML report"].built
    assert builders["Download HTML report"]() is html  # kept: the next click builds nothing
    csv = builders["Download predictions.csv"]()
    assert csv == bundle.predictions_csv() and builders["Download predictions.csv"]() is csv
    assert not builders["Download Excel workbook"].built
    at.run()  # a rerun keeps the same builders (and what they built)
    again = _entry(at)
    assert (
        again[0] is bundle and again[1]["Download HTML report"] is builders["Download HTML report"]
    )


def test_built_once_builds_once_across_threads():
    calls = []
    gate = threading.Event()

    def make() -> bytes:
        gate.wait(5)
        calls.append(1)
        return b"file"

    once = BuiltOnce(make)
    assert not once.built
    with ThreadPoolExecutor(max_workers=4) as pool:
        futures = [pool.submit(once) for _ in range(4)]
        gate.set()
        got = [f.result(timeout=10) for f in futures]
    assert got == [b"file"] * 4 and calls == [1] and once.built
