"""``python -m core diagnose``: a model's predictions in, results.json / metrics.csv /
predictions.csv / report.html / decisions.json out; bad input is one ``error:`` line, exit 2."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from core.cli import main
from core.errors import DataError
from core.predictions_cli import parse_prevalence, read_cost_matrix


def _write(tmp_path, n: int = 150):
    rng = np.random.default_rng(0)
    y = rng.choice(3, n, p=[0.5, 0.4, 0.1])
    p = rng.dirichlet(np.ones(3), n)
    p[np.arange(n), y] += 0.8
    p /= p.sum(axis=1, keepdims=True)
    frame = pd.DataFrame({"label": y, **{f"proba_{k}": p[:, k] for k in range(3)}})
    path = tmp_path / "scored.csv"
    frame.to_csv(path, index=False)
    return path


def test_diagnose_writes_every_file(tmp_path, capsys):
    data = _write(tmp_path)
    out = tmp_path / "out"
    costs = tmp_path / "costs.csv"
    costs.write_text("true,0,1,2\n0,0,1,1\n1,1,0,1\n2,9,9,0\n", encoding="utf-8")
    code = main(["diagnose", str(data), "--target", "label", "--cv", "3", "--prevalence",
                 "2=1/11.5", "--cost-matrix", str(costs), "--out", str(out)])  # fmt: skip
    assert code == 0
    printed = capsys.readouterr().out
    assert "Model 'model': probabilities in proba_0, proba_1, proba_2." in printed
    for name in ("results.json", "metrics.csv", "predictions.csv", "report.html", "decisions.json"):
        assert (out / name).is_file()
    doc = json.loads((out / "results.json").read_text(encoding="utf-8"))
    assert doc["mode"] == "predictions"
    assert list(doc["strategies"]) == ["model", "model + tuned offsets", "model + expected cost"]
    assert doc["config"]["model"] == "predictions" and doc["config"]["cv"] == 3
    assert doc["deployment"]["shares"]["2"] == pytest.approx(1 / 11.5)
    assert set(doc["deployment"]["strategies"]) == set(doc["strategies"])
    assert doc["recommendation"]["evidence"]["test"].startswith("paired bootstrap")
    skipped = {c["id"]: c for c in doc["diagnosis"]["causes"]}["overfitting"]
    assert "not available for a predictions file" in skipped["suggestion"]
    decisions = json.loads((out / "decisions.json").read_text(encoding="utf-8"))
    assert decisions["classes"] == ["0", "1", "2"]
    assert set(decisions["models"]["model"]["offsets"]["by_class"]) == {"0", "1", "2"}
    assert decisions["models"]["model"]["cost_rule"]["cost_matrix"][2] == [9.0, 9.0, 0.0]
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "nothing was refitted" in html and "python -m core diagnose" in html
    assert 'id="python-script"' not in html  # nothing to rebuild


def test_bad_predictions_file_exits_2_with_one_error_line(tmp_path, capsys):
    bad = tmp_path / "bad.csv"
    bad.write_text("label,proba_0,proba_1\n0,0.2,0.8\n1,0.3,\n", encoding="utf-8")
    assert main(["diagnose", str(bad), "--target", "label", "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error: Score column 'proba_1' has 1 missing")


def test_parse_prevalence():
    assert parse_prevalence(["2=1/11.5", "a=b=8.7%", "0=0.5"]) == pytest.approx(
        {"2": 1 / 11.5, "a=b": 0.087, "0": 0.5}
    )
    with pytest.raises(DataError, match=r"--prevalence '2' is not CLASS=SHARE"):
        parse_prevalence(["2"])
    with pytest.raises(DataError, match=r"'x' is not a share"):
        parse_prevalence(["2=x"])


def test_cost_matrix_file_is_put_in_class_order(tmp_path):
    path = tmp_path / "c.csv"
    path.write_text("b,a\n0,2\n3,0\n", encoding="utf-8")  # header only: rows in header order
    assert read_cost_matrix(str(path), ["a", "b"]) == ((0.0, 3.0), (2.0, 0.0))
    path.write_text("a,b\n0,1\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"The cost matrix must be 2 x 2"):
        read_cost_matrix(str(path), ["a", "b"])


def test_binary_margin_column_decision_applies_to_the_file(tmp_path):
    rng = np.random.default_rng(1)
    y = np.where(rng.uniform(size=120) < 0.25, "fraud", "ok")
    margin = np.where(y == "fraud", 1.5, -1.0) + rng.normal(0, 1.2, 120)  # scores 'fraud'
    data = tmp_path / "margins.csv"
    pd.DataFrame({"y": y, "score": margin}).to_csv(data, index=False)
    assert main(["diagnose", str(data), "--target", "y", "--cv", "3", "--out", str(tmp_path)]) == 0
    decisions = json.loads((tmp_path / "decisions.json").read_text(encoding="utf-8"))
    found = decisions["models"]["model"]
    assert found["kind"] == "score" and found["score_columns"] == {"fraud": "score"}
    cut, column = found["threshold"]["cut"], found["threshold"]["on_column"]
    ok_prob = 1 - 1 / (1 + np.exp(-margin))  # the views' probability of 'ok' (classes[1])
    np.testing.assert_array_equal(ok_prob >= cut, ~(margin > column["cut"]))


def test_analyze_with_prevalence_adds_deployment(tmp_path):
    rng = np.random.default_rng(2)
    frame = pd.DataFrame({"x1": rng.normal(size=90), "x2": rng.normal(size=90)})
    frame["target"] = np.where(frame["x1"] + rng.normal(0, 0.5, 90) > 0.3, "yes", "no")
    data = tmp_path / "d.csv"
    frame.to_csv(data, index=False)
    args = ["analyze", str(data), "--target", "target", "--strategies", "baseline", "--cv", "3",
            "--n-jobs", "1", "--no-diagnostic-fits", "--out", str(tmp_path)]  # fmt: skip
    assert main([*args, "--prevalence", "yes=0.05"]) == 0
    doc = json.loads((tmp_path / "results.json").read_text(encoding="utf-8"))
    assert "mode" not in doc
    assert doc["deployment"]["shares"] == pytest.approx({"no": 0.95, "yes": 0.05})
    assert [r["class"] for r in doc["deployment"]["strategies"]["baseline"]["per_class"]] == [
        "no",
        "yes",
    ]
    assert 'id="deployment"' in (tmp_path / "report.html").read_text(encoding="utf-8")
