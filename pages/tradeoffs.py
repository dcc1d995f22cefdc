"""Trade-offs: the (accuracy, F1) plane per positive class with every strategy at every
threshold and its Pareto front, minority vs majority as positive, a multi-objective search,
decision costs (cost curves, expected cost against the share in use) and the metrics expected
at the class shares met in use."""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from core.analysis.deployment import deployment_estimate, evaluation_shares, holdout_shares
from core.analysis.planes import default_positive, positive_classes
from core.analysis.search_view import search_view
from core.errors import DataError
from core.modelling.search_space import SEARCH_SPACES, search_space
from core.plots.tradeoff import prevalence_figure, tradeoff_plane, tradeoff_sides
from core.text import md
from ui import state, views
from ui.boot import through_app
from ui.links import link_to
from ui.predictions import deployment_start
from ui.results import require_comparison
from ui.tradeoffs import (
    cached_costs,
    cached_sides,
    last_search_front,
    ran_on,
    search_front,
    share_in_use,
    show_costs,
    widget_tag,
)

through_app()  # a deep link on a fresh server: go through app.py first

SHOWN_POINTS = 60  # threshold points drawn per strategy (every Pareto point is kept)


def _cut_text(t: float) -> str:
    """A cut with four decimals in every row (0.9390, not 0.939 under 0.9584); a tiny
    nonzero cut in scientific notation rather than 0.0000."""
    return f"{t:.4f}" if t == 0 or abs(t) >= 1e-3 else f"{t:.1e}"


def point_table(frame: pd.DataFrame, pos: str, neg: str) -> None:
    """Points of a plane as a table, thresholds as text ("never": all negative)."""
    shown = frame.assign(  # one text column: "never" (all negative) is not a number
        threshold=[
            "never" if np.isinf(t) else ("—" if np.isnan(t) else _cut_text(t))
            for t in frame["threshold"].to_numpy(dtype=float)
        ]
    )
    cols = ["strategy", "threshold", "accuracy", "f1", "recall_pos", "recall_neg"]
    cols += ["balanced_accuracy", "precision"]
    fmt = {"format": "%.3f"}
    st.dataframe(
        shown[cols],
        hide_index=True,
        width="stretch",
        column_config={
            "strategy": "Strategy",
            "threshold": st.column_config.TextColumn("Threshold"),
            "accuracy": st.column_config.NumberColumn("Accuracy", **fmt),
            "f1": st.column_config.NumberColumn(f"F1 of '{pos}'", **fmt),
            "recall_pos": st.column_config.NumberColumn(f"Recall of '{pos}'", **fmt),
            "recall_neg": st.column_config.NumberColumn(f"Recall of '{neg}'", **fmt),
            "balanced_accuracy": st.column_config.NumberColumn("Balanced accuracy", **fmt),
            "precision": st.column_config.NumberColumn("Precision", **fmt),
        },
    )


st.title("Trade-offs")
comparison = require_comparison()
multilabel = comparison.task == "multilabel"
noun = "label" if multilabel else "class"
tag = widget_tag(comparison)  # widget keys per comparison

options = positive_classes(comparison)
if not options or not any(r.ok for r in comparison.results.values()):
    st.error("No strategy ran successfully, so there is no trade-off to show.")
    st.stop()
eval_shares = evaluation_shares(comparison)
positive = st.selectbox(
    f"Positive {noun}",
    options,
    index=options.index(default_positive(comparison)),
    format_func=lambda c: f"{c} ({eval_shares[c]:.1%} of rows)",
    help="F1 is the F1 of this "
    + noun
    + ("" if comparison.task == "binary" else " against all the rest")
    + "; the default is the rarest.",
)
both = cached_sides(comparison, positive)
zoom = st.toggle(
    "Zoom in on the strategies",
    value=True,
    help="Off: the whole feasible region, with both trivial classifiers.",
)

# ---------------------------------------------------------------- plane (drawn last)
st.subheader("Accuracy vs F1 at every threshold")
plane_slot = st.container()

