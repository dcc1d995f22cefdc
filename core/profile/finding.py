"""A finding: one diagnosis in words (a verdict, what to do) with the numbers behind it.

The profile's data pitfalls, the comparison's findings and the report all speak in findings.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

SEVERITIES = ("error", "warning", "info")


def jsonable(value: Any) -> Any:
    """Plain Python (str keys, int/float/str/None, lists) that ``json.dumps`` accepts; NaN -> None."""
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | np.ndarray):
        return [jsonable(v) for v in value]
    if isinstance(value, bool | np.bool_):
        return bool(value)
    if isinstance(value, int | np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        return float(value) if math.isfinite(value) else None
    return value


@dataclass(frozen=True)
class Finding:
    """One diagnosis: a verdict in words, what to do, and the numbers behind it."""

    code: str  # stable identifier, e.g. "duplicate_rows"
    severity: str  # "error" | "warning" | "info"
    title: str  # short, for a list or a badge
    message: str  # one or two plain sentences with the numbers
    suggestion: str  # what to do about it
    evidence: dict = field(default_factory=dict)  # JSON-serialisable numbers behind the verdict

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
        }
