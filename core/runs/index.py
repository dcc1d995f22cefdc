"""The SQLite index of saved runs: one row per run, the commit point of a save.

WAL mode and a busy timeout let several server threads and processes read and write at
once; every write is one ``BEGIN IMMEDIATE`` transaction. A connection is opened per call,
so one :class:`RunIndex` can be shared by every thread.

Each row carries the run's recommendation (:func:`core.analysis.recommendation.recommendation_of`,
the one notion of "best strategy") in :data:`RECOMMENDED_COLUMNS`. Index files made before
those columns existed get them added (``ALTER TABLE``) by :meth:`RunIndex.ensure`; their rows
hold NULL there until :meth:`RunIndex.set_recommended` backfills them. The older
``best_strategy`` / ``best_macro_f1`` columns are still written, for older versions of the
app that read the same file.
"""

from __future__ import annotations

import contextlib
import json
import math
import sqlite3
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

from core.analysis.recommendation import recommendation_of
from core.errors import DataError
from core.evaluation.comparison import Comparison

BUSY_TIMEOUT_S = 30.0
_SCHEMA = """
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
#: The recommendation of a run, as index columns (SQL types); NULL metric = not computed yet.
RECOMMENDED_COLUMNS = {
    "recommended_strategy": "TEXT",
    "recommended_metric": "TEXT",
    "recommended_class": "TEXT",
    "recommended_value": "REAL",
}


def best_macro_f1(comparison: Comparison) -> tuple[str | None, float | None]:
    """The successful strategy with the highest pooled macro F1, and that F1."""
    best, value = None, -math.inf
    for name, result in comparison.results.items():
        score = (result.summary or {}).get("macro_f1", math.nan) if result.ok else math.nan
        if math.isfinite(score) and score > value:
            best, value = name, float(score)
    return best, (value if best is not None else None)


def recommended_columns(comparison: Comparison) -> dict[str, Any]:
    """The :data:`RECOMMENDED_COLUMNS` of ``comparison``: its recommendation's strategy, metric,
    class (None for a summary metric) and value (None when not finite).

    All None when no recommendation can be made (every value NULL: tried again later).
    """
    try:
        rec = recommendation_of(comparison)
    except DataError:
        return dict.fromkeys(RECOMMENDED_COLUMNS)
    value = rec.value if rec.value is not None and math.isfinite(rec.value) else None
    return {
        "recommended_strategy": rec.strategy,
        "recommended_metric": rec.metric,
        "recommended_class": rec.class_name,
        "recommended_value": None if value is None else float(value),
    }


def index_row(
    run_id: str, created: datetime, comparison: Comparison, data: dict | None, fmt: int
) -> dict[str, Any]:
    """The index row of a run (``data``: the manifest's data entry, or None)."""
    ds, config = comparison.dataset, comparison.config
    best, best_f1 = best_macro_f1(comparison)
    return {
        "id": run_id,
        "created": created.isoformat(),
        "dataset": ds.name,
        "content_hash": ds.content_hash,
        "task": ds.task,
        "target": json.dumps(list(ds.target), ensure_ascii=False),
        "label_sep": ds.label_sep,
        "model": config.model,
        "strategies": json.dumps(list(config.strategies)),
        "cv": int(config.cv),
        "seed": int(config.seed),
        "holdout": float(config.holdout),
        "n_rows": int(ds.n_rows),
        "best_strategy": best,
        "best_macro_f1": best_f1,
        **recommended_columns(comparison),
        "has_data": int(data is not None),
        "data_name": None if data is None else data["name"],
        "data_sha256": None if data is None else data["sha256"],
        "format": fmt,
    }


def _add_columns(conn: sqlite3.Connection) -> None:
    """Add the :data:`RECOMMENDED_COLUMNS` a table made by an older version lacks."""
    have = {row[1] for row in conn.execute("PRAGMA table_info(runs)")}
    for name, kind in RECOMMENDED_COLUMNS.items():
        if name in have:
            continue
        try:
            conn.execute(f"ALTER TABLE runs ADD COLUMN {name} {kind}")
        except sqlite3.OperationalError as err:  # another process added it meanwhile
            if "duplicate column" not in str(err):
                raise


class RunIndex:
    """The ``runs`` table in the SQLite file ``path``; reading never creates the file."""

    def __init__(self, path: Path) -> None:
        self.path = path

    @contextlib.contextmanager
    def _db(self) -> Iterator[sqlite3.Connection]:
        conn = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_S, isolation_level=None)
        try:
            conn.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")
            conn.execute("PRAGMA synchronous = FULL")
            yield conn
        finally:
            conn.close()

    def journal_mode(self) -> str:
        with self._db() as conn:
            return str(conn.execute("PRAGMA journal_mode").fetchone()[0]).lower()

    def ensure(self) -> None:
        """Create the table in WAL mode, with every column (idempotent; safe from several
        processes, including older versions of the app that know fewer columns)."""
        with self._db() as conn:
            if conn.execute("PRAGMA journal_mode").fetchone()[0].lower() != "wal":
                conn.execute("PRAGMA journal_mode = WAL")
            conn.execute(_SCHEMA)
            _add_columns(conn)

    def set_recommended(self, values: dict[str, dict[str, Any]]) -> None:
        """Backfill :data:`RECOMMENDED_COLUMNS` of runs ``{id: recommended_columns(...)}``,
        only where they are still NULL, in one transaction (adds the columns if missing)."""
        if not values or not self.path.exists():
            return
        names = list(RECOMMENDED_COLUMNS)
        sets = ", ".join(f"{n} = ?" for n in names)
        with self._db() as conn:
            _add_columns(conn)
            conn.execute("BEGIN IMMEDIATE")
            try:
                for run_id, cols in values.items():
                    conn.execute(
                        f"UPDATE runs SET {sets} WHERE id = ? AND recommended_metric IS NULL",
                        (*[cols[n] for n in names], run_id),
                    )
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise

    def _write(self, sql: str, args: tuple) -> int:
        with self._db() as conn:
            conn.execute("BEGIN IMMEDIATE")
            try:
                count = conn.execute(sql, args).rowcount
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise
        return count

    def insert(self, row: dict[str, Any]) -> None:
        """Add one run's row, in its own transaction."""
        names = ", ".join(row)
        marks = ", ".join("?" for _ in row)
        self._write(f"INSERT INTO runs ({names}) VALUES ({marks})", tuple(row.values()))

    def delete(self, run_id: str) -> int:
        """Remove one run's row; how many rows went (0 or 1)."""
        if not self.path.exists():
            return 0
        return self._write("DELETE FROM runs WHERE id = ?", (run_id,))

    def rows(self, where: str = "", args: tuple = ()) -> list[dict[str, Any]]:
        """Rows (newest first) matching ``where`` (a fixed SQL clause with ``?`` args)."""
        if not self.path.exists():
            return []
        with self._db() as conn:
            conn.row_factory = sqlite3.Row
            try:
                found = conn.execute(
                    f"SELECT * FROM runs {where} ORDER BY created DESC, id DESC", args
                ).fetchall()
            except sqlite3.OperationalError as err:
                if "no such table" in str(err):
                    return []
                raise
        return [dict(r) for r in found]

    def ids(self) -> set[str] | None:
        """Every indexed run id; None when there is no index (yet) to ask."""
        if not self.path.exists():
            return None
        with self._db() as conn:
            try:
                return {r[0] for r in conn.execute("SELECT id FROM runs")}
            except sqlite3.OperationalError as err:
                if "no such table" in str(err):
                    return None
                raise
