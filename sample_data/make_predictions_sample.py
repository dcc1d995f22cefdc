"""Generate the bundled predictions sample (seeded; re-running reproduces it byte for byte).

    python sample_data/make_predictions_sample.py

``scored_validation.csv`` is the scored validation set of a model trained elsewhere: the
story of an analyst who trained a 3-class network on resampled, "equally distributed" data
and scored a balanced test set (400 rows of each class). Two models score the same rows,
side by side (``<model>:proba_<class>``):

* ``network``: the 3-class network. At its argmax, classes 0 and 1 look fine (recall about
  0.98) but class 2 gets about 3% recall: its rows look like class 0 or 1 to the network,
  with a raised but rarely winning class-2 probability (accuracy about 0.67, macro one-vs-rest
  ROC AUC about 0.79).
* ``one_vs_all``: a one-vs-all model for class 2 in front of the network. Its class-2 score
  flags exactly 98% of the class-2 rows and 27% of the others (TPR 0.98, FPR 0.27); a row it
  does not flag keeps the network's choice between class 0 and 1. Here, where one row in
  three is class 2, its class-2 precision is 0.64; where class 2 is 1 row in 11.5, it is
  0.98 / (0.98 + 10.5 * 0.27) = 0.26.

``prediction_samples.json`` lists it for the app (apart from ``samples.json``, whose entries
are all datasets), with the target and the class shares met in use.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.stats import norm

HERE = Path(__file__).resolve().parent
OUT = HERE / "scored_validation.csv"
MANIFEST = HERE / "prediction_samples.json"
SEED = 20261130
PER_CLASS = 400  # a balanced test set: the trap
TPR, FPR = 0.98, 0.27  # the one-vs-all model's operating point for class 2
IN_USE = 1 / 11.5  # class 2's share of the rows met in use; classes 0 and 1 share the rest
DECIMALS = 6


def _softmax(z: np.ndarray) -> np.ndarray:
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def network_scores(rng: np.random.Generator, y: np.ndarray) -> np.ndarray:
    """The network's probabilities (n, 3): classes 0 and 1 well separated; a class-2 row
    looks like class 0 or 1 (chosen at random), its class-2 logit raised, rarely enough to
    win."""
    z = rng.normal(0.0, 1.0, (len(y), 3))
    for k in (0, 1):
        z[y == k, k] += 3.6
    rare = np.flatnonzero(y == 2)
    looks_like = rng.integers(0, 2, rare.size)
    z[rare, looks_like] += 5.5
    z[rare, 2] += 2.5 + 0.9 * rng.normal(0.0, 1.0, rare.size)
    return _softmax(z)


def _exact_logits(rng: np.random.Generator, n: int, share_above: float) -> np.ndarray:
    """``n`` logits spread like N(mu, 1) with exactly round(share_above * n) of them above 0:
    one draw inside each of n equal-probability slots (away from the slot edges), shuffled."""
    mu = norm.ppf(share_above)  # P(N(mu, 1) > 0) = share_above
    u = (np.arange(n) + 0.05 + 0.9 * rng.random(n)) / n
    logits = norm.ppf(u) + mu
    return rng.permutation(logits)


def one_vs_all_scores(rng: np.random.Generator, y: np.ndarray, net: np.ndarray) -> np.ndarray:
    """A one-vs-all score for class 2 (above 0.5 on exactly TPR of the class-2 rows and FPR of
    the others); the rest of each row's probability goes to the network's choice of 0 or 1,
    so the argmax is class 2 exactly when the one-vs-all score is above 0.5."""
    logit = np.empty(len(y))
    rare = y == 2
    logit[rare] = _exact_logits(rng, int(rare.sum()), TPR)
    logit[~rare] = _exact_logits(rng, int((~rare).sum()), FPR)
    s = 1.0 / (1.0 + np.exp(-logit))
    proba = np.zeros_like(net)
    zero_or_one = (net[:, 1] > net[:, 0]).astype(int)
    proba[np.arange(len(y)), zero_or_one] = 1.0 - s
    proba[:, 2] = s
    return proba


def scored_validation(seed: int = SEED, per_class: int = PER_CLASS) -> pd.DataFrame:
    """The bundled predictions file as a frame (rows in a shuffled order)."""
    rng = np.random.default_rng(seed)
    y = rng.permutation(np.repeat(np.arange(3), per_class))
    net = network_scores(rng, y)
    ova = one_vs_all_scores(rng, y, net)
    frame = pd.DataFrame({"label": y})
    for model, proba in (("network", net), ("one_vs_all", ova)):
        for k in range(3):
            frame[f"{model}:proba_{k}"] = np.round(proba[:, k], DECIMALS)
    return frame


def manifest() -> dict[str, dict]:
    """The entry of ``prediction_samples.json``: how the app opens the file."""
    rest = round((1 - IN_USE) / 2, 4)
    return {
        OUT.name: {
            "title": "A 3-class network scored on a balanced test set",
            "target": ["label"],
            "label_sep": None,
            "scores_prefix": None,
            "shares": {"0": rest, "1": rest, "2": round(IN_USE, 4)},
            "description": (
                f"{3 * PER_CLASS:,} rows of a balanced test set (400 per class) scored by two "
                "models trained on resampled data: a network that gives class 2 about 3% "
                "recall, and a one-vs-all model for class 2 that finds 98% of it. In use, "
                "class 2 is 1 row in 11.5 (the shares below): there its precision falls to "
                "about 0.26."
            ),
        }
    }


def main() -> None:
    """Write ``scored_validation.csv`` and ``prediction_samples.json`` next to this script."""
    scored_validation().to_csv(OUT, index=False, lineterminator="\n")
    MANIFEST.write_text(json.dumps(manifest(), indent=2) + "\n", encoding="utf-8")
    print(f"wrote {OUT.name} and {MANIFEST.name}")


if __name__ == "__main__":
    main()
