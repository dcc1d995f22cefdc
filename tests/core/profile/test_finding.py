"""core.profile.finding: a Finding and its JSON form."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from core.profile.finding import SEVERITIES, Finding, jsonable


def test_jsonable_makes_plain_python():
    got = jsonable({1: np.int64(3), "f": np.float32(0.5), "nan": math.nan, "inf": np.inf,
                    "b": np.bool_(True), "arr": np.array([1, 2]), "t": (1.5, "x")})  # fmt: skip
    assert got == {"1": 3, "f": 0.5, "nan": None, "inf": None, "b": True, "arr": [1, 2],
                   "t": [1.5, "x"]}  # fmt: skip
    assert type(got["1"]) is int and type(got["b"]) is bool
    json.dumps(got, allow_nan=False)


def test_finding_to_dict_and_severity_check():
    f = Finding("c", "info", "T", "M", "S", {"share": np.float64(0.25), "n": math.nan})
    assert f.to_dict() == {"code": "c", "severity": "info", "title": "T", "message": "M",
                           "suggestion": "S", "evidence": {"share": 0.25, "n": None}}  # fmt: skip
    assert SEVERITIES == ("error", "warning", "info")
    with pytest.raises(ValueError, match="severity must be one of"):
        Finding("c", "fatal", "T", "M", "S")
