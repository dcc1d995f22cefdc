"""Results: one strategy in depth — per-class table, confusion matrices, threshold slider,
PR/ROC, calibration, and the train-vs-validation gap."""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from core import plots
from core.analysis.details import at_threshold
from core.analysis.findings import strategy_findings
from core.analysis.recommendation import recommendation_of
from core.evaluation.fold import TRAIN_SCORE_ROWS
from core.metrics.scores import HEADLINE_METRICS, normalise_confusion
from ui import state, views
from ui.results import require_comparison

st.title("Results")
comparison = require_comparison()
classes = list(comparison.classes)
multilabel = comparison.task == "multilabel"
noun = "label" if multilabel else "class"

ok = [n for n, r in comparison.results.items() if r.ok]
for name, result in comparison.results.items():
    if not result.ok:
        st.warning(f"**{name}** could not run: {result.error}")
if not ok:
    st.error("No strategy ran successfully. See the reasons above, change the setup and rerun.")
    st.stop()

recommended = recommendation_of(comparison).strategy
name = st.selectbox(
    "Strategy",
    ok,
    index=ok.index(recommended) if recommended in ok else 0,
    help="Pick the strategy to inspect; it starts on the recommended one.",
)
result = comparison.results[name]
det = views.details(comparison, name)

# ---------------------------------------------------------------- headline
summary = result.summary
keys = HEADLINE_METRICS[comparison.task]
for col, key in zip(st.columns(len(keys)), keys, strict=True):
    col.metric(views.title(key), f"{summary.get(key, np.nan):.3f}")
st.caption(
    f"Pooled out-of-fold predictions: every one of the {len(comparison.y_true):,} rows is "
    f"predicted once, by a model that never saw it ({comparison.config.cv} folds, model "
    f"{comparison.config.model}, seed {comparison.config.seed})."
)
if result.holdout is not None and result.holdout.status == "ok":
    with st.expander("Hold-out (natural prevalence, never used for choices)"):
        hs = result.holdout.summary
        st.write({views.title(k): round(v, 4) for k, v in hs.items() if k in keys})
        views.per_class_table(result.holdout.per_class, noun)

views.show_findings(strategy_findings(comparison, name))

# ---------------------------------------------------------------- per class
st.subheader(f"Per {noun}")
views.per_class_table(result.per_class, noun)
st.caption("F1 CI: 95% bootstrap interval over rows.")

st.subheader("Confusion matrix")
if multilabel:
    st.plotly_chart(plots.multilabel_confusion_grid(result.confusion, classes), width="stretch")
else:
    cm = np.asarray(result.confusion)
    tab_counts, tab_true, tab_pred = st.tabs(
        ["Counts", "Normalised by true class", "Normalised by predicted class"]
    )
    with tab_counts:
        st.plotly_chart(plots.confusion_heatmap(cm, classes), width="stretch")
    with tab_true:
        st.plotly_chart(
            plots.confusion_heatmap(normalise_confusion(cm, "true"), classes, kind="true"),
            width="stretch",
        )
    with tab_pred:
        st.plotly_chart(
            plots.confusion_heatmap(normalise_confusion(cm, "pred"), classes, kind="pred"),
            width="stretch",
        )

# ---------------------------------------------------------------- threshold
st.subheader("Decision threshold")
if comparison.task == "binary":
    cls = det.probability_class
    st.caption(f"Threshold on the predicted probability of the positive class '{cls}'.")
else:
    cls = st.selectbox(
        f"{noun.capitalize()} (one-vs-rest view)",
        classes,
        index=classes.index(comparison.important_class),
    )
tuned = det.tuned_thresholds.get(cls)
start = float(round(tuned if tuned is not None else 0.5, 2))
threshold = st.slider(
    "Decision threshold",
    0.0,
    1.0,
    start,
    0.01,
    key=state.widget_key("thr", name, cls),
    help="Updates the counts below instantly from precomputed curves (no refit).",
)
now = at_threshold(det, cls, threshold)
base = at_threshold(det, cls, 0.5)
m1, m2, m3, m4 = st.columns(4)
for col, key in zip((m1, m2, m3), ("precision", "recall", "f1"), strict=True):
    col.metric(
        key.capitalize() if key != "f1" else "F1",
        f"{getattr(now, key):.3f}",
        delta=f"{getattr(now, key) - getattr(base, key):+.3f} vs 0.50",
        delta_color="off" if abs(getattr(now, key) - getattr(base, key)) < 1e-12 else "normal",
    )
m4.metric(
    "Accuracy at threshold",
    f"{now.accuracy:.3f}",
    delta=f"{now.accuracy - base.accuracy:+.3f} vs 0.50",
    delta_color="off" if abs(now.accuracy - base.accuracy) < 1e-12 else "normal",
)
left, right = st.columns([1, 2])
with left:
    table = pd.DataFrame(
        [[now.tp, now.fn], [now.fp, now.tn]],
        index=[f"true {cls}", "true other"],
        columns=[f"predicted {cls}", "predicted other"],
    )
    st.dataframe(table, width="stretch")
    st.caption(f"'{cls}' against the rest at threshold {threshold:.2f} (rows).")
with right:
    st.plotly_chart(
        plots.threshold_curve_figure(
            det.threshold_curves[cls], cls, default=0.5, tuned=tuned, chosen=threshold
        ),
        width="stretch",
    )

# ---------------------------------------------------------------- curves
st.subheader("Ranking quality and calibration")
tab_pr, tab_roc, tab_cal = st.tabs(["Precision-recall", "ROC", "Calibration"])
with tab_pr:
    st.plotly_chart(
        plots.pr_curves_figure(det.pr_curves, classes, average_precision=det.average_precision),
        width="stretch",
    )
with tab_roc:
    st.plotly_chart(
        plots.roc_curves_figure(det.roc_curves, classes, auc=det.roc_auc), width="stretch"
    )
with tab_cal:
    st.plotly_chart(plots.calibration_figure(det.calibration, classes), width="stretch")

st.subheader("Train vs validation (overfitting)")
if det.gap.empty:
    st.info("No training-fold scores were recorded for this strategy.")
else:
    st.plotly_chart(plots.train_validation_gap(det.gap, classes), width="stretch")
    st.caption(
        "F1 per class on the rows each fold trained on vs the rows it was validated on, "
        "averaged over folds. Resampled (synthetic) rows are not scored; above "
        f"{TRAIN_SCORE_ROWS:,} training rows per fold, a seeded stratified sample of "
        f"{TRAIN_SCORE_ROWS:,} of them is scored."
    )
