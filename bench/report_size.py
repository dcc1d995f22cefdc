"""Size and build time of the HTML report for 8 strategies x 10 classes.

Synthetic ``make_classification`` data (seeded), 3-fold cross-validation, logistic
regression. Prints the comparison time (not part of the report), the report build time (wall and
CPU: on a busy machine the CPU time is the fairer figure),
the file size in total and beyond the embedded plotly.js, and the Excel workbook's.

    python bench/report_size.py [--rows 5000] [--classes 10]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
from plotly.offline import get_plotlyjs
from sklearn.datasets import make_classification

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from core.compare import CompareConfig, run_comparison
from core.data import load_dataset
from core.profile import build_profile
from core.report import ReportBundle

STRATEGIES = ("baseline", "class_weight", "cost_sensitive", "random_over", "random_under",
              "smote", "threshold_tuning", "one_vs_rest")  # fmt: skip
MB = 1_000_000


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=5000)
    parser.add_argument("--classes", type=int, default=10)
    args = parser.parse_args()

    ds = load_dataset(_data(args.rows, args.classes), "label", name="bench.csv")
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

    plotly_js = len(get_plotlyjs().encode("utf-8"))
    ok = sum(r.ok for r in comparison.results.values())
    print(
        f"data: {ds.n_rows:,} rows, {len(ds.classes)} classes; {ok}/{len(STRATEGIES)} strategies ok"
    )
    print(f"comparison (not part of the report): {compare_s:.1f} s")
    print(f"report build: {report_s:.2f} s wall, {report_cpu:.2f} s CPU")
    print(f"report size: {len(html) / MB:.2f} MB total, plotly.js {plotly_js / MB:.2f} MB, "
          f"beyond plotly.js {(len(html) - plotly_js) / MB:.2f} MB")  # fmt: skip
    print(f"excel workbook: {len(excel) / MB:.2f} MB in {excel_s:.2f} s")


if __name__ == "__main__":
    main()
