"""Running a comparison from the app: per-session cache keyed by (data, config), progress bar;
every finished comparison is saved as a run (core.runs.store) and its id shown.

Pages never fit a model themselves: the Strategies page calls :func:`run` here."""

from __future__ import annotations

import logging
from dataclasses import dataclass

import streamlit as st

from core.analysis.decision import Decision
from core.analysis.stability import ThresholdStability
from core.evaluation.comparison import CompareConfig, Comparison, run_comparison
from core.intake.dataset import Dataset
from core.runs.store import RunStore, data_dir
from core.text import md
from ui import state
from ui.cache import SessionCache, cache_key
from ui.links import link_to, other_data_note

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
        warn_not_saved(err)
        return None


def warn_not_saved(err: Exception) -> None:
    """Log a failed save and say so on screen: the results stay in this session."""
    log.exception("saving the run failed")
    st.warning(
        f"The results could not be saved as a run ({type(err).__name__}: {md(err)}). They stay "
        f"available in this session. To keep runs, make '{data_dir()}' writable or set "
        "IMBALANCE_DASHBOARD_DATA to a writable folder."
    )


def cached(ds: Dataset, config: CompareConfig) -> Comparison | None:
    """The comparison already computed in this session for (ds, config), if any."""
    hit = COMPARISONS.get(cache_key(ds, config))
    return None if hit is None else hit.comparison


def still_saved(run_id: str) -> bool:
    """Whether run ``run_id`` is still in the store (not deleted on the Runs page)."""
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
        k, repeats = config.cv, config.repeats
        bar = st.progress(0.0, text="Starting the cross-validation…")

        def progress(strategy: str, fold: int, done: int, total: int) -> None:
            where = "hold-out fit" if fold < 0 else f"fold {fold % k + 1} of {k}"
            if fold >= 0 and repeats > 1:
                where += f", repeat {fold // k + 1} of {repeats}"
            bar.progress(done / total, text=f"Fitted {strategy}, {where} ({done}/{total} fits)")

        hit = CachedRun(run_comparison(ds, config, progress=progress), None)
        bar.empty()
    comparison = hit.comparison
    st.session_state[state.COMPARISON] = comparison
    st.session_state[state.CONFIG] = config
    run_id = hit.run_id
    if run_id is None or not still_saved(run_id):
        run_id = save_run(ds, comparison)
    COMPARISONS.put(key, CachedRun(comparison, run_id))
    st.session_state[state.RUN_ID] = run_id
    if run_id is not None:
        st.caption(f"Saved as run `{run_id}`: reopen or compare it later on the **Runs** page.")
    return comparison


def require_comparison() -> Comparison:
    """Page guard: the current comparison, or a helpful message, a link to Strategies and
    ``st.stop()``; a one-line note when the loaded dataset is not the compared one."""
    comparison = st.session_state.get(state.COMPARISON)
    if comparison is None:
        st.info(
            "No comparison yet. Pick the strategies on the Strategies page and press "
            "**Run comparison**."
        )
        link_to("pages/strategies.py")
        st.stop()
    if state.is_predictions(comparison):  # no dataset behind it: say where the scores came from
        st.markdown(
            f":blue-badge[:material/upload_file: Predictions] Scores of models trained "
            f"elsewhere, read from '{md(comparison.dataset.name)}': nothing was refitted."
        )
        return comparison
    note = other_data_note(comparison.dataset, st.session_state.get(state.DATASET))
    if note is not None:  # loading other data keeps the last results: say whose they are
        # a badged line, not an alert box: the page's first box stays its verdict
        st.markdown(f":orange-badge[:material/swap_horiz: Other data] {md(note)}")
    return comparison


# ---------------------------------------------------------------- threshold panel


def show_decision(decision: Decision) -> None:
    """The threshold panel's first lines: the strategy's actual decision for one class, with
    the counts of the table (from the pooled predictions), then what the slider explores."""
    d, cls = decision.decided, decision.class_name
    st.markdown(f"**The strategy's decision (as in the table):** {md(decision.description)}.")
    st.markdown(
        f"It finds {d.tp:,} of {d.tp + d.fn:,} '{md(cls)}' rows and flags {d.fp:,} others: "
        f"precision {d.precision:.3f}, recall {d.recall:.3f}, F1 {d.f1:.3f} "
        f"(TP {d.tp:,} · FP {d.fp:,} · FN {d.fn:,} · TN {d.tn:,})."
    )
    same = (
        "There it gives exactly the decision's counts."
        if decision.exact
        else md(decision.difference)
    )
    st.markdown(
        f"**What one cut would give:** the slider applies one cut to the pooled "
        f"probabilities of '{md(cls)}'. It starts at {decision.start:.2f}, "
        f"{md(decision.start_basis)}. {same}"
    )


def show_stability(stability: ThresholdStability | None, cls: str) -> None:
    """The threshold panel's line on the tuned decision over the folds: its range, sd and
    per-fold values, and the objective at it and one step either side (nothing where the
    strategy tunes nothing for ``cls``)."""
    said = None if stability is None else stability.sentence(cls)
    if said is None:
        return
    entry = stability.entry(cls)
    flag = ""
    if entry.unstable:
        flag = (
            f" :orange-badge[Unstable] The range is {stability.unstable_range:g} or more: "
            "read the decision as that range, not its mean."
        )
    st.markdown(f"**Over the {stability.folds}:** {md(said)}{flag}")
