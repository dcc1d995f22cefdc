"""Tests for core.profile.measures: hand-computed measures, a geometric difficulty example, pitfalls."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest
from helpers import dataset_from, finding_codes, spread_ds

from core.errors import DataError
from core.intake.dataset import Dataset
from core.profile.finding import Finding
from core.profile.measures import build_profile

TOL = 1e-9


# --- single-label measures ------------------------------------------------------------


def test_binary_counts_ratio_shares_entropy():
    # 90 'no' vs 10 'yes': IR = 9, shares 0.9 / 0.1,
    # entropy = -(0.9 ln 0.9 + 0.1 ln 0.1) / ln 2 = 0.4689955935892812
    p = build_profile(spread_ds([90, 10]))
    assert p.class_counts == {"c0": 90, "c1": 10}
    assert p.class_shares == pytest.approx({"c0": 0.9, "c1": 0.1}, abs=TOL)
    assert p.imbalance_ratio == pytest.approx(9.0, abs=TOL)
    assert p.majority_class == "c0"
    assert p.minority_classes == ("c1",)
    assert p.balance_entropy == pytest.approx(0.4689955935892812, abs=TOL)
    assert p.multilabel is None


def test_multiclass_minority_is_below_balanced_share():
    # n = 100, K = 4, balanced share 25: counts 50, 25, 15, 10 -> minority c2, c3 (25 is not below)
    # entropy = -sum p ln p / ln 4 with p = .5, .25, .15, .1
    p = build_profile(spread_ds([50, 25, 15, 10]))
    assert p.minority_classes == ("c2", "c3")
    assert p.imbalance_ratio == pytest.approx(5.0, abs=TOL)
    shares = np.array([0.5, 0.25, 0.15, 0.1])
    expected = -(shares * np.log(shares)).sum() / math.log(4)
    assert p.balance_entropy == pytest.approx(expected, abs=TOL)


def test_balanced_binary_has_no_minority_and_entropy_one():
    p = build_profile(spread_ds([15, 15]))
    assert p.minority_classes == ()
    assert p.balance_entropy == pytest.approx(1.0, abs=TOL)
    assert p.imbalance_ratio == pytest.approx(1.0, abs=TOL)


# --- multi-label measures -------------------------------------------------------------

# 6 rows x 4 labels (L0..L3); row 6 has no label.
Y_SMALL = np.array(
    [
        [1, 1, 0, 0],
        [1, 0, 0, 0],
        [1, 0, 1, 0],
        [1, 1, 0, 1],
        [0, 1, 0, 0],
        [0, 0, 0, 0],
    ]
)


def test_multilabel_measures_by_hand():
    X = pd.DataFrame({"a": [0.0, 1.0, 2.0, 3.0, 4.0, 5.0]})
    p = build_profile(dataset_from(X, Y_SMALL, ["L0", "L1", "L2", "L3"]))
    ml = p.multilabel
    # label counts 4, 3, 1, 1 -> IRLbl = 4/4, 4/3, 4/1, 4/1
    assert p.class_counts == {"L0": 4, "L1": 3, "L2": 1, "L3": 1}
    assert list(ml.irlbl.values()) == pytest.approx([1, 4 / 3, 4, 4], abs=TOL)
    # MeanIR = (1 + 4/3 + 4 + 4) / 4 = 31/12
    assert ml.mean_ir == pytest.approx(31 / 12, abs=TOL)
    # In twelfths IRLbl = 12, 16, 48, 48, mean 31: deviations -19, -15, 17, 17;
    # squares sum 1164/144, /3 (ddof=1) = 97/36 -> std = sqrt(97)/6; CVIR = std / MeanIR
    assert ml.cvir == pytest.approx((math.sqrt(97) / 6) / (31 / 12), abs=TOL)
    assert ml.cvir == pytest.approx(2 * math.sqrt(97) / 31, abs=TOL)
    # SCUMBLE per row = 1 - geometric mean / arithmetic mean of the row's IRLbl:
    #   row1 {1, 4/3}: 1 - sqrt(4/3) / (7/6) = 1 - 12 / (7 sqrt 3)
    #   row3 {1, 4}:   1 - 2 / 2.5 = 0.2
    #   row4 {1, 4/3, 4}: 1 - (16/3)^(1/3) / (19/9)
    #   rows 2, 5 (one label) and 6 (none): 0; mean over all 6 rows
    rows = [1 - 12 / (7 * math.sqrt(3)), 0.2, 1 - (16 / 3) ** (1 / 3) / (19 / 9)]
    assert ml.scumble == pytest.approx(sum(rows) / 6, abs=TOL)
    assert ml.scumble == pytest.approx(0.0637758, abs=1e-6)
    # cardinality = (2+1+2+3+1+0)/6 = 1.5; density = 1.5/4
    assert ml.label_cardinality == pytest.approx(1.5, abs=TOL)
    assert ml.label_density == pytest.approx(0.375, abs=TOL)
    expected_cooc = [[4, 2, 1, 1], [2, 3, 0, 1], [1, 0, 1, 0], [1, 1, 0, 1]]
    np.testing.assert_array_equal(ml.cooccurrence, expected_cooc)
    assert ml.n_labelsets == 6
    assert ml.n_rows_no_label == 1
    # minority labels: IRLbl > MeanIR = 2.583
    assert p.minority_classes == ("L2", "L3")
    assert p.majority_class == "L0"
    assert p.imbalance_ratio == pytest.approx(4.0, abs=TOL)
    assert p.class_shares["L1"] == pytest.approx(0.5, abs=TOL)
    found = finding_codes(p)
    assert "high_scumble" not in found  # 0.064 <= 0.1
    assert "severe_imbalance" not in found  # max IRLbl 4 < 10
    assert "too_small_for_smote" not in found  # not checked for multi-label


def test_multilabel_label_nobody_carries_is_left_out_of_ir():
    y = np.array([[1, 1, 0], [1, 0, 0], [1, 0, 0]])
    X = pd.DataFrame({"a": [0.0, 1.0, 2.0]})
    ml = build_profile(dataset_from(X, y, ["a", "b", "c"])).multilabel
    assert math.isnan(ml.irlbl["c"])
    assert ml.mean_ir == pytest.approx((1 + 3) / 2, abs=TOL)


def test_high_scumble_and_severe_label_imbalance_fire():
    # 10 rows all carry L0 (IRLbl 1); L1, L2, L3 each sit in one row next to L0 (IRLbl 10).
    # Such a row scores 1 - sqrt(10) / 5.5 = 0.42504; SCUMBLE = 3 * that / 10 = 0.12751.
    y = np.zeros((10, 4), dtype=int)
    y[:, 0] = 1
    y[0, 1] = y[1, 2] = y[2, 3] = 1
    X = pd.DataFrame({"a": np.arange(10.0)})
    p = build_profile(dataset_from(X, y, ["L0", "L1", "L2", "L3"]))
    assert p.multilabel.scumble == pytest.approx(3 * (1 - math.sqrt(10) / 5.5) / 10, abs=TOL)
    found = finding_codes(p)
    assert found["high_scumble"].severity == "warning"
    assert found["high_scumble"].evidence["scumble"] == pytest.approx(0.12751, abs=1e-5)
    severe = found["severe_imbalance"]
    assert set(severe.evidence["irlbl"]) == {"L1", "L2", "L3"}
    assert "'L1'" in severe.message and "MeanIR" in severe.message


# --- neighbourhood difficulty ---------------------------------------------------------

# Groups of exactly 6 rows, 1000 apart on a line: every row's 5 nearest neighbours are the other
# 5 rows of its group, so a minority row has (minority rows in its group - 1) minority neighbours.
GROUPS = [(6, 0), (5, 1), (4, 2), (3, 3), (2, 4), (1, 5)] + [(0, 6)] * 10  # (minority, majority)


def geometric_ds() -> Dataset:
    xs, ys = [], []
    for g, (n_min, n_maj) in enumerate(GROUPS):
        xs += [1000.0 * g + 0.1 * i for i in range(6)]
        ys += [1] * n_min + [0] * n_maj
    X = pd.DataFrame({"x": xs, "x2": [2 * v for v in xs]})
    return dataset_from(X, ys, ["major", "minor"])


def test_difficulty_types_on_a_constructed_geometry():
    p = build_profile(geometric_ds())
    d = p.difficulty
    assert (d.k, d.n_rows_used, d.sampled) == (5, 96, False)
    # same-class neighbours: 6 rows x5, 5 rows x4 -> safe 11; 4 rows x3, 3 rows x2 -> borderline 7;
    # 2 rows x1 -> rare 2; 1 row x0 -> outlier 1
    assert d.types["minor"] == {"safe": 11, "borderline": 7, "rare": 2, "outlier": 1}
    assert d.type_shares["minor"]["borderline"] == pytest.approx(7 / 21, abs=TOL)
    # neighbours of minority rows: minor 30+20+12+6+2+0 = 70, major 0+5+8+9+8+5 = 35 (of 105)
    assert d.overlap["minor"] == pytest.approx({"minor": 70 / 105, "major": 35 / 105}, abs=TOL)
    # non-safe share 10/21 < 50%: not a hard minority
    assert "hard_minority" not in finding_codes(p)


def test_hard_minority_names_the_classes_it_overlaps():
    # Class 'c' (14 rows) lives inside groups with 'a' and 'b': 'c' rows have 1 or 2 'c' neighbours.
    groups = [("c", "c", "a", "a", "a", "a"), ("c", "c", "b", "b", "b", "b")] * 2
    groups += [("c", "c", "c", "a", "a", "a"), ("c", "c", "c", "b", "b", "b")]
    groups += [("a",) * 6] * 4 + [("b",) * 6] * 4
    xs, labels = [], []
    for g, members in enumerate(groups):
        xs += [1000.0 * g + 0.1 * i for i in range(6)]
        labels += list(members)
    y = np.array(["abc".index(v) for v in labels])
    p = build_profile(dataset_from(pd.DataFrame({"x": xs}), y, ["a", "b", "c"]))
    assert p.minority_classes == ("c",)
    # 8 'c' rows with 1 'c' neighbour (rare), 6 with 2 (borderline)
    assert p.difficulty.types["c"] == {"safe": 0, "borderline": 6, "rare": 8, "outlier": 0}
    hard = finding_codes(p)["hard_minority"]
    assert hard.severity == "warning"
    assert hard.evidence["unsafe_share"] == pytest.approx(1.0, abs=TOL)
    assert "'a'" in hard.message and "'b'" in hard.message
    # neighbours of 'c': 'c' 8*1 + 6*2 = 20, 'a' 4*4 + 3*3 = 25, 'b' 25 (of 70)
    assert p.difficulty.overlap["c"] == pytest.approx(
        {"a": 25 / 70, "b": 25 / 70, "c": 20 / 70}, abs=TOL
    )


def test_multilabel_difficulty_is_one_vs_rest_per_label():
    base = geometric_ds()
    minor = np.asarray(base.y)
    y = np.column_stack([np.ones_like(minor), minor])  # 'all' on every row, 'rare' = minority
    p = build_profile(dataset_from(base.X, y, ["all", "rare"]))
    assert p.minority_classes == ("rare",)
    assert p.difficulty.types["rare"] == {"safe": 11, "borderline": 7, "rare": 2, "outlier": 1}
    assert set(p.difficulty.types) == {"rare"}  # minority labels only
    assert p.difficulty.overlap["all"] == pytest.approx({"all": 1.0, "rare": 105 / 480}, abs=TOL)
    assert p.difficulty.overlap["rare"] == pytest.approx({"all": 1.0, "rare": 70 / 105}, abs=TOL)


def test_categorical_features_shape_neighbourhoods_and_missing_values_are_imputed():
    # Numbers say nothing; the category separates classes; NaNs in both kinds are imputed.
    n_min, n_maj = 6, 30
    X = pd.DataFrame(
        {
            "num": [1.0] * (n_min + n_maj),
            "cat": ["r"] * n_min + ["s"] * n_maj,
        }
    )
    X.loc[3, "num"] = np.nan
    X.loc[10, "cat"] = np.nan  # imputed with the most frequent, 's'
    p = build_profile(dataset_from(X, [1] * n_min + [0] * n_maj, ["major", "minor"]))
    assert p.difficulty.types["minor"] == {"safe": 6, "borderline": 0, "rare": 0, "outlier": 0}


def test_stratified_sample_when_rows_exceed_limit():
    ds = spread_ds([270, 27, 3], seed=1)
    p = build_profile(ds, max_knn_rows=100, seed=7)
    d = p.difficulty
    assert d.sampled and d.n_rows_used == 100
    # proportional: 90, 9, 1 rows per class; types are kept for the minority classes only
    assert {c: sum(t.values()) for c, t in d.types.items()} == {"c1": 9, "c2": 1}
    assert set(d.overlap) == {"c0", "c1", "c2"}
    assert p.n_rows == 300  # the other measures use every row
    again = build_profile(ds, max_knn_rows=100, seed=7).difficulty
    assert again.types == d.types and again.overlap == d.overlap
    full = build_profile(ds, max_knn_rows=300).difficulty
    assert not full.sampled and full.n_rows_used == 300
    hard = finding_codes(build_profile(ds, max_knn_rows=100, seed=7))["hard_minority"]
    assert "sample of 100 rows" in hard.message


def test_multilabel_sample_keeps_a_rare_label():
    rng = np.random.default_rng(0)
    y = np.zeros((200, 2), dtype=int)
    y[:, 0] = 1
    y[:4, 1] = 1  # 'rare' on 4 of 200 rows: a 10% sample still keeps at least one
    X = pd.DataFrame({"a": rng.normal(size=200)})
    d = build_profile(dataset_from(X, y, ["common", "rare"]), max_knn_rows=20).difficulty
    assert d.n_rows_used == 20
    assert sum(d.types["rare"].values()) == 1  # 0.4 of a row, rounded up to keep the label


def test_no_features_means_no_difficulty():
    ds = dataset_from(pd.DataFrame(index=range(30)), [0] * 20 + [1] * 10, ["a", "b"])
    p = build_profile(ds)
    assert p.difficulty is None
    assert "hard_minority" not in finding_codes(p)


# --- pitfalls -------------------------------------------------------------------------


def test_duplicate_rows_concentrated_in_minority_warn_of_oversampling():
    rng = np.random.default_rng(0)
    X = pd.DataFrame(rng.normal(size=(50, 2)), columns=["a", "b"])
    y = np.array([0] * 40 + [1] * 10)
    X = pd.concat([X, X.iloc[40:]], ignore_index=True)  # every minority row copied once
    y = np.concatenate([y, y[40:]])
    p = build_profile(dataset_from(X, y, ["neg", "pos"]))
    dup = finding_codes(p)["duplicate_rows"]
    assert dup.severity == "warning"
    assert dup.evidence["per_class"]["pos"] == {"duplicates": 10, "share": 0.5}
    assert dup.evidence["per_class"]["neg"]["duplicates"] == 0
    assert dup.evidence["flagged_classes"] == ["pos"]
    assert "SMOTE" in dup.message and "10 of 20" in dup.message
    assert p.duplicates.n_duplicate_rows == 10
    assert "conflicting_duplicates" not in finding_codes(p)


def test_duplicate_rows_spread_evenly_are_only_info():
    rng = np.random.default_rng(0)
    X = pd.DataFrame(rng.normal(size=(50, 2)), columns=["a", "b"])
    y = np.array([0] * 40 + [1] * 10)
    copies = [0, 1, 2, 3, 40]  # 4 of 40 majority (10%), 1 of 10 minority (10%)
    X = pd.concat([X, X.iloc[copies]], ignore_index=True)
    y = np.concatenate([y, y[copies]])
    dup = finding_codes(build_profile(dataset_from(X, y, ["neg", "pos"])))["duplicate_rows"]
    assert dup.severity == "info"
    assert dup.evidence["n_duplicate_rows"] == 5


def test_no_duplicates_no_finding():
    found = finding_codes(build_profile(spread_ds([40, 10])))
    assert "duplicate_rows" not in found and "conflicting_duplicates" not in found


def test_conflicting_duplicates():
    X = pd.DataFrame({"a": np.arange(30.0), "c": ["u", "v"] * 15})
    X.loc[[1, 2, 3], "a"] = 0.0
    X.loc[[1, 2, 3], "c"] = "u"  # rows 0-3 identical features
    X.loc[11, "a"] = 10.0
    X.loc[11, "c"] = "u"  # rows 10-11 identical features
    y = np.array([0] * 20 + [1] * 10)
    y[[2, 11]] = 1  # group 0-3 has both classes; group 10-11 too
    p = build_profile(dataset_from(X, y, ["a", "b"]))
    found = finding_codes(p)["conflicting_duplicates"]
    assert found.evidence == {"n_groups": 2, "n_rows": 6}
    assert "2 groups" in found.message and "6" in found.message
    # rows 0, 1, 3 are class a with equal features: 2 of them are exact duplicates
    assert p.duplicates.n_duplicate_rows == 2


@pytest.mark.parametrize(
    ("counts", "fires"),
    [
        ([10, 10], True),
        ([11, 10], True),
        ([10, 9], False),
        ([12, 8], False),
        ([5, 5], False),
        ([7, 7, 7], True),
    ],
)
def test_exactly_balanced(counts, fires):
    found = finding_codes(build_profile(spread_ds(counts)))
    assert ("exactly_balanced" in found) == fires
    if fires:
        assert found["exactly_balanced"].evidence["n_rows"] == sum(counts)


@pytest.mark.parametrize(("cv", "fires"), [(5, True), (3, False)])
def test_too_small_for_folds(cv, fires):
    found = finding_codes(build_profile(spread_ds([40, 3]), cv=cv))
    assert ("too_small_for_folds" in found) == fires
    if fires:
        f = found["too_small_for_folds"]
        assert f.evidence["classes"] == {"c1": 3}
        assert "at most 3 folds" in f.suggestion


@pytest.mark.parametrize(
    ("minority", "largest_k"),
    [(6, 3), (7, 4), (8, None), (2, 0)],  # training fold = count - ceil(count / 5)
)
def test_too_small_for_smote(minority, largest_k):
    found = finding_codes(build_profile(spread_ds([60, minority]), k=5, cv=5))
    if largest_k is None:  # 8 - 2 = 6 rows > k = 5
        assert "too_small_for_smote" not in found
        return
    f = found["too_small_for_smote"]
    assert f.evidence["largest_k"] == largest_k
    assert f.evidence["training_fold_counts"] == {"c1": largest_k + 1}
    if largest_k >= 1:
        assert f"at most {largest_k}" in f.suggestion
    else:
        assert "cannot run at all with 'c1'" in f.suggestion
    assert f"{largest_k + 1} row" in f.message


# [90, 10] no longer passes as "nothing alarming" (issue 13): a 90% majority is severe
# whatever the ratio; [89, 11] (ratio 8.1, majority 89%) is still not severe.
@pytest.mark.parametrize(("counts", "fires"), [([100, 10], True), ([89, 11], False)])
def test_severe_imbalance(counts, fires):
    found = finding_codes(build_profile(spread_ds(counts)))
    assert ("severe_imbalance" in found) == fires
    if fires:
        f = found["severe_imbalance"]
        assert f.evidence["imbalance_ratio"] == pytest.approx(10.0, abs=TOL)
        assert "10.0 times" in f.message and "90.9%" in f.message


@pytest.mark.parametrize("counts", [[90, 10], [180, 15, 5]])
def test_severe_imbalance_by_majority_share(counts):
    # A majority of 90% or more is severe even when the ratio is under 10 (90 / 10 = 9).
    f = finding_codes(build_profile(spread_ds(counts)))["severe_imbalance"]
    share = counts[0] / sum(counts)
    assert f.evidence["majority_share"] == pytest.approx(share, abs=TOL)
    assert f.evidence["imbalance_ratio"] == pytest.approx(counts[0] / min(counts), abs=TOL)
    assert f"{100 * share:.1f}% accuracy" in f.message


def test_majority_share_alone_fires_below_ratio_ten():
    found = finding_codes(build_profile(spread_ds([91, 10])))  # ratio 9.1, majority 90.1%
    assert found["severe_imbalance"].evidence["imbalance_ratio"] < 10
    assert "severe_imbalance" not in finding_codes(build_profile(spread_ds([85, 15])))


def test_findings_are_sorted_by_severity_and_validated():
    p = build_profile(spread_ds([100, 10, 3]))
    order = [f.severity for f in p.findings]
    assert order == sorted(order, key=["error", "warning", "info"].index)
    with pytest.raises(ValueError, match="severity must be one of"):
        Finding("x", "fatal", "t", "m", "s", {})


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"k": 0}, "k must be a whole number of at least 1. Got 0 instead"),
        ({"cv": 1}, "cv must be a whole number of at least 2. Got 1 instead"),
        ({"max_knn_rows": 1}, "max_knn_rows must be a whole number of at least 2"),
        ({"k": 2.5}, "k must be a whole number"),
        ({"cv": True}, "cv must be a whole number"),
    ],
)
def test_bad_options_raise_data_error(kwargs, match):
    with pytest.raises(DataError, match=match):
        build_profile(spread_ds([10, 10]), **kwargs)


# --- serialisation --------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["binary", "multiclass", "multilabel"])
def test_to_dict_is_json_serialisable(kind):
    if kind == "multilabel":
        X = pd.DataFrame({"a": np.arange(6.0), "c": ["x", "y", None, "x", "y", "x"]})
        ds = dataset_from(X, Y_SMALL, ["L0", "L1", "L2", "L3"])
    else:
        ds = spread_ds([100, 10] if kind == "binary" else [100, 10, 3])
    d = build_profile(ds).to_dict()
    text = json.dumps(d, allow_nan=False)  # NaN / inf must have become None
    back = json.loads(text)
    for key in ("task", "n_rows", "classes", "class_counts", "findings", "difficulty"):
        assert key in back
    assert back["task"] == kind
    assert back["class_counts"] == build_profile(ds).class_counts
    assert all(set(f) >= {"code", "severity", "message", "evidence"} for f in back["findings"])
    if kind == "multilabel":
        assert back["balance_entropy"] is None
        assert back["multilabel"]["cooccurrence"][0] == [4, 2, 1, 1]
        assert back["difficulty"]["k"] == 5
    else:
        assert back["multilabel"] is None
        assert back["difficulty"]["type_shares"]["c1"]["safe"] is not None
