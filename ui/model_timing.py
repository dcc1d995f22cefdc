"""The fit-time estimate of every model on the loaded data, cached per data (st.cache_data).

Computed once per file, target and label separator (about a second, see
:mod:`core.modelling.timing`); the Strategies page's "Model" box reads it.
"""

from __future__ import annotations

import streamlit as st

from core.intake.dataset import Dataset
from core.modelling.timing import FitTimes, time_fits


@st.cache_data(max_entries=16, show_spinner="Timing the models on a sample…")
def _fit_times(
    content_hash: str, target: tuple[str, ...], label_sep: str | None, _ds: Dataset
) -> FitTimes:
    return time_fits(_ds)


def fit_times(ds: Dataset) -> FitTimes:
    """:func:`core.modelling.timing.time_fits` of ``ds``, computed once per data."""
    return _fit_times(ds.content_hash, tuple(ds.target), ds.label_sep, ds)
