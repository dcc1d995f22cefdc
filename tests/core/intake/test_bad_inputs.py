"""The bad-input corpus (tests/data/bad/): every file loads as documented or is refused with
one clear DataError, in core.intake.dataset and in the CLI (exit 2, one ``error:`` line, no traceback).

``EXPECTED`` is the machine-readable form of tests/data/bad/EXPECTED.md (a test keeps the two
identical; ``PYTHONPATH=. python tests/data/bad_corpus.py`` rewrites the markdown).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from core.errors import DataError
from core.intake.dataset import build_dataset, read_table, schema_frame

ROOT = Path(__file__).resolve().parents[3]
BAD = ROOT / "tests" / "data" / "bad"
sys.path.insert(0, str(ROOT / "tests" / "data"))
from make_bad_corpus import FILES  # noqa: E402

CLI_TIMEOUT_S = 300


from bad_corpus import EXPECTED, LOADED, REFUSED, expected_markdown  # noqa: E402

# --------------------------------------------------------------------------- the corpus


def test_the_corpus_is_complete_and_documented():
    on_disk = sorted(p.name for p in BAD.iterdir() if p.suffix == ".csv")
    assert on_disk == sorted(FILES) == sorted(EXPECTED)
    assert len(on_disk) >= 40
    assert (BAD / "EXPECTED.md").read_text(encoding="utf-8") == expected_markdown()


def test_the_corpus_files_are_what_the_generator_makes():
    for name, (_, make) in FILES.items():
        assert (BAD / name).read_bytes() == make(), f"{name}: rerun tests/data/make_bad_corpus.py"


# --------------------------------------------------------------------------- core.intake.dataset


@pytest.mark.parametrize("name", LOADED)
def test_a_messy_file_that_loads_shows_the_documented_schema(name):
    want = EXPECTED[name]
    raw = read_table(BAD / name)
    target = want.targets()[0] if len(want.targets()) == 1 else want.targets()
    ds = build_dataset(raw, target, label_sep=want.label_sep)
    assert (ds.task, ds.classes, ds.n_rows) == (want.task, want.classes, want.n_rows)
    schema = schema_frame(ds)
    if want.schema is not None:
        assert dict(zip(schema["column"], schema["kind"], strict=True)) == want.schema
    else:
        assert schema["kind"].value_counts().to_dict() == want.kinds
    reasons = dict(zip(schema["column"], schema["reason"], strict=True))
    for column, reason in want.reasons.items():
        assert reasons[column] == reason
    assert " ".join(ds.notes) == want.notes
    assert ds.n_dropped_missing_target == raw.frame.shape[0] - ds.n_rows
    assert ds.X.shape[0] == ds.n_rows and len(ds.y) == ds.n_rows


@pytest.mark.parametrize("name", REFUSED)
def test_a_bad_file_is_refused_with_one_clear_message(name):
    want = EXPECTED[name]
    target = want.targets()[0] if len(want.targets()) == 1 else want.targets()
    if want.stage == "read":
        with pytest.raises(DataError, match=f"^{re.escape(want.refused)}$"):
            read_table(BAD / name)
    else:
        raw = read_table(BAD / name)
        with pytest.raises(DataError, match=f"^{re.escape(want.refused)}$"):
            build_dataset(raw, target, label_sep=want.label_sep)
    assert "\n" not in want.refused and len(want.refused) < 400


def test_bytes_and_paths_read_alike():
    for name in ("latin1.csv", "utf16_bom.csv", "nul_bytes.csv", "excel_sep_line.csv"):
        by_path, by_bytes = read_table(BAD / name), read_table((BAD / name).read_bytes())
        assert by_path.frame.equals(by_bytes.frame) and by_path.notes == by_bytes.notes


def test_decimal_commas_are_read_as_numbers():
    raw = read_table(BAD / "semicolon_decimal_comma.csv")
    expected = FILES["semicolon_decimal_comma.csv"][1]().decode().splitlines()[1:]
    values = [float(line.split(";")[0].replace(",", ".")) for line in expected]
    assert raw.frame["x1"].tolist() == values


# --------------------------------------------------------------------------- the CLI

# Runs ``python -m core`` once per job in a child forked from one interpreter that has
# already imported the app, so the corpus costs one start-up instead of sixty. Each child
# runs core/__main__.py exactly as ``python -m core`` does; an uncaught exception is
# printed as the interpreter would (a traceback) with exit 1.
_DRIVER = r"""
import json, os, runpy, sys, traceback
import core.cli, core.intake.dataset, core.profile.measures  # imported once, before forking

