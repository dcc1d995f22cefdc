"""core.exports.tables: rows to label next (hand-computed orderings), safe CSV bytes, the workbook."""

from __future__ import annotations

import io
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
from openpyxl import load_workbook

from core.errors import DataError
from core.evaluation.comparison import CompareConfig, Comparison, run_comparison
from core.evaluation.crossval import StrategyResult
from core.evaluation.summary import DatasetSummary
from core.exports.label_next import DOUBT_MARGIN, label_next, uncertainty_margin
from core.exports.outputs import metrics_long, predictions_long
from core.exports.tables import csv_bytes, excel_bytes
from core.intake.columns import ColumnDecision
from core.intake.dataset import Dataset, load_dataset
from core.profile.measures import build_profile

FORMULA_CLASS = '=HYPERLINK("http://evil.example","click")'
TOL = 1e-12


# --------------------------------------------------------------------------- hand-made runs


def _hand_run(task: str, classes, y, pred, proba, counts) -> tuple[Comparison, Dataset]:
    """A one-strategy comparison with the given out-of-fold predictions, and its Dataset."""
    n = len(y)
    row_ids = np.arange(10, 10 + n, dtype=np.int64)
    X = pd.DataFrame({"f": np.arange(n) * 1.5, "row": [f"r{i}" for i in range(n)]})
    ds = Dataset(
        X=X, y=np.asarray(y), task=task, classes=classes, target=("t",),
        numeric_features=("f",), categorical_features=("row",),
        schema=(ColumnDecision("f", "numeric", "numeric"),), row_ids=row_ids,
        name="hand.csv", content_hash="hand",
    )  # fmt: skip
    summary = DatasetSummary(
        name="hand.csv", content_hash="hand", task=task, target=("t",), classes=classes,
        class_counts=counts, n_rows=n, n_cv_rows=n, n_holdout_rows=0,
    )  # fmt: skip
    result = StrategyResult(
        name="baseline", status="ok", error=None, fold_of_row=np.zeros(n, dtype=np.intp),
        oof_pred=np.asarray(pred), oof_proba=np.asarray(proba, dtype=float),
    )  # fmt: skip
    comparison = Comparison(
        dataset=summary,
        config=CompareConfig(strategies=("baseline",)),
        results={"baseline": result},
        folds=(),
        y_true=np.asarray(y),
        row_ids=row_ids,
    )
    return comparison, ds


def test_label_next_orders_doubt_then_rarest_class_then_least_sure():
    # classes a (4 rows), b (2), c (1): c is the rarest, then b
    y = [0, 0, 0, 0, 1, 1, 2]
    pred = [0, 0, 1, 0, 1, 0, 2]
    proba = [
        [0.90, 0.05, 0.05],  # row 10: sure and right          -> not in doubt, focus a
        [0.50, 0.40, 0.10],  # row 11: margin 0.1              -> doubt, focus a
        [0.30, 0.60, 0.10],  # row 12: wrong (a -> b), 0.3     -> doubt, focus b
        [0.60, 0.10, 0.30],  # row 13: margin 0.3              -> doubt, focus a
        [0.05, 0.90, 0.05],  # row 14: sure and right          -> not in doubt, focus b
        [0.80, 0.15, 0.05],  # row 15: wrong (b -> a), 0.65    -> doubt, focus b
        [0.20, 0.20, 0.60],  # row 16: margin 0.4              -> doubt, focus c
    ]
    comparison, ds = _hand_run(
        "multiclass", ("a", "b", "c"), y, pred, proba, {"a": 4, "b": 2, "c": 1}
    )
    rows = label_next(comparison, ds, strategy="baseline")
    assert rows["row"].tolist() == [16, 12, 15, 11, 13, 14, 10]
    assert rows["focus_class"].tolist() == ["c", "b", "b", "a", "a", "b", "a"]
    assert rows["in_doubt"].tolist() == [True] * 5 + [False] * 2
    assert rows["margin"].to_numpy() == pytest.approx([0.4, 0.3, 0.65, 0.1, 0.3, 0.85, 0.85])
    assert rows["rank"].tolist() == list(range(1, 8))
    assert rows["y_true"].tolist() == ["c", "a", "b", "a", "a", "b", "a"]
    assert rows["proba_c"].tolist() == [0.6, 0.1, 0.05, 0.1, 0.3, 0.05, 0.05]
    # features of the same data rows; a feature named like an output column is renamed
    assert rows["f"].tolist() == [9.0, 3.0, 7.5, 1.5, 4.5, 6.0, 0.0]
    assert rows["row (feature)"].tolist() == ["r6", "r2", "r5", "r1", "r3", "r4", "r0"]
    assert label_next(comparison, ds, strategy="baseline", n=2)["row"].tolist() == [16, 12]


