"""Report: download the offline HTML report and the tables (JSON, CSV, Excel, rows to label
next), with a preview of the report. Everything is built once per comparison and kept in
the session."""

from __future__ import annotations

import streamlit as st

from core.report.document import ReportBundle
from ui import state
from ui.cache import SessionCache, cache_key
from ui.diagnosis import compared_inputs, diagnosis_view, show_verdict
from ui.results import require_comparison

REPORTS = SessionCache(state.REPORT_CACHE, max_entries=2)
PREVIEW_HEIGHT = 900


def _build(comparison, dataset, profile, view) -> ReportBundle:
    bundle = ReportBundle(comparison, dataset, profile, diagnosis=view.diagnosis, fits=view.fits)
    with st.spinner("Building the report…"):
        _ = bundle.html
    return bundle


st.title("Report")
comparison = require_comparison()
dataset, profile = compared_inputs(comparison)  # None when another file is loaded now
# The diagnosis the Diagnosis page shows (its mutes, and its fits once they have run there).
muted = tuple(st.session_state.get(state.MUTED_CAUSES) or ())
view = diagnosis_view(comparison, muted=muted, run_fits=False, with_figures=False)

# Built once per comparison and per what the report can include (the data, the profile,
# the diagnostic fits, the muted causes); a reopened run equal in data and config still gets
# its own report (its own fit times).
key = cache_key(
    comparison.dataset,
    comparison.config,
    "report",
    dataset is not None,
    profile is not None,
    view.fits is not None,
    muted,
)
bundle: ReportBundle | None = REPORTS.get(key)
if bundle is None or bundle.comparison is not comparison:
    bundle = REPORTS.put(key, _build(comparison, dataset, profile, view))

data = comparison.dataset
advice = bundle.doc["recommendation"]
st.caption(
    f"{data.name}: {data.n_rows:,} rows, {data.task}, {len(comparison.results)} strategies, "
    f"{comparison.config.cv}-fold cross-validation. The HTML report is one file that opens "
    "offline in any browser: send it to people without Python."
)
show_verdict(advice)
if dataset is None:
    st.info(
        "The dataset of this run is not loaded, so the report leaves out the column decisions, "
        "the imbalance profile and the rows to label next. Load the same file and target on "
        "the **Data** page to include them."
    )

# ---------------------------------------------------------------- downloads
files = bundle.downloads()
for row in range(0, len(files), 3):
    for col, item in zip(st.columns(3), files[row : row + 3], strict=False):
        col.download_button(
            item.label,
            item.data if item.lazy else item.data(),
            file_name=item.file_name,
            mime=item.mime,
            on_click="ignore",
            type="primary" if item is files[0] else "secondary",
            width="stretch",
        )
st.caption(
    "results.json, metrics.csv and predictions.csv are the files `python -m core analyze` "
    "writes; the Excel workbook holds every table on its own sheet (large predictions are cut "
    "at Excel's row limit). Text cells that a spreadsheet could run as a formula start with '."
)

# ---------------------------------------------------------------- label next
st.subheader("Rows to label next")
rows = bundle.label_next
if rows is None:
    st.info(f"Not available: {bundle.label_note}.")
else:
    noun = "labels" if data.task == "multilabel" else "classes"
    st.markdown(
        f"The {len(rows)} rows where **{rows['strategy'].iloc[0]}** is least sure, rows of the "
        f"rarest {noun} first. Check their labels first (a confident wrong prediction is often a "
        "labelling mistake); then, if a rare class simply has too few examples, collect and "
        "label more rows like these rather than duplicating existing ones. Margin: 0 is a coin "
        "flip, 1 is certain."
    )
    st.dataframe(rows.head(20), hide_index=True, width="stretch")

# ---------------------------------------------------------------- preview
st.subheader("Preview")
if st.toggle("Show the report here", value=True, help="The same file as the download."):
    st.iframe(bundle.html, height=PREVIEW_HEIGHT)
