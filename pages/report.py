"""Report: download the offline HTML report and the tables (JSON, CSV, Excel, rows to label
next), with a preview of the report on demand. Opening the page builds no file: each one is
built when its download button (or the preview) first asks for it, then kept in the
session with its comparison's ReportBundle."""

from __future__ import annotations

from dataclasses import replace

import streamlit as st

from core.analysis.diagnosis import diagnose
from core.analysis.recommendation import recommendation_of
from core.evaluation.diagnostic_fits import DiagnosticFits
from core.profile.finding import without_muted
from core.report.document import ReportBundle
from core.text import md
from ui import state
from ui.boot import through_app
from ui.cache import BuiltOnce, SessionCache, cache_key
from ui.diagnosis import cached_fits, compared_inputs, show_verdict
from ui.predictions import deployment_of
from ui.results import require_comparison

through_app()  # a deep link on a fresh server: go through app.py first

# per report: its ReportBundle, and a BuiltOnce per download button (the bytes, once built)
REPORTS = SessionCache(state.REPORT_CACHE, max_entries=2)
PREVIEW_HEIGHT = 900


def _bundle(
    comparison, dataset, profile, fits: DiagnosticFits | None, muted, muted_findings, deployment
) -> ReportBundle:
    """The comparison's files, none built yet: the bundle builds each on first use.

    Its diagnosis is the Diagnosis page's (same data, profile and fits). Without muted causes
    or findings the bundle makes it itself, with the same call, when a file first needs it:
    then opening the page diagnoses nothing."""
    diagnosis = None
    if muted or muted_findings:
        diagnosis = diagnose(comparison, profile=profile, dataset=dataset, fits=fits, muted=muted)
    if profile is not None and muted_findings:  # the Data page's muted findings stay out
        profile = replace(profile, findings=tuple(without_muted(profile.findings, muted_findings)))
    return ReportBundle(
        comparison,
        dataset,
        profile,
        diagnosis=diagnosis,
        fits=fits,
        muted_findings=muted_findings,
        deployment=deployment,  # at the shares in use set on the Data page (predictions)
    )


st.title("Report")
comparison = require_comparison()
dataset, profile = compared_inputs(comparison)  # None when another file is loaded now
# The diagnosis the Diagnosis page shows (its mutes, and its fits once they have run there).
muted = tuple(st.session_state.get(state.MUTED_CAUSES) or ())
fits = cached_fits(comparison)
muted_findings = tuple(st.session_state.get(state.MUTED_FINDINGS) or ())
deployment = deployment_of(comparison)

# Built once per comparison and per what the report can include (the data, the profile,
# the diagnostic fits, the muted causes); a reopened run equal in data and config still gets
# its own report (its own fit times).
key = cache_key(
    comparison.dataset,
    comparison.config,
    "report",
    dataset is not None,
    profile is not None,
    fits is not None,
    muted,
    muted_findings,
    repr(deployment and deployment["shares"]),
)
entry: tuple[ReportBundle, dict[str, BuiltOnce]] | None = REPORTS.get(key)
if entry is None or entry[0].comparison is not comparison:
    made = _bundle(comparison, dataset, profile, fits, muted, muted_findings, deployment)
    entry = REPORTS.put(
        key, (made, {item.label: BuiltOnce(item.data) for item in made.downloads()})
    )
bundle, builders = entry

data = comparison.dataset
advice = recommendation_of(comparison)  # the verdict of bundle.doc, without building it
st.caption(
    f"{md(data.name)}: {data.n_rows:,} rows, {data.task}, {len(comparison.results)} "
    + (
        f"decisions of models trained elsewhere ({comparison.config.cv} parts for tuning)."
        if state.is_predictions(comparison)
        else f"strategies, {comparison.config.cv}-fold cross-validation."
    )
    + " The HTML report is one file that opens "
    "offline in any browser: send it to people without Python."
)
show_verdict(advice)
if state.is_predictions(comparison):
    st.info(
        "These are predictions of a model trained elsewhere: the report has no column "
        "decisions, imbalance profile or learning curve, since those need the features."
    )
elif dataset is None:
    st.info(
        "The dataset of this run is not loaded, so the report leaves out the column decisions, "
        "the imbalance profile and the rows to label next. Load the same file and target on "
        "the **Data** page to include them."
    )

# ---------------------------------------------------------------- downloads
# Each button gets a callable: Streamlit runs it (off the script thread) when the button is
# clicked; it builds the file on the first click and keeps the bytes, in this session, for
# the next clicks (and the bundle keeps the HTML for the preview).
files = bundle.downloads()
for row in range(0, len(files), 3):
    for col, item in zip(st.columns(3), files[row : row + 3], strict=False):
        col.download_button(
            item.label,
            builders[item.label],
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
    st.info(f"Not available: {md(bundle.label_note)}.")
else:
    noun = "labels" if data.task == "multilabel" else "classes"
    one = noun[:-1] if noun == "labels" else "class"
    st.markdown(
        f"The {len(rows)} rows where **{md(rows['strategy'].iloc[0])}** is least sure, rows of the "
        f"rarest {noun} first. Check their labels first (a confident wrong prediction is often a "
        f"labelling mistake); then, if a rare {one} simply has too few examples, collect and "
        "label more rows like these rather than duplicating existing ones. Margin: 0 is a coin "
        "flip, 1 is certain."
    )
    number = st.column_config.NumberColumn
    st.dataframe(
        rows.head(20),
        hide_index=True,
        width="stretch",
        column_config={
            "rank": number("Rank"),
            "strategy": "Strategy",
            "row": number("Row", help="0-based data row of the file"),
            "focus_class": f"Focus {one}",
            "in_doubt": st.column_config.CheckboxColumn("In doubt"),
            "margin": number("Margin", format="%.4f"),
            "y_true": "True",
            "y_pred": "Predicted",
            **{
                c: number(f"P({c.removeprefix('proba_')})", format="%.3f")
                for c in rows.columns
                if c.startswith("proba_")
            },
        },
    )

# ---------------------------------------------------------------- preview
st.subheader("Preview")
if st.toggle(
    "Show the report here",
    value=False,
    help="The same file as the download; built when first shown (a few seconds), then kept.",
):
    with st.spinner("Building the report…"):
        html = bundle.html
    st.iframe(html, height=PREVIEW_HEIGHT)
