"""A million rows end to end: load, profile, compare and report on one machine.

1M rows x 20 columns (bench CSV, 3 classes 90/8/2 %), then what ``python -m core analyze``
does, phase by phase, in this process: ``load_dataset``, ``build_profile`` (kNN measures
on a stratified sample, size stated), ``run_comparison`` (hist_gradient_boosting,
baseline / class_weight / smote, 5 folds, all cores), and the outputs (results.json,
metrics.csv, predictions.csv, report.html). A sampler thread sums the resident memory of
this process and its worker processes every 0.2 s: the peak is what the machine needed
(memory mapped by several processes counts once per process, so it errs high).

    python bench/million_rows.py [--rows 1000000] [--n-jobs -1]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import _common as common

STRATEGIES = ("baseline", "class_weight", "smote")


def _tree_rss(root: int) -> int:
    """Resident bytes of process ``root`` and all its descendants (Linux /proc)."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/status", encoding="utf-8") as f:
                fields = dict(line.split(":", 1) for line in f if ":" in line)
        except OSError:
            continue
        pid = int(entry)
        children.setdefault(int(fields["PPid"]), []).append(pid)
        rss[pid] = int(fields.get("VmRSS", "0 kB").split()[0]) * 1024
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        total += rss.get(pid, 0)
        todo.extend(children.get(pid, []))
    return total


class PeakSampler(threading.Thread):
    """Samples :func:`_tree_rss` of this process until stopped; ``peak`` in bytes."""

    def __init__(self, every: float = 0.2) -> None:
        super().__init__(daemon=True)
        self.every, self.peak, self._halt = every, 0, threading.Event()

    def run(self) -> None:
        while not self._halt.is_set():
            self.peak = max(self.peak, _tree_rss(os.getpid()))
            self._halt.wait(self.every)

    def stop(self) -> int:
        self._halt.set()
        self.join()
        return self.peak


def measure(rows: int, n_jobs: int) -> dict:
    from core.evaluation.comparison import CompareConfig, run_comparison
    from core.exports.outputs import write_outputs
    from core.intake.dataset import load_dataset
    from core.profile.measures import build_profile
    from core.report.document import ReportBundle

    path = common.csv_path(rows)
    phases: dict[str, float] = {}
    sampler = PeakSampler()
    baseline = _tree_rss(os.getpid())
    sampler.start()
    start = time.perf_counter()
    ds = load_dataset(path, common.TARGET)
    phases["load"] = time.perf_counter() - start

    mark = time.perf_counter()
    profile = build_profile(ds)
    phases["profile"] = time.perf_counter() - mark

    mark = time.perf_counter()
    config = CompareConfig(
        strategies=STRATEGIES, model="hist_gradient_boosting", cv=5, n_jobs=n_jobs
    )
    comparison = run_comparison(ds, config)
    phases["compare"] = time.perf_counter() - mark

    mark = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        write_outputs(comparison, Path(tmp), profile=profile.to_dict())
        html = ReportBundle(comparison, ds, profile).html
        (Path(tmp) / "report.html").write_text(html, encoding="utf-8")
        sizes = {p.name: p.stat().st_size for p in Path(tmp).iterdir()}
    phases["outputs"] = time.perf_counter() - mark
    total = time.perf_counter() - start
    peak = sampler.stop()
    diff = profile.difficulty
    return {
        "rows": ds.n_rows,
        "file_bytes": path.stat().st_size,
        "phases": phases,
        "total": total,
        "peak_rss": peak,
        "baseline_rss": baseline,
        "ok": [n for n, r in comparison.results.items() if r.ok],
        "macro_f1": {n: r.summary["macro_f1"] for n, r in comparison.results.items() if r.ok},
        "knn_rows": diff.n_rows_used if diff is not None else None,
        "output_bytes": sizes,
        "n_jobs": n_jobs,
    }


def report(found: dict) -> list[str]:
    gib = 1024**3
    phases = ", ".join(f"{k} {v:.0f} s" for k, v in found["phases"].items())
    out_mb = {k: round(v / common.MB, 1) for k, v in found["output_bytes"].items()}
    return [
        f"{found['rows']:,} rows x 20 columns ({found['file_bytes'] / common.MB:.0f} MB CSV), "
        f"{len(found['ok'])}/{len(STRATEGIES)} strategies ok, hist_gradient_boosting, 5 folds",
        f"{'end to end':<44} {found['total']:6.0f} s   ({phases})",
        f"{'peak resident memory, all processes':<44} {found['peak_rss'] / gib:6.2f} GiB "
        f"(of 24 GiB; before start {found['baseline_rss'] / gib:.2f} GiB)",
        f"{'kNN profile measures on':<44} {found['knn_rows']:,} rows (stratified sample)",
        f"{'outputs (MB)':<44} {out_mb}",
        f"{'macro F1':<44} " + ", ".join(f"{k} {v:.3f}" for k, v in found["macro_f1"].items()),
    ]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--n-jobs", type=int, default=-1)
    args = parser.parse_args(argv)
    print(common.machine())
    print("\n".join(report(measure(args.rows, args.n_jobs))))


if __name__ == "__main__":
    main()
