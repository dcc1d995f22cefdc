"""The Diagnosis page's glue: the verdict, the diagnostic fits (once per session, data,
configuration and class, with a progress bar) and the causes, plus their figures.

Pages never fit or compute: pages/diagnosis.py calls :func:`diagnosis_view` here.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from core.analysis.diagnosis import Cause, Diagnosis, diagnose
from core.analysis.paired import N_BOOT, PairedRow
from core.analysis.recommendation import Recommendation, recommendation_of
from core.errors import DataError
from core.evaluation.comparison import Comparison
from core.evaluation.diagnostic_fits import DiagnosticFits, diagnostic_fits
from core.intake.dataset import Dataset
from core.profile.measures import Profile
from core.report.diagnosis import cause_figures, verdict_kind, verdict_line
from core.report.document import check_inputs
from core.text import md
from ui import state, views
from ui.cache import SessionCache, cache_key

FITS = SessionCache(state.FITS_CACHE, max_entries=4)


@dataclass(frozen=True)
class RunFlash:
    """What the last press of "Run comparison" did, shown on the page it lands on."""

    compared: int
    folds: int
    reused: bool
    failed: tuple[tuple[str, str], ...] = ()
    repeats: int = 1

    @property
    def message(self) -> str:
        folds = f"{self.folds} folds"
        if self.repeats > 1:
            folds = f"{self.repeats} repeats × {folds} (the same folds for every strategy)"
        return f"Compared {self.compared} strategies on {folds}" + (
            " (reused the cached result for this data and configuration)." if self.reused else "."
        )


@dataclass(frozen=True)
class DiagnosisView:
    """Everything the Diagnosis page shows, computed by core."""

    recommendation: Recommendation
    diagnosis: Diagnosis
    fits: DiagnosticFits | None
    fits_note: str | None  # why there are no diagnostic fits (then some causes are unclear)
    figures: dict[str, go.Figure]  # cause id -> its chart
    dataset: Dataset | None
    profile: Profile | None


def compared_inputs(comparison: Comparison) -> tuple[Dataset | None, Profile | None]:
    """The session's dataset and profile when they are the compared ones, else None."""
    dataset = st.session_state.get(state.DATASET)
    profile = st.session_state.get(state.PROFILE)
    try:
        check_inputs(comparison, dataset, None)
    except DataError:
        dataset = None  # another file is loaded now (e.g. after reopening a run)
    try:
        check_inputs(comparison, None, profile)
    except DataError:
        profile = None
    if dataset is None:
        profile = None
    return dataset, profile


def cached_fits(comparison: Comparison, important: str | None = None) -> DiagnosticFits | None:
    """The diagnostic fits this session already made for ``comparison`` (None if not yet),
    e.g. for the Report page's bundle."""
    dataset, _ = compared_inputs(comparison)
    if dataset is None:
        return None
    key = cache_key(dataset, comparison.config, "fits", important or comparison.important_class)
    return FITS.get(key)


def fits_of(
    comparison: Comparison, dataset: Dataset, important: str
) -> tuple[DiagnosticFits | None, str | None]:
    """The diagnostic fits of ``important`` (cached), with a progress bar while they run;
    (None, why) when they cannot run."""
    key = cache_key(dataset, comparison.config, "fits", important)
    hit = FITS.get(key)
    if hit is not None:
        return hit, None
    bar = st.progress(0.0, text="Fitting the learning curve and the reference models…")

    def progress(done: int, total: int, message: str) -> None:
        bar.progress(done / max(total, 1), text=md(message))

    try:
        fits = diagnostic_fits(
            dataset,
            comparison.config,
            important_class=important,
            n_jobs=comparison.config.n_jobs,
            progress=progress,
        )
    except DataError as err:
        return None, str(err)
    finally:
        bar.empty()
    return FITS.put(key, fits), None


