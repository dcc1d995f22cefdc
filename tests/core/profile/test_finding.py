"""core.profile.finding: a Finding and its JSON form."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from core.profile.finding import SEVERITIES, Finding, jsonable, without_muted


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
                           "suggestion": "S", "evidence": {"share": 0.25, "n": None},
                           "how_to_read": ""}  # fmt: skip
    assert SEVERITIES == ("error", "warning", "info")
    with pytest.raises(ValueError, match="severity must be one of"):
        Finding("c", "fatal", "T", "M", "S")


def test_how_to_read_is_the_last_field_and_goes_to_json():
    f = Finding("c", "warning", "T", "M", "S", {"n": 1}, "What n means.")
    assert f.how_to_read == "What n means." and f.evidence == {"n": 1}
    assert f.to_dict()["how_to_read"] == "What n means."
    assert Finding("c", "info", "T", "M", "S").how_to_read == ""  # positional, as before


def test_without_muted_drops_the_muted_codes_and_keeps_the_order():
    a, b, c = (Finding(code, "info", code, "M", "S") for code in ("a", "b", "a"))
    found = [a, b, c]
    assert without_muted(found, {"a"}) == [b]
    assert without_muted(found, ("b", "unknown")) == [a, c]
    assert without_muted(iter(found), ()) == found
    assert found == [a, b, c]  # the input is left alone
