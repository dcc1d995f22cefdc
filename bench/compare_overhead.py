"""Comparison overhead: ``python -m core analyze`` against a bare loop doing the same fits.

Both run as fresh processes on the same CSV (3 classes, 90/8/2 %), timed from outside
(start-up, imports and reading the file included on both sides):

- **bare loop**: ``pandas.read_csv(engine="pyarrow")``, scikit-learn's ``StratifiedKFold``
  (5 folds, seed 0, as ours), and for each strategy and fold the very estimator our
  registry builds (``core.modelling.strategies``: same imblearn pipeline, preprocessing and seed),
  ``fit`` on the training rows and ``predict_proba`` on the validation rows. Nothing else.
- **ours**: ``python -m core analyze DATA --target label --model hist_gradient_boosting
  --strategies baseline,class_weight,smote --cv 5`` (subprocess), which on top of those fits
  types the columns, profiles the data, scores the training rows (overfitting gap),
  bootstraps confidence intervals and writes results.json, metrics.csv, predictions.csv
  and report.html.

Two pairs are measured. *Overhead*: ours with ``--n-jobs 1`` against the bare loop with
every library held to one thread (the same single-threaded fits; goal <= 1.05x), compared in
CPU seconds (user + system): on a shared machine the wall time of the same single-threaded
fit varies by 20% from one run to the next, the CPU time much less; wall times are printed
too.
*Parallel*: ours with the default ``--n-jobs -1`` (all cores, folds x strategies in
parallel, each fit single-threaded) against the bare loop with the libraries' own
defaults (histogram gradient boosting then uses every core through OpenMP; goal < 1.0x).
The bare loop's out-of-fold probabilities are checked against ours (predictions.csv):
the fits must be the same.

    python bench/compare_overhead.py [--rows 50000 200000] [--repeat 1]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import _common as common

STRATEGIES = ("baseline", "class_weight", "smote")
MODEL = "hist_gradient_boosting"
CV = 5
SEED = 0


def bare_loop(csv: Path, out: Path) -> None:
    """The plain loop (run in its own process by :func:`_bare`)."""
    from sklearn.model_selection import StratifiedKFold

    from core.intake.columns import ColumnDecision
    from core.intake.dataset import Dataset
    from core.modelling.strategies import get_strategy

    frame = pd.read_csv(csv, engine="pyarrow")
    labels = frame.pop(common.TARGET).astype(str)
    classes = tuple(sorted(labels.unique()))
    y = labels.map({c: i for i, c in enumerate(classes)}).to_numpy(dtype=np.int64)
    categorical = ("region",)
    for col in categorical:
        frame[col] = frame[col].astype(object)
    numeric = tuple(c for c in frame.columns if c not in categorical)
    # core.modelling.strategies builds its estimators from a Dataset (feature lists, class counts):
    # wrap the frame as is, without any of our intake's checks or typing.
    ds = Dataset(
        X=frame,
        y=y,
        task="multiclass",
        classes=classes,
        target=(common.TARGET,),
        numeric_features=numeric,
        categorical_features=categorical,
        schema=tuple(ColumnDecision(c, "numeric", "") for c in numeric),
        row_ids=np.arange(len(y)),
    )
    folds = StratifiedKFold(n_splits=CV, shuffle=True, random_state=SEED).split(
        np.zeros((len(y), 1)), y
    )
    folds = list(folds)
    oof = {}
    for name in STRATEGIES:
        proba = np.zeros((len(y), len(classes)))
        for train, val in folds:
            train_ds = replace(ds, X=frame.iloc[train], y=y[train], row_ids=ds.row_ids[train])
            est = get_strategy(name).build(train_ds, model=MODEL, seed=SEED)
            est.fit(train_ds.X, train_ds.y)
            proba[val] = est.predict_proba(frame.iloc[val])
        oof[name] = proba
    np.savez(out, **oof)


def _run(args: list[str], env: dict[str, str] | None = None) -> tuple[float, float]:
    """Wall seconds and CPU seconds (user + system, the process and its children) of a run."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(
        args,
        check=True,
        cwd=common.ROOT,
        stdout=subprocess.DEVNULL,
        env={**os.environ, **(env or {})},
    )
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def _bare(csv: Path, out: Path, single_thread: bool) -> tuple[float, float]:
    code = (
        "import sys; sys.path[:0] = [{bench!r}, {root!r}]\n"
        "from compare_overhead import bare_loop\n"
        "from pathlib import Path\n"
        "{limit}"
        "bare_loop(Path({csv!r}), Path({out!r}))\n"
    ).format(
        bench=str(Path(__file__).resolve().parent),
        root=str(common.ROOT),
        csv=str(csv),
        out=str(out),
        limit=(
            "from threadpoolctl import threadpool_limits\nthreadpool_limits(1)\n"
            if single_thread
            else ""
        ),
    )
    # threadpool_limits only reaches libraries already loaded: OpenMP (histogram gradient
    # boosting) and BLAS load later, so they are held to one thread by the environment too.
    one = {name: "1" for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")}
    return _run([sys.executable, "-c", code], env=one if single_thread else None)


def _ours(csv: Path, out: Path, n_jobs: int) -> tuple[float, float]:
    args = [sys.executable, "-m", "core", "analyze", str(csv), "--target", common.TARGET,
            "--model", MODEL, "--strategies", ",".join(STRATEGIES), "--cv", str(CV),
            "--seed", str(SEED), "--n-jobs", str(n_jobs), "--out", str(out)]  # fmt: skip
    return _run(args)


def _same_fits(bare: Path, ours: Path) -> float:
    """Largest difference between the bare loop's out-of-fold probabilities and ours."""
    got = pd.read_csv(ours / "predictions.csv")
    worst = 0.0
    with np.load(bare) as arrays:
        for name in STRATEGIES:
            rows = got[got["strategy"] == name].sort_values("row")
            cols = [c for c in rows.columns if c.startswith("proba_")]
            classes = sorted(c.removeprefix("proba_") for c in cols)
            mine = rows[[f"proba_{c}" for c in classes]].to_numpy()
            worst = max(worst, float(np.max(np.abs(mine - arrays[name]))))
    return worst


def measure(rows: int, repeat: int = 1) -> dict:
    """Wall and CPU seconds of each variant (best of ``repeat``), and the largest probability
    difference between the bare loop's fits and ours."""
    csv = common.csv_path(rows)
    runs: dict[str, list[tuple[float, float]]] = {
        "bare_1": [], "ours_1": [], "bare_all": [], "ours_all": []
    }  # fmt: skip
    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        for _ in range(repeat):  # interleaved, so a busy spell hits both sides alike
            runs["bare_1"].append(_bare(csv, tmp_path / "bare.npz", single_thread=True))
            runs["ours_1"].append(_ours(csv, tmp_path / "ours1", n_jobs=1))
            runs["bare_all"].append(_bare(csv, tmp_path / "bare_all.npz", single_thread=False))
            runs["ours_all"].append(_ours(csv, tmp_path / "ours_all", n_jobs=-1))
        diff = max(
            _same_fits(tmp_path / "bare.npz", tmp_path / "ours1"),
            _same_fits(tmp_path / "bare_all.npz", tmp_path / "ours_all"),
        )
    found: dict = {"rows": rows, "max_proba_diff": diff}
    for key, got in runs.items():
        found[key] = min(wall for wall, _ in got)
        found[f"{key}_cpu"] = min(cpu for _, cpu in got)
    return found


def report(found: dict) -> list[str]:
    rows = found["rows"]
    return [
        common.ratio_line(
            f"analyze {rows:,} rows, --n-jobs 1 vs bare 1 thread",
            found["ours_1_cpu"],
            found["bare_1_cpu"],
            unit="s CPU",
            goal="<= 1.05x",
        ),
        f"{'':<44} wall: ours {found['ours_1']:.1f} s, bare {found['bare_1']:.1f} s, ratio "
        f"{found['ours_1'] / found['bare_1']:.2f}x",
        common.ratio_line(
            f"analyze {rows:,} rows, all cores vs bare defaults",
            found["ours_all"],
            found["bare_all"],
            unit="s wall",
            goal="< 1.0x",
        ),
        f"{'':<44} same fits: largest out-of-fold probability difference "
        f"{found['max_proba_diff']:.1e}",
    ]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[50_000, 200_000])
    parser.add_argument("--repeat", type=int, default=1, help="runs per variant (best kept)")
    parser.add_argument("--json", action="store_true", help="print the raw figures as JSON")
    args = parser.parse_args(argv)
    print(common.machine())
    print(f"{len(STRATEGIES)} strategies ({', '.join(STRATEGIES)}), {MODEL}, {CV} folds")
    for rows in args.rows:
        found = measure(rows, args.repeat)
        print("\n".join(report(found)))
        if args.json:
            print(json.dumps(found))


if __name__ == "__main__":
    main()
