"""Local workers do not outlive the process that owns them: after SIGKILL of the CLI, or of a
server whose comparison ran in a thread that has ended (as Streamlit runs a page), its loky
workers and resource trackers are gone within seconds (joblib alone keeps them for 300 s)."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

pytestmark = pytest.mark.slow  # real processes, each running fits

REPO = Path(__file__).resolve().parents[3]
GONE_WITHIN_S = 10.0

# A server in miniature: one comparison in a thread that then ends, then idle, workers kept.
SERVER = """
import sys, threading, time
sys.path.append("tests")
from conftest import synthetic_dataset
from core.evaluation.comparison import CompareConfig, run_comparison

config = CompareConfig(strategies=("baseline", "random_over"), cv=3, n_jobs=2)
page = threading.Thread(target=run_comparison, args=(synthetic_dataset("binary"), config))
page.start()
page.join()
print("idle", flush=True)
time.sleep(600)
"""


def _workers(proc: subprocess.Popen, timeout: float = 120.0) -> list[psutil.Process]:
    """Every descendant of ``proc`` once its two loky workers are up."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert proc.poll() is None, "the process ended before its workers were seen"
        found = psutil.Process(proc.pid).children(recursive=True)
        if sum("loky" in " ".join(_cmdline(p)) and "resource_tracker" not in " ".join(_cmdline(p))
               for p in found) >= 2:  # fmt: skip
            return found
        time.sleep(0.1)
    raise AssertionError("no loky workers appeared")


def _cmdline(p: psutil.Process) -> list[str]:
    try:
        return p.cmdline()
    except psutil.Error:
        return []


def _alive(procs: list[psutil.Process]) -> list[str]:
    left = []
    for p in procs:
        try:
            if p.status() != psutil.STATUS_ZOMBIE:
                left.append(" ".join(p.cmdline())[:120])
        except psutil.NoSuchProcess:
            pass
    return left


def _kill_and_watch(proc: subprocess.Popen) -> None:
    children = _workers(proc)
    kinds = " ".join(" ".join(_cmdline(p)) for p in children)
    assert "popen_loky_posix" in kinds and "resource_tracker" in kinds, kinds
    try:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
        deadline = time.monotonic() + GONE_WITHIN_S
        while _alive(children) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not _alive(children), _alive(children)
    finally:
        for p in children:  # never leave a process behind, even when the test fails
            with contextlib.suppress(psutil.NoSuchProcess):
                p.kill()


def test_cli_workers_die_with_the_cli(tmp_path):
    proc = subprocess.Popen(
        [sys.executable, "-m", "core", "analyze", "sample_data/machine_states.csv"]
        + ["--target", "state", "--model", "random_forest", "--n-jobs", "2", "--cv", "5"]
        + ["--strategies", "baseline,class_weight,random_over,smote", "--repeats", "3"]
        + ["--out", str(tmp_path / "out")],
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _kill_and_watch(proc)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_idle_server_workers_die_with_the_server():
    proc = subprocess.Popen(
        [sys.executable, "-c", SERVER],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert proc.stdout.readline().strip() == "idle"  # the page's thread has ended
        _kill_and_watch(proc)
    finally:
        proc.stdout.close()
        if proc.poll() is None:
            proc.kill()
            proc.wait()
