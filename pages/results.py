"""Results: one strategy in depth — per-class table, confusion matrices, threshold slider,
PR/ROC, calibration, and the train-vs-validation gap."""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from core import plots
from core.analysis.calibration import strategy_calibration
from core.analysis.decision import decision_of
from core.analysis.details import at_threshold
from core.analysis.findings import strategy_findings
from core.analysis.recommendation import recommendation_of
from core.analysis.spread import outlier_notes, strategy_spread, with_f1_over_folds
from core.analysis.stability import threshold_stability
from core.evaluation.fold import TRAIN_SCORE_ROWS
from core.metrics.glossary import help_title
from core.metrics.scores import HEADLINE_METRICS, normalise_confusion
from core.text import md
from ui import state, views
from ui.boot import through_app
from ui.results import require_comparison, show_decision, show_stability

through_app()  # a deep link on a fresh server: go through app.py first

st.title("Results")
comparison = require_comparison()
classes = list(comparison.classes)
multilabel = comparison.task == "multilabel"
noun = "label" if multilabel else "class"

ok = [n for n, r in comparison.results.items() if r.ok]
for name, result in comparison.results.items():
    if not result.ok:
        st.warning(f"**{md(name)}** could not run: {md(result.error)}")
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
# None for predicted labels only (a predictions file without scores)
det = views.details(comparison, name) if result.oof_proba is not None else None

# ---------------------------------------------------------------- headline
summary = result.summary
keys = HEADLINE_METRICS[comparison.task]
for col, key in zip(st.columns(len(keys)), keys, strict=True):
    col.metric(views.title(key), f"{summary.get(key, np.nan):.3f}", help=views.tip(key, noun))
st.caption(
    f"The scores of the predictions file: each of its {len(comparison.y_true):,} rows scored "
    "once by a model trained elsewhere; a tuned decision is chosen on the other parts of the "
    f"rows and applied to each part ({comparison.config.cv} parts, seed {comparison.config.seed})."
    if state.is_predictions(comparison)
    else f"Pooled out-of-fold predictions: every one of the {len(comparison.y_true):,} rows is "
    f"predicted once, by a model that never saw it ({comparison.config.cv} folds, model "
    f"{comparison.config.model}, seed {comparison.config.seed})."
)
if result.holdout is not None and result.holdout.status == "ok":
    with st.expander("Hold-out (natural prevalence, never used for choices)"):
        hs = result.holdout.summary
        shown = [k for k in keys if k in hs or k in summary]
        cv = np.array([summary.get(k, np.nan) for k in shown], dtype=float)
        hold = np.array([hs.get(k, np.nan) for k in shown], dtype=float)
        score = {"format": "%.3f"}
        st.dataframe(
            pd.DataFrame(
                {
                    "metric": [views.title(k) for k in shown],
                    "cv": cv,
                    "holdout": hold,
                    "difference": hold - cv,
                }
            ),
            hide_index=True,
            width="content",
            placeholder="–",
            column_config={
                "metric": "Metric",
                "cv": st.column_config.NumberColumn("Cross-validated", **score),
                "holdout": st.column_config.NumberColumn("Hold-out", **score),
                "difference": st.column_config.NumberColumn(
                    "Hold-out − cross-validated", format="%+.3f"
                ),
            },
        )
        st.caption(
            f"Hold-out: {comparison.dataset.n_holdout_rows:,} rows set aside before anything "
            "else, scored by a model fitted on all the cross-validation rows. Cross-validated: "
            "the pooled out-of-fold scores above."
        )
        views.per_class_table(result.holdout.per_class, noun)

with st.container():  # one slot whatever the number of findings (see below)
    views.show_findings(strategy_findings(comparison, name))
# Always one slot here, so the elements below (the threshold fragment) keep their place when
# the strategy changes: a slot that comes and goes left the old panel on screen beside the new.
with st.container():
    if result.warnings:
        with st.expander(f"Notes and warnings on this strategy ({len(result.warnings)})"):
            st.markdown("\n".join(f"- {md(w)}" for w in result.warnings))

