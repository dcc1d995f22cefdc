"""Runs: every saved comparison. Reopen one into this session, compare two, delete one.

Saved runs are the team's shared workspace; the dataset and results a session has open stay
its own (session state), including after opening a run here.
"""

from __future__ import annotations

import sqlite3

import pandas as pd
import streamlit as st

from core.errors import DataError
from core.runs.store import RunStore, SavedRun
from core.text import md
from ui import predictions, state, views
from ui.boot import through_app
from ui.cache import SessionCache, cache_key
from ui.links import link_to
from ui.loading import apply_target, load_file
from ui.results import run_store

through_app()  # a deep link on a fresh server: go through app.py first

COMPARED = SessionCache(state.RUNS_COMPARED, max_entries=4)  # store.compare(a, b) per pair
PER_CLASS_TITLES = {"f1": "F1", "precision": "Precision", "recall": "Recall"}


def _open(saved: SavedRun) -> str | None:
    """Make ``saved`` this session's current comparison (and dataset, if it holds the data).

    Returns a note for the user when the data could not come along.
    """
    comparison = saved.comparison
    if state.is_predictions(comparison):  # its file goes to the Data page's predictions path
        return predictions.reopen(saved)
    st.session_state[state.MODE] = state.MODE_DATA
    note = None
    if saved.data_bytes is None:
        note = (
            "This run was saved without its data, so the Data and Strategies pages keep "
            "showing the dataset you had open."
        )
    else:
        before = {key: st.session_state.get(key) for key in state.DATA_KEYS}
        try:
            load_file(saved.data_bytes, saved.data_name or comparison.dataset.name, "run")
            apply_target(
                state.TargetChoice(tuple(comparison.dataset.target), comparison.dataset.label_sep)
            )
        except DataError as err:
            for key, value in before.items():  # all or nothing: keep the previous dataset
                st.session_state[key] = value
            note = (
                f"The data saved with this run could not be read again ({err}); the Data page "
                "keeps showing the dataset you had open."
            )
    st.session_state[state.COMPARISON] = comparison
    st.session_state[state.CONFIG] = comparison.config
    st.session_state[state.RUN_ID] = saved.id
    return note


def _compared(store: RunStore, a: str, b: str) -> pd.DataFrame:
    """``store.compare(a, b)``, kept per pair so reruns do not reload both runs."""
    return COMPARED.get_or_compute(cache_key(None, None, a, b), lambda: store.compare(a, b))


def _judged_by(metric: object, cls: object) -> str:
    """What a run's recommendation was decided on, e.g. "F1 of 'fraud'" or "Macro F1"."""
    if not isinstance(metric, str):
        return ""
    name = PER_CLASS_TITLES.get(metric) or views.title(metric)
    return f"{name} of '{cls}'" if isinstance(cls, str) else name


def _data_key(store: RunStore, run_id: str) -> tuple:
    """What makes two runs' numbers comparable: the file's content, target and separator."""
    try:
        row = store.info(run_id)
    except DataError:  # deleted meanwhile: comparable with nothing
        return (run_id,)
    return (row.get("content_hash"), row.get("target"), row.get("label_sep"))


def _flash(kind: str, message: str) -> None:
    st.session_state[state.RUNS_FLASH] = (kind, message)
    st.rerun()  # so that app.py's sidebar shows the dataset that is current now


st.title("Runs")
st.caption(
    "Every comparison you run is saved here, with the file it ran on. Saved runs are shared "
    "with everyone who uses this app; the data and results you have open stay yours."
)
flash = st.session_state.pop(state.RUNS_FLASH, None)
if flash is not None:
    {"success": st.success, "warning": st.warning}.get(flash[0], st.info)(flash[1])

store = run_store()
try:
    runs = store.list()
except (OSError, sqlite3.Error) as err:
    st.error(
        f"The saved runs could not be read ({type(err).__name__}: {md(err)}). Check the folder "
        f"'{store.root}', or set IMBALANCE_DASHBOARD_DATA to another one."
    )
    st.stop()
if runs.empty:
    st.info(
        "No saved runs yet. Every comparison you run on the Strategies page is saved here "
        "automatically."
    )
    link_to("pages/strategies.py")
    st.stop()

# ---------------------------------------------------------------- the list
shown = runs.assign(
    created=runs["created"].dt.strftime("%Y-%m-%d %H:%M UTC"),
    judged_by=[
        _judged_by(m, c)
        for m, c in zip(runs["recommended_metric"], runs["recommended_class"], strict=True)
    ],
)
st.dataframe(
    shown[
        [
            "created",
            "dataset",
            "task",
            "target",
            "model",
            "strategies",
            "cv",
            "seed",
            "recommended_strategy",
            "judged_by",
            "recommended_value",
            "n_rows",
            "has_data",
            "id",
        ]
    ],  # fmt: skip
    hide_index=True,
    width="stretch",
    placeholder="–",  # a run that recommended nothing: no "None" in its cells
    column_config={
        "created": "Date",
        "dataset": "Dataset",
        "task": "Task",
        "target": "Target",
        "model": "Model",
        "strategies": "Strategies",
        "cv": st.column_config.NumberColumn("Folds", format="%d"),
        "seed": st.column_config.NumberColumn("Seed", format="%d"),
        "recommended_strategy": st.column_config.TextColumn(
            "Recommended", help="The strategy the Compare page recommends for this run."
        ),
        "judged_by": st.column_config.TextColumn(
            "Decided on", help="The score the recommendation is decided on."
        ),
        "recommended_value": st.column_config.NumberColumn("Its score", format="%.3f"),
        "n_rows": st.column_config.NumberColumn("Rows", format="%d"),
        "has_data": st.column_config.CheckboxColumn("Data saved"),
        "id": "Run id",
    },
)

