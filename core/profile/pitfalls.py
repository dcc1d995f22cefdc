"""The data pitfalls the profile checks for: duplicates that betray resampling before the
split, conflicting duplicates, a suspiciously balanced distribution, classes too small for the
folds or for SMOTE, severe imbalance, hard minorities, label concurrence.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from core.intake.dataset import Dataset, classes_by_rarity
from core.profile.finding import Finding
from core.profile.stats import Difficulty, DuplicateStats, MultilabelStats

SEVERE_IR = 10.0  # imbalance ratio (or IRLbl) from which imbalance counts as severe
SEVERE_MAJORITY = 0.9  # single-label: a majority share from which imbalance counts as severe
HIGH_SCUMBLE = 0.1  # above this, over-sampling rare labels also copies frequent ones
HARD_SHARE = 0.5  # a minority class is "hard" when at least this share of its rows is not safe
DUPLICATE_SHARE = 0.2  # a minority class whose duplicate share exceeds this is suspicious

HOW_TO_READ = {
    "duplicate_rows": (
        "The share of rows that are exact copies of another row (same features, same target), "
        f"overall and per class. A few copies are normal; a minority class with over "
        f"{DUPLICATE_SHARE:.0%} copies and at least twice the majority's share suggests the "
        "file was over-sampled before the split."
    ),
    "conflicting_duplicates": (
        "Groups of rows with identical features but different targets. No model can get all "
        "of them right, so they cap the best score; a handful in a large file is noise, many "
        "(or many in a rare class) point at label errors or a missing feature."
    ),
    "exactly_balanced": (
        "Fires when every class has the same number of rows, give or take one (files of at "
        "least 20 rows). Collected data is rarely this even: it usually means the file was "
        "balanced by resampling, and precision measured on it overstates real precision."
    ),
    "too_small_for_folds": (
        "The rows of each class against the number of cross-validation folds. A class with "
        "fewer rows than folds is missing from some validation folds, so its scores rest on a "
        "handful of rows and swing from run to run."
    ),
    "too_small_for_smote": (
        "The counts are the rows of a class in the smallest training fold (its rows less one "
        "validation fold's share). SMOTE needs k + 1 of them to use k neighbours: below that "
        "the app lowers k (a note); with fewer than 2 rows SMOTE cannot run (a warning)."
    ),
    "severe_imbalance": (
        "The imbalance ratio is the largest class's rows over the smallest's (for labels, "
        f"IRLbl: the most frequent label's rows over each label's). From {SEVERE_IR:.0f}, or a "
        f"majority of {SEVERE_MAJORITY:.0%} of the rows, accuracy and micro-averaged scores say "
        "little about the rare classes."
    ),
    "hard_minority": (
        "A row is safe when over 70% of its nearest neighbours (4 or 5 of 5) share its class, "
        "else borderline, rare or an outlier. When at least "
        f"{HARD_SHARE:.0%} of a minority class's rows are not safe, the classes overlap and "
        "resampling alone will not separate them."
    ),
    "high_scumble": (
        "SCUMBLE (0 to 1) measures how often rare labels share rows with frequent ones. Above "
        f"{HIGH_SCUMBLE}, copying rows to boost a rare label also copies frequent labels, so "
        "over-sampling barely reduces the imbalance."
    ),
}
"""Each pitfall code's "how to read it": what its number means and what level is worrying."""
PITFALL_CODES = tuple(HOW_TO_READ)
"""Every code :func:`find_pitfalls` can emit (stable: results.json, ``--mute``)."""


# --- pitfalls ---------------------------------------------------------------------------


def _finding(
    code: str, severity: str, title: str, message: str, suggestion: str, evidence: dict
) -> Finding:
    """A pitfall finding with its code's :data:`HOW_TO_READ` attached."""
    return Finding(code, severity, title, message, suggestion, evidence, HOW_TO_READ[code])


@dataclass(frozen=True, eq=False)
class PitfallFacts:
    """What the pitfall checks look at: the dataset and the profile's measures of it."""

    ds: Dataset
    counts: dict[str, int]
    majority: str
    minority: tuple[str, ...]
    ratio: float
    ml: MultilabelStats | None
    difficulty: Difficulty | None
    duplicates: DuplicateStats
    k: int
    cv: int