# ---------------------------------------------------------------- per class
st.subheader(f"Per {noun}")
spread = strategy_spread(result, classes)
over = views.folds_word(comparison)  # "parts" for a predictions file
views.per_class_table(with_f1_over_folds(result.per_class, spread, over[:-1]), noun, over)
st.caption("F1 CI: 95% bootstrap interval over rows. " + views.over_folds_note(comparison))
with st.container():  # one slot whatever the number of notes
    for note in outlier_notes(spread, noun, over[:-1]):
        st.caption(f"Outlier {over[:-1]}. {md(note)}")

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


def _delta(now: float, base: float) -> dict[str, str]:
    """A metric's change vs the decision as shown (three decimals, never "-0.000"), neutral
    (grey, no arrow) when it reads 0.000: no coloured arrow for no change."""
    shown = round(now - base, 3) + 0.0  # + 0.0: -0.0 reads +0.000
    same = "off" if shown == 0 else None
    return {
        "delta": f"{shown:+.3f} vs the decision",
        "delta_color": same or "normal",
        "delta_arrow": same or "auto",
    }


@st.fragment
def threshold_panel(comparison, name: str, det) -> None:
    """The decision and the slider over one cut, with what it gives: a fragment, so moving
    the slider (or picking another class) reruns only this panel, not the whole page (its
    charts, tables and findings)."""
    st.subheader("Decision threshold")
    classes = list(comparison.classes)
    noun = "label" if comparison.task == "multilabel" else "class"
    if comparison.task == "binary":
        cls = det.probability_class
        st.caption(f"Threshold on the predicted probability of the positive class '{md(cls)}'.")
    else:
        cls = st.selectbox(
            f"{noun.capitalize()} (one-vs-rest view)",
            classes,
            index=classes.index(comparison.important_class),
        )
    decision = decision_of(comparison, det, cls)
    show_decision(decision)
    show_stability(threshold_stability(comparison, name), cls)
    tuned = decision.cut if decision.kind == "tuned_cuts" else None
    start = decision.start
    threshold = st.slider(
        "Decision threshold",
        0.0,
        1.0,
        start,
        0.01,
        key=state.widget_key("thr", name, cls),
        help="One cut on the pooled probabilities, to explore what it would give: updates the "
        "counts below instantly from precomputed curves (no refit). The deltas compare with the "
        "strategy's own decision, as in the table.",
    )
    now = at_threshold(det, cls, threshold)
    base = decision.decided
    m1, m2, m3, m4 = st.columns(4)
    for col, key in zip((m1, m2, m3), ("precision", "recall", "f1"), strict=True):
        col.metric(
            key.capitalize() if key != "f1" else "F1",
            f"{getattr(now, key):.3f}",
            **_delta(getattr(now, key), getattr(base, key)),
        )
    m4.metric("Accuracy at threshold", f"{now.accuracy:.3f}", **_delta(now.accuracy, base.accuracy))
    table = pd.DataFrame(
        [[now.tp, now.fn], [now.fp, now.tn]],
        index=[f"true {cls}", "true other"],
        columns=[f"predicted {cls}", "predicted other"],
    )
    # Its own row, as wide as its content: in a third of the page a long class name pushed
    # the counts out of sight (154 read "15").
    st.dataframe(
        table,
        width="content",
        column_config={
            "_index": st.column_config.TextColumn(""),
            **{c: st.column_config.NumberColumn(c, format="localized") for c in table.columns},
        },
    )
    st.caption(f"'{md(cls)}' against the rest with one cut at {threshold:.2f} (rows).")
    st.plotly_chart(
        plots.threshold_curve_figure(
            det.threshold_curves[cls], cls, default=0.5, tuned=tuned, chosen=threshold
        ),
        width="stretch",
    )


