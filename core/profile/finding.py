"""A finding: one diagnosis in words (a verdict, what to do) with the numbers behind it.

The profile's data pitfalls, the comparison's findings and the report all speak in findings.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

SEVERITIES = ("error", "warning", "info")


def jsonable(value: Any) -> Any:
    """``value`` as plain JSON types (str keys, lists, int/float/bool/str/None) that
    ``json.dumps`` accepts: NaN and infinities become None, a DataFrame its records, any
    other object its text. The one converter for results.json, profiles and diagnoses."""
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, pd.DataFrame):
        return jsonable(value.to_dict(orient="records"))
    if isinstance(value, list | tuple | np.ndarray):
        return [jsonable(v) for v in value]
    if isinstance(value, bool | np.bool_):
        return bool(value)
    if isinstance(value, int | np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        return float(value) if math.isfinite(value) else None
    if value is None or isinstance(value, str):
        return str(value) if value is not None else None
    return str(value)


@dataclass(frozen=True)
class Finding:
    """One diagnosis: a verdict in words, what to do, the numbers behind it, and how to read
    them. ``code`` is stable (results.json, ``--mute``); each producer lists its codes and
    their ``how_to_read`` in one mapping."""

    code: str  # stable identifier, e.g. "duplicate_rows"
    severity: str  # "error" | "warning" | "info"
    title: str  # short, for a list or a badge
    message: str  # one or two plain sentences with the numbers
    suggestion: str  # what to do about it
    evidence: dict = field(default_factory=dict)  # JSON-serialisable numbers behind the verdict
    how_to_read: str = ""  # what the number means and what level is worrying, in plain words

    def __post_init__(self) -> None:
        if self.severity not in SEVERITIES:
            raise ValueError(
                f"severity must be one of {SEVERITIES}. Got {self.severity!r} instead."
            )

    def to_dict(self) -> dict:
        return {
            "code": self.code,
            "severity": self.severity,
            "title": self.title,
            "message": self.message,
            "suggestion": self.suggestion,
            "evidence": jsonable(self.evidence),
            "how_to_read": self.how_to_read,
        }


def without_muted(findings: Iterable[Finding], muted: Collection[str]) -> list[Finding]:
    """``findings`` in order, less those whose code is in ``muted`` (finding codes the user
    has checked or that do not apply; unknown codes are ignored here, validated at the door)."""
    muted = frozenset(muted)
    return [f for f in findings if f.code not in muted]
