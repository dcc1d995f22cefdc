"""Data: load a CSV (or a sample), pick the target, see the imbalance profile and pitfalls."""

from __future__ import annotations

import contextlib

import pandas as pd
import streamlit as st

from core import plots
from core.analysis.findings import FINDING_CODES
from core.errors import DataError
from core.intake.dataset import schema_frame
from core.intake.sampling import MIN_CLASS_ROWS
from core.profile.pitfalls import PITFALL_CODES
from core.text import md
from ui import state, views
from ui.boot import through_app
from ui.loading import apply_target, content_hash, load_file, load_sample, target_suggestion
from ui.predictions_panel import panel as predictions_panel

through_app()  # a deep link on a fresh server: go through app.py first

ONE_COLUMN = "One column (binary, multiclass, or label sets)"
ZERO_ONE_COLUMNS = "Several 0/1 columns (multi-label)"
MUTE_WIDGET = state.widget_key("mute", "findings")
WAY_WIDGET = state.widget_key("way", "in")
WAYS = {
    state.MODE_DATA: "Compare strategies on a dataset",
    state.MODE_PREDICTIONS: "Diagnose predictions you already have",
}


def _store_way() -> None:
    st.session_state[state.MODE] = st.session_state[WAY_WIDGET]


def _store_muted() -> None:
    st.session_state[state.MUTED_FINDINGS] = list(st.session_state[MUTE_WIDGET])


def _loaded() -> None:
    """A file was just loaded: fresh target widgets, and a rerun so that app.py's sidebar
    (drawn before this page) names the new dataset rather than the previous one."""
    st.session_state[state.LOADS] = st.session_state.get(state.LOADS, 0) + 1
    st.rerun()


st.title("Data")
subtitle = st.empty()  # the dataset way's subtitle; the predictions panel has its own
way = st.radio(
    "Start from",
    list(WAYS),
    index=int(state.predictions_mode()),
    format_func=WAYS.get,
    horizontal=True,
    key=WAY_WIDGET,
    on_change=_store_way,
    help="A dataset: compare imbalance strategies on it, with models fitted here. Predictions: "
    "diagnose a model trained elsewhere from its scores on a validation or test set.",
)
if way == state.MODE_PREDICTIONS:
    predictions_panel()
    st.stop()
subtitle.caption(
    "Load a CSV, pick the target, and see how imbalanced it is and why it will be hard."
)

# ---------------------------------------------------------------- source
col_upload, col_sample = st.columns(2)
with col_upload:
    uploaded = st.file_uploader(
        "Upload a CSV",
        type=["csv", "tsv", "txt"],
        help="Comma, semicolon, tab or pipe separated; UTF-8, UTF-16 or Latin-1.",
    )
with col_sample:
    manifest = state.samples()
    sample = st.selectbox(
        "Sample dataset", list(manifest), format_func=lambda f: manifest[f]["title"]
    )
    st.caption(manifest[sample]["description"])
    if st.button("Use a sample dataset"):
        try:
            load_sample(sample)
            st.session_state[state.UPLOAD_ERROR] = None
        except DataError as err:
            st.error(md(err))
        else:
            _loaded()

if uploaded is None:
    st.session_state[state.UPLOAD_HASH] = None  # so the same file, uploaded again, loads again
else:
    data = uploaded.getvalue()
    digest = content_hash(data)
    if digest != st.session_state.get(state.UPLOAD_HASH):
        st.session_state[state.UPLOAD_HASH] = digest
        st.session_state[state.UPLOAD_ERROR] = None
        try:
            raw = load_file(data, uploaded.name, "upload")
        except DataError as err:
            st.session_state[state.UPLOAD_ERROR] = f"{uploaded.name} could not be loaded: {err}"
        else:
            guess = target_suggestion(raw)
            if guess.column is not None:
                with contextlib.suppress(DataError):  # else the user picks a target below
                    apply_target(state.TargetChoice((guess.column,)))
            _loaded()
if st.session_state.get(state.UPLOAD_ERROR):
    st.error(md(st.session_state[state.UPLOAD_ERROR]))

raw = st.session_state.get(state.RAW)
if raw is None:
    st.info("Upload a CSV or use a sample dataset to begin.")
    st.stop()

source = st.session_state[state.SOURCE]
st.write(
    f"Current file: {md(source.name)} — {len(raw.frame):,} rows × {raw.frame.shape[1]} columns"
)
with st.expander("Preview the first rows"):
    st.dataframe(raw.frame.head(50), width="stretch")

