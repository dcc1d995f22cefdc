"""Why the important class fails, and what would help: :func:`diagnose` -> :class:`Diagnosis`.

Each cause (:data:`CAUSE_IDS`) is one rule of :mod:`core.analysis.causes` over numbers the run
already has: the comparison's out-of-fold predictions, the data profile, the dataset and the
diagnostic fits (learning curve, reference models). Every cause carries a verdict ("yes",
"no", "unclear"), its evidence, how to read it and a concrete suggestion; a cause whose input
is missing is "unclear" and says what is missing.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

import numpy as np

from core.analysis.causes import (
    AP_NEAR,
    CHANGED_F1,
    CHANGED_RECALL,
    DUPLICATE_MIN,
    LEAK_AUC,
    OVERFIT_GAP,
    RANK_DELTA,
    RISE_MIN,
    RULES,
    THRESHOLD_GAIN,
    Facts,
)
from core.analysis.paired import fit_view, needs_features, reworded
from core.errors import DataError
from core.evaluation.comparison import BASELINE, Comparison
from core.evaluation.scored import NO_FEATURES
from core.intake.dataset import Dataset
from core.profile.finding import Finding, jsonable
from core.profile.measures import Profile
from core.profile.pitfalls import HARD_SHARE

if TYPE_CHECKING:
    from core.evaluation.diagnostic_fits import DiagnosticFits

CAUSE_IDS = (
    "threshold",
    "operating_point_only",
    "overlap",
    "scarcity",
    "overfitting",
    "no_skill",
    "evaluation",
    "model_family",
    "leakage_suspect",
)
CAUSE_TITLES = {
    "threshold": "The decision threshold is in the wrong place",
    "operating_point_only": "Resampling changed the decision, not the ranking",
    "overlap": "The class overlaps other classes",
    "scarcity": "Too few rows of the class",
    "overfitting": "Strategies overfit the class",
    "no_skill": "The features carry no signal for the class",
    "evaluation": "The evaluation may not reflect real use",
    "model_family": "The model family is the limit",
    "leakage_suspect": "A single feature gives the class away",
}
"""Each cause's title, as its rule in :mod:`core.analysis.causes` words it (for a list of
causes not judged here, e.g. the muted ones)."""
VERDICTS = ("yes", "no", "unclear")
SEVERITIES = ("high", "medium", "low")
DEFAULT_ROPE = 0.01  # used when the comparison's config has no ``rope``

# Among causes of equal verdict and severity, the one to act on first: a leak or a broken
# evaluation invalidates everything else; no signal makes tuning pointless.
_PRIORITY = (
    "leakage_suspect",
    "evaluation",
    "no_skill",
    "model_family",
    "threshold",
    "operating_point_only",
    "scarcity",
    "overlap",
    "overfitting",
)


HOW_TO_READ = {
    "threshold": (
        f"Yes when moving the decision cut gains more than {THRESHOLD_GAIN} F1 for the "
        "class (threshold_tuning's cut chosen on inner folds when it ran, else the best cut "
        "of the baseline's threshold curve, which is optimistic) and the model ranks the "
        'class above chance (not "no_skill" by its rule).'
    ),
    "operating_point_only": (
        f"Yes when a resampling or weighting strategy changes F1 (by > {CHANGED_F1}) or "
        f"recall (by > {CHANGED_RECALL}) of the class, but its AP and ROC AUC are not "
        f"better than the baseline's, paired over folds (a mean gain under {RANK_DELTA} "
        "or a 95% t-interval containing 0): it moved along the same precision-recall curve."
    ),
    "overlap": (
        f"Yes when at least {HARD_SHARE:.0%} of the class's rows are not safe (at most "
        "3 of their 5 nearest neighbours share the class; for a majority class, when under "
        "half their neighbours share it). Data profile, neighbourhood difficulty."
    ),
    "scarcity": (
        f"Yes when AP of the class still rises by more than {RISE_MIN}, and by more than its "
        "standard error over folds, between 75% and 100% of each training fold (high "
        f"severity above {5 * RISE_MIN:.2f}); flat means more rows of the same kind will not "
        "help; a rise within the noise is unclear."
    ),
    "overfitting": (
        f"Yes when a strategy's F1 of the class on its training folds exceeds its validation "
        f"F1 by more than {OVERFIT_GAP} (means over folds); one cause names them all."
    ),
    "no_skill": (
        "Yes when the baseline's per-fold ROC AUC interval of the class does not clear 0.5 "
        f"(95% t-interval), its AP is within {AP_NEAR} of the class share, and no strategy "
        "or reference model does better by the same rule."
    ),
    "evaluation": (
        "Yes when the file is exactly balanced or minority rows are duplicated (likely "
        "resampled before the split), or over "
        f"{DUPLICATE_MIN:.0%} of the rows repeat another row (low severity)."
    ),
    "model_family": (
        "Yes when histogram gradient boosting, run on the same folds, beats every strategy of "
        "the chosen model on F1 of the class by more than the ROPE and the paired per-fold "
        "margin's 95% interval clears 0 (unclear when only the pooled margin does)."
    ),
    "leakage_suspect": (
        f"Yes when one feature on its own separates the class with ROC AUC >= "
        f"{LEAK_AUC} (categorical features by their out-of-fold class rate)."
    ),
}
"""Each cause's verdict rule, in words (the limits are those of :mod:`core.analysis.causes`)."""

