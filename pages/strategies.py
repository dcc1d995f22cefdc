"""Strategies: choose strategies, model and protocol; run the leak-free comparison."""

from __future__ import annotations

import os

import pandas as pd
import streamlit as st

from core.errors import DataError
from core.evaluation import parallel
from core.evaluation.comparison import MAX_REPEATS, CompareConfig, default_strategies
from core.metrics.decision_rules import OBJECTIVE_TITLES, OBJECTIVES, default_cost_matrix
from core.modelling.models import MODELS
from core.modelling.options import PROBABILITY_CORRECTIONS, StrategyOptions
from core.modelling.recipes import NEIGHBOUR_STRATEGIES
from core.modelling.strategies import STRATEGIES
from core.text import md
from ui import state
from ui.boot import through_app
from ui.diagnosis import RunFlash
from ui.links import link_to
from ui.model_timing import fit_times as model_fit_times
from ui.results import cached, run

through_app()  # a deep link on a fresh server: go through app.py first

st.title("Strategies")
if state.predictions_mode():  # a model trained elsewhere: nothing to fit here
    shown = st.session_state.get(state.COMPARISON)
    st.info(
        (
            "These results come from a predictions file: nothing is refitted here."
            if shown is not None and state.is_predictions(shown)
            else "You chose to diagnose predictions you already have: nothing is fitted here."
        )
        + " To compare strategies on a dataset instead, choose **Compare strategies on a "
        "dataset** on the Data page."
    )
    link_to("pages/data.py")
    st.stop()
ds = state.require_dataset()
classes = list(ds.classes)
counts = ds.class_counts
smallest = ds.classes_by_rarity()[0]
noun = "label" if ds.is_multilabel else "class"

st.caption(
    f"Every strategy is scored on the same stratified folds of {ds.n_rows:,} rows; resampling "
    f"happens only inside the training part of each fold, so validation rows keep the real {noun} "
    "balance."
)

# ---------------------------------------------------------------- catalogue
applicable = [s for s in STRATEGIES.values() if ds.task in s.tasks]
previous: CompareConfig | None = st.session_state.get(state.CONFIG)
default = list(previous.strategies) if previous else list(default_strategies(ds.task))
picked = st.multiselect(
    "Strategies",
    [s.name for s in applicable],
    default=[n for n in default if n in {s.name for s in applicable}],
    format_func=lambda n: f"{n} — {STRATEGIES[n].title}",
    help="Greyed-out strategies in the catalogue below do not apply to this task.",
)
catalogue = pd.DataFrame(
    [
        {
            "strategy": s.name,
            "family": s.family,
            "title": s.title,
            "applies": "yes" if ds.task in s.tasks else "no: " + s.not_applicable.get(ds.task, ""),
        }
        for s in STRATEGIES.values()
    ]
)


def _grey(row: pd.Series) -> list[str]:
    style = "color: #9a9a9a; text-decoration: line-through" if row["applies"] != "yes" else ""
    return [style] * len(row)


with st.expander(f"Strategy catalogue ({len(applicable)} of {len(STRATEGIES)} apply to {ds.task})"):
    st.dataframe(
        catalogue.style.apply(_grey, axis=1),
        hide_index=True,
        width="stretch",
        height=35 * (len(catalogue) + 1) + 3,  # every strategy at once: no inner scrolling
        column_config={
            "strategy": st.column_config.TextColumn("Strategy", width="medium"),
            "title": st.column_config.TextColumn("What it does", width="medium"),
            "family": "Family",
            "applies": st.column_config.TextColumn(f"Applies to {ds.task}", width="large"),
        },
    )
    # The descriptions in full (in a table cell they were cut off after a few words).
    st.markdown(
        "\n".join(
            f"- **{s.name}** ({s.family}): {s.description}"
            if ds.task in s.tasks
            else f"- :gray[~~{s.name}~~ ({s.family}; not for {ds.task}: "
            f"{s.not_applicable.get(ds.task, 'it does not apply').rstrip('.')}). {s.description}]"
            for s in STRATEGIES.values()
        )
    )
for name in picked:
    with st.expander(f"{name}: {STRATEGIES[name].title}"):
        st.write(STRATEGIES[name].description)

# ---------------------------------------------------------------- model and protocol
c1, c2, c3, c4, c5 = st.columns(5)
model_names = [m for m in MODELS if MODELS[m].factory is None]  # not a notebook's estimator
fit_times = model_fit_times(ds)
model = c1.selectbox(
    "Model",
    model_names,
    index=model_names.index(previous.model) if previous and previous.model in model_names else 0,
    format_func=lambda m: " · ".join(filter(None, (MODELS[m].title, fit_times.label(m)))),
    help="The classifier every strategy wraps (ensembles bring their own base learners). "
    f"Times: one fit on a {fit_times.n_rows:,}-row stratified sample of this data, relative "
    "to logistic regression (a ranking, not a forecast; a comparison makes folds x "
    "strategies fits).",
)
cv = c2.number_input("Folds", 2, 10, previous.cv if previous else 5, help="Stratified K-fold")
repeats = c3.number_input(
    "Repeats",
    1,
    MAX_REPEATS,
    getattr(previous, "repeats", 1) if previous else 1,
    help="Repeat the cross-validation with new shuffles (the same folds for every strategy) "
    "for a firmer verdict; each repeat costs as many fits again. 1 = one cross-validation.",
)
seed = c4.number_input("Seed", 0, 2**31 - 1, previous.seed if previous else 0)
holdout = c5.slider(
    "Hold-out share",
    0.0,
    0.5,
    previous.holdout if previous else 0.0,
    0.05,
    help="Rows set aside at the natural class balance and scored once at the end; never used "
    "to choose anything.",
)
st.caption(MODELS[model].description)

