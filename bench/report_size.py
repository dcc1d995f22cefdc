"""Size and build time of the HTML report for 8 strategies x 10 classes.

Synthetic ``make_classification`` data (seeded), 3-fold cross-validation, logistic
regression. Prints the comparison time (not part of the report), the report build time (wall and
CPU: on a busy machine the CPU time is the fairer figure), the file size in total and beyond the
embedded plotly.js (goals: a few seconds, < 3 MB beyond plotly.js), and the Excel workbook's.

    python bench/report_size.py [--rows 5000] [--classes 10]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.datasets import make_classification

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import _common as common

STRATEGIES = ("baseline", "class_weight", "cost_sensitive", "random_over", "random_under",
              "smote", "threshold_tuning", "one_vs_rest")  # fmt: skip
MB = common.MB


def _data(rows: int, classes: int, seed: int = 0) -> bytes:
    weights = np.geomspace(1.0, 0.02, classes)
    X, y = make_classification(
        n_samples=rows,
        n_features=12,
        n_informative=8,
        n_redundant=2,
        n_classes=classes,
        n_clusters_per_class=1,
        weights=list(weights / weights.sum()),
        class_sep=1.0,
        random_state=seed,
    )
    frame = pd.DataFrame(X, columns=[f"f{i}" for i in range(X.shape[1])]).round(4)
    frame["label"] = [f"class_{k}" for k in y]
    return frame.to_csv(index=False).encode("utf-8")


def measure(rows: int = 5000, classes: int = 10) -> dict:
    from plotly.offline import get_plotlyjs

    from core.evaluation.comparison import CompareConfig, run_comparison
    from core.intake.dataset import load_dataset
    from core.profile.measures import build_profile
    from core.report.document import ReportBundle

    ds = load_dataset(_data(rows, classes), "label", name="bench.csv")
    start = time.perf_counter()
    comparison = run_comparison(ds, CompareConfig(strategies=STRATEGIES, cv=3, seed=0))
    compare_s = time.perf_counter() - start
    profile = build_profile(ds, cv=3)

    start, cpu = time.perf_counter(), time.process_time()
    bundle = ReportBundle(comparison, ds, profile)
    html = bundle.html.encode("utf-8")
    report_s, report_cpu = time.perf_counter() - start, time.process_time() - cpu
    start = time.perf_counter()
    excel = bundle.excel_bytes()
    excel_s = time.perf_counter() - start
    return {
        "rows": ds.n_rows,
        "classes": len(ds.classes),
        "ok": sum(r.ok for r in comparison.results.values()),
        "compare_s": compare_s,
        "report_s": report_s,
        "report_cpu": report_cpu,
        "html_bytes": len(html),
        "plotly_bytes": len(get_plotlyjs().encode("utf-8")),
        "excel_bytes": len(excel),
        "excel_s": excel_s,
    }


def report(found: dict) -> list[str]:
    beyond = (found["html_bytes"] - found["plotly_bytes"]) / MB
    return [
        f"{'HTML report, 8 strategies x 10 classes':<44} build {found['report_s']:5.2f} s wall, "
        f"{found['report_cpu']:.2f} s CPU   (goal: a few s; {found['ok']}/{len(STRATEGIES)} "
        f"strategies ok on {found['rows']:,} rows, comparison {found['compare_s']:.0f} s apart)",
        f"{'':<44} size {found['html_bytes'] / MB:5.2f} MB = plotly.js "
        f"{found['plotly_bytes'] / MB:.2f} MB + {beyond:.2f} MB   (goal: < 3 MB beyond plotly.js)",
        f"{'':<44} Excel workbook {found['excel_bytes'] / MB:.2f} MB in {found['excel_s']:.2f} s",
    ]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=5000)
    parser.add_argument("--classes", type=int, default=10)
    args = parser.parse_args(argv)
    print(common.machine())
    print("\n".join(report(measure(args.rows, args.classes))))


if __name__ == "__main__":
    main()