ids = runs["id"].tolist()
labels = {
    row.id: f"{row.created:%Y-%m-%d %H:%M} · {row.dataset} · {row.model} · "
    + (
        f"recommended {row.recommended_strategy}"
        + (
            f" ({_judged_by(row.recommended_metric, row.recommended_class)} "
            f"{row.recommended_value:.3f})"
            if pd.notna(row.recommended_value)
            else ""
        )
        if isinstance(row.recommended_strategy, str)
        else "nothing recommended"
    )
    + f" · {row.id}"
    for row in runs.itertuples()
}
current = st.session_state.get(state.RUN_ID)
chosen = st.selectbox(
    "Run",
    ids,
    index=ids.index(current) if current in ids else 0,
    format_func=labels.get,
    help="Newest first. Opening a run makes it the comparison that Results and Compare show.",
)
if st.button("Open run", type="primary"):
    try:
        saved = store.load(chosen)
    except DataError as err:
        st.error(md(err))
    else:
        note = _open(saved)
        done = f"Opened run `{chosen}`: **Results** and **Compare** now show it."
        if note:
            _flash("warning", f"{done} {md(note)}")
        _flash("success", done)
if current is not None and current in ids:
    st.caption(f"This session's results are run `{current}`.")
# Material icons (the same as the navigation's): they come with Streamlit, where emoji
# depend on the viewer's fonts and showed as empty boxes.
st.page_link("pages/compare.py", label="See the comparison", icon=":material/compare_arrows:")
st.page_link("pages/results.py", label="See each strategy's results", icon=":material/insights:")

# ---------------------------------------------------------------- compare two
st.subheader("Compare two runs")
if len(ids) < 2:
    st.info("Save a second run to compare two runs side by side.")
else:
    col_a, col_b = st.columns(2)
    a = col_a.selectbox("First run (A)", ids, index=1, format_func=labels.get)
    data_of = {run_id: _data_key(store, run_id) for run_id in ids}
    # B starts on the newest other run of the same data and target as A, when there is one
    same = [i for i in ids if i != a and data_of[i] == data_of[a]]
    b = col_b.selectbox(
        "Second run (B)",
        ids,
        index=ids.index(same[0]) if same else 0,
        format_func=labels.get,
        help="Starts on the newest other run of the same data and target as A, if any.",
    )
    if a == b:
        st.info("Pick two different runs.")
    else:
        try:
            table = _compared(store, a, b)
        except DataError as err:
            st.error(md(err))
        else:
            info = runs.set_index("id")
            if data_of[a] != data_of[b]:
                st.warning(
                    f"These runs used different data or targets (A: {md(info.at[a, 'dataset'])}, "
                    f"target {md(info.at[a, 'target'])}; B: {md(info.at[b, 'dataset'])}, target "
                    f"{md(info.at[b, 'target'])}): their numbers measure different problems, so "
                    "compare them with care."
                )
            metrics = list(dict.fromkeys(table["metric"]))
            metric = st.selectbox(
                "Metric",
                metrics,
                index=metrics.index("macro_f1") if "macro_f1" in metrics else 0,
                format_func=views.title,
            )
            picked = table[table["metric"] == metric].drop(columns="metric")
            st.dataframe(
                picked,
                hide_index=True,
                width="stretch",
                placeholder="–",  # a strategy one run did not include has no number there
                column_config={
                    "strategy": "Strategy",
                    "a": st.column_config.NumberColumn(f"A: {views.title(metric)}", format="%.3f"),
                    "b": st.column_config.NumberColumn(f"B: {views.title(metric)}", format="%.3f"),
                    "delta": st.column_config.NumberColumn("Δ (B − A)", format="%+.3f"),
                    "status_a": "Status in A",
                    "status_b": "Status in B",
                },
            )
            st.caption(
                "Pooled out-of-fold scores of each run; Δ is B minus A. A strategy that one "
                "run did not include, or that failed there, shows no number on that side."
            )
            with st.expander("Every metric"):
                st.dataframe(table, hide_index=True, width="stretch", placeholder="–")

# ---------------------------------------------------------------- delete
st.subheader("Delete a run")
st.caption(
    "Deleting removes the run's results and the copy of the data saved with it, for everyone. "
    "Results you have open in this session stay until you close it."
)
confirm = st.checkbox(f"Yes, delete run {chosen}", key=state.widget_key("confirm-delete", chosen))
if st.button("Delete run", disabled=not confirm):
    try:
        store.delete(chosen)
    except DataError as err:
        st.error(md(err))
    else:
        if st.session_state.get(state.RUN_ID) == chosen:
            st.session_state[state.RUN_ID] = None
        _flash("success", f"Deleted run `{chosen}`.")