def test_label_next_multilabel_focuses_on_the_rarest_label_in_doubt():
    # labels x (3 rows), y (1 row): y is the rarer
    y = [[1, 0], [1, 1], [1, 0], [0, 0]]
    pred = [[1, 0], [1, 0], [1, 0], [0, 0]]
    proba = [[0.9, 0.1], [0.8, 0.45], [0.6, 0.3], [0.4, 0.05]]
    comparison, ds = _hand_run(
        "multilabel", ("x", "y"), np.array(y, dtype=np.int8), np.array(pred, dtype=np.int8),
        proba, {"x": 3, "y": 1},
    )  # fmt: skip
    rows = label_next(comparison, ds, strategy="baseline")
    assert rows["row"].tolist() == [11, 12, 13, 10]
    assert rows["focus_class"].tolist() == ["y", "y", "x", "x"]
    assert rows["margin"].to_numpy() == pytest.approx([0.1, 0.4, 0.2, 0.8])
    assert rows["in_doubt"].tolist() == [True, True, True, False]
    assert rows["y_true"].tolist() == ["x|y", "x", "", "x"]


def test_uncertainty_margin_by_hand():
    assert uncertainty_margin(np.array([[0.7, 0.2, 0.1], [0.5, 0.5, 0.0]])) == pytest.approx(
        [0.5, 0.0]
    )
    assert uncertainty_margin(np.array([0.5, 0.9, 0.0])) == pytest.approx([0.0, 0.8, 1.0])
    with pytest.raises(DataError, match=r"shape \(n, K >= 2\)"):
        uncertainty_margin(np.ones((3, 1)))


@pytest.mark.parametrize("task", ["binary", "multiclass", "multilabel"])
def test_label_next_on_a_real_run_agrees_with_predictions_csv(datasets, comparisons, task):
    comparison, ds = comparisons[task], datasets[task]
    rows = label_next(comparison, ds)
    assert len(rows) == min(200, ds.n_rows)
    preds = predictions_long(comparison)
    mine = preds[preds["strategy"] == rows["strategy"].iloc[0]].set_index("row")
    proba_cols = [f"proba_{c}" for c in comparison.classes]
    got = mine.loc[rows["row"], proba_cols].to_numpy()
    assert np.allclose(got, rows[proba_cols].to_numpy(), atol=TOL)
    if task != "multilabel":
        top = np.sort(got, axis=1)
        assert np.allclose(rows["margin"], top[:, -1] - top[:, -2], atol=TOL)
        wrong = rows["y_true"] != rows["y_pred"]
        assert (rows["in_doubt"] == ((rows["margin"] <= DOUBT_MARGIN) | wrong)).all()
    assert not rows["in_doubt"].iloc[1:].gt(rows["in_doubt"].iloc[:-1].to_numpy()).any()
    doubt = rows[rows["in_doubt"]]
    counts = comparison.dataset.class_counts
    rarity = doubt["focus_class"].map(lambda c: counts[c]).to_numpy()
    assert (np.diff(rarity) >= 0).all()  # rarest focus first (ties broken by class order)
    assert np.allclose(rows[list(ds.X.columns)].to_numpy(), ds.X.iloc[rows["row"]].to_numpy())


def test_label_next_refuses_bad_input(datasets, comparisons):
    with pytest.raises(DataError, match="whole number >= 1"):
        label_next(comparisons["binary"], datasets["binary"], n=0)
    with pytest.raises(DataError, match="is not the one this comparison ran on"):
        label_next(comparisons["binary"], datasets["multiclass"])
    with pytest.raises(DataError, match="has no results to rank rows by"):
        label_next(comparisons["binary"], datasets["binary"], strategy="smote")
    c = comparisons["binary"]
    no_proba = replace(c, results={"baseline": replace(c.results["baseline"], oof_proba=None)})
    with pytest.raises(DataError, match="gives no probabilities"):
        label_next(no_proba, datasets["binary"], strategy="baseline")


# --------------------------------------------------------------------------- CSV injection