HOW_TO_READ_PREDICTIONS = {
    "threshold": (
        f"Yes when the model's cross-fitted entry (its decisions tuned on the other parts of "
        f"the file and applied to each part) gains more than {THRESHOLD_GAIN} F1 for the class "
        "over the model's own decisions (without such an entry: the best cut of the model's "
        "threshold curve on these rows, which is optimistic), and the model ranks the class "
        'above chance (not "no_skill" by its rule).'
    ),
}
"""Predictions mode: the rules that read differently when nothing was refitted."""


@dataclass(frozen=True)
class Cause:
    """One possible cause of the class failing, judged on the run's numbers."""

    id: str  # one of CAUSE_IDS
    verdict: str  # "yes" | "no" | "unclear"
    severity: str  # "high" | "medium" | "low"
    title: str
    evidence: Mapping[str, Any]
    suggestion: str
    how_to_read: str

    def __post_init__(self) -> None:
        if self.id not in CAUSE_IDS:
            raise ValueError(f"id must be one of {CAUSE_IDS}. Got {self.id!r} instead.")
        if self.verdict not in VERDICTS:
            raise ValueError(f"verdict must be one of {VERDICTS}. Got {self.verdict!r} instead.")
        if self.severity not in SEVERITIES:
            raise ValueError(
                f"severity must be one of {SEVERITIES}. Got {self.severity!r} instead."
            )

    def to_dict(self) -> dict[str, Any]:
        """``id, verdict, severity, title, evidence, suggestion, how_to_read`` (JSON-safe)."""
        return {
            "id": self.id,
            "verdict": self.verdict,
            "severity": self.severity,
            "title": self.title,
            "evidence": jsonable(dict(self.evidence)),
            "suggestion": self.suggestion,
            "how_to_read": self.how_to_read,
        }


@dataclass(frozen=True)
class Diagnosis:
    """The causes of one class's failure, ranked, with a plain-English summary."""

    class_name: str
    summary: str
    causes: tuple[Cause, ...]  # "yes" by severity, then "unclear", then "no"

    @property
    def found(self) -> tuple[Cause, ...]:
        """The causes judged "yes", most severe first."""
        return tuple(c for c in self.causes if c.verdict == "yes")

    def cause(self, cause_id: str) -> Cause | None:
        """The cause ``cause_id``, or None when it was muted."""
        return next((c for c in self.causes if c.id == cause_id), None)

    def to_dict(self) -> dict[str, Any]:
        """results.json's ``diagnosis``: ``class, summary, causes``."""
        return {
            "class": self.class_name,
            "summary": self.summary,
            "causes": [c.to_dict() for c in self.causes],
        }


def _rank_key(cause: Cause) -> tuple[int, int, int]:
    return (
        ("yes", "unclear", "no").index(cause.verdict),
        SEVERITIES.index(cause.severity),
        _PRIORITY.index(cause.id),
    )


def _class_bin(comparison: Comparison, class_name: str) -> np.ndarray:
    y = np.asarray(comparison.y_true)
    j = comparison.classes.index(class_name)
    return (y[:, j] if comparison.task == "multilabel" else (y == j)).astype(np.int8)


def _standing(facts: Facts) -> str:
    """'Class 'x' gets F1 0.12 and recall 0.08 with the baseline (cross-validated).'"""
    ok = facts.ok
    if not ok:
        return f"No strategy ran successfully, so class '{facts.class_name}' has no scores."
    name = BASELINE
    if name not in ok:  # the best strategy for the class stands in
        name = max(ok, key=lambda n: np.nan_to_num(facts.per_class(ok[n], "f1"), nan=-1.0))
    f1, recall = facts.per_class(ok[name], "f1"), facts.per_class(ok[name], "recall")
    return (
        f"Class '{facts.class_name}' ({facts.share:.1%} of the rows) gets F1 {f1:.2f} and recall "
        f"{recall:.2f} with {'the baseline' if name == BASELINE else name} (cross-validated)."
    )


