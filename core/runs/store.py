"""Saved runs: every finished comparison kept on disk, listed, reopened, compared, deleted.

Layout under the data directory (:func:`data_dir`)::

    index.sqlite          one row per run (core.runs.index: SQLite in WAL mode)
    runs/<id>/run.json    the comparison's scalars and dicts (core.runs.codec), manifest
    runs/<id>/*.parquet   its arrays (one column per array, row-aligned) and tables
    runs/<id>/data.bin    the uploaded file's bytes, when saved with the run
    tmp/                  runs being written (and deleted); stale entries go on open

A save writes everything into a fresh directory under ``tmp/``, fsyncs it, renames it into
``runs/`` and only then adds the index row, in one transaction: that row is the commit.
Listing and loading only see indexed runs whose directory exists, so a crash at any point
leaves no half run. Nothing is pickled; nothing in a run directory is executed.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import secrets
import shutil
import sqlite3
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from core.errors import DataError
from core.evaluation.comparison import Comparison
from core.runs.codec import Decoder, Encoder
from core.runs.compare import compare_runs
from core.runs.files import fsync_dir, pid_alive, read_columns
from core.runs.index import RECOMMENDED_COLUMNS, RunIndex, index_row, recommended_columns

ENV_VAR = "IMBALANCE_DASHBOARD_DATA"
DEFAULT_DIR = ".imbalance-dashboard"  # under the user's home
FORMAT = 1
INDEX_FILE = "index.sqlite"
MANIFEST = "run.json"
DATA_FILE = "data.bin"
STALE_TMP_S = 24 * 3600.0  # a temp entry this old goes even if its process id is in use
ORPHAN_S = 600.0  # a run directory without index row this old is a save that died
LIST_COLUMNS = ("id", "created", "dataset", "task", "target", "model", "strategies", "cv",
                "seed", "holdout", *RECOMMENDED_COLUMNS, "best_strategy", "best_macro_f1",
                "n_rows", "has_data")  # fmt: skip

_ID = re.compile(r"\d{8}-\d{6}-[0-9a-f]{8}")
_TMP = re.compile(r"(?P<id>[^.]+)\.(?:deleted\.)?(?P<pid>\d+)\.tmp")


def data_dir() -> Path:
    """Where runs are kept: ``$IMBALANCE_DASHBOARD_DATA``, else ``~/.imbalance-dashboard``."""
    value = os.environ.get(ENV_VAR, "").strip()
    return Path(value).expanduser() if value else Path.home() / DEFAULT_DIR


@dataclass(frozen=True, eq=False)
class SavedRun:
    """A run read back from the store: the comparison exactly as it was saved."""

    id: str
    created: datetime  # UTC
    comparison: Comparison
    data_bytes: bytes | None  # the uploaded file, when it was saved with the run
    data_name: str | None
    profile: dict | None  # Profile.to_dict() of the data, when saved


# -- small file helpers ------------------------------------------------------------------------


def _write_bytes(path: Path, data: bytes) -> None:
    with open(path, "xb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())


def _write_parquet(path: Path, table: pa.Table) -> None:
    with open(path, "xb") as f:
        pq.write_table(table, f)
        f.flush()
        os.fsync(f.fileno())


def _check_id(run_id: object) -> str:
    if not isinstance(run_id, str) or not _ID.fullmatch(run_id):
        raise DataError(f"{run_id!r} is not a run id", "Pick a run from the list on the Runs page")
    return run_id


def _not_found(run_id: str) -> DataError:
    return DataError(
        f"There is no saved run {run_id!r}",
        "It may have been deleted; pick a run from the list on the Runs page",
    )


# -- the store ---------------------------------------------------------------------------------


class RunStore:
    """Saved runs under ``root``: the team's shared workspace (no session state here).

    Holds only its path, so one object can serve every session and thread. Reading never
    creates anything; the first save creates ``root``. Opening removes what dead saves
    and deletes left behind.
    """

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root).expanduser()
        self._index = RunIndex(self.root / INDEX_FILE)
        self._runs = self.root / "runs"
        self._tmp = self.root / "tmp"
        self._clean()

    def __repr__(self) -> str:
        return f"RunStore({str(self.root)!r})"

    def _ensure(self) -> None:
        """Create the folders and the index (idempotent; safe from several processes)."""
        self.root.mkdir(mode=0o700, parents=True, exist_ok=True)
        self._runs.mkdir(exist_ok=True)
        self._tmp.mkdir(exist_ok=True)
        self._index.ensure()

    def _rows(self, where: str = "", args: tuple = ()) -> list[dict[str, Any]]:
        """Index rows whose run folder is complete (holds its manifest)."""
        rows = self._index.rows(where, args)
        return [r for r in rows if (self._runs / r["id"] / MANIFEST).is_file()]

    # ---------------------------------------------------------------- housekeeping

    def _clean(self) -> None:
        """Remove temp entries of saves/deletes whose process is gone, and old orphans."""
        now = time.time()
        if self._tmp.is_dir():
            for entry in self._tmp.iterdir():
                found = _TMP.fullmatch(entry.name)
                with contextlib.suppress(OSError):
                    old = now - entry.lstat().st_mtime > STALE_TMP_S
                    if found is None or old or not pid_alive(int(found["pid"])):
                        shutil.rmtree(entry, ignore_errors=True)
        indexed = self._index.ids() if self._runs.is_dir() else None
        if indexed is not None:  # without an index, no folder can be called an orphan
            for entry in self._runs.iterdir():
                with contextlib.suppress(OSError):
                    if entry.name not in indexed and now - entry.lstat().st_mtime > ORPHAN_S:
                        shutil.rmtree(entry, ignore_errors=True)  # renamed, never indexed

    def _existing_data(self, sha256: str) -> Path | None:
        for row in self._rows("WHERE data_sha256 = ?", (sha256,)):
            path = self._runs / row["id"] / DATA_FILE
            if path.is_file():
                return path
        return None

    # ---------------------------------------------------------------- API

    def save(
        self,
        comparison: Comparison,
        *,
        data_bytes: bytes | None = None,
        data_name: str | None = None,
        profile: Mapping[str, Any] | Any | None = None,
    ) -> str:
        """Save ``comparison`` (and the uploaded file's bytes, if given); returns the run id.

        ``profile`` is a ``Profile`` or its ``to_dict()``. Atomic: the run appears in
        :meth:`list` complete, or not at all.
        """
        if data_bytes is not None and not isinstance(data_bytes, bytes | bytearray | memoryview):
            raise TypeError("data_bytes must be bytes")
        if profile is not None and hasattr(profile, "to_dict"):
            profile = profile.to_dict()
        created = datetime.now(UTC)
        run_id = f"{created:%Y%m%d-%H%M%S}-{secrets.token_hex(4)}"
        self._ensure()
        tmp = self._tmp / f"{run_id}.{os.getpid()}.tmp"
        final = self._runs / run_id
        tmp.mkdir()
        try:
            data = self._write_run(tmp, run_id, created, comparison, data_bytes, data_name, profile)
            fsync_dir(tmp)
            os.rename(tmp, final)
            fsync_dir(self._runs)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        try:
            self._insert(run_id, created, comparison, data)
        except BaseException:
            shutil.rmtree(final, ignore_errors=True)
            raise
        return run_id

    def _write_run(
        self,
        folder: Path,
        run_id: str,
        created: datetime,
        comparison: Comparison,
        data_bytes: bytes | None,
        data_name: str | None,
        profile: Mapping[str, Any] | None,
    ) -> dict[str, Any] | None:
        n_holdout = 0 if comparison.holdout_y_true is None else len(comparison.holdout_y_true)
        encoder = Encoder({"cv": len(comparison.y_true), "holdout": n_holdout})
        doc = encoder.encode(comparison)
        profile_doc = None if profile is None else encoder.encode(dict(profile))
        tables = {}
        for name, columns in encoder.tables.items():
            if columns:
                tables[name] = f"{name}.parquet"
                _write_parquet(folder / tables[name], pa.table(dict(columns)))
        frames = {}
        for name, frame in encoder.frames.items():
            frames[name] = f"{name}.parquet"
            _write_parquet(folder / frames[name], pa.Table.from_pandas(frame))
        data = None
        if data_bytes is not None:
            raw = bytes(data_bytes)
            sha256 = hashlib.sha256(raw).hexdigest()
            data = {"file": DATA_FILE, "name": data_name, "size": len(raw), "sha256": sha256}
            self._store_data(folder / DATA_FILE, raw, sha256)
        manifest = {
            "format": FORMAT,
            "id": run_id,
            "created": created.isoformat(),
            "tables": tables,
            "frames": frames,
            "data": data,
            "comparison": doc,
            "profile": profile_doc,
        }
        text = json.dumps(manifest, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
        _write_bytes(folder / MANIFEST, text.encode("utf-8"))
        return data

    def _store_data(self, path: Path, raw: bytes, sha256: str) -> None:
        """The uploaded bytes; a hard link to an identical file of another run if possible."""
        existing = self._existing_data(sha256)
        if existing is not None and existing.stat().st_size == len(raw):
            with contextlib.suppress(OSError):
                os.link(existing, path)
                return
        _write_bytes(path, raw)

    def _insert(
        self, run_id: str, created: datetime, comparison: Comparison, data: dict | None
    ) -> None:
        """The commit point of a save: the run's index row."""
        self._index.insert(index_row(run_id, created, comparison, data, FORMAT))

    def list(self) -> pd.DataFrame:
        """Saved runs, newest first: one row each with :data:`LIST_COLUMNS`.

        ``created`` is a UTC timestamp; ``target`` and ``strategies`` are comma-joined;
        ``recommended_*`` is the run's recommendation (strategy, metric, class or None for a
        summary metric, value), the one the Compare page names; ``best_macro_f1`` is the
        highest pooled macro F1 (``best_strategy`` reaches it). Runs indexed without a
        recommendation (by an older version) get it computed from the saved run, and stored.
        """
        rows = self._rows()
        self._backfill([r for r in rows if r.get("recommended_metric") is None])
        frame = pd.DataFrame(
            [
                {
                    **{c: r[c] for c in LIST_COLUMNS if c in r},
                    "target": ", ".join(json.loads(r["target"])),
                    "strategies": ", ".join(json.loads(r["strategies"])),
                    "has_data": bool(r["has_data"]),
                }
                for r in rows
            ],
            columns=list(LIST_COLUMNS),
        )
        frame["created"] = pd.to_datetime(frame["created"], utc=True, format="ISO8601")
        return frame.astype(
            {"recommended_value": "float64", "best_macro_f1": "float64", "has_data": bool}
        )

    def _backfill(self, rows: list[dict[str, Any]]) -> None:
        """Fill in the recommendation of ``rows`` (in place) from their saved comparisons, and
        store it in the index; best effort: a run that cannot be read keeps None."""
        found = {}
        for row in rows:
            try:
                comparison = self.load(row["id"], with_data=False).comparison
            except DataError:
                continue
            row.update(recommended_columns(comparison))
            if row["recommended_metric"] is not None:
                found[row["id"]] = {c: row[c] for c in RECOMMENDED_COLUMNS}
        with contextlib.suppress(
            sqlite3.Error
        ):  # e.g. a read-only folder: computed again next time
            self._index.set_recommended(found)

    def info(self, run_id: str) -> dict[str, Any]:
        """The index row of one run (as stored), or DataError if there is none."""
        found = self._rows("WHERE id = ?", (_check_id(run_id),))
        if not found:
            raise _not_found(run_id)
        return found[0]

    def load(self, run_id: str, *, with_data: bool = True) -> SavedRun:
        """The run ``run_id`` with its comparison rebuilt exactly (and the data, if saved)."""
        info = self.info(run_id)
        folder = self._runs / run_id
        try:
            manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
            if int(manifest.get("format", 0)) > FORMAT:
                raise DataError(
                    f"Run {run_id} was saved by a newer version of the app",
                    "Open it with that version",
                )
            tables = manifest["tables"]
            frames = manifest["frames"]

            def table(name: str) -> dict[str, np.ndarray]:
                return read_columns(folder / Path(tables[name]).name)

            def frame(name: str) -> pd.DataFrame:
                return pd.read_parquet(folder / Path(frames[name]).name)

            decoder = Decoder(table, frame)
            comparison = decoder.decode(manifest["comparison"])
            profile = decoder.decode(manifest["profile"]) if manifest.get("profile") else None
            data = manifest.get("data")
            data_bytes = (
                (folder / DATA_FILE).read_bytes() if data is not None and with_data else None
            )
        except DataError:
            raise
        except (OSError, ValueError, KeyError, TypeError, pa.ArrowException) as err:
            raise DataError(
                f"Saved run {run_id} could not be read ({type(err).__name__}: {err})",
                "Delete it and run the comparison again",
            ) from err
        if not isinstance(comparison, Comparison):
            raise DataError(f"Saved run {run_id} does not hold a comparison")
        return SavedRun(
            id=run_id,
            created=datetime.fromisoformat(info["created"]),
            comparison=comparison,
            data_bytes=data_bytes,
            data_name=None if data is None else data.get("name"),
            profile=profile,
        )

    def delete(self, run_id: str) -> None:
        """Remove a run: its index row first (it vanishes from the list), then its files."""
        removed = self._index.delete(_check_id(run_id))
        folder = self._runs / run_id
        if not removed and not folder.exists():
            raise _not_found(run_id)
        if folder.exists():
            trash = self._tmp / f"{run_id}.deleted.{os.getpid()}.tmp"
            self._tmp.mkdir(parents=True, exist_ok=True)
            os.rename(folder, trash)
            shutil.rmtree(trash, ignore_errors=True)

    def compare(self, a: str, b: str) -> pd.DataFrame:
        """Pooled summary metrics of runs ``a`` and ``b`` side by side, per strategy.

        Columns ``strategy, metric, a, b, delta`` (``delta = b - a``), then ``status_a``,
        ``status_b``. Strategies of ``a`` first, then those only ``b`` ran; a strategy
        missing from a run, or failed there, has NaN on that side.
        """
        first = self.load(a, with_data=False).comparison
        second = self.load(b, with_data=False).comparison
        return compare_runs(first, second)
