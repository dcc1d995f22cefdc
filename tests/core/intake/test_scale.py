"""Big files: lossless numeric downcasting at intake, stratified samples announced everywhere
they are used (Dataset, comparison, report, saved run, CLI)."""

from __future__ import annotations

import io
import json
from dataclasses import replace
from html import escape

import numpy as np
import pandas as pd
import pytest

from core.cli import main
from core.errors import DataError
from core.evaluation.comparison import CompareConfig, run_comparison
from core.evaluation.summary import DatasetSummary
from core.exports.results_json import results_dict
from core.intake.dataset import build_dataset, read_table
from core.intake.reader import RawTable
from core.intake.sampling import MIN_CLASS_ROWS, stratified_rows, stratified_sample
from core.intake.tidy import compact_numeric
from core.profile.measures import build_profile
from core.report.document import ReportBundle
from core.runs.codec import Decoder
from core.runs.store import RunStore

# -- lossless downcasting ------------------------------------------------------------------------


def test_compact_numeric_follows_the_documented_rule():
    frame = pd.DataFrame(
        {
            "tiny": np.array([-128, 0, 127], dtype=np.int64),
            "small": np.array([-129, 0, 32_767], dtype=np.int64),
            "mid": np.array([0, 40_000, -(2**31)], dtype=np.int64),
            "big": np.array([0, 1, 2**31], dtype=np.int64),  # over int32: stays
            "whole_with_gap": [1.0, np.nan, 2.0**24],  # exact in float32
            "halves": [0.5, -0.25, 3.75],  # dyadic: exact
            "decimals": [0.1, 0.2, 0.3],  # not exact in float32: stays float64
            "beyond_2_24": [2.0**24 + 1, 0.0, 1.0],  # whole but not exact in float32
            "huge": [1e300, 0.0, 1.0],  # overflows float32: stays, no warning
            "text": ["a", "b", "c"],
            "flag": [True, False, True],
        }
    )
    original = frame.copy()
    got = compact_numeric(frame)
    assert got.dtypes.astype(str).to_dict() == {
        "tiny": "int8",
        "small": "int16",
        "mid": "int32",
        "big": "int64",
        "whole_with_gap": "float32",
        "halves": "float32",
        "decimals": "float64",
        "beyond_2_24": "float64",
        "huge": "float64",
        "text": "str",
        "flag": "bool",
    }
    for col in original.columns:  # every value survives the round trip bit for bit
        if pd.api.types.is_numeric_dtype(original[col]) and original[col].dtype != bool:
            back = got[col].to_numpy(dtype=np.float64)
            np.testing.assert_array_equal(back, original[col].to_numpy(dtype=np.float64))


def test_schema_reason_states_the_compact_type_and_models_see_float64():
    csv = "age,visits,score,ratio,y\n" + "".join(
        f"{18 + (7 * i) % 50},{i % 5 if i % 7 else ''},{0.5 * (i % 9)},{i / 7:.6f},{i % 2}\n"
        for i in range(60)
    )
    raw = read_table(csv.encode())
    ds = build_dataset(raw, "y")
    reasons = {d.column: d.reason for d in ds.schema}
    assert raw.frame["age"].dtype == np.int8
    assert reasons["age"] == "numeric; read as int8 (lossless)"
    assert reasons["visits"] == "numeric; 9 missing; read as float32 (lossless)"
    assert reasons["score"] == "numeric; read as float32 (lossless)"
    assert reasons["ratio"] == "numeric"  # decimals stay float64, no note
    for col in ("age", "visits", "score", "ratio"):
        assert ds.X[col].dtype == np.float64
    expected = pd.read_csv(io.StringIO(csv), dtype=np.float64)
    for col in ("age", "visits", "score", "ratio"):
        np.testing.assert_array_equal(ds.X[col].to_numpy(), expected[col].to_numpy())


