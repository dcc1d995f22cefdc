"""Findings from results: evidence (numbers), a verdict rule, a suggestion (deepchecks style).

Shown on Results and Compare next to the profile's data pitfalls, and in the report.
"""

from __future__ import annotations

import numpy as np

from core.analysis.details import class_gap
from core.evaluation.comparison import BASELINE, Comparison
from core.modelling.strategies import STRATEGIES
from core.profile.finding import Finding

LOW_RECALL_RATIO = 0.5  # a class is "left behind" below this share of the others' median recall
LOW_RECALL_MAX = 0.6  # ... and below this recall
GAP_CLASS = 0.15  # per-class F1 gap train - validation that signals overfitting
PRECISION_COLLAPSE = 0.5  # precision fell below this share of the baseline's ...
RECALL_GAIN = 0.10  # ... while recall rose by at least this much
RESAMPLING_FAMILIES = {"oversampling", "undersampling", "hybrid"}


def _per_class(comparison: Comparison, name: str):
    return comparison.results[name].per_class.set_index("class")


def low_recall(comparison: Comparison, name: str) -> list[Finding]:
    """Classes whose recall is far below the others', with the classes they are mistaken for."""
    result = comparison.results[name]
    table = _per_class(comparison, name)
    out = []
    for cls in comparison.classes:
        others = table["recall"].drop(index=cls)
        if others.empty:
            continue
        recall, median = float(table.at[cls, "recall"]), float(others.median())
        if not (recall < LOW_RECALL_MAX and recall < LOW_RECALL_RATIO * median):
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
            Finding(
                code="low_recall",
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
        Finding(
            code="overfitting_gap",
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
                Finding(
                    code="precision_collapse",
                    severity="warning",
                    title=f"{name} bought recall of '{cls}' with its precision",
                    message=f"Recall of '{cls}' rose by {d_recall:+.0%} (to "
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


def strategy_findings(comparison: Comparison, name: str) -> list[Finding]:
    """Findings about one successful strategy."""
    if name not in comparison.results or not comparison.results[name].ok:
        return []
    return (
        low_recall(comparison, name)
        + overfitting(comparison, name)
        + precision_collapse(comparison, name)
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
        else:
            out.append(
                Finding(
                    code="strategy_failed",
                    severity="info",
                    title=f"{name} could not run",
                    message=str(result.error),
                    suggestion="The other strategies are unaffected; see the reason to fix it.",
                    evidence={"strategy": name},
                )
            )
    return out
