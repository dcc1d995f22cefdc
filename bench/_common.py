"""Shared by the benchmarks: seeded synthetic CSVs, the machine, memory and timing helpers.

Nothing here is imported by the app; ``bench/`` scripts put the repository on ``sys.path``.
"""

from __future__ import annotations

import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
CACHE = Path(os.environ.get("IMBALANCE_BENCH_DIR", Path.home() / ".cache" / "imbalance-bench"))
MB = 1_000_000
TARGET = "label"
CLASSES = ("normal", "suspect", "fraud")
SHARES = (0.90, 0.08, 0.02)


def machine() -> str:
    """One line naming the CPU, cores, memory and Python / library versions."""
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            names = [ln.split(":", 1)[1].strip() for ln in f if ln.startswith("model name")]
        cpu = names[0] if names else cpu
    except OSError:
        pass
    mem = ""
    try:
        pages, size = os.sysconf("SC_PHYS_PAGES"), os.sysconf("SC_PAGE_SIZE")
        mem = f", {pages * size / 1024**3:.0f} GiB RAM"
    except (ValueError, OSError):
        pass
    import sklearn

    return (
        f"{cpu}, {os.cpu_count()} cores{mem}; {platform.system()} {platform.release()}; "
        f"Python {platform.python_version()}, numpy {np.__version__}, pandas {pd.__version__}, "
        f"scikit-learn {sklearn.__version__}"
    )


def make_frame(rows: int, seed: int = 0) -> pd.DataFrame:
    """``rows`` x 20 columns: 15 decimal features (4 places, as exported data usually is),
    3 whole-number columns, 1 categorical, and the 3-class target ``label`` (90/8/2 %).

    Classes differ in the means of 8 features, enough overlap that no model is perfect.
    """
    rng = np.random.default_rng(seed)
    y = rng.choice(len(CLASSES), size=rows, p=SHARES)
    shift = np.zeros((len(CLASSES), 15))
    shift[1, :8] = rng.normal(0.0, 0.6, 8)
    shift[2, :8] = rng.normal(0.0, 0.9, 8)
    X = rng.normal(size=(rows, 15)) + shift[y]
    frame = pd.DataFrame(np.round(X, 4), columns=[f"f{i:02d}" for i in range(15)])
    frame["age"] = rng.integers(18, 90, rows)
    frame["visits"] = rng.poisson(3 + 2 * y, rows)
    frame["amount_cents"] = rng.integers(0, 2_000_000, rows) + 50_000 * y
    regions = np.array(["north", "south", "east", "west", "centre", "islands"])
    frame["region"] = regions[(rng.integers(0, 6, rows) + (y == 2)) % 6]
    frame[TARGET] = np.asarray(CLASSES)[y]
    return frame


def csv_path(rows: int, seed: int = 0) -> Path:
    """The CSV of :func:`make_frame` (written once, then reused from the bench cache)."""
    path = CACHE / f"bench_{rows}_{seed}.csv"
    if not path.exists():
        CACHE.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        make_frame(rows, seed).to_csv(tmp, index=False)
        tmp.replace(path)
    return path


def rss_now() -> int:
    """Resident set size of this process in bytes (Linux /proc; 0 elsewhere)."""
    try:
        with open("/proc/self/status", encoding="utf-8") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def rss_peak() -> int:
    """Peak resident set size of this process so far, in bytes (getrusage)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak if sys.platform == "darwin" else peak * 1024


def timed(fn: Callable[[], object], repeat: int) -> tuple[float, object]:
    """Median wall seconds of ``repeat`` calls, and the last result."""
    times, out = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), out


def run_worker(script: Path, args: Sequence[str], env: dict | None = None) -> dict:
    """Run ``python script args`` in a fresh process and parse the JSON it prints last."""
    done = subprocess.run(
        [sys.executable, str(script), *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, **(env or {})},
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"{script.name} {' '.join(args)} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def ratio_line(what: str, ours: float, bare: float, unit: str = "s", goal: str = "") -> str:
    """``what: ours X, bare Y, ratio Z [goal]`` with the ratio ours / bare."""
    ratio = ours / bare if bare else float("nan")
    tail = f"   (goal: {goal})" if goal else ""
    return (
        f"{what:<44} ours {ours:8.2f} {unit}   bare {bare:8.2f} {unit}   ratio {ratio:5.2f}x{tail}"
    )
