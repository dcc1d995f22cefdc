"""The report's first section: the verdict, the causes of the important class (evidence
tables and the same figures as the Diagnosis page) and what to do next."""

from __future__ import annotations

import math
from dataclasses import replace
from typing import Any

from core.analysis.diagnosis import Diagnosis
from core.analysis.paired import N_BOOT, PairedRow, verdict_pairs
from core.analysis.recommendation import P_BETTER, Recommendation
from core.analysis.verdict import probability_text
from core.evaluation.comparison import BASELINE, Comparison
from core.report.diagnosis import (
    CAUSE_VERDICT_TITLES,
    VERDICT_TITLES,
    cause_figures,
    evidence_rows,
    evidence_tables,
    next_steps,
    verdict_headline,
    verdict_kind,
    verdict_line,
)
from core.report.parts import (
    DASH,
    Cell,
    FigureStore,
    Table,
    delta,
    key_value_table,
    num,
    p_value,
    text,
    thin,
)

METRIC_WORDS = {"f1": "F1", "precision": "precision", "recall": "recall"}

CALLOUT_CLASS = {"success": "", "info": "neutral", "warning": "warn"}
"""CSS class of the verdict's callout: green (no extra class) only for a clear winner."""


def callout_class(verdict: str | None) -> str:
    """The CSS class of a recommendation callout for ``verdict`` (the same everywhere)."""
    return CALLOUT_CLASS[verdict_kind(verdict)]


def _per_entry(rec: Recommendation, class_name: str) -> Table | None:
    """Predictions mode: each entry's F1, skill and ranking (no baseline, so no fold test)."""
    if not rec.per_strategy:
        return None
    rows = [[text(v.strategy), num(v.value, key="f1"), text("yes" if v.beats_trivial else "no"),
             num(v.roc_auc, key="roc_auc")] for v in rec.per_strategy]  # fmt: skip
    columns = ["Model / decision", f"F1 of '{class_name}'", "Beats the trivial classifier",
               f"ROC AUC of '{class_name}'"]  # fmt: skip
    return Table(columns, rows, row_attrs=[{"verdict-of": v.strategy} for v in rec.per_strategy])


def _interval(row: PairedRow) -> str:
    if not math.isfinite(row.difference):
        return DASH
    mid = f"{row.difference:+.3f}"
    if not (math.isfinite(row.low) and math.isfinite(row.high)):
        return mid
    return f"{mid} [{row.low:+.3f}, {row.high:+.3f}]"


def _paired(c: Comparison, rec: Recommendation) -> dict[str, Any] | None:
    """Predictions mode: the chosen entry against each other one, as the verdict read it
    (paired bootstrap of the rows, McNemar), or None when nothing was chosen."""
    found = verdict_pairs(c, rec)
    if not found:
        return None
    cls = rec.class_name
    what = f"{METRIC_WORDS.get(rec.metric, rec.metric)} of '{cls}'" if cls else rec.metric
    rows = [
        [text(r.entry), replace(delta(r.difference, key="paired_difference"), text=_interval(r)),
         _p(r.p_better, "p_better"), _p(r.p_equivalent, "p_equivalent"),
         _p(r.p_worse, "p_worse"), p_value(r.mcnemar_p, key="mcnemar_p")]
        for r in found
    ]  # fmt: skip
    chosen = rec.strategy
    columns = ["Other entry", f"Difference in {what}: '{chosen}' − other [95% interval]",
               f"P('{chosen}' better)", "P(equivalent)", f"P('{chosen}' worse)", "McNemar p"]  # fmt: skip
    table = Table(columns, rows, row_attrs=[{"paired-with": r.entry} for r in found])
    return {"chosen": chosen, "what": what, "n_boot": N_BOOT, "table": table}


def _p(value: float, key: str) -> Cell:
    shown = num(value, key=key)
    return replace(shown, text=probability_text(value, P_BETTER)) if shown.value else shown


def _chosen_probabilities(chosen: Any) -> dict[str, str] | None:
    """P(better) etc. of the chosen strategy against the baseline as text (two decimals),
    or None when any is missing (predictions mode: no baseline, no fold test)."""
    if chosen is None or not all(
        math.isfinite(p) for p in (chosen.p_better, chosen.p_equivalent, chosen.p_worse)
    ):
        return None
    return {k: f"{getattr(chosen, k):.2f}" for k in ("p_better", "p_equivalent", "p_worse")}


def _per_strategy(rec: Recommendation, class_name: str) -> Table | None:
    if not rec.per_strategy:
        return None
    rows = [
        [text(v.strategy), num(v.value, key="f1"), num(v.mean_delta, "+.3f", key="mean_delta"),
         num(v.p_better, ".4f", key="p_better"), num(v.p_equivalent, ".4f", key="p_equivalent"),
         num(v.p_worse, ".4f", key="p_worse"), text("yes" if v.beats_trivial else "no"),
         num(v.roc_auc, key="roc_auc")]
        for v in rec.per_strategy
    ]  # fmt: skip
    columns = ["Strategy", f"F1 of '{class_name}'", "Δ vs baseline (mean over folds)",
               "P(better)", "P(equivalent)", "P(worse)", "Beats the trivial classifier",
               f"ROC AUC of '{class_name}'"]  # fmt: skip
    return Table(columns, rows, row_attrs=[{"verdict-of": v.strategy} for v in rec.per_strategy])


def diagnosis_section(
    c: Comparison,
    rec: Recommendation,
    found: Diagnosis,
    *,
    fits: Any,
    store: FigureStore,
) -> dict[str, Any]:
    """Template context of the diagnosis section; figures added to ``store`` in page order."""
    figures = cause_figures(c, found, fits=fits, rope=rec.rope, thin=thin)
    causes = []
    for cause in found.causes:
        rows = evidence_rows(cause.evidence)
        tables = [
            Table(list(t.columns), [[text(v) for v in row] for row in t.rows], caption=t.title)
            for t in evidence_tables(cause.evidence)
        ]
        fig = figures.get(cause.id)
        causes.append(
            {
                "id": cause.id,
                "verdict": cause.verdict,
                "verdict_title": CAUSE_VERDICT_TITLES.get(cause.verdict, cause.verdict),
                "severity": cause.severity,
                "title": cause.title,
                "evidence": key_value_table(rows) if rows else None,
                "tables": tables,
                "how_to_read": cause.how_to_read,
                "suggestion": cause.suggestion,
                "chart": store.add(fig) if fig is not None else None,
            }
        )
    predictions = getattr(c.config, "mode", "fit") == "predictions"
    chosen = next(
        (v for v in rec.per_strategy if v.strategy == rec.strategy and v.strategy != BASELINE),
        None,
    )
    per_strategy = (_per_entry if predictions else _per_strategy)(rec, found.class_name)
    return {
        "verdict": rec.verdict,
        "verdict_title": VERDICT_TITLES.get(rec.verdict, rec.verdict),
        "headline": verdict_headline(rec),
        "line": verdict_line(rec),
        "reason": rec.reason,
        "callout": callout_class(rec.verdict),
        "rope": rec.rope,
        "chosen": _chosen_probabilities(chosen),
        "predictions": predictions,
        "paired": _paired(c, rec) if predictions else None,
        "alternatives": list(rec.alternatives),
        "per_strategy": per_strategy,
        "class_name": found.class_name,
        "summary": found.summary,
        "causes": causes,
        "next_steps": next_steps(found),
        "fits_missing": fits is None and not predictions,  # predictions: said at a glance
    }
