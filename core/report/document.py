"""The HTML report: one self-contained file that opens offline in any browser.

plotly.js is embedded once in ``<head>``; each figure is a compact JSON spec drawn by a few
lines of script (figures inside a closed ``<details>`` are drawn when it opens). The page
makes no network request (a Content-Security-Policy forbids any), every user-supplied
string is escaped by Jinja's autoescape, and figure JSON cannot close its ``<script>``.
Sections are built in :mod:`core.report.sections` (one strategy's in :mod:`core.report.strategy_section`,
building blocks in :mod:`core.report.parts`). :class:`ReportBundle` builds every download
(HTML, results.json, CSVs, Excel, label-next) once, on first use.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache, cached_property
from pathlib import Path
from typing import Any

import jinja2
import pandas as pd
from plotly.offline import get_plotlyjs

import core
from core.analysis.diagnosis import Diagnosis, diagnose
from core.analysis.recommendation import recommendation_of
from core.errors import DataError
from core.evaluation.comparison import Comparison
from core.evaluation.diagnostic_fits import DiagnosticFits
from core.exports.label_next import label_next
from core.exports.outputs import atomic_write, metrics_long, predictions_long
from core.exports.results_json import results_dict
from core.exports.tables import csv_bytes, excel_bytes
from core.intake.dataset import Dataset, classes_by_rarity
from core.metrics.glossary import glossary
from core.profile.measures import Profile
from core.report import sections
from core.report.costs_section import costs_section
from core.report.diagnosis_section import diagnosis_section
from core.report.parts import (
    PLOTLY_CONFIG,
    PREDICTIONS_NOTE,
    FigureStore,
    deployment_table,
    noun_of,
    script_json,
)

TEMPLATE_DIR = Path(__file__).resolve().parent / "templates"
_ENV = jinja2.Environment(
    loader=jinja2.FileSystemLoader(TEMPLATE_DIR),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


@cache
def _plotly_js() -> str:
    """plotly.js, safe to inline in a ``<script>`` (it holds no ``</script``; make sure)."""
    return re.sub(r"</(script)", r"<\\/\1", get_plotlyjs(), flags=re.IGNORECASE)


def check_inputs(comparison: Comparison, dataset: Dataset | None, profile: Profile | None) -> None:
    """DataError unless ``dataset`` and ``profile`` (when given) describe the compared data."""
    data = comparison.dataset
    if dataset is not None and (
        dataset.content_hash != data.content_hash
        or tuple(dataset.target) != tuple(data.target)
        or tuple(dataset.classes) != tuple(data.classes)
    ):
        raise DataError(
            f"The dataset '{dataset.name}' (target {', '.join(dataset.target)}) is not the "
            f"one this comparison ran on ('{data.name}', target {', '.join(data.target)})",
            "Load that file and target on the Data page, or rerun the comparison",
        )
    if profile is not None and tuple(profile.classes) != tuple(data.classes):
        raise DataError(
            "The profile is of other classes than the comparison",
            "Profile the compared dataset again on the Data page",
        )


def build_report(
    comparison: Comparison,
    *,
    dataset: Dataset | None = None,
    profile: Profile | None = None,
    command: str | None = None,
    label_next_rows: pd.DataFrame | None = None,
    label_next_note: str | None = None,
    doc: dict[str, Any] | None = None,
    generated_at: datetime | None = None,
    diagnosis: Diagnosis | None = None,
    fits: DiagnosticFits | None = None,
    muted_findings: Collection[str] = (),
) -> str:
    """The report as one HTML document (str), opening with the verdict and the diagnosis.

    ``dataset`` (the compared Dataset) adds the schema decisions and the rows to label next;
    ``profile`` the imbalance profile and data pitfalls; ``command`` the exact CLI command
    that made the run (else one is built from the configuration). ``label_next_rows`` (or
    ``label_next_note``, why there are none) and ``doc`` (:func:`core.exports.results_json.results_dict`)
    are reused when already computed. ``diagnosis`` (else diagnosed here, without ``fits``
    when none are given: the causes that need them say so) and ``fits`` (the learning curve
    and reference models) feed the first section.
    """
    check_inputs(comparison, dataset, profile)
    if diagnosis is None:
        diagnosis = diagnose(comparison, profile=profile, dataset=dataset, fits=fits)
    if doc is None:
        doc = results_dict(
            comparison, profile=None if profile is None else profile.to_dict(), command=command
        )
    label_note = label_next_note
    if label_next_rows is None and label_note is None and dataset is not None:
        try:
            label_next_rows = label_next(comparison, dataset)
        except DataError as err:
            label_note = str(err)
    store = FigureStore()
    rec = recommendation_of(comparison)
    top = diagnosis_section(comparison, rec, diagnosis, fits=fits, store=store)
    ctx = sections.context(
        comparison,
        doc=doc,
        dataset=dataset,
        profile=profile,
        command=command,
        label_next_rows=label_next_rows,
        label_next_note=label_note,
        store=store,
        muted_findings=muted_findings,
    )
    when = generated_at or datetime.now(UTC)
    ctx.update(
        diagnosis=top,
        costs=costs_section(comparison, store),  # after the trade-offs (core.report.costs_section)
        generated_at=when.strftime("%Y-%m-%d %H:%M UTC"),
        app_version=core.__version__,
        plotly_js=_plotly_js(),
        templates_json=store.templates_json(),
        plotly_config=script_json(PLOTLY_CONFIG),
        n_charts=len(store.charts),
        glossary=glossary(comparison.task, noun_of(comparison)),  # the app's tooltips' words
        deployment=deployment_table(doc),  # with shares in use (--prevalence)
        deployment_warning=(doc.get("deployment") or {}).get("warning"),
        predictions_note=PREDICTIONS_NOTE if doc.get("mode") == "predictions" else None,
        **header_words(comparison, doc),
    )
    return _ENV.get_template("report.html.j2").render(**ctx)


def header_words(comparison: Comparison, doc: dict[str, Any]) -> dict[str, Any]:
    """The report header's evaluation words and the summary cards' class and count labels:
    in predictions mode the rows scored and the parts of the cross-fitting, the important
    class (the rarest in use when shares in use were given), "Models / decisions compared"."""
    c, noun = comparison, noun_of(comparison)
    if getattr(c.config, "mode", "fit") != "predictions":
        return {"evaluation": f"model {c.config.model} · {c.config.cv}-fold cross-validation",
                "class_label": f"Rarest {noun}", "class_value": c.rarest_class,
                "class_note": None, "entries_label": "Strategies compared"}  # fmt: skip
    important, note = c.important_class, None
    shares = (doc.get("deployment") or {}).get("shares")
    if shares and classes_by_rarity([shares[str(k)] for k in c.classes], c.classes)[0] == important:
        note = "the rarest in use"
    evaluation = (f"predictions of {c.dataset.n_rows:,} rows of models trained elsewhere · "
                  f"decisions tuned by cross-fitting over {c.config.cv} parts")  # fmt: skip
    return {"evaluation": evaluation, "class_label": f"Important {noun}",
            "class_value": important, "class_note": note,
            "entries_label": "Models / decisions compared"}  # fmt: skip


def write_report(comparison: Comparison, path: str | os.PathLike[str], **kwargs: Any) -> Path:
    """:func:`build_report` written atomically to ``path`` (UTF-8); returns the path."""
    target = Path(path)
    html = build_report(comparison, **kwargs)
    atomic_write(target, lambda p: p.write_text(html, encoding="utf-8"))
    return target


# --------------------------------------------------------------------------- downloads


@dataclass(frozen=True)
class Download:
    """One file to offer: button label, file name, MIME type, and how to make the bytes."""

    label: str
    file_name: str
    mime: str
    data: Callable[[], bytes]
    lazy: bool = False  # True: build on click (large or slow), else up front


def _stem(name: str) -> str:
    stem = Path(name).stem or "data"
    return re.sub(r"[^A-Za-z0-9._-]+", "_", stem).strip("._")[:60] or "data"


@dataclass(eq=False)
class ReportBundle:
    """Every export of one comparison, each built once on first use (thread-safe enough:
    at worst two concurrent clicks build the same bytes twice)."""

    comparison: Comparison
    dataset: Dataset | None = None
    profile: Profile | None = None
    command: str | None = None
    diagnosis: Diagnosis | None = None  # None: diagnosed on first use (with ``fits``, if any)
    fits: DiagnosticFits | None = None
    muted_findings: tuple[str, ...] = ()  # comparison finding codes left out of the report
    deployment: dict | None = None  # core.analysis.deployment.deployment_dict (--prevalence)
    _label_note: str | None = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        check_inputs(self.comparison, self.dataset, self.profile)

    @cached_property
    def diagnosed(self) -> Diagnosis:
        """The diagnosis of the important class (the one given, else made once here)."""
        if self.diagnosis is not None:
            return self.diagnosis
        return diagnose(self.comparison, profile=self.profile, dataset=self.dataset, fits=self.fits)

    @cached_property
    def doc(self) -> dict[str, Any]:
        """The results.json document (with the diagnosis)."""
        prof = None if self.profile is None else self.profile.to_dict()
        return results_dict(
            self.comparison,
            profile=prof,
            command=self.command,
            diagnosis=self.diagnosed.to_dict(),
            deployment=self.deployment,
        )

    @cached_property
    def label_next(self) -> pd.DataFrame | None:
        """Rows to label next (None without the dataset or probabilities; see ``label_note``)."""
        if self.dataset is None:
            self._label_note = "the dataset of this run is not loaded"
            return None
        try:
            return label_next(self.comparison, self.dataset)
        except DataError as err:
            self._label_note = str(err).rstrip(".")
            return None

    @property
    def label_note(self) -> str | None:
        """Why there are no rows to label next, if there are none."""
        _ = self.label_next
        return self._label_note

    @cached_property
    def html(self) -> str:
        """The HTML report (:func:`build_report`)."""
        return build_report(
            self.comparison,
            dataset=self.dataset,
            profile=self.profile,
            command=self.command,
            label_next_rows=self.label_next,
            label_next_note=self.label_note,
            doc=self.doc,
            muted_findings=self.muted_findings,
            diagnosis=self.diagnosed,
            fits=self.fits,
        )

    def html_bytes(self) -> bytes:
        return self.html.encode("utf-8")

    def results_json(self) -> bytes:
        """Byte for byte what :func:`core.exports.outputs.write_outputs` writes."""
        text = json.dumps(self.doc, indent=2, allow_nan=False, ensure_ascii=False)
        return (text + "\n").encode("utf-8")

    def metrics_csv(self) -> bytes:
        return csv_bytes(metrics_long(self.comparison))

    def predictions_csv(self) -> bytes:
        return csv_bytes(predictions_long(self.comparison))

    @cached_property
    def excel(self) -> bytes:
        """The .xlsx workbook (:func:`core.exports.tables.excel_bytes`): slow for many rows."""
        return excel_bytes(
            self.comparison,
            dataset=self.dataset,
            profile=self.profile,
            command=self.command,
            label_next_rows=self.label_next,
            doc=self.doc,
        )

    def excel_bytes(self) -> bytes:
        return self.excel

    def label_next_csv(self) -> bytes:
        rows = self.label_next
        return b"" if rows is None else csv_bytes(rows)

    def downloads(self) -> list[Download]:
        """The files, "Download HTML report" first; label-next only when it exists."""
        stem = _stem(self.comparison.dataset.name)
        files = [
            Download("Download HTML report", f"{stem}_report.html", "text/html", self.html_bytes),
            Download("Download results.json", f"{stem}_results.json", "application/json",
                     self.results_json),
            Download("Download metrics.csv", f"{stem}_metrics.csv", "text/csv", self.metrics_csv),
            Download("Download predictions.csv", f"{stem}_predictions.csv", "text/csv",
                     self.predictions_csv, lazy=True),
            Download(
                "Download Excel workbook",
                f"{stem}_results.xlsx",
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                self.excel_bytes,
                lazy=True,
            ),
        ]  # fmt: skip
        if self.label_next is not None:
            files.append(
                Download(
                    "Download rows to label next (CSV)",
                    f"{stem}_label_next.csv",
                    "text/csv",
                    self.label_next_csv,
                )  # fmt: skip
            )
        return files
