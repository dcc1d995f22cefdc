"""Speed as felt in a real browser: the app driven in Chromium as a user drives it.

Starts ``streamlit run app.py`` on a free port (saved runs go to a temporary folder), opens
it in Debian's Chromium through Playwright and moves only through the sidebar, as a user
would (a new URL would start a new session). On the default sample (card_fraud.csv, 5,000
rows, binary) with the default strategies and model, it measures:

(d) "Run comparison" pressed on Strategies -> the Diagnosis page's verdict box on screen,
    and -> the app idle (the diagnostic fits done);
(a) a move of the "Decision threshold" slider on Results (one arrow key) -> the panel's
    numbers show the new cut and the app is idle; the median of ``--moves`` moves;
(b) the Report page opened from the sidebar -> "Download HTML report" visible (first open,
    then a reopen), and -> the app idle;
(c) "Download Excel workbook" clicked -> the browser's download starts / is complete;
    likewise the HTML report.

The app counts as idle when its root carries ``data-test-script-state="notRunning"``. The
times are wall clock in this process around Playwright calls that poll every animation
frame, so they include the browser's own work (drawing, Plotly) and a few ms of polling.

    python bench/browser_latency.py [--moves 10] [--json out.json]

Goals (issue 15): slider <= 0.3 s, Report open <= 1 s, Run comparison -> results <= 5 s.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
RUNS_ENV = "IMBALANCE_DASHBOARD_DATA"  # where the app saves runs (core.runs.store.data_dir)
START_S = 90.0
WAIT_MS = 180_000  # a comparison on a loaded 2-core machine
IDLE = """() => {
  const app = document.querySelector('[data-testid="stApp"]');
  return app && app.getAttribute('data-test-script-state') === 'notRunning';
}"""
# the slider panel's caption names the cut; idle: the rerun it caused has finished
CUT_SHOWN = """(cut) => {
  const app = document.querySelector('[data-testid="stApp"]');
  if (!app || app.getAttribute('data-test-script-state') !== 'notRunning') return false;
  return [...document.querySelectorAll('[data-testid="stCaptionContainer"]')]
    .some(c => c.innerText.includes('one cut at ' + cut));
}"""


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(url + "/_stcore/health", timeout=2) as resp:
            return resp.status == 200
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return False


def start_server(runs_dir: Path, log: Path) -> tuple[subprocess.Popen, str]:
    """``streamlit run app.py`` on a free port, answering its health check."""
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    cmd = [
        sys.executable, "-m", "streamlit", "run", "app.py",
        "--server.headless", "true", "--server.port", str(port),
        "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false",
        "--server.fileWatcherType", "none",
    ]  # fmt: skip
    env = {**os.environ, RUNS_ENV: str(runs_dir)}
    with log.open("ab") as out:
        proc = subprocess.Popen(
            cmd, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    deadline = time.monotonic() + START_S
    while time.monotonic() < deadline and proc.poll() is None:
        if _healthy(url):
            return proc, url
        time.sleep(0.2)
    stop_server(proc)
    raise SystemExit(f"streamlit did not start; log:\n{log.read_text(errors='replace')}")


def stop_server(proc: subprocess.Popen) -> None:
    """SIGTERM to the server's process group (it leads its own), SIGKILL if it lingers."""
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


