"""``python -m core diagnose``: a model you already have, diagnosed from its predictions, and
the ``--prevalence`` option ``analyze`` shares (docs/CONTRACTS.md).

``diagnose PREDICTIONS.csv --target COL`` reads the file (:mod:`core.intake.predictions`),
builds the comparison of its models (:mod:`core.evaluation.scored`: nothing is refitted) and
writes ``results.json`` (``"mode": "predictions"``), ``metrics.csv``, ``predictions.csv``,
``report.html`` and ``decisions.json`` (the decision to deploy per model, chosen on all rows).
Registered by :mod:`core.cli`, which prints a bad input as one ``error:`` line (exit 2).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import re
import shlex
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from core.errors import DataError

_FRACTION = re.compile(r"\s*([0-9.eE+-]+)\s*/\s*([0-9.eE+-]+)\s*")


def add_prevalence_arg(p: argparse.ArgumentParser) -> None:
    """``--prevalence CLASS=SHARE`` (repeatable) on ``p``."""
    p.add_argument(
        "--prevalence",
        action="append",
        default=[],
        metavar="CLASS=SHARE",
        help="share of CLASS among the rows the model will meet in use, e.g. 2=0.087, "
        "2=1/11.5 or 2=8.7%% (repeatable; classes left out share what is left): writes "
        "results.json 'deployment' and the report's metrics at those shares",
    )


def _share(text: str, item: str) -> float:
    text = text.strip()
    try:
        if text.endswith("%"):
            return float(text[:-1]) / 100
        found = _FRACTION.fullmatch(text)
        if found:
            return float(found.group(1)) / float(found.group(2))
        return float(text)
    except (ValueError, ZeroDivisionError):
        raise DataError(
            f"--prevalence {item!r}: {text!r} is not a share",
            "Write CLASS=SHARE with SHARE like 0.087, 1/11.5 or 8.7%",
        ) from None


def parse_prevalence(items: Sequence[str]) -> dict[str, float]:
    """``["2=1/11.5", "0=0.5"]`` -> ``{"2": 0.0869..., "0": 0.5}``; DataError for a bad item."""
    shares: dict[str, float] = {}
    for item in items:
        cls, sep, value = item.rpartition("=")
        if not sep or not cls.strip():
            raise DataError(f"--prevalence {item!r} is not CLASS=SHARE", "For example 2=0.087")
        if cls.strip() in shares:
            raise DataError(f"--prevalence gives class {cls.strip()!r} twice")
        shares[cls.strip()] = _share(value, item)
    return shares


def deployment_section(comparison: Any, items: Sequence[str]) -> dict[str, Any] | None:
    """results.json's ``deployment`` for ``--prevalence`` ``items`` (None without any), with
    ``note``: the classes filled in (:func:`core.analysis.deployment.complete_shares`), or None."""
    from core.analysis.deployment import complete_shares, deployment_dict

    if not items:
        return None
    shares, note = complete_shares(parse_prevalence(items), comparison)
    section = deployment_dict(comparison, shares)
    section["note"] = note
    return section


def read_cost_matrix(path: str, classes: Sequence[str]) -> tuple[tuple[float, ...], ...]:
    """A K x K cost matrix from a CSV: a header row of class names (the columns: predicted
    class), one row per true class in the header's order, or led by a column of the true
    classes' names. Rows and columns are put in ``classes`` order."""
    names = [str(c) for c in classes]
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    except FileNotFoundError:
        raise
    except Exception as err:
        raise DataError(f"Cannot read the cost matrix {path!r}: {err}") from None
    frame.columns = [str(c).strip() for c in frame.columns]
    first = frame.columns[0]
    if first not in names or len(frame.columns) == len(names) + 1:
        index = [str(v).strip() for v in frame[first]]
        frame = frame.drop(columns=first)
        if sorted(index) != sorted(names):
            raise DataError(
                f"The cost matrix rows are named {index!r}, not the classes {names!r}",
                "Name the rows (first column) and columns (header) after the classes",
            )
        frame.index = index
    else:  # rows in the header's order
        frame.index = list(frame.columns)[: len(frame)]
    if sorted(frame.columns) != sorted(names) or len(frame) != len(names):
        raise DataError(
            f"The cost matrix must be {len(names)} x {len(names)} with a header naming the "
            f"classes {names!r}. Got columns {list(frame.columns)!r} and {len(frame)} rows",
            "Rows = true class, columns = predicted class",
        )
    try:
        values = frame.loc[names, names].to_numpy(dtype=float)
    except ValueError:
        raise DataError("The cost matrix must hold numbers only") from None
    return tuple(tuple(float(v) for v in row) for row in values)