def test_compacted_intake_gives_the_same_models_and_metrics():
    """A table read with compact types and the same table kept in 64-bit types give
    bit-identical comparisons: downcasting changes memory, never a number."""
    rng = np.random.default_rng(3)
    n = 240
    frame = pd.DataFrame(
        {
            "count": rng.integers(0, 50, n),
            "cents": rng.integers(-30_000, 30_000, n),
            "half": rng.integers(0, 20, n) / 2,
            "noise": rng.normal(size=n).round(3),
            "y": np.where(rng.random(n) < 0.25, "rare", "common"),
        }
    )
    frame.loc[::9, "half"] = np.nan
    raw = read_table(frame.to_csv(index=False).encode(), name="f.csv")
    assert {str(raw.frame[c].dtype) for c in ("count", "cents", "half")} == {
        "int8",
        "int16",
        "float32",
    }
    wide = raw.frame.copy()
    for col in ("count", "cents", "half"):
        wide[col] = wide[col].astype(np.float64 if col == "half" else np.int64)
    raw64 = RawTable(wide, raw.name, raw.content_hash, raw.encoding, raw.delimiter, raw.notes)
    config = CompareConfig(strategies=("baseline", "random_over"), cv=3, n_jobs=1)
    a = run_comparison(build_dataset(raw, "y"), config)
    b = run_comparison(build_dataset(raw64, "y"), config)
    for name in config.strategies:
        np.testing.assert_array_equal(a.results[name].oof_proba, b.results[name].oof_proba)
        assert a.results[name].summary == b.results[name].summary


# -- stratified samples --------------------------------------------------------------------------


def test_stratified_rows_keep_shares_and_the_floor():
    strata = np.repeat([0, 1, 2], [9_000, 900, 100])
    rows = stratified_rows(strata, 1_000, seed=0)
    assert rows.size == 1_000 and np.all(np.diff(rows) > 0)
    # 900 / 90 / 10 in proportion; the last is raised to the floor, paid by the largest
    np.testing.assert_array_equal(np.bincount(strata[rows]), [900 - 15, 90, MIN_CLASS_ROWS])
    np.testing.assert_array_equal(rows, stratified_rows(strata, 1_000, seed=0))
    assert not np.array_equal(rows, stratified_rows(strata, 1_000, seed=1))


@pytest.mark.parametrize("task", ["binary", "multiclass", "multilabel"])
def test_sample_is_a_dataset_of_the_chosen_rows_and_says_so(datasets, task):
    ds = replace(datasets[task], notes=("an intake note",))
    sample = stratified_sample(ds, 120, seed=2)
    assert sample.n_rows == 120 and sample.task == ds.task and sample.classes == ds.classes
    rows = np.searchsorted(ds.row_ids, sample.row_ids)  # row_ids are 0..n-1 here
    assert np.all(np.diff(rows) > 0), "rows stay in file order"
    pd.testing.assert_frame_equal(sample.X, ds.X.iloc[rows].reset_index(drop=True))
    np.testing.assert_array_equal(sample.y, np.asarray(ds.y)[rows])
    assert isinstance(sample.X.index, pd.RangeIndex)
    assert sample.sampled_from == ds.n_rows
    assert sample.content_hash == f"{ds.content_hash}#sample-120-seed2"
    assert sample.notes[0] == "an intake note" and sample.notes[-1] == sample.sample_note
    assert sample.sample_note.startswith(
        f"Working on a stratified sample of 120 of {ds.n_rows:,} rows (seed 2)"
    )
    assert all(n > 0 for n in sample.class_counts.values())
    if task != "multilabel":  # raised to the floor, or at most its proportional share
        for name, n in sample.class_counts.items():
            floor = min(MIN_CLASS_ROWS, ds.class_counts[name])
            assert n == floor or n <= np.ceil(ds.class_counts[name] * 120 / ds.n_rows)


def test_sample_names_the_classes_raised_to_the_floor(datasets):
    ds = datasets["multiclass"]  # 300 rows, classes about 70/20/10 %
    sample = stratified_sample(ds, 100, seed=0)  # blue: about 10 rows in proportion
    counts = sample.class_counts
    assert counts["blue"] == min(MIN_CLASS_ROWS, ds.class_counts["blue"])
    assert sum(counts.values()) == 100
    assert f"'blue' ({counts['blue']} of {ds.class_counts['blue']})" in sample.sample_note
    assert f"at least {MIN_CLASS_ROWS} rows" in sample.sample_note


def test_a_sample_of_a_sample_counts_from_the_full_data(datasets):
    ds = datasets["binary"]
    twice = stratified_sample(stratified_sample(ds, 200, seed=0), 100, seed=0)
    assert twice.sampled_from == ds.n_rows
    assert "100 of 300 rows" in twice.sample_note
    assert twice.content_hash.endswith("#sample-200-seed0#sample-100-seed0")


