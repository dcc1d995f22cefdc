"""core.runs.store: saved runs round-trip exactly, list/compare/delete, survive crashes and races."""

from __future__ import annotations

import ast
import dataclasses
import json
import math
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from core.analysis.recommendation import recommendation_of
from core.errors import DataError
from core.evaluation.comparison import (
    CompareConfig,
    Comparison,
    run_comparison,
)
from core.evaluation.crossval import StrategyResult
from core.evaluation.summary import DatasetSummary
from core.exports.results_json import results_dict
from core.profile.measures import build_profile
from core.runs import store as runs_module
from core.runs.store import ENV_VAR, LIST_COLUMNS, RunStore, data_dir

ROOT = Path(__file__).resolve().parents[3]
TASKS = ("binary", "multiclass", "multilabel")
HOLDOUT_STRATEGIES = {
    "binary": ("baseline", "random_over", "ml_ros"),  # ml_ros: not applicable -> failed
    "multiclass": ("baseline", "class_weight", "ml_ros"),
    "multilabel": ("baseline", "ml_ros", "cost_sensitive"),  # single-label only -> failed
}
SUBPROCESS_TIMEOUT_S = 120


@pytest.fixture
def store_root(runs_home: Path) -> Path:
    """The store's root: the per-test runs folder (tests/conftest.py's autouse ``runs_home``)."""
    return runs_home


@pytest.fixture(scope="module")
def holdout_comparisons(datasets) -> dict[str, Comparison]:
    """A comparison with a 20% hold-out and one failed strategy, per task kind."""
    return {
        task: run_comparison(
            ds,
            CompareConfig(strategies=HOLDOUT_STRATEGIES[task], cv=3, seed=1, holdout=0.2, n_jobs=1),
        )
        for task, ds in datasets.items()
    }


def assert_same(a, b, where: str = "comparison") -> None:
    """Deep equality: same types, arrays with the same dtype/shape/values (NaN == NaN),
    frames equal exactly, dict keys in the same order, floats equal or both NaN."""
    assert type(a) is type(b), f"{where}: {type(a).__name__} != {type(b).__name__}"
    if dataclasses.is_dataclass(a):
        for f in dataclasses.fields(a):
            assert_same(getattr(a, f.name), getattr(b, f.name), f"{where}.{f.name}")
    elif isinstance(a, np.ndarray):
        assert (a.dtype, a.shape) == (b.dtype, b.shape), f"{where}: {a.dtype}{a.shape}"
        np.testing.assert_array_equal(a, b, err_msg=where)
    elif isinstance(a, pd.DataFrame):
        pd.testing.assert_frame_equal(a, b, check_exact=True, obj=where)
    elif isinstance(a, dict):
        assert list(a) == list(b), f"{where}: keys {list(a)} != {list(b)}"
        for key in a:
            assert_same(a[key], b[key], f"{where}[{key!r}]")
    elif isinstance(a, tuple | list):
        assert len(a) == len(b), f"{where}: length {len(a)} != {len(b)}"
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            assert_same(x, y, f"{where}[{i}]")
    elif isinstance(a, float) and math.isnan(a):
        assert math.isnan(b), f"{where}: nan != {b}"
    else:
        assert a == b, f"{where}: {a!r} != {b!r}"


def _results_doc(comparison: Comparison) -> dict:
    doc = results_dict(comparison)
    doc.pop("versions")
    return doc


# --------------------------------------------------------------------------- data dir


def test_data_dir_comes_from_the_environment_variable(tmp_path, monkeypatch):
    monkeypatch.setenv(ENV_VAR, str(tmp_path / "shared"))
    assert data_dir() == tmp_path / "shared"
    monkeypatch.setenv(ENV_VAR, "~/elsewhere")
    assert data_dir() == Path.home() / "elsewhere"
    monkeypatch.delenv(ENV_VAR)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert data_dir() == tmp_path / "home" / ".imbalance-dashboard"


def test_reading_an_empty_store_creates_nothing(tmp_path):
    root = tmp_path / "never-saved"
    store = RunStore(root)
    listed = store.list()
    assert listed.empty
    assert list(listed.columns) == list(LIST_COLUMNS)
    assert not root.exists()
    with pytest.raises(DataError, match="There is no saved run"):
        store.load("20240101-000000-0badc0de")


# --------------------------------------------------------------------------- round trip


