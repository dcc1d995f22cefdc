"""Feature typing: what each non-target column of the file becomes, and why (the schema report).

A column becomes numeric, datetime (days since 1970-01-01), categorical, or is dropped (empty,
constant, ID-like, high-cardinality text); :class:`ColumnDecision` records the choice.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

_ID_TOKENS = frozenset({"id", "uuid", "guid", "key", "index", "idx", "row", "rowid", "pk"})
_UUID = re.compile(
    r"^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}$"
)
_MONTH = r"[A-Za-z]{3,9}\.?"
_DATE = re.compile(
    rf"^(\d{{4}}[-/.]\d{{1,2}}[-/.]\d{{1,2}}|\d{{1,2}}[-/.]\d{{1,2}}[-/.]\d{{2,4}}"
    rf"|\d{{1,2}}[ -]{_MONTH}[ -,]+\d{{2,4}}|{_MONTH} \d{{1,2}}(st|nd|rd|th)?,? \d{{2,4}})"
    r"([ T]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?\s*([AaPp][Mm])?\s*(Z|[+-]\d{2}:?\d{2})?)?$"
)
_DATE_FORMATS = ("ISO8601", "%m/%d/%Y", "%d/%m/%Y", "%d.%m.%Y", "%d-%m-%Y", "%m/%d/%y",
                 "%d/%m/%y", "mixed")  # fmt: skip
_EPOCH = pd.Timestamp("1970-01-01", tz="UTC")
_COMPACT_DTYPES = frozenset({"int8", "int16", "int32", "float32"})  # see compact_numeric


@dataclass(frozen=True)
class ColumnDecision:
    """What intake did with one column of the file, and why (the schema report)."""

    column: str
    kind: str  # "target" | "numeric" | "categorical" | "datetime" | "dropped"
    reason: str


# -- small helpers shared with target detection ------------------------------------------------


def shorten(items: Sequence[str], limit: int) -> str:
    """The first ``limit`` items joined by commas, then how many more there are."""
    text = ", ".join(items[:limit])
    return text + (f", ... ({len(items) - limit} more)" if len(items) > limit else "")


def strip_text(s: pd.Series) -> pd.Series:
    """Text stripped of surrounding blanks, blank text -> missing; other dtypes unchanged."""
    if not (pd.api.types.is_string_dtype(s.dtype) and s.dtype != object):
        return s
    out = s.str.strip()
    return out.mask(out == "")


def id_like_name(col: str) -> bool:
    """Whether the column is named like an identifier (id, uuid, key, rowId, ...)."""
    tokens = set(re.split(r"[^0-9a-z]+", col.strip().lower()))
    return bool(tokens & _ID_TOKENS) or re.search(r"[a-z0-9](Id|ID)$", col.strip()) is not None


def number_label(raw: object, value: float) -> str:
    """How a numeric value is named: text as is, whole numbers without ".0", else repr."""
    if isinstance(raw, str):
        return raw
    return str(int(value)) if float(value).is_integer() else repr(float(value))


# -- feature typing ----------------------------------------------------------------------------


def _drop(col: str, reason: str) -> tuple[ColumnDecision, None]:
    return ColumnDecision(col, "dropped", reason), None


def type_feature(col: str, s: pd.Series, n: int) -> tuple[ColumnDecision, pd.Series | None]:
    """Decide what one feature column becomes: numeric, datetime, categorical or dropped.

    Returns the decision and the column's values as the model sees them (None if dropped).
    """
    is_numeric = pd.api.types.is_bool_dtype(s.dtype) or pd.api.types.is_numeric_dtype(s.dtype)
    if s.dtype == object and pd.api.types.infer_dtype(s, skipna=True) == "boolean":
        s, is_numeric = s.astype("float64"), True  # booleans with gaps -> 1/0/NaN
    elif not is_numeric and not pd.api.types.is_datetime64_any_dtype(s.dtype):
        s = strip_text(s.astype("str"))
    n_missing = int(s.isna().sum())
    present = n - n_missing
    if present == 0:
        return _drop(col, f"all missing ({n} rows)")
    if n_missing > 0.95 * n:
        return _drop(col, f"{n_missing / n:.0%} missing ({n_missing} of {n} rows)")
    missing = f"; {n_missing} missing" if n_missing else ""
    if is_numeric:
        return _numeric(col, s, present, missing)
    if pd.api.types.is_datetime64_any_dtype(s.dtype):
        days = _days(s)
        if days.nunique() == 1:
            return _drop(col, f"constant: every value is {s.dropna().iloc[0]}{missing}")
        return ColumnDecision(col, "datetime", f"datetime -> days since 1970-01-01{missing}"), days
    return _text(col, s, n, present, missing)


def _numeric(
    col: str, s: pd.Series, present: int, missing: str
) -> tuple[ColumnDecision, pd.Series | None]:
    held = s.dtype.name if s.dtype.name in _COMPACT_DTYPES else None
    s = s.astype(np.float64)
    values = s.to_numpy()
    lo, hi = np.nanmin(values), np.nanmax(values)
    if lo == hi:
        return _drop(col, f"constant: every value is {number_label(None, lo)}{missing}")
    if hi - lo == present - 1 or id_like_name(col):  # cheap gate before counting distinct values
        k = int(s.nunique())
        whole = np.array_equal(values[~np.isnan(values)], np.round(values[~np.isnan(values)]))
        sequence = whole and k == present and hi - lo == present - 1 and present >= 3
        if sequence or (id_like_name(col) and k >= 0.95 * present):
            what = " (an integer sequence)" if sequence else ""
            return _drop(col, f"ID-like: {k} distinct values in {present} rows{what}")
    read_as = f"; read as {held} (lossless)" if held else ""
    return ColumnDecision(col, "numeric", f"numeric{missing}{read_as}"), s


def _days(s: pd.Series) -> pd.Series:
    s = s.dt.tz_localize("UTC") if s.dt.tz is None else s.dt.tz_convert("UTC")
    return (s - _EPOCH) / pd.Timedelta(days=1)


def _text(
    col: str, s: pd.Series, n: int, present: int, missing: str
) -> tuple[ColumnDecision, pd.Series | None]:
    counts = s.value_counts()
    k, uniques = len(counts), counts.index
    if k == 1:
        return _drop(col, f"constant: every value is '{uniques[0]}'{missing}")
    sample = pd.Series(uniques[:200])
    id_like = f"ID-like: {k} distinct values in {present} rows"
    if k >= 0.95 * present and (id_like_name(col) or sample.str.fullmatch(_UUID).mean() >= 0.95):
        return _drop(col, id_like)
    numbers = pd.to_numeric(pd.Series(uniques), errors="coerce").to_numpy()
    share = counts.to_numpy()[~np.isnan(numbers)].sum() / present
    if share >= 0.95:
        values = pd.to_numeric(s, errors="coerce")
        bad = [repr(u) for u in uniques[np.isnan(numbers)]]
        reason = f"{present - int(values.notna().sum())} non-numeric values ({shorten(bad, 3)}) read as missing"
        return ColumnDecision(col, "numeric", f"numeric; {reason}{missing}"), values.astype(
            np.float64
        )
    if sample.str.fullmatch(_DATE).mean() >= 0.8:
        parsed = _parse_dates(pd.Series(uniques))
        share = counts.to_numpy()[parsed.notna().to_numpy()].sum() / present
        if share >= 0.95:
            days = s.map(pd.Series(_days(parsed).to_numpy(), index=uniques))
            reason = (
                f"datetime: {share:.0%} of {present} values parse as dates -> days since 1970-01-01"
            )
            return ColumnDecision(col, "datetime", reason), days.astype(np.float64)
    limit = max(50, int(0.05 * n))
    if k <= limit:
        return ColumnDecision(
            col, "categorical", f"categorical: {k} distinct values{missing}"
        ), _as_objects(s)
    if k == present and not sample.str.contains(r"\s").any():
        return _drop(col, id_like)
    return _drop(
        col, f"high-cardinality text: {k} distinct values in {n} rows (over {limit} to one-hot)"
    )


def _as_objects(s: pd.Series) -> pd.Series:
    """``s.astype(object)`` with one Python string per distinct value, not one per row
    (a million rows of a few categories then cost 8 MB of pointers, not 60 MB of strings)."""
    codes, uniques = pd.factorize(s)
    table = np.append(np.asarray(uniques, dtype=object), np.nan)  # code -1 (missing) -> NaN
    return pd.Series(table[codes], index=s.index, name=s.name, dtype=object)


def _parse_dates(values: pd.Series) -> pd.Series:
    """UTC datetimes (NaT where unparsable) in the first format that fits >= 95% of values."""
    for fmt in _DATE_FORMATS:
        parsed = pd.to_datetime(values, errors="coerce", format=fmt, utc=True)
        if parsed.notna().mean() >= 0.95:
            break
    return parsed
