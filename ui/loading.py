"""Loading a file and choosing its target, cached by file content (st.cache_data)."""

from __future__ import annotations

import hashlib

import streamlit as st

from core.errors import DataError
from core.intake.dataset import Dataset, build_dataset, read_table
from core.intake.reader import RawTable
from core.intake.sampling import stratified_sample
from core.intake.targets import TargetSuggestion, suggest_target
from core.profile.measures import Profile, build_profile
from core.text import md
from ui import state


@st.cache_data(max_entries=16, show_spinner="Reading the file…")
def _read(content_hash: str, name: str, _data: bytes) -> RawTable:
    return read_table(_data, name=name)


@st.cache_data(max_entries=32, show_spinner="Typing columns…")
def _dataset(
    content_hash: str, columns: tuple[str, ...], label_sep: str | None, _raw: RawTable
) -> Dataset:
    target = columns[0] if len(columns) == 1 else list(columns)
    return build_dataset(_raw, target, label_sep=label_sep)


@st.cache_data(max_entries=8, show_spinner="Drawing the stratified sample…")
def _sample(
    content_hash: str,
    columns: tuple[str, ...],
    label_sep: str | None,
    n_rows: int,
    seed: int,
    _ds: Dataset,
) -> Dataset:
    return stratified_sample(_ds, n_rows, seed)


@st.cache_data(max_entries=32, show_spinner="Profiling the classes…")
def _profile(
    content_hash: str, columns: tuple[str, ...], label_sep: str | None, _ds: Dataset
) -> Profile:
    return build_profile(_ds)


@st.cache_data(max_entries=16, show_spinner=False)
def _suggest(content_hash: str, _raw: RawTable) -> TargetSuggestion:
    return suggest_target(_raw)


def target_suggestion(raw: RawTable) -> TargetSuggestion:
    """The suggested target of ``raw`` (cached by file content)."""
    return _suggest(raw.content_hash, raw)


def content_hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def load_file(data: bytes, name: str, kind: str) -> RawTable:
    """Read a file into session state as the current table (raises DataError, state untouched)."""
    raw = _read(content_hash(data), name, data)
    st.session_state[state.RAW] = raw
    st.session_state[state.RAW_BYTES] = data
    st.session_state[state.SOURCE] = state.Source(kind=kind, name=name)
    st.session_state[state.TARGET] = None
    st.session_state[state.DATASET] = None
    st.session_state[state.PROFILE] = None
    st.session_state[state.SAMPLE_ROWS] = None  # a new file starts on all its rows
    return raw


def apply_target(choice: state.TargetChoice, sample_rows: int | None = None) -> Dataset:
    """Build the Dataset and Profile for the current table and ``choice`` into session state.

    With ``sample_rows`` the Dataset is a stratified sample of that many rows (announced in
    its ``sample_note``). On DataError nothing in session state changes, so the last good
    dataset stays usable.
    """
    raw: RawTable = st.session_state[state.RAW]
    if (
        choice == st.session_state.get(state.TARGET)
        and sample_rows == st.session_state.get(state.SAMPLE_ROWS)
        and st.session_state.get(state.DATASET) is not None
    ):
        return st.session_state[state.DATASET]  # unchanged: no copy out of the cache
    ds = _dataset(raw.content_hash, choice.columns, choice.label_sep, raw)
    if sample_rows is not None:
        ds = _sample(
            raw.content_hash, choice.columns, choice.label_sep, sample_rows, state.SAMPLE_SEED, ds
        )
    # keyed by the dataset's hash: a sample's ends in "#sample-<rows>-seed<seed>"
    prof = _profile(ds.content_hash, choice.columns, choice.label_sep, ds)
    # The last comparison stays: the pages that show it say that it ran on other data
    # (ui.links.other_data_note) instead of dropping it silently.
    st.session_state[state.TARGET] = choice
    st.session_state[state.SAMPLE_ROWS] = sample_rows
    st.session_state[state.DATASET] = ds
    st.session_state[state.PROFILE] = prof
    return ds


def load_sample(file_name: str) -> Dataset:
    """Open a bundled sample with the target its manifest names."""
    spec = state.samples()[file_name]
    data = (state.SAMPLE_DIR / file_name).read_bytes()
    load_file(data, file_name, "sample")
    return apply_target(state.TargetChoice(tuple(spec["target"]), spec.get("label_sep")))


def ensure_loaded() -> None:
    """App start: open the default sample so every page has data before any upload."""
    if st.session_state.get(state.RAW) is None:
        try:
            load_sample(state.DEFAULT_SAMPLE)
        except DataError as err:  # a broken install; say so instead of a traceback
            st.error(f"The bundled sample could not be opened: {md(err)}")
