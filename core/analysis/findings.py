"""Findings from results: evidence (numbers), a verdict rule, a suggestion (deepchecks style).

Shown on Results and Compare next to the profile's data pitfalls, and in the report.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from core.analysis.calibration import strategy_calibration
from core.analysis.details import class_gap
from core.analysis.stability import UNSTABLE_RANGE, threshold_stability
from core.evaluation.comparison import BASELINE, Comparison
from core.modelling.strategies import STRATEGIES
from core.profile.finding import Finding

LOW_RECALL_RATIO = 0.5  # a class is "left behind" below this share of the others' median recall
LOW_RECALL_MAX = 0.6  # ... and below this recall
GOOD_RECALL = 0.5  # ... while the others do well: their median recall is at least this
LEFT_BEHIND_GAP = 0.3  # ... and at least this much above the class's
POOR_RECALL = 0.3  # more than half the classes recalled below this: the model finds little
GAP_CLASS = 0.15  # per-class F1 gap train - validation that signals overfitting
PRECISION_COLLAPSE = 0.5  # precision fell below this share of the baseline's ...
RECALL_GAIN = 0.10  # ... while recall rose by at least this much
RESAMPLING_FAMILIES = {"oversampling", "undersampling", "hybrid"}
CALIBRATION_RECALL_GAIN = 0.05  # recall of the important class up by at least this ...
CALIBRATION_RATIO = 2.0  # ... while its reliability term is at least this many times the baseline's
CALIBRATION_RISE = 0.01  # ... and at least this much above it

HOW_TO_READ = {
    "low_recall": (
        "Recall is the share of a class's rows the model finds. Flagged when a class is "
        f"recalled below {LOW_RECALL_MAX:.0%} and below {LOW_RECALL_RATIO:.0%} of the other "
        f"classes' median recall, while those do well (median at least {GOOD_RECALL:.0%} and "
        f"{LEFT_BEHIND_GAP:.0%} or more above it)."
    ),
    "poor_recall": (
        "Recall is the share of a class's rows the model finds. Flagged when more than half "
        f"the classes are recalled below {POOR_RECALL:.0%}: the model finds little of most "
        "classes, so the weak signal, not one rare class, is what to fix first."
    ),
    "overfitting_gap": (
        "The gap is a class's F1 on the training folds minus its F1 on the validation folds "
        f"(0 to 1). Above {GAP_CLASS:.2f} the model memorises that class's training rows "
        "(often copies made by over-sampling) rather than learning it."
    ),
    "precision_collapse": (
        "Compares a resampling strategy with the baseline on one class: recall up by at least "
        f"{RECALL_GAIN:.0%} while precision fell below {PRECISION_COLLAPSE:.0%} of the "
        "baseline's, so most of the extra rows flagged as that class are false alarms."
    ),
    "calibration_broken": (
        "Reliability is the miscalibration part of the Brier score of the important class "
        "(0 = a predicted 30% comes true 30% of the time). Flagged when a strategy raised that "
        f"class's recall by {100 * CALIBRATION_RECALL_GAIN:g} percentage points or more over the "
        f"baseline while the reliability of its own probabilities is at least "
        f"{CALIBRATION_RATIO:g} times the baseline's and {CALIBRATION_RISE:g} or more above it."
    ),
    "threshold_unstable": (
        "A tuned decision is tuned again in every fold (for a predictions file: every part). "
        "Flagged when the values chosen "
        f"span {UNSTABLE_RANGE['cut']:g} or more on the probability scale (a cut; "
        f"{UNSTABLE_RANGE['offset']:g} in log-probability units for a class offset): the "
        "mean cut then rests on few rows, and a cut set on all the data may land anywhere in "
        "that range."
    ),
    "strategy_failed": (
        "The strategy stopped with an error on at least one fold, so it has no scores; the "
        "reason says why. The other strategies ran on the same folds and are unaffected."
    ),
}
"""Each finding code's "how to read it": what its number means and what level is worrying."""
FINDING_CODES = tuple(HOW_TO_READ)
"""Every code this module can emit (stable: results.json, ``--mute``)."""


