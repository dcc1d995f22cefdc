"""What a search of :mod:`core.analysis.search` is asked (:class:`SearchConfig`) and what it
returns (:class:`SearchResult`)."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd

from core.errors import DataError

Progress = Callable[[int, int], None]
"""``progress(trial, n_trials)``: called after each trial (1-based), from this process."""

SEARCH_NAME = "search"
"""``strategy`` of the search's points on the plane."""


@dataclass(frozen=True)
class SearchConfig:
    """Budget and shape of a search; validated at construction.

    ``seed`` None = the comparison's seed. ``population_size`` None = a quarter of the
    trials per fold, at least 4 and at most 50 (NSGA-II's generations need several).
    """

    n_trials: int = 40
    timeout: float | None = 60.0
    positive_class: str | None = None
    inner_cv: int = 3
    n_slots: int = 7
    seed: int | None = None
    population_size: int | None = None

    def __post_init__(self) -> None:
        def whole(name: str, value: Any, low: int) -> None:
            if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < low:
                raise DataError(
                    f"{name} must be a whole number of at least {low}. Got {value!r} instead"
                )

        whole("n_trials", self.n_trials, 1)
        whole("inner_cv", self.inner_cv, 2)
        whole("n_slots", self.n_slots, 2)
        if self.seed is not None:
            whole("seed", self.seed, 0)
        if self.population_size is not None:
            whole("population_size", self.population_size, 2)
        t = self.timeout
        if t is not None and (
            isinstance(t, bool) or not isinstance(t, int | float) or not math.isfinite(t) or t <= 0
        ):
            raise DataError(
                f"timeout must be a positive number of seconds (or None). Got {t!r} instead"
            )


@dataclass(frozen=True, eq=False)
class SearchResult:
    """What a search found, evaluated on the comparison's outer folds.

    ``trials``: fold (0-based), trial (number in that fold's study), every parameter,
    state ("complete"/"failed"), inner_accuracy, inner_f1, pareto (in its fold's Pareto
    set), seconds, error. ``chosen``: point, position, fold, trial, parameters, inner and
    fold_accuracy / fold_f1 (on that fold's validation rows). ``points``:
    :data:`core.analysis.planes.POINT_COLUMNS` (strategy :data:`SEARCH_NAME`, threshold =
    mean over the folds' members) plus ``position`` and ``members``, one row per distinct
    pooled prediction. ``predictions``: (n_points, n_cv_rows) predicted class codes
    (multi-label: 0/1 of the label), aligned with the comparison's rows.
    """

    model: str
    positive_class: str
    seed: int
    config: SearchConfig
    trials: pd.DataFrame
    chosen: pd.DataFrame
    points: pd.DataFrame
    predictions: np.ndarray
    n_trials_run: int
    search_seconds: float  # the trials
    seconds: float  # trials and the final refits
    stopped_by: Literal["n_trials", "timeout"]
    warnings: tuple[str, ...] = ()
