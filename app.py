"""Imbalance diagnosis dashboard: ``streamlit run app.py``.

Entry point: session defaults, the bundled sample on first open, the shared sidebar, and
navigation over pages/ (names in DESIGN.md "Words on screen").
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from core.text import md
from ui import state
from ui.boot import through_app
from ui.loading import ensure_loaded
from ui.predictions import sidebar as predictions_sidebar

# The tab icon is a file served by this app's own server (a ":material/...:" icon would be
# fetched from fonts.gstatic.com: no icon offline, and a request leaving the server).
FAVICON = Path(__file__).resolve().parent / "static" / "favicon.png"

through_app()
st.set_page_config(page_title="Imbalance diagnosis", page_icon=str(FAVICON), layout="wide")

state.init()
ensure_loaded()

PAGES = [
    st.Page("pages/data.py", title="Data", icon=":material/table_view:", default=True),
    st.Page("pages/strategies.py", title="Strategies", icon=":material/tune:"),
    st.Page("pages/diagnosis.py", title="Diagnosis", icon=":material/troubleshoot:"),
    st.Page("pages/results.py", title="Results", icon=":material/insights:"),
    st.Page("pages/compare.py", title="Compare", icon=":material/compare_arrows:"),
    st.Page("pages/tradeoffs.py", title="Trade-offs", icon=":material/show_chart:"),
    st.Page("pages/report.py", title="Report", icon=":material/description:"),
    st.Page("pages/runs.py", title="Runs", icon=":material/history:"),
]

nav = st.navigation(PAGES)

with st.sidebar:
    if state.predictions_mode():
        predictions_sidebar()
    ds = None if state.predictions_mode() else st.session_state.get(state.DATASET)
    source = st.session_state.get(state.SOURCE)
    if ds is not None and source is not None:
        st.caption("Current dataset")
        st.text(source.name + (" (sample)" if source.kind == "sample" else ""))
        target = md(", ".join(ds.target))
        kinds = "labels" if ds.task == "multilabel" else "classes"
        st.caption(f"{ds.n_rows:,} rows · {ds.task} · target: {target} · {len(ds.classes)} {kinds}")
        if ds.sampled_from:
            st.info(
                f"Stratified sample: {ds.n_rows:,} of {ds.sampled_from:,} rows. Profile, "
                "results and report come from the sample.",
                icon=":material/filter_alt:",
            )
    shown = st.session_state.get(state.COMPARISON)
    if (
        shown is not None
        and shown.dataset.sampled_from
        and (ds is None or ds.content_hash != shown.dataset.content_hash)
    ):
        st.info(
            f"The results shown ran on a stratified sample: {shown.dataset.n_rows:,} of "
            f"{shown.dataset.sampled_from:,} rows.",
            icon=":material/filter_alt:",
        )

nav.run()
