"""``python -m core analyze ... --out DIR`` also writes report.html and label_next.csv."""

from __future__ import annotations

import contextlib
import io
import json
import re
import shlex

import numpy as np
import pandas as pd
import pytest
from markupsafe import escape

from core.analysis.diagnosis import CAUSE_IDS
from core.analysis.recommendation import VERDICTS
from core.cli import main


@pytest.fixture(scope="module")
def analyzed(tmp_path_factory, datasets):
    """One CLI run on a CSV of the seeded binary data: (out dir, argv, exit code, stdout)."""
    ds = datasets["binary"]
    root = tmp_path_factory.mktemp("cli")
    frame = ds.X.copy()
    frame["churn flag"] = np.asarray(ds.classes)[ds.y]
    (root / "my data.csv").write_text(frame.to_csv(index=False), encoding="utf-8")
    out = root / "out"
    argv = [
        "analyze", str(root / "my data.csv"), "--target", "churn flag",
        "--strategies", "baseline,class_weight", "--cv", "3", "--seed", "1",
        "--n-jobs", "1", "--out", str(out),
    ]  # fmt: skip
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        code = main(argv)
    return out, argv, code, buf.getvalue()


def test_analyze_writes_the_report_next_to_the_tables(analyzed):
    out, _, code, stdout = analyzed
    assert code == 0
    names = {p.name for p in out.iterdir()}
    assert names == {"results.json", "metrics.csv", "predictions.csv", "report.html",
                     "label_next.csv"}  # fmt: skip
    assert f"report: {out / 'report.html'}" in stdout.splitlines()
    assert f"label_next: {out / 'label_next.csv'}" in stdout.splitlines()


def test_cli_report_carries_the_exact_command_and_the_results(analyzed):
    out, argv, _, _ = analyzed
    html = (out / "report.html").read_text(encoding="utf-8")
    doc = json.loads((out / "results.json").read_text(encoding="utf-8"))
    command = "python -m core " + " ".join(shlex.quote(a) for a in argv)
    assert doc["command"] == command
    assert f'<code id="cli-command">{escape(command)}</code>' in html
    assert "The exact command that made this report" in html
    assert f"Recommended: {doc['recommendation']['strategy']}." in html
    for name, entry in doc["strategies"].items():
        row = re.search(rf'<tr data-strategy="{name}">(.*?)</tr>', html).group(1)
        shown = dict(re.findall(r'data-metric="(\w+)" data-value="([^"]+)"', row))
        for metric, value in entry["summary"].items():
            assert float(shown[metric]) == value, (name, metric)
    assert "profile" in doc and "Imbalance ratio" in html


def test_cli_label_next_lists_data_rows_with_their_features(analyzed, datasets):
    out, _, _, _ = analyzed
    rows = pd.read_csv(out / "label_next.csv")
    ds = datasets["binary"]
    assert len(rows) == 200
    assert rows["row"].between(0, ds.n_rows - 1).all() and rows["row"].is_unique
    assert np.allclose(rows[list(ds.X.columns)].to_numpy(), ds.X.iloc[rows["row"]].to_numpy())
    assert rows["margin"].between(0, 1).all()


def test_bad_input_writes_no_report(tmp_path, capsys):
    data = tmp_path / "d.csv"
    data.write_text("a,b\n1,x\n2,y\n3,x\n4,y\n", encoding="utf-8")
    code = main(["analyze", str(data), "--target", "nope", "--out", str(tmp_path / "o")])
    assert code == 2
    assert capsys.readouterr().err.startswith("error: Target column 'nope' is not in the file")
    assert not (tmp_path / "o" / "report.html").exists()


# --------------------------------------------------------------------------- the diagnosis