def _finding(code: str, **fields: Any) -> Finding:
    """A finding with its code's :data:`HOW_TO_READ` attached."""
    return Finding(code=code, how_to_read=HOW_TO_READ[code], **fields)


def _per_class(comparison: Comparison, name: str):
    return comparison.results[name].per_class.set_index("class")


def left_behind(recall: float, median_other: float) -> bool:
    """True when a class recalled at ``recall`` is left behind by classes whose median recall
    is ``median_other``: it is low, and far below others that do well."""
    return (
        recall < LOW_RECALL_MAX
        and recall < LOW_RECALL_RATIO * median_other
        and median_other >= GOOD_RECALL
        and median_other - recall >= LEFT_BEHIND_GAP - 1e-12  # 0.7 - 0.4 is 0.2999...
    )


def _poor_recall(comparison: Comparison, name: str, recalls: dict[str, float]) -> Finding | None:
    """One finding when more than half the classes are recalled below POOR_RECALL."""
    below = {c: r for c, r in recalls.items() if r < POOR_RECALL}
    if 2 * len(below) <= len(recalls):
        return None
    multilabel = comparison.task == "multilabel"
    noun, nouns = ("label", "labels") if multilabel else ("class", "classes")
    worst = sorted(below, key=below.__getitem__)
    lowest = ", ".join(f"'{c}' {below[c]:.0%}" for c in worst[:3])
    more = f" and {len(worst) - 3} more" if len(worst) > 3 else ""
    well = [c for c in recalls if c not in below]
    if well:
        title = f"Most {nouns} are recalled poorly by {name}"
        verb = "does" if len(well) == 1 else "do"
        tail = " Only " + ", ".join(f"'{c}' ({recalls[c]:.0%})" for c in well) + f" {verb} better."
    else:
        title = f"No {noun} is recalled well by {name}"
        tail = ""
    median = float(np.median(list(recalls.values())))
    return _finding(
        "poor_recall",
        severity="warning",
        title=title,
        message=f"Recall is below {POOR_RECALL:.0%} for {len(below)} of {len(recalls)} {nouns} "
        f"(median {median:.0%}; lowest {lowest}{more}).{tail} No single {noun} is left behind: "
        f"the model finds little of {'most' if well else 'any'} of them.",
        suggestion="Fix the signal before the imbalance: check that the features carry "
        "information about the target (Diagnosis: the causes 'The features carry no signal for "
        "the class' and 'A single feature gives the class away'), then "
        "try a more flexible model and tuned decision thresholds"
        + (" (one per label)" if multilabel else "")
        + " before comparing resampling strategies.",
        evidence={"strategy": name, "recalls": recalls, "median_recall": median},
    )


def low_recall(comparison: Comparison, name: str) -> list[Finding]:
    """Classes whose recall is far below the others' (which do well), with the classes they
    are mistaken for; or one finding when most classes are recalled poorly."""
    result = comparison.results[name]
    table = _per_class(comparison, name)
    recalls = {c: float(table.at[c, "recall"]) for c in comparison.classes}
    poor = _poor_recall(comparison, name, recalls)
    if poor is not None:
        return [poor]
    out = []
    for cls in comparison.classes:
        others = table["recall"].drop(index=cls)
        if others.empty:
            continue
        recall, median = recalls[cls], float(others.median())
        if not left_behind(recall, median):
            continue
        evidence = {"strategy": name, "class": cls, "recall": recall, "median_other_recall": median}
        confused = ""
        if comparison.task != "multilabel":
            row = np.asarray(result.confusion)[comparison.classes.index(cls)].astype(float)
            total = row.sum()
            row[comparison.classes.index(cls)] = 0
            top = [
                (comparison.classes[j], row[j] / total) for j in np.argsort(-row)[:2] if row[j] > 0
            ]
            evidence["mistaken_for"] = {c: float(s) for c, s in top}
            if top:
                confused = (
                    " Its rows are mostly predicted as "
                    + " and ".join(f"'{c}' ({s:.0%})" for c, s in top)
                    + "."
                )
        out.append(
            _finding(
                "low_recall",
                severity="warning",
                title=f"'{cls}' is left behind by {name}",
                message=f"Recall of '{cls}' is {recall:.0%} while the other classes have a "
                f"median recall of {median:.0%}.{confused}",
                suggestion="Try class weights, threshold tuning or cost-sensitive decisions for "
                "this class; if its rows overlap other classes (see Data, difficulty), more "
                "informative features or more labelled examples help more than resampling.",
                evidence=evidence,
            )
        )
    return out


