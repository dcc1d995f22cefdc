"""`python -m core ...`: JSON on stdout, exit 2 + one `error:` line on bad input."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from core.cli import main

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "sample_data"


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "core", *args], capture_output=True, text=True, cwd=ROOT, timeout=300
    )


def test_profile_binary_sample_prints_profile_json(capsys):
    assert main(["profile", str(SAMPLES / "card_fraud.csv"), "--target", "is_fraud"]) == 0
    out = json.loads(capsys.readouterr().out)
    expected = pd.read_csv(SAMPLES / "card_fraud.csv")["is_fraud"].value_counts()
    assert out["task"] == "binary"
    assert out["n_rows"] == len(pd.read_csv(SAMPLES / "card_fraud.csv"))
    assert out["class_counts"] == {"0": int(expected[0]), "1": int(expected[1])}


def test_profile_multilabel_with_label_sep(capsys):
    path = SAMPLES / "support_tickets.csv"
    assert main(["profile", str(path), "--target", "tags", "--label-sep", "|"]) == 0
    out = json.loads(capsys.readouterr().out)
    tags = pd.read_csv(path)["tags"].str.split("|").explode().value_counts()
    assert out["task"] == "multilabel"
    assert out["class_counts"] == {k: int(v) for k, v in tags.items()}


def test_profile_several_zero_one_targets(tmp_path, capsys):
    frame = pd.DataFrame(
        {
            "x1": range(40),
            "x2": [i % 7 for i in range(40)],
            "a": [i % 2 for i in range(40)],
            "b": [int(i % 5 == 0) for i in range(40)],
        }
    )
    path = tmp_path / "ml.csv"
    frame.to_csv(path, index=False)
    assert main(["profile", str(path), "--target", "a", "--target", "b"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["task"] == "multilabel"
    assert out["class_counts"] == {"a": 20, "b": 8}


@pytest.mark.slow
@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["profile", "sample_data/card_fraud.csv", "--target", "no_such_col"], "no_such_col"),
        (["profile", "sample_data/does_not_exist.csv", "--target", "y"], "not found"),
        (["profile", "sample_data/card_fraud.csv"], "--target"),
        (["frobnicate"], "invalid choice"),
    ],
)
def test_bad_input_exits_2_with_one_error_line(args, message):
    result = run_cli(*args)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ")
    assert message in lines[0]
    assert "Traceback" not in result.stderr


@pytest.mark.slow
def test_not_a_csv_is_refused_cleanly(tmp_path):
    path = tmp_path / "book.csv"
    path.write_bytes(b'{"rows": [1, 2, 3]}')
    result = run_cli("profile", str(path), "--target", "y")
    assert result.returncode == 2
    assert result.stderr.startswith("error: ") and "JSON" in result.stderr
