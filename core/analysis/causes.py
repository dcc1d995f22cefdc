"""The rules of the diagnosis: one small function per cause of a failing class.

Each rule reads numbers the run already has (:class:`Facts`) and returns the parts of a
:class:`core.analysis.diagnosis.Cause` (a plain dict: ``verdict, severity, title, evidence,
suggestion``); :func:`core.analysis.diagnosis.diagnose` adds how to read it, assembles and
ranks them. The limits the rules use are the constants below.
A rule whose input is missing answers "unclear" and says what is missing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from core.analysis.details import class_gap
from core.evaluation.comparison import BASELINE, Comparison
from core.evaluation.crossval import StrategyResult
from core.intake.dataset import Dataset
from core.metrics import scores as metrics
from core.metrics.curves import threshold_curve_arrays
from core.metrics.per_fold import Interval, mean_interval, paired_difference, per_fold_scores
from core.modelling.strategies import STRATEGIES
from core.profile.leakage import single_feature_auc
from core.profile.measures import Profile
from core.profile.pitfalls import HARD_SHARE

if TYPE_CHECKING:
    from core.evaluation.diagnostic_fits import DiagnosticFits

CauseParts = dict[str, Any]

THRESHOLD_GAIN = 0.05  # F1 gained by moving the cut from which the threshold is a cause
RANK_DELTA = 0.01  # AP / ROC AUC change (mean over folds) that counts as better ranking
CHANGED_F1, CHANGED_RECALL = 0.02, 0.05  # a strategy "changed the decision" beyond these
OVERFIT_GAP = 0.1  # train-minus-validation F1 of the class from which a strategy overfits
RISE_MIN = 0.01  # learning-curve rise (75% -> 100%) below which the curve is flat
AP_NEAR = 0.1  # AP within this of the class share is "near the share" (no ranking skill)
LEAK_AUC = 0.99  # one feature alone separating the class this well is a leakage suspect
DUPLICATE_MIN = 0.01  # share of duplicate rows worth a word
RESAMPLING_FAMILIES = ("weighting", "cost", "oversampling", "undersampling", "hybrid")


@dataclass(frozen=True, eq=False)
class Facts:
    """What the rules look at, for one class of one comparison."""

    comparison: Comparison
    class_name: str
    y_bin: np.ndarray  # (n,) 0/1: the class against the rest, cross-validation rows
    rope: float
    profile: Profile | None = None
    dataset: Dataset | None = None
    fits: DiagnosticFits | None = None

    @property
    def index(self) -> int:
        return self.comparison.classes.index(self.class_name)

    @property
    def share(self) -> float:
        return float(np.mean(self.y_bin)) if self.y_bin.size else float("nan")

    @property
    def ok(self) -> dict[str, StrategyResult]:
        """Successful strategies with a per-class table, in run order."""
        results = self.comparison.results.items()
        return {n: r for n, r in results if r.ok and r.per_class is not None}

    @property
    def baseline(self) -> StrategyResult | None:
        found = self.ok.get(BASELINE)
        return found if found is not None and found.oof_proba is not None else None

    def per_class(self, result: StrategyResult, column: str) -> float:
        """Pooled cross-validated ``column`` (precision, recall, f1) of the class."""
        table = result.per_class
        row = table[table["class"].astype(str) == self.class_name]
        return float(row[column].iloc[0]) if len(row) else float("nan")

    def scores(self, result: StrategyResult) -> np.ndarray:
        return np.asarray(result.oof_proba)[:, self.index]

    def folds(self, result: StrategyResult, metric: str) -> np.ndarray:
        """Per-fold ``metric`` ("average_precision" / "roc_auc") of the class."""
        return per_fold_scores(self.y_bin, self.scores(result), result.fold_of_row, metric)

    def pooled(self, result: StrategyResult, metric: str) -> float:
        """Pooled ``metric`` ("average_precision" / "roc_auc") of the class."""
        c = self.comparison
        fn = metrics.average_precision_per_class
        if metric == "roc_auc":
            fn = metrics.roc_auc_per_class
        return float(fn(c.y_true, result.oof_proba, c.classes, c.task)[self.class_name])


def parts(verdict: str, severity: str, title: str, evidence: dict, suggestion: str) -> CauseParts:
    """The fields of a Cause but its id and how_to_read."""
    keys = ("verdict", "severity", "title", "evidence", "suggestion")
    return dict(zip(keys, (verdict, severity, title, evidence, suggestion), strict=True))


def _missing(title: str, what: str) -> CauseParts:
    return parts("unclear", "low", title, {"missing": what}, f"Not judged: this needs {what}.")


def _at_chance(auc: Interval, ap: float, share: float) -> bool:
    """The no-skill rule: the per-fold ROC AUC interval does not clear 0.5 and AP is near the
    class share (the AP of random scores)."""
    above = auc.low > 0.5 if np.isfinite(auc.low) else auc.mean > 0.5 + RANK_DELTA
    return bool(not above and ap - share < AP_NEAR)


# --------------------------------------------------------------------------- the rules


def threshold(f: Facts) -> CauseParts:
    """Ranked well, decided at the wrong cut: F1 at the default decision vs the reachable F1."""
    title, c, base = "The decision threshold is in the wrong place", f.class_name, f.baseline
    if base is None:
        return _missing(title, "a successful baseline run")
    auc = mean_interval(f.folds(base, "roc_auc"))
    now, tuned = f.per_class(base, "f1"), f.ok.get("threshold_tuning")
    ap = f.pooled(base, "average_precision")
    ev: dict[str, Any] = {"f1_default": now, "roc_auc": auc.to_dict(), "average_precision": ap}
    if tuned is not None:
        reach = f.per_class(tuned, "f1")
        ev |= {"f1_reachable": reach, "optimistic": False}
        ev["source"] = "threshold_tuning (cut chosen on inner folds)"
        fix = f"threshold_tuning reaches {reach:.3f} with a cut chosen on inner folds"
    else:
        curve = threshold_curve_arrays(f.y_bin, f.scores(base))
        best = int(np.argmax(curve["f1"]))
        reach, cut = float(curve["f1"][best]), float(curve["threshold"][best])
        ev |= {"f1_reachable": reach, "best_cut": cut, "optimistic": True}
        ev["source"] = "best cut over the baseline's threshold curve (chosen on the scored rows)"
        fix = (
            f"a cut at {cut:.3f} would reach {reach:.3f} (optimistic: chosen on the scored "
            "rows); run threshold_tuning to choose the cut on inner folds"
        )
    ev["gain"] = gain = reach - now
    if gain > THRESHOLD_GAIN and not _at_chance(auc, ap, f.share):
        sev = "high" if gain > 3 * THRESHOLD_GAIN else "medium"
        tip = f"Move the decision cut: F1 of '{c}' is {now:.3f} at the default decision, but {fix}."
        return parts("yes", sev, title, ev, tip)
    why = "it is ranked at chance" if gain > THRESHOLD_GAIN else "little to gain"
    return parts("no", "low", title, ev, f"Moving the cut will not help '{c}' ({why}).")


def operating_point_only(f: Facts) -> CauseParts:
    """Resampling / weighting moved along the same PR curve without better ranking."""
    title, c, base = "Resampling changed the decision, not the ranking", f.class_name, f.baseline
    tried = [
        n
        for n, r in f.ok.items()
        if r.oof_proba is not None
        and getattr(STRATEGIES.get(n), "family", "") in RESAMPLING_FAMILIES
    ]
    if base is None or not tried:
        return _missing(title, "a baseline and a resampling or weighting strategy run")
    base_ap, base_auc = f.folds(base, "average_precision"), f.folds(base, "roc_auc")
    per: dict[str, Any] = {}
    for name in tried:
        r = f.ok[name]
        d_ap = paired_difference(f.folds(r, "average_precision"), base_ap)
        d_auc = paired_difference(f.folds(r, "roc_auc"), base_auc)
        d_f1 = f.per_class(r, "f1") - f.per_class(base, "f1")
        d_rec = f.per_class(r, "recall") - f.per_class(base, "recall")
        better = any(d.mean >= RANK_DELTA and d.low > 0 for d in (d_ap, d_auc))
        changed = abs(d_f1) > CHANGED_F1 or abs(d_rec) > CHANGED_RECALL
        per[name] = {"delta_f1": d_f1, "delta_recall": d_rec, "delta_ap": d_ap.to_dict()}
        per[name] |= {"delta_roc_auc": d_auc.to_dict(), "ranking_better": better}
        per[name] |= {"decision_changed": changed, "flagged": changed and not better}
    flagged = [n for n, v in per.items() if v["flagged"]]
    ev = {"strategies": per, "flagged": flagged}
    if flagged:
        tip = (
            f"{', '.join(flagged)} changed the decision, not what the model knows about "
            f"'{c}': tune the threshold instead (threshold_tuning)."
        )
        return parts("yes", "medium", title, ev, tip)
    tip = f"The resampling strategies left the decision alone or ranked '{c}' better."
    return parts("no", "low", title, ev, tip)


def overlap(f: Facts) -> CauseParts:
    """The class's rows sit among other classes' rows (kNN difficulty of the profile)."""
    title, c = "The class overlaps other classes", f.class_name
    diff = f.profile.difficulty if f.profile is not None else None
    if diff is None or c not in diff.overlap:
        return _missing(title, "the data profile (neighbourhood difficulty)")
    own = float(diff.overlap[c].get(c, float("nan")))
    others = sorted(
        ((k, v) for k, v in diff.overlap[c].items() if k != c and v > 0), key=lambda kv: -kv[1]
    )
    ev: dict[str, Any] = {"own_neighbour_share": own, "neighbour_shares": dict(others[:3])}
    ev |= {"k": diff.k, "n_rows_used": diff.n_rows_used, "sampled": diff.sampled}
    if c in diff.types:  # a minority class: its rows' example types
        unsafe = 1.0 - float(diff.type_shares[c]["safe"])
        ev |= {"types": diff.types[c], "type_shares": diff.type_shares[c], "unsafe_share": unsafe}
        hard = unsafe >= HARD_SHARE
    else:
        unsafe, hard = 1.0 - own, own < 0.5
    where = ", ".join(f"'{k}' ({v:.0%})" for k, v in others[:3]) or "no other class"
    if hard:
        tip = (
            f"Rows of '{c}' sit among {where}: features that separate them help most; "
            "threshold tuning and boundary-aware methods (Borderline-SMOTE, SMOTE-ENN) help "
            "more than copying rows."
        )
        return parts("yes", "high" if unsafe >= 0.7 else "medium", title, ev, tip)
    return parts("no", "low", title, ev, f"Most rows of '{c}' sit among their own class.")


def scarcity(f: Facts) -> CauseParts:
    """The per-class learning curve is still rising at 100% of the training rows."""
    title, c = "Too few rows of the class", f.class_name
    lc = f.fits.learning_curve if f.fits is not None else None
    if lc is None or lc.class_name != c or len(lc.shares) < 2:
        return _missing(title, f"a learning curve of '{c}' (diagnostic fits)")
    use_ap = bool(np.all(np.isfinite(lc.ap_mean)))
    mean, std = (lc.ap_mean, lc.ap_std) if use_ap else (lc.f1_mean, lc.f1_std)
    rise = float(mean[-1] - mean[-2])
    noise = float(np.sqrt((std[-1] ** 2 + std[-2] ** 2) / max(f.comparison.config.cv, 1)))
    by_fold = getattr(lc, "fold_ap" if use_ap else "fold_f1", ())
    if len(by_fold) == len(lc.shares) and len(by_fold[-1]) == len(by_fold[-2]) > 1:
        paired = paired_difference(np.asarray(by_fold[-1]), np.asarray(by_fold[-2]))
        noise = paired.se if np.isfinite(paired.se) else noise  # s.e. of the per-fold rise
    ev = {"metric": "average_precision" if use_ap else "f1", "strategy": lc.strategy}
    ev |= {"shares": list(lc.shares), "class_rows": list(lc.class_rows)}
    ev |= {"mean": list(mean), "std": list(std), "rise_last": rise, "noise": noise}
    span = (
        f"{'AP' if use_ap else 'F1'} of '{c}' went from {mean[-2]:.3f} to {mean[-1]:.3f} "
        f"between {lc.shares[-2]:.0%} and {lc.shares[-1]:.0%} of the training rows"
    )
    if rise > RISE_MIN and rise > noise:
        tip = f"More labelled rows of '{c}' would help: {span}; label_next.csv lists the rows to label first."
        return parts("yes", "high" if rise > 5 * RISE_MIN else "medium", title, ev, tip)
    if rise <= RISE_MIN:
        return parts("no", "low", title, ev, f"More rows of the same kind will not help: {span}.")
    tip = f"{span}, within the folds' noise ({noise:.3f}); more rows may help a little."
    return parts("unclear", "low", title, ev, tip)


def overfitting(f: Facts) -> CauseParts:
    """Train-vs-validation F1 gap of the class, one cause naming every strategy that overfits."""
    title, c = "Strategies overfit the class", f.class_name
    per: dict[str, Any] = {}
    for name, r in f.ok.items():
        gap = class_gap(r)
        row = gap[gap["class"].astype(str) == c]
        if len(row):
            per[name] = {k: float(row[k].iloc[0]) for k in ("train", "validation", "gap")}
    if not per:
        return _missing(title, "training-fold scores")
    flagged = [n for n, v in per.items() if v["gap"] > OVERFIT_GAP]
    ev = {"strategies": per, "flagged": flagged, "max_gap": max(v["gap"] for v in per.values())}
    if not flagged:
        return parts(
            "no", "low", title, ev, f"No strategy fits '{c}' much better on training rows."
        )
    tip = (
        f"{', '.join(flagged)} fit the training rows of '{c}' far better than unseen rows: "
        "regularise the model (e.g. smaller C, shallower trees) and prefer strategies that "
        "do not copy rows of the class."
    )
    return parts("yes", "high" if ev["max_gap"] > 3 * OVERFIT_GAP else "medium", title, ev, tip)


def no_skill(f: Facts) -> CauseParts:
    """The model cannot tell the class from the rest: ROC AUC ~ 0.5, AP ~ the class share."""
    title, c, base = "The features carry no signal for the class", f.class_name, f.baseline
    if base is None:
        return _missing(title, "a successful baseline run")
    auc, ap = mean_interval(f.folds(base, "roc_auc")), f.pooled(base, "average_precision")
    skilled = [
        n
        for n, r in f.ok.items()
        if r.oof_proba is not None
        and not _at_chance(
            mean_interval(f.folds(r, "roc_auc")), f.pooled(r, "average_precision"), f.share
        )
    ]
    refs = f.fits.references if f.fits is not None else ()
    skilled += [
        r.model
        for r in refs
        if r.model != "dummy" and r.class_name == c and r.ap - f.share > AP_NEAR
    ]
    ev = {"roc_auc": auc.to_dict(), "roc_auc_pooled": f.pooled(base, "roc_auc")}
    ev |= {"average_precision": ap, "class_share": f.share, "skill_elsewhere": skilled}
    chance = _at_chance(auc, ap, f.share)
    if chance and not skilled:
        tip = f"The features carry no usable signal for '{c}'; nothing here will help: collect different features."
        return parts("yes", "high", title, ev, tip)
    tip = f"The baseline ranks '{c}' above chance (AP {ap:.3f} against a share of {f.share:.3f})."
    if chance:
        tip = f"The baseline ranks '{c}' at chance, but {', '.join(skilled)} do better."
    return parts("no", "low", title, ev, tip)


def evaluation(f: Facts) -> CauseParts:
    """Metrics that may not hold at real prevalence: a balanced file, duplicate rows."""
    title = "The evaluation may not reflect real use"
    if f.profile is None:
        return _missing(title, "the data profile")
    codes = ("exactly_balanced", "duplicate_rows")
    found = {x.code: x for x in f.profile.findings if x.code in codes}
    dup, n = f.profile.duplicates, f.profile.n_rows
    share = dup.n_duplicate_rows / n if n else 0.0
    ev = {"findings": {k: x.evidence for k, x in found.items()}}
    ev |= {"duplicate_rows": dup.n_duplicate_rows, "duplicate_share": share}
    balanced = "exactly_balanced" in found
    if balanced or ("duplicate_rows" in found and found["duplicate_rows"].severity == "warning"):
        what = "the classes are exactly balanced" if balanced else "minority rows are duplicated"
        tip = (
            f"Here {what}: the data were likely resampled before the split, so these metrics "
            "may not hold at the real prevalence. Get the data as collected and let the app "
            "resample inside the training folds."
        )
        return parts("yes", "high", title, ev, tip)
    if share >= DUPLICATE_MIN:
        tip = f"{dup.n_duplicate_rows} rows ({share:.1%}) repeat another row: remove exact duplicates before evaluating."
        return parts("yes", "low", title, ev, tip)
    return parts("no", "low", title, ev, "No sign of resampling before the split or of duplicates.")


def model_family(f: Facts) -> CauseParts:
    """A reference model on the same folds beats every strategy of the chosen model."""
    title, c, model = "The model family is the limit", f.class_name, f.comparison.config.model
    found = f.fits.references if f.fits is not None else ()
    refs = {r.model: r for r in found if r.class_name == c}
    hgb = refs.get("hist_gradient_boosting")
    if hgb is not None and (getattr(hgb, "error", None) or not np.isfinite(hgb.f1)):
        hgb = None
    own = {n: r for n, r in f.ok.items() if getattr(STRATEGIES.get(n), "uses_model", True)}
    if hgb is None or not own:
        return _missing(title, "reference model fits (diagnostic fits)")
    f1s = {n: f.per_class(r, "f1") for n, r in own.items()}
    best = max(f1s, key=lambda n: np.nan_to_num(f1s[n], nan=-1.0))
    margin = hgb.f1 - f1s[best]
    ev: dict[str, Any] = {"reference_f1": hgb.f1, "reference_ap": hgb.ap, "model": model}
    ev |= {"best_strategy": best, "best_f1": f1s[best], "margin": margin, "rope": f.rope}
    if "dummy" in refs:
        ev["dummy_f1"] = refs["dummy"].f1
    folds = np.asarray([d.get(c, np.nan) for d in own[best].fold_class_f1], dtype=float)
    fold_low = np.nan  # the paired per-fold margin must clear 0 too, or it may be noise
    if folds.shape == np.shape(hgb.fold_f1):
        fold_margin = paired_difference(np.asarray(hgb.fold_f1), folds)
        ev["fold_margin"] = fold_margin.to_dict()
        fold_low = fold_margin.low
    if model == "hist_gradient_boosting":
        return parts("no", "low", title, ev, "The comparison already uses gradient boosting.")
    if margin > f.rope and not fold_low > 0:
        tip = (
            f"hist_gradient_boosting reaches F1 {hgb.f1:.3f} for '{c}' against {f1s[best]:.3f} "
            f"({best}), but the fold-by-fold margin is within noise; rerun with more folds."
        )
        return parts("unclear", "low", title, ev, tip)
    if margin > f.rope:
        tip = (
            f"The model family, not the imbalance, is the limit: hist_gradient_boosting reaches "
            f"F1 {hgb.f1:.3f} for '{c}' where the best {model} strategy ({best}) gets "
            f"{f1s[best]:.3f}. Try hist_gradient_boosting."
        )
        return parts("yes", "high", title, ev, tip)
    return parts("no", "low", title, ev, f"A more flexible model does no better on '{c}'.")


def leakage_suspect(f: Facts) -> CauseParts:
    """One feature alone separates the class almost perfectly: possible target leakage."""
    title, c = "A single feature gives the class away", f.class_name
    if f.dataset is None:
        return _missing(title, "the dataset")
    aucs = single_feature_auc(f.dataset, c)
    suspects = [name for name, auc in aucs if auc >= LEAK_AUC]
    ev = {"top_features": dict(aucs[:5]), "suspects": suspects, "limit": LEAK_AUC}
    if suspects:
        tip = (
            f"{', '.join(suspects)} alone separate '{c}' almost perfectly: check for target "
            "leakage (a value known only after the label) before trusting any number here."
        )
        return parts("yes", "high", title, ev, tip)
    return parts("no", "low", title, ev, f"No single feature separates '{c}' suspiciously well.")


RULES: dict[str, Callable[[Facts], CauseParts]] = {
    "threshold": threshold,
    "operating_point_only": operating_point_only,
    "overlap": overlap,
    "scarcity": scarcity,
    "overfitting": overfitting,
    "no_skill": no_skill,
    "evaluation": evaluation,
    "model_family": model_family,
    "leakage_suspect": leakage_suspect,
}
"""One rule per cause id, in :data:`core.analysis.diagnosis.CAUSE_IDS` order."""
