"""What every number means, in plain words: one owner for the app's tooltips and the report's
"How to read the numbers".

Each entry says what the number measures, which way is better and when it misleads under
imbalance. ``{noun}`` / ``{nouns}`` become "class" / "classes" or "label" / "labels"
(:func:`metric_help`), so a multi-label page never speaks of classes.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from core.metrics.scores import SUMMARY_METRICS, metric_title

#: Per-class (per-label) scores, in table order: name -> display title.
PER_CLASS_TITLES: Mapping[str, str] = MappingProxyType(
    {
        "precision": "Precision",
        "recall": "Recall",
        "f1": "F1",
        "specificity": "Specificity",
        "support": "Support",
    }
)

#: Statistics shown beside the scores: name -> display title.
STATISTIC_TITLES: Mapping[str, str] = MappingProxyType(
    {
        "ci": "Confidence interval",
        "p_value": "p-value",
        "mcnemar_p": "McNemar p",
    }
)

#: How honest the probabilities are (:mod:`core.metrics.calibration`): name -> display title.
CALIBRATION_TITLES: Mapping[str, str] = MappingProxyType(
    {
        "brier": "Brier score",
        "reliability": "Reliability (miscalibration)",
        "resolution": "Resolution",
        "uncertainty": "Uncertainty",
        "within_bin": "Within-bin part",
        "ece": "Expected calibration error (ECE)",
        "log_loss": "Log loss",
    }
)

#: Decision costs (:mod:`core.metrics.cost_curves`): name -> display title.
COST_TITLES: Mapping[str, str] = MappingProxyType(
    {
        "probability_cost": "Probability cost PC(+)",
        "normalised_expected_cost": "Normalised expected cost",
    }
)

#: name -> plain-language help (``{noun}``/``{nouns}`` filled in by :func:`metric_help`).
METRIC_HELP: Mapping[str, str] = MappingProxyType(
    {
        # ------------------------------------------------------------ per class / label
        "precision": "Of the rows predicted as a {noun}, the share that truly are. Higher is "
        "better; false alarms from the large {nouns} pull a rare {noun}'s precision down fast.",
        "recall": "Of the rows that truly are a {noun}, the share the model finds. Higher is "
        "better; a model that ignores a rare {noun} has recall 0 there, whatever its accuracy.",
        "f1": "The harmonic mean of precision and recall; 0 when a {noun} is never found. "
        "Higher is better. F1 of a large {noun} is high almost anywhere: read the rare one's.",
        "specificity": "Of the rows that are not the {noun}, the share correctly left out. "
        "Higher is better; for a rare {noun} it is high whatever the model does.",
        "support": "Rows that truly are the {noun}. A score over few rows moves a lot by chance.",
        # ------------------------------------------------------------ summary
        "accuracy": "Share of rows predicted correctly. Higher is better. Misleading under "
        "imbalance: always predicting the largest {noun} scores that {noun}'s share of rows.",
        "balanced_accuracy": "The mean recall over the {nouns}: accuracy as if the {nouns} were "
        "balanced. Higher is better; chance is 1 / the number of {nouns}. It ignores false "
        "alarms, so a rare {noun} can look fine with poor precision.",
        "macro_f1": "The plain mean of the per-{noun} F1: every {noun} counts the same, however "
        "rare. Higher is better. With many {nouns} it can hide which one fails: read the table "
        "per {noun}.",
        "weighted_f1": "The mean of the per-{noun} F1 weighted by each {noun}'s rows. Higher is "
        "better. Dominated by the large {nouns}: it looks good while a rare {noun} is missed.",
        "micro_f1": "F1 of every decision pooled together (one {noun} per row: equal to "
        "accuracy). Higher is better. Dominated by the frequent {nouns}, like accuracy.",
        "samples_f1": "F1 of each row's predicted label set against its true set, averaged over "
        "rows. Higher is better. Frequent labels dominate it; rare ones barely move it.",
        "mcc": "Matthews correlation between true and predicted {nouns}, from −1 to 1 (0 = no "
        "better than chance). Higher is better. It uses every cell of the confusion matrix, so "
        "ignoring a rare {noun} keeps it low; still one number for all {nouns}.",
        "g_mean": "The geometric mean of the recalls of the {nouns}. Higher is better. 0 as soon "
        "as one {noun} is never found; it ignores false alarms.",
        "cohen_kappa": "Agreement between predictions and truth beyond chance, from −1 to 1 (0 = "
        "chance). Higher is better. Corrects accuracy for the largest {noun}, yet can still "
        "reward a model that neglects a rare one.",
        "roc_auc": "How well the probabilities rank a {noun}'s rows above the others, from 0.5 "
        "(chance) to 1; two classes: of the positive one, else the mean one-vs-rest. Higher is "
        "better. Under heavy imbalance it stays high while the rare {noun}'s precision is poor: "
        "prefer average precision there.",
        "average_precision": "Precision averaged over every recall level (area under the "
        "precision-recall curve); two classes: of the positive (minority) one, else the mean "
        "over {nouns}. Higher is better; chance is the {noun}'s share of rows, so judge it "
        "against that.",
        "hamming_loss": "Share of (row, label) decisions that are wrong. Lower is better. With "
        "rare labels, predicting no label at all already scores low: read it with per-label F1.",
        "subset_accuracy": "Share of rows whose whole predicted label set is exactly right. "
        "Higher is better. Strict: low with many labels even for good models, yet predicting no "
        "label can score well when most rows carry none.",
        # ------------------------------------------------------------ calibration
        "brier": "The mean squared gap between the predicted probability of a {noun} and "
        "what happened (1 if the row is the {noun}, else 0), from 0 to 1. Lower is better. "
        "For a rare {noun} it is small even for a useless model: compare it with the "
        "uncertainty, or between strategies.",
        "reliability": "The miscalibration part of the Brier score: how far the predicted "
        "probabilities are from the observed share of the {noun} among the rows given them "
        "(grouped in bins). Lower is better; 0 means a predicted 30% comes true 30% of the "
        "time. Resampling and class weights raise it.",
        "resolution": "The part of the Brier score that rewards telling rows apart: how far "
        "the observed share of the {noun} in each probability bin is from its overall share. "
        "Higher is better; 0 when the model gives every row the same chance.",
        "uncertainty": "The Brier score of always predicting the {noun}'s overall share: "
        "share × (1 − share). A property of the data, not of the model; Brier = reliability − "
        "resolution + uncertainty on the binned probabilities.",
        "within_bin": "What the bins hide: the Brier score minus the Brier score of the "
        "probabilities replaced by their bin's mean. Close to 0 unless the bins are coarse; "
        "it makes the decomposition add up exactly.",
        "ece": "Expected calibration error: the gap between the mean predicted probability "
        "and the observed share of the {noun} in each bin, averaged with the bins' shares of "
        "rows. Lower is better; 0.10 means the probabilities are off by 10 points on "
        "average. It depends on the bins, stated beside it.",
        "log_loss": "The mean of −log(probability given to what happened): heavily punishes "
        "a confident mistake. Lower is better; always saying 50% on a yes-or-no question "
        "scores 0.693. Multi-label: the mean over labels of each label's binary log loss.",
        # ------------------------------------------------------------ decision costs
        "probability_cost": "The x axis of a cost curve: the {noun}'s share of rows and the "
        "costs of a miss (C_fn) and of a false alarm (C_fp) folded into one number, "
        "PC(+) = share × C_fn / (share × C_fn + (1 − share) × C_fp), from 0 (only false alarms "
        "cost) to 1 (only misses do). Equal costs at a 50/50 share give 0.5; so do the default "
        "costs (a miss costs the {noun}'s rarity) at the evaluation share.",
        "normalised_expected_cost": "The y axis of a cost curve: the expected cost per row "
        "divided by the most any classifier could lose at that probability cost, "
        "(1 − recall) × PC + false positive rate × (1 − PC), from 0 to 1. Lower is better. "
        "Never predicting the {noun} costs PC and always predicting it 1 − PC: a model is "
        "worth using only where its cost is below both.",
        # ------------------------------------------------------------ statistics
        "ci": "95% bootstrap interval over rows: how much the score could move on another "
        "sample of the same size. Wide for a rare {noun}.",
        "p_value": "How likely a difference this large would be by chance alone; below 0.05 it "
        "is unlikely. Here: a corrected resampled t-test over the folds against the baseline "
        "(Nadeau & Bengio 2003).",
        "mcnemar_p": "McNemar's test of the pooled predictions against the baseline's: how "
        "likely the rows they disagree on would split this unevenly by chance. Below 0.05: "
        "they really decide differently.",
    }
)


def _nouns(noun: str) -> str:
    return "classes" if noun == "class" else noun + "s"


def metric_help(name: str, noun: str = "class") -> str:
    """The help text of ``name`` (a summary metric, per-class score or statistic) for a
    task whose unit is ``noun`` ("class" or "label"); "" when there is none."""
    text = METRIC_HELP.get(name)
    return "" if text is None else text.format(noun=noun, nouns=_nouns(noun))


def help_title(name: str) -> str:
    """The display title of anything :data:`METRIC_HELP` describes."""
    return (
        PER_CLASS_TITLES.get(name)
        or STATISTIC_TITLES.get(name)
        or CALIBRATION_TITLES.get(name)
        or COST_TITLES.get(name)
        or metric_title(name)
    )


def glossary(task: str, noun: str = "class") -> list[tuple[str, str]]:
    """(title, help) for every number a view of a ``task`` comparison shows: the per-``noun``
    scores, the summary metrics that apply to ``task``, the calibration numbers, the decision
    costs, then the statistics."""
    names = [
        *PER_CLASS_TITLES,
        *(m for m, spec in SUMMARY_METRICS.items() if task in spec.tasks),
        *CALIBRATION_TITLES,
        *COST_TITLES,
        *STATISTIC_TITLES,
    ]
    return [(help_title(n), metric_help(n, noun)) for n in names]