def _pct(x: float) -> str:
    return f"{100 * x:.1f}%"


def _and(parts: Sequence[str]) -> str:
    """'x', 'x and y', 'x, y and z'."""
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def _rows(n: int) -> str:
    return f"{n} row" if n == 1 else f"{n} rows"


def find_pitfalls(f: PitfallFacts) -> list[Finding]:
    """The data pitfalls found in ``f``, in check order (not yet sorted by severity)."""
    checks = (_duplicate_rows, _conflicting, _balanced, _small_folds, _small_smote, _severe)
    found = [x for check in checks if (x := check(f)) is not None]
    found += _hard_minorities(f)
    if f.ml is not None and f.ml.scumble > HIGH_SCUMBLE:
        found.append(_high_scumble(f.ml.scumble))
    return found


def _duplicate_rows(f: PitfallFacts) -> Finding | None:
    d = f.duplicates
    n = f.ds.n_rows
    if d.n_duplicate_rows == 0:
        return None
    share = {c: d.per_class[c] / m if m else 0.0 for c, m in f.counts.items()}
    maj = share[f.majority]
    flagged = [
        c for c in f.minority if share[c] > DUPLICATE_SHARE and share[c] >= max(2 * maj, maj + 0.1)
    ]
    evidence = {
        "n_duplicate_rows": d.n_duplicate_rows,
        "share": d.n_duplicate_rows / n,
        "per_class": {c: {"duplicates": d.per_class[c], "share": share[c]} for c in f.counts},
        "flagged_classes": flagged,
    }
    head = (
        f"{d.n_duplicate_rows} of {n} rows ({_pct(d.n_duplicate_rows / n)}) are exact copies "
        "of another row (same features and same target)."
    )
    if not flagged:
        return _finding(
            "duplicate_rows",
            "info",
            "Duplicate rows",
            head + " They are not concentrated in a minority class.",
            "Check that the copies are genuine repeated records; a copy in a validation fold of "
            "a row in the training fold makes scores look better than they are.",
            evidence,
        )
    detail = "; ".join(
        f"'{c}': {d.per_class[c]} of {f.counts[c]} ({_pct(share[c])})" for c in flagged
    )
    return _finding(
        "duplicate_rows",
        "warning",
        "Minority rows are duplicated",
        f"{head} Copies are concentrated in the minority: {detail}, against "
        f"{_pct(maj)} in the majority '{f.majority}'. This often means the data were already "
        "over-sampled (e.g. SMOTE or random over-sampling) before the train/test split, which "
        "puts copies of the same row in training and validation folds and inflates the scores.",
        "Get the data as collected, before any resampling, or remove exact duplicates before "
        "evaluating; let the app resample inside the training folds only.",
        evidence,
    )


def _conflicting(f: PitfallFacts) -> Finding | None:
    d = f.duplicates
    if d.n_conflicting_groups == 0:
        return None
    return _finding(
        "conflicting_duplicates",
        "warning",
        "Identical rows with different targets",
        f"{d.n_conflicting_groups} group{'s' if d.n_conflicting_groups != 1 else ''} of rows with "
        f"identical features ({d.n_conflicting_rows} rows in all) carry different targets. No model can tell these rows apart, so they cap "
        "the achievable score; they may also be labelling errors.",
        "Check the labels of these rows; if they are right, a feature that tells them apart is "
        "missing from the data.",
        {"n_groups": d.n_conflicting_groups, "n_rows": d.n_conflicting_rows},
    )


def _balanced(f: PitfallFacts) -> Finding | None:
    values = list(f.counts.values())
    n = f.ds.n_rows
    if n < 20 or len(values) < 2 or max(values) - min(values) > 1:
        return None
    what = "labels are carried by" if f.ml is not None else "classes have"
    return _finding(
        "exactly_balanced",
        "warning",
        "Classes are exactly balanced",
        f"All {len(values)} {what} {min(values)} to {max(values)} rows each (of {n} rows). Real "
        "data are rarely this even, so the file may already have been balanced by resampling. "
        "Precision measured on a balanced set misstates precision at the real class frequencies.",
        "Find out how the data were collected; evaluate on data with the natural class "
        "frequencies, or re-estimate precision with the real prevalence.",
        {"class_counts": f.counts, "n_rows": n},
    )