# ---------------------------------------------------------------- two sides
st.subheader("Minority vs majority as the positive class")
st.plotly_chart(
    tradeoff_sides(
        both.positive.thinned(SHOWN_POINTS), both.complement.thinned(SHOWN_POINTS), zoom=zoom
    ),
    width="stretch",
)
st.info(md(both.sentence))
pos_name, neg_name = both.positive.positive_class, both.complement.positive_class
fmt3 = {"format": "%.3f"}
st.dataframe(
    both.table,
    hide_index=True,
    width="stretch",
    column_config={
        "strategy": "Strategy",
        "best_f1_pos": st.column_config.NumberColumn(f"Best F1, '{pos_name}' positive", **fmt3),
        "threshold_pos": st.column_config.NumberColumn(f"Cut on P('{pos_name}')", **fmt3),
        "accuracy_pos": st.column_config.NumberColumn("Accuracy there", **fmt3),
        "balanced_accuracy_pos": st.column_config.NumberColumn("Balanced acc. there", **fmt3),
        "best_f1_neg": st.column_config.NumberColumn(f"Best F1, '{neg_name}' positive", **fmt3),
        "threshold_neg": st.column_config.NumberColumn(f"Cut on P('{neg_name}')", **fmt3),
        "accuracy_neg": st.column_config.NumberColumn("Accuracy there ", **fmt3),
        "balanced_accuracy_neg": st.column_config.NumberColumn("Balanced acc. there ", **fmt3),
        "better_balanced_accuracy": "Better balanced accuracy",
    },
)
st.caption(
    "Each side cuts where its own F1 is highest. Accuracy and balanced accuracy do not depend "
    "on which class is called positive, so the sides differ only in which cut F1 picks: F1 of "
    "a large class is high almost anywhere and says little about the small one."
)

# ---------------------------------------------------------------- search
st.subheader("Multi-objective search")
model = comparison.config.model
searchable = model in SEARCH_SPACES  # not a notebook's own estimator (core.api)
if searchable:
    st.caption(
        f"Optuna NSGA-II searches {model}'s "
        + ", ".join(p.name for p in search_space(model)[:-2])
        + ", a class-weight strength (0 = none, 1 = balanced) and the decision threshold on "
        f"P('{md(positive)}'), maximising accuracy and F1 of '{md(positive)}' on inner folds of "
        "each outer fold's training rows. Each fold's Pareto set is then refitted and scored on "
        "that fold's validation rows, so the points added to the plane come from rows no tuning "
        "saw."
    )
ds = st.session_state.get(state.DATASET)
if state.is_predictions(comparison):
    st.info(
        "These are predictions of a model trained elsewhere: the search refits models, so "
        "there is nothing to search here. The lines above already cut each model's scores at "
        "every threshold."
    )
elif not searchable:
    st.info(
        f"This run used {md(model)}, an estimator given from Python: the search tunes the "
        "built-in models' hyper-parameters only, so there is nothing to search here."
    )
elif not ran_on(ds, comparison):
    st.info(
        "The search refits models, so it needs the dataset the comparison ran on. Load it on "
        "the Data page (same file and target), or rerun the comparison on the current one."
    )
    link_to("pages/data.py")
else:
    left, right = st.columns(2)
    n_trials = left.number_input(
        "Trials", min_value=comparison.config.cv, max_value=5000, value=40, step=10
    )
    seconds = right.number_input("Seconds", min_value=1, max_value=3600, value=60, step=10)
    if st.button("Run search", type="primary"):
        search_front(ds, comparison, positive, int(n_trials), int(seconds))

search = last_search_front(comparison, positive)
if search is not None:
    found = search_view(search, both.positive)
    st.caption(
        f"{search.n_trials_run} trials in {search.search_seconds:.1f} s "
        f"({'stopped by the time limit' if search.stopped_by == 'timeout' else 'all trials run'})"
        f", then {len(found.table)} distinct points refitted on the outer folds "
        f"({search.seconds:.1f} s in all). They are the diamonds on the plane above."
    )
    (st.success if found.beats_decisions else st.info)(md(found.sentence))
    st.dataframe(
        found.table,
        hide_index=True,
        width="stretch",
        column_config={
            "point": st.column_config.TextColumn(
                "Found point", help="Most accurate first; each is one pooled out-of-fold decision"
            ),
            "hyper_parameters": st.column_config.TextColumn(
                "Hyper-parameters",
                width="medium",
                help="The value each outer fold's chosen trial used, or their range over the "
                "folds (each fold tunes on its own training rows).",
            ),
            "accuracy": st.column_config.NumberColumn("Accuracy", **fmt3),
            "f1": st.column_config.NumberColumn(f"F1 of '{pos_name}'", **fmt3),
            "recall_pos": st.column_config.NumberColumn(f"Recall of '{pos_name}'", **fmt3),
            "recall_neg": st.column_config.NumberColumn(f"Recall of '{neg_name}'", **fmt3),
            "on_front": st.column_config.CheckboxColumn(
                "On the front", help="No strategy at any threshold beats it on both axes."
            ),
            "members": st.column_config.TextColumn("Trials used per fold", width="medium"),
        },
    )
    with st.expander("Every trial"):
        st.dataframe(search.trials, hide_index=True, width="stretch", placeholder="–")
    if search.warnings:
        st.caption("Warnings during the fits: " + "; ".join(search.warnings[:3]))