def overfitting(comparison: Comparison, name: str) -> list[Finding]:
    """Classes with a large F1 gap between training and validation folds."""
    gap = class_gap(comparison.results[name])
    big = gap[gap["gap"] > GAP_CLASS].sort_values("gap", ascending=False)
    if big.empty:
        return []
    worst = big.iloc[0]
    noun, plural = ("label", "s") if comparison.task == "multilabel" else ("class", "es")
    listed = ", ".join(f"'{r['class']}' ({r['gap']:+.2f})" for _, r in big.head(4).iterrows())
    return [
        _finding(
            "overfitting_gap",
            severity="warning",
            title=f"{name} overfits {len(big)} {noun}{'' if len(big) == 1 else plural}",
            message=f"F1 on the training folds exceeds F1 on the validation folds by more than "
            f"{GAP_CLASS:.2f} for {listed}; e.g. '{worst['class']}': {worst['train']:.2f} on "
            f"training vs {worst['validation']:.2f} on validation.",
            suggestion="Regularise the model (fewer/shallower trees, stronger penalty), prefer "
            "class weights to duplicating rows, or gather more rows of these classes.",
            evidence={
                "strategy": name,
                "gaps": {str(r["class"]): float(r["gap"]) for _, r in big.iterrows()},
            },
        )
    ]


def precision_collapse(comparison: Comparison, name: str) -> list[Finding]:
    """Resampling that raised a class's recall but collapsed its precision vs baseline."""
    if name == BASELINE or BASELINE not in comparison.results:
        return []
    if not comparison.results[BASELINE].ok:
        return []
    strategy = STRATEGIES.get(name)
    if strategy is None or strategy.family not in RESAMPLING_FAMILIES:
        return []
    mine, base = _per_class(comparison, name), _per_class(comparison, BASELINE)
    out = []
    for cls in comparison.classes:
        d_recall = float(mine.at[cls, "recall"] - base.at[cls, "recall"])
        p_new, p_old = float(mine.at[cls, "precision"]), float(base.at[cls, "precision"])
        if d_recall >= RECALL_GAIN and p_old > 0 and p_new < PRECISION_COLLAPSE * p_old:
            out.append(
                _finding(
                    "precision_collapse",
                    severity="warning",
                    title=f"{name} bought recall of '{cls}' with its precision",
                    message=f"Recall of '{cls}' rose by {100 * d_recall:.0f} percentage points (to "
                    f"{mine.at[cls, 'recall']:.0%}) but its precision fell from {p_old:.0%} to "
                    f"{p_new:.0%}: most rows now flagged '{cls}' are not.",
                    suggestion="Tune the decision threshold instead (Results, threshold slider), "
                    "or use a milder sampling ratio; judge by F1 or by the cost of each error.",
                    evidence={
                        "strategy": name,
                        "class": cls,
                        "recall_change": d_recall,
                        "precision_baseline": p_old,
                        "precision": p_new,
                    },
                )
            )
    return out