def _small_folds(f: PitfallFacts) -> Finding | None:
    small = {c: m for c, m in f.counts.items() if m < f.cv}
    if not small:
        return None
    one, many = ("label", "labels") if f.ml is not None else ("class", "classes")
    listing = _and([f"'{c}' has {_rows(m)}" for c, m in small.items()])
    smallest = min(small.values())
    fix = f"use at most {smallest} folds, " if smallest >= 2 else f"drop {many} with one row, "
    return _finding(
        "too_small_for_folds",
        "warning",
        f"{many.capitalize()} too small for {f.cv}-fold cross-validation",
        f"{listing}: fewer than the {f.cv} folds. {f.cv}-fold cross-validation cannot put one of "
        "their rows in every validation fold, so their scores rest on very few rows and some "
        "folds have none.",
        f"Collect more rows of these {many}, {fix}or merge them into a related {one}.",
        {"cv": f.cv, "classes": small},
    )


def _small_smote(f: PitfallFacts) -> Finding | None:
    """Classes whose smallest training fold has at most ``k`` rows: the app lowers SMOTE's
    ``k`` there (a note), or, below 2 rows, the SMOTE family cannot run (a warning)."""
    if f.ml is not None:
        return None  # SMOTE samplers are single-label; ml_ros copies rows instead
    train = {c: m - math.ceil(m / f.cv) for c, m in f.counts.items()}  # smallest training fold
    small = {c: t for c, t in train.items() if t <= f.k}
    if not small:
        return None
    largest_k = min(small.values()) - 1  # what the app's sampler lowers k to in such a fold
    listing = _and([f"{_rows(t)} of '{c}'" for c, t in small.items()])
    hopeless = [c for c, t in small.items() if t < 2]
    head = f"With {f.cv}-fold cross-validation a training fold can hold as few as {listing}. "
    family = "SMOTE-family methods (SMOTE, Borderline-SMOTE, ADASYN, SMOTE-Tomek, SMOTE-ENN)"
    evidence = {
        "k": f.k,
        "cv": f.cv,
        "training_fold_counts": small,
        "largest_k": largest_k,
        "cannot_run": hopeless,
    }
    if hopeless:
        named = _and([f"'{c}'" for c in hopeless])
        return _finding(
            "too_small_for_smote",
            "warning",
            "Classes too small for SMOTE",
            head + f"{family} build new rows between rows of the same class, so they need at "
            f"least 2 rows of each class in every training fold: with {named} they cannot run "
            "and are marked failed (the other strategies still finish).",
            f"SMOTE cannot run at all with {named} (a training fold needs at least 2 rows of "
            "each class); use random over-sampling or class weights, or merge the class into a "
            "related one.",
            evidence,
        )
    return _finding(
        "too_small_for_smote",
        "info",
        f"SMOTE's neighbours lowered to k={largest_k} for small classes",
        head + f"{family} set to k_neighbors={f.k} need {f.k + 1} rows of a class to use "
        f"{f.k} neighbours, so in such folds the app lowers k to the largest value the fold "
        f"allows, {largest_k} for these classes: the synthetic rows then interpolate between "
        "fewer neighbours and vary less.",
        "Nothing needs fixing: the SMOTE family still runs. To use the same k in every fold, "
        f'set "SMOTE neighbours (k)" on the Strategies page (--k-neighbors on the command '
        f"line) to at most {largest_k}; random over-sampling and class weights need no "
        "neighbours.",
        evidence,
    )


