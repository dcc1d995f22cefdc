"""The sections of the HTML report as template context: tables (with exact values) and
figures (from :mod:`core.plots`), in the order the report shows them.

Numbers of the per-class and summary tables are read from the results.json document, so
the report and results.json agree by construction.
"""

from __future__ import annotations

import base64
from collections.abc import Collection
from typing import Any

import numpy as np
import pandas as pd

from core.analysis.details import accuracy_f1_plane, per_class_long
from core.analysis.findings import comparison_findings
from core.analysis.spread import OVER_FOLDS_NOTE, comparison_spreads
from core.evaluation.comparison import BASELINE, Comparison
from core.exports.label_next import DOUBT_MARGIN
from core.exports.tables import csv_bytes
from core.intake.dataset import Dataset, schema_frame
from core.metrics.scores import HEADLINE_METRICS, is_loss, metric_title, normalise_confusion
from core.modelling.models import MODELS
from core.modelling.strategies import STRATEGIES
from core.plots.compare import accuracy_f1_plane as plane_figure
from core.plots.compare import confusion_side_by_side, per_class_bars, strategy_class_heatmap
from core.plots.data import class_distribution, cooccurrence_heatmap, difficulty_bars
from core.profile.finding import without_muted
from core.profile.measures import Profile
from core.report.parts import (
    Cell,
    FigureStore,
    Table,
    cli_gaps,
    count,
    custom_options,
    delta,
    finding_dict,
    key_value_table,
    noun_of,
    num,
    p_value,
    reproduce_command,
    reproduce_script,
    text,
)
from core.report.strategy_section import folds_cell, strategy_section

LABEL_NEXT_PREVIEW = 10
MAX_EMBEDDED_CSV = 2_000_000  # bytes of label-next CSV carried inside the report as a link
SCHEMA_OPEN_ROWS = 25  # longer schema tables start collapsed


# --------------------------------------------------------------------------- dataset, profile


def _dataset(c: Comparison, doc: dict, ds: Dataset | None, store: FigureStore) -> dict:
    data, noun = doc["dataset"], noun_of(c)
    facts = [
        ("File", data["name"]),
        ("Content SHA-256", (data["content_hash"] or "")[:16] + "…"),
        ("Target", ", ".join(data["target"])),
        ("Task", data["task"]),
        ("Rows analysed", count(data["n_rows"])),
        ("Cross-validation rows", count(data["n_cv_rows"])),
        ("Hold-out rows", count(data["n_holdout_rows"])),
        ("Rows dropped (no target)", count(data["n_dropped_missing_target"])),
    ]
    if data["label_sep"]:
        facts.insert(3, ("Label separator", data["label_sep"]))
    if c.dataset.sampled_from:
        at = [label for label, _ in facts].index("Rows analysed") + 1
        facts.insert(at, ("Rows in the data (sampled from)", count(c.dataset.sampled_from)))
    if ds is not None:
        facts.append(("Numeric features", count(len(ds.numeric_features))))
        facts.append(("Categorical features", count(len(ds.categorical_features))))
    counts = data["class_counts"]
    total = data["n_rows"] or 1
    rows = [[text(k), count(v, key="rows"), num(v / total, ".1%", key="share")]
            for k, v in counts.items()]  # fmt: skip
    share_title = "Share of rows" + (" carrying it" if c.task == "multilabel" else "")
    schema = None if ds is None else schema_frame(ds)
    return {
        "facts": key_value_table(facts),
        "classes": Table(
            [noun.capitalize(), "Rows", share_title], rows, row_attrs=[{"class": k} for k in counts]
        ),  # fmt: skip
        "chart": store.add(class_distribution(counts, multilabel=c.task == "multilabel")),
        # the sample's own note is shown as a callout above, not a second time here
        "notes": [n for n in ds.notes if n != c.dataset.sample_note] if ds is not None else [],
        "schema": None
        if schema is None
        else Table(
            ["Column", "Decision", "Reason"],
            [[text(r.column), text(r.kind), text(r.reason)] for r in schema.itertuples()],
        ),
        "schema_open": schema is not None and len(schema) <= SCHEMA_OPEN_ROWS,
    }


