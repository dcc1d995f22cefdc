"""The key structure of results.json is a contract (docs/CONTRACTS.md): people's scripts read it.

tests/data/results_keys.json pins every key path of the document ``analyze`` writes for the
three task kinds, first recorded before core/ was reorganised into subpackages and since then
only added to (``recommendation.verdict``/``alternatives``/``evidence``, ``diagnosis``,
``cost_curves``/``cost_curves_detail``, ``strategies.*.calibration``). Keys
named after a strategy or a class are written ``*``; lists add ``[]``; the contents of an
``evidence`` object are the evidence's own and are not pinned. A new key is fine only if it is
added to the pinned file on purpose (the contract is additive); a missing key fails.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from core.cli import main

ROOT = Path(__file__).resolve().parents[3]
PINNED = json.loads((ROOT / "tests" / "data" / "results_keys.json").read_text(encoding="utf-8"))
RUNS = {
    "binary": ["sample_data/card_fraud.csv", "--target", "is_fraud", "--holdout", "0.2"],
    "multiclass": ["sample_data/machine_states.csv", "--target", "state"],
    "multilabel": ["sample_data/support_tickets.csv", "--target", "tags", "--label-sep", "|"],
}


OPEN = "evidence"  # the numbers behind a finding, a cause or a verdict: free-form, not pinned


def key_paths(obj: object, names: set[str], prefix: str = "") -> set[str]:
    """Every key path of a JSON document; keys in ``names`` become ``*``; what lies under
    an ``evidence`` key is not walked (its keys are the evidence's own)."""
    out: set[str] = set()
    if isinstance(obj, dict):
        for key, value in obj.items():
            path = "*" if key in names else key
            path = f"{prefix}.{path}" if prefix else path
            out.add(path)
            if key != OPEN:
                out |= key_paths(value, names, path)
    elif isinstance(obj, list):
        for value in obj:
            out |= key_paths(value, names, prefix + "[]")
    return out


def test_key_paths_on_a_hand_example():
    doc = {"a": {"s1": {"x": 1}, "s2": {"x": 2, "y": [{"z": 0}]}}, "b": [], "evidence": {"n": 1}}
    want = {"a", "a.*", "a.*.x", "a.*.y", "a.*.y[].z", "b", "evidence"}
    assert key_paths(doc, {"s1", "s2"}) == want


@pytest.mark.slow
@pytest.mark.parametrize("task", sorted(RUNS))
def test_results_json_keeps_every_pinned_key(task, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(ROOT)
    # the diagnostic fits change no key (their numbers sit in evidence): skipped for speed
    argv = [*RUNS[task], "--strategies", "baseline,class_weight,threshold_tuning"]
    argv += ["--no-diagnostic-fits"]
    assert main(["analyze", *argv, "--cv", "3", "--n-jobs", "1", "--out", str(tmp_path)]) == 0
    capsys.readouterr()
    doc = json.loads((tmp_path / "results.json").read_text(encoding="utf-8"))
    assert doc["dataset"]["task"] == task
    names = set(doc["strategies"]) | set(doc["dataset"]["classes"])
    got = key_paths(doc, names)
    assert sorted(set(PINNED[task]) - got) == []  # nothing removed or renamed
    assert sorted(got - set(PINNED[task])) == []  # nothing added without updating the pin
