"""The single-feature leakage screen: each feature alone against one class."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from helpers import dataset_from, make_ds
from sklearn.metrics import roc_auc_score

from core.errors import DataError
from core.profile.leakage import class_labels, single_feature_auc


def leaky_ds(n: int = 400, seed: int = 0):
    rng = np.random.default_rng(seed)
    y = (rng.random(n) < 0.2).astype(int)
    X = pd.DataFrame(
        {
            "noise": rng.normal(size=n),
            "leak": -y + rng.normal(scale=0.05, size=n),  # a negated copy of the label
            "row_id": [f"id{i}" for i in range(n)],  # unique per row: memorising it is no signal
            "status": np.where(y == 1, "closed", "open"),  # a categorical copy of the label
        }
    )
    return dataset_from(X, y, ["no", "yes"])


def test_numeric_auc_is_sklearns_either_way_round():
    ds = leaky_ds()
    found = dict(single_feature_auc(ds, "yes"))
    y = (np.asarray(ds.y) == 1).astype(int)
    for col in ("noise", "leak"):
        auc = roc_auc_score(y, ds.X[col])
        assert found[col] == pytest.approx(max(auc, 1 - auc))
    assert found["leak"] >= 0.99  # negated: 1 - auc counts
    # The other class of a binary target is separated exactly as well.
    assert dict(single_feature_auc(ds, "no"))["leak"] == pytest.approx(found["leak"])


def test_categorical_rate_is_out_of_fold():
    found = single_feature_auc(leaky_ds(), "yes")
    names = [name for name, _ in found]
    assert names[:2] in (["leak", "status"], ["status", "leak"])  # best first
    aucs = dict(found)
    assert aucs["status"] == pytest.approx(1.0)
    assert aucs["row_id"] == pytest.approx(0.5)  # every ID is unseen in the other folds
    assert abs(aucs["noise"] - 0.5) < 0.1


def test_missing_values_count_as_a_value():
    y = np.array([0] * 10 + [1] * 10)
    x = np.r_[np.arange(10.0), [np.nan] * 10]  # missing exactly when the class is 1
    ds = dataset_from(pd.DataFrame({"x": x}), y, ["a", "b"])
    assert single_feature_auc(ds, "b") == [("x", pytest.approx(1.0))]


def test_multiclass_and_multilabel_use_the_class_against_the_rest():
    ds = make_ds("multiclass", n=200)
    y = (np.asarray(ds.y) == 2).astype(int)
    found = dict(single_feature_auc(ds, "z"))
    auc = roc_auc_score(y, ds.X["f0"])
    assert found["f0"] == pytest.approx(max(auc, 1 - auc))
    ml = make_ds("multilabel", n=120)
    np.testing.assert_array_equal(class_labels(ml, "b"), np.asarray(ml.y)[:, 1])
    assert len(single_feature_auc(ml, "b")) == 5


def test_sampling_and_degenerate_cases():
    ds = leaky_ds(n=400)
    sampled = dict(single_feature_auc(ds, "yes", max_rows=100, seed=3))
    assert sampled["leak"] >= 0.99 and set(sampled) == set(ds.X.columns)
    assert single_feature_auc(ds, "yes", max_rows=100, seed=3) == single_feature_auc(
        ds, "yes", max_rows=100, seed=3
    )
    one = dataset_from(pd.DataFrame({"x": np.arange(10.0)}), [0] * 9 + [1], ["a", "b"])
    assert single_feature_auc(one, "b") == []  # a single row: nothing to separate
    with pytest.raises(DataError, match="Unknown class"):
        single_feature_auc(ds, "maybe")
    with pytest.raises(DataError, match="max_rows"):
        single_feature_auc(ds, "yes", max_rows=3)
