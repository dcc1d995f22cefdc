"""The Data page's second way in: diagnose the predictions of a model trained elsewhere.

A predictions file is read like a data file (same reader and limits, cached by content);
core finds its layout (:func:`core.intake.predictions.detect_layout`: target, each model's
score columns), the user confirms it and gives the class shares met in use, and
:func:`core.evaluation.scored.comparison_from_predictions` makes the Comparison that
Diagnosis, Results, Compare, Trade-offs and Report show, saved as a run like every
comparison. Nothing is refitted.
"""

from __future__ import annotations

from collections.abc import Mapping

import streamlit as st

from core.analysis.deployment import deployment_dict
from core.errors import DataError
from core.evaluation.comparison import Comparison
from core.evaluation.scored import comparison_from_predictions
from core.intake.dataset import read_table
from core.intake.predictions import (
    PredictionsSet,
    ScoreLayout,
    detect_layout,
    predictions_from_raw,
)
from core.intake.reader import RawTable
from core.runs.store import SavedRun
from core.text import md
from ui import state
from ui.cache import cache_key
from ui.loading import content_hash, target_suggestion
from ui.results import COMPARISONS, CachedRun, run_store, still_saved, warn_not_saved

TARGET_NAMES = ("y_true", "true", "label", "target", "truth", "actual", "class", "y")
"""Column names taken for the true target of a predictions file, first match wins."""
SEED = 0


@st.cache_data(max_entries=8, show_spinner="Reading the predictions…")
def _read(digest: str, name: str, _data: bytes) -> RawTable:
    return read_table(_data, name=name)


@st.cache_data(max_entries=16, show_spinner=False)
def _layout(
    digest: str, target: tuple[str, ...], sep: str | None, prefix: str | None, _raw: RawTable
) -> ScoreLayout:
    column = target[0] if len(target) == 1 else list(target)
    return detect_layout(_raw, column, label_sep=sep, scores_prefix=prefix)


@st.cache_data(max_entries=8, show_spinner="Reading the scores…")
def _scores(
    digest: str,
    target: tuple[str, ...],
    sep: str | None,
    prefix: str | None,
    _raw: RawTable,
    _layout: ScoreLayout,
) -> PredictionsSet:
    return predictions_from_raw(_raw, _layout)


def layout_of(raw: RawTable, choice: state.PredictionsChoice) -> ScoreLayout:
    """What ``raw`` holds read with ``choice`` (cached by content and choice; DataError)."""
    return _layout(raw.content_hash, choice.target, choice.label_sep, choice.scores_prefix, raw)


def scores_of(
    raw: RawTable, choice: state.PredictionsChoice, layout: ScoreLayout
) -> PredictionsSet:
    """The rows and scores of ``raw`` as ``layout`` found them (cached; DataError)."""
    key = (raw.content_hash, choice.target, choice.label_sep, choice.scores_prefix)
    return _scores(*key, raw, layout)


def current(pset: PredictionsSet) -> Comparison | None:
    """The session's comparison when it was made from ``pset`` (same file and target)."""
    comparison = st.session_state.get(state.COMPARISON)
    if comparison is None or not state.is_predictions(comparison):
        return None
    return comparison if cache_key(comparison.dataset) == cache_key(pset) else None


def guess_target(raw: RawTable) -> tuple[str, ...]:
    """The column(s) most likely to hold the true target: a usual name (``label``,
    ``y_true``, ...), else two or more ``true_<label>`` 0/1 columns, else the data files'
    suggestion; () when nothing fits."""
    columns = [str(c) for c in raw.frame.columns]
    lower = {c.lower(): c for c in columns}
    for name in TARGET_NAMES:
        if name in lower:
            return (lower[name],)
    labels = tuple(c for c in columns if c.lower().startswith("true_"))
    if len(labels) >= 2:
        return labels
    column = target_suggestion(raw).column
    return (column,) if column else ()


def load(
    data: bytes, name: str, kind: str, choice: state.PredictionsChoice | None = None
) -> RawTable:
    """Read a predictions file into session state as the current one (DataError: state
    untouched); the target is ``choice``'s, else guessed."""
    raw = _read(content_hash(data), name, data)
    st.session_state[state.PRED_RAW] = raw
    st.session_state[state.PRED_BYTES] = data
    st.session_state[state.PRED_SOURCE] = state.Source(kind=kind, name=name)
    st.session_state[state.PRED_CHOICE] = choice or state.PredictionsChoice(guess_target(raw))
    st.session_state[state.DEPLOY_SHARES] = None
    st.session_state[state.PRED_LOADS] = st.session_state.get(state.PRED_LOADS, 0) + 1
    st.session_state[state.MODE] = state.MODE_PREDICTIONS
    return raw


def load_example(file_name: str) -> RawTable:
    """Open a bundled predictions sample with the target and shares its manifest names."""
    spec = state.prediction_samples()[file_name]
    choice = state.PredictionsChoice(
        tuple(spec["target"]), spec.get("label_sep"), spec.get("scores_prefix")
    )
    raw = load((state.SAMPLE_DIR / file_name).read_bytes(), file_name, "sample", choice)
    if spec.get("shares"):
        shares = {str(c): float(v) for c, v in spec["shares"].items()}
        st.session_state[state.DEPLOY_SHARES] = (raw.content_hash, shares)
    return raw