# ---------------------------------------------------------------- target
st.subheader("Target")
guess = target_suggestion(raw)
current: state.TargetChoice | None = st.session_state.get(state.TARGET)
columns = list(raw.frame.columns)
# The target widgets start afresh for each file loaded (even the same file loaded again).
loaded = (raw.content_hash[:12], st.session_state.get(state.LOADS, 0))
multi_now = current is not None and len(current.columns) > 1
kind = st.radio(
    "Target kind",
    [ONE_COLUMN, ZERO_ONE_COLUMNS],
    index=int(multi_now),
    horizontal=True,
    key=state.widget_key("kind", *loaded),
)
if kind == ONE_COLUMN:
    default = current.columns[0] if current and not multi_now else guess.column
    col_target, col_sep = st.columns([2, 1])
    with col_target:
        target = st.selectbox(
            "Target column",
            columns,
            index=columns.index(default) if default in columns else None,
            key=state.widget_key("target", *loaded),
            help=f"Suggested: {md(guess.column)} ({md(guess.reason)})"
            if guess.column
            else md(guess.reason),
        )
    with col_sep:
        sep = st.text_input(
            "Label separator",
            value=(current.label_sep or "") if current and not multi_now else "",
            max_chars=3,
            key=state.widget_key("sep", *loaded),
            help="Only for multi-label sets in one cell, like `billing|bug`: type the separator.",
        )
    choice = state.TargetChoice((target,), sep or None) if target else None
else:
    default_cols = list(current.columns) if multi_now else list(guess.label_columns)
    picked = st.multiselect(
        "Target columns",
        columns,
        default=[c for c in default_cols if c in columns],
        key=state.widget_key("targets", *loaded),
        help="Pick the 0/1 columns, one per label.",
    )
    choice = state.TargetChoice(tuple(picked)) if len(picked) >= 2 else None
    if len(picked) == 1:
        st.info("Pick at least two 0/1 columns, or switch to one column for a single target.")

if choice is None:
    st.stop()


def _sample_rows(n_file: int) -> int | None:
    """The "Work on a stratified sample" controls, offered for big files: rows, or None."""
    current = st.session_state.get(state.SAMPLE_ROWS)
    if n_file <= state.SAMPLE_OFFER_ROWS and current is None:
        return None
    on = st.checkbox(
        "Work on a stratified sample",
        value=current is not None,
        key=state.widget_key("sample-on", *loaded),
        help=f"This file has {n_file:,} rows. A sample keeps each class's share of the rows "
        f"(small classes keep at least {MIN_CLASS_ROWS}) and makes profiling and comparing "
        "quick. While it is on, the sidebar of every page and the report say so.",
    )
    if not on:
        return None
    default = current or min(state.SAMPLE_DEFAULT_ROWS, n_file - 1)
    rows = st.number_input(
        "Rows in the sample",
        min_value=1_000,
        max_value=max(1_000, n_file - 1),
        value=min(default, max(1_000, n_file - 1)),
        step=10_000,
        key=state.widget_key("sample-rows", *loaded),
    )
    return int(rows)


sample_rows = _sample_rows(len(raw.frame))
previous = st.session_state.get(state.DATASET)
try:
    ds = apply_target(choice, sample_rows)
except DataError as err:
    st.error(md(err))
    st.stop()
if ds is not previous:
    st.rerun()  # so that app.py's sidebar names the new target
prof = st.session_state[state.PROFILE]

# ---------------------------------------------------------------- overview
noun = "labels" if ds.is_multilabel else "classes"
singular = "label" if ds.is_multilabel else "class"
c1, c2, c3, c4, c5 = st.columns(5)
c1.metric(
    "Rows analysed",
    f"{ds.n_rows:,}",
    help=f"A stratified sample of the {ds.sampled_from:,} rows" if ds.sampled_from else None,
)
c2.metric("Task", ds.task)
c3.metric(noun.capitalize(), len(ds.classes))
c4.metric("Features used", len(ds.numeric_features) + len(ds.categorical_features))
if ds.is_multilabel:
    c5.metric("MeanIR", f"{prof.multilabel.mean_ir:.1f}", help="Mean imbalance ratio per label")
else:
    c5.metric("Imbalance ratio", f"{prof.imbalance_ratio:.1f} : 1", help="Largest / smallest class")