def diagnosis_view(
    comparison: Comparison,
    *,
    important: str | None = None,
    muted: Collection[str] = (),
    run_fits: bool = True,
    with_figures: bool = True,
) -> DiagnosisView:
    """The verdict, the causes of ``important`` (default: the comparison's important class)
    and their charts. ``run_fits=False`` uses the diagnostic fits only when this session
    already has them (pages that must stay fast)."""
    important = important or comparison.important_class
    rec = recommendation_of(comparison, important_class=important)
    dataset, profile = compared_inputs(comparison)
    fits, note = None, None
    if state.is_predictions(comparison):
        note = (
            "these are predictions of a model trained elsewhere: the learning curve and the "
            "reference models need the features and a refit, so they are skipped"
        )
    elif dataset is None:
        note = (
            "the compared data is not loaded, so the learning curve and the reference models "
            "could not run"
        )
    elif run_fits:
        fits, note = fits_of(comparison, dataset, important)
    else:
        fits = cached_fits(comparison, important)
        if fits is None:
            note = "the learning curve and the reference models run on the Diagnosis page"
    found = diagnose(
        comparison,
        profile=profile,
        dataset=dataset,
        fits=fits,
        important_class=important,
        muted=tuple(muted),
    )
    figures = {}
    if with_figures:
        figures = cause_figures(comparison, found, fits=fits, rope=rec.rope, details=views.details)
    return DiagnosisView(rec, found, fits, note, figures, dataset, profile)


def show_causes(causes: Collection[Cause], empty: str | None = None) -> bool:
    """Each cause as one message (a warning when found, else a note), with its suggestion;
    ``empty`` as a success when there is none. True when something was shown."""
    shown = False
    for cause in causes:
        box = st.warning if cause.verdict == "yes" and cause.severity != "low" else st.info
        box(f"**{md(cause.title)}.** {md(cause.suggestion)}", icon=":material/troubleshoot:")
        shown = True
    if not shown and empty:
        st.success(empty)
    return shown


VERDICT_BOXES = {"success": st.success, "info": st.info, "warning": st.warning}


def show_verdict(rec: Recommendation | dict) -> None:
    """The recommendation's box, coloured by the strength of its verdict (green only for a
    clear winner; neutral for equivalent / keep the baseline; amber for no skill): the same
    box on Diagnosis, Compare and Report. ``rec`` is a Recommendation or its ``to_dict()``."""
    reason = rec["reason"] if isinstance(rec, dict) else rec.reason
    verdict = rec.get("verdict") if isinstance(rec, dict) else rec.verdict
    VERDICT_BOXES[verdict_kind(verdict)](f"**{md(verdict_line(rec))}** {md(reason)}")


def pairs_sentence(rec: Recommendation, important: str) -> str:
    """Predictions mode: what the verdict compared, in one Markdown sentence (the chosen
    entry against each other on the same rows: paired bootstrap over the rows, McNemar)."""
    return (
        f"'{md(rec.strategy)}' against each other entry on the same rows: paired bootstrap of "
        f"the difference in F1 of '{md(important)}' over the rows ({N_BOOT} resamples, region "
        f"of practical equivalence ±{rec.rope:g}), and McNemar's test on the rows each gets "
        "right or wrong."
    )


def show_pairs(pairs: Collection[PairedRow], chosen: str) -> None:
    """The predictions-mode verdict's evidence (:func:`core.analysis.paired.verdict_pairs`):
    ``chosen`` against each other entry, one row each; the same table on Diagnosis and
    Compare."""
    number = st.column_config.NumberColumn
    st.dataframe(
        pd.DataFrame([p.__dict__ for p in pairs]),
        hide_index=True,
        width="stretch",
        column_config={
            "entry": st.column_config.TextColumn("Other entry"),
            "difference": number(f"Difference ('{chosen}' − other)", format="%+.3f"),
            "low": number("95% interval: low", format="%+.3f"),
            "high": number("95% interval: high", format="%+.3f"),
            "p_better": number(f"P('{chosen}' better)", format="%.4f"),
            "p_equivalent": number("P(equivalent)", format="%.4f"),
            "p_worse": number(f"P('{chosen}' worse)", format="%.4f"),
            "mcnemar_p": number("McNemar p", format="%.3g"),
        },
    )
