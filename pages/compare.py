"""Compare: every strategy side by side, per class, with significance and a recommendation."""

from __future__ import annotations

import zlib

import numpy as np
import streamlit as st

from core import plots
from core.analysis.calibration import calibration_comparison, probabilities_source
from core.analysis.details import accuracy_f1_plane, per_class_long
from core.analysis.diagnosis import uncovered_findings
from core.analysis.paired import verdict_pairs
from core.analysis.recommendation import recommendation_of
from core.analysis.spread import over_folds_table
from core.analysis.stability import tuned_column
from core.metrics.calibration import binning_text
from core.metrics.glossary import help_title
from core.metrics.scores import HEADLINE_METRICS, normalise_confusion
from core.text import md
from ui import state, views
from ui.boot import through_app
from ui.diagnosis import diagnosis_view, pairs_sentence, show_causes, show_pairs, show_verdict
from ui.results import require_comparison

through_app()  # a deep link on a fresh server: go through app.py first

st.title("Compare")
comparison = require_comparison()
classes = list(comparison.classes)
multilabel = comparison.task == "multilabel"
noun = "label" if multilabel else "class"
predicted = state.is_predictions(comparison)  # models trained elsewhere: no baseline, no folds
folds = views.folds_word(comparison)  # "folds", or the "parts" of a predictions file
over_note = views.over_folds_note(comparison)

# ---------------------------------------------------------------- recommendation
important = st.selectbox(
    f"{noun.capitalize()} that matters most",
    classes,
    index=classes.index(comparison.important_class),
    help=(
        "The verdict compares the entries with one another on F1 of this class, row by row "
        "(a paired bootstrap of the rows of the predictions file)."
        if predicted
        else "The verdict compares every strategy with the baseline on F1 of this class, fold "
        "by fold; among those practically equivalent to the best it prefers the simplest."
    ),
)
advice = recommendation_of(comparison, important_class=important)
show_verdict(advice)

# ---------------------------------------------------------------- table
st.subheader("All strategies")
table = comparison.table()
metric_names = comparison.metric_names()
folded = [m for m in metric_names if m in HEADLINE_METRICS[comparison.task]]
table = table.merge(over_folds_table(comparison, folded, important), on="strategy", how="left")
tuned = tuned_column(comparison, important)  # strategies that tune their decision per fold
if tuned:
    table["tuned"] = table["strategy"].map(tuned)
all_cols = ["strategy", "status", "important_f1", "important_f1_folds", "tuned"]
for m in metric_names:
    all_cols += [m, f"{m}_folds", f"{m}_delta", f"{m}_p"]
all_cols += ["macro_f1_ci_low", "macro_f1_ci_high", "mcnemar_p", "fit_seconds"]
all_cols = [c for c in all_cols if c in table.columns]
if predicted:  # no baseline to subtract or test against, nothing fitted here
    dropped = {"mcnemar_p", "fit_seconds"} | {
        f"{m}_{s}" for m in metric_names for s in ("delta", "p")
    }
    all_cols = [c for c in all_cols if c not in dropped]
f1_of = f"F1 of '{important}'"
config = {
    "strategy": st.column_config.TextColumn("Strategy"),
    "status": st.column_config.TextColumn("Status", width="small"),
    "important_f1": st.column_config.NumberColumn(
        f1_of,
        format="%.3f",
        help=f"What the verdict is decided on. {views.tip('f1', noun)}",
    ),
    "important_f1_folds": st.column_config.TextColumn(f"{f1_of} over {folds}", help=over_note),
    "tuned": st.column_config.TextColumn(
        f"Tuned decision (range over {folds})",
        help=f"The mean of the value each {folds[:-1]} tuned (a cut on the probability of "
        + f"'{md(comparison.classes[1] if comparison.task == 'binary' else important)}'"
        + ", or its offset in log-probability units), then its lowest and highest over the "
        f"{folds}; 'unstable' when they are far apart (Results, threshold panel).",
    ),
}
for m in metric_names:
    t = views.title(m)
    config[m] = st.column_config.NumberColumn(t, format="%.3f", help=views.tip(m, noun))
    config[f"{m}_folds"] = st.column_config.TextColumn(f"{t} over {folds}", help=over_note)
    config[f"{m}_delta"] = st.column_config.NumberColumn(
        f"Δ {t}", format="%+.3f", help=f"{t} minus the baseline's (pooled out-of-fold)."
    )
    config[f"{m}_p"] = st.column_config.NumberColumn(
        f"p ({t})", format="%.3g", help=views.tip("p_value", noun)
    )