if ds.sample_note:
    st.info(md(ds.sample_note), icon=":material/filter_alt:")
if ds.n_dropped_missing_target:
    st.info(f"{ds.n_dropped_missing_target:,} rows with no target value were left out.")
notes = [n for n in ds.notes if n != ds.sample_note]
if notes:
    with st.expander(f"What the intake noticed ({len(notes)})"):
        for note in notes:
            st.write("- " + md(note))

# ---------------------------------------------------------------- pitfalls
st.subheader("Pitfalls")
views.show_findings(prof.findings, empty="No data pitfalls found.")
muted = list(st.session_state.get(state.MUTED_FINDINGS) or [])
codes = [*PITFALL_CODES, *FINDING_CODES]
st.multiselect(
    "Mute findings",
    codes,
    default=[m for m in muted if m in codes],
    key=MUTE_WIDGET,
    on_change=_store_muted,
    help="Hide findings you have checked or that do not apply, by their code (shown under "
    "each), here and on Results and Compare. Downloads keep them; the command line leaves "
    "them out with --mute CODE.",
)

# ---------------------------------------------------------------- charts
st.subheader(f"{singular.capitalize()} balance")
st.plotly_chart(
    plots.class_distribution(prof.class_counts, multilabel=ds.is_multilabel), width="stretch"
)
if ds.is_multilabel:
    ml = prof.multilabel
    m1, m2, m3, m4 = st.columns(4)
    m1.metric("Label cardinality", f"{ml.label_cardinality:.2f}", help="Mean labels per row")
    m2.metric("Label density", f"{ml.label_density:.3f}", help="Cardinality / labels")
    m3.metric("CVIR", f"{ml.cvir:.2f}", help="Variation of the per-label imbalance ratios")
    m4.metric("SCUMBLE", f"{ml.scumble:.3f}", help="Rare labels sharing rows with frequent ones")
    irlbl = pd.DataFrame(
        {
            "label": list(ml.irlbl),
            "rows": [prof.class_counts[c] for c in ml.irlbl],
            "IRLbl": [float(v) for v in ml.irlbl.values()],
        }
    )
    st.dataframe(  # one format per column: whole rows with separators, ratios to 2 decimals
        irlbl,
        hide_index=True,
        width="stretch",
        placeholder="–",
        column_config={
            "label": st.column_config.TextColumn("Label"),
            "rows": st.column_config.NumberColumn(
                "Rows", format="localized", help="Rows carrying the label"
            ),
            "IRLbl": st.column_config.NumberColumn(
                "IRLbl",
                format="%.2f",
                help="Rows of the most frequent label / rows of this one (1 = the most "
                "frequent; above 1.5 or so, the label is a minority).",
            ),
        },
    )
    st.plotly_chart(plots.cooccurrence_heatmap(ds.classes, ml.cooccurrence), width="stretch")

st.subheader("Difficulty and overlap")
diff = prof.difficulty
if diff is None:
    st.info(f"Not enough rows or features to judge the neighbourhoods of the {noun}.")
else:
    note = f"Computed on a stratified sample of {diff.n_rows_used:,} rows" if diff.sampled else None
    if diff.types:
        st.plotly_chart(
            plots.difficulty_bars(diff.type_shares, k=diff.k, sample_note=note, noun=singular),
            width="stretch",
        )
        st.caption(
            f"Safe rows sit among their own {singular}; borderline rows among a mix; rare rows "
            f"have one neighbour of their {singular}; outliers none (Napierala & Stefanowski, "
            "2016)."
        )
    else:
        st.info(f"No {singular} is a minority here, so there is no minority difficulty to show.")
    st.markdown(
        f"**Overlap**: which {noun} the {diff.k} nearest neighbours of each {singular}'s rows "
        "belong to" + (f" ({note.lower()})" if note else "")
    )
    # The rows' class as a named column: as an unnamed index it was drawn too narrow ('mediur').
    overlap = pd.DataFrame(diff.overlap).T.rename_axis(f"rows of {singular}").reset_index()
    st.dataframe(
        overlap.style.format("{:.0%}", subset=list(overlap.columns[1:])),
        hide_index=True,
        width="stretch",
    )

st.subheader("Schema report")
st.caption("What the intake did with each column, and why.")
st.dataframe(schema_frame(ds), hide_index=True, width="stretch", placeholder="–")
