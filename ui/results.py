"""Running a comparison from the app: per-session cache keyed by (data, config), progress bar;
every finished comparison is saved as a run (core.runs.store) and its id shown.

Pages never fit a model themselves: the Strategies page calls :func:`run` here."""

from __future__ import annotations

import logging
from dataclasses import dataclass

import streamlit as st

from core.evaluation.comparison import CompareConfig, Comparison, run_comparison
from core.intake.dataset import Dataset
from core.runs.store import RunStore, data_dir
from ui import state
from ui.cache import SessionCache, cache_key

log = logging.getLogger(__name__)

COMPARISONS = SessionCache(state.COMPARISON_CACHE, max_entries=6)


@dataclass(frozen=True)
class CachedRun:
    """A comparison computed in this session and the id it was saved as (None: unsaved)."""

    comparison: Comparison
    run_id: str | None


def run_store() -> RunStore:
    """The saved runs: the team's shared workspace (the store holds only its folder)."""
    return RunStore(data_dir())


def save_run(ds: Dataset, comparison: Comparison) -> str | None:
    """Save ``comparison`` with the current file's bytes and profile; the run id, or None.

    A failure to save shows a warning; the results stay in this session either way.
    """
    raw = st.session_state.get(state.RAW)
    same_file = raw is not None and raw.content_hash == ds.content_hash
    data = st.session_state.get(state.RAW_BYTES) if same_file else None
    source = st.session_state.get(state.SOURCE)
    profile = st.session_state.get(state.PROFILE)
    if profile is not None and tuple(profile.classes) != tuple(ds.classes):
        profile = None
    try:
        return run_store().save(
            comparison,
            data_bytes=data,
            data_name=source.name if data is not None and source is not None else None,
            profile=profile,
        )
    except Exception as err:  # saving must never cost the user the results on screen
        log.exception("saving the run failed")
        st.warning(
            f"The results could not be saved as a run ({type(err).__name__}: {err}). They stay "
            f"available in this session. To keep runs, make '{data_dir()}' writable or set "
            "IMBALANCE_DASHBOARD_DATA to a writable folder."
        )
        return None


def cached(ds: Dataset, config: CompareConfig) -> Comparison | None:
    """The comparison already computed in this session for (ds, config), if any."""
    hit = COMPARISONS.get(cache_key(ds, config))
    return None if hit is None else hit.comparison


def _still_saved(run_id: str) -> bool:
    try:
        run_store().info(run_id)
    except Exception:  # deleted on the Runs page, or the store is unreadable: save again
        return False
    return True


def run(ds: Dataset, config: CompareConfig) -> Comparison:
    """Run (or reuse) the comparison, with a progress bar naming the strategy and fold.

    The comparison becomes this session's current one first, then it is saved as a run
    (unless this session already saved it); a failed save only warns.
    """
    key = cache_key(ds, config)
    hit: CachedRun | None = COMPARISONS.get(key)
    if hit is None:
        total_folds = config.cv
        bar = st.progress(0.0, text="Starting the cross-validation…")

        def progress(strategy: str, fold: int, done: int, total: int) -> None:
            where = "hold-out fit" if fold < 0 else f"fold {fold + 1} of {total_folds}"
            bar.progress(done / total, text=f"Fitted {strategy}, {where} ({done}/{total} fits)")

        hit = CachedRun(run_comparison(ds, config, progress=progress), None)
        bar.empty()
    comparison = hit.comparison
    st.session_state[state.COMPARISON] = comparison
    st.session_state[state.CONFIG] = config
    run_id = hit.run_id
    if run_id is None or not _still_saved(run_id):
        run_id = save_run(ds, comparison)
    COMPARISONS.put(key, CachedRun(comparison, run_id))
    st.session_state[state.RUN_ID] = run_id
    if run_id is not None:
        st.caption(f"Saved as run `{run_id}`: reopen or compare it later on the **Runs** page.")
    return comparison


def require_comparison() -> Comparison:
    """Page guard: the current comparison, or a helpful message and ``st.stop()``."""
    comparison = st.session_state.get(state.COMPARISON)
    if comparison is None:
        st.info(
            "No comparison yet. Open **Strategies**, pick the strategies and press "
            "**Run comparison**."
        )
        st.stop()
    return comparison