# ---------------------------------------------------------------- plane (filled in)
view = both.positive if search is None else both.positive.with_points(search.points)
front = view.pareto
with plane_slot:
    cols = st.columns(4)
    cols[0].metric("Pareto points", f"{len(front)}")
    cols[1].metric("Best accuracy on the front", f"{front['accuracy'].max():.3f}")
    cols[2].metric(f"Best F1 of '{md(pos_name)}' on the front", f"{front['f1'].max():.3f}")
    on_front = {s for names in front["strategies"] for s in names}  # a point may name several
    cols[3].metric("Strategies on the front", f"{len(on_front)}")
    st.plotly_chart(tradeoff_plane(view.thinned(SHOWN_POINTS), zoom=zoom), width="stretch")
    st.caption(
        f"The shaded area is every (accuracy, F1) pair any classifier can reach when "
        f"'{md(pos_name)}' is {view.positive_share:.1%} of the rows; the x marks are the trivial "
        "classifiers. Lines: each strategy's pooled out-of-fold probabilities cut at every "
        "threshold; stars: each strategy's own decisions. The dashed line joins the points no "
        "other point beats on both accuracy and F1 (the Pareto front)."
    )
    st.markdown("**Pareto front**")
    point_table(front, pos_name, neg_name)
    with st.expander("Each strategy's own decisions"):
        point_table(view.operating, pos_name, neg_name)

# ---------------------------------------------------------------- decision costs
st.subheader("Decision costs")
costs_slot = st.container()  # filled in once the shares in use below are read

# ---------------------------------------------------------------- deployment prevalence
st.subheader("Deployment prevalence")
st.caption(
    f"Enter the share of each {noun} the model will meet in use. Recall per {noun} carries "
    "over; precision, F1, accuracy and the confusion matrix are re-estimated from the pooled "
    "out-of-fold rates"
    + (
        " (each label on its own: the share of rows carrying it)."
        if multilabel
        else ". Values are rescaled to sum to 1, so counts work too."
    )
)
ok = [n for n, r in comparison.results.items() if r.ok]
strategy = st.selectbox("Strategy", ok, key=state.widget_key("deploy-strategy", tag))
share_keys = {c: state.widget_key("deploy-share", tag, i) for i, c in enumerate(comparison.classes)}
start = deployment_start(comparison, eval_shares)  # the Data page's shares for predictions
for c, key in share_keys.items():
    st.session_state.setdefault(key, round(start[c], 4))


def set_shares(values: dict[str, float]) -> None:
    """Put ``values`` into the share inputs (a button's callback)."""
    for cls, value in values.items():
        st.session_state[share_keys[cls]] = round(float(value), 4)


hold = holdout_shares(comparison)
buttons = st.columns(2)
buttons[0].button(
    "Use evaluation shares",
    on_click=set_shares,
    args=(eval_shares,),
    key=state.widget_key("eval-shares", tag),
)
if hold is not None:
    buttons[1].button(
        "Use hold-out shares",
        on_click=set_shares,
        args=(hold,),
        key=state.widget_key("hold-shares", tag),
    )
entered = views.share_inputs(share_keys, multilabel)
costs = cached_costs(comparison, positive)
if costs is not None:
    with costs_slot:
        show_costs(costs, share_in_use(comparison, entered, costs))
try:
    estimate = deployment_estimate(comparison, strategy, entered)
except DataError as err:
    st.error(md(err))
    st.stop()
if estimate.warning:
    st.warning(md(estimate.warning))
keys = (
    ("label_accuracy", "macro_f1")
    if multilabel
    else ("accuracy", "balanced_accuracy", "macro_f1", "weighted_f1")
)
for col, key in zip(st.columns(len(keys)), keys, strict=True):
    value = estimate.summary[key]
    before = estimate.summary.get(f"eval_{key}")
    change = None if before is None else value - before
    col.metric(
        f"{'Label accuracy' if key == 'label_accuracy' else views.title(key)} in use",
        f"{value:.3f}",
        None if change is None or abs(change) < 5e-4 else f"{change:+.3f} vs evaluation",
        help="Unchanged by the shares: recall per class carries over."
        if key == "balanced_accuracy"
        else f"On the evaluation data: {before:.3f}."
        if before is not None
        else None,
    )
titles = {
    "class": noun.capitalize(),
    "eval_share": "Share in evaluation",
    "target_share": "Share in use",
    "recall": "Recall",
    "precision_eval": "Precision, evaluation",
    "precision": "Precision in use",
    "f1_eval": "F1, evaluation",
    "f1": "F1 in use",
    "predicted_share": "Predicted share in use",
}
st.dataframe(
    estimate.per_class,
    hide_index=True,
    width="stretch",
    column_config={
        c: st.column_config.NumberColumn(titles.get(c, c), format="%.3f")
        if c != "class"
        else titles["class"]
        for c in estimate.per_class.columns
    },
)
st.plotly_chart(
    prevalence_figure(
        estimate.per_class,
        None if multilabel else estimate.confusion,
        comparison.classes,
    ),
    width="stretch",
)