def test_csv_bytes_neutralises_formulas_and_leaves_numbers():
    frame = pd.DataFrame(
        {
            "=cmd|' /C calc'!A0": ["=1+2", "+x", "-y", "@z", "\tq", "\rr"],
            "text": ["-1", "plain", "-1.5e3", "a=b", "", None],
            "number": [-1.5, 2.0, -3.0, 0.0, 1e-9, np.nan],
            "int": [-1, 2, 3, 4, 5, 6],
        }
    )
    out = pd.read_csv(io.BytesIO(csv_bytes(frame)), keep_default_na=False, dtype=str)
    assert out.columns[0] == "'=cmd|' /C calc'!A0"
    assert out.iloc[:, 0].tolist() == ["'=1+2", "'+x", "'-y", "'@z", "'\tq", "'\rr"]
    assert out["text"].tolist() == ["-1", "plain", "-1.5e3", "a=b", "", ""]
    assert out["number"].tolist() == ["-1.5", "2.0", "-3.0", "0.0", "1e-09", ""]
    assert out["int"].tolist() == ["-1", "2", "3", "4", "5", "6"]


@pytest.fixture(scope="module")
def formula_run():
    rng = np.random.default_rng(5)
    n = 180
    y = rng.choice(["ok", FORMULA_CLASS], size=n, p=[0.75, 0.25])
    frame = pd.DataFrame(
        {"x0": rng.normal(size=n) + (y != "ok") * 1.5, "-x1": rng.normal(size=n), "label": y}
    )
    ds = load_dataset(frame.to_csv(index=False).encode(), "label", name="=evil.csv")
    comparison = run_comparison(
        ds, CompareConfig(strategies=("baseline", "class_weight"), cv=3, n_jobs=1)
    )
    return ds, comparison


def test_a_formula_class_label_is_neutralised_in_every_csv(formula_run):
    ds, comparison = formula_run
    for data in (
        csv_bytes(metrics_long(comparison)),
        csv_bytes(predictions_long(comparison)),
        csv_bytes(label_next(comparison, ds)),
    ):
        frame = pd.read_csv(io.BytesIO(data), dtype=str, keep_default_na=False)
        cells = set(frame.to_numpy().ravel().tolist()) | set(frame.columns)
        assert "'" + FORMULA_CLASS in cells
        assert not any(str(v).startswith(("=", "+", "@")) for v in cells)
        assert not any(str(v).startswith("-") and not _number(v) for v in cells)


def _number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def test_a_formula_class_label_is_neutralised_in_the_workbook(formula_run):
    ds, comparison = formula_run
    data = excel_bytes(
        comparison,
        dataset=ds,
        profile=build_profile(ds),
        label_next_rows=label_next(comparison, ds),
    )
    book = load_workbook(io.BytesIO(data))
    assert book.sheetnames == [
        "summary", "per_class", "metrics", "confusion", "predictions", "label_next",
        "profile", "schema", "findings", "config",
    ]  # fmt: skip
    seen_label = False
    for ws in book.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (ws.title, cell.coordinate, cell.value)
                if isinstance(cell.value, str):
                    assert not cell.value.startswith(("=", "+", "@", "\t", "\r"))
                    seen_label |= cell.value == "'" + FORMULA_CLASS
    assert seen_label
    # numbers are written untouched
    sheet = book["per_class"]
    header = [c.value for c in sheet[1]]
    first = dict(zip(header, [c.value for c in sheet[2]], strict=True))
    result = comparison.results[first["strategy"]]
    expected = result.per_class.set_index("class").loc[ds.classes[0], "f1"]
    assert ds.classes[0] == FORMULA_CLASS
    assert first["class"] == "'" + FORMULA_CLASS and first["f1"] == expected


def test_workbook_cuts_predictions_at_the_row_limit_and_says_so(comparisons):
    comparison = comparisons["binary"]
    book = load_workbook(io.BytesIO(excel_bytes(comparison, max_rows=50)))
    sheet = book["predictions"]
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert len(values) == 50
    total = len(predictions_long(comparison))
    assert values[-1][0] == (
        f"Cut at Excel's row limit: 48 of {total:,} rows shown; predictions.csv has them all."
    )
    full = load_workbook(io.BytesIO(excel_bytes(comparison)))
    assert full["predictions"].max_row == total + 1
    confusion = [[c.value for c in row] for row in full["confusion"].iter_rows()]
    cm = np.asarray(comparison.results["baseline"].confusion)
    assert confusion[0][0] == "baseline: rows (true \\ predicted)"
    assert [r[1:] for r in confusion[1:3]] == cm.tolist()