@pytest.mark.parametrize("task", TASKS)
def test_round_trip_is_exact(comparisons, task):
    store = RunStore(data_dir())
    original = comparisons[task]
    run_id = store.save(original)
    back = store.load(run_id)
    assert back.id == run_id
    assert back.data_bytes is None and back.data_name is None and back.profile is None
    assert back.comparison is not original
    assert_same(back.comparison, original)


@pytest.mark.parametrize("task", TASKS)
def test_round_trip_with_holdout_data_and_profile(holdout_comparisons, datasets, task):
    original = holdout_comparisons[task]
    assert original.holdout_y_true is not None
    assert any(not r.ok for r in original.results.values()), "want a failed strategy too"
    assert all(r.holdout is not None for r in original.results.values() if r.ok)
    profile = build_profile(datasets[task])
    data = f"x,y\n1,{task}\n".encode() + bytes(range(256))  # any bytes, kept verbatim
    store = RunStore(data_dir())
    run_id = store.save(original, data_bytes=data, data_name="my data.csv", profile=profile)
    back = store.load(run_id)
    assert_same(back.comparison, original)
    assert back.data_bytes == data
    assert back.data_name == "my data.csv"
    assert back.profile == json.loads(json.dumps(profile.to_dict()))
    assert store.load(run_id, with_data=False).data_bytes is None


@pytest.mark.parametrize("task", TASKS)
def test_a_reopened_run_reports_what_the_original_did(holdout_comparisons, task):
    original = holdout_comparisons[task]
    store = RunStore(data_dir())
    back = store.load(store.save(original)).comparison
    pd.testing.assert_frame_equal(back.table(), original.table(), check_exact=True)
    pd.testing.assert_frame_equal(back.ranking(), original.ranking(), check_exact=True)
    assert recommendation_of(back) == recommendation_of(original)
    assert _results_doc(back) == _results_doc(original)


def test_runs_survive_a_new_store_object(comparisons):
    """A server restart is a new process opening the same folder."""
    run_id = RunStore(data_dir()).save(comparisons["binary"])
    reopened = RunStore(data_dir())
    assert reopened.list()["id"].tolist() == [run_id]
    assert_same(reopened.load(run_id).comparison, comparisons["binary"])


def test_nothing_but_json_parquet_and_the_data_is_written(comparisons, store_root):
    store = RunStore(data_dir())
    run_id = store.save(comparisons["multilabel"], data_bytes=b"a,b\n1,2\n", data_name="d.csv")
    files = sorted(p.name for p in (store_root / "runs" / run_id).iterdir())
    assert files[0] == "cv.parquet" and "run.json" in files and "data.bin" in files
    assert {Path(f).suffix for f in files} == {".parquet", ".json", ".bin"}
    for f in files:
        if f.endswith(".parquet"):
            pq.read_metadata(store_root / "runs" / run_id / f)  # real Parquet files
    assert list((store_root / "tmp").iterdir()) == []


# --------------------------------------------------------------------------- list / compare


def test_list_shows_each_run_newest_first(comparisons, holdout_comparisons):
    store = RunStore(data_dir())
    saved = []
    for comparison in (comparisons["binary"], holdout_comparisons["multiclass"]):
        saved.append((store.save(comparison, data_bytes=b"x,y\n1,2\n"), comparison))
        time.sleep(0.01)
    listed = store.list()
    assert list(listed.columns) == list(LIST_COLUMNS)
    assert listed["id"].tolist() == [saved[1][0], saved[0][0]]
    assert listed["created"].is_monotonic_decreasing
    assert str(listed["created"].dt.tz) == "UTC"
    for (run_id, comparison), row in zip(saved[::-1], listed.itertuples(), strict=True):
        ok = {n: r.summary["macro_f1"] for n, r in comparison.results.items() if r.ok}
        best = max(ok, key=ok.get)
        assert row.id == run_id
        assert row.dataset == comparison.dataset.name
        assert row.task == comparison.task
        assert row.target == ", ".join(comparison.dataset.target)
        assert row.model == comparison.config.model
        assert row.strategies == ", ".join(comparison.config.strategies)
        assert (row.cv, row.seed, row.holdout) == (
            3,
            comparison.config.seed,
            comparison.config.holdout,
        )
        assert row.best_strategy == best
        assert row.best_macro_f1 == ok[best]
        assert row.n_rows == comparison.dataset.n_rows
        assert row.has_data