important = st.selectbox(
    f"{noun.capitalize()} that matters most",
    classes,
    index=classes.index(previous.important_class)
    if previous and previous.important_class in classes
    else classes.index(smallest),
    help="The recommendation picks the strategy that does best on it.",
)

# ---------------------------------------------------------------- strategy options
options: dict = {}
if "threshold_tuning" in picked:
    o1, o2 = st.columns(2)
    objective = o1.selectbox(
        "Threshold objective",
        list(OBJECTIVES),
        format_func=OBJECTIVE_TITLES.get,
        help="What the tuned decision threshold maximises, on inner folds of the training part.",
    )
    options["threshold_objective"] = objective
    if objective == "fbeta":
        options["beta"] = o2.number_input("Beta", 0.1, 10.0, 2.0, 0.1, help=">1 favours recall")
if "cost_sensitive" in picked:
    st.markdown("**Misclassification costs** (rows: true class, columns: predicted class)")
    default_costs = default_cost_matrix([counts[c] for c in classes])
    edited = st.data_editor(
        pd.DataFrame(default_costs, index=classes, columns=classes).rename_axis(
            "true \\ predicted"
        ),
        key=state.widget_key("costs", ds.content_hash[:8], ds.label_sep, *ds.target),
        width="stretch",
        column_config={c: st.column_config.NumberColumn(c, format="%.2f") for c in classes},
    )
    options["cost_matrix"] = tuple(tuple(float(v) for v in row) for row in edited.to_numpy())
    st.caption(
        "Default: an error on a true class costs (largest class size / its size), so errors "
        "on rare classes cost more. Decisions minimise expected cost from calibrated "
        "probabilities."
    )
if "class_weight" in picked and st.checkbox(f"Custom {noun} weights (default: balanced)"):
    weights = st.data_editor(
        pd.DataFrame({noun: classes, "weight": [1.0] * len(classes)}),
        hide_index=True,
        disabled=[noun],
        key=state.widget_key("weights", ds.content_hash[:8], ds.label_sep, *ds.target),
    )
    options["class_weights"] = dict(
        zip(weights[noun], weights["weight"].astype(float), strict=True)
    )
if any(n in NEIGHBOUR_STRATEGIES for n in picked):
    options["k_neighbors"] = int(
        st.number_input(
            "SMOTE neighbours (k)",
            1,
            50,
            getattr(getattr(previous, "options", None), "k_neighbors", 5),
            help="Neighbours each synthetic row is drawn between (SMOTE family, ADASYN). In a "
            "training fold where a class has k rows or fewer, k is lowered to its rows minus "
            "one for that fit; a class with a single row cannot be over-sampled this way.",
        )
    )
if "one_class" in picked:
    options["one_class_target"] = st.selectbox(
        "Isolated class for one_class", classes, index=classes.index(smallest)
    )
corrections = list(PROBABILITY_CORRECTIONS)
options["probability_correction"] = st.selectbox(
    "Probability correction",
    corrections,
    index=corrections.index(
        getattr(getattr(previous, "options", None), "probability_correction", "prior")
    ),
    format_func=PROBABILITY_CORRECTIONS.get,
    help="Resampling and class weights move a model's probabilities toward the shares it "
    "trained at; the calibration views also show them corrected (decisions and scores stay "
    "the model's own). Calibrating on inner folds costs extra fits.",
)

# ---------------------------------------------------------------- run
try:
    config = CompareConfig(
        strategies=tuple(picked),
        model=model,
        cv=int(cv),
        seed=int(seed),
        holdout=float(holdout),
        repeats=int(repeats),
        options=StrategyOptions(**options).validated(ds),
        important_class=important,
    )
except DataError as err:
    st.error(md(err))
    st.stop()


def _cancel() -> None:
    st.session_state[state.CANCELLED] = True


already = cached(ds, config) is not None
cluster = parallel.scheduler_address()
st.caption(
    f"The fits run on the Dask cluster at {cluster} ({parallel.SCHEDULER_ENV})."
    if cluster
    else f"The fits run in parallel on this machine's {os.cpu_count() or 1} cores, one "
    "single-threaded fit per core."
)
if st.button("Run comparison", type="primary", disabled=not picked):
    st.session_state[state.CANCELLED] = False
    cancel = st.empty()  # only while the fits run: afterwards there is nothing to cancel
    if not already:
        cancel.button(
            "Cancel run", on_click=_cancel, help="Stop the fits; earlier results are kept."
        )
    try:
        comparison = run(ds, config)
    except DataError as err:
        st.error(md(err))
        st.stop()
    finally:
        cancel.empty()
    ok = [n for n, r in comparison.results.items() if r.ok]
    failed = tuple((n, str(r.error)) for n, r in comparison.results.items() if not r.ok)
    flash = RunFlash(len(ok), config.cv, already, failed, config.repeats)
    if st.session_state.get(state.RUN_ID) is not None:
        # a finished comparison lands on Diagnosis (DESIGN.md "Words on screen"), which says so
        st.session_state[state.RUN_FLASH] = flash
        st.switch_page("pages/diagnosis.py")
    # the run could not be saved: stay, so the warning saying so stays on screen
    st.caption(f":material/check_circle: {flash.message}")
    for name, reason in failed:
        st.warning(f"{md(name)} could not run: {md(reason)}")
    st.page_link("pages/diagnosis.py", label="See the diagnosis", icon=":material/troubleshoot:")
    st.page_link("pages/compare.py", label="See the comparison", icon=":material/compare_arrows:")
elif st.session_state.get(state.CANCELLED):
    st.session_state[state.CANCELLED] = False
    st.warning("The comparison was cancelled before it finished; nothing from it was kept.")
elif not picked:
    st.info("Pick at least one strategy.")
