"""Entries scored on the same rows, compared row by row: what the verdict reads in
predictions mode (:mod:`core.evaluation.scored`).

Models trained elsewhere were not fitted on the parts of a predictions file, so the fold
t-tests of a cross-validation (whose correlation correction accounts for overlapping
training sets) do not apply. Instead the rows are resampled: the **paired bootstrap** draws
the rows with replacement, scores both entries on the same draw and keeps the difference;
the shares of draws beyond, inside and below the region of practical equivalence take the
place of the Bayesian test's masses. **McNemar** on the same rows (the discordant rows of
two entries; :func:`core.metrics.significance.mcnemar_test`) says whether their errors differ.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, NamedTuple

import numpy as np

from core.evaluation.comparison import BASELINE, Comparison
from core.evaluation.crossval import StrategyResult
from core.evaluation.scored import COST, TUNED, tuned_name
from core.metrics import scores as metrics
from core.metrics import significance

N_BOOT = 1000
"""Resamples of the rows of the paired bootstrap."""
TEST_NAME = "paired bootstrap of the difference over the rows"


class PairedBootstrap(NamedTuple):
    """Shares of bootstrap draws where ``sign * (a - b)`` is above ``rope``, inside
    ``[-rope, rope]`` and below ``-rope``; ``mean`` the difference on the rows as given,
    ``scale`` the standard deviation of the drawn differences, ``low`` / ``high`` their
    2.5% and 97.5% percentiles (the 95% percentile interval)."""

    p_better: float
    p_equivalent: float
    p_worse: float
    mean: float
    scale: float
    n_boot: int
    low: float = float("nan")
    high: float = float("nan")


def _class_hits(comparison: Comparison, result: StrategyResult, cls: str) -> np.ndarray:
    k = comparison.classes.index(cls)
    pred = np.asarray(result.oof_pred)
    return (pred[:, k] == 1) if pred.ndim == 2 else (pred == k)


def _class_metric(tp: np.ndarray, fp: np.ndarray, fn: np.ndarray, metric: str) -> np.ndarray:
    num = 2 * tp if metric == "f1" else tp
    den = {"precision": tp + fp, "recall": tp + fn, "f1": 2 * tp + fp + fn}[metric]
    return np.divide(num, den, out=np.zeros(np.shape(num)), where=den > 0)


def paired_bootstrap(
    comparison: Comparison,
    a: StrategyResult,
    b: StrategyResult,
    cls: str | None,
    metric: str,
    *,
    rope: float,
    sign: float = 1.0,
    n_boot: int = N_BOOT,
    seed: int = 0,
) -> PairedBootstrap:
    """Paired bootstrap over the rows of ``metric`` (of class ``cls`` for precision / recall /
    f1, ``zero_division=0``; else the summary metric) of ``a`` minus ``b``, both decided on
    the same rows; ``sign`` -1 for a loss. Seeded: the same draws for every pair."""
    rng = np.random.default_rng(seed)
    y = np.asarray(comparison.y_true)
    n = len(y)
    if cls is not None:
        k = comparison.classes.index(cls)
        truth = (y[:, k] == 1) if y.ndim == 2 else (y == k)
        ha, hb = _class_hits(comparison, a, cls), _class_hits(comparison, b, cls)
        pattern = 4 * truth.astype(int) + 2 * ha.astype(int) + hb.astype(int)
        counts = np.bincount(pattern, minlength=8)
        drawn = np.vstack([counts, rng.multinomial(n, counts / n, size=n_boot)]).astype(float)
        bits = np.arange(8)
        t, pa, pb = bits >= 4, (bits // 2) % 2 == 1, bits % 2 == 1

        def value(hit: np.ndarray) -> np.ndarray:
            return _class_metric(drawn @ (t & hit), drawn @ (~t & hit), drawn @ (t & ~hit), metric)

        diff = sign * (value(pa) - value(pb))
    else:
        rows = [np.arange(n), *rng.integers(0, n, size=(n_boot, n))]
        classes, task = comparison.classes, comparison.task

        def one(r: StrategyResult, idx: np.ndarray) -> float:
            proba = None if r.oof_proba is None else np.asarray(r.oof_proba)[idx]
            return metrics.score(metric, y[idx], np.asarray(r.oof_pred)[idx], proba, classes, task)

        diff = sign * np.array([one(a, idx) - one(b, idx) for idx in rows])
    observed, draws = float(diff[0]), diff[1:]
    draws = draws[np.isfinite(draws)]
    if not draws.size:
        nan = float("nan")
        return PairedBootstrap(nan, nan, nan, observed, nan, 0)
    better, worse = float(np.mean(draws > rope)), float(np.mean(draws < -rope))
    low, high = (float(q) for q in np.percentile(draws, [2.5, 97.5]))
    return PairedBootstrap(better, 1.0 - better - worse, worse, observed,
                           float(draws.std(ddof=1)), int(draws.size), low, high)  # fmt: skip


def mcnemar_p(comparison: Comparison, a: StrategyResult, b: StrategyResult) -> float:
    """McNemar's p of ``a`` against ``b`` on the same rows (rows right or wrong; multi-label:
    a row is right when every label is)."""
    return float(significance.mcnemar_test(comparison.y_true, a.oof_pred, b.oof_pred).p_value)


@dataclass(frozen=True)
class PairedRow:
    """The chosen entry against one other entry on the same rows, as the verdict read it:
    ``difference`` is chosen minus other on the rows as given, ``low`` / ``high`` the 95%
    percentile interval of the bootstrap draws, ``p_better`` / ``p_equivalent`` / ``p_worse``
    the shares of draws where the chosen entry is better beyond, within and worse beyond the
    ROPE, ``mcnemar_p`` McNemar's p on the rows right or wrong."""

    entry: str
    difference: float
    low: float
    high: float
    p_better: float
    p_equivalent: float
    p_worse: float
    mcnemar_p: float


