"""results.json: the DESIGN.md contract document of a comparison (:func:`results_dict`).

Each section has one owner: this module assembles the dataset, config and per-strategy
blocks; the sections computed elsewhere (recommendation, trade-off, diagnosis) are added
by their owners' ``*_dict`` functions. New sections are additive: never rename a key.
"""

from __future__ import annotations

import platform
from dataclasses import asdict, is_dataclass
from typing import Any

import imblearn
import numpy as np
import pandas as pd
import scipy
import sklearn

import core
from core.analysis.recommendation import recommendation_of
from core.analysis.spread import strategy_spread
from core.analysis.stability import threshold_stability
from core.evaluation.comparison import Comparison
from core.evaluation.crossval import HoldoutResult, StrategyResult
from core.profile.finding import jsonable

SCHEMA_VERSION = 1


def _versions() -> dict[str, str]:
    return {
        "app": core.__version__,
        "python": platform.python_version(),
        "numpy": np.__version__,
        "pandas": pd.__version__,
        "scipy": scipy.__version__,
        "scikit-learn": sklearn.__version__,
        "imbalanced-learn": imblearn.__version__,
    }


def _per_class(table: pd.DataFrame | None) -> list[dict[str, Any]]:
    if table is None:
        return []
    records = table.to_dict(orient="records")
    for rec in records:
        rec["class"] = str(rec["class"])
        if "support" in rec:
            rec["support"] = int(rec["support"])
    return records


def _holdout_dict(holdout: HoldoutResult, n_rows: int) -> dict[str, Any]:
    return {
        "status": holdout.status,
        "error": holdout.error,
        "n_rows": n_rows,
        "summary": holdout.summary,
        "per_class": _per_class(holdout.per_class),
        "confusion_matrix": holdout.confusion,
        "thresholds": holdout.thresholds,
    }


def _fold_dicts(
    scores: tuple[dict[str, float], ...], class_f1: tuple[dict[str, float], ...], sizes: tuple
) -> list[dict[str, Any]]:
    return [
        {"fold": k, "n_rows": n, **s, "per_class_f1": f1}
        for k, (s, f1, n) in enumerate(zip(scores, class_f1, sizes, strict=True))
    ]


def _strategy_dict(result: StrategyResult, n_holdout: int) -> dict[str, Any]:
    out: dict[str, Any] = {
        "status": result.status,
        "error": result.error,
        "per_class": _per_class(result.per_class),
        "summary": result.summary or {},
        "summary_ci": {k: list(v) for k, v in (result.summary_ci or {}).items()},
        "confusion_matrix": result.confusion,
        "fold_scores": _fold_dicts(result.fold_scores, result.fold_class_f1, result.n_val),
        "train_scores": _fold_dicts(result.train_scores, result.train_class_f1, result.n_train),
        "fold_spread": strategy_spread(result).to_dict(),
        "thresholds": result.thresholds,
        "fit_seconds": result.fit_seconds,
        "predict_seconds": result.predict_seconds,
        "warnings": result.warnings,
        "correction": result.correction,  # how corrected_proba was made, in words, or None
    }
    if result.holdout is not None:
        out["holdout"] = _holdout_dict(result.holdout, n_holdout)
    return out


def results_dict(
    comparison: Comparison,
    *,
    profile: dict | None = None,
    command: str | None = None,
    diagnosis: dict | None = None,
    deployment: dict | None = None,
) -> dict[str, Any]:
    """The results.json document (DESIGN.md contract), JSON-safe (NaN -> null).

    ``diagnosis`` (``Diagnosis.to_dict()``) is written under ``diagnosis`` when given."""
    from core.analysis.costs import cost_sections
    from core.exports.tradeoff_json import tradeoff_dict

    ds = comparison.dataset
    config = comparison.config
    doc: dict[str, Any] = {
        "schema_version": SCHEMA_VERSION,
        "dataset": {
            "name": ds.name,
            "content_hash": ds.content_hash,
            "target": list(ds.target),
            "label_sep": ds.label_sep,
            "n_rows": ds.n_rows,
            "n_cv_rows": ds.n_cv_rows,
            "n_holdout_rows": ds.n_holdout_rows,
            "n_dropped_missing_target": ds.n_dropped_missing_target,
            # a stratified sample (core.intake.sampling): rows of the full data, and the announcement
            "sampled_from": ds.sampled_from,
            "sample_note": ds.sample_note,
            "task": ds.task,
            "classes": list(ds.classes),
            "class_counts": ds.class_counts,
        },
        "config": {
            "model": config.model,
            "cv": config.cv,
            "seed": config.seed,
            "holdout": config.holdout,
            "strategies": list(config.strategies),
            "options": _options_dict(config.options),
            "important_class": config.important_class,
            "rope": config.rope,
            "repeats": getattr(config, "repeats", 1),
        },
        "strategies": {
            name: _strategy_dict(result, ds.n_holdout_rows)
            for name, result in comparison.results.items()
        },
        "recommendation": recommendation_of(comparison).to_dict(),
        "tradeoff": tradeoff_dict(comparison),
        **cost_sections(comparison),  # cost_curves, cost_curves_detail (core.analysis.costs)
        "versions": _versions(),
    }
    from core.analysis.calibration import calibration_dict, strategy_calibration

    for name, entry in doc["strategies"].items():  # probabilities' honesty, per class
        if comparison.results[name].ok and comparison.results[name].oof_proba is not None:
            entry["calibration"] = calibration_dict(strategy_calibration(comparison, name))
    for name, entry in doc["strategies"].items():  # the tuned decision's spread over folds
        found = threshold_stability(comparison, name)
        entry["threshold_stability"] = None if found is None else found.to_dict()
    if getattr(config, "mode", "fit") != "fit":  # predictions: models trained elsewhere
        doc["mode"] = config.mode
    if deployment is not None:  # core.analysis.deployment.deployment_dict, with --prevalence
        doc["deployment"] = deployment
    if command is not None:
        doc["command"] = command
    if profile is not None:
        doc["profile"] = profile
    if diagnosis is not None:
        doc["diagnosis"] = diagnosis
    return jsonable(doc)


def _options_dict(options: Any) -> dict[str, Any]:
    return asdict(options) if is_dataclass(options) else dict(vars(options))
