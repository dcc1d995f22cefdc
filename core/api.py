"""The Python API: compare imbalance strategies from a notebook, on our models or on yours.

>>> from core.api import compare
>>> result = compare("sample_data/card_fraud.csv", target="is_fraud",
...                  strategies=["baseline", "class_weight", "threshold_tuning"])
>>> result.comparison.table()          # the same Comparison the app shows
>>> result.results_json()              # the results.json document, as a dict
>>> result.report_html("report.html")  # the offline HTML report
>>> result.open_in_app()               # saved as a run: the Runs page lists it

``estimator=`` takes any scikit-learn classifier (with ``fit`` and ``predict_proba``) or a
``Pipeline`` ending in one. It is cloned (``sklearn.base.clone``) for every fit and fitted on
the training rows of each fold only; the validation rows are only ever predicted. What it
receives:

- ``X``: a ``Pipeline`` (scikit-learn's or imbalanced-learn's) gets the feature columns as
  the data intake kept them, as a DataFrame with their original names (numeric columns as
  float64, the others as text ``object`` columns, missing values as NaN; the target and the
  columns the intake dropped -- identifiers, constants -- are not there), and does its own
  preprocessing. A bare classifier gets the shared preprocessing every built-in model gets:
  median-imputed, standardised numeric columns and one-hot categories, as a float array.
- ``y``: class codes ``0..K-1`` in the order of ``result.comparison.classes`` (multi-label:
  each label's own 0/1 column, one clone per label).

The strategies wrap it as they wrap every model: ``class_weight`` and ``native_imbalance``
pass per-row ``sample_weight`` to its fit (to the final step of a Pipeline; a fit without
``sample_weight`` makes those strategies fail with the reason); samplers (``random_over``,
``random_under``, ``ml_ros``) run inside the training folds before it; ``threshold_tuning``
and ``cost_sensitive`` tune on inner folds of the training rows. SMOTE-family strategies
and ``balanced_bagging`` feed the model an encoded matrix, so with a Pipeline they fail
with the reason (pass its bare classifier to use them).

Your estimator keeps its own ``random_state``: set it for repeatable numbers. Its fits run
in this Python process, one after another (its own ``n_jobs`` may still use several cores).
A saved run records the estimator's class name (``config.model`` is ``"custom:<Class>"``)
and repr, never the estimator: a reopened run shows every result, but cannot be refitted
(the Trade-offs search needs the model).
"""

from __future__ import annotations

import dataclasses
import os
import shlex
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cached_property, partial
from pathlib import Path
from typing import Any

import pandas as pd
from sklearn.base import clone
from sklearn.pipeline import Pipeline

from core.errors import DataError
from core.evaluation.comparison import (
    CompareConfig,
    Comparison,
    default_strategies,
    run_comparison,
)
from core.intake.dataset import Dataset, load_dataset
from core.modelling.boosters import accepts_sample_weight
from core.modelling.models import MODELS, ModelSpec
from core.modelling.options import StrategyOptions, close_hint
from core.profile.measures import Profile, build_profile
from core.report.document import ReportBundle
from core.runs.store import RunStore, data_dir

CUSTOM_PREFIX = "custom:"
"""``config.model`` of a comparison on a user's estimator: ``custom:<its class name>``."""

_CONFIG_OPTIONS = ("holdout", "n_jobs", "important_class", "rope", "repeats")
_STRATEGY_OPTIONS = tuple(f.name for f in dataclasses.fields(StrategyOptions))


