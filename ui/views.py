"""Rendering helpers shared by Results and Compare (tables, findings)."""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd
import streamlit as st

from core.analysis.details import StrategyDetails, strategy_details
from core.analysis.spread import OVER_FOLDS_NOTE
from core.evaluation.comparison import Comparison
from core.metrics.glossary import metric_help
from core.metrics.scores import metric_title
from core.profile.finding import Finding, without_muted
from core.text import md
from ui import state
from ui.cache import SessionCache, cache_key

SEVERITY = {"error": st.error, "warning": st.warning, "info": st.info}
DETAILS = SessionCache(state.DETAILS_CACHE, max_entries=24)


def title(metric: str) -> str:
    """The display title of ``metric`` (core's metric registry)."""
    return metric_title(metric)


def tip(metric: str, noun: str = "class") -> str | None:
    """The tooltip of ``metric`` (core's glossary, the words of the report), None if none."""
    return metric_help(metric, noun) or None


OVER_PARTS_NOTE = (
    "Pooled: every row of the predictions file scored once, together. Over parts: mean ± sd "
    "of the scores on each cross-fitting part of the file; a part far from the others is "
    "flagged."
)
"""Predictions mode's :data:`core.analysis.spread.OVER_FOLDS_NOTE`: the file's parts."""


def folds_word(comparison: Comparison) -> str:
    """What the over-folds columns run over: ``folds``, or ``parts`` (the cross-fitting parts
    of a predictions file: nothing was fitted on them)."""
    return "parts" if state.is_predictions(comparison) else "folds"


def over_folds_note(comparison: Comparison) -> str:
    """The caption of a pooled figure and its over-folds (predictions mode: over-parts)
    companion."""
    return OVER_PARTS_NOTE if state.is_predictions(comparison) else OVER_FOLDS_NOTE


def show_findings(findings: Iterable[Finding], empty: str | None = None) -> None:
    """Each finding as a message of its severity, with how to read it in a caption, less the
    codes muted on the Data page; ``empty`` as a success when none is shown."""
    findings = list(findings)
    shown = without_muted(findings, st.session_state.get(state.MUTED_FINDINGS) or ())
    for finding in shown:
        SEVERITY.get(finding.severity, st.info)(
            f"**{md(finding.title)}.** {md(finding.message)} {md(finding.suggestion)}"
        )
        if finding.how_to_read:
            st.caption(f"How to read it: {md(finding.how_to_read)} `{finding.code}`")
    if not shown and empty:
        st.success(empty)
    hidden = len(findings) - len(shown)
    if hidden:
        st.caption(
            f"{hidden} muted finding{'' if hidden == 1 else 's'} not shown (**Data** page, "
            "Mute findings)."
        )


def details(comparison, name: str) -> StrategyDetails:
    """Curves of one strategy, computed once per session and comparison (slider = lookup)."""
    key = cache_key(comparison.dataset, comparison.config, "details", name)
    return DETAILS.get_or_compute(key, lambda: strategy_details(comparison, name))


def per_class_table(table: pd.DataFrame, noun: str = "class", over: str = "folds") -> None:
    """Per-class metrics, colour-scaled bars for precision/recall/F1; every header's tooltip
    says what the number means (core's glossary)."""
    shown = table.rename(columns={"class": noun})
    config = {
        m: st.column_config.ProgressColumn(
            m.capitalize() if m != "f1" else "F1",
            format="%.3f",
            min_value=0.0,
            max_value=1.0,
            help=tip(m, noun),
            width="small",  # the whole table fits a 1400 px window without scrolling
        )
        for m in ("precision", "recall", "f1")
        if m in shown
    }
    headers = {"f1_ci_low": ("F1 CI low", "ci"), "f1_ci_high": ("F1 CI high", "ci"),
               "specificity": ("Specificity", "specificity")}  # fmt: skip
    for col, (header, about) in headers.items():
        if col in shown:
            config[col] = st.column_config.NumberColumn(
                header, format="%.3f", help=tip(about, noun), width="small"
            )
    config[noun] = st.column_config.TextColumn(noun.capitalize())
    if "f1_folds" in shown:  # core.analysis.spread.with_f1_over_folds
        config["f1_folds"] = st.column_config.TextColumn(
            f"F1 over {over}",
            width="medium",
            help=OVER_PARTS_NOTE if over == "parts" else OVER_FOLDS_NOTE,
        )
    if "support" in shown:
        config["support"] = st.column_config.NumberColumn(
            "Support", format="localized", help=tip("support", noun)
        )
    st.dataframe(shown, hide_index=True, width="stretch", column_config=config, placeholder="–")


def share_inputs(share_keys: dict[str, str], multilabel: bool) -> dict[str, float]:
    """One "share in use" number box per class (keys: their widget keys), four to a row;
    the shares as entered (checked by core.analysis.deployment.normalise_shares)."""
    boxes = st.columns(min(len(share_keys), 4))
    return {
        c: boxes[i % len(boxes)].number_input(
            f"Share of '{md(c)}' in use",
            min_value=0.0,
            max_value=1.0 if multilabel else None,
            step=0.01,
            format="%.4f",
            key=key,
        )
        for i, (c, key) in enumerate(share_keys.items())
    }