ci_help = views.tip("ci", noun)
config["macro_f1_ci_low"] = st.column_config.NumberColumn(
    "Macro F1 CI low", format="%.3f", help=ci_help
)
config["macro_f1_ci_high"] = st.column_config.NumberColumn(
    "Macro F1 CI high", format="%.3f", help=ci_help
)
config["mcnemar_p"] = st.column_config.NumberColumn(
    "McNemar p", format="%.3g", help=views.tip("mcnemar_p", noun)
)
config["fit_seconds"] = st.column_config.NumberColumn(
    "Fit s / fold",
    format="%.2f",
    help="Mean seconds to fit one fold on this machine (fits run in parallel): a ranking of "
    "cost, not a forecast.",
)
# The columns that decide, shown without scrolling sideways on a 1400 px window; the rest
# one pick away ("More columns").
essential = ["strategy", "status", "important_f1", "important_f1_folds", "tuned", "macro_f1"]
essential += ["macro_f1_delta", "macro_f1_p", "roc_auc", "mcnemar_p", "fit_seconds"]
essential = [c for c in essential if c in all_cols]
offered = [c for c in all_cols if c not in essential]
extra = st.multiselect(
    "More columns",
    offered,
    format_func=lambda c: config[c].get("label") or c,
    # kept while the columns on offer stay the same (a pick of a column gone would fail)
    key=state.widget_key("compare-columns", zlib.crc32("|".join(offered).encode())),
    help="The table shows the columns the verdict rests on; add any other score or its spread "
    "over the parts (no baseline here: no change vs a baseline, no p-value per score)."
    if predicted
    else "The table shows the columns the verdict and its tests rest on; add any other score, "
    "its spread over folds, its change vs the baseline or its p-value.",
    placeholder="Add scores, spreads over parts…" if predicted else "Add scores, deltas, p-values…",
)
st.dataframe(
    table[all_cols],
    hide_index=True,
    width="stretch",
    column_config=config,
    column_order=[c for c in all_cols if c in essential or c in extra],
    placeholder="–",
)
if predicted:
    st.caption("Click a column header to sort; hover it for what the number means.")
    st.caption(over_note)
    pairs = verdict_pairs(comparison, advice)  # what the verdict read: the rows, not parts
    st.caption(
        "No baseline and no test over the parts: the models were trained elsewhere, not on "
        "the parts. "
        + (
            f"What the verdict compared: {pairs_sentence(advice, important)} McNemar p below "
            "0.05: the two really decide differently."
            if pairs
            else "With a single entry the verdict had nothing to compare it with."
        )
    )
    if pairs:
        show_pairs(pairs, advice.strategy)
else:
    st.caption(
        "Click a column header to sort; hover it for what the number means. Δ = change vs baseline; p = corrected resampled t-test "
        "over the folds (Nadeau & Bengio 2003); McNemar p compares pooled predictions with the "
        "baseline's. p < 0.05: unlikely to be chance."
    )
    st.caption(over_note)
for name, result in comparison.results.items():
    if not result.ok:
        st.warning(f"**{md(name)}** could not run: {md(result.error)}")

# ---------------------------------------------------------------- per class
st.subheader(f"Per {noun}")
metric = st.radio(
    "Metric",
    ["f1", "recall", "precision"],
    horizontal=True,
    format_func=lambda m: "F1" if m == "f1" else m.capitalize(),
)
long = per_class_long(comparison, metric)
label = "F1" if metric == "f1" else metric.capitalize()
tab_bars, tab_heat = st.tabs(["Grouped bars", "Heatmap"])
with tab_bars:
    st.plotly_chart(plots.per_class_bars(long, classes, metric=label, noun=noun), width="stretch")
with tab_heat:
    st.plotly_chart(
        plots.strategy_class_heatmap(long, classes, metric=label, noun=noun), width="stretch"
    )