def test_compare_puts_two_runs_side_by_side(comparisons, holdout_comparisons):
    store = RunStore(data_dir())
    first, second = comparisons["binary"], holdout_comparisons["binary"]
    a, b = store.save(first), store.save(second)
    table = store.compare(a, b)
    assert list(table.columns) == ["strategy", "metric", "a", "b", "delta", "status_a", "status_b"]
    names = list(dict.fromkeys([*first.results, *second.results]))
    assert list(dict.fromkeys(table["strategy"])) == names
    for row in table.itertuples():
        ra, rb = first.results.get(row.strategy), second.results.get(row.strategy)
        want_a = ra.summary[row.metric] if ra is not None and ra.ok else np.nan
        want_b = rb.summary[row.metric] if rb is not None and rb.ok else np.nan
        np.testing.assert_equal([row.a, row.b], [want_a, want_b])
        np.testing.assert_equal(row.delta, want_b - want_a)
        assert row.status_a == ("missing" if ra is None else ra.status)
        assert row.status_b == ("missing" if rb is None else rb.status)
    macro = table[(table["strategy"] == "baseline") & (table["metric"] == "macro_f1")]
    assert macro["delta"].item() == pytest.approx(
        second.results["baseline"].summary["macro_f1"]
        - first.results["baseline"].summary["macro_f1"]
    )
    assert (table.loc[table["strategy"] == "ml_ros", "status_b"] == "failed").all()
    assert table.loc[table["strategy"] == "ml_ros", "b"].isna().all()


# --------------------------------------------------------------------------- delete / ids


def test_delete_removes_the_run_and_its_data(comparisons, store_root):
    store = RunStore(data_dir())
    keep = store.save(comparisons["binary"], data_bytes=b"same bytes", data_name="a.csv")
    gone = store.save(comparisons["multiclass"], data_bytes=b"same bytes", data_name="a.csv")
    store.delete(gone)
    assert store.list()["id"].tolist() == [keep]
    assert not (store_root / "runs" / gone).exists()
    assert list((store_root / "tmp").iterdir()) == []
    with pytest.raises(DataError, match="There is no saved run"):
        store.load(gone)
    with pytest.raises(DataError, match="There is no saved run"):
        store.delete(gone)
    assert store.load(keep).data_bytes == b"same bytes"


def test_identical_data_is_stored_once(comparisons, store_root):
    store = RunStore(data_dir())
    data = b"x,y\n" + b"1,2\n" * 1000
    a = store.save(comparisons["binary"], data_bytes=data, data_name="a.csv")
    b = store.save(comparisons["multiclass"], data_bytes=data, data_name="b.csv")
    stat_a = (store_root / "runs" / a / "data.bin").stat()
    stat_b = (store_root / "runs" / b / "data.bin").stat()
    assert stat_a.st_ino == stat_b.st_ino  # a hard link, not a second copy
    store.delete(a)
    assert store.load(b).data_bytes == data
    assert store.load(b).data_name == "b.csv"


@pytest.mark.parametrize("bad", ["../../etc", "20240101-000000-XYZ", "", None, "a/b"])
def test_a_run_id_must_look_like_one(bad):
    store = RunStore(data_dir())
    with pytest.raises(DataError, match="is not a run id"):
        store.load(bad)
    with pytest.raises(DataError, match="is not a run id"):
        store.delete(bad)


def test_an_indexed_run_whose_folder_is_gone_is_not_listed(comparisons, store_root):
    store = RunStore(data_dir())
    run_id = store.save(comparisons["binary"])
    (store_root / "runs" / run_id / "run.json").unlink()
    assert store.list().empty
    with pytest.raises(DataError, match="There is no saved run"):
        store.load(run_id)
    store.delete(run_id)  # still removes the index row and what is left of the folder
    assert not (store_root / "runs" / run_id).exists()


# --------------------------------------------------------------------------- nothing executed


def _tamper(store_root: Path, run_id: str, old: str, new: str) -> None:
    path = store_root / "runs" / run_id / "run.json"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ('{"$dc":["Comparison"', '{"$dc":["Popen"', "unknown kind of record 'Popen'"),
        ('"dtype":"int64"', '"dtype":"object"', "unsupported type 'object'"),
        ('{"$tuple":', '{"$eval":', r"unknown entry '\$eval'"),
    ],
)
def test_a_tampered_run_is_refused_not_executed(comparisons, store_root, old, new, message):
    store = RunStore(data_dir())
    run_id = store.save(comparisons["binary"])
    _tamper(store_root, run_id, old, new)
    with pytest.raises(DataError, match=message):
        store.load(run_id)


