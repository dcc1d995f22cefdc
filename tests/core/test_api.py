"""core.api.compare: our models or the user's estimator, and the views of the result."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.compose import ColumnTransformer
from sklearn.exceptions import NotFittedError
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import cross_val_predict
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler
from sklearn.utils.class_weight import compute_sample_weight
from sklearn.utils.validation import check_is_fitted

from core.api import CUSTOM_PREFIX, compare, custom_model_spec, registered
from core.errors import DataError
from core.modelling.models import MODELS
from core.runs.store import RunStore

pytestmark = pytest.mark.usefixtures("one_thread")  # see tests/core/conftest.py

ROOT = Path(__file__).resolve().parents[2]
PINNED = json.loads((ROOT / "tests" / "data" / "results_keys.json").read_text(encoding="utf-8"))
SAMPLES = {  # as tests/core/exports/test_results_keys.py runs analyze on them
    "binary": ("sample_data/card_fraud.csv", "is_fraud", None, 0.2),
    "multiclass": ("sample_data/machine_states.csv", "state", None, 0.0),
    "multilabel": ("sample_data/support_tickets.csv", "tags", "|", 0.0),
}
EXACT = 1e-12


def _frame(n: int = 300, seed: int = 0) -> pd.DataFrame:
    """Mixed data with gaps: two informative numbers, a categorical column, a rare class."""
    rng = np.random.default_rng(seed)
    a, b = rng.normal(size=n), rng.normal(size=n)
    plan = rng.choice(["free", "pro", "team"], n)
    score = a + 0.5 * b + (plan == "team") * 1.0 + rng.normal(scale=0.7, size=n)
    churn = np.where(score > np.quantile(score, 0.85), "yes", "no")
    df = pd.DataFrame({"usage": a, "tenure": b, "plan": plan, "churn": churn})
    df.loc[::11, "usage"] = np.nan
    df.loc[::17, "plan"] = np.nan
    return df


def _user_pipeline():
    numeric = make_pipeline(SimpleImputer(strategy="mean"), StandardScaler())
    categorical = make_pipeline(
        SimpleImputer(strategy="constant", fill_value="missing"),
        OneHotEncoder(handle_unknown="ignore"),
    )
    pre = ColumnTransformer([("num", numeric, ["usage", "tenure"]), ("cat", categorical, ["plan"])])
    return make_pipeline(pre, LogisticRegression(max_iter=1000))


def key_paths(obj: object, names: set[str], prefix: str = "") -> set[str]:
    """As tests/core/exports/test_results_keys.py: keys named after a strategy or class are
    ``*``, lists add ``[]``, ``evidence`` is not walked."""
    out: set[str] = set()
    if isinstance(obj, dict):
        for key, value in obj.items():
            path = "*" if key in names else key
            path = f"{prefix}.{path}" if prefix else path
            out.add(path)
            if key != "evidence":
                out |= key_paths(value, names, path)
    elif isinstance(obj, list):
        for value in obj:
            out |= key_paths(value, names, prefix + "[]")
    return out


# ------------------------------------------------------------------ a user's Pipeline


@pytest.fixture(scope="module")
def on_pipeline():
    pipe = _user_pipeline()
    result = compare(
        _frame(),
        target="churn",
        estimator=pipe,
        strategies=["baseline", "class_weight", "random_over", "threshold_tuning", "smote"],
        cv=3,
    )
    return pipe, result


def test_a_user_pipeline_baseline_equals_cross_val_predict_on_the_same_folds(on_pipeline):
    pipe, result = on_pipeline
    c = result.comparison
    assert c.config.model == CUSTOM_PREFIX + "Pipeline" and c.classes == ("no", "yes")
    ds = result.dataset
    # what the pipeline receives: the kept feature columns, by name, as the intake typed them
    assert list(ds.X.columns) == ["usage", "tenure", "plan"]
    hand = cross_val_predict(pipe, ds.X, ds.y, cv=list(c.folds), method="predict_proba")
    np.testing.assert_allclose(c.results["baseline"].oof_proba, hand, rtol=0, atol=EXACT)


def test_class_weights_reach_the_pipelines_final_step_as_sample_weights(on_pipeline):
    pipe, result = on_pipeline
    c, ds = result.comparison, result.dataset
    y = np.asarray(ds.y)
    hand = np.zeros((len(y), 2))
    for train, val in c.folds:
        w = compute_sample_weight("balanced", y[train])
        fitted = pipe.fit(ds.X.iloc[train], y[train], logisticregression__sample_weight=w)
        hand[val] = fitted.predict_proba(ds.X.iloc[val])
    np.testing.assert_allclose(c.results["class_weight"].oof_proba, hand, rtol=0, atol=EXACT)


def test_samplers_and_tuning_run_and_encoded_only_strategies_say_why(on_pipeline):
    _, result = on_pipeline
    results = result.comparison.results
    assert results["random_over"].ok and results["threshold_tuning"].ok
    assert not results["smote"].ok
    assert "preprocesses its own columns" in results["smote"].error


def test_the_users_estimator_is_cloned_never_fitted_and_leaves_no_registry_entry():
    pipe = _user_pipeline()
    compare(_frame(n=120), target="churn", estimator=pipe, strategies=["baseline"], cv=3)
    with pytest.raises(NotFittedError):
        check_is_fitted(pipe)
    assert not any(name.startswith(CUSTOM_PREFIX) for name in MODELS)


def test_a_bare_classifier_gets_the_shared_preprocessing_like_the_built_in_model():
    kw = {"target": "churn", "strategies": ["baseline", "class_weight"], "cv": 3}
    mine = compare(_frame(n=200), estimator=LogisticRegression(max_iter=1000), **kw)
    ours = compare(_frame(n=200), model="logistic_regression", n_jobs=1, **kw)
    for name in ("baseline", "class_weight"):
        np.testing.assert_allclose(
            mine.comparison.results[name].oof_proba,
            ours.comparison.results[name].oof_proba,
            rtol=0,
            atol=EXACT,
        )


def test_an_estimator_without_sample_weight_fails_class_weight_with_the_reason():
    knn = make_pipeline(
        ColumnTransformer([("num", SimpleImputer(), ["usage", "tenure"])]), KNeighborsClassifier()
    )
    result = compare(
        _frame(n=150), target="churn", estimator=knn, strategies=["baseline", "class_weight"], cv=3
    )
    assert result.comparison.results["baseline"].ok
    assert "cannot take per-row weights" in result.comparison.results["class_weight"].error


def test_same_seed_same_numbers_on_a_user_pipeline():
    kw = {"target": "churn", "strategies": ["baseline", "random_over"], "cv": 3, "seed": 4}
    a = compare(_frame(n=150), estimator=_user_pipeline(), **kw).comparison
    b = compare(_frame(n=150), estimator=_user_pipeline(), **kw).comparison
    for name in ("baseline", "random_over"):
        np.testing.assert_array_equal(a.results[name].oof_proba, b.results[name].oof_proba)


# ------------------------------------------------------------------ the result's views


@pytest.mark.slow
@pytest.mark.parametrize("task", sorted(SAMPLES))
def test_results_json_has_the_pinned_keys_of_analyze(task, monkeypatch):
    monkeypatch.chdir(ROOT)
    path, target, sep, holdout = SAMPLES[task]
    result = compare(
        path,
        target=target,
        label_sep=sep,
        strategies=["baseline", "class_weight", "threshold_tuning"],
        cv=3,
        holdout=holdout,
        n_jobs=1,
    )
    doc = result.results_json()
    assert doc["dataset"]["task"] == task and doc["config"]["model"] == "logistic_regression"
    assert doc["command"].startswith(f"python -m core analyze {path} --target {target}")
    names = set(doc["strategies"]) | set(doc["dataset"]["classes"])
    assert sorted(key_paths(doc, names) ^ set(PINNED[task])) == []
    json.dumps(doc, allow_nan=False)  # JSON-safe as written


def test_report_and_run_of_a_user_pipeline(on_pipeline, tmp_path, capsys):
    _, result = on_pipeline
    doc = result.results_json()
    assert doc["config"]["model"] == "custom:Pipeline" and "estimator=Pipeline" in doc["command"]
    html = result.report_html(tmp_path / "report.html").read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>") or "<html" in html[:500]
    store = RunStore(tmp_path / "runs")
    run_id = result.open_in_app(store)
    assert run_id in capsys.readouterr().out
    assert run_id in set(store.list()["id"])
    saved = store.load(run_id)
    assert saved.comparison.config.model == "custom:Pipeline"  # readable, though not refittable
    for name, r in result.comparison.results.items():
        got = saved.comparison.results[name]
        assert got.status == r.status
        if r.ok:
            np.testing.assert_array_equal(got.oof_proba, r.oof_proba)
    assert saved.data_bytes == result.data_bytes and saved.profile is not None


def test_open_in_app_uses_the_apps_store_by_default(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("IMBALANCE_DASHBOARD_DATA", str(tmp_path))
    result = compare(_frame(n=120).to_csv(index=False).encode(), target="churn",
                     strategies=["baseline"], cv=3, n_jobs=1)  # fmt: skip
    run_id = result.open_in_app()
    assert "Runs page" in capsys.readouterr().out
    assert RunStore(tmp_path).load(run_id).comparison.config.model == "logistic_regression"


# ------------------------------------------------------------------------ bad input


def test_bad_input_is_a_data_error_that_says_what_to_do():
    with pytest.raises(DataError, match="CSV path, CSV bytes or a pandas DataFrame. Got int"):
        compare(3, target="churn")
    with pytest.raises(DataError, match="No file at"):
        compare("no/such/file.csv", target="churn")
    with pytest.raises(DataError, match=r"Unknown option 'threshold_objectiv'.*Did you mean"):
        compare(_frame(n=60), target="churn", threshold_objectiv="f1")
    with pytest.raises(DataError, match="classifier instance"):
        compare(_frame(n=60), target="churn", estimator=LogisticRegression)
    with pytest.raises(DataError, match="Unknown model 'svm'"):
        compare(_frame(n=60), target="churn", model="svm")
    with pytest.raises(DataError, match="Both an estimator and model='lightgbm'"):
        compare(_frame(n=60), target="churn", estimator=LogisticRegression(), model="lightgbm")


def test_a_custom_spec_cannot_shadow_a_built_in_model():
    spec = custom_model_spec(LogisticRegression())
    assert spec.raw_columns is False and spec.supports_sample_weight
    assert custom_model_spec(_user_pipeline()).raw_columns is True
    shadow = type(spec)(**{**spec.__dict__, "name": "lightgbm"})
    with pytest.raises(DataError, match="built-in model"), registered(shadow):
        pass
    assert MODELS["lightgbm"].factory is None
