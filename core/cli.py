"""Command line: ``python -m core strategies | profile | analyze | diagnose`` (DESIGN.md
"Command line"; ``diagnose`` and ``--prevalence`` live in :mod:`core.predictions_cli`).

Exit 0 on success; exit 2 on bad input with one ``error: ...`` line on stderr and no
traceback; exit 1 only for an internal fault.
"""

from __future__ import annotations

import argparse
import json
import shlex
import sys
from collections.abc import Sequence
from pathlib import Path

from core.errors import DataError


class _Parser(argparse.ArgumentParser):
    """argparse that reports bad usage as one ``error:`` line and exit 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        raise DataError(f"{message}", "Run 'python -m core --help' for usage")


def _add_data_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("data", help="CSV file")
    p.add_argument(
        "--target",
        action="append",
        required=True,
        metavar="COL",
        help="target column; repeat for several 0/1 label columns (multi-label)",
    )
    p.add_argument(
        "--label-sep",
        default=None,
        metavar="SEP",
        help="separator of label sets in one target column (multi-label), e.g. '|'",
    )


def build_parser() -> argparse.ArgumentParser:
    from core.metrics.decision_rules import OBJECTIVES
    from core.modelling.options import PROBABILITY_CORRECTIONS
    from core.predictions_cli import add_diagnose_parser, add_prevalence_arg

    parser = _Parser(prog="python -m core", description="Diagnose classifier imbalance.")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    s = sub.add_parser("strategies", help="list the imbalance strategies")
    s.add_argument("--json", action="store_true", help="print JSON instead of a table")

    p = sub.add_parser("profile", help="print the imbalance profile of a CSV as JSON")
    _add_data_args(p)
    p.add_argument("--cv", type=int, default=5, help="folds the profile checks class sizes for")

    a = sub.add_parser("analyze", help="compare strategies and write results to --out")
    _add_data_args(a)
    add_prevalence_arg(a)
    a.add_argument(
        "--strategies", default=None, help="comma-separated names (default: a set per task)"
    )
    a.add_argument("--model", default="logistic_regression")
    a.add_argument("--cv", type=int, default=5)
    a.add_argument("--seed", type=int, default=0)
    a.add_argument("--holdout", type=float, default=0.0, help="share of rows set aside (0 = none)")
    a.add_argument("--out", default="out", help="output directory (created)")
    a.add_argument("--n-jobs", type=int, default=-1, help="parallel workers (-1 = all cores)")
    a.add_argument(
        "--scheduler",
        default=None,
        metavar="ADDRESS",
        help="run the fits on the Dask cluster of this scheduler, e.g. tcp://10.0.0.5:8786 "
        "(default: $IMBALANCE_DASK_SCHEDULER, else this machine)",
    )
    a.add_argument(
        "--sample",
        type=int,
        default=None,
        metavar="ROWS",
        help="analyse a stratified sample of this many rows (announced in the report)",
    )
    a.add_argument(
        "--important-class", default=None, help="class whose F1 decides the recommendation"
    )
    a.add_argument(
        "--threshold-objective",
        default="f1",
        choices=list(OBJECTIVES),
        help="what threshold_tuning maximises",
    )
    a.add_argument("--beta", type=float, default=1.0, help="beta of the F-beta objective")
    a.add_argument(
        "--k-neighbors",
        type=int,
        default=5,
        metavar="K",
        help="neighbours of the SMOTE family / ADASYN (lowered per training fold for tiny "
        "classes; default 5)",
    )
    a.add_argument(
        "--probability-correction",
        default="prior",
        choices=list(PROBABILITY_CORRECTIONS),
        help="how the probabilities of resampled or weighted strategies are corrected "
        "(decisions unchanged): prior = the class-share shift undone analytically (default), "
        "sigmoid / isotonic = calibrated on inner folds (extra fits), none",
    )
    a.add_argument(
        "--rope",
        type=float,
        default=None,
        metavar="FLOAT",
        help="half-width of the region of practical equivalence of the verdict (default 0.01)",
    )
    a.add_argument(
        "--repeats",
        type=int,
        default=1,
        metavar="R",
        help="repeat the cross-validation R times with new shuffles (same folds for every "
        "strategy) for a firmer verdict; costs R times the fits (default 1)",
    )
    a.add_argument(
        "--mute",
        action="append",
        default=[],
        metavar="ID",
        help="leave a cause out of the diagnosis, or a finding (by its code) out of "
        "results.json and the report (repeatable), e.g. --mute overfitting "
        "--mute duplicate_rows",
    )
    a.add_argument(
        "--no-diagnostic-fits",
        action="store_true",
        help="skip the learning curve and reference models (their causes become unclear)",
    )
    add_diagnose_parser(sub)
    return parser


def _cmd_strategies(args: argparse.Namespace) -> int:
    from core.modelling.strategies import registry_table

    table = registry_table()
    if args.json:
        print(json.dumps(table.to_dict(orient="records"), indent=2))
    else:
        print(table.to_string(index=False))
    return 0


def _cmd_profile(args: argparse.Namespace) -> int:
    from core.intake.dataset import load_dataset
    from core.profile.measures import build_profile

    ds = load_dataset(args.data, args.target, label_sep=args.label_sep)
    prof = build_profile(ds, cv=args.cv)
    print(json.dumps(prof.to_dict(), indent=2, allow_nan=False))
    return 0


def _cmd_analyze(args: argparse.Namespace, argv: Sequence[str]) -> int:
    from dataclasses import replace

    from core.analysis.diagnosis import CAUSE_IDS, diagnose
    from core.analysis.findings import FINDING_CODES
    from core.evaluation.comparison import CompareConfig, default_strategies, run_comparison
    from core.evaluation.diagnostic_fits import diagnostic_fits
    from core.exports.outputs import atomic_write, write_outputs
    from core.intake.dataset import load_dataset
    from core.modelling.options import StrategyOptions
    from core.predictions_cli import deployment_section, write_results_json
    from core.profile.finding import without_muted
    from core.profile.measures import build_profile
    from core.profile.pitfalls import PITFALL_CODES
    from core.report.document import ReportBundle

    finding_codes = (*PITFALL_CODES, *FINDING_CODES)
    unknown = [m for m in args.mute if m not in CAUSE_IDS and m not in finding_codes]
    if unknown:
        raise DataError(
            "Unknown cause id for --mute: " + ", ".join(map(repr, unknown)) + " (nor a finding "
            "code)",
            "Valid cause ids: "
            + ", ".join(CAUSE_IDS)
            + "; finding codes: "
            + ", ".join(finding_codes),
        )
    muted_causes = [m for m in args.mute if m in CAUSE_IDS]
    muted_findings = [m for m in args.mute if m in finding_codes]
    ds = load_dataset(args.data, args.target, label_sep=args.label_sep)
    if args.sample is not None:
        from core.intake.sampling import stratified_sample

        ds = stratified_sample(ds, args.sample, seed=args.seed)
    names = (
        tuple(s.strip() for s in args.strategies.split(",") if s.strip())
        if args.strategies
        else default_strategies(ds.task)
    )
    options = StrategyOptions(
        threshold_objective=args.threshold_objective,
        beta=args.beta,
        k_neighbors=args.k_neighbors,
        probability_correction=args.probability_correction,
    )
    extra = {} if args.rope is None else {"rope": args.rope}
    extra["repeats"] = args.repeats
    config = CompareConfig(
        strategies=names,
        model=args.model,
        cv=args.cv,
        seed=args.seed,
        holdout=args.holdout,
        options=options,
        n_jobs=args.n_jobs,
        important_class=args.important_class,
        **extra,
    )
    comparison = run_comparison(ds, config, scheduler=args.scheduler)
    profile = build_profile(ds, cv=args.cv)
    fits = None
    if not args.no_diagnostic_fits:
        fits = diagnostic_fits(
            ds,
            config,
            important_class=comparison.important_class,
            n_jobs=args.n_jobs,
            scheduler=args.scheduler,
        )
    found = diagnose(comparison, profile=profile, dataset=ds, fits=fits, muted=muted_causes)
    # the causes read every pitfall; what is written leaves the muted findings out
    shown = replace(profile, findings=tuple(without_muted(profile.findings, muted_findings)))
    command = "python -m core " + " ".join(shlex.quote(a) for a in argv)
    out = Path(args.out)
    deployment = deployment_section(comparison, args.prevalence)
    bundle = ReportBundle(
        comparison,
        ds,
        shown,
        command=command,
        diagnosis=found,
        fits=fits,
        muted_findings=tuple(muted_findings),
        deployment=deployment,
    )
    paths = write_outputs(
        comparison,
        out,
        profile=shown.to_dict(),
        command=command,
        diagnosis=found.to_dict(),
    )
    if deployment is not None:  # results.json again, with the metrics at the shares in use
        write_results_json(comparison, paths["results"], profile=shown.to_dict(),
                           command=command, diagnosis=found.to_dict(), deployment=deployment)  # fmt: skip
    paths["report"] = out / "report.html"
    atomic_write(paths["report"], lambda p: p.write_text(bundle.html, encoding="utf-8"))
    if bundle.label_next is not None:
        paths["label_next"] = out / "label_next.csv"
        atomic_write(paths["label_next"], lambda p: p.write_bytes(bundle.label_next_csv()))
    for kind, path in paths.items():
        print(f"{kind}: {path}")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        args = build_parser().parse_args(argv)
        if args.command == "strategies":
            return _cmd_strategies(args)
        if args.command == "profile":
            return _cmd_profile(args)
        if args.command == "diagnose":
            from core.predictions_cli import cmd_diagnose

            return cmd_diagnose(args, argv)
        return _cmd_analyze(args, argv)
    except DataError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    except FileNotFoundError as err:
        print(f"error: file not found: {err.filename}. Check the path", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        return 130