def test_a_corrupt_parquet_file_is_a_data_error(comparisons, store_root):
    store = RunStore(data_dir())
    run_id = store.save(comparisons["binary"])
    (store_root / "runs" / run_id / "cv.parquet").write_bytes(b"not parquet")
    with pytest.raises(DataError, match=f"Saved run {run_id} could not be read"):
        store.load(run_id)


UNSAFE_MODULES = {"pickle", "marshal", "shelve", "dill", "cloudpickle", "importlib"}
UNSAFE_CALLS = {"eval", "exec", "__import__", "read_pickle", "load", "loads"}


def test_the_store_modules_never_unpickle_or_execute():
    for module in ("core/runs/store.py", "core/runs/codec.py"):
        tree = ast.parse((ROOT / module).read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import | ast.ImportFrom):
                names = [a.name for a in node.names] + [getattr(node, "module", None) or ""]
                assert not {n.split(".")[0] for n in names} & UNSAFE_MODULES, module
            if isinstance(node, ast.Call):
                func = node.func
                name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
                owner = getattr(func.value, "id", "") if isinstance(func, ast.Attribute) else ""
                if name in ("load", "loads"):
                    assert owner in ("json", "self"), f"{module}: {owner}.{name}(...)"
                else:
                    assert name not in UNSAFE_CALLS, f"{module}: {name}(...)"
                assert all(k.arg != "allow_pickle" for k in node.keywords), module


# --------------------------------------------------------------------------- failures


def test_a_failed_write_leaves_no_run(comparisons, store_root, monkeypatch):
    store = RunStore(data_dir())
    kept = store.save(comparisons["binary"])
    calls = []

    def failing(path, table):
        calls.append(path)
        if len(calls) == 2:
            raise OSError(28, "No space left on device")
        return write(path, table)

    write = runs_module._write_parquet
    monkeypatch.setattr(runs_module, "_write_parquet", failing)
    with pytest.raises(OSError, match="No space left"):
        store.save(comparisons["multiclass"])
    assert store.list()["id"].tolist() == [kept]
    assert list((store_root / "tmp").iterdir()) == []
    assert sorted(p.name for p in (store_root / "runs").iterdir()) == [kept]


def test_a_failed_index_insert_leaves_no_run(comparisons, store_root, monkeypatch):
    store = RunStore(data_dir())

    def failing(*args, **kwargs):
        raise OSError("disk I/O error")

    monkeypatch.setattr(RunStore, "_insert", failing)
    with pytest.raises(OSError, match="disk I/O error"):
        store.save(comparisons["binary"])
    monkeypatch.undo()
    assert store.list().empty
    assert list((store_root / "runs").iterdir()) == []
    assert list((store_root / "tmp").iterdir()) == []


def test_stale_leftovers_are_cleaned_on_open(comparisons, store_root):
    store = RunStore(data_dir())
    kept = store.save(comparisons["binary"])
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)  # fmt: skip
    dead_pid = int(dead.stdout)
    stale = store_root / "tmp" / f"20240101-000000-00000000.{dead_pid}.tmp"
    live = store_root / "tmp" / f"20240101-000000-11111111.{os.getpid()}.tmp"
    orphan = store_root / "runs" / "20240101-000000-22222222"
    fresh_orphan = store_root / "runs" / "20240101-000000-33333333"
    for folder in (stale, live, orphan, fresh_orphan):
        folder.mkdir()
        (folder / "cv.parquet").write_bytes(b"half")
    old = time.time() - runs_module.ORPHAN_S - 60
    os.utime(orphan, (old, old))
    reopened = RunStore(data_dir())
    assert not stale.exists(), "a dead process's temp folder goes"
    assert live.exists(), "a running save's temp folder stays"
    assert not orphan.exists(), "a folder renamed but never indexed goes once old"
    assert fresh_orphan.exists(), "it may be a save about to insert its index row"
    assert reopened.list()["id"].tolist() == [kept]