def _severe(f: PitfallFacts) -> Finding | None:
    if f.ml is not None:
        severe = {c: ir for c, ir in f.ml.irlbl.items() if ir >= SEVERE_IR}
        if not severe:
            return None
        listing = ", ".join(
            f"'{c}' ({_rows(f.counts[c])}, IRLbl {ir:.1f})" for c, ir in severe.items()
        )
        return _finding(
            "severe_imbalance",
            "warning",
            "Severe label imbalance",
            f"{len(severe)} of {len(f.counts)} labels are at least {SEVERE_IR:.0f} times rarer "
            f"than the most frequent label '{f.majority}' ({_rows(f.counts[f.majority])}): "
            f"{listing}. The mean "
            f"imbalance ratio over all labels (MeanIR) is {f.ml.mean_ir:.1f}.",
            "Judge models by per-label and macro-averaged F1, not by Hamming loss or micro "
            "scores, which the frequent labels dominate; compare per-label thresholds and "
            "label-aware over-sampling.",
            {"irlbl": severe, "mean_ir": f.ml.mean_ir},
        )
    n = f.ds.n_rows
    big = f.counts[f.majority]
    share = big / n if n else 0.0
    if not (f.ratio >= SEVERE_IR or share >= SEVERE_MAJORITY):
        return None
    smallest = classes_by_rarity(list(f.counts.values()), list(f.counts))[0]
    small = f.counts[smallest]
    return _finding(
        "severe_imbalance",
        "warning",
        "Severe class imbalance",
        f"The largest class '{f.majority}' has {f.ratio:.1f} times as many rows as the smallest "
        f"'{smallest}' ({big} against {small}). A model that always predicts '{f.majority}' "
        f"already scores {_pct(share)} accuracy while never finding '{smallest}'.",
        "Judge models by per-class recall, balanced accuracy or macro F1 rather than accuracy; "
        "compare class weights, resampling and threshold tuning.",
        {
            "imbalance_ratio": f.ratio,
            "majority_share": share,
            "largest": {f.majority: big},
            "smallest": {smallest: small},
        },
    )


def _hard_minorities(f: PitfallFacts) -> list[Finding]:
    diff = f.difficulty
    if diff is None:
        return []
    found = []
    for cls in f.minority:
        counts = diff.types[cls]
        total = sum(counts.values())
        unsafe = total - counts["safe"]
        if total == 0 or unsafe / total < HARD_SHARE:
            continue
        others = {c: s for c, s in diff.overlap[cls].items() if c != cls and s > 0}
        top = sorted(others, key=others.__getitem__, reverse=True)[:3]
        where = ", ".join(f"'{c}' ({_pct(others[c])})" for c in top) or "nothing else"
        sample = f" (on a sample of {diff.n_rows_used} rows)" if diff.sampled else ""
        own = _pct(diff.overlap[cls][cls])
        if f.ml is None:
            title = f"Minority class '{cls}' overlaps other classes"
            mix = f"Their neighbours are {own} '{cls}'; the rest are mostly {where}."
            fix = (
                "Expect low recall for this class whatever the strategy; boundary-aware methods "
                "(Borderline-SMOTE, SMOTE-ENN, threshold tuning) tend to help more than plain "
                "over-sampling, and features that separate these classes help most."
            )
        else:
            title = f"Rare label '{cls}' is hard to tell apart"
            mix = f"{own} of their neighbours carry '{cls}'; they mostly carry {where}."
            fix = (
                "Expect low recall for this label whatever the strategy; a per-label decision "
                "threshold helps more than copying rows, and features that single out these "
                "rows help most."
            )
        found.append(
            _finding(
                "hard_minority",
                "warning",
                title,
                f"{_pct(unsafe / total)} of the rows of '{cls}'{sample} are not safe: at most "
                f"{7 * diff.k // 10} of their {diff.k} nearest neighbours are '{cls}' "
                f"({counts['borderline']} borderline, {counts['rare']} rare, "
                f"{counts['outlier']} outliers, of {_rows(total)}). {mix}",
                fix,
                {
                    "class": cls,
                    "k": diff.k,
                    "types": counts,
                    "unsafe_share": unsafe / total,
                    "neighbour_shares": diff.overlap[cls],
                    "n_rows_used": diff.n_rows_used,
                },
            )
        )
    return found


def _high_scumble(scumble: float) -> Finding:
    return _finding(
        "high_scumble",
        "warning",
        "Rare labels travel with frequent ones",
        f"SCUMBLE is {scumble:.3f} (above {HIGH_SCUMBLE}): rare labels mostly appear in the same "
        "rows as frequent labels. Copying rows to boost a rare label also copies the frequent "
        "labels in them, so over-sampling barely reduces the imbalance.",
        "Prefer per-label decision thresholds or label weights over row over-sampling; "
        "decoupling methods such as REMEDIAL split such rows before resampling.",
        {"scumble": scumble, "threshold": HIGH_SCUMBLE},
    )
