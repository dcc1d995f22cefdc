"""Real-browser fixtures: one Streamlit server per test session (per xdist worker), Chromium.

Playwright cannot download browsers here; the tests drive Debian's Chromium. Without it they
skip, unless ``REQUIRE_BROWSER=1`` (set by CI) turns the skip into a failure.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "tests" / "artifacts"
CHROMIUM = "/usr/bin/chromium"
MISSING_BROWSER = "Debian chromium not installed: apt-get install -y chromium"
START_TIMEOUT_S = 60.0
RUNS_ENV = "IMBALANCE_DASHBOARD_DATA"  # where the app saves runs (core.runs.data_dir)


@dataclass(frozen=True)
class Server:
    url: str  # base URL, no trailing slash
    log: Path  # the server's stdout and stderr

    def log_text(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")


def _worker() -> str:
    return os.environ.get("PYTEST_XDIST_WORKER", "main")


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(url + "/_stcore/health", timeout=2) as resp:
            return resp.status == 200 and resp.read().strip() == b"ok"
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return False


def _stop(proc: subprocess.Popen) -> None:
    """Terminate the server and its children (it leads its own process group)."""
    if proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
    except ProcessLookupError:
        pass


def _start(log: Path, runs_dir: Path) -> tuple[subprocess.Popen, str]:
    """Start ``streamlit run app.py`` on a free port; the process and its base URL.

    The app saves every comparison as a run: into ``runs_dir``, not the user's home."""
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    cmd = [
        sys.executable, "-m", "streamlit", "run", "app.py",
        "--server.headless", "true",
        "--server.port", str(port),
        "--server.address", "127.0.0.1",
        "--browser.gatherUsageStats", "false",
        "--server.fileWatcherType", "none",  # nothing edits the code during a test run
    ]  # fmt: skip
    env = {**os.environ, RUNS_ENV: str(runs_dir)}
    with log.open("ab") as out:
        proc = subprocess.Popen(
            cmd, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    return proc, url


@pytest.fixture(scope="session")
def streamlit_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """Base URL of a running ``streamlit run app.py``, stopped at the end of the session."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    log = ARTIFACTS / f"streamlit-{_worker()}.log"
    log.write_bytes(b"")
    runs_dir = tmp_path_factory.mktemp("saved-runs")
    for _attempt in range(2):  # a port taken between probing and binding: try another
        proc, url = _start(log, runs_dir)
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline and proc.poll() is None:
            if _healthy(url):
                break
            time.sleep(0.25)
        if proc.poll() is None and _healthy(url):
            break
        _stop(proc)
    else:
        pytest.fail(
            f"streamlit did not answer {url}/_stcore/health within {START_TIMEOUT_S:.0f} s. "
            f"Server log ({log}):\n{log.read_text(encoding='utf-8', errors='replace')}"
        )
    try:
        yield Server(url=url, log=log)
    finally:
        _stop(proc)


def _chromium_path() -> str | None:
    if Path(CHROMIUM).exists():
        return CHROMIUM
    return shutil.which("chromium")


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium driven by Playwright (skipped when missing, failed under CI)."""
    path = _chromium_path()
    if path is None:
        if os.environ.get("REQUIRE_BROWSER") == "1":
            pytest.fail(MISSING_BROWSER)
        pytest.skip(MISSING_BROWSER)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=path)
        try:
            yield b
        finally:
            b.close()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    """On a failed browser test, attach the Streamlit server's log to the report."""
    report = yield
    server = getattr(item, "funcargs", {}).get("streamlit_server")
    if report.failed and isinstance(server, Server):
        report.sections.append((f"streamlit server log ({server.log})", server.log_text()))
    return report


@pytest.fixture
def page(browser, streamlit_server: Server):
    """A fresh browser context and page (a new Streamlit session) at a desktop size."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    pg = context.new_page()
    try:
        yield pg
    finally:
        context.close()