def _one_line(text: str, limit: int = 300) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def custom_model_spec(estimator: Any) -> ModelSpec:
    """The registry entry of a user's ``estimator`` for one comparison (see the module doc).

    :class:`DataError` unless it is a classifier with ``fit`` and ``predict_proba``.
    """
    kind = type(estimator).__name__
    if isinstance(estimator, type) or not (
        hasattr(estimator, "fit") and hasattr(estimator, "predict_proba")
    ):
        raise DataError(
            "estimator must be a scikit-learn classifier instance (or a Pipeline ending in "
            f"one) with fit and predict_proba. Got {kind} instead",
            "Pass e.g. LogisticRegression() or make_pipeline(preprocessing, classifier)",
        )
    try:
        clone(estimator)
    except Exception as err:
        raise DataError(
            f"estimator cannot be cloned with sklearn.base.clone ({err})",
            "Make it a scikit-learn estimator: parameters set in __init__, get_params()",
        ) from err
    raw = isinstance(estimator, Pipeline)
    sees = "the raw feature columns" if raw else "the shared preprocessing"
    return ModelSpec(
        name=CUSTOM_PREFIX + kind,
        title=f"Your {kind}",
        description=f"Your estimator, cloned for every fit ({sees}): {_one_line(repr(estimator))}",
        needs_scaling=True,
        supports_sample_weight=accepts_sample_weight(estimator),
        supports_class_weight=False,
        has_n_estimators=False,
        raw_columns=raw,
        factory=partial(clone, estimator),
    )


@contextmanager
def registered(spec: ModelSpec) -> Iterator[str]:
    """``spec`` in the model registry for the duration of the block; yields its name."""
    if spec.name in MODELS and MODELS[spec.name].factory is None:
        raise DataError(f"A built-in model is already called {spec.name!r}")
    previous = MODELS.get(spec.name)
    MODELS[spec.name] = spec
    try:
        yield spec.name
    finally:
        if previous is None:
            MODELS.pop(spec.name, None)
        else:
            MODELS[spec.name] = previous


def _read(
    data: Any, target: str | Sequence[str], label_sep: str | None
) -> tuple[Dataset, bytes, str, str]:
    """The Dataset of ``data`` (a CSV path, CSV bytes or a DataFrame), the file's bytes, its
    name and how a command names it (the path as given).

    A DataFrame is written as CSV (no index) and read back like an upload, so the columns
    are typed exactly as the app types them and a saved run carries the data.
    """
    if isinstance(data, pd.DataFrame):
        raw, name = data.to_csv(index=False).encode("utf-8"), "dataframe.csv"
    elif isinstance(data, bytes | bytearray | memoryview):
        raw, name = bytes(data), "data.csv"
    elif isinstance(data, str | os.PathLike):
        path = Path(data)
        if not path.is_file():
            raise DataError(f"No file at {str(path)!r}", "Check the path")
        raw, name = path.read_bytes(), path.name
    else:
        raise DataError(
            "data must be a CSV path, CSV bytes or a pandas DataFrame. "
            f"Got {type(data).__name__} instead"
        )
    source = str(data) if isinstance(data, str | os.PathLike) else name
    return load_dataset(raw, target, label_sep=label_sep, name=name), raw, name, source


