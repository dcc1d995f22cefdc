"""core.runs.index: each run's recommendation in the index (the one "best strategy"), and index
files written by older versions (without those columns) still open, list and take inserts."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import numpy as np
import pytest
from sklearn.metrics import f1_score

from core.analysis.recommendation import recommendation_of
from core.evaluation.comparison import CompareConfig, Comparison, run_comparison
from core.exports.results_json import results_dict
from core.runs import index as index_module
from core.runs.index import RECOMMENDED_COLUMNS, RunIndex, recommended_columns
from core.runs.store import INDEX_FILE, RunStore

TASKS = ("binary", "multiclass", "multilabel")

# The index table exactly as versions before the recommendation columns created it.
OLD_SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    id TEXT PRIMARY KEY,
    created TEXT NOT NULL,
    dataset TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    task TEXT NOT NULL,
    target TEXT NOT NULL,
    label_sep TEXT,
    model TEXT NOT NULL,
    strategies TEXT NOT NULL,
    cv INTEGER NOT NULL,
    seed INTEGER NOT NULL,
    holdout REAL NOT NULL,
    n_rows INTEGER NOT NULL,
    best_strategy TEXT,
    best_macro_f1 REAL,
    has_data INTEGER NOT NULL,
    data_name TEXT,
    data_sha256 TEXT,
    format INTEGER NOT NULL
)
"""
OLD_COLUMNS = ("id", "created", "dataset", "content_hash", "task", "target", "label_sep",
               "model", "strategies", "cv", "seed", "holdout", "n_rows", "best_strategy",
               "best_macro_f1", "has_data", "data_name", "data_sha256", "format")  # fmt: skip


@pytest.fixture
def root(tmp_path) -> Path:
    return tmp_path / "store"


def _f1_of(comparison: Comparison, strategy: str, cls: str) -> float:
    """Out-of-fold F1 of one class, by scikit-learn on the raw predictions."""
    j = comparison.classes.index(cls)
    y, pred = np.asarray(comparison.y_true), np.asarray(comparison.results[strategy].oof_pred)
    if comparison.task == "multilabel":
        return float(f1_score(y[:, j], pred[:, j], zero_division=0))
    return float(f1_score(y, pred, labels=[j], average=None, zero_division=0)[0])


def _db(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path, isolation_level=None)
    conn.row_factory = sqlite3.Row
    return conn


def _as_old_index(root: Path) -> list[dict]:
    """Rewrite the store's index as an older version would have: old schema, old columns."""
    path = root / INDEX_FILE
    conn = _db(path)
    rows = [dict(r) for r in conn.execute("SELECT * FROM runs")]
    conn.close()
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    conn = _db(path)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute(OLD_SCHEMA)
    for row in rows:
        marks = ", ".join("?" for _ in OLD_COLUMNS)
        conn.execute(
            f"INSERT INTO runs ({', '.join(OLD_COLUMNS)}) VALUES ({marks})",
            tuple(row[c] for c in OLD_COLUMNS),
        )
    conn.close()
    return rows


def _columns(path: Path) -> list[str]:
    conn = _db(path)
    try:
        return [r[1] for r in conn.execute("PRAGMA table_info(runs)")]
    finally:
        conn.close()


# --------------------------------------------------------------------------- one best strategy


@pytest.mark.parametrize("task", TASKS)
def test_a_saved_run_lists_the_strategy_the_recommendation_names(comparisons, root, task):
    comparison = comparisons[task]
    store = RunStore(root)
    store.save(comparison)
    (row,) = store.list().itertuples()
    rec = recommendation_of(comparison)
    assert row.recommended_strategy == rec.strategy
    assert row.recommended_strategy == results_dict(comparison)["recommendation"]["strategy"]
    assert (row.recommended_metric, row.recommended_class) == ("f1", comparison.rarest_class)
    # the value is the recommended strategy's F1 of that class; since issue 13 the verdict (not
    # the arg-max) decides: a clear winner is the best of the strategies firmly above baseline
    f1 = {n: _f1_of(comparison, n, row.recommended_class)
          for n, r in comparison.results.items() if r.ok}  # fmt: skip
    if rec.strategy is None:
        assert rec.verdict == "no_skill" and not np.isfinite(row.recommended_value or np.nan)
        return
    assert row.recommended_value == pytest.approx(f1[row.recommended_strategy], abs=1e-12)
    firm = [v.strategy for v in rec.per_strategy if v.beats_trivial and v.p_better >= 0.95]
    if rec.verdict == "clear_winner":
        assert row.recommended_value == pytest.approx(max(f1[n] for n in firm), abs=1e-12)
    assert row.recommended_value == rec.value


