"""Every benchmark figure in one run: ``python bench/run.py [--quick]``.

Each figure sets our work against the bare library work it wraps, both measured in this
run on this machine, and prints the ratio next to its goal (README "Performance"):

1. comparison overhead: ``python -m core analyze`` vs a bare scikit-learn/imblearn loop
   doing the same fits on the same folds (bench/compare_overhead.py)
2. threshold curves for 1M scores per class vs one ``np.argsort`` (bench/threshold_curves.py)
3. intake of a 1M-row, 20-column CSV vs ``pandas.read_csv(engine="pyarrow")``, and peak
   memory vs the DataFrame's size (bench/intake.py)
4. the HTML report for 8 strategies x 10 classes: seconds and MB (bench/report_size.py)
5. rerunning an unchanged comparison in the app, and a threshold slider move
   (bench/cache_hit.py)

``--quick`` uses smaller sizes (minutes instead of most of an hour on 2 cores). The end-to-end
million-row check is separate (bench/million_rows.py). The bench CSVs are written once to
``$IMBALANCE_BENCH_DIR`` (default ``~/.cache/imbalance-bench``).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import _common as common
import cache_hit
import compare_overhead
import intake
import report_size
import threshold_curves

FULL = {"compare_rows": (50_000, 200_000), "curve_rows": 1_000_000, "intake_rows": 1_000_000}
QUICK = {"compare_rows": (10_000,), "curve_rows": 200_000, "intake_rows": 200_000}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller sizes, for a first look")
    parser.add_argument(
        "--repeat", type=int, default=2, help="runs of each comparison variant (best kept)"
    )
    parser.add_argument(
        "--only",
        nargs="+",
        choices=["compare", "curves", "intake", "report", "cache"],
        help="run only these figures",
    )
    args = parser.parse_args(argv)
    sizes = QUICK if args.quick else FULL
    wanted = set(args.only or ["compare", "curves", "intake", "report", "cache"])
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(common.machine())
    print(f"load average at start: {load:.1f}; sizes: {'quick' if args.quick else 'full'}\n")
    start = time.perf_counter()
    # Intake first: its peak memory is measured in child processes, and on this machine a
    # child's peak RSS came out ~25% higher after the threshold-curve figure had run here.
    if "intake" in wanted:
        print("\n".join(intake.report(intake.measure(sizes["intake_rows"], 3))), flush=True)
    if "curves" in wanted:
        found = threshold_curves.measure(sizes["curve_rows"], 3, repeat=5)
        print("\n".join(threshold_curves.report(found)), flush=True)
    if "report" in wanted:
        print("\n".join(report_size.report(report_size.measure())), flush=True)
    if "cache" in wanted:
        print("\n".join(cache_hit.report(cache_hit.measure(0, 5))), flush=True)
    if "compare" in wanted:
        for rows in sizes["compare_rows"]:
            found = compare_overhead.measure(rows, args.repeat)
            print("\n".join(compare_overhead.report(found)), flush=True)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"\nall figures in {time.perf_counter() - start:.0f} s; load average at end: {load:.1f}")


if __name__ == "__main__":
    main()
