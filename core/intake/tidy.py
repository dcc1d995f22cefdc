"""Tidying a parsed table: drop empty trailing columns, read decimal commas and infinities,
and hold numeric columns in the smallest type that changes no value.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from core.intake.dialect import Dialect, header_only

COMPACT_INTS = (np.int8, np.int16, np.int32)
"""Whole-number columns are held in the first of these that holds every value."""
_EXACT_PROBE = 4096  # float values tried first: a column of decimals fails on its first rows
_DECIMAL_COMMA = re.compile(r"[+-]?(\d{1,3}(\.\d{3})+|\d+)(,\d+)?")


def _decimal_commas(frame: pd.DataFrame, col: str) -> bool:
    """Turn a text column of numbers written with decimal commas ("1.234,5") into floats."""
    s = frame[col]
    if not isinstance(s.dtype, pd.StringDtype):
        return False
    uniques = pd.Series(s.dropna().unique(), dtype="str").str.strip()
    if uniques.empty or not uniques.str.contains(",", regex=False).any():
        return False
    if not uniques.str.fullmatch(_DECIMAL_COMMA.pattern).all():
        return False
    text = s.str.strip().str.replace(".", "", regex=False).str.replace(",", ".", regex=False)
    frame[col] = pd.to_numeric(text, errors="coerce").astype(np.float64)
    return True


def tidy_frame(frame: pd.DataFrame, dialect: Dialect, notes: list[str]) -> pd.DataFrame:
    """Drop empty unnamed trailing columns, turn +-inf into missing, index 0..n-1."""
    names = list(frame.columns)
    trailing = []
    while names and names[-1] in dialect.unnamed and frame[names[-1]].isna().all():
        trailing.append(names.pop())
    if trailing:
        frame = frame.drop(columns=trailing)
        notes.append(
            f"Dropped {len(trailing)} empty unnamed column(s) at the end of each line "
            "(a trailing delimiter)."
        )
    unnamed = [n for n in names if n in dialect.unnamed]
    if unnamed:
        notes.append(f"Named the columns with an empty header: {', '.join(unnamed)}.")
    if dialect.delimiter != ",":
        commas = [col for col in names if _decimal_commas(frame, col)]
        if commas:
            notes.append(f"Read decimal commas (1,5 = 1.5) in: {', '.join(commas)}.")
    inf_cols = []
    for col in names:
        values = frame[col].to_numpy() if frame[col].dtype == np.float64 else None
        if values is not None and np.isinf(values).any():
            inf_cols.append(f"{col} ({int(np.isinf(values).sum())})")
            frame[col] = np.where(np.isinf(values), np.nan, values)
    if inf_cols:
        notes.append(f"Read infinite values (inf, -inf) as missing in: {', '.join(inf_cols)}.")
    if frame.shape[0] == 0:
        raise header_only()
    frame.index = pd.RangeIndex(frame.shape[0])
    return frame


def compact_numeric(frame: pd.DataFrame) -> pd.DataFrame:
    """Hold numeric columns in smaller types where that changes no value (in place).

    The rule: a 64-bit integer column becomes int8, int16 or int32, the first whose range
    holds its minimum and maximum; a float64 column becomes float32 when every value
    (missing ones aside) converts to float32 and back unchanged, e.g. whole numbers up to
    2**24 with gaps, or halves and quarters. Decimals such as 0.1 are not exact in float32
    and stay float64. Converting back to float64 gives the original values bit for bit, so
    models and metrics see the same numbers; ``core.intake.dataset`` types features as float64 again.
    """
    for col in frame.columns:
        values = frame[col].to_numpy() if frame[col].dtype in (np.int64, np.float64) else None
        if values is None or values.size == 0:
            continue
        if values.dtype == np.int64:
            small = _smallest_int(values.min(), values.max())
            if small is not None:
                frame[col] = values.astype(small)
        elif _exact_in_float32(values[:_EXACT_PROBE]) and _exact_in_float32(values):
            frame[col] = values.astype(np.float32)
    return frame


def _smallest_int(lo: int, hi: int) -> type | None:
    for kind in COMPACT_INTS:
        info = np.iinfo(kind)
        if info.min <= lo and hi <= info.max:
            return kind
    return None


def _exact_in_float32(values: np.ndarray) -> bool:
    with np.errstate(over="ignore", invalid="ignore"):  # too large for float32: not exact
        small = values.astype(np.float32)
    return bool(np.array_equal(small, values, equal_nan=True))
