"""Threshold curves for 1M scores per class against one ``np.argsort`` of those scores.

``core.metrics.curves.threshold_curves`` computes, per class, the confusion counts and metrics at
every distinct score with one sort and cumulative sums (``core.metrics.sweep.cut_counts``). The bare reference is the least any
exact sweep must do: one ``np.argsort`` of each class's scores. Goal: at most 2x. Also
timed: one slider move (``metrics_at_threshold``, a binary search in the precomputed curve).

    python bench/threshold_curves.py [--rows 1000000] [--classes 3] [--repeat 5]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import _common as common

from core.metrics.curves import metrics_at_threshold, threshold_curve_arrays, threshold_curves


def scores(rows: int, classes: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Class codes (shares 90/8/2 % for 3 classes) and softmax probabilities that favour the
    true class: every score distinct, as predict_proba gives."""
    rng = np.random.default_rng(seed)
    shares = np.geomspace(1.0, 0.02, classes)
    y = rng.choice(classes, size=rows, p=shares / shares.sum())
    logits = rng.normal(size=(rows, classes))
    logits[np.arange(rows), y] += 1.5
    proba = np.exp(logits)
    proba /= proba.sum(axis=1, keepdims=True)
    return y, proba


def _seconds(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def measure(rows: int, classes: int, repeat: int) -> dict:
    y, proba = scores(rows, classes)
    names = [f"c{k}" for k in range(classes)]
    task = "binary" if classes == 2 else "multiclass"
    # interleave the two sides, so that a busy spell of the machine hits both alike
    ours, bare = [], []
    for _ in range(repeat):
        ours.append(_seconds(lambda: threshold_curves(y, proba, names, task)))
        bare.append(_seconds(lambda: [np.argsort(proba[:, k]) for k in range(classes)]))
    curve = threshold_curve_arrays((y == classes - 1).astype(np.int8), proba[:, -1])
    points = np.random.default_rng(1).random(1000)
    start = time.perf_counter()
    for t in points:
        metrics_at_threshold(curve, t)
    lookup = (time.perf_counter() - start) / len(points)
    return {
        "rows": rows,
        "classes": classes,
        "ours": statistics.median(ours),
        "bare": statistics.median(bare),
        "lookup_us": lookup * 1e6,
    }


def report(found: dict) -> list[str]:
    what = f"threshold curves, {found['rows']:,} scores x {found['classes']} classes"
    return [
        common.ratio_line(what, found["ours"], found["bare"], goal="<= 2x"),
        f"{'':<44} one slider move (lookup in the curve): {found['lookup_us']:.0f} us",
    ]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--classes", type=int, default=3)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)
    print(common.machine())
    print("\n".join(report(measure(args.rows, args.classes, args.repeat))))


if __name__ == "__main__":
    main()
