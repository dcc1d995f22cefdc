"""A real Dask cluster started the way README says (`dask scheduler`, then `dask worker
tcp://HOST:PORT`), in a folder outside the repository and with no PYTHONPATH: the installed
project is importable there, the CLI's numbers equal a local run's, and a cluster that cannot
run the fits is an error (exit 2, one `error:` line) within seconds, never a hang."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from core.errors import DataError
from core.evaluation import parallel
from core.evaluation.comparison import CompareConfig, run_comparison

pytestmark = pytest.mark.slow  # each test starts a scheduler and workers (a few seconds each)

REPO = Path(__file__).resolve().parents[3]
VENV_BIN = Path(sys.executable).parent
SAMPLE = ["sample_data/machine_states.csv", "--target", "state"]
ANALYZE = [*SAMPLE, "--strategies", "baseline,random_over", "--cv", "3", "--seed", "0"]
ANALYZE += ["--holdout", "0.2", "--no-diagnostic-fits"]
FAIL_FAST_S = 30.0  # "within seconds": the CLI's start-up included


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _clean_env(home: Path) -> dict[str, str]:
    """What a user's shell gives a process: no PYTHONPATH, nothing pointing at the repository."""
    return {"PATH": f"{VENV_BIN}:/usr/bin:/bin", "HOME": str(home), "LANG": "C.UTF-8"}


class Cluster:
    """`dask scheduler` and `dask worker` processes, stopped (with their children) on close."""

    def __init__(self, where: Path) -> None:
        self.where = where
        self.port = _free_port()
        self.address = f"tcp://127.0.0.1:{self.port}"
        self.procs: list[subprocess.Popen] = []

    def _start(self, argv: list[str], name: str) -> subprocess.Popen:
        log = open(self.where / f"{name}.log", "wb")  # noqa: SIM115 - closed with the process
        proc = subprocess.Popen(
            argv,
            cwd=self.where,
            env=_clean_env(self.where),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: the nanny's worker dies with it
        )
        log.close()
        self.procs.append(proc)
        return proc

    def scheduler(self, python: Path | None = None) -> None:
        argv = [str(VENV_BIN / "dask"), "scheduler"]
        if python is not None:  # another environment, which has no `dask` script
            argv = [str(python), "-m", "distributed.cli.dask_scheduler"]
        self._start([*argv, "--port", str(self.port), "--no-dashboard"], "scheduler")
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", self.port)) == 0:
                    return
            time.sleep(0.2)
        raise AssertionError("the scheduler did not start: " + self.log("scheduler"))

    def worker(self, python: Path | None = None, name: str = "worker") -> None:
        argv = [str(VENV_BIN / "dask"), "worker"]
        if python is not None:
            argv = [str(python), "-m", "distributed.cli.dask_worker"]
        self._start([*argv, self.address, "--no-dashboard"], name)

    def wait_for_workers(self, n: int) -> None:
        from distributed import Client

        with Client(self.address, timeout=30, set_as_default=False) as client:
            client.wait_for_workers(n, timeout=90)

    def log(self, name: str) -> str:
        return (self.where / f"{name}.log").read_text(errors="replace")

    def close(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=30)


@pytest.fixture
def cluster(tmp_path_factory):
    made = Cluster(tmp_path_factory.mktemp("cluster"))  # outside the repository
    assert REPO not in made.where.parents
    yield made
    made.close()


@pytest.fixture(scope="module")
def foreign_python(tmp_path_factory) -> Path:
    """The Python of an environment that has dask and everything else but not this project:
    a venv that sees this venv's packages through a path entry, so the editable install's
    import hook (a .pth run only in site-packages itself) never runs there."""
    where = tmp_path_factory.mktemp("foreign-venv")
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(where)], check=True)
    site = next(p for p in sys.path if p.endswith("site-packages") and Path(p).is_dir())
    (next(where.glob("lib/python3*/site-packages")) / "packages.pth").write_text(site + "\n")
    python = where / "bin" / "python"
    probe = subprocess.run(
        [str(python), "-c", "import distributed, sklearn; import core"],
        cwd=where,
        env=_clean_env(where),
        capture_output=True,
        text=True,
    )
    assert "No module named 'core'" in probe.stderr, probe.stderr
    return python


def _cli(*args: str, out: Path) -> tuple[subprocess.CompletedProcess, float]:
    """`python -m core analyze ...` from the repository, as README says; (result, seconds)."""
    start = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "core", "analyze", *args, "--out", str(out)],
        cwd=REPO,
        env={**_clean_env(out.parent), "PYTHONWARNINGS": "ignore"},
        capture_output=True,
        text=True,
        timeout=300,
    )
    return done, time.monotonic() - start


def _numbers(path: Path) -> dict:
    """results.json without what rightly differs between runs: timings and the command line."""

    def strip(x):
        if isinstance(x, dict):
            return {k: strip(v) for k, v in x.items() if not k.endswith("_seconds")}
        if isinstance(x, list):
            return [strip(v) for v in x]
        return x

    found = json.loads(path.read_text())
    found.pop("command")
    return strip(found)


def _one_error_line(done: subprocess.CompletedProcess) -> str:
    lines = done.stderr.strip().splitlines()
    assert done.returncode == 2, (done.returncode, done.stderr[-3000:])
    assert len(lines) == 1 and lines[0].startswith("error: "), done.stderr[-3000:]
    assert "Traceback" not in done.stderr
    return lines[0]


