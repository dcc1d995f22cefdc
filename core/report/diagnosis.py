"""The diagnosis as people read it, shared by the Diagnosis page and the HTML report: the
verdict's words and colour, the causes' evidence as text, and one small figure per cause
where a picture helps (from :mod:`core.plots.diagnosis`).

Nothing here decides anything: the verdict comes from
:func:`core.analysis.recommendation.recommendation_of`, the causes from
:func:`core.analysis.diagnosis.diagnose`; this module only words and draws them.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd
import plotly.graph_objects as go

from core.analysis.details import StrategyDetails, strategy_details
from core.evaluation.comparison import BASELINE, Comparison
from core.modelling.strategies import STRATEGIES
from core.plots.diagnosis import (
    learning_curve_figure,
    pr_comparison_figure,
    reference_bars_figure,
    threshold_gain_figure,
)
from core.report.evidence_words import CLASS_KEYED, COUNT_KEYS, EVIDENCE_LABELS, TABLE_TITLES

VERDICT_TITLES = {
    "clear_winner": "Clear winner",
    "equivalent": "Several strategies are equivalent",
    "keep_baseline": "Keep the baseline",
    "no_skill": "No skill: the model cannot tell this class from the rest",
}
VERDICT_KIND = {  # how strong the verdict is: green only for a clear winner
    "clear_winner": "success",
    "equivalent": "info",
    "keep_baseline": "info",
    "no_skill": "warning",
}
CAUSE_VERDICT_TITLES = {"yes": "Yes", "unclear": "Unclear", "no": "No"}
RESAMPLING_FAMILIES = ("oversampling", "undersampling", "hybrid")
# the strategies whose curves the operating-point chart draws against the baseline's
MAX_PR_STRATEGIES = 5

DetailsOf = Callable[[Comparison, str], StrategyDetails]
Thin = Callable[[pd.DataFrame], pd.DataFrame]


def _whole(frame: pd.DataFrame) -> pd.DataFrame:
    return frame


# --------------------------------------------------------------------------- words


def verdict_kind(verdict: str | None) -> str:
    """``success`` | ``info`` | ``warning``: the colour of a verdict's box."""
    return VERDICT_KIND.get(verdict or "", "info")


def verdict_headline(rec: Any) -> str:
    """One line: what to do ("Recommended: <strategy>." first, as everywhere else). ``rec``
    is a Recommendation (or its ``to_dict()``)."""
    get = rec.get if isinstance(rec, Mapping) else lambda k, d=None: getattr(rec, k, d)
    verdict, strategy = get("verdict"), get("strategy")
    cls = get("class") if isinstance(rec, Mapping) else get("class_name")
    if verdict == "no_skill" or strategy is None:
        what = f": nothing here tells '{cls}' from the rest" if verdict == "no_skill" else ""
        return f"No recommendation{what}."
    if verdict == "equivalent":
        others = ", ".join(get("alternatives") or ())
        return f"Recommended: {strategy}." + (
            f" Practically equivalent: {others}." if others else ""
        )
    if verdict == "keep_baseline":
        return f"Recommended: {strategy}. No strategy beats the baseline beyond noise."
    return f"Recommended: {strategy}."


def verdict_line(rec: Any) -> str:
    """The verdict box's bold line: the verdict's name where the headline does not say it."""
    verdict = rec.get("verdict") if isinstance(rec, Mapping) else getattr(rec, "verdict", None)
    headline = verdict_headline(rec)
    if verdict in ("clear_winner", "equivalent"):
        return f"{VERDICT_TITLES[verdict]}. {headline}"
    return headline


def _is_interval(value: Any) -> bool:
    return isinstance(value, Mapping) and {"mean", "low", "high"} <= set(value)


def format_value(value: Any) -> str:
    """A piece of evidence as text: numbers to 3 decimals (counts with separators), an
    interval as "mean [low, high]", lists and mappings item by item."""
    if value is None:
        return "–"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        if not math.isfinite(value):
            return "–"
        if value != 0 and abs(value) < 0.001:
            return f"{value:.2g}"
        return f"{value:,.3f}" if abs(value) < 1e6 else f"{value:,.0f}"
    if _is_interval(value):
        low, high = format_value(value["low"]), format_value(value["high"])
        return f"{format_value(value['mean'])} [{low}, {high}]"
    if isinstance(value, Mapping):
        return ", ".join(f"{k}: {format_value(v)}" for k, v in value.items()) or "none"
    if isinstance(value, list | tuple):
        return ", ".join(format_value(v) for v in value) or "none"
    if hasattr(value, "item"):  # numpy scalars
        return format_value(value.item())
    return str(value)