jobs = json.loads(open(sys.argv[1], encoding="utf-8").read())
results = []
for job in jobs:
    out_path, err_path = job["out"], job["err"]
    pid = os.fork()
    if pid == 0:
        out = os.open(out_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
        err = os.open(err_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
        os.dup2(out, 1)
        os.dup2(err, 2)
        sys.argv = ["core", *job["args"]]
        code = 1
        try:
            runpy.run_module("core", run_name="__main__", alter_sys=True)
            code = 0
        except SystemExit as done:
            code = done.code if isinstance(done.code, int) else (0 if done.code is None else 1)
        except BaseException:
            traceback.print_exc()
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    _, status = os.waitpid(pid, 0)
    results.append(os.waitstatus_to_exitcode(status))
print(json.dumps(results))
"""


def cli_args(name: str) -> list[str]:
    want = EXPECTED[name]
    args = ["profile", str(BAD / name)]
    for target in want.targets():
        args += ["--target", target]
    if want.label_sep:
        args += ["--label-sep", want.label_sep]
    return args


@pytest.fixture(scope="module")
def cli_runs(tmp_path_factory) -> dict[str, tuple[int, str, str]]:
    """``python -m core profile FILE --target ...`` for every corpus file: (exit, out, err)."""
    folder = tmp_path_factory.mktemp("cli")
    jobs = [
        {"args": cli_args(name), "out": str(folder / f"{i}.out"), "err": str(folder / f"{i}.err")}
        for i, name in enumerate(EXPECTED)
    ]
    (folder / "jobs.json").write_text(json.dumps(jobs), encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": "1"}
    done = subprocess.run(
        [sys.executable, "-c", _DRIVER, str(folder / "jobs.json")],
        capture_output=True, text=True, cwd=ROOT, env=env, timeout=CLI_TIMEOUT_S,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    codes = json.loads(done.stdout)
    return {
        name: (
            code,
            Path(job["out"]).read_text(encoding="utf-8"),
            Path(job["err"]).read_text(encoding="utf-8"),
        )
        for name, job, code in zip(EXPECTED, jobs, codes, strict=True)
    }


@pytest.mark.slow
@pytest.mark.parametrize("name", REFUSED)
def test_cli_refuses_a_bad_file_with_exit_2_and_one_error_line(cli_runs, name):
    code, out, err = cli_runs[name]
    assert code == 2, err
    assert out == ""
    assert "Traceback" not in err
    assert err.splitlines() == [f"error: {EXPECTED[name].refused}"]


@pytest.mark.slow
@pytest.mark.parametrize("name", LOADED)
def test_cli_profiles_a_messy_file_that_loads(cli_runs, name):
    code, out, err = cli_runs[name]
    assert code == 0, err
    assert "Traceback" not in err
    profile = json.loads(out)
    want = EXPECTED[name]
    assert (profile["task"], tuple(profile["classes"]), profile["n_rows"]) == (
        want.task,
        want.classes,
        want.n_rows,
    )


@pytest.mark.slow
@pytest.mark.parametrize("name", ["xlsx_renamed.csv", "nul_bytes.csv"])
def test_the_fork_driver_matches_a_real_python_m_core(cli_runs, name):
    real = subprocess.run(
        [sys.executable, "-m", "core", *cli_args(name)],
        capture_output=True, text=True, cwd=ROOT, timeout=CLI_TIMEOUT_S,
    )  # fmt: skip
    assert (real.returncode, real.stdout, real.stderr) == cli_runs[name]
