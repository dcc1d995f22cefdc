"""results.json, metrics.csv and predictions.csv (core.exports.outputs): the CLI output contract."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from helpers import make_ds as shared_make_ds
from imblearn.metrics import geometric_mean_score
from sklearn.metrics import (
    accuracy_score,
    average_precision_score,
    balanced_accuracy_score,
    cohen_kappa_score,
    confusion_matrix,
    f1_score,
    hamming_loss,
    matthews_corrcoef,
    multilabel_confusion_matrix,
    precision_recall_fscore_support,
    roc_auc_score,
)
from sklearn.preprocessing import label_binarize

import core.exports.outputs as export
from core.evaluation.comparison import CompareConfig, run_comparison
from core.exports.outputs import (
    atomic_write,
    label_sets,
    metrics_long,
    predictions_long,
    safe_cell,
    write_outputs,
)
from core.exports.results_json import results_dict
from core.intake.dataset import Dataset, load_dataset
from core.profile.finding import jsonable

MODEL = "logistic_regression"
RANKING_TOL = 1e-12  # ranking scores average per-class sklearn scores: equal up to ulps
STRATEGIES = {
    "binary": ("baseline", "random_over", "one_class"),
    "multiclass": ("baseline", "smote", "threshold_tuning"),
    "multilabel": ("baseline", "ml_ros", "one_class"),  # one_class: not applicable
}


def make_ds(task: str, n: int = 150, seed: int = 0) -> Dataset:
    return shared_make_ds(
        task,
        n,
        seed,
        classes=("-1", "1") if task == "binary" else None,
        row_ids=np.arange(n) * 3 + 2,
        name="toy.csv",
        label_sep="|" if task == "multilabel" else None,
    )


@pytest.fixture(scope="module", params=["binary", "multiclass", "multilabel"])
def written(request, tmp_path_factory):
    task = request.param
    ds = make_ds(task)
    config = CompareConfig(strategies=STRATEGIES[task], model=MODEL, cv=3, holdout=0.2, n_jobs=1)
    comparison = run_comparison(ds, config)
    out = tmp_path_factory.mktemp(task)
    paths = write_outputs(comparison, out, profile={"task": task}, command="python -m core x")
    doc = json.loads(
        paths["results"].read_text(encoding="utf-8"),
        parse_constant=lambda c: pytest.fail(f"{c} in results.json"),  # NaN must be null
    )
    preds = pd.read_csv(
        paths["predictions"], dtype={"y_true": str, "y_pred": str}, keep_default_na=False
    )
    return task, ds, comparison, paths, doc, preds


def test_results_json_has_every_contract_key(written):
    task, ds, comparison, paths, doc, _ = written
    assert set(paths) == {"results", "metrics", "predictions"}
    assert all(p.exists() for p in paths.values())
    assert doc["schema_version"] == 1
    assert doc["dataset"]["task"] == task and doc["dataset"]["classes"] == list(ds.classes)
    assert doc["dataset"]["n_rows"] == ds.n_rows
    assert doc["dataset"]["class_counts"] == ds.class_counts
    assert {"model", "cv", "seed", "holdout", "strategies", "options"} <= set(doc["config"])
    assert doc["config"]["cv"] == 3 and doc["config"]["holdout"] == 0.2
    assert list(doc["strategies"]) == list(STRATEGIES[task])
    summary_keys = (
        {"micro_f1", "macro_f1", "samples_f1", "hamming_loss", "subset_accuracy"}
        if task == "multilabel"
        else {"accuracy", "balanced_accuracy", "macro_f1", "weighted_f1", "mcc"}
    )
    k = len(ds.classes)
    for name, entry in doc["strategies"].items():
        assert {
            "status",
            "error",
            "per_class",
            "summary",
            "confusion_matrix",
            "fold_scores",
            "train_scores",
            "thresholds",
        } <= set(entry)
        if entry["status"] == "failed":
            assert name == "one_class" and task == "multilabel" and entry["error"]
            continue
        assert entry["error"] is None
        assert summary_keys <= set(entry["summary"])
        assert [row["class"] for row in entry["per_class"]] == list(ds.classes)
        for row in entry["per_class"]:
            assert {
                "class",
                "precision",
                "recall",
                "f1",
                "support",
                "f1_ci_low",
                "f1_ci_high",
            } <= set(row)
        shape = (k, 2, 2) if task == "multilabel" else (k, k)
        assert np.array(entry["confusion_matrix"]).shape == shape
        assert len(entry["fold_scores"]) == len(entry["train_scores"]) == 3
        assert {"holdout"} <= set(entry) and {"summary", "per_class"} <= set(entry["holdout"])
    rec = doc["recommendation"]
    assert {"strategy", "metric", "reason", "verdict"} <= set(rec)
    # no_skill (issue 13): nothing is recommended, e.g. 18 rows of the class over 3 folds
    assert rec["strategy"] in STRATEGIES[task] or (
        rec["strategy"] is None and rec["verdict"] == "no_skill"
    )
    assert {"scikit-learn", "imbalanced-learn", "numpy", "pandas"} <= set(doc["versions"])
    assert doc["command"] == "python -m core x" and doc["profile"] == {"task": task}


def _truth_and_predictions(task, classes, frame):
    if task == "multilabel":
        y = frame[[f"true_{c}" for c in classes]].to_numpy()
        pred = frame[[f"pred_{c}" for c in classes]].to_numpy()
    else:
        code = {c: i for i, c in enumerate(classes)}
        y = frame["y_true"].map(code).to_numpy(dtype=int)
        pred = frame["y_pred"].map(code).to_numpy(dtype=int)
    proba = frame[[f"proba_{c}" for c in classes]].to_numpy()
    return y, pred, proba


def _recompute(task, y, pred, proba):
    """(exact sklearn metrics, ranking metrics) of predictions read back from the CSV."""
    if task == "multilabel":
        exact = {
            "micro_f1": f1_score(y, pred, average="micro", zero_division=0),
            "macro_f1": f1_score(y, pred, average="macro", zero_division=0),
            "weighted_f1": f1_score(y, pred, average="weighted", zero_division=0),
            "samples_f1": f1_score(y, pred, average="samples", zero_division=0),
            "hamming_loss": hamming_loss(y, pred),
            "subset_accuracy": accuracy_score(y, pred),
        }
        return exact, {
            "roc_auc": roc_auc_score(y, proba, average="macro"),
            "average_precision": average_precision_score(y, proba, average="macro"),
        }
    k = proba.shape[1]
    onehot = label_binarize(y, classes=range(k))
    onehot = np.hstack([1 - onehot, onehot]) if k == 2 else onehot
    exact = {
        "accuracy": accuracy_score(y, pred),
        "balanced_accuracy": balanced_accuracy_score(y, pred),
        "macro_f1": f1_score(y, pred, average="macro", zero_division=0),
        "weighted_f1": f1_score(y, pred, average="weighted", zero_division=0),
        "micro_f1": f1_score(y, pred, average="micro", zero_division=0),
        "mcc": matthews_corrcoef(y, pred),
        "cohen_kappa": cohen_kappa_score(y, pred),
    }
    return exact, {
        "g_mean": geometric_mean_score(y, pred, average="multiclass"),
        "roc_auc": roc_auc_score(y, proba[:, 1])
        if k == 2
        else roc_auc_score(y, proba, multi_class="ovr"),
        "average_precision": average_precision_score(y, proba[:, 1])
        if k == 2
        else average_precision_score(onehot, proba, average="macro"),
    }


def _check_block(task, classes, frame, entry):
    y, pred, proba = _truth_and_predictions(task, classes, frame)
    exact, ranking = _recompute(task, y, pred, proba)
    for metric, value in exact.items():
        assert entry["summary"][metric] == value, metric
    for metric, value in ranking.items():
        assert entry["summary"][metric] == pytest.approx(value, rel=RANKING_TOL), metric
    p, r, f, s = precision_recall_fscore_support(y, pred, zero_division=0)
    rows = entry["per_class"]
    assert [row["precision"] for row in rows] == p.tolist()
    assert [row["recall"] for row in rows] == r.tolist()
    assert [row["f1"] for row in rows] == f.tolist()
    assert [row["support"] for row in rows] == s.tolist()
    cm = multilabel_confusion_matrix(y, pred) if task == "multilabel" else confusion_matrix(y, pred)
    assert entry["confusion_matrix"] == cm.tolist()


def test_metrics_in_results_json_are_recomputable_from_predictions_csv(written):
    task, ds, comparison, _, doc, preds = written
    classes = doc["dataset"]["classes"]
    assert preds.columns[:5].tolist() == ["strategy", "row", "fold", "y_true", "y_pred"]
    for name, entry in doc["strategies"].items():
        mine = preds[preds["strategy"] == name]
        if entry["status"] == "failed":
            assert mine.empty
            continue
        cv = mine[mine["split"] == "cv"]
        hold = mine[mine["split"] == "holdout"]
        # every analysed row once per strategy: CV rows out-of-fold, the rest hold-out
        assert sorted(mine["row"]) == sorted(ds.row_ids.tolist())
        assert set(cv["fold"]) == {0, 1, 2} and set(hold["fold"]) == {-1}
        assert len(hold) == doc["dataset"]["n_holdout_rows"]
        _check_block(task, classes, cv, entry)
        _check_block(task, classes, hold, entry["holdout"])
        for fold_entry in entry["fold_scores"]:
            part = cv[cv["fold"] == fold_entry["fold"]]
            y, pred, _ = _truth_and_predictions(task, classes, part)
            assert fold_entry["n_rows"] == len(part)
            assert fold_entry["macro_f1"] == f1_score(y, pred, average="macro", zero_division=0)


def test_metrics_csv_matches_results_json(written):
    _, _, _, paths, doc, _ = written
    frame = pd.read_csv(paths["metrics"], dtype={"class": str}, keep_default_na=False)
    assert frame.columns.tolist() == [
        "strategy",
        "class",
        "metric",
        "value",
        "ci_low",
        "ci_high",
        "split",
    ]
    for name, entry in doc["strategies"].items():
        mine = frame[(frame["strategy"] == name) & (frame["split"] == "cv")]
        if entry["status"] == "failed":
            assert mine.empty
            continue
        summary = mine[mine["class"] == "_all"].set_index("metric")["value"]
        for metric, value in entry["summary"].items():
            if value is None:
                assert summary[metric] == ""
            else:
                assert float(summary[metric]) == value
        for row in entry["per_class"]:
            f1 = mine[(mine["class"] == row["class"]) & (mine["metric"] == "f1")].iloc[0]
            assert float(f1["value"]) == row["f1"]
            assert (float(f1["ci_low"]), float(f1["ci_high"])) == (
                row["f1_ci_low"],
                row["f1_ci_high"],
            )


def test_row_ids_map_back_to_file_rows_when_target_rows_were_dropped(tmp_path):
    rng = np.random.default_rng(1)
    n = 130
    x = rng.normal(size=(n, 3))
    label = np.where(x[:, 0] + rng.normal(scale=0.7, size=n) > 0.9, "churn", "stay")
    frame = pd.DataFrame({"a": x[:, 0], "b": x[:, 1], "c": x[:, 2], "label": label})
    missing = [0, 5, 6, 40, 129]
    frame.loc[missing, "label"] = ""
    path = tmp_path / "customers.csv"
    frame.to_csv(path, index=False)
    ds = load_dataset(path, "label")
    assert ds.n_dropped_missing_target == len(missing)
    comparison = run_comparison(ds, CompareConfig(strategies=("baseline",), cv=3, n_jobs=1))
    paths = write_outputs(comparison, tmp_path / "out")
    preds = pd.read_csv(paths["predictions"])
    kept = [i for i in range(n) if i not in missing]
    assert sorted(preds["row"]) == kept
    truth = frame["label"].to_numpy()
    assert (preds["y_true"].to_numpy() == truth[preds["row"].to_numpy()]).all()
    doc = json.loads(paths["results"].read_text(encoding="utf-8"))
    assert doc["dataset"]["n_rows"] == n - len(missing)
    assert doc["dataset"]["n_dropped_missing_target"] == len(missing)


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ('=HYPERLINK("x")', '\'=HYPERLINK("x")'),
        ("+cmd", "'+cmd"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("-1", "-1"),
        ("+0.5", "+0.5"),
        ("-1e3", "-1e3"),
        ("churn", "churn"),
        (-1, -1),
        (0.25, 0.25),
    ],
)
def test_safe_cell_neutralises_formulas_but_not_numbers(cell, expected):
    assert safe_cell(cell) == expected


def test_user_class_names_are_neutralised_in_the_csvs():
    ds = make_ds("binary")
    evil = replace(ds, classes=("=1+1", "ok"))
    comparison = run_comparison(evil, CompareConfig(strategies=("baseline",), cv=3, n_jobs=1))
    preds = predictions_long(comparison)
    assert set(preds["y_true"]) == {"'=1+1", "ok"}
    assert "'=1+1" in set(metrics_long(comparison)["class"])
    assert "proba_=1+1" in preds.columns  # header cells start with "proba_": harmless
    assert results_dict(comparison)["dataset"]["classes"] == ["=1+1", "ok"]  # JSON is data


def test_negative_number_class_names_stay_recomputable(written):
    task, _, _, _, doc, preds = written
    if task == "binary":
        assert set(preds["y_true"]) == {"-1", "1"} == set(doc["dataset"]["classes"])


def test_outputs_are_written_atomically(tmp_path, monkeypatch):
    ds = make_ds("binary")
    comparison = run_comparison(ds, CompareConfig(strategies=("baseline",), cv=3, n_jobs=1))
    out = tmp_path / "run"
    paths = write_outputs(comparison, out)
    before = {p.name: p.read_bytes() for p in paths.values()}
    assert sorted(f.name for f in out.iterdir()) == sorted(before)

    monkeypatch.setattr(export, "predictions_long", lambda c: _Broken())
    with pytest.raises(OSError, match="disk full"):
        write_outputs(comparison, out)
    # the half-written file never replaced the good one and no temporary file is left
    assert (out / "predictions.csv").read_bytes() == before["predictions.csv"]
    assert sorted(f.name for f in out.iterdir()) == sorted(before)
    assert isinstance(paths["results"], Path)


class _Broken:
    def to_csv(self, path, **kwargs):
        Path(path).write_text("strategy,row\npartial", encoding="utf-8")
        raise OSError("disk full")


def test_failed_strategy_fields_are_json_null():
    ds = make_ds("multilabel")
    comparison = run_comparison(
        ds, CompareConfig(strategies=("baseline", "one_class"), cv=3, n_jobs=1)
    )
    doc = results_dict(comparison)
    failed = doc["strategies"]["one_class"]
    assert failed["status"] == "failed" and failed["summary"] == {}
    assert failed["confusion_matrix"] is None and failed["per_class"] == []
    json.dumps(doc, allow_nan=False)


def test_jsonable_gives_plain_json_with_null_for_nan():
    value = {
        1: np.float64(0.5),
        "a": (np.int64(2), float("nan"), float("inf")),
        "b": np.array([[1, 2], [3, 4]]),
        "c": pd.DataFrame({"x": [1.5]}),
        "d": None,
        "e": Path("p"),
    }
    out = jsonable(value)
    assert out == {"1": 0.5, "a": [2, None, None], "b": [[1, 2], [3, 4]], "c": [{"x": 1.5}],
                   "d": None, "e": "p"}  # fmt: skip
    assert type(out["a"][0]) is int
    json.dumps(out, allow_nan=False)


def test_atomic_write_replaces_whole_or_not_at_all(tmp_path):
    target = tmp_path / "out.txt"
    atomic_write(target, lambda p: p.write_text("first", encoding="utf-8"))
    assert target.read_text(encoding="utf-8") == "first"

    def half(p: Path) -> None:
        p.write_text("half", encoding="utf-8")
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        atomic_write(target, half)
    assert target.read_text(encoding="utf-8") == "first"
    assert [f.name for f in tmp_path.iterdir()] == ["out.txt"]  # no temporary file left


def test_label_sets_join_each_rows_labels():
    y = np.array([[1, 0, 1], [0, 0, 0], [0, 1, 0]])
    assert label_sets(y, ("a", "b", "c"), "|") == ["a|c", "", "b"]