@pytest.mark.parametrize(
    ("n_rows", "message"),
    [
        (300, r"A sample needs from 4 to 299 rows \(the data has 300\)\. Got 300 instead"),
        (3, r"A sample needs from 4 to 299 rows.*Got 3 instead"),
        (12.5, r"whole number of rows\. Got 12\.5 instead"),
        (True, r"whole number of rows\. Got True instead"),
    ],
)
def test_sample_size_is_validated(datasets, n_rows, message):
    with pytest.raises(DataError, match=message):
        stratified_sample(datasets["binary"], n_rows)


@pytest.mark.slow
def test_comparison_report_and_saved_run_announce_the_sample(datasets, tmp_path):
    sample = stratified_sample(datasets["multiclass"], 150, seed=0)
    comparison = run_comparison(sample, CompareConfig(strategies=("baseline",), cv=3, n_jobs=1))
    summary = comparison.dataset
    assert summary.sampled_from == 300 and summary.sample_note == sample.sample_note
    assert summary.n_rows == 150

    html = ReportBundle(comparison, sample, build_profile(sample, cv=3)).html
    shown = escape(sample.sample_note, quote=False)  # Jinja escapes ' as &#39;
    assert html.replace("&#39;", "'").count(shown) == 2  # at a glance, and in the dataset section
    assert 'id="sample-note"' in html
    assert '<dt>Rows in the data (sampled from)</dt><dd data-value="300">300</dd>' in html

    store = RunStore(tmp_path / "runs")
    loaded = store.load(store.save(comparison)).comparison
    assert loaded.dataset.sampled_from == 300
    assert loaded.dataset.sample_note == sample.sample_note


def test_runs_saved_before_samples_existed_still_load():
    fields = {
        "name": "old.csv",
        "content_hash": "abc",
        "task": "binary",
        "target": {"$tuple": ["y"]},
        "classes": {"$tuple": ["0", "1"]},
        "class_counts": {"0": 8, "1": 2},
        "n_rows": 10,
        "n_cv_rows": 10,
        "n_holdout_rows": 0,
    }
    decoder = Decoder(table=lambda name: {}, frame=lambda name: pd.DataFrame())
    got = decoder.decode({"$dc": ["DatasetSummary", fields]})
    assert isinstance(got, DatasetSummary)
    assert got.sampled_from is None and got.sample_note is None


def test_report_of_all_rows_has_no_sample_note(datasets):
    ds = datasets["binary"]
    comparison = run_comparison(ds, CompareConfig(strategies=("baseline",), cv=3, n_jobs=1))
    html = ReportBundle(comparison, ds).html
    assert "Stratified sample" not in html and 'id="sample-note"' not in html
    assert "Rows in the data (sampled from)" not in html
    doc = results_dict(comparison)
    assert doc["dataset"]["sampled_from"] is None and doc["dataset"]["sample_note"] is None


def test_cli_analyze_sample_writes_announced_results(tmp_path, capsys):
    rng = np.random.default_rng(0)
    n = 900
    frame = pd.DataFrame(rng.normal(size=(n, 3)).round(3), columns=["a", "b", "c"])
    frame["label"] = np.where(frame["a"] + rng.normal(size=n) > 1.3, "yes", "no")
    data = tmp_path / "big.csv"
    frame.to_csv(data, index=False)
    out = tmp_path / "out"
    code = main(["analyze", str(data), "--target", "label", "--strategies", "baseline",
                 "--cv", "3", "--n-jobs", "1", "--sample", "300", "--out", str(out)])  # fmt: skip
    assert code == 0, capsys.readouterr().err
    results = json.loads((out / "results.json").read_text(encoding="utf-8"))
    assert results["dataset"]["n_rows"] == 300
    assert results["dataset"]["content_hash"].endswith("#sample-300-seed0")
    assert results["dataset"]["sampled_from"] == n
    assert results["dataset"]["sample_note"].startswith("Working on a stratified sample of 300")
    predictions = pd.read_csv(out / "predictions.csv")
    assert predictions["row"].nunique() == 300 and predictions["row"].max() < n
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "Working on a stratified sample of 300 of 900 rows (seed 0)" in html


def test_cli_analyze_refuses_a_bad_sample_size(tmp_path, capsys):
    data = tmp_path / "d.csv"
    data.write_text(
        "a,label\n" + "".join(f"{(7 * i) % 13},{i % 2}\n" for i in range(20)), encoding="utf-8"
    )
    code = main(["analyze", str(data), "--target", "label", "--sample", "50",
                 "--out", str(tmp_path / "o")])  # fmt: skip
    err = capsys.readouterr().err
    assert code == 2
    assert err.startswith("error: A sample needs from 4 to 19 rows (the data has 20). Got 50")
