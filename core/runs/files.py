"""Small file helpers of the run store: durable directory entries, Parquet columns, and
whether the process that left a temp entry is still alive."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq


def fsync_dir(path: Path) -> None:
    """Flush the directory ``path`` itself to disk, so a rename or new entry in it is durable."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def read_columns(path: Path) -> dict[str, np.ndarray]:
    """Every column of the Parquet file ``path`` as a NumPy array, by name."""
    table = pq.read_table(path)
    return {name: table.column(name).to_numpy() for name in table.column_names}


def pid_alive(pid: int) -> bool:
    """Whether process ``pid`` may still be running (ours, or one we may not signal, counts)."""
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # e.g. another user's process: alive
        return True
    return True