def test_analyze_writes_the_verdict_and_the_diagnosis(analyzed):
    out, _, _, _ = analyzed
    doc = json.loads((out / "results.json").read_text(encoding="utf-8"))
    rec, found = doc["recommendation"], doc["diagnosis"]
    assert rec["verdict"] in VERDICTS
    assert set(rec) >= {"strategy", "metric", "class", "value", "p_value", "reason", "verdict",
                        "alternatives", "evidence"}  # fmt: skip
    assert set(found) == {"class", "summary", "causes"}
    assert found["class"] == rec["class"] and found["summary"]
    assert sorted(c["id"] for c in found["causes"]) == sorted(CAUSE_IDS)  # nothing muted
    for cause in found["causes"]:
        assert set(cause) == {"id", "verdict", "severity", "title", "evidence", "suggestion",
                              "how_to_read"}  # fmt: skip
        assert cause["verdict"] in ("yes", "no", "unclear")
    ranks = [("yes", "unclear", "no").index(c["verdict"]) for c in found["causes"]]
    assert ranks == sorted(ranks)
    by_id = {c["id"]: c for c in found["causes"]}
    # the diagnostic fits ran: the causes that need them are judged, not "missing"
    for needs_fits in ("scarcity", "model_family"):
        assert "missing" not in by_id[needs_fits]["evidence"], by_id[needs_fits]
    html = (out / "report.html").read_text(encoding="utf-8")
    assert html.index('<section id="diagnosis">') < html.index('<section id="summary">')
    for cause in found["causes"]:
        assert f'id="cause-{cause["id"]}"' in html


def test_mute_rope_and_no_diagnostic_fits(tmp_path, datasets):
    ds = datasets["binary"]
    frame = ds.X.copy()
    frame["y"] = np.asarray(ds.classes)[ds.y]
    (tmp_path / "d.csv").write_text(frame.to_csv(index=False), encoding="utf-8")
    argv = [
        "analyze", str(tmp_path / "d.csv"), "--target", "y", "--strategies",
        "baseline,class_weight", "--cv", "3", "--n-jobs", "1", "--out", str(tmp_path / "o"),
        "--mute", "overfitting", "--mute", "leakage_suspect", "--rope", "0.05",
        "--no-diagnostic-fits",
    ]  # fmt: skip
    with contextlib.redirect_stdout(io.StringIO()):
        assert main(argv) == 0
    doc = json.loads((tmp_path / "o" / "results.json").read_text(encoding="utf-8"))
    ids = [c["id"] for c in doc["diagnosis"]["causes"]]
    assert sorted(ids) == sorted(set(CAUSE_IDS) - {"overfitting", "leakage_suspect"})
    by_id = {c["id"]: c for c in doc["diagnosis"]["causes"]}
    assert by_id["scarcity"]["verdict"] == "unclear"  # no learning curve without the fits
    assert "missing" in by_id["scarcity"]["evidence"]
    assert doc["recommendation"]["evidence"]["rope"] == 0.05
    html = (tmp_path / "o" / "report.html").read_text(encoding="utf-8")
    assert 'id="cause-overfitting"' not in html and 'id="cause-scarcity"' in html


@pytest.mark.parametrize(
    ("extra", "said"),
    [
        (["--rope", "2"], "rope"),
        (["--rope", "-0.1"], "rope"),
        (["--rope", "abc"], "--rope"),
        (["--mute", "nope"], "Unknown cause id for --mute: 'nope'"),
    ],
)
def test_a_bad_rope_or_mute_id_exits_2_with_one_line(tmp_path, capsys, extra, said):
    data = tmp_path / "d.csv"
    rows = "".join(f"{v},{'xy'[i % 2]}\n" for i, v in enumerate([3, 1, 4, 1, 5, 9, 2, 6]))
    data.write_text("a,b\n" + rows, encoding="utf-8")
    code = main(["analyze", str(data), "--target", "b", "--out", str(tmp_path / "o"), *extra])
    err = capsys.readouterr().err
    assert code == 2
    assert err.startswith("error: ") and said in err and err.count("\n") == 1, err
    assert "Traceback" not in err
    assert not (tmp_path / "o").exists()


def test_an_unknown_mute_id_lists_the_cause_ids_and_the_finding_codes(tmp_path, capsys):
    from core.analysis.findings import FINDING_CODES
    from core.profile.pitfalls import PITFALL_CODES

    data = tmp_path / "d.csv"
    data.write_text("a,b\n" + "".join(f"{i},{'xy'[i % 2]}\n" for i in range(8)), encoding="utf-8")
    code = main(["analyze", str(data), "--target", "b", "--out", str(tmp_path / "o"),
                 "--mute", "duplicate_rows", "--mute", "nope"])  # fmt: skip
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1, err
    assert "'nope'" in err and "'duplicate_rows'" not in err  # a finding code is a valid id
    assert "Valid cause ids: " + ", ".join(CAUSE_IDS) in err
    assert "finding codes: " + ", ".join((*PITFALL_CODES, *FINDING_CODES)) in err