def _label(key: Any) -> str:
    return EVIDENCE_LABELS.get(str(key), str(key).replace("_", " "))


def _as_count(value: Any) -> Any:
    """Whole floats (also inside lists and mappings) as ints; anything else unchanged."""
    if getattr(value, "ndim", None) is not None:  # numpy: a scalar, or an array as a list
        value = value.tolist()
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        return int(value)
    if isinstance(value, Mapping) and not _is_interval(value):
        return {k: _as_count(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_as_count(v) for v in value]
    return value


def format_evidence(key: Any, value: Any) -> str:
    """:func:`format_value` of the evidence ``key``: a count (:data:`COUNT_KEYS`) that is a
    whole number reads without decimals, a mapping by class (:data:`CLASS_KEYED`) names the
    classes quoted."""
    if str(key) in COUNT_KEYS:
        value = _as_count(value)
    if str(key) in CLASS_KEYED and isinstance(value, Mapping) and not _is_interval(value):
        return ", ".join(f"'{k}': {format_value(v)}" for k, v in value.items()) or "none"
    return format_value(value)


@dataclass(frozen=True)
class EvidenceTable:
    """Evidence that is one record per strategy (or per finding): a small table of text."""

    title: str
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


def evidence_rows(evidence: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(what, value) per flat piece of evidence, in the cause's order (records per strategy
    are in :func:`evidence_tables`)."""
    return [(_label(k), format_evidence(k, v)) for k, v in evidence.items() if not _records(v)]


def _records(value: Any) -> bool:
    return (
        isinstance(value, Mapping)
        and bool(value)
        and all(isinstance(v, Mapping) and not _is_interval(v) for v in value.values())
    )


def evidence_tables(evidence: Mapping[str, Any]) -> list[EvidenceTable]:
    """Evidence holding one record per name (e.g. per strategy) as tables of text; an
    interval cell reads "mean [low, high]"."""
    out = []
    for key, value in evidence.items():
        if not _records(value):
            continue
        columns = list(dict.fromkeys(c for record in value.values() for c in record))
        rows = tuple(
            (str(name), *(format_evidence(c, record.get(c)) for c in columns))
            for name, record in value.items()
        )
        title = TABLE_TITLES.get(str(key), _label(key))
        out.append(EvidenceTable(title, (_label(key), *map(_label, columns)), rows))
    return out


def next_steps(diagnosis: Any) -> list[str]:
    """The suggestions of the causes found (verdict "yes"), in their rank order, once each."""
    steps = [c.suggestion for c in diagnosis.causes if c.verdict == "yes" and c.suggestion]
    return list(dict.fromkeys(steps))


# --------------------------------------------------------------------------- figures


def _ok(comparison: Comparison, name: str | None) -> bool:
    return name is not None and name in comparison.results and comparison.results[name].ok


def _class_metric(comparison: Comparison, name: str, cls: str, metric: str) -> float:
    table = comparison.results[name].per_class
    row = table[table["class"].astype(str) == cls]
    return float(row[metric].iloc[0]) if len(row) else math.nan


def _named_strategy(comparison: Comparison, evidence: Mapping[str, Any]) -> str | None:
    name = evidence.get("strategy")
    return name if isinstance(name, str) and _ok(comparison, name) else None


def _threshold_figure(
    comparison: Comparison, cls: str, evidence: Mapping[str, Any], details: DetailsOf, thin: Thin
) -> go.Figure | None:
    name = _named_strategy(comparison, evidence) or (
        BASELINE if _ok(comparison, BASELINE) else None
    )
    if name is None:
        return None
    curve = details(comparison, name).threshold_curves.get(cls)
    if curve is None or curve.empty:
        return None
    curve = curve[(curve["threshold"] >= 0) & (curve["threshold"] <= 1)]
    if curve.empty:
        return None
    best = curve.loc[curve["f1"].idxmax()]
    default = details(comparison, name).default_thresholds.get(cls, 0.5)
    if comparison.task == "multiclass":
        default = None  # the default decision is an arg-max over classes, not one cut
    return threshold_gain_figure(
        thin(curve),
        cls,
        name,
        default=(
            None if default is None else float(default),
            _class_metric(comparison, name, cls, "f1"),
        ),
        best=(float(best["threshold"]), float(best["f1"])),
    )


def _pr_figure(
    comparison: Comparison, cls: str, evidence: Mapping[str, Any], details: DetailsOf, thin: Thin
) -> go.Figure | None:
    if not _ok(comparison, BASELINE):
        return None
    listed = evidence.get("flagged") or evidence.get("strategies")
    if isinstance(listed, Mapping):
        listed = list(listed)
    if isinstance(listed, list | tuple) and listed:
        names = [n for n in listed if isinstance(n, str) and _ok(comparison, n)]
    else:
        names = [
            n
            for n, r in comparison.results.items()
            if r.ok and n in STRATEGIES and STRATEGIES[n].family in RESAMPLING_FAMILIES
        ]
    names = [BASELINE, *[n for n in names if n != BASELINE][:MAX_PR_STRATEGIES]]
    if len(names) < 2:
        return None
    curves, points, ap = {}, {}, {}
    for name in names:
        det = details(comparison, name)
        if cls not in det.pr_curves or det.pr_curves[cls].empty:
            continue
        curves[name] = thin(det.pr_curves[cls])
        ap[name] = det.average_precision.get(cls, math.nan)
        points[name] = (
            _class_metric(comparison, name, cls, "recall"),
            _class_metric(comparison, name, cls, "precision"),
        )
    if len(curves) < 2:
        return None
    return pr_comparison_figure(curves, points, cls, average_precision=ap)


def _reference_figure(comparison: Comparison, cls: str, fits: Any, rope: float | None):
    refs = getattr(fits, "references", ()) if fits is not None else ()
    if not refs:
        return None
    strategies = {
        n: _class_metric(comparison, n, cls, "f1") for n, r in comparison.results.items() if r.ok
    }
    if not strategies:
        return None
    references = {r.model: float(r.f1) for r in refs if r.class_name == cls}
    return reference_bars_figure(strategies, references, cls, rope=rope)


def cause_figure(
    comparison: Comparison,
    cause: Any,
    class_name: str,
    *,
    fits: Any = None,
    rope: float | None = None,
    details: DetailsOf = strategy_details,
    thin: Thin = _whole,
) -> go.Figure | None:
    """The one small chart of a cause, or None where none applies (or its data is missing):
    the learning curve (scarcity), PR curves of the baseline vs the resampling strategies
    (operating_point_only), the F1 gained by moving the threshold (threshold), the
    strategies vs reference models (model_family). ``details`` may be a cached
    :func:`~core.analysis.details.strategy_details`; ``thin`` shortens a drawn curve."""
    evidence = cause.evidence or {}
    if cause.id == "scarcity":
        curve = getattr(fits, "learning_curve", None) if fits is not None else None
        return None if curve is None else learning_curve_figure(curve)
    if cause.id == "threshold":
        return _threshold_figure(comparison, class_name, evidence, details, thin)
    if cause.id == "operating_point_only":
        return _pr_figure(comparison, class_name, evidence, details, thin)
    if cause.id == "model_family":
        return _reference_figure(comparison, class_name, fits, rope)
    return None


def cause_figures(
    comparison: Comparison,
    diagnosis: Any,
    *,
    fits: Any = None,
    rope: float | None = None,
    details: DetailsOf = strategy_details,
    thin: Thin = _whole,
) -> dict[str, go.Figure]:
    """:func:`cause_figure` of every cause of ``diagnosis`` that has one, by cause id."""
    out: dict[str, go.Figure] = {}
    for cause in diagnosis.causes:
        try:
            fig = cause_figure(
                comparison,
                cause,
                diagnosis.class_name,
                fits=fits,
                rope=rope,
                details=details,
                thin=thin,
            )
        except (KeyError, ValueError):  # a chart is an extra: its absence must not cost the rest
            fig = None
        if fig is not None:
            out[cause.id] = fig
    return out
