"""Links between the app's pages (st.page_link), and the note a page shows when the results
it draws are of other data than the dataset loaded now."""

from __future__ import annotations

import contextlib

import streamlit as st
from streamlit.errors import StreamlitPageNotFoundError

from core.intake.dataset import Dataset

#: Where to go next, by page file: (label, icon) of its link.
PAGES = {
    "pages/data.py": ("Open the Data page", ":material/table_view:"),
    "pages/strategies.py": ("Open the Strategies page", ":material/tune:"),
    "pages/runs.py": ("Open the Runs page", ":material/history:"),
}


def link_to(page: str) -> None:
    """A link to ``page`` (a key of :data:`PAGES`). A page run on its own, outside app.py's
    navigation (as AppTest does), has no such page to link to: then nothing is drawn, and
    the message beside the link still names the page."""
    label, icon = PAGES[page]
    with contextlib.suppress(StreamlitPageNotFoundError):
        st.page_link(page, label=label, icon=icon)


def _describe(ds: Dataset) -> str:
    sample = f" (a sample of {ds.n_rows:,} rows)" if ds.sampled_from else ""
    return f"'{ds.name}', target {', '.join(ds.target)}{sample}"


def other_data_note(compared: Dataset, loaded: Dataset | None) -> str | None:
    """One line when the loaded dataset is not the one ``compared`` ran on (another file,
    target, separator or sample), else None."""
    if loaded is None:
        return None
    same = (loaded.content_hash, tuple(loaded.target), loaded.label_sep) == (
        compared.content_hash,
        tuple(compared.target),
        compared.label_sep,
    )
    if same:
        return None
    return (
        f"These results are for {_describe(compared)}; the loaded data is "
        f"{_describe(loaded)}. Run a comparison on it on the Strategies page, or reopen this "
        "run's data on the Runs page."
    )