def _split_options(options: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    unknown = [k for k in options if k not in _CONFIG_OPTIONS + _STRATEGY_OPTIONS]
    if unknown:
        valid = list(_CONFIG_OPTIONS + _STRATEGY_OPTIONS)
        raise DataError(f"Unknown option {unknown[0]!r}", close_hint(unknown[0], valid, "options"))
    config = {k: v for k, v in options.items() if k in _CONFIG_OPTIONS}
    strategy = {k: v for k, v in options.items() if k in _STRATEGY_OPTIONS}
    return config, strategy


def _command(name: str, ds: Dataset, config: CompareConfig, estimator: Any) -> str:
    """The CLI command that repeats this comparison (a Python call for a user's estimator)."""
    if estimator is not None:
        return (
            f"core.api.compare({name!r}, target={list(ds.target)!r}, "
            f"estimator={_one_line(repr(estimator))}, strategies={list(config.strategies)!r}, "
            f"cv={config.cv}, seed={config.seed})"
        )
    args = ["python", "-m", "core", "analyze", name]
    for column in ds.target:
        args += ["--target", column]
    if ds.label_sep is not None:
        args += ["--label-sep", ds.label_sep]
    args += ["--strategies", ",".join(config.strategies), "--model", config.model]
    args += ["--cv", str(config.cv), "--seed", str(config.seed)]
    if config.holdout:
        args += ["--holdout", str(config.holdout)]
    return " ".join(shlex.quote(a) for a in args)


@dataclass(frozen=True, eq=False)
class ApiResult:
    """A finished comparison with its data: the views of it the app and the CLI offer."""

    comparison: Comparison
    dataset: Dataset
    data_bytes: bytes
    data_name: str
    command: str
    estimator: str | None = None  # repr of the user's estimator, if one was compared

    @cached_property
    def profile(self) -> Profile:
        """The imbalance profile of the data (as on the Data page)."""
        return build_profile(self.dataset, cv=self.comparison.config.cv)

    @cached_property
    def _bundle(self) -> ReportBundle:
        return ReportBundle(self.comparison, self.dataset, self.profile, command=self.command)

    def table(self) -> pd.DataFrame:
        """One row per strategy (:meth:`Comparison.table`)."""
        return self.comparison.table()

    def results_json(self) -> dict[str, Any]:
        """The results.json document ``python -m core analyze`` writes (JSON-safe dict),
        diagnosed without the diagnostic fits (the causes that need them say so)."""
        return self._bundle.doc

    def report_html(self, path: str | os.PathLike[str]) -> Path:
        """Write the offline HTML report to ``path``; returns the path."""
        target = Path(path)
        html = self._bundle.html
        target.write_text(html, encoding="utf-8")
        return target

    def open_in_app(self, store: RunStore | None = None) -> str:
        """Save as a run (with the data and profile) and return its id; prints how to open it.

        ``store`` defaults to the app's (``$IMBALANCE_DASHBOARD_DATA`` or
        ``~/.imbalance-dashboard``).
        """
        store = store or RunStore(data_dir())
        run_id = store.save(
            self.comparison,
            data_bytes=self.data_bytes,
            data_name=self.data_name,
            profile=self.profile,
        )
        note = " (results only: the app cannot refit your estimator)" if self.estimator else ""
        print(
            f"Saved as run {run_id}{note}. Open it with `streamlit run app.py`, then the Runs "
            "page, and pick that run."
        )
        return run_id


def compare(
    data: Any,
    target: str | Sequence[str],
    *,
    estimator: Any = None,
    strategies: Sequence[str] | None = None,
    cv: int = 5,
    seed: int = 0,
    model: str = "logistic_regression",
    label_sep: str | None = None,
    **options: Any,
) -> ApiResult:
    """Cross-validate imbalance ``strategies`` on ``data`` (see the module doc).

    ``data``: a CSV path, CSV bytes or a pandas DataFrame; ``target``: the target column (or
    several 0/1 label columns; ``label_sep`` for one column of label sets). ``estimator``:
    your classifier or Pipeline (else ``model``, a built-in model name). ``strategies``:
    names of the registry (default: the app's set for the task). ``options``: the
    comparison's ``holdout``, ``n_jobs``, ``important_class``, ``rope``, ``repeats`` and
    any :class:`~core.modelling.options.StrategyOptions` field (``threshold_objective``,
    ``class_weights``, ``n_estimators``, ...). :class:`DataError` on bad input.
    """
    ds, raw, name, source = _read(data, target, label_sep)
    config_options, strategy_options = _split_options(options)
    if isinstance(strategies, str):
        strategies = (strategies,)
    names = tuple(strategies) if strategies is not None else default_strategies(ds.task)
    if estimator is not None and model != "logistic_regression":
        raise DataError(
            f"Both an estimator and model={model!r} were given",
            "Pass estimator= for your own classifier, or model= for a built-in one",
        )

    def config_for(model_name: str, **extra: Any) -> CompareConfig:
        return CompareConfig(
            strategies=names,
            model=model_name,
            cv=cv,
            seed=seed,
            options=StrategyOptions(**strategy_options),
            **{**config_options, **extra},
        )

    if estimator is None:
        config = config_for(model)
        comparison = run_comparison(ds, config)
        described = None
    else:
        spec = custom_model_spec(estimator)
        with registered(spec) as custom:
            # in this process, one fit after another: the registry entry lives here only
            config = config_for(custom, n_jobs=1)
            comparison = run_comparison(ds, config, scheduler="")
        described = _one_line(repr(estimator))
    return ApiResult(
        comparison=comparison,
        dataset=ds,
        data_bytes=raw,
        data_name=name,
        command=_command(source, ds, comparison.config, estimator),
        estimator=described,
    )