def test_without_an_index_no_run_folder_is_called_an_orphan(comparisons, store_root):
    """Losing index.sqlite hides the runs; it must not make the next open delete them."""
    run_id = RunStore(data_dir()).save(comparisons["binary"])
    for path in store_root.glob("index.sqlite*"):
        path.unlink()
    old = time.time() - runs_module.ORPHAN_S - 60
    os.utime(store_root / "runs" / run_id, (old, old))
    assert RunStore(data_dir()).list().empty
    assert (store_root / "runs" / run_id / "run.json").is_file()


# --------------------------------------------------------------------------- processes

_CHILD = r"""
import sys, time
from pathlib import Path
import core.runs.store as runs

source, target, run_id, mode, marker = sys.argv[1:6]
saved = runs.RunStore(source).load(run_id)


def pause_after(original):
    def wrapped(*args, **kwargs):
        result = original(*args, **kwargs)
        Path(marker).touch()
        time.sleep(600)
        return result
    return wrapped


def pause_instead(*args, **kwargs):
    Path(marker).touch()
    time.sleep(600)


if mode == "writing":  # killed after the first Parquet file of the run is written
    runs._write_parquet = pause_after(runs._write_parquet)
elif mode == "renamed":  # killed after the rename, before the index row
    runs.RunStore._insert = pause_instead
elif mode.startswith("race"):  # wait for the other process, then save three runs
    Path(marker).touch()
    other = Path(marker).with_name("ready-" + ("b" if mode == "race-a" else "a"))
    deadline = time.time() + 60
    while not other.exists() and time.time() < deadline:
        time.sleep(0.01)
    for _ in range(3):
        print(runs.RunStore(target).save(saved.comparison, data_bytes=saved.data_bytes,
                                         data_name=saved.data_name))
    sys.exit(0)
runs.RunStore(target).save(saved.comparison, data_bytes=saved.data_bytes,
                           data_name=saved.data_name)
"""