def diagnose(
    pset: PredictionsSet, choice: state.PredictionsChoice, *, cv: int, important: str | None
) -> Comparison:
    """Make (or reuse) the comparison of ``pset`` this session's current one, and save it as
    a run (unless this session already did); a failed save only warns."""
    key = cache_key(pset, None, "predictions", choice.scores_prefix, cv, important)
    hit: CachedRun | None = COMPARISONS.get(key)
    if hit is None:
        with st.spinner("Scoring the models and cross-fitting their decisions…"):
            made = comparison_from_predictions(pset, cv=cv, seed=SEED, important_class=important)
        hit = CachedRun(made, None)
    comparison = hit.comparison
    st.session_state[state.COMPARISON] = comparison
    st.session_state[state.CONFIG] = comparison.config
    st.session_state[state.MODE] = state.MODE_PREDICTIONS
    run_id = hit.run_id
    if run_id is None or not still_saved(run_id):
        source = st.session_state.get(state.PRED_SOURCE)
        try:
            run_id = run_store().save(
                comparison,
                data_bytes=st.session_state.get(state.PRED_BYTES),
                data_name=source.name if source is not None else pset.name,
            )
        except Exception as err:  # saving must never cost the user the results on screen
            warn_not_saved(err)
            run_id = None
    COMPARISONS.put(key, CachedRun(comparison, run_id))
    st.session_state[state.RUN_ID] = run_id
    return comparison


def reopen(saved: SavedRun) -> str | None:
    """Make the saved predictions run ``saved`` current (and its file, when it was saved
    with it); a note for the user when the file could not come along."""
    comparison = saved.comparison
    note = None
    if saved.data_bytes is None:
        note = (
            "This run was saved without its predictions file, so the Data page keeps showing "
            "the file you had open."
        )
    else:
        keys = (state.PRED_RAW, state.PRED_BYTES, state.PRED_SOURCE, state.PRED_CHOICE,
                state.DEPLOY_SHARES, state.PRED_LOADS)  # fmt: skip
        before = {key: st.session_state.get(key) for key in keys}
        data = comparison.dataset
        choice = state.PredictionsChoice(tuple(data.target), data.label_sep)
        try:
            load(saved.data_bytes, saved.data_name or data.name, "run", choice)
        except DataError as err:
            for key, value in before.items():  # all or nothing: keep the previous file
                st.session_state[key] = value
            note = f"The predictions saved with this run could not be read again ({err})."
    st.session_state[state.COMPARISON] = comparison
    st.session_state[state.CONFIG] = comparison.config
    st.session_state[state.RUN_ID] = saved.id
    st.session_state[state.MODE] = state.MODE_PREDICTIONS
    return note


def shares_in_use(comparison: Comparison) -> dict[str, float] | None:
    """The class shares in use set on the Data page for ``comparison``'s file (and classes),
    else None."""
    stored = st.session_state.get(state.DEPLOY_SHARES)
    if stored is None or stored[0] != comparison.dataset.content_hash:
        return None
    shares = stored[1]
    if set(shares) != set(comparison.classes):
        return None
    return {c: float(shares[c]) for c in comparison.classes}


def deployment_start(comparison: Comparison, fallback: Mapping[str, float]) -> dict[str, float]:
    """Starting shares of a deployment view of ``comparison``: :func:`shares_in_use`, else
    ``fallback`` (e.g. the evaluation shares)."""
    return shares_in_use(comparison) or {c: float(fallback[c]) for c in comparison.classes}


def deployment_of(comparison: Comparison) -> dict | None:
    """results.json's ``deployment`` section at :func:`shares_in_use` (None without them, or
    when they cannot be used), for the report of ``comparison``."""
    shares = shares_in_use(comparison)
    if shares is None:
        return None
    try:
        return deployment_dict(comparison, shares)
    except DataError:  # e.g. all zero: the Data page says so where they are entered
        return None


def sidebar() -> None:
    """The sidebar's lines in predictions mode: the file and what it holds."""
    source = st.session_state.get(state.PRED_SOURCE)
    raw: RawTable | None = st.session_state.get(state.PRED_RAW)
    st.caption("Predictions mode: diagnosing a model trained elsewhere")
    if source is None or raw is None:
        st.caption("No predictions file yet (Data page).")
        return
    st.text(source.name + (" (example)" if source.kind == "sample" else ""))
    comparison = st.session_state.get(state.COMPARISON)
    if comparison is not None and state.is_predictions(comparison):
        data = comparison.dataset
        if data.content_hash == raw.content_hash:
            kinds = "labels" if data.task == "multilabel" else "classes"
            st.caption(
                f"{data.n_rows:,} rows · {data.task} · target: {md(', '.join(data.target))} · "
                f"{len(data.classes)} {kinds}"
            )
            return
    st.caption(f"{len(raw.frame):,} rows · not diagnosed yet")