def test_readme_cluster_gives_the_local_numbers(cluster, tmp_path):
    cluster.scheduler()
    cluster.worker()
    cluster.wait_for_workers(1)
    remote, seconds = _cli(*ANALYZE, "--scheduler", cluster.address, out=tmp_path / "remote")
    assert remote.returncode == 0, remote.stderr[-3000:]
    local, _ = _cli(*ANALYZE, out=tmp_path / "local")
    assert local.returncode == 0, local.stderr[-3000:]
    assert _numbers(tmp_path / "remote/results.json") == _numbers(tmp_path / "local/results.json")
    # the fits really ran there: the scheduler accepted the graphs, nothing failed to import
    assert "ModuleNotFoundError" not in cluster.log("scheduler") + cluster.log("worker")
    assert "Error during deserialization" not in cluster.log("scheduler")
    assert seconds < 120


def test_one_thread_cluster_still_runs_the_fits_there(cluster, datasets):
    """joblib runs everything locally when it counts one job; a cluster of one single-threaded
    worker must still get the fits."""
    cluster.scheduler()
    cluster._start([str(VENV_BIN / "dask"), "worker", cluster.address, "--nthreads", "1"], "w1")
    cluster.wait_for_workers(1)
    from distributed import Client

    config = CompareConfig(strategies=("baseline",), cv=3, seed=1)
    run_comparison(datasets["binary"], config, scheduler=cluster.address)
    with Client(cluster.address, set_as_default=False) as client:
        prefixes = client.run_on_scheduler(
            lambda dask_scheduler: list(dask_scheduler.task_prefixes)
        )
    assert any("evaluate_fold" in p for p in prefixes), prefixes


@pytest.mark.parametrize("broken", ["worker", "scheduler"])
def test_process_without_the_project_is_named_within_seconds(
    cluster, foreign_python, tmp_path, broken
):
    cluster.scheduler(foreign_python if broken == "scheduler" else None)
    cluster.worker(foreign_python if broken == "worker" else None)
    cluster.wait_for_workers(1)
    done, seconds = _cli(*ANALYZE, "--scheduler", cluster.address, out=tmp_path / "out")
    line = _one_error_line(done)
    who = "The scheduler" if broken == "scheduler" else "Worker tcp://127.0.0.1:"
    assert line.startswith(f"error: {who}"), line
    assert f"of the Dask cluster at '{cluster.address}' cannot import this project's code" in line
    assert "No module named 'core'" in line
    assert "pip install -r requirements.txt" in line and "PYTHONPATH" in line
    assert seconds < FAIL_FAST_S
    assert not (tmp_path / "out" / "results.json").exists()


def test_graph_the_scheduler_cannot_read_fails_instead_of_hanging(
    cluster, foreign_python, datasets, monkeypatch
):
    """Without the import check, the scheduler's own error reaches the caller (joblib 1.6
    alone waits forever for it)."""
    cluster.scheduler(foreign_python)
    cluster.worker()
    cluster.wait_for_workers(1)
    monkeypatch.setattr(parallel, "check_imports", lambda client, address: None)
    config = CompareConfig(strategies=("baseline",), cv=3, seed=1)
    start = time.monotonic()
    with pytest.raises(DataError, match=r"The fits failed on the Dask cluster at .*deserializ"):
        run_comparison(datasets["binary"], config, scheduler=cluster.address)
    assert time.monotonic() - start < FAIL_FAST_S


def test_scheduler_killed_during_the_run_is_an_error_within_seconds(cluster, datasets):
    cluster.scheduler()
    cluster.worker()
    cluster.wait_for_workers(1)
    config = CompareConfig(
        strategies=("baseline", "random_over", "class_weight"), model="random_forest", cv=5
    )
    killed, where = [], re.escape(cluster.address)

    def progress(*args) -> None:  # after the first fit: the rest are pending on the cluster
        if not killed:
            os.killpg(cluster.procs[0].pid, signal.SIGKILL)
            killed.append(time.monotonic())

    with pytest.raises(
        DataError,
        match=rf"The fits failed on the Dask cluster at '{where}': .*(connection|not answer)",
    ):
        run_comparison(datasets["multiclass"], config, progress, scheduler=cluster.address)
    assert killed and time.monotonic() - killed[0] < parallel.STALL_S + 15


def test_every_worker_gone_during_the_run_is_an_error(cluster, datasets):
    """The scheduler stays, its only worker dies with the data the fits need."""
    cluster.scheduler()
    cluster.worker()
    cluster.wait_for_workers(1)
    config = CompareConfig(
        strategies=("baseline", "random_over", "class_weight"), model="random_forest", cv=5
    )
    killed = []

    def progress(*args) -> None:
        if not killed:
            os.killpg(cluster.procs[1].pid, signal.SIGKILL)  # the nanny and its worker
            killed.append(time.monotonic())

    with pytest.raises(DataError, match=r"a fit was cancelled \(the data it needed were lost"):
        run_comparison(datasets["multiclass"], config, progress, scheduler=cluster.address)
    assert killed and time.monotonic() - killed[0] < parallel.STALL_S + 15