def _profile(p: Profile | None, store: FigureStore) -> dict | None:
    if p is None:
        return None
    if p.task == "multilabel":
        facts: list[tuple[str, Cell | str]] = [
            ("Largest IRLbl (imbalance ratio)", num(p.imbalance_ratio, ".1f"))
        ]
    else:
        facts = [("Imbalance ratio (largest / smallest class)", num(p.imbalance_ratio, ".1f")),
                 ("Balance entropy (1 = balanced)", num(p.balance_entropy))]  # fmt: skip
    facts += [
        ("Majority " + ("label" if p.task == "multilabel" else "class"), p.majority_class),
        ("Minority " + ("labels" if p.task == "multilabel" else "classes"),
         ", ".join(p.minority_classes) or "none"),
        ("Duplicate rows (exact)", count(p.duplicates.n_duplicate_rows)),
        ("Rows with identical features but another target", count(p.duplicates.n_conflicting_rows)),
    ]  # fmt: skip
    charts = []
    ml = p.multilabel
    if ml is not None:
        facts += [("Label cardinality", num(ml.label_cardinality)), ("Label density", num(ml.label_density)),
                  ("MeanIR", num(ml.mean_ir, ".2f")), ("CVIR", num(ml.cvir, ".2f")),
                  ("SCUMBLE", num(ml.scumble)), ("Distinct label sets", count(ml.n_labelsets)),
                  ("Rows without a label", count(ml.n_rows_no_label))]  # fmt: skip
        charts.append(store.add(cooccurrence_heatmap(p.classes, ml.cooccurrence)))
    diff = p.difficulty
    if diff is not None and diff.types:
        note = f"computed on a sample of {diff.n_rows_used:,} rows" if diff.sampled else None
        charts.append(store.add(difficulty_bars(diff.type_shares, k=diff.k, sample_note=note,
                                                noun="label" if p.task == "multilabel" else "class")))  # fmt: skip
    return {
        "facts": key_value_table(facts),
        "charts": charts,
        "pitfalls": [finding_dict(f) for f in p.findings],
    }


# --------------------------------------------------------------------------- configuration


def _options_rows(c: Comparison) -> list[tuple[str, str]]:
    return [
        (k.replace("_", " "), v if isinstance(v, str) else repr(v))
        for k, v in custom_options(c).items()
    ]


def _config(c: Comparison, doc: dict) -> dict:
    cfg = c.config
    model = MODELS.get(cfg.model)
    important = c.important_class
    facts = [
        ("Model", f"{cfg.model}" + (f" ({model.title})" if model is not None else "")),
        ("Cross-validation", f"stratified {cfg.cv}-fold"
         + (" (iterative stratification)" if c.task == "multilabel" else "")),
        ("Seed", str(cfg.seed)),
        ("Hold-out share", f"{cfg.holdout:.0%}" if cfg.holdout else "none"),
        (f"{noun_of(c).capitalize()} that matters most", str(important)
         + ("" if cfg.important_class else " (the rarest, by default)")),
    ]  # fmt: skip
    strategies = []
    for name in cfg.strategies:
        s = STRATEGIES.get(name)
        strategies.append([text(name), text(s.title if s else ""), text(s.family if s else ""),
                           text(s.reference if s else "")])  # fmt: skip
    return {
        "facts": key_value_table(facts),
        "strategies": Table(["Strategy", "What it is", "Family", "Reference"], strategies),
        "options": key_value_table(_options_rows(c)) if _options_rows(c) else None,
        "versions": key_value_table(list(doc["versions"].items())),
    }


# --------------------------------------------------------------------------- comparison


def _class_metric(entry: dict, cls: str, metric: str) -> Any:
    for rec in entry.get("per_class") or []:
        if rec["class"] == cls:
            return rec.get(metric)
    return None


