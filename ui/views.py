"""Rendering helpers shared by Results and Compare (tables, findings)."""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd
import streamlit as st

from core.analysis.details import StrategyDetails, strategy_details
from core.metrics.scores import metric_title
from core.profile.finding import Finding
from ui import state
from ui.cache import SessionCache, cache_key

SEVERITY = {"error": st.error, "warning": st.warning, "info": st.info}
DETAILS = SessionCache(state.DETAILS_CACHE, max_entries=24)


def title(metric: str) -> str:
    """The display title of ``metric`` (core's metric registry)."""
    return metric_title(metric)


def show_findings(findings: Iterable[Finding], empty: str | None = None) -> None:
    """Each finding as a message of its severity; ``empty`` as a success when there is none."""
    shown = False
    for finding in findings:
        SEVERITY.get(finding.severity, st.info)(
            f"**{finding.title}.** {finding.message} {finding.suggestion}"
        )
        shown = True
    if not shown and empty:
        st.success(empty)


def details(comparison, name: str) -> StrategyDetails:
    """Curves of one strategy, computed once per session and comparison (slider = lookup)."""
    key = cache_key(comparison.dataset, comparison.config, "details", name)
    return DETAILS.get_or_compute(key, lambda: strategy_details(comparison, name))


def per_class_table(table: pd.DataFrame, noun: str = "class") -> None:
    """Per-class metrics, colour-scaled bars for precision/recall/F1."""
    shown = table.rename(columns={"class": noun})
    config = {
        m: st.column_config.ProgressColumn(
            m.capitalize() if m != "f1" else "F1", format="%.3f", min_value=0.0, max_value=1.0
        )
        for m in ("precision", "recall", "f1")
        if m in shown
    }
    headers = {"f1_ci_low": "F1 CI low", "f1_ci_high": "F1 CI high", "specificity": "Specificity"}
    for col, header in headers.items():
        if col in shown:
            config[col] = st.column_config.NumberColumn(header, format="%.3f")
    config[noun] = st.column_config.TextColumn(noun.capitalize())
    if "support" in shown:
        config["support"] = st.column_config.NumberColumn("Support")
    st.dataframe(shown, hide_index=True, width="stretch", column_config=config)
