"""Running a comparison from the app: per-session cache keyed by (data, config), progress bar."""

from __future__ import annotations

from collections import OrderedDict

import streamlit as st

from core.compare import CompareConfig, Comparison, run_comparison
from core.data import Dataset
from ui import state

CACHE = "comparison_cache"  # session key: OrderedDict[(data key, config key)] -> Comparison
MAX_CACHED = 6


def cache_key(ds: Dataset, config: CompareConfig) -> tuple[str, str]:
    data_key = f"{ds.content_hash}|{'|'.join(ds.target)}|{ds.label_sep}"
    return data_key, repr(config)


def cached(ds: Dataset, config: CompareConfig) -> Comparison | None:
    """The comparison already computed in this session for (ds, config), if any."""
    cache = st.session_state.get(CACHE)
    return None if cache is None else cache.get(cache_key(ds, config))


def run(ds: Dataset, config: CompareConfig) -> Comparison:
    """Run (or reuse) the comparison, with a progress bar naming the strategy and fold."""
    hit = cached(ds, config)
    if hit is None:
        total_folds = config.cv
        bar = st.progress(0.0, text="Starting the cross-validation…")

        def progress(strategy: str, fold: int, done: int, total: int) -> None:
            where = "hold-out fit" if fold < 0 else f"fold {fold + 1} of {total_folds}"
            bar.progress(done / total, text=f"Fitted {strategy}, {where} ({done}/{total} fits)")

        hit = run_comparison(ds, config, progress=progress)
        bar.empty()
        cache = st.session_state.setdefault(CACHE, OrderedDict())
        cache[cache_key(ds, config)] = hit
        while len(cache) > MAX_CACHED:
            cache.popitem(last=False)
    st.session_state[state.COMPARISON] = hit
    st.session_state[state.CONFIG] = config
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
