"""Evidence keys of :mod:`core.analysis.causes` in plain words, for the Diagnosis page and
the report (:mod:`core.report.diagnosis`): the one mapping of keys to labels, and which keys
hold counts or mappings by class."""

from __future__ import annotations

EVIDENCE_LABELS = {
    # threshold
    "f1_default": "F1 at the default decision",
    "roc_auc": "ROC AUC",
    "average_precision": "Average precision",
    "f1_reachable": "F1 with the decision moved",
    "optimistic": "Optimistic (cut chosen on the scored rows)",
    "source": "Where the moved decision comes from",
    "gain": "F1 gained by moving the decision",
    "best_cut": "Best cut",
    # operating_point_only, overfitting (one record per strategy)
    "strategies": "Strategy",
    "flagged": "Flagged",
    "delta_f1": "Change in F1",
    "delta_recall": "Change in recall",
    "delta_ap": "Change in average precision",
    "delta_roc_auc": "Change in ROC AUC",
    "ranking_better": "Ranks the class better",
    "decision_changed": "Decision changed",
    "train": "F1 on the training folds",
    "validation": "F1 on the validation folds",
    "gap": "Gap",
    "max_gap": "Largest gap",
    # overlap
    "own_neighbour_share": "Share of neighbours of its own class",
    "neighbour_shares": "Share of neighbours from other classes",
    "k": "Neighbours looked at (k)",
    "n_rows_used": "Rows used",
    "sampled": "Rows sampled",
    "types": "Rows by type",
    "type_shares": "Share of rows by type",
    "unsafe_share": "Share of rows that are not safe",
    # scarcity
    "metric": "Metric",
    "strategy": "Strategy",
    "shares": "Share of the training rows",
    "class_rows": "Rows of the class in training",
    "mean": "Mean over folds",
    "std": "Standard deviation over folds",
    "rise_last": "Rise over the last step",
    "noise": "Noise (standard error)",
    # no_skill
    "roc_auc_pooled": "ROC AUC (all rows pooled)",
    "class_share": "Share of the class",
    "skill_elsewhere": "Skill elsewhere",
    # evaluation
    "findings": "Data findings",
    "duplicate_rows": "Duplicate rows",
    "duplicate_share": "Share of duplicate rows",
    "class_counts": "Rows per class",
    "n_rows": "Rows",
    # model_family
    "reference_f1": "F1 of gradient boosting",
    "reference_ap": "Average precision of gradient boosting",
    "model": "Model",
    "best_strategy": "Best strategy",
    "best_f1": "F1 of the best strategy",
    "margin": "Margin",
    "rope": "Region of practical equivalence (±)",
    "dummy_f1": "F1 of the trivial classifier",
    "fold_margin": "Margin per fold",
    # leakage_suspect
    "top_features": "ROC AUC of the best single features",
    "suspects": "Suspect features",
    "limit": "Limit (ROC AUC)",
    "missing": "Missing",
}
"""Evidence keys in plain words (Diagnosis page and report); another key reads as itself
with spaces for underscores."""

COUNT_KEYS = frozenset({"k", "n_rows_used", "types", "class_rows", "duplicate_rows",
                        "class_counts", "n_rows", "n_groups", "per_class", "counts"})  # fmt: skip
"""Evidence keys whose numbers are rows (or neighbours): a whole number reads as a count."""

CLASS_KEYED = frozenset({"neighbour_shares", "class_counts"})
"""Evidence keys whose mapping is keyed by class: the class names read quoted."""

TABLE_TITLES = {"strategies": "Per strategy", "findings": "Data findings"}
"""The caption of evidence held as one record per name."""
