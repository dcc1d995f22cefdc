"""Real-browser fixtures: one Streamlit server per test session (per xdist worker), a
factory of per-test servers that can be restarted, and Chromium.

Playwright cannot download browsers here; the tests drive Debian's Chromium. Without it they
skip, unless ``REQUIRE_BROWSER=1`` (set by CI) turns the skip into a failure.
"""

from __future__ import annotations

import os
import re
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
RUNS_ENV = "IMBALANCE_DASHBOARD_DATA"  # where the app saves runs (core.runs.store.data_dir)


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


def _launch(log: Path, runs_dir: Path) -> tuple[subprocess.Popen, str]:
    """Start a server and wait until it answers its health check; the process and its URL.

    Fails the test (with the server's log) when it does not come up."""
    for _attempt in range(2):  # a port taken between probing and binding: try another
        proc, url = _start(log, runs_dir)
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline and proc.poll() is None:
            if _healthy(url):
                break
            time.sleep(0.25)
        if proc.poll() is None and _healthy(url):
            return proc, url
        _stop(proc)
    pytest.fail(
        f"streamlit did not answer {url}/_stcore/health within {START_TIMEOUT_S:.0f} s. "
        f"Server log ({log}):\n{log.read_text(encoding='utf-8', errors='replace')}"
    )


@pytest.fixture(scope="session")
def streamlit_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """Base URL of a running ``streamlit run app.py``, stopped at the end of the session."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    log = ARTIFACTS / f"streamlit-{_worker()}.log"
    log.write_bytes(b"")
    runs_dir = tmp_path_factory.mktemp("saved-runs")
    proc, url = _launch(log, runs_dir)
    try:
        yield Server(url=url, log=log)
    finally:
        _stop(proc)


class ServerProcess:
    """One test's own Streamlit server on a given runs folder; it can be stopped and a new
    process started on the same folder (on a new free port), as after a server restart."""

    def __init__(self, runs_dir: Path, log: Path) -> None:
        self.runs_dir = runs_dir
        self.log = log
        self._proc: subprocess.Popen | None = None
        self._url: str | None = None
        self.starts = 0

    @property
    def url(self) -> str:
        """Base URL of the running process (no trailing slash)."""
        if self._proc is None or self._url is None:
            raise RuntimeError("the server is not running: call start() first")
        return self._url

    @property
    def server(self) -> Server:
        return Server(url=self.url, log=self.log)

    def start(self) -> Server:
        if self._proc is not None:
            raise RuntimeError(f"the server is already running at {self._url}")
        self.starts += 1
        with self.log.open("a", encoding="utf-8") as out:
            out.write(f"---- start {self.starts} (runs in {self.runs_dir})\n")
        self._proc, self._url = _launch(self.log, self.runs_dir)
        return self.server

    def stop(self) -> None:
        """Stop the process (SIGTERM to its group, then SIGKILL); no-op when stopped."""
        if self._proc is not None:
            _stop(self._proc)
        self._proc = self._url = None

    def restart(self) -> Server:
        """Stop this process and start a new one on the same runs folder."""
        self.stop()
        return self.start()

    def log_text(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")


class ServerFactory:
    """``server_factory(runs_dir)``: a started :class:`ServerProcess` of this test; every
    one is stopped when the test ends."""

    def __init__(self, name: str) -> None:
        self.name = re.sub(r"[^A-Za-z0-9_.-]+", "_", name)[:80]
        self.servers: list[ServerProcess] = []

    def __call__(self, runs_dir: Path) -> ServerProcess:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        log = ARTIFACTS / f"streamlit-{_worker()}-{self.name}-{len(self.servers)}.log"
        log.write_bytes(b"")
        runs_dir.mkdir(parents=True, exist_ok=True)
        server = ServerProcess(runs_dir, log)
        self.servers.append(server)
        server.start()
        return server

    def close(self) -> None:
        for server in self.servers:
            server.stop()


@pytest.fixture
def server_factory(request: pytest.FixtureRequest) -> Iterator[ServerFactory]:
    """Start this test's own servers (each on a runs folder the test chooses, e.g. under
    ``tmp_path``); they can be restarted, and all are stopped at the end of the test."""
    factory = ServerFactory(request.node.name)
    try:
        yield factory
    finally:
        factory.close()


def _chromium_path() -> str | None:
    if Path(CHROMIUM).exists():
        return CHROMIUM
    return shutil.which("chromium")


@pytest.fixture(scope="session")
def chromium() -> str:
    """Path of Debian's Chromium (skipped when missing, failed when REQUIRE_BROWSER=1).

    For tests that launch it themselves (e.g. with Playwright's async API)."""
    path = _chromium_path()
    if path is None:
        if os.environ.get("REQUIRE_BROWSER") == "1":
            pytest.fail(MISSING_BROWSER)
        pytest.skip(MISSING_BROWSER)
    return path


@pytest.fixture(scope="session")
def browser(chromium: str):
    """Debian's Chromium driven by Playwright (skipped when missing, failed under CI)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=chromium)
        try:
            yield b
        finally:
            b.close()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    """On a failed browser test, attach its Streamlit servers' logs to the report."""
    report = yield
    if not report.failed:
        return report
    funcargs = getattr(item, "funcargs", {})
    servers: list[Server | ServerProcess] = []
    if isinstance(funcargs.get("streamlit_server"), Server):
        servers.append(funcargs["streamlit_server"])
    if isinstance(funcargs.get("server_factory"), ServerFactory):
        servers += funcargs["server_factory"].servers
    for server in servers:
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


@pytest.fixture
def new_page(browser):
    """``new_page()``: a page in a fresh browser context (a new Streamlit session, downloads
    accepted) at a desktop size; every context is closed at the end of the test."""
    contexts = []

    def make():
        context = browser.new_context(viewport={"width": 1400, "height": 1000})
        contexts.append(context)
        return context.new_page()

    try:
        yield make
    finally:
        for context in contexts:
            context.close()