def _child(tmp_path: Path, source: Path, target: Path, run_id: str, mode: str, marker: Path):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen(
        [sys.executable, "-c", _CHILD, str(source), str(target), run_id, mode, str(marker)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _wait_for(path: Path, proc: subprocess.Popen) -> None:
    deadline = time.time() + SUBPROCESS_TIMEOUT_S
    while not path.exists():
        if proc.poll() is not None:
            raise AssertionError(f"the child ended early: {proc.communicate()[1]}")
        if time.time() > deadline:
            raise AssertionError("the child never reached the pause")
        time.sleep(0.02)


@pytest.fixture(scope="module")
def source_run(tmp_path_factory, holdout_comparisons) -> tuple[Path, str]:
    """A saved multi-class run with hold-out and data, for child processes to re-save."""
    root = tmp_path_factory.mktemp("source")
    run_id = RunStore(root).save(
        holdout_comparisons["multiclass"], data_bytes=b"a,b\n1,2\n" * 100, data_name="s.csv"
    )
    return root, run_id


@pytest.mark.slow
@pytest.mark.parametrize("mode", ["writing", "renamed"])
def test_kill_during_save_leaves_no_half_run(tmp_path, store_root, source_run, mode):
    source, run_id = source_run
    store = RunStore(store_root)
    before = store.save(RunStore(source).load(run_id).comparison)
    marker = tmp_path / "paused"
    proc = _child(tmp_path, source, store_root, run_id, mode, marker)
    try:
        _wait_for(marker, proc)
        half = list((store_root / "tmp").iterdir()) + [
            p for p in (store_root / "runs").iterdir() if p.name != before
        ]
        assert len(half) == 1, "the child is mid-save: one unfinished folder exists"
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.kill()
        proc.communicate(timeout=SUBPROCESS_TIMEOUT_S)  # reaps it and closes the pipes
    assert proc.returncode == -signal.SIGKILL
    reopened = RunStore(store_root)
    assert reopened.list()["id"].tolist() == [before], "no half run is listed"
    assert list((store_root / "tmp").iterdir()) == [], "its temp folder is cleaned on open"
    assert_same(reopened.load(before).comparison, RunStore(source).load(run_id).comparison)
    if mode == "renamed":
        (orphan,) = [p for p in (store_root / "runs").iterdir() if p.name != before]
        with pytest.raises(DataError, match="There is no saved run"):
            reopened.load(orphan.name)
        old = time.time() - runs_module.ORPHAN_S - 60
        os.utime(orphan, (old, old))
        RunStore(store_root)
        assert not orphan.exists()
    after = reopened.save(RunStore(source).load(run_id).comparison)
    assert set(reopened.list()["id"]) == {before, after}


@pytest.mark.slow
def test_concurrent_saves_from_two_processes_all_land(tmp_path, store_root, source_run):
    source, run_id = source_run
    procs = [
        _child(tmp_path, source, store_root, run_id, f"race-{who}", tmp_path / f"ready-{who}")
        for who in ("a", "b")
    ]
    outputs = [p.communicate(timeout=SUBPROCESS_TIMEOUT_S) for p in procs]
    for proc, (_, err) in zip(procs, outputs, strict=True):
        assert proc.returncode == 0, err
    saved = [line for out, _ in outputs for line in out.split()]
    assert len(saved) == 6 and len(set(saved)) == 6
    store = RunStore(store_root)
    assert sorted(store.list()["id"]) == sorted(saved)
    original = RunStore(source).load(run_id)
    for each in saved:
        back = store.load(each)
        assert_same(back.comparison, original.comparison)
        assert back.data_bytes == original.data_bytes
    assert store._index.journal_mode() == "wal"


# --------------------------------------------------------------------------- speed


def _big_comparison(n: int, seed: int = 0) -> Comparison:
    """A binary comparison of ``n`` rows built directly (no model fits)."""
    rng = np.random.default_rng(seed)
    y = (rng.random(n) < 0.1).astype(np.int64)
    fold_of_row = rng.integers(0, 5, n).astype(np.intp)
    folds = tuple(
        (np.flatnonzero(fold_of_row != k), np.flatnonzero(fold_of_row == k)) for k in range(5)
    )
    per_class = pd.DataFrame({"class": pd.Series(["no", "yes"], dtype="str"), "f1": [0.9, 0.4]})
    results = {}
    for name in ("baseline", "class_weight", "random_over"):
        proba = rng.random(n)
        results[name] = StrategyResult(
            name=name,
            status="ok",
            error=None,
            fold_of_row=fold_of_row,
            oof_pred=(proba > 0.5).astype(np.intp),
            oof_proba=np.column_stack([1 - proba, proba]),
            summary={"accuracy": 0.9, "macro_f1": 0.6},
            per_class=per_class,
            confusion=np.array([[10, 2], [3, 4]]),
            fold_scores=tuple({"macro_f1": 0.6} for _ in range(5)),
            n_train=(int(0.8 * n),) * 5,
            n_val=(int(0.2 * n),) * 5,
        )
    dataset = DatasetSummary(
        name="big.csv", content_hash="h", task="binary", target=("y",), classes=("no", "yes"),
        class_counts={"no": int(n - y.sum()), "yes": int(y.sum())}, n_rows=n, n_cv_rows=n,
        n_holdout_rows=0,
    )  # fmt: skip
    config = CompareConfig(strategies=tuple(results), cv=5)
    return Comparison(dataset, config, results, folds, y, np.arange(n, dtype=np.int64))


@pytest.mark.slow
def test_saving_a_million_rows_costs_little_more_than_writing_its_parquet(tmp_path):
    comparison = _big_comparison(1_000_000)
    columns = {"y_true": comparison.y_true, "row_ids": comparison.row_ids}
    for name, result in comparison.results.items():
        columns[f"{name}_pred"] = result.oof_pred
        columns[f"{name}_p0"] = result.oof_proba[:, 0]
        columns[f"{name}_p1"] = result.oof_proba[:, 1]
    columns["fold"] = comparison.results["baseline"].fold_of_row

    def bare_parquet() -> float:
        start = time.perf_counter()
        with open(tmp_path / f"bare-{time.perf_counter_ns()}.parquet", "wb") as f:
            pq.write_table(pa.table(columns), f)
            f.flush()
            os.fsync(f.fileno())
        return time.perf_counter() - start

    store = RunStore(tmp_path / "store")
    bare, saving = [], []
    for _ in range(3):  # best of three, interleaved: the machine is shared
        bare.append(bare_parquet())
        start = time.perf_counter()
        run_id = store.save(comparison)
        saving.append(time.perf_counter() - start)
    # Quiet machine: about 1.6x (five int8 fold columns, the JSON and the fsyncs on top).
    assert min(saving) < 2.5 * min(bare) + 1.0, (saving, bare)
    assert_same(store.load(run_id).comparison, comparison)
