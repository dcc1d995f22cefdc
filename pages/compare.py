"""Compare: every strategy side by side, per class, with significance and a recommendation."""

from __future__ import annotations

import numpy as np
import streamlit as st

from core import plots
from core.analysis.details import accuracy_f1_plane, per_class_long
from core.analysis.diagnosis import uncovered_findings
from core.analysis.recommendation import recommendation_of
from core.metrics.scores import normalise_confusion
from ui import state, views
from ui.diagnosis import diagnosis_view, show_causes, show_verdict
from ui.results import require_comparison

st.title("Compare")
comparison = require_comparison()
classes = list(comparison.classes)
multilabel = comparison.task == "multilabel"
noun = "label" if multilabel else "class"

# ---------------------------------------------------------------- recommendation
important = st.selectbox(
    f"{noun.capitalize()} that matters most",
    classes,
    index=classes.index(comparison.important_class),
    help=(
        "The verdict compares every strategy with the baseline on F1 of this class, fold by "
        "fold; among those practically equivalent to the best it prefers the simplest."
    ),
)
advice = recommendation_of(comparison, important_class=important)
show_verdict(advice)

# ---------------------------------------------------------------- table
st.subheader("All strategies")
table = comparison.table()
metric_names = comparison.metric_names()
shown_cols = ["strategy", "status"]
for m in metric_names:
    shown_cols += [m, f"{m}_delta", f"{m}_p"]
shown_cols += ["macro_f1_ci_low", "macro_f1_ci_high", "mcnemar_p", "fit_seconds"]
config = {
    "strategy": st.column_config.TextColumn("Strategy"),
    "status": st.column_config.TextColumn("Status"),
}
for m in metric_names:
    config[m] = st.column_config.NumberColumn(views.title(m), format="%.3f")
    config[f"{m}_delta"] = st.column_config.NumberColumn(f"Δ {views.title(m)}", format="%+.3f")
    config[f"{m}_p"] = st.column_config.NumberColumn(f"p ({views.title(m)})", format="%.3f")
config["macro_f1_ci_low"] = st.column_config.NumberColumn("Macro F1 CI low", format="%.3f")
config["macro_f1_ci_high"] = st.column_config.NumberColumn("Macro F1 CI high", format="%.3f")
config["mcnemar_p"] = st.column_config.NumberColumn("McNemar p", format="%.3f")
config["fit_seconds"] = st.column_config.NumberColumn("Fit s / fold", format="%.2f")
st.dataframe(
    table[[c for c in shown_cols if c in table.columns]],
    hide_index=True,
    width="stretch",
    column_config=config,
)
st.caption(
    "Click a column header to sort. Δ = change vs baseline; p = corrected resampled t-test "
    "over the folds (Nadeau & Bengio 2003); McNemar p compares pooled predictions with the "
    "baseline's. p < 0.05: unlikely to be chance."
)
for name, result in comparison.results.items():
    if not result.ok:
        st.warning(f"**{name}** could not run: {result.error}")

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
    st.plotly_chart(plots.per_class_bars(long, classes, metric=label), width="stretch")
with tab_heat:
    st.plotly_chart(plots.strategy_class_heatmap(long, classes, metric=label), width="stretch")

if not multilabel:
    st.subheader("Confusion matrices")
    matrices = {
        n: normalise_confusion(np.asarray(r.confusion), "true")
        for n, r in comparison.results.items()
        if r.ok
    }
    st.plotly_chart(plots.confusion_side_by_side(matrices, classes), width="stretch")

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
        f"'{plane.positive_class}' is the positive class: accuracy alone says little about F1."
    )

# ---------------------------------------------------------------- findings
st.subheader("Findings")
st.caption(
    f"The causes found for '{important}', one each whatever number of strategies it concerns "
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
