"""The report's calibration table of one strategy: Brier score, its decomposition and ECE per
class (:mod:`core.analysis.calibration`), with the log loss and the binning in a note; before
and after the correction where the strategy's probabilities were corrected."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from core.analysis.calibration import StrategyCalibration, strategy_calibration
from core.evaluation.comparison import Comparison
from core.metrics.glossary import help_title
from core.plots.results import calibration_figure
from core.report.parts import Cell, FigureStore, Table, noun_of, num, text

SHOWN = ("brier", "reliability", "resolution", "uncertainty", "within_bin", "ece")
"""The per-class numbers of the table, in order (titles from the glossary)."""


def _num4(value: Any, key: str) -> Cell:
    """``value`` with 4 decimals; a tiny negative (a within-bin part of -0.00004) reads
    0.0000, not -0.0000 (the exact value stays in ``data-value``)."""
    cell = num(value, ".4f", key=key)
    return replace(cell, text="0.0000") if cell.text == "-0.0000" else cell


def calibration_table(cal: StrategyCalibration, noun: str) -> Table:
    """One row per class or label (``noun``): :data:`SHOWN`, then the model's own Brier score
    and reliability when the probabilities were corrected."""
    table = cal.table()
    before = cal.before is not None
    head = [noun.capitalize(), *(help_title(c) for c in SHOWN)]
    head += ["Brier score before correction", "Reliability before correction"] if before else []
    keys = [*SHOWN, *(("brier_before", "reliability_before") if before else ())]
    rows = [
        [text(rec["class"]), *(_num4(rec[k], k) for k in keys)] for rec in table.to_dict("records")
    ]
    caption = (
        "Corrected probabilities, except the two 'before correction' columns (the model's own)."
        if before
        else None
    )
    return Table(head, rows, row_attrs=[{"class": str(c)} for c in table["class"]], caption=caption)


def calibration_note(cal: StrategyCalibration, noun: str, *, predictions: bool = False) -> str:
    """The log loss, the binning and (when corrected) what "before" and "after" mean;
    ``predictions``: the probabilities are a predictions file's scores, not out-of-fold ones."""
    own = f" ({cal.before.log_loss:.4f} before correction)" if cal.before is not None else ""
    scored = (
        "the scores in the predictions file (a model trained elsewhere)"
        if predictions
        else "the pooled out-of-fold probabilities"
    )
    note = (
        f"Calibration of {scored}, one {noun} against the rest. "
        f"Log loss {cal.log_loss:.4f}{own}. Bins: {cal.binning}. Brier score = reliability − "
        "resolution + uncertainty + within-bin part."
    )
    if cal.before is not None:
        how = (cal.correction or "").strip().rstrip(".")
        how = f" {how[:1].upper()}{how[1:]}." if how else ""
        note += (
            f" The numbers are those of the corrected probabilities.{how} The dashed lines and "
            "the 'before' columns are the model's own probabilities, which its decisions and "
            "every other score use."
        )
    return note


def calibration_section(c: Comparison, name: str, store: FigureStore) -> dict:
    """Template context: ``calibration`` (a :class:`Table`), ``calibration_note`` and
    ``calibration_chart`` (the reliability diagram, in ``store``; dashed lines before the
    correction where there is one); ``calibration`` is None without probabilities."""
    if c.results[name].oof_proba is None:
        return {"calibration": None}
    cal = strategy_calibration(c, name)
    noun = noun_of(c)
    before = cal.before.bins if cal.before is not None else None
    figure = calibration_figure(cal.bins, list(c.classes), noun=noun, before=before)
    return {
        "calibration": calibration_table(cal, noun),
        "calibration_note": calibration_note(cal, noun, predictions=c.config.mode == "predictions"),
        "calibration_chart": store.add(figure, height=380),
    }
