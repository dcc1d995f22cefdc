"""The Trade-offs page's computations, cached per session: the two planes and the decision
costs of a positive class, and the multi-objective search (which refits models, so the page
never calls it itself)."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping

import streamlit as st

from core.analysis.costs import DecisionCosts, costs_table, decision_costs, reading_notes
from core.analysis.deployment import normalise_shares
from core.analysis.search import run_search
from core.analysis.search_types import SearchConfig, SearchResult
from core.analysis.sides import Sides, sides
from core.errors import DataError
from core.evaluation.comparison import Comparison
from core.intake.dataset import Dataset
from core.plots.costs import cost_curve_figure, expected_cost_figure
from core.text import md
from ui import state
from ui.cache import SessionCache, cache_key

SIDES = SessionCache(state.SIDES_CACHE, max_entries=16)
SEARCHES = SessionCache(state.SEARCH_CACHE, max_entries=16)
LAST_SEARCH = SessionCache(state.LAST_SEARCH, max_entries=32)  # -> a key into SEARCHES


def widget_tag(comparison: Comparison) -> str:
    """A short tag of ``comparison`` for its widgets' keys (fresh widgets per comparison)."""
    key = cache_key(comparison.dataset, comparison.config)
    return hashlib.sha1(repr(key).encode()).hexdigest()[:10]


def cached_sides(comparison: Comparison, positive: str) -> Sides:
    """The two planes of ``positive``, computed once per session and comparison."""
    key = cache_key(comparison.dataset, comparison.config, "sides", positive)
    return SIDES.get_or_compute(key, lambda: sides(comparison, positive))


def cached_costs(comparison: Comparison, positive: str) -> DecisionCosts | None:
    """The decision costs of ``positive`` (cost curves, expected cost against its share in
    use), computed once per session and comparison; they share the planes' bounded cache."""
    key = cache_key(comparison.dataset, comparison.config, "costs", positive)
    return SIDES.get_or_compute(key, lambda: decision_costs(comparison, positive))


def share_in_use(
    comparison: Comparison, entered: Mapping[str, float], costs: DecisionCosts
) -> float | None:
    """The share in use of the costs' positive class from the shares ``entered`` (rescaled as
    the deployment estimate does); None when they cannot be read, or when it is the
    evaluation share at the precision shown (0.1%): nothing to mark then."""
    try:
        shares = normalise_shares(
            entered, comparison.classes, multilabel=comparison.task == "multilabel"
        )
    except DataError:  # the Deployment prevalence section says why
        return None
    share = float(shares[list(comparison.classes).index(costs.positive_class)])
    return None if abs(share - costs.evaluation_prevalence) < 5e-4 else share


def show_costs(costs: DecisionCosts, in_use: float | None) -> None:
    """The Decision costs section: the cost curves, the expected cost against the share in
    use (with ``in_use`` marked, when given) and the cost per row of each strategy."""
    curves_note, expected_note = reading_notes(costs)
    st.plotly_chart(cost_curve_figure(costs), width="stretch")
    st.caption(md(curves_note))
    st.plotly_chart(expected_cost_figure(costs, in_use=in_use), width="stretch")
    st.caption(md(expected_note))
    if in_use is not None:
        st.caption(
            f"The second dotted line marks the share of '{md(costs.positive_class)}' in use, "
            f"{in_use:.1%}: the shares under Deployment prevalence, below."
        )
    cost = {"format": "%.4f", "help": "At the evaluation share."}  # fixed decimals, as the report
    st.dataframe(
        costs_table(costs),
        hide_index=True,
        width="stretch",
        column_config={
            "strategy": "Strategy",
            "recall": st.column_config.NumberColumn(
                f"Recall of '{costs.positive_class}'", format="%.3f"
            ),
            "false_positive_rate": st.column_config.NumberColumn(
                "False positive rate", format="%.3f"
            ),
            "cost_own": st.column_config.NumberColumn("Cost per row, own decisions", **cost),
            "cost_best": st.column_config.NumberColumn("Cost per row, cheapest cut", **cost),
        },
    )


def ran_on(ds: Dataset | None, comparison: Comparison) -> bool:
    """Whether ``ds`` is the data ``comparison`` ran on (same file, target and separator)."""
    return ds is not None and cache_key(ds) == cache_key(comparison.dataset)


def search_front(
    ds: Dataset, comparison: Comparison, positive: str, n_trials: int, seconds: int
) -> SearchResult | None:
    """Run (or reuse) the search for ``positive`` with a progress bar; it becomes the search
    shown for (comparison, positive). A DataError is shown on the page and gives None."""
    key = cache_key(
        comparison.dataset, comparison.config, "search", positive, int(n_trials), int(seconds)
    )
    result = SEARCHES.get(key)
    if result is None:
        bar = st.progress(0.0, text="Starting the search…")

        def progress(trial: int, total: int) -> None:
            bar.progress(trial / total, text=f"Trial {trial} of at most {total}")

        try:
            result = run_search(
                ds,
                comparison,
                SearchConfig(
                    n_trials=int(n_trials), timeout=float(seconds), positive_class=positive
                ),
                progress=progress,
            )
        except DataError as err:
            st.error(md(err))
        bar.empty()
        if result is None:
            return None
        SEARCHES.put(key, result)
    LAST_SEARCH.put(_last_key(comparison, positive), key)
    return result


def last_search_front(comparison: Comparison, positive: str) -> SearchResult | None:
    """The search last run in this session for (comparison, positive), if still cached."""
    key = LAST_SEARCH.get(_last_key(comparison, positive))
    return None if key is None else SEARCHES.get(key)


def _last_key(comparison: Comparison, positive: str) -> tuple:
    return cache_key(comparison.dataset, comparison.config, "last-search", positive)
