"""Diagnosis: the honest verdict, then why the important class fails and what would help.

The verdict needs no fit, so it is drawn first; the diagnostic fits (learning curve, reference
models: seconds) run after it, with a progress bar, and the causes follow."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from core.analysis.diagnosis import CAUSE_IDS, CAUSE_TITLES
from core.analysis.paired import verdict_pairs
from core.analysis.recommendation import P_BETTER, recommendation_of
from core.analysis.verdict import probability_text
from core.report.diagnosis import (
    CAUSE_VERDICT_TITLES,
    evidence_rows,
    evidence_tables,
    next_steps,
)
from core.text import md
from ui import state
from ui.boot import through_app
from ui.diagnosis import diagnosis_view, pairs_sentence, show_pairs, show_verdict
from ui.results import require_comparison

through_app()  # a deep link on a fresh server: go through app.py first

CAUSE_ICONS = {"yes": ":material/report:", "unclear": ":material/help:", "no": ":material/check:"}
MUTE_WIDGET = state.widget_key("mute", "causes")


def _store_muted() -> None:
    st.session_state[state.MUTED_CAUSES] = list(st.session_state[MUTE_WIDGET])


st.title("Diagnosis")
comparison = require_comparison()
flash = st.session_state.get(state.RUN_FLASH)
if flash is not None:
    st.session_state[state.RUN_FLASH] = None  # said once, where the run landed
    run_id = st.session_state.get(state.RUN_ID)
    saved = f" Saved as run `{run_id}`: reopen it on the **Runs** page." if run_id else ""
    st.caption(f":material/check_circle: {flash.message}{saved}")
    for name, reason in flash.failed:
        st.warning(f"{md(name)} could not run: {md(reason)}")

muted = list(st.session_state.get(state.MUTED_CAUSES) or [])
rec = recommendation_of(comparison)  # the verdict, from the comparison alone
important = comparison.important_class  # the class the verdict and the causes are about
noun = "label" if comparison.task == "multilabel" else "class"

# ---------------------------------------------------------------- the verdict
show_verdict(rec)
chosen = next(
    (v for v in rec.per_strategy if v.strategy == rec.strategy and v.strategy != "baseline"), None
)
predicted = state.is_predictions(comparison)  # models trained elsewhere: no baseline, no folds
if chosen is not None and not predicted:
    st.markdown(
        f"Against the baseline, per fold (ROPE ±{rec.rope:g}): "
        f"P(better) **{probability_text(chosen.p_better, P_BETTER)}** · P(equivalent) "
        f"**{chosen.p_equivalent:.2f}** · P(worse) **{chosen.p_worse:.2f}**; mean difference "
        f"{chosen.mean_delta:+.3f}."
    )
pairs = verdict_pairs(comparison, rec) if predicted else ()
if pairs:  # what the predictions-mode verdict read: the rows resampled, not folds
    st.markdown(pairs_sentence(rec, important))
    show_pairs(pairs, rec.strategy)
if rec.alternatives:
    alternatives = ", ".join(md(a) for a in rec.alternatives)
    st.markdown(f"Practically equivalent alternatives: {alternatives}.")
if rec.per_strategy:
    table = pd.DataFrame(
        [
            {
                "strategy": v.strategy,
                "f1": v.value,
                "delta": v.mean_delta,
                "p_better": v.p_better,
                "p_equivalent": v.p_equivalent,
                "p_worse": v.p_worse,
                "beats_trivial": "yes" if v.beats_trivial else "no",
                "roc_auc": v.roc_auc,
            }
            for v in rec.per_strategy
        ]
    )
    if predicted:
        table = table.drop(columns=["delta", "p_better", "p_equivalent", "p_worse"])
    number = st.column_config.NumberColumn
    st.dataframe(
        table,
        hide_index=True,
        width="stretch",
        column_config={
            "strategy": st.column_config.TextColumn("Strategy"),
            "f1": number(f"F1 of '{important}'", format="%.3f"),
            "delta": number("Δ vs baseline (mean over folds)", format="%+.3f"),
            "p_better": number("P(better)", format="%.4f"),
            "p_equivalent": number("P(equivalent)", format="%.4f"),
            "p_worse": number("P(worse)", format="%.4f"),
            "beats_trivial": st.column_config.TextColumn("Beats the trivial classifier"),
            "roc_auc": number(f"ROC AUC of '{important}'", format="%.3f"),
        },
    )
    st.caption(
        f"Each model's decisions on the F1 of the {noun}, on the rows of the predictions file. "
        f"A decision counts only if it beats the classifier that always says this {noun} and "
        "ranks above chance."
        if predicted
        else f"Each strategy against the baseline on the F1 of the {noun}, fold by fold "
        "(Bayesian correlated t-test). A strategy counts only if it beats the classifier that "
        f"always says this {noun} and ranks above chance."
    )

# ---------------------------------------------------------------- the causes
# After the verdict is on screen: the diagnostic fits run here (once per session, data,
# configuration and class; a progress bar meanwhile), then the causes are judged.
view = diagnosis_view(comparison, muted=muted)
found = view.diagnosis
st.subheader(f"Why '{md(found.class_name)}' fails: the causes, most likely first")
st.markdown(md(found.summary))
if view.fits_note:
    lead = "Some causes are skipped" if predicted else "Some causes stay unclear"
    st.caption(f"{lead}: {md(view.fits_note)}.")
for cause in found.causes:
    label = f"{md(cause.title)} — {CAUSE_VERDICT_TITLES.get(cause.verdict, cause.verdict)}"
    with st.expander(label, expanded=cause.verdict == "yes", icon=CAUSE_ICONS.get(cause.verdict)):
        st.caption(f"`{cause.id}` · severity {cause.severity}")
        figure = view.figures.get(cause.id)
        left, right = st.columns([1, 1]) if figure is not None else (st.container(), None)
        with left:
            rows = evidence_rows(cause.evidence)
            if rows:
                st.markdown("\n".join(f"- {md(what)}: **{md(value)}**" for what, value in rows))
            st.markdown(f"**How to read it.** {md(cause.how_to_read)}")
            st.markdown(f"**What to do.** {md(cause.suggestion)}")
        if right is not None:
            right.plotly_chart(figure, width="stretch")
        for table in evidence_tables(cause.evidence):
            st.caption(f"Evidence: {md(table.title)}")
            st.dataframe(
                pd.DataFrame(list(table.rows), columns=list(table.columns)), hide_index=True
            )

st.multiselect(
    "Mute causes",
    list(CAUSE_IDS),
    default=[m for m in muted if m in CAUSE_IDS],
    key=MUTE_WIDGET,
    format_func=lambda cause_id: CAUSE_TITLES.get(cause_id, cause_id),
    on_change=_store_muted,
    help="Hide causes you have checked or that do not apply (they stay in results.json of "
    "the command line unless you pass --mute).",
)

# ---------------------------------------------------------------- next
st.subheader("What to do next")
steps = next_steps(found)
if steps:
    st.markdown("\n".join(f"{i}. {md(s)}" for i, s in enumerate(steps, 1)))
else:
    st.markdown(f"No cause was found for '{md(found.class_name)}'; see the evidence above.")
st.page_link("pages/compare.py", label="See the comparison", icon=":material/compare_arrows:")
st.page_link("pages/results.py", label="See each strategy's results", icon=":material/insights:")