def add_diagnose_parser(sub: Any) -> None:
    """The ``diagnose`` subcommand on the subparsers ``sub`` of :func:`core.cli.build_parser`."""
    from core.metrics.decision_rules import OBJECTIVES

    d = sub.add_parser(
        "diagnose", help="diagnose a model you already have from its predictions (no refit)"
    )
    d.add_argument("data", help="predictions CSV: the true target and each model's scores")
    d.add_argument("--target", action="append", required=True, metavar="COL",
                   help="true target column; repeat for several 0/1 label columns")  # fmt: skip
    d.add_argument("--label-sep", default=None, metavar="SEP",
                   help="separator of label sets in one target column (multi-label)")  # fmt: skip
    d.add_argument("--scores", default=None, metavar="PREFIX",
                   help="prefix of the score columns, e.g. 'p_' for p_<class> (default: "
                   "proba_<class>, score_<class> or the class names)")  # fmt: skip
    add_prevalence_arg(d)
    d.add_argument("--cost-matrix", default=None, metavar="FILE",
                   help="CSV K x K, header = predicted class names, rows = true classes in "
                   "the same order (optionally named in a first column)")  # fmt: skip
    d.add_argument("--cv", type=int, default=5, help="parts the decisions are cross-fitted on "
                   "(without a 'fold' column)")  # fmt: skip
    d.add_argument("--seed", type=int, default=0)
    d.add_argument("--important-class", default=None)
    d.add_argument("--threshold-objective", default="f1", choices=list(OBJECTIVES))
    d.add_argument("--beta", type=float, default=1.0)
    d.add_argument("--rope", type=float, default=None, metavar="FLOAT")
    d.add_argument("--out", default="out", help="output directory (created)")


def write_results_json(comparison: Any, path: Path, **parts: Any) -> None:
    """results.json of ``comparison`` (``results_dict(**parts)``), written atomically."""
    from core.exports.outputs import atomic_write
    from core.exports.results_json import results_dict

    text = json.dumps(results_dict(comparison, **parts), indent=2, allow_nan=False,
                      ensure_ascii=False)  # fmt: skip
    atomic_write(path, lambda p: p.write_text(text + "\n", encoding="utf-8"))


def cmd_diagnose(args: argparse.Namespace, argv: Sequence[str]) -> int:
    """Run ``diagnose``: read, compare, diagnose, write; prints each file written."""
    from core.analysis.diagnosis import diagnose
    from core.evaluation.scored import comparison_from_predictions, decisions_dict
    from core.exports.outputs import atomic_write, metrics_long, predictions_long
    from core.intake.dataset import classes_by_rarity
    from core.intake.predictions import load_predictions
    from core.modelling.options import StrategyOptions
    from core.report.document import build_report

    pset = load_predictions(
        args.data, target=args.target, label_sep=args.label_sep, scores_prefix=args.scores
    )
    cost = None if args.cost_matrix is None else read_cost_matrix(args.cost_matrix, pset.classes)
    options = StrategyOptions(
        cost_matrix=cost, threshold_objective=args.threshold_objective, beta=args.beta
    )
    extra = {} if args.rope is None else {"rope": args.rope}
    comparison = comparison_from_predictions(
        pset,
        cv=args.cv,
        seed=args.seed,
        options=options,
        important_class=args.important_class,
        **extra,
    )
    deployment = deployment_section(comparison, args.prevalence)
    if deployment is not None and args.important_class is None and pset.task != "multilabel":
        # the class that matters is the rarest where the model is used, not on a test set
        # that may have been balanced by hand
        shares = deployment["shares"]
        rarest = classes_by_rarity([shares[c] for c in pset.classes], pset.classes)[0]
        config = dataclasses.replace(comparison.config, important_class=rarest)
        comparison = dataclasses.replace(comparison, config=config)
        print(f"Important class: '{rarest}', the rarest at the shares in use.")
    found = diagnose(comparison)
    command = "python -m core " + " ".join(shlex.quote(a) for a in argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    paths = {name: out / f"{name}.{ext}" for name, ext in (("results", "json"),
             ("metrics", "csv"), ("predictions", "csv"), ("decisions", "json"),
             ("report", "html"))}  # fmt: skip
    parts = {"command": command, "diagnosis": found.to_dict(), "deployment": deployment}
    write_results_json(comparison, paths["results"], **parts)
    for key, frame in (("metrics", metrics_long(comparison)),
                       ("predictions", predictions_long(comparison))):  # fmt: skip
        atomic_write(paths[key], lambda p, f=frame: f.to_csv(p, index=False, encoding="utf-8",
                                                             lineterminator="\n"))  # fmt: skip
    _json_write(paths["decisions"], decisions_dict(pset, options))
    doc = json.loads(paths["results"].read_text(encoding="utf-8"))
    html = build_report(comparison, command=command, doc=doc, diagnosis=found)
    atomic_write(paths["report"], lambda p: p.write_text(html, encoding="utf-8"))
    for line in pset.layout.describe() if pset.layout is not None else ():
        print(line)
    if deployment is not None and deployment.get("note"):
        print(deployment["note"])
    for kind, path in paths.items():
        print(f"{kind}: {path}")
    return 0


def _json_write(path: Path, doc: Any) -> None:
    from core.exports.outputs import atomic_write

    text = json.dumps(doc, indent=2, allow_nan=False, ensure_ascii=False, default=_plain)
    atomic_write(path, lambda p: p.write_text(text + "\n", encoding="utf-8"))


def _plain(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    raise TypeError(f"not JSON: {type(value).__name__}")