def _comparison(c: Comparison, doc: dict, store: FigureStore) -> dict:
    names = c.metric_names()
    table = c.table().set_index("strategy")
    important = c.important_class
    spreads = comparison_spreads(c)  # beside the decision metrics: their spread over folds
    columns = ["Strategy", "Status", f"F1 of '{important}'", f"F1 of '{important}' over folds"]
    for m in names:
        columns += [metric_title(m), *(["Macro F1 over folds"] if m == "macro_f1" else [])]
    columns += ["Macro F1 CI low", "Macro F1 CI high", "Fit s / fold"]
    rows, attrs = [], []
    for name, entry in doc["strategies"].items():
        row = [text(name), Cell(entry["status"], cls="ok" if entry["status"] == "ok" else "bad")]
        row.append(num(_class_metric(entry, important, "f1"), key="important_f1"))
        row.append(folds_cell(spreads[name].class_f1.get(important), key="important_f1_folds"))
        for m in names:
            row.append(num(entry["summary"].get(m), key=m))
            if m == "macro_f1":
                row.append(folds_cell(spreads[name].summary.get(m), key="macro_f1_folds"))
        row += [num(table.at[name, "macro_f1_ci_low"], key="macro_f1_ci_low"),
                num(table.at[name, "macro_f1_ci_high"], key="macro_f1_ci_high"),
                num(table.at[name, "fit_seconds"], ".2f", key="fit_seconds")]  # fmt: skip
        rows.append(row)
        attrs.append({"strategy": name})
    versus = None
    if c.baseline is not None:
        keys = [
            m
            for m in ("macro_f1", "balanced_accuracy", "accuracy", "micro_f1", "hamming_loss")
            if m in names
        ][:3]
        head = ["Strategy"]
        for m in keys:
            head += [f"Δ {metric_title(m)}", f"p ({metric_title(m)})"]
        head.append("McNemar p")
        vrows = []
        for name in table.index:
            if table.at[name, "status"] != "ok" or name == BASELINE:
                continue
            vr = [text(name)]
            for m in keys:
                vr += [delta(table.at[name, f"{m}_delta"], key=f"{m}_delta", loss=is_loss(m)),
                       p_value(table.at[name, f"{m}_p"], key=f"{m}_p")]  # fmt: skip
            vr.append(p_value(table.at[name, "mcnemar_p"], key="mcnemar_p"))
            vrows.append(vr)
        versus = (
            Table(head, vrows, row_attrs=[{"strategy": r[0].text} for r in vrows])
            if vrows
            else None
        )
    classes = list(c.classes)
    charts = []
    if any(r.ok for r in c.results.values()):
        by = {"noun": noun_of(c)}  # titles and legends say "label" in multi-label
        charts.append(store.add(per_class_bars(per_class_long(c, "f1"), classes, metric="F1", **by)))  # fmt: skip
        charts.append(store.add(strategy_class_heatmap(per_class_long(c, "recall"), classes,
                                                       metric="Recall", **by)))  # fmt: skip
        charts.append(
            store.add(
                strategy_class_heatmap(per_class_long(c, "precision"), classes, metric="Precision")
            )
        )
    confusion = None
    if c.task != "multilabel" and any(r.ok for r in c.results.values()):
        matrices = {
            n: normalise_confusion(np.asarray(r.confusion), "true")
            for n, r in c.results.items()
            if r.ok
        }
        confusion = store.add(confusion_side_by_side(matrices, classes))
    return {
        "important": important,
        "over_folds_note": OVER_FOLDS_NOTE,
        "table": Table(columns, rows, row_attrs=attrs),
        "versus": versus,
        "failed": [(n, r.error) for n, r in c.results.items() if not r.ok],
        "charts": charts,
        "confusion": confusion,
        "holdout": _holdout(c, doc, important),
    }


def _holdout(c: Comparison, doc: dict, important: str) -> Table | None:
    if not c.dataset.n_holdout_rows:
        return None
    keys = [m for m in c.metric_names() if m in HEADLINE_METRICS[c.task]]
    rows, attrs = [], []
    for name, entry in doc["strategies"].items():
        hold = entry.get("holdout")
        if not hold:
            continue
        row = [text(name), Cell(hold["status"], cls="ok" if hold["status"] == "ok" else "bad"),
               num(_class_metric(hold, important, "f1"), key="important_f1")]  # fmt: skip
        row += [num(hold["summary"].get(m), key=m) for m in keys]
        rows.append(row)
        attrs.append({"strategy": name, "split": "holdout"})
    head = ["Strategy", "Status", f"F1 of '{important}'", *[metric_title(m) for m in keys]]
    return Table(head, rows, row_attrs=attrs) if rows else None


def _plane(c: Comparison, store: FigureStore) -> dict | None:
    if not any(r.ok for r in c.results.values()):
        return None
    from core.metrics.plane import pareto_front

    plane = accuracy_f1_plane(c)
    front = plane.points[pareto_front(plane.points).to_numpy()] if len(plane.points) else None
    fig = plane_figure(plane.points, f1_label=plane.f1_label, x_label=plane.x_label,
                       region=plane.region, trivial=plane.trivial, front=front)  # fmt: skip
    return {"chart": store.add(fig, height=520), "positive": plane.positive_class,
            "f1_label": plane.f1_label, "x_label": plane.x_label,
            "front": list(front["strategy"]) if front is not None else []}  # fmt: skip


