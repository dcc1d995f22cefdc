"""LightGBM and XGBoost through our comparison against the plain library loop on the same folds.

Data: ``make_classification`` with 50,000 rows (20 features, 8 informative, 95/5 %, seed 0),
a few values blanked out (1 %) so the imputation is real work.

- **plain loop**: for each fold of the comparison (the very ``Comparison.folds``), median
  imputation fitted on the training rows, then ``LGBMClassifier`` / ``XGBClassifier`` with
  the registry's parameters (100 rounds, seed 0, one thread, deterministic / ``hist``),
  ``fit`` on the training rows and ``predict_proba`` on the validation rows. Nothing else.
- **plain loop + training rows**: the same, and ``predict_proba`` on the training rows our
  comparison scores for the overfitting gap (all of them up to ``TRAIN_SCORE_ROWS`` = 10,000,
  else the same seeded stratified sample of 10,000): the bare library work our code wraps.
- **ours**: ``run_comparison`` with ``strategies=("baseline",)``, ``n_jobs=1`` (every fit in
  this process, one after another), which on top of those fits also predicts the training
  rows (at most 10,000: the overfitting gap), scores every fold, pools the folds and
  bootstraps the confidence intervals.

Both run in this process with every library held to one thread; the ratio is of CPU seconds
(user + system; wall seconds are printed too), best of ``--repeat`` runs each. Two ratios: ours
against the plain loop with the training rows (our overhead over the library work it wraps:
goal <= 1.05x) and against the bare fit + predict loop (what the overfitting gap's training-row
predictions add on top).
The out-of-fold probabilities of the two must be the same fits: max |difference| is printed.

    python bench/boosters.py [--rows 50000] [--repeat 2] [--models lightgbm xgboost]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import _common as common
from threadpoolctl import threadpool_limits

CV = 5
SEED = 0


def make_dataset(rows: int):
    """The seeded synthetic binary Dataset (no CSV: both sides start from the same frame)."""
    from sklearn.datasets import make_classification

    from core.intake.dataset import Dataset

    X, y = make_classification(
        n_samples=rows,
        n_features=20,
        n_informative=8,
        n_redundant=4,
        weights=[0.95],
        flip_y=0.01,
        random_state=SEED,
    )
    rng = np.random.default_rng(SEED)
    X[rng.random(X.shape) < 0.01] = np.nan
    frame = pd.DataFrame(X, columns=[f"x{i}" for i in range(X.shape[1])])
    return Dataset(
        X=frame,
        y=y.astype(np.int64),
        task="binary",
        classes=("normal", "rare"),
        target=("label",),
        numeric_features=tuple(frame.columns),
        categorical_features=(),
        schema=(),
        row_ids=np.arange(rows),
        name="synthetic.csv",
        content_hash=f"bench-boosters-{rows}",
    )


def plain_loop(ds, folds, model: str, train_rows: bool = False) -> np.ndarray:
    """Out-of-fold probabilities of the bare library loop; ``train_rows``: also predict the
    training rows the comparison scores for the overfitting gap (same rows, same seeds)."""
    import lightgbm
    import xgboost
    from sklearn.impute import SimpleImputer

    from core.evaluation.fold import TRAIN_SCORE_ROWS
    from core.intake.sampling import strata_of, stratified_rows

    X, y = ds.X.to_numpy(dtype=float), np.asarray(ds.y)
    oof = np.zeros((len(y), 2))
    for fold, (train, val) in enumerate(folds):
        imputer = SimpleImputer(strategy="median").fit(X[train])
        if model == "lightgbm":
            clf = lightgbm.LGBMClassifier(
                n_estimators=100, random_state=SEED, n_jobs=1, deterministic=True,
                force_row_wise=True, verbose=-1,
            )  # fmt: skip
        else:
            clf = xgboost.XGBClassifier(
                n_estimators=100, tree_method="hist", random_state=SEED, n_jobs=1, verbosity=0
            )
        clf.fit(imputer.transform(X[train]), y[train])
        oof[val] = clf.predict_proba(imputer.transform(X[val]))
        if train_rows:
            rows = np.asarray(train)
            if len(rows) > TRAIN_SCORE_ROWS:
                strata = strata_of(y[rows], False)
                rows = rows[stratified_rows(strata, TRAIN_SCORE_ROWS, SEED + fold)]
            clf.predict_proba(imputer.transform(X[rows]))
    return oof


def ours(ds, model: str):
    from core.evaluation.comparison import CompareConfig, run_comparison

    config = CompareConfig(strategies=("baseline",), model=model, cv=CV, seed=SEED, n_jobs=1)
    return run_comparison(ds, config)


def clocked(fn):
    """(cpu seconds, wall seconds, result) of ``fn()``."""
    cpu, wall = time.process_time(), time.perf_counter()
    out = fn()
    return time.process_time() - cpu, time.perf_counter() - wall, out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--models", nargs="+", default=["lightgbm", "xgboost"])
    args = parser.parse_args()
    import lightgbm
    import xgboost

    print(common.machine())
    print(f"lightgbm {lightgbm.__version__}, xgboost {xgboost.__version__}")
    ds = make_dataset(args.rows)
    print(f"{args.rows:,} rows x 20 features, binary 95/5 %, {CV} folds, seed {SEED}, 1 thread")
    with threadpool_limits(limits=1):
        for model in args.models:
            folds = ours(ds, model).folds  # warm-up (imports, first fits), and the folds
            best_ours = best_plain = best_same = (np.inf, np.inf)
            diff = np.nan
            for _ in range(args.repeat):
                cpu, wall, plain = clocked(lambda m=model, f=folds: plain_loop(ds, f, m))
                best_plain = min(best_plain, (cpu, wall))
                cpu, wall, _ = clocked(lambda m=model, f=folds: plain_loop(ds, f, m, True))
                best_same = min(best_same, (cpu, wall))
                cpu, wall, comparison = clocked(lambda m=model: ours(ds, m))
                best_ours = min(best_ours, (cpu, wall))
                result = comparison.results["baseline"]
                assert result.ok, result.error
                diff = float(np.max(np.abs(result.oof_proba - plain)))
            ratio = best_ours[0] / best_plain[0]
            same = best_ours[0] / best_same[0]
            fits, preds = sum(result.fit_seconds), sum(result.predict_seconds)
            print(
                f"{'':9s} ours, last run: fits {fits:.2f} s, validation predictions {preds:.2f} s, "
                f"the rest (set-up, training-row predictions, scoring, pooling) {wall - fits - preds:.2f} s wall"
            )
            print(
                f"{model:9s} ours {best_ours[0]:6.2f} s CPU ({best_ours[1]:6.2f} s wall) | "
                f"plain loop + training rows {best_same[0]:6.2f} s CPU ({best_same[1]:6.2f} s wall) | "
                f"ratio {same:.3f}x (goal <= 1.05x) | max |proba diff| {diff:.3g}"
            )
            print(
                f"{'':9s} bare fit + predict loop {best_plain[0]:6.2f} s CPU "
                f"({best_plain[1]:6.2f} s wall): ratio {ratio:.3f}x (the overfitting gap's "
                "training-row predictions included)"
            )


if __name__ == "__main__":
    main()