def paired_rows(
    comparison: Comparison, chosen: str, cls: str | None, metric: str, *, rope: float, sign: float
) -> tuple[PairedRow, ...]:
    """Predictions mode: ``chosen`` against every other successful entry, with the draws
    the verdict used (each other entry minus ``chosen``, seeded by the config's seed)."""
    best, seed = comparison.results[chosen], int(comparison.config.seed)
    rows = []
    for name, other in comparison.results.items():
        if name == chosen or not other.ok:
            continue
        found = paired_bootstrap(comparison, other, best, cls, metric, rope=rope, sign=sign,
                                 seed=seed)  # fmt: skip
        rows.append(PairedRow(name, -found.mean, -found.high, -found.low, found.p_worse,
                              found.p_equivalent, found.p_better,
                              mcnemar_p(comparison, best, other)))  # fmt: skip
    return tuple(rows)


def verdict_pairs(comparison: Comparison, rec: Any) -> tuple[PairedRow, ...]:
    """Predictions mode: :func:`paired_rows` of the recommendation ``rec`` (its strategy,
    class, metric and ROPE); empty when nothing was chosen."""
    if rec.strategy is None or rec.strategy not in comparison.results:
        return ()
    sign = -1.0 if metrics.is_loss(rec.metric) else 1.0
    return paired_rows(comparison, rec.strategy, rec.class_name, rec.metric, rope=rec.rope,
                       sign=sign)  # fmt: skip


# --------------------------------------------------------------------------- the diagnosis

REFIT_NEEDS = ("the dataset", "data profile", "diagnostic fits", "training-fold scores",
               "resampling or weighting")  # fmt: skip
"""What a cause that is not judged in predictions mode misses, when only features would give it."""


def fit_view(comparison: Comparison, cls: str) -> tuple[Comparison, dict[str, str]]:
    """Predictions mode: the comparison as the causes of :mod:`core.analysis.causes` read a
    fit -- the own decisions of the model whose entries serve ``cls`` best (pooled F1) as
    ``baseline``, its cross-fitted tuned entry as ``threshold_tuning`` -- and the words to
    put back in what they say (:func:`reworded`)."""
    k = comparison.classes.index(cls)
    suffixes = tuple(f" + {s}" for s in (*TUNED.values(), COST))
    own = [n for n, r in comparison.results.items() if r.ok and not n.endswith(suffixes)]

    def f1(name: str) -> float:
        table = comparison.results[name].per_class
        return float(table["f1"].iloc[k]) if table is not None else float("nan")

    names = [n for n in comparison.results if comparison.results[n].ok]
    best = max(names, key=f1, default=None)
    model = next((m for m in own if best is not None and best.startswith(m)), None)
    if model is None:
        return replace(comparison, results={}), {}
    results = {BASELINE: replace(comparison.results[model], name=BASELINE)}
    tuned = tuned_name(model, comparison.task)
    words = {"the baseline's threshold curve": f"the threshold curve of {model!r}",
             "the baseline": repr(model), "The baseline": repr(model),
             "(cross-validated)": "(on these rows)", "a cut chosen on inner folds":
             "a cut chosen on the other parts (cross-fitted)",
             "cut chosen on inner folds": "cut chosen on the other parts (cross-fitted)"}  # fmt: skip
    if tuned in comparison.results and comparison.results[tuned].ok:
        results["threshold_tuning"] = replace(comparison.results[tuned], name="threshold_tuning")
        source = f"{tuned!r}: its decisions tuned on the other parts of the file (cross-fitted)"
        words = {"threshold_tuning (cut chosen on inner folds)": source, **words}
        words["threshold_tuning"] = repr(tuned)
    return replace(comparison, results=results), words


def reworded(text: str, words: dict[str, str]) -> str:
    """``text`` with the names of :func:`fit_view` put back."""
    for old, new in words.items():
        text = text.replace(old, new)
    return text


def needs_features(evidence: dict[str, Any]) -> bool:
    """Whether a cause was not judged for want of something only the features give."""
    missing = str(evidence.get("missing", ""))
    return any(what in missing for what in REFIT_NEEDS)