if not multilabel:
    st.subheader("Confusion matrices")
    matrices = {
        n: normalise_confusion(np.asarray(r.confusion), "true")
        for n, r in comparison.results.items()
        if r.ok
    }
    st.plotly_chart(plots.confusion_side_by_side(matrices, classes), width="stretch")

# ---------------------------------------------------------------- calibration
st.subheader("Calibration")
cal_table = calibration_comparison(comparison, important)
corrected = bool((cal_table["correction"] != "").any())
cal_cols = ["strategy", "brier", "reliability", "ece", "log_loss"]
cal_cols += ["brier_corrected", "reliability_corrected", "correction"] if corrected else []
cal_config = {"strategy": st.column_config.TextColumn("Strategy")}
# Short headers (the full words in each header's help), so the table fits a 1400 px window.
short = {"brier": "Brier", "reliability": "Reliability", "ece": "ECE", "log_loss": "Log loss"}
for c in ("brier", "reliability", "ece", "log_loss"):
    where = "" if c == "log_loss" else f" of '{md(important)}'"
    cal_config[c] = st.column_config.NumberColumn(
        short[c], format="%.4f", help=f"{help_title(c)}{where}. {views.tip(c, noun)}"
    )
    cal_config[f"{c}_corrected"] = st.column_config.NumberColumn(
        f"{short[c]}, corrected",
        format="%.4f",
        help=f"{help_title(c)}{where} after correction. {views.tip(c, noun)}",
    )
st.dataframe(
    cal_table[cal_cols],
    hide_index=True,
    width="content",
    column_config=cal_config,
    # the correction's words are long: listed under the table, not squeezed into a cell
    column_order=[c for c in cal_cols if c != "correction"],
    placeholder="–",
)
st.caption(
    f"How honest each strategy's own probabilities are for '{md(important)}' (one {noun} "
    f"against the rest; log loss over all {'labels' if multilabel else 'classes'}), from "
    f"{probabilities_source(comparison)}. Bins: {binning_text()}"
    + (
        ". Resampling and class weights usually raise the reliability term (miscalibration) "
        "even when they raise recall"
    )
    * (not predicted)
    + (
        "; 'corrected': the same for the corrected probabilities, where a strategy has them"
        * corrected
    )
    + "."
)
corrections: dict[str, list[str]] = {}  # the same words once, with every strategy they fit
for strategy, words in zip(cal_table["strategy"], cal_table["correction"], strict=True):
    if words:
        corrections.setdefault(words, []).append(strategy)
for words, strategies in corrections.items():
    st.caption(
        f"Correction of {', '.join(f'**{md(n)}**' for n in strategies)}: {md(words.rstrip('.'))}."
    )

# ---------------------------------------------------------------- plane
st.subheader("Accuracy vs F1")
plane = accuracy_f1_plane(comparison, important)  # binary: F1 of the class chosen above
st.plotly_chart(
    plots.accuracy_f1_plane(
        plane.points,
        f1_label=plane.f1_label,
        x_label=plane.x_label,
        region=plane.region,
        trivial=plane.trivial,
    ),
    width="stretch",
)
if plane.region is not None:
    st.caption(
        f"The shaded area is every (accuracy, F1) pair any classifier can reach when "
        f"'{md(plane.positive_class)}' is the positive class: accuracy alone says little about "
        "F1."
    )

# ---------------------------------------------------------------- findings
st.subheader("Findings")
st.caption(
    f"The causes found for '{md(important)}', one each whatever number of strategies it concerns "
    "(the evidence, the charts and what to do next are on the **Diagnosis** page), then the "
    "data pitfalls."
)
muted = st.session_state.get(state.MUTED_CAUSES) or ()
view = diagnosis_view(
    comparison, important=important, muted=muted, run_fits=False, with_figures=False
)
shown = show_causes(view.diagnosis.found)
profile = st.session_state.get(state.PROFILE)
pitfalls = []
if profile is not None and profile.classes == comparison.classes:
    pitfalls = uncovered_findings(profile.findings, view.diagnosis)  # each thing said once
if pitfalls or not shown:
    views.show_findings(pitfalls, empty=None if shown else "Nothing alarming in these results.")
st.page_link("pages/diagnosis.py", label="See the diagnosis", icon=":material/troubleshoot:")