def _tradeoff(c: Comparison, store: FigureStore) -> dict | None:
    """Trade-offs section: every threshold of every strategy, its Pareto front, and the
    default positive class (:func:`core.analysis.planes.default_positive`) against its
    complement as the positive class."""
    if not any(r.ok for r in c.results.values()):
        return None
    from core.exports.tradeoff_json import tradeoff_report_figures, tradeoff_report_text

    charts = [store.add(fig, height=520) for fig in tradeoff_report_figures(c)]
    return {"charts": charts, "text": tradeoff_report_text(c)}


# --------------------------------------------------------------------------- label next


def _label_next(
    c: Comparison, rows: pd.DataFrame | None, note: str | None, ds: Dataset | None
) -> dict:
    noun = noun_of(c)
    if rows is None:
        reason = note or (
            "the dataset of this run is not loaded" if ds is None else "not available"
        )
        return {"available": False, "reason": reason.rstrip("."), "noun": noun}
    preview = rows.head(LABEL_NEXT_PREVIEW)
    table = Table(
        ["Rank", "Row", f"Focus {noun}", "True", "Predicted", "Margin", "In doubt"],
        [[count(r["rank"]), count(r["row"], key="row"), text(r["focus_class"]), text(r["y_true"]),
          text(r["y_pred"]), num(r["margin"], key="margin"), text("yes" if r["in_doubt"] else "no")]
         for r in preview.to_dict(orient="records")],
    )  # fmt: skip
    data = csv_bytes(rows)
    link = None
    if len(data) <= MAX_EMBEDDED_CSV:
        link = "data:text/csv;charset=utf-8;base64," + base64.b64encode(data).decode("ascii")
    strategy = str(rows["strategy"].iloc[0]) if len(rows) else ""
    return {"available": True, "noun": noun, "n": len(rows), "strategy": strategy,
            "preview": table, "csv_link": link, "doubt_margin": DOUBT_MARGIN,
            "n_in_doubt": int(rows["in_doubt"].sum())}  # fmt: skip


# --------------------------------------------------------------------------- all of it


def context(
    c: Comparison,
    *,
    doc: dict,
    dataset: Dataset | None,
    profile: Profile | None,
    command: str | None,
    label_next_rows: pd.DataFrame | None,
    label_next_note: str | None,
    store: FigureStore,
    muted_findings: Collection[str] = (),
) -> dict[str, Any]:
    """Everything report.html.j2 renders, figures added to ``store`` in page order; the
    comparison findings whose code is in ``muted_findings`` are left out."""
    rec = doc["recommendation"]
    findings = [finding_dict(f) for f in without_muted(comparison_findings(c), muted_findings)]
    pitfalls = list(profile.findings) if profile is not None else []
    severities = [f.severity for f in pitfalls] + [f["severity"] for f in findings]
    recommended = rec.get("strategy")
    ctx: dict[str, Any] = {
        "title": f"Imbalance report: {c.dataset.name}",
        "file_name": c.dataset.name,
        "task": c.task,
        "noun": noun_of(c),
        "nouns": "labels" if c.task == "multilabel" else "classes",
        "n_rows": c.dataset.n_rows,
        "n_classes": len(c.classes),
        "rarest": c.rarest_class,
        "recommendation": rec,
        "n_errors": severities.count("error"),
        "n_warnings": severities.count("warning"),
        "config": _config(c, doc),
        "cv": c.config.cv,
        "model": c.config.model,
        "has_dataset": dataset is not None,
        "sample_note": c.dataset.sample_note,  # announced at the top and in the dataset section
        "sampled_from": c.dataset.sampled_from,
    }
    ctx["dataset"] = _dataset(c, doc, dataset, store)
    ctx["profile"] = _profile(profile, store)
    ctx["comparison"] = _comparison(c, doc, store)
    ctx["plane"] = _plane(c, store)
    ctx["tradeoff"] = _tradeoff(c, store)
    ctx["strategies"] = [
        strategy_section(c, n, e, store, recommended, c.important_class, muted_findings)
        for n, e in doc["strategies"].items()
    ]
    ctx["findings"] = findings
    ctx["label_next"] = _label_next(c, label_next_rows, label_next_note, dataset)
    ctx["reproduce"] = {
        "command": command or reproduce_command(c),
        "given": command is not None,
        "gaps": cli_gaps(c),
        "script": reproduce_script(c),
    }
    return ctx
