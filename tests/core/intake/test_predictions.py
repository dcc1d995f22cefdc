"""core.intake.predictions: what a predictions file holds, and every mismatch as a DataError."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from core.errors import DataError
from core.intake.predictions import detect_layout, load_predictions, predictions_from_raw
from core.intake.reader import read_csv_source

N = 60


def _raw(frame: pd.DataFrame):
    return read_csv_source(frame.to_csv(index=False).encode(), name="p.csv")


def _proba(seed: int = 0, k: int = 3, n: int = N) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    y = np.arange(n) % k
    p = rng.dirichlet(np.ones(k), n)
    p[np.arange(n), y] += 1.0
    return y, p / p.sum(axis=1, keepdims=True)


def _multiclass(prefix: str = "proba_", seed: int = 0) -> pd.DataFrame:
    y, p = _proba(seed)
    return pd.DataFrame({"label": y, **{f"{prefix}{k}": p[:, k] for k in range(3)}})


def test_one_model_of_probabilities_per_class():
    raw = _raw(_multiclass())
    layout = detect_layout(raw, "label")
    assert (layout.task, layout.classes) == ("multiclass", ("0", "1", "2"))
    (model,) = layout.models
    assert model.score_columns == ("proba_0", "proba_1", "proba_2")
    assert model.kind == "probability"
    assert "Model 'model': probabilities in proba_0, proba_1, proba_2." in layout.describe()
    pset = predictions_from_raw(raw, layout)
    assert pset.models["model"].pred is None
    np.testing.assert_allclose(pset.models["model"].proba, raw.frame.iloc[:, 1:].to_numpy())
    np.testing.assert_array_equal(pset.y, np.arange(N) % 3)
    np.testing.assert_array_equal(pset.row_ids, np.arange(N))


@pytest.mark.parametrize("prefix", ["score_", ""])
def test_score_columns_or_class_names(prefix):
    frame = _multiclass(prefix).rename(columns={"label": "y"})
    layout = detect_layout(_raw(frame), "y")
    assert layout.models[0].score_columns == tuple(f"{prefix}{k}" for k in range(3))


def test_custom_prefix_and_text_classes():
    y, p = _proba()
    names = np.array(["cat", "dog", "eel"])
    frame = pd.DataFrame({"animal": names[y], **{f"p_{c}": p[:, k] for k, c in enumerate(names)}})
    layout = detect_layout(_raw(frame), "animal", scores_prefix="p_")
    assert layout.models[0].score_columns == ("p_cat", "p_dog", "p_eel")


def test_logits_are_raw_scores_mapped_by_softmax():
    y, p = _proba()
    logits = np.log(p) + 3.0
    frame = pd.DataFrame({"label": y, **{f"proba_{k}": logits[:, k] for k in range(3)}})
    pset = load_predictions(frame.to_csv(index=False).encode(), target="label")
    model = pset.models["model"]
    assert model.kind == "score"
    np.testing.assert_allclose(model.proba, p, atol=1e-9)  # softmax of log p + c is p
    np.testing.assert_allclose(model.raw, logits)
    assert "not for calibration" in pset.layout.describe()[1]


def test_rows_not_summing_to_one_are_scores():
    y, p = _proba()
    frame = pd.DataFrame({"label": y, **{f"proba_{k}": p[:, k] * 0.5 for k in range(3)}})
    pset = load_predictions(frame.to_csv(index=False).encode(), target="label")
    assert pset.models["model"].kind == "score"
    np.testing.assert_allclose(pset.models["model"].proba, p, atol=1e-12)


def test_binary_single_score_column_probability_and_margin():
    rng = np.random.default_rng(1)
    y = np.arange(N) % 2
    s = np.clip(0.3 * y + rng.uniform(0, 0.7, N), 0, 1)
    pset = load_predictions(
        pd.DataFrame({"y": y, "score": s}).to_csv(index=False).encode(), target="y"
    )
    model = pset.models["model"]
    assert model.kind == "probability" and model.columns.score_class == 1
    np.testing.assert_allclose(model.proba, np.column_stack([1 - s, s]), atol=1e-12)
    margin = pd.DataFrame({"y": y, "score": 4 * s - 2})
    pset = load_predictions(margin.to_csv(index=False).encode(), target="y")
    assert pset.models["model"].kind == "score"
    np.testing.assert_allclose(pset.models["model"].proba[:, 1], 1 / (1 + np.exp(-(4 * s - 2))))


def test_binary_one_class_column_scores_that_class():
    y = np.arange(N) % 2
    s = np.linspace(0.05, 0.95, N)
    frame = pd.DataFrame({"y": y, "proba_0": s})
    pset = load_predictions(frame.to_csv(index=False).encode(), target="y")
    np.testing.assert_allclose(pset.models["model"].proba, np.column_stack([s, 1 - s]))


def test_labels_only_model():
    y, _ = _proba()
    frame = pd.DataFrame({"label": y, "pred": (y + (np.arange(N) % 5 == 0)) % 3})
    layout = detect_layout(_raw(frame), "label")
    assert layout.models[0].kind == "label"
    assert "no scores: threshold views do not apply" in layout.describe()[1]
    pset = predictions_from_raw(_raw(frame), layout)
    assert pset.models["model"].proba is None
    np.testing.assert_array_equal(pset.models["model"].pred, frame["pred"].to_numpy())


def test_long_format_matches_rows_by_the_row_column():
    a, b = _multiclass(seed=0), _multiclass(seed=1)
    a = a.assign(model="net", row=np.arange(N))
    b = b.assign(model="gbm", row=np.arange(N)).iloc[::-1]  # another order
    pset = load_predictions(pd.concat([a, b]).to_csv(index=False).encode(), target="label")
    assert list(pset.models) == ["net", "gbm"]
    expected = _multiclass(seed=1)[["proba_0", "proba_1", "proba_2"]].to_numpy()
    np.testing.assert_allclose(pset.models["gbm"].proba, expected)
    assert pset.layout.model_column == "model"


def test_analyze_predictions_csv_reads_back():
    y, p = _proba()
    frame = pd.DataFrame({"strategy": "baseline", "row": np.arange(N), "fold": np.arange(N) % 3,
                          "y_true": y, "y_pred": p.argmax(axis=1),
                          **{f"proba_{k}": p[:, k] for k in range(3)}})  # fmt: skip
    pset = load_predictions(frame.to_csv(index=False).encode(), target="y_true")
    model = pset.models["baseline"]
    assert model.columns.pred_columns == ("y_pred",)
    np.testing.assert_array_equal(pset.fold, np.arange(N) % 3)


def test_side_by_side_models():
    y, p = _proba()
    frame = pd.DataFrame({"label": y, **{f"net:proba_{k}": p[:, k] for k in range(3)},
                          "gbm:pred": y, "feature": 1.0})  # fmt: skip
    layout = detect_layout(_raw(frame), "label")
    assert [m.name for m in layout.models] == ["net", "gbm"]
    assert layout.ignored == ("feature",)


def test_multilabel_columns_with_true_prefix():
    rng = np.random.default_rng(2)
    y = (rng.uniform(size=(N, 2)) < 0.4).astype(int)
    y[0], y[1] = (1, 1), (0, 0)
    p = np.clip(0.5 * y + rng.uniform(0, 0.5, (N, 2)), 0, 1)
    frame = pd.DataFrame({"true_a": y[:, 0], "true_b": y[:, 1], "proba_a": p[:, 0],
                          "proba_b": p[:, 1], "pred_a": y[:, 0], "pred_b": 1 - y[:, 1]})  # fmt: skip
    pset = load_predictions(frame.to_csv(index=False).encode(), target=["true_a", "true_b"])
    assert (pset.task, pset.classes) == ("multilabel", ("a", "b"))
    np.testing.assert_array_equal(pset.models["model"].pred[:, 1], 1 - y[:, 1])


def test_multilabel_label_sets():
    frame = pd.DataFrame({"tags": ["a|b", "a", "b", ""] * 5,
                          "proba_a": [0.9, 0.8, 0.1, 0.2] * 5, "proba_b": [0.7, 0.3, 0.8, 0.1] * 5,
                          "pred": ["a|b", "a", "a", ""] * 5})  # fmt: skip
    pset = load_predictions(frame.to_csv(index=False).encode(), target="tags", label_sep="|")
    assert pset.task == "multilabel"
    np.testing.assert_array_equal(pset.models["model"].pred[:4], [[1, 1], [1, 0], [1, 0], [0, 0]])


# ---------------------------------------------------------------------------- errors


def _load(frame: pd.DataFrame, **kw):
    kw.setdefault("target", "label")
    return load_predictions(frame.to_csv(index=False).encode(), **kw)


def test_class_without_score_column():
    with pytest.raises(DataError, match=r"Class '2' of the target has no score column"):
        _load(_multiclass().drop(columns="proba_2"))


def test_score_column_for_an_unknown_class():
    with pytest.raises(DataError, match=r"Score column 'proba_7' is for class '7', which is not"):
        _load(_multiclass().assign(proba_7=0.0))


def test_scores_that_are_not_numbers():
    frame = _multiclass().astype({"proba_1": object})
    frame.loc[3, "proba_1"] = "high"
    with pytest.raises(
        DataError, match=r"Score column 'proba_1' holds values that are not numbers"
    ):
        _load(frame)


def test_missing_scores():
    frame = _multiclass()
    frame.loc[[4, 9], "proba_0"] = np.nan
    with pytest.raises(DataError, match=r"'proba_0' has 2 missing value\(s\) \(data rows 4, 9\)"):
        _load(frame)


def test_no_score_column_at_all():
    frame = pd.DataFrame({"label": [0, 1] * 10, "x": range(20)})
    with pytest.raises(DataError, match=r"No score or predicted-label column found"):
        _load(frame)


def test_models_with_different_row_sets():
    a = _multiclass().assign(model="net", row=np.arange(N))
    b = _multiclass().assign(model="gbm", row=np.arange(N) + 1)
    with pytest.raises(DataError, match=r"Models 'net' and 'gbm' scored different rows"):
        _load(pd.concat([a, b]))
    b = _multiclass().assign(model="gbm").iloc[:-3]
    with pytest.raises(DataError, match=r"scored different rows \(60 and 57 rows\)"):
        _load(pd.concat([a.drop(columns="row"), b]))


def test_models_with_different_true_targets():
    a = _multiclass().assign(model="net")
    b = _multiclass().assign(model="gbm")
    b["label"] = (b["label"] + 1) % 3
    with pytest.raises(DataError, match=r"give different true targets for the same rows"):
        _load(pd.concat([a, b]))


def test_duplicate_row_of_one_model():
    a = _multiclass().assign(model="net", row=np.arange(N) // 2)
    with pytest.raises(DataError, match=r"occurs twice for model 'net'"):
        _load(a)


def test_predicted_label_that_is_not_a_class():
    frame = _multiclass().assign(pred=5)
    with pytest.raises(DataError, match=r"Column 'pred' predicts '5', not a class of the target"):
        _load(frame)


def test_single_fold():
    with pytest.raises(DataError, match=r"Column 'fold' has a single value"):
        _load(_multiclass().assign(fold=1))


def test_model_column_and_prefixes_together():
    frame = _multiclass().assign(model="net", **{"gbm:pred": 0})
    with pytest.raises(DataError, match=r"both a 'model' column and '<model>:<column>' names"):
        _load(frame)


def test_target_errors_are_the_data_files_ones():
    with pytest.raises(DataError, match=r"Target column 'labl' is not in the file"):
        _load(_multiclass(), target="labl")