if det is None:  # predicted labels only (a predictions file): nothing to cut or rank
    st.subheader("Decision threshold")
    st.info(
        f"'{md(name)}' gives predicted labels only, no scores: the threshold, ranking and "
        "calibration views need scores. Add one score column per class to see them."
    )
    st.stop()
threshold_panel(comparison, name, det)

# ---------------------------------------------------------------- curves
st.subheader("Ranking quality and calibration")
tab_pr, tab_roc, tab_cal = st.tabs(["Precision-recall", "ROC", "Calibration"])
with tab_pr:
    st.plotly_chart(
        plots.pr_curves_figure(
            det.pr_curves, classes, average_precision=det.average_precision, noun=noun
        ),
        width="stretch",
    )
with tab_roc:
    st.plotly_chart(
        plots.roc_curves_figure(det.roc_curves, classes, auc=det.roc_auc, noun=noun),
        width="stretch",
    )
with tab_cal:
    if result.oof_proba is None:
        st.info("No probabilities for this strategy: calibration needs them.")
    else:
        cal = strategy_calibration(comparison, name)
        before = cal.before
        st.plotly_chart(
            plots.calibration_figure(
                cal.bins, classes, noun=noun, before=before.bins if before is not None else None
            ),
            width="stretch",
        )
        cal_cols = ["class", "brier", "reliability", "resolution", "uncertainty"]
        cal_cols += ["within_bin", "ece"]
        cal_cols += ["brier_before", "reliability_before"] if before is not None else []
        # Short headers, so the nine columns fit a 1400 px window; the full words are in
        # each header's help.
        suffix = ", after correction" if before is not None else ""
        short = {"brier": "Brier", "within_bin": "Within-bin", "ece": "ECE"}
        cal_config = {
            c: st.column_config.NumberColumn(
                short.get(c, help_title(c).split(" (")[0]),
                format="%.4f",
                help=f"{help_title(c)}{suffix}. {views.tip(c, noun)}",
            )
            for c in cal_cols[1:7]
        }
        for c in ("brier", "reliability") if before is not None else ():
            cal_config[f"{c}_before"] = st.column_config.NumberColumn(
                f"{short.get(c, help_title(c).split(' (')[0])} before",
                format="%.4f",
                help=f"{help_title(c)} before correction: the model's own probabilities. "
                + views.tip(c, noun),
            )
        st.dataframe(
            cal.table()[cal_cols],
            hide_index=True,
            width="content",
            column_config={"class": noun.capitalize(), **cal_config},
        )
        own = f" ({before.log_loss:.4f} before correction)" if before is not None else ""
        st.caption(
            f"Calibration of the pooled out-of-fold probabilities, one {noun} against the rest. "
            f"Log loss {cal.log_loss:.4f}{own}. Bins: {cal.binning}. Brier score = reliability − "
            "resolution + uncertainty + within-bin part."
        )
        if before is not None:
            st.caption(
                f"After correction: {md(cal.correction)}. The table's other columns score "
                "the corrected probabilities; the dashed lines and the 'before' columns are "
                "the model's own probabilities, which its decisions and every other score use."
            )

st.subheader("Train vs validation (overfitting)")
if state.is_predictions(comparison):
    st.info("No training rows: these are predictions of a model trained elsewhere.")
elif det.gap.empty:
    st.info("No training-fold scores were recorded for this strategy.")
else:
    st.plotly_chart(plots.train_validation_gap(det.gap, classes, noun=noun), width="stretch")
    st.caption(
        f"F1 per {noun} on the rows each fold trained on vs the rows it was validated on, "
        "averaged over folds. Resampled (synthetic) rows are not scored; above "
        f"{TRAIN_SCORE_ROWS:,} training rows per fold, a seeded stratified sample of "
        f"{TRAIN_SCORE_ROWS:,} of them is scored."
    )
