"""The report's first section: the verdict, the causes of the important class (evidence
tables and the same figures as the Diagnosis page) and what to do next."""

from __future__ import annotations

from typing import Any

from core.analysis.diagnosis import Diagnosis
from core.analysis.recommendation import Recommendation
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
from core.report.parts import FigureStore, Table, key_value_table, num, text, thin

CALLOUT_CLASS = {"success": "", "info": "neutral", "warning": "warn"}
"""CSS class of the verdict's callout: green (no extra class) only for a clear winner."""


def callout_class(verdict: str | None) -> str:
    """The CSS class of a recommendation callout for ``verdict`` (the same everywhere)."""
    return CALLOUT_CLASS[verdict_kind(verdict)]


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
    chosen = next(
        (v for v in rec.per_strategy if v.strategy == rec.strategy and v.strategy != BASELINE),
        None,
    )
    return {
        "verdict": rec.verdict,
        "verdict_title": VERDICT_TITLES.get(rec.verdict, rec.verdict),
        "headline": verdict_headline(rec),
        "line": verdict_line(rec),
        "reason": rec.reason,
        "callout": callout_class(rec.verdict),
        "rope": rec.rope,
        "chosen": chosen,
        "alternatives": list(rec.alternatives),
        "per_strategy": _per_strategy(rec, found.class_name),
        "class_name": found.class_name,
        "summary": found.summary,
        "causes": causes,
        "next_steps": next_steps(found),
        "fits_missing": fits is None,
    }
