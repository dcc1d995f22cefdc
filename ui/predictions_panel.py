"""The Data page's predictions path, drawn: the uploader and the bundled example, the
layout core found (confirmable), the class shares in use, "Diagnose these predictions", then
what the shares change and where to go next. The work is :mod:`ui.predictions`'s and core's.
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping

import pandas as pd
import streamlit as st
from streamlit.errors import StreamlitPageNotFoundError

from core.analysis.deployment import deployment_estimate, normalise_shares
from core.errors import DataError
from core.evaluation.comparison import Comparison
from core.intake.dataset import classes_by_rarity
from core.intake.predictions import PredictionsSet
from core.intake.reader import RawTable
from core.text import md
from ui import predictions, state, views
from ui.loading import content_hash

NEXT = (  # where to go once the predictions are diagnosed: (page, label, icon)
    ("pages/diagnosis.py", "See the diagnosis", ":material/troubleshoot:"),
    ("pages/results.py", "See each model's results", ":material/insights:"),
    ("pages/compare.py", "Compare the models", ":material/compare_arrows:"),
    ("pages/tradeoffs.py", "See the metrics at the shares in use", ":material/show_chart:"),
    ("pages/report.py", "Download the report", ":material/description:"),
)


def _page_link(page: str, label: str, icon: str) -> None:
    with contextlib.suppress(StreamlitPageNotFoundError):  # a page run alone (AppTest)
        st.page_link(page, label=label, icon=icon)


# ---------------------------------------------------------------- the panel


def _source_controls() -> None:
    """The uploader and the bundled example; a file just loaded reruns the script."""
    col_upload, col_example = st.columns(2)
    with col_upload:
        uploaded = st.file_uploader(
            "Upload predictions (CSV)",
            type=["csv", "tsv", "txt"],
            help="A validation or test set scored by your model: the true target and one "
            "score column per class (proba_<class>, score_<class> or the class names), or a "
            "single score column for a binary target, or only a predicted-label column. "
            "Several models: a 'model' column (long format) or '<model>:proba_<class>' "
            "columns. Same limits and formats as data files.",
        )
    with col_example:
        examples = state.prediction_samples()
        example = next(iter(examples))
        st.markdown(f"**Example:** {md(examples[example]['title'])}")
        st.caption(md(examples[example]["description"]))
        if st.button("Open the example predictions"):
            try:
                predictions.load_example(example)
                st.session_state[state.PRED_UPLOAD_ERROR] = None
            except DataError as err:
                st.error(md(err))
            else:
                st.rerun()  # so that app.py's sidebar names the file
    if uploaded is None:
        st.session_state[state.PRED_UPLOAD_HASH] = None  # the same file again loads again
        return
    data = uploaded.getvalue()
    digest = content_hash(data)
    if digest == st.session_state.get(state.PRED_UPLOAD_HASH):
        return
    st.session_state[state.PRED_UPLOAD_HASH] = digest
    st.session_state[state.PRED_UPLOAD_ERROR] = None
    try:
        predictions.load(data, uploaded.name, "upload")
    except DataError as err:
        st.session_state[state.PRED_UPLOAD_ERROR] = f"{uploaded.name} could not be loaded: {err}"
    else:
        st.rerun()


def _columns(raw: RawTable, tag: tuple) -> state.PredictionsChoice | None:
    """The target and score-column widgets; the choice (None until a target is picked)."""
    current: state.PredictionsChoice = st.session_state.get(
        state.PRED_CHOICE
    ) or state.PredictionsChoice(())
    columns = [str(c) for c in raw.frame.columns]
    c1, c2, c3 = st.columns([2, 1, 1])
    target = c1.multiselect(
        "True target column(s)",
        columns,
        default=[c for c in current.target if c in columns],
        key=state.widget_key("pred-target", *tag),
        help="One column (binary, multiclass, or label sets with a separator), or several "
        "0/1 columns, one per label (multi-label).",
    )
    prefix = c2.text_input(
        "Score column prefix",
        value=current.scores_prefix or "",
        key=state.widget_key("pred-prefix", *tag),
        help="Empty: proba_<class>, score_<class> or columns named after the classes are "
        "found on their own. Give it when yours differ, e.g. 'p_' for p_<class>.",
    )
    sep = c3.text_input(
        "Label separator (multi-label)",
        value=current.label_sep or "",
        max_chars=3,
        key=state.widget_key("pred-sep", *tag),
        help="Only for label sets in one cell, like `billing|bug`: type the separator.",
    )
    choice = state.PredictionsChoice(tuple(target), sep or None, prefix.strip() or None)
    st.session_state[state.PRED_CHOICE] = choice
    return choice if target else None


def _shares(pset: PredictionsSet, tag: tuple) -> dict[str, float] | None:
    """The class shares in use (widgets prefilled with the stored or the file's shares);
    None, with the error shown, when they cannot be used."""
    multilabel = pset.task == "multilabel"
    noun = "label" if multilabel else "class"
    here = {c: n / max(pset.n_rows, 1) for c, n in pset.class_counts.items()}
    stored = st.session_state.get(state.DEPLOY_SHARES)
    start = here
    if stored is not None and stored[0] == pset.content_hash and set(stored[1]) == set(here):
        start = stored[1]
    st.markdown(f"**{noun.capitalize()} shares in use**")
    st.caption(
        f"The share of each {noun} the model will meet in use. They start at the shares of "
        "this file (or the example's shares in use); Trade-offs and the deployment table below "
        "re-estimate precision, F1 and accuracy at them, and warn when this file's shares "
        "(e.g. a balanced test set) are far from them."
        + ("" if multilabel else " Values are rescaled to sum to 1, so counts work too.")
    )
    keys = {c: state.widget_key("pred-share", *tag, i) for i, c in enumerate(pset.classes)}
    for c, key in keys.items():
        st.session_state.setdefault(key, round(float(start[c]), 4))

    def use_file_shares() -> None:
        for c, key in keys.items():
            st.session_state[key] = round(here[c], 4)

    entered = views.share_inputs(keys, multilabel)
    st.button("Use the shares of this file", on_click=use_file_shares)
    try:
        normalise_shares(entered, pset.classes, multilabel=multilabel)
    except DataError as err:
        st.error(md(err))
        return None
    shares = {c: float(v) for c, v in entered.items()}
    st.session_state[state.DEPLOY_SHARES] = (pset.content_hash, shares)
    return shares


def _in_use(comparison: Comparison, shares: Mapping[str, float]) -> None:
    """Each entry's important class here and at the shares in use (core's estimate)."""
    cls = comparison.important_class
    rows, warning = [], None
    for name, result in comparison.results.items():
        if not result.ok:
            continue
        estimate = deployment_estimate(comparison, name, shares)
        warning = warning or estimate.warning
        row = estimate.per_class.set_index("class").loc[cls]
        rows.append({"model": name, "recall": row["recall"],
                     "precision_eval": row["precision_eval"], "precision": row["precision"],
                     "f1_eval": row["f1_eval"], "f1": row["f1"]})  # fmt: skip
    if warning:
        st.warning(md(warning))
    number = st.column_config.NumberColumn
    st.dataframe(
        pd.DataFrame(rows),
        hide_index=True,
        width="stretch",
        column_config={
            "model": st.column_config.TextColumn("Model (decision)"),
            "recall": number(f"Recall of '{cls}'", format="%.3f"),
            "precision_eval": number("Precision in this file", format="%.3f"),
            "precision": number("Precision in use", format="%.3f"),
            "f1_eval": number("F1 in this file", format="%.3f"),
            "f1": number("F1 in use", format="%.3f"),
        },
    )
    st.caption(
        f"{'Label' if comparison.task == 'multilabel' else 'Class'} '{md(cls)}' under each "
        "model's own decision and under its tuned one (tuned on "
        "the other parts of this file, then applied to each part). Recall carries over to the "
        "shares in use; precision and F1 change with them."
    )


def panel() -> None:
    """The whole predictions path of the Data page."""
    st.caption(
        "Have a model already, trained elsewhere (a network, a production model, a vendor's "
        "scores)? Upload a validation or test set scored by it: the true target and the "
        "model's scores. Nothing is refitted: every view here needs only the labels and the "
        "scores."
    )
    _source_controls()
    if st.session_state.get(state.PRED_UPLOAD_ERROR):
        st.error(md(st.session_state[state.PRED_UPLOAD_ERROR]))
    raw: RawTable | None = st.session_state.get(state.PRED_RAW)
    if raw is None:
        st.info("Upload a predictions file or open the example to begin.")
        return
    source = st.session_state.get(state.PRED_SOURCE)
    name = source.name if source is not None else raw.name
    st.write(
        f"Current predictions file: {md(name)} — {len(raw.frame):,} rows × "
        f"{raw.frame.shape[1]} columns"
    )
    with st.expander("Preview the first rows"):
        st.dataframe(raw.frame.head(50), width="stretch")

    st.subheader("What the file holds")
    tag = (raw.content_hash[:12], st.session_state.get(state.PRED_LOADS, 0))
    choice = _columns(raw, tag)
    if choice is None:
        st.info("Pick the column that holds the true target.")
        return
    try:
        layout = predictions.layout_of(raw, choice)
        pset = predictions.scores_of(raw, choice, layout)
    except DataError as err:
        st.error(md(err))
        return
    st.markdown("\n".join(f"- {md(line)}" for line in layout.describe()))

    st.subheader("Diagnose")
    shares = _shares(pset, tag)
    classes = list(pset.classes)
    sizes = shares if shares is not None else pset.class_counts
    rarest = classes_by_rarity([sizes[c] for c in classes], classes)[0]
    c1, c2 = st.columns(2)
    important = c1.selectbox(
        f"{'Label' if pset.task == 'multilabel' else 'Class'} that matters most",
        classes,
        index=classes.index(rarest),
        key=state.widget_key("pred-important", *tag, rarest),  # follows the shares' rarest
        help="The verdict and the diagnosis are about it. It starts on the rarest in use.",
    )
    cv = c2.number_input(
        "Parts for the tuned decisions",
        2,
        10,
        5,
        key=state.widget_key("pred-parts", *tag),
        help="Tuned thresholds or offsets are chosen on all parts but one and applied to the "
        "remaining part (cross-fitting), so the tuned numbers shown are out of part.",
    )
    if st.button("Diagnose these predictions", type="primary", disabled=shares is None):
        try:
            predictions.diagnose(pset, choice, cv=int(cv), important=important)
        except DataError as err:
            st.error(md(err))
        else:
            if st.session_state.get(state.RUN_ID) is not None:
                st.rerun()  # so that app.py's sidebar shows it (a failed save's warning stays)
    comparison = predictions.current(pset)
    if comparison is None:
        return
    run_id = st.session_state.get(state.RUN_ID)
    saved = f" Saved as run `{run_id}`: reopen it on the **Runs** page." if run_id else ""
    st.caption(
        f":material/check_circle: Diagnosed {len(comparison.results)} decisions of "
        f"{len(pset.models)} model(s) on {pset.n_rows:,} rows.{saved}"
    )
    if shares is not None:
        _in_use(comparison, shares)
    for page, label, icon in NEXT:
        _page_link(page, label, icon)
