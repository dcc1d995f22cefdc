"""Is the recommendation's verdict honest on data it was not tuned on?

Datasets: scikit-learn's bundled breast cancer (malignant subsampled to ~10%), wine (one
cultivar vs the rest, subsampled to ~10%), digits (one digit vs the rest, ~5%), seeded
``make_classification`` variants (different weights, flip_y, separation) and pure-noise labels.
Each runs ``baseline, class_weight, random_under, smote, threshold_tuning,
balanced_random_forest`` (logistic regression, 5 folds) through
``core.evaluation.comparison.run_comparison`` with a 30% stratified hold-out, and the
recommendation is read from cross-validation only. Reported:

(a) how often pure-noise labels get ``no_skill``;
(b) on the datasets with signal, the mean hold-out regret of the important class's F1 (best
    hold-out F1 among the strategies minus the recommended one's; a ``no_skill`` verdict counts
    as keeping the baseline) against always picking each fixed strategy, and the former
    arg-max-of-CV-F1 rule.

    python bench/verdict_honesty.py [--n-jobs 2] [--quick] [--draw N] [--repeats R]

``--repeats R`` runs repeated cross-validation (R x 5 folds) and reads the verdict from it.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sklearn.datasets import load_breast_cancer, load_digits, load_wine, make_classification

from core.analysis.recommendation import recommendation_of
from core.evaluation.comparison import CompareConfig, run_comparison
from core.intake.dataset import Dataset

STRATEGIES = (
    "baseline",
    "class_weight",
    "random_under",
    "smote",
    "threshold_tuning",
    "balanced_random_forest",
)


def _dataset(X: np.ndarray, rare: np.ndarray, name: str) -> Dataset:
    frame = pd.DataFrame(np.asarray(X, dtype=np.float64)).add_prefix("x")
    return Dataset(
        X=frame,
        y=np.asarray(rare, dtype=np.int64),
        task="binary",
        classes=("rest", "rare"),
        target=("label",),
        numeric_features=tuple(frame.columns),
        categorical_features=(),
        schema=(),
        row_ids=np.arange(len(frame)),
        name=name,
    )


def _subsample(X: np.ndarray, rare: np.ndarray, share: float, seed: int):
    """Keep every "rest" row and just enough "rare" rows for ``share`` of the total."""
    rng = np.random.default_rng(seed)
    pos, neg = np.flatnonzero(rare), np.flatnonzero(~rare)
    keep = int(round(share * len(neg) / (1 - share)))
    rows = np.sort(np.concatenate([neg, rng.choice(pos, size=min(keep, len(pos)), replace=False)]))
    return X[rows], rare[rows]


def datasets(quick: bool, draw: int = 0) -> list[tuple[str, Dataset, bool]]:
    """``(name, dataset, has_signal)``; the rare class is code 1. ``draw`` shifts every seed
    (subsampling, make_classification, noise) for a fresh draw of the same recipes."""
    out, o = [], 7919 * draw
    X, y = load_breast_cancer(return_X_y=True)
    out.append(("breast_cancer", _dataset(*_subsample(X, y == 0, 0.10, o), "bc"), True))
    X, y = load_wine(return_X_y=True)
    for c in (0, 2) if not quick else (0,):
        out.append((f"wine_{c}", _dataset(*_subsample(X, y == c, 0.10, c + o), f"wine{c}"), True))
    X, y = load_digits(return_X_y=True)
    for d in (3, 8, 9) if not quick else (8,):
        out.append((f"digits_{d}", _dataset(*_subsample(X, y == d, 0.05, d + o), f"dig{d}"), True))
    variants = [(0.05, 0.0, 1.0), (0.10, 0.02, 0.8), (0.10, 0.10, 1.0), (0.20, 0.05, 0.5),
                (0.03, 0.0, 1.5), (0.15, 0.01, 0.3)]  # fmt: skip
    for i, (w, flip, sep) in enumerate(variants if not quick else variants[:2]):
        X, y = make_classification(
            n_samples=1000, n_features=10, n_informative=4, n_redundant=2, weights=[1 - w],
            flip_y=flip, class_sep=sep, random_state=100 + i + o,
        )  # fmt: skip
        out.append((f"synth_w{w}_f{flip}_s{sep}", _dataset(X, y == 1, f"syn{i}"), True))
    for seed in range(6 if not quick else 2):
        rng = np.random.default_rng(1000 + seed + o)
        X = rng.normal(size=(600, 8))
        out.append((f"noise_{seed}", _dataset(X, rng.random(600) < 0.15, f"noise{seed}"), False))
    return out


def holdout_f1(result) -> float:
    table = result.holdout.per_class.set_index("class")
    return float(table.loc["rare", "f1"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-jobs", type=int, default=2)
    parser.add_argument("--quick", action="store_true", help="fewer datasets")
    parser.add_argument("--draw", type=int, default=0, help="a fresh draw of every seed")
    parser.add_argument("--repeats", type=int, default=1, help="repeats of the 5-fold CV")
    args = parser.parse_args()
    rows, start = [], time.perf_counter()
    for name, ds, signal in datasets(args.quick, args.draw):
        config = CompareConfig(
            strategies=STRATEGIES, cv=5, seed=0, holdout=0.3, n_jobs=args.n_jobs,
            important_class="rare", repeats=args.repeats,
        )  # fmt: skip
        c = run_comparison(ds, config)
        rec = recommendation_of(c)
        cv_f1 = {n: float(r.per_class.set_index("class").loc["rare", "f1"])
                 for n, r in c.results.items() if r.ok}  # fmt: skip
        hold = {n: holdout_f1(r) for n, r in c.results.items() if r.ok}
        argmax = max(cv_f1, key=lambda n: cv_f1[n])  # the former rule (first on ties)
        picked = rec.strategy or "baseline"
        rows.append({"dataset": name, "signal": signal, "rows": ds.n_rows,
                     "share": float(np.mean(ds.y)), "verdict": rec.verdict,
                     "recommended": rec.strategy, "argmax": argmax,
                     "best_holdout": max(hold.values()),
                     **{f"hold_{n}": v for n, v in hold.items()},
                     "regret_rec": max(hold.values()) - hold[picked],
                     "regret_argmax": max(hold.values()) - hold[argmax],
                     **{f"regret_{n}": max(hold.values()) - hold[n] for n in hold}})  # fmt: skip
        print(f"{name:24s} {rec.verdict:14s} {rec.strategy!s:22s} argmax={argmax:22s} "
              f"{time.perf_counter() - start:6.1f}s", flush=True)  # fmt: skip
    frame = pd.DataFrame(rows)
    noise = frame[~frame["signal"]]
    signal = frame[frame["signal"]]
    print()
    print(f"(a) pure-noise labels -> no_skill: {int((noise['verdict'] == 'no_skill').sum())} "
          f"of {len(noise)}; signal datasets -> no_skill: "
          f"{int((signal['verdict'] == 'no_skill').sum())} of {len(signal)}")  # fmt: skip
    print(
        f"(b) mean hold-out regret of the rare class's F1 over {len(signal)} datasets "
        "with signal (lower is better):"
    )
    regrets = {"recommendation (verdict)": signal["regret_rec"].mean(),
               "former arg-max of CV F1": signal["regret_argmax"].mean()}  # fmt: skip
    for n in STRATEGIES:
        regrets[f"always {n}"] = signal[f"regret_{n}"].mean()
    for label, value in sorted(regrets.items(), key=lambda kv: kv[1]):
        print(f"    {label:32s} {value:.4f}")
    print("verdicts:", frame.groupby(["signal", "verdict"]).size().to_dict())
    print(f"total {time.perf_counter() - start:.0f}s")
    with pd.option_context("display.width", 200, "display.max_columns", 30):
        print(frame[["dataset", "share", "verdict", "recommended", "argmax", "best_holdout",
                     "regret_rec", "regret_argmax"]].round(3).to_string(index=False))  # fmt: skip


if __name__ == "__main__":
    main()