def _say(what: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {what}", file=sys.stderr, flush=True)


def _timed(action: Callable[[], None], done: Callable[[], None]) -> float:
    start = time.perf_counter()
    action()
    done()
    return time.perf_counter() - start


def measure(url: str, moves: int) -> dict[str, float | list[float]]:
    """Every figure, in seconds, from one browser session on the server at ``url``."""
    from playwright.sync_api import expect, sync_playwright

    out: dict[str, float | list[float]] = {}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM)
        context = browser.new_context(
            viewport={"width": 1400, "height": 1000}, accept_downloads=True
        )
        page = context.new_page()
        main = page.get_by_test_id("stMain")

        def idle(timeout: float = WAIT_MS) -> None:
            page.wait_for_function(IDLE, polling="raf", timeout=timeout)

        def heading(title: str):
            return page.get_by_test_id("stHeading").get_by_role("heading", name=title, exact=True)

        def link(title: str):
            return page.get_by_test_id("stSidebarNav").get_by_role("link", name=title, exact=True)

        def open_page(title: str) -> None:
            link(title).click()
            expect(heading(title)).to_be_visible(timeout=WAIT_MS)
            idle()

        page.goto(url)
        expect(page.get_by_test_id("stSidebar")).to_contain_text(
            "card_fraud.csv (sample)", timeout=WAIT_MS
        )
        idle()

        # ---------------------------------------------------------- (d) run comparison
        open_page("Strategies")
        verdict = (
            main.locator("[data-testid^='stAlertContent']")
            .filter(has_not_text="could not run")
            .first
        )
        start = time.perf_counter()
        page.get_by_role("button", name="Run comparison").click()
        expect(heading("Diagnosis")).to_be_visible(timeout=WAIT_MS)
        expect(verdict).to_be_visible(timeout=WAIT_MS)
        out["run_to_verdict"] = time.perf_counter() - start
        idle()
        out["run_to_idle"] = time.perf_counter() - start
        _say(f"run: verdict {out['run_to_verdict']:.2f} s, idle {out['run_to_idle']:.2f} s")

        # ---------------------------------------------------------- (a) threshold slider
        open_page("Results")
        slider = main.get_by_role("slider", name="Decision threshold")
        thumb = (
            main.get_by_test_id("stSlider")
            .filter(has=page.get_by_text("Decision threshold", exact=True))
            .get_by_test_id("stSliderThumbValue")
        )
        slider.scroll_into_view_if_needed()
        times = []
        for i in range(moves):
            key = "ArrowRight" if i % 2 == 0 else "ArrowLeft"
            value = float(thumb.inner_text())
            cut = f"{value + (0.01 if key == 'ArrowRight' else -0.01):.2f}"
            slider.focus()
            times.append(
                _timed(
                    lambda key=key: page.keyboard.press(key),
                    lambda cut=cut: page.wait_for_function(
                        CUT_SHOWN, arg=cut, polling="raf", timeout=WAIT_MS
                    ),
                )
            )
        out["slider_moves"] = times
        _say("slider: " + ", ".join(f"{t:.2f}" for t in times))
        out["slider_median"] = statistics.median(times)

        # ---------------------------------------------------------- (b) Report page
        html_button = main.get_by_role("button", name="Download HTML report")
        for label in ("report_open", "report_reopen"):
            if label == "report_reopen":
                open_page("Results")
            start = time.perf_counter()
            link("Report").click()
            expect(heading("Report")).to_be_visible(timeout=WAIT_MS)
            expect(html_button).to_be_visible(timeout=WAIT_MS)
            out[label] = time.perf_counter() - start
            idle()
            out[f"{label}_idle"] = time.perf_counter() - start

        # ---------------------------------------------------------- (c) downloads
        for label, name in (("excel", "Download Excel workbook"), ("html", "Download HTML report")):
            button = main.get_by_role("button", name=name)
            start = time.perf_counter()
            with page.expect_download(timeout=WAIT_MS) as info:
                button.click()
            download = info.value
            out[f"{label}_download_start"] = time.perf_counter() - start
            path = download.path()
            out[f"{label}_download_done"] = time.perf_counter() - start
            out[f"{label}_bytes"] = float(Path(path).stat().st_size)
            idle()
        context.close()
        browser.close()
    return out


def table(results: dict[str, float | list[float]]) -> str:
    """The figures as a small Markdown table."""
    rows = [
        ("Run comparison -> verdict on Diagnosis", "run_to_verdict", "<= 5 s"),
        ("Run comparison -> app idle (diagnostic fits done)", "run_to_idle", ""),
        ("threshold slider move -> new numbers, idle (median)", "slider_median", "<= 0.3 s"),
        ("Report page, first open -> download button", "report_open", "<= 1 s"),
        ("Report page, first open -> app idle", "report_open_idle", ""),
        ("Report page, reopen -> download button", "report_reopen", "<= 1 s"),
        ("Download Excel workbook -> download started", "excel_download_start", ""),
        ("Download Excel workbook -> file complete", "excel_download_done", ""),
        ("Download HTML report -> file complete", "html_download_done", ""),
    ]
    lines = ["| what (Chromium) | seconds | goal |", "|---|---|---|"]
    for what, key, goal in rows:
        value = results.get(key)
        shown = "–" if value is None else f"{value:.2f}"
        lines.append(f"| {what} | {shown} | {goal} |")
    moves = results.get("slider_moves") or []
    if moves:
        spread = ", ".join(f"{t:.2f}" for t in moves)
        lines.append(f"\nslider moves (s): {spread}")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--moves", type=int, default=10, help="slider moves to time")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    parser.add_argument("--log", type=Path, help="keep the server's log in this file")
    args = parser.parse_args()
    if not Path(CHROMIUM).exists():
        raise SystemExit("Debian chromium not installed: apt-get install -y chromium")
    with tempfile.TemporaryDirectory(prefix="browser-latency-") as tmp:
        log = args.log or Path(tmp) / "streamlit.log"
        proc, url = start_server(Path(tmp) / "runs", log)
        try:
            results = measure(url, args.moves)
        except Exception:
            print(log.read_text(errors="replace")[-4000:], file=sys.stderr)
            raise
        finally:
            stop_server(proc)
    print(table(results))
    if args.json:
        args.json.write_text(json.dumps(results, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
