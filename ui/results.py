"""Running a comparison from the app: per-session cache keyed by (data, config), progress bar;
every finished comparison is saved as a run (core.runs.store) and its id shown."""

from __future__ import annotations

import logging
from collections import OrderedDict

import streamlit as st

from core.evaluation.comparison import CompareConfig, Comparison, run_comparison
from core.intake.dataset import Dataset
from core.runs.store import RunStore, data_dir
from ui import state

log = logging.getLogger(__name__)

CACHE = "comparison_cache"  # session key: OrderedDict[(data key, config key)] -> Comparison
SAVED = "saved_run_ids"  # session key: {(data key, config key): run id} of runs saved here
RUN_ID = "saved_run_id"  # session key: run id of the current comparison (None if unsaved)
MAX_CACHED = 6


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


def cache_key(ds: Dataset, config: CompareConfig) -> tuple[str, str]:
    data_key = f"{ds.content_hash}|{'|'.join(ds.target)}|{ds.label_sep}"
    return data_key, repr(config)


def cached(ds: Dataset, config: CompareConfig) -> Comparison | None:
    """The comparison already computed in this session for (ds, config), if any."""
    cache = st.session_state.get(CACHE)
    return None if cache is None else cache.get(cache_key(ds, config))


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
    cache = st.session_state.setdefault(CACHE, OrderedDict())
    hit = cache.get(key)
    if hit is None:
        total_folds = config.cv
        bar = st.progress(0.0, text="Starting the cross-validation…")

        def progress(strategy: str, fold: int, done: int, total: int) -> None:
            where = "hold-out fit" if fold < 0 else f"fold {fold + 1} of {total_folds}"
            bar.progress(done / total, text=f"Fitted {strategy}, {where} ({done}/{total} fits)")

        hit = run_comparison(ds, config, progress=progress)
        bar.empty()
        cache[key] = hit
        while len(cache) > MAX_CACHED:
            cache.popitem(last=False)
    st.session_state[state.COMPARISON] = hit
    st.session_state[state.CONFIG] = config
    saved = st.session_state.setdefault(SAVED, {})
    run_id = saved.get(key)
    if run_id is None or not _still_saved(run_id):
        run_id = save_run(ds, hit)
    saved[key] = run_id
    for old in [k for k in saved if k not in cache]:
        del saved[old]
    st.session_state[RUN_ID] = run_id
    if run_id is not None:
        st.caption(f"Saved as run `{run_id}`: reopen or compare it later on the **Runs** page.")
    return hit


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
