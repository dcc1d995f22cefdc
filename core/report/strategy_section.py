"""The report's section on one strategy: headline scores, per-class table (values from
results.json), confusion matrix, train-vs-validation gap, threshold and precision-recall
curves, and its findings."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

import numpy as np

from core.analysis.details import StrategyDetails, strategy_details
from core.analysis.findings import strategy_findings
from core.analysis.spread import spread_text, strategy_spread
from core.analysis.stability import threshold_stability
from core.evaluation.comparison import Comparison
from core.metrics.per_fold import FoldSpread
from core.metrics.scores import HEADLINE_METRICS, metric_title
from core.modelling.strategies import STRATEGIES
from core.plots.results import (
    confusion_heatmap,
    multilabel_confusion_grid,
    pr_curves_figure,
    threshold_curve_figure,
    train_validation_gap,
)
from core.profile.finding import without_muted
from core.report.calibration_section import calibration_section
from core.report.parts import (
    Cell,
    FigureStore,
    Table,
    count,
    finding_dict,
    noun_of,
    num,
    slug,
    text,
    thin,
)

MAX_THRESHOLD_PANELS = 4  # threshold curves of at most this many rarest classes per strategy
CONFUSION_HALF_WIDTH = 6  # up to this many classes a confusion matrix takes half the width


def folds_cell(spread: FoldSpread | None, *, key: str) -> Cell:
    """The over-folds companion of a pooled figure (:func:`spread_text`), the mean over the
    folds in ``data-value``; ``outlier`` class when a fold is flagged."""
    mean = None if spread is None or spread.n == 0 else repr(float(spread.mean))
    flagged = spread is not None and spread.outlier_fold is not None
    return Cell(spread_text(spread), mean, True, key, "outlier" if flagged else None)


def _per_class_table(entry: dict, det: StrategyDetails, word: str, folds: dict) -> Table:
    records = entry["per_class"]
    extra = [m for m in ("specificity",) if records and m in records[0]]
    head = [word.capitalize(), "Support", "Precision", "Recall", "F1", "F1 over folds",
            "F1 CI low", "F1 CI high", *[m.capitalize() for m in extra], "Average precision",
            "ROC AUC"]  # fmt: skip
    rows = []
    for rec in records:
        cls = rec["class"]
        row = [text(cls), count(rec.get("support"), key="support")]
        row += [num(rec.get(m), key=m) for m in ("precision", "recall", "f1")]
        row.append(folds_cell(folds.get(cls), key="f1_folds"))
        row += [num(rec.get(m), key=m) for m in ("f1_ci_low", "f1_ci_high", *extra)]
        row += [num(det.average_precision.get(cls), key="average_precision"),
                num(det.roc_auc.get(cls), key="roc_auc")]  # fmt: skip
        rows.append(row)
    return Table(head, rows, row_attrs=[{"class": r["class"]} for r in records])


def threshold_classes(c: Comparison, important: str) -> list[str]:
    """Classes whose threshold curves the report draws: binary, the positive class; else the
    :data:`MAX_THRESHOLD_PANELS` rarest (:meth:`Comparison.class_rarity`) and the important
    one, in class order."""
    if c.task == "binary":
        return [c.classes[1]]
    keep = set(c.class_rarity()[:MAX_THRESHOLD_PANELS]) | {important}
    return [k for k in c.classes if k in keep]


def strategy_section(
    c: Comparison,
    name: str,
    entry: dict,
    store: FigureStore,
    recommended: str | None,
    important: str,
    muted: Collection[str] = (),
) -> dict:
    """Template context of strategy ``name``; ``entry`` is its results.json entry. Figures
    go to ``store``; threshold curves of :func:`threshold_classes` (``important`` included)."""
    s = STRATEGIES.get(name)
    out: dict[str, Any] = {
        "name": name, "slug": slug(name), "title": s.title if s else name,
        "description": s.description if s else "", "ok": entry["status"] == "ok",
        "error": entry["error"], "recommended": name == recommended,
        "warnings": list(entry.get("warnings") or [])[:5],
    }  # fmt: skip
    if not out["ok"]:
        return out
    result = c.results[name]
    det = strategy_details(c, name)
    classes = list(c.classes)
    keys = [m for m in HEADLINE_METRICS[c.task] if m in entry["summary"]]
    out["tiles"] = [(metric_title(m), num(entry["summary"][m], key=m)) for m in keys]
    folds = dict(strategy_spread(result, classes).class_f1)
    out["per_class"] = _per_class_table(entry, det, noun_of(c), folds)
    if c.task == "multilabel":
        out["confusion"] = store.add(
            multilabel_confusion_grid(np.asarray(result.confusion), classes)
        )
    else:
        out["confusion"] = store.add(confusion_heatmap(np.asarray(result.confusion), classes),
                                     height=max(380, 140 + 34 * len(classes)))  # fmt: skip
    out["confusion_wide"] = c.task == "multilabel" or len(classes) > CONFUSION_HALF_WIDTH
    shown = threshold_classes(c, important)
    out["thresholds_all"] = len(shown) == (1 if c.task == "binary" else len(classes))
    out["thresholds"] = [
        store.add(threshold_curve_figure(thin(det.threshold_curves[k]), k, default=0.5,
                                         tuned=det.tuned_thresholds.get(k)), height=340)
        for k in shown if k in det.threshold_curves and not det.threshold_curves[k].empty
    ]  # fmt: skip
    out["tuned"] = [(k, v) for k, v in det.tuned_thresholds.items()]
    stability = threshold_stability(c, name)  # the tuned decision over the folds
    out["stability"] = [(e.class_name, stability.sentence(e.class_name), e.unstable)
                        for e in (stability.per_class if stability else ())]  # fmt: skip
    pr = {k: thin(v) for k, v in det.pr_curves.items()}
    noun = noun_of(c)  # titles and legends say "label" in multi-label
    out["pr"] = store.add(
        pr_curves_figure(pr, classes, average_precision=det.average_precision, noun=noun)
    )
    out["gap"] = (
        None if det.gap.empty else store.add(train_validation_gap(det.gap, classes, noun=noun))
    )
    out.update(calibration_section(c, name, store))  # calibration, its note and its chart
    out["findings"] = [finding_dict(f) for f in without_muted(strategy_findings(c, name), muted)]
    return out