def test_the_listed_recommendation_follows_the_important_class(datasets, root):
    ds = datasets["multiclass"]
    rarest = ds.classes_by_rarity()[0]
    other = next(c for c in ds.classes if c != rarest)
    config = CompareConfig(
        strategies=("baseline", "class_weight"), cv=3, seed=0, n_jobs=1, important_class=other
    )
    comparison = run_comparison(ds, config)
    store = RunStore(root)
    store.save(comparison)
    (row,) = store.list().itertuples()
    rec = recommendation_of(comparison)
    assert (row.recommended_strategy, row.recommended_class) == (rec.strategy, other)
    assert row.recommended_value == pytest.approx(_f1_of(comparison, rec.strategy, other))


def test_recommended_columns_match_the_recommendation(comparisons):
    comparison = comparisons["binary"]
    rec = recommendation_of(comparison)
    assert recommended_columns(comparison) == {
        "recommended_strategy": rec.strategy,
        "recommended_metric": rec.metric,
        "recommended_class": rec.class_name,
        "recommended_value": rec.value,
    }
    assert set(recommended_columns(comparison)) == set(RECOMMENDED_COLUMNS)


# --------------------------------------------------------------------------- older index files


def test_an_index_with_the_old_schema_opens_lists_and_accepts_inserts(comparisons, root):
    first = RunStore(root).save(comparisons["binary"])
    before = _as_old_index(root)
    path = root / INDEX_FILE
    assert not set(RECOMMENDED_COLUMNS) & set(_columns(path))

    store = RunStore(root)  # opens without touching the schema
    listed = store.list()
    assert listed["id"].tolist() == [first]
    rec = recommendation_of(comparisons["binary"])
    assert listed.at[0, "recommended_strategy"] == rec.strategy
    assert listed.at[0, "recommended_class"] == rec.class_name
    assert listed.at[0, "recommended_value"] == rec.value
    assert listed.at[0, "best_strategy"] == before[0]["best_strategy"]  # old columns still read
    # the backfill was stored: the columns were added and filled
    assert set(RECOMMENDED_COLUMNS) <= set(_columns(path))
    conn = _db(path)
    stored = dict(conn.execute("SELECT * FROM runs WHERE id = ?", (first,)).fetchone())
    conn.close()
    assert stored["recommended_strategy"] == rec.strategy
    assert stored["recommended_metric"] == "f1"

    second = store.save(comparisons["multiclass"])  # a new version inserts
    listed = store.list()
    assert listed["id"].tolist() == [second, first]
    assert (
        listed.at[0, "recommended_strategy"]
        == recommendation_of(comparisons["multiclass"]).strategy
    )


def test_rows_an_older_version_inserts_into_the_new_table_are_backfilled(comparisons, root):
    store = RunStore(root)
    run_id = store.save(comparisons["multilabel"])
    path = root / INDEX_FILE
    # an older writer knows only the old columns: its row has NULL recommendation columns
    row = {c: v for c, v in store.info(run_id).items() if c in OLD_COLUMNS}
    conn = _db(path)
    conn.execute("DELETE FROM runs WHERE id = ?", (run_id,))
    conn.execute(
        f"INSERT INTO runs ({', '.join(row)}) VALUES ({', '.join('?' for _ in row)})",
        tuple(row.values()),
    )
    conn.close()
    assert store.info(run_id)["recommended_metric"] is None
    listed = store.list()
    rec = recommendation_of(comparisons["multilabel"])
    assert listed.at[0, "recommended_strategy"] == rec.strategy
    assert store.info(run_id)["recommended_strategy"] == rec.strategy


def test_adding_the_columns_tolerates_another_process_adding_them_first(tmp_path):
    path = tmp_path / INDEX_FILE
    conn = _db(path)
    conn.execute(OLD_SCHEMA)
    conn.close()
    RunIndex(path).ensure()
    RunIndex(path).ensure()  # idempotent
    assert _columns(path)[-len(RECOMMENDED_COLUMNS) :] == list(RECOMMENDED_COLUMNS)

    class Stale:
        """A connection that read the table before another process added the columns."""

        def __init__(self, conn: sqlite3.Connection) -> None:
            self.conn = conn

        def execute(self, sql: str, *args):
            if sql.startswith("PRAGMA table_info"):
                return iter(())
            return self.conn.execute(sql, *args)

    conn = _db(path)
    try:
        index_module._add_columns(Stale(conn))  # every ALTER hits "duplicate column": fine
    finally:
        conn.close()
    assert _columns(path).count("recommended_strategy") == 1