def calibration_broken(comparison: Comparison, name: str) -> list[Finding]:
    """A strategy that raised the important class's recall over the baseline but whose own
    probabilities for that class are far worse calibrated (reliability term) than the
    baseline's."""
    if name == BASELINE or BASELINE not in comparison.results:
        return []
    base = comparison.results[BASELINE]
    if not base.ok or base.oof_proba is None or comparison.results[name].oof_proba is None:
        return []
    cls = comparison.important_class
    d_recall = float(_per_class(comparison, name).at[cls, "recall"]) - float(
        _per_class(comparison, BASELINE).at[cls, "recall"]
    )
    if d_recall < CALIBRATION_RECALL_GAIN:
        return []
    cal = strategy_calibration(comparison, name)
    rel = float(cal.own.of(cls)["reliability"])
    rel0 = float(strategy_calibration(comparison, BASELINE).own.of(cls)["reliability"])
    if rel < CALIBRATION_RATIO * rel0 or rel - rel0 < CALIBRATION_RISE:
        return []
    evidence = {"strategy": name, "class": cls, "recall_change": d_recall,
                "reliability_baseline": rel0, "reliability": rel}  # fmt: skip
    after = ""
    if cal.before is not None:
        evidence["reliability_corrected"] = float(cal.of(cls)["reliability"])
        after = f" After the correction its reliability is {evidence['reliability_corrected']:.4f}."
    return [
        _finding(
            "calibration_broken",
            severity="warning",
            title=f"{name} bought recall of '{cls}' by breaking its probabilities",
            message=f"Recall of '{cls}' rose by {100 * d_recall:.0f} percentage points but the "
            f"reliability term of its predicted probabilities grew from {rel0:.4f} "
            f"(baseline) to {rel:.4f}: its probabilities no longer say how often '{cls}' "
            f"occurs.{after}",
            suggestion="Do not read these probabilities as chances, nor set a business "
            "threshold, a prevalence or an expected cost on them: use the corrected "
            "probabilities (Results, Calibration), or tune the baseline's decision threshold, "
            "which moves the decision without distorting the probabilities.",
            evidence=evidence,
        )
    ]


def threshold_unstable(comparison: Comparison, name: str) -> list[Finding]:
    """One finding when strategy ``name``'s tuned decision moves far between folds
    (:func:`core.analysis.stability.threshold_stability`), listing the unstable classes."""
    stability = threshold_stability(comparison, name)
    if stability is None or not stability.unstable:
        return []
    moved = stability.unstable
    parts = [stability.moved(e.class_name) for e in moved[:3]]
    more = f" And {len(moved) - 3} more." if len(moved) > 3 else ""
    n = len(moved[0].fold_values)
    repeats = ", or repeated cross-validation (Strategies, repeats) to see how far it moves"
    return [
        _finding(
            "threshold_unstable",
            severity="warning",
            title=f"{name}'s tuned decision moves between {stability.folds}",
            message=f"Across the {n} {stability.folds}, "
            + "; ".join(parts)
            + "."
            + stability.step_note()
            + more,
            suggestion="Read the decision as the range, not its mean. To make it steadier: more "
            "rows of the class"
            + (repeats if comparison.config.mode != "predictions" else "")
            + "; a smoother objective than F1 on few positives (balanced accuracy, F-beta); or "
            "one cut chosen on the pooled inner predictions and kept fixed.",
            evidence={
                "strategy": name,
                "quantity": stability.quantity,
                "fold_values": {e.class_name: list(e.fold_values) for e in moved},
                "range": {e.class_name: e.range for e in moved},
            },
        )
    ]


def strategy_findings(comparison: Comparison, name: str) -> list[Finding]:
    """Findings about one successful strategy."""
    if name not in comparison.results or not comparison.results[name].ok:
        return []
    return (
        low_recall(comparison, name)
        + overfitting(comparison, name)
        + precision_collapse(comparison, name)
        + calibration_broken(comparison, name)
        + threshold_unstable(comparison, name)
    )


def comparison_findings(comparison: Comparison) -> list[Finding]:
    """Findings across the comparison: classes the baseline leaves behind, every strategy's
    overfitting and precision collapse, and the strategies that failed."""
    out: list[Finding] = []
    base = comparison.results.get(BASELINE)
    if base is not None and base.ok:
        out += low_recall(comparison, BASELINE)
    for name, result in comparison.results.items():
        if result.ok:
            out += overfitting(comparison, name) + precision_collapse(comparison, name)
            out += calibration_broken(comparison, name)
            out += threshold_unstable(comparison, name)
        else:
            out.append(
                _finding(
                    "strategy_failed",
                    severity="info",
                    title=f"{name} could not run",
                    message=str(result.error),
                    suggestion="The other strategies are unaffected; see the reason to fix it.",
                    evidence={"strategy": name},
                )
            )
    return out