def _summary(facts: Facts, causes: tuple[Cause, ...]) -> str:
    """A paragraph: the class and its scores now, the causes found, the first thing to do."""
    head = _standing(facts)
    found = [c for c in causes if c.verdict == "yes"]
    unclear = [c.title.lower() for c in causes if c.verdict == "unclear"]
    tail = f" Not judged for lack of input: {'; '.join(unclear)}." if unclear else ""
    if not found:
        return (
            f"{head} None of the checked causes stands out on these numbers; the strategies "
            "compared are the levers left." + tail
        )
    titles = "; ".join(f"{c.title.lower()} ({c.severity})" for c in found)
    return f"{head} Likely causes, most severe first: {titles}. First: {found[0].suggestion}{tail}"


def _renamed(value: Any, words: dict[str, str]) -> Any:
    """Predictions mode: a piece of evidence with the names of :func:`fit_view` put back (text
    reworded, a list of entry names renamed)."""
    if isinstance(value, str):
        return reworded(value, words)
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        names = {
            BASELINE: words.get("the baseline"),
            "threshold_tuning": words.get("threshold_tuning"),
        }
        return [names.get(v) or v for v in value]
    return value


def diagnose(
    comparison: Comparison,
    *,
    profile: Profile | None = None,
    dataset: Dataset | None = None,
    fits: DiagnosticFits | None = None,
    important_class: str | None = None,
    muted: Collection[str] | None = (),
) -> Diagnosis:
    """Judge every cause of :data:`CAUSE_IDS` (but the ``muted`` ones) for the class.

    ``important_class`` defaults to :attr:`Comparison.important_class`. ``profile`` (of the
    same data), ``dataset`` (for the single-feature leakage screen) and ``fits`` (learning
    curve and reference models on the same folds) are optional: the causes that need a
    missing one are "unclear". The ROPE is the config's ``rope`` when it has one.
    """
    cls = important_class if important_class is not None else comparison.important_class
    if cls not in comparison.classes:
        raise DataError(
            f"Unknown important class {cls!r}",
            "Choose one of: " + ", ".join(map(repr, comparison.classes)),
        )
    muted = frozenset(muted or ())
    unknown = sorted(muted - set(CAUSE_IDS))
    if unknown:
        raise DataError(
            "Unknown cause id " + ", ".join(map(repr, unknown)),
            "Valid ids: " + ", ".join(CAUSE_IDS),
        )
    rope = getattr(comparison.config, "rope", None)
    scored = getattr(comparison.config, "mode", "fit") == "predictions"  # nothing refitted
    judged, words = fit_view(comparison, cls) if scored else (comparison, {})
    facts = Facts(
        comparison=judged,
        class_name=cls,
        y_bin=_class_bin(comparison, cls),
        rope=float(rope) if rope is not None else DEFAULT_ROPE,
        profile=profile,
        dataset=dataset,
        fits=fits,
    )
    causes = tuple(
        sorted(
            (
                Cause(id=i, **RULES[i](facts), how_to_read=HOW_TO_READ[i])
                for i in CAUSE_IDS
                if i not in muted
            ),
            key=_rank_key,
        )
    )
    if scored:  # the causes a refit would judge say so; the others name the model
        causes = tuple(
            replace(c, evidence={"missing": NO_FEATURES}, suggestion=f"Not judged: {NO_FEATURES}.")
            if needs_features(c.evidence)
            else replace(
                c,
                evidence={k: _renamed(v, words) for k, v in c.evidence.items()},
                suggestion=reworded(c.suggestion, words),
                how_to_read=HOW_TO_READ_PREDICTIONS.get(c.id, c.how_to_read),
            )
            for c in causes
        )
    summary = _summary(facts, causes)
    return Diagnosis(class_name=cls, summary=reworded(summary, words), causes=causes)


# Profile findings that a cause found already says (for its class), so a page that lists both
# says each thing once: the overlap cause reads the hard-minority finding's kNN evidence, the
# evaluation cause the balanced / duplicated-rows findings.
COVERED_FINDINGS: Mapping[str, tuple[str, ...]] = {
    "overlap": ("hard_minority",),
    "evaluation": ("exactly_balanced", "duplicate_rows"),
}


def uncovered_findings(findings: Collection[Finding], diagnosis: Diagnosis) -> list[Finding]:
    """``findings`` (the profile's data pitfalls) less those a cause of ``diagnosis`` judged
    "yes" already says; a class-specific finding is covered only for the diagnosed class."""
    covered = {code for c in diagnosis.found for code in COVERED_FINDINGS.get(c.id, ())}
    return [
        f
        for f in findings
        if f.code not in covered
        or f.evidence.get("class", diagnosis.class_name) != diagnosis.class_name
    ]