def test_mute_a_finding_code_leaves_it_out_of_results_and_report(tmp_path, datasets):
    ds = datasets["binary"]
    frame = ds.X.copy()
    frame["y"] = np.asarray(ds.classes)[ds.y]
    (tmp_path / "d.csv").write_text(frame.to_csv(index=False), encoding="utf-8")
    docs, pages = {}, {}
    for run, mute in (("all", []), ("muted", ["--mute", "hard_minority"])):
        argv = ["analyze", str(tmp_path / "d.csv"), "--target", "y", "--strategies", "baseline",
                "--cv", "3", "--n-jobs", "1", "--no-diagnostic-fits",
                "--out", str(tmp_path / run), *mute]  # fmt: skip
        with contextlib.redirect_stdout(io.StringIO()):
            assert main(argv) == 0
        docs[run] = json.loads((tmp_path / run / "results.json").read_text(encoding="utf-8"))
        pages[run] = (tmp_path / run / "report.html").read_text(encoding="utf-8")
    shown = {run: [f["code"] for f in doc["profile"]["findings"]] for run, doc in docs.items()}
    assert "hard_minority" in shown["all"]
    assert shown["muted"] == [c for c in shown["all"] if c != "hard_minority"]
    assert 'data-code="hard_minority"' in pages["all"]
    assert 'data-code="hard_minority"' not in pages["muted"]
    # the causes still read every pitfall: muting a finding changes no verdict
    assert docs["muted"]["diagnosis"] == docs["all"]["diagnosis"]
    for f in docs["all"]["profile"]["findings"]:
        assert f["how_to_read"], f["code"]
        assert str(escape(f["how_to_read"])) in pages["all"]


def test_repeats_reach_the_verdict_the_config_and_the_reproduce_command(tmp_path, datasets):
    ds = datasets["binary"]
    frame = ds.X.copy()
    frame["y"] = np.asarray(ds.classes)[ds.y]
    (tmp_path / "d.csv").write_text(frame.to_csv(index=False), encoding="utf-8")
    argv = [
        "analyze", str(tmp_path / "d.csv"), "--target", "y", "--strategies",
        "baseline,smote", "--cv", "3", "--n-jobs", "1", "--out", str(tmp_path / "o"),
        "--repeats", "2", "--k-neighbors", "3", "--no-diagnostic-fits",
    ]  # fmt: skip
    with contextlib.redirect_stdout(io.StringIO()):
        assert main(argv) == 0
    doc = json.loads((tmp_path / "o" / "results.json").read_text(encoding="utf-8"))
    assert doc["config"]["repeats"] == 2
    assert doc["config"]["options"]["k_neighbors"] == 3
    evidence = doc["recommendation"]["evidence"]
    assert (evidence["repeats"], evidence["folds"], evidence["paired_fold_scores"]) == (2, 3, 6)
    html = (tmp_path / "o" / "report.html").read_text(encoding="utf-8")
    assert "--repeats 2" in html and "--k-neighbors 3" in html


@pytest.mark.parametrize("bad", ["0", "21"])
def test_a_bad_repeats_exits_2_with_one_line(tmp_path, capsys, bad):
    data = tmp_path / "d.csv"
    rows = "".join(f"{v},{'xy'[i % 2]}\n" for i, v in enumerate([3, 1, 4, 1, 5, 9, 2, 6]))
    data.write_text("a,b\n" + rows, encoding="utf-8")
    code = main(["analyze", str(data), "--target", "b", "--out", str(tmp_path / "o"),
                 "--repeats", bad])  # fmt: skip
    err = capsys.readouterr().err
    assert code == 2 and err.startswith("error: repeats must be a whole number"), err
    assert err.count("\n") == 1 and not (tmp_path / "o").exists()
