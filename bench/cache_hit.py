"""Rerunning an unchanged comparison in the app (a cache hit), and moving the threshold slider.

Drives the real app with Streamlit's AppTest (same process, no browser): open the bundled
sample (or ``--rows N`` of the bench CSV, uploaded), pick three strategies on the Strategies
page and press "Run comparison" (computed), then press it again with nothing changed: that
rerun only looks the comparison up in the session's cache (``ui.results``). Then, on
Results, the "Decision threshold" slider is moved: a lookup in curves computed once.

Printed: the first run, the cache-hit rerun (goal < 0.5 s) against a plain rerun of the same
page that does nothing (what any Streamlit interaction costs), and the slider move. The
fits and the curve computations are counted: the hit and the slider must do neither.

    python bench/cache_hit.py [--rows 0] [--repeat 5]
"""

from __future__ import annotations

import argparse
import logging
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import _common as common

STRATEGIES = ["baseline", "class_weight", "random_over"]
RUNS_ENV = "IMBALANCE_DASHBOARD_DATA"  # where the app saves runs (core.runs.store.data_dir)


def _server_like() -> None:
    """Every rerun executes app.py (sidebar, session defaults), as on a server; see
    tests/app/conftest.py for why AppTest needs this."""
    from streamlit.runtime.pages_manager import PagesManager

    init = PagesManager.__init__

    def init_as_on_a_server(self, *args, **kwargs) -> None:
        init(self, *args, **kwargs)
        PagesManager.uses_pages_directory = False

    PagesManager.__init__ = init_as_on_a_server
    PagesManager.uses_pages_directory = None


def _widget(at, kind: str, label: str):
    (found,) = [w for w in getattr(at, kind) if w.label == label]
    return found


def _timed_run(at) -> float:
    start = time.perf_counter()
    at.run()
    seconds = time.perf_counter() - start
    if at.exception:
        raise RuntimeError(f"the app raised: {[e.value for e in at.exception]}")
    return seconds


def measure(rows: int, repeat: int) -> dict:
    """Saved runs go to a temporary folder, never to the user's own."""
    with tempfile.TemporaryDirectory() as tmp:
        os.environ[RUNS_ENV] = tmp
        return _measure(rows, repeat)


def _measure(rows: int, repeat: int) -> dict:
    from streamlit.testing.v1 import AppTest

    import ui.results
    import ui.views

    _server_like()
    calls = {"fits": 0, "curves": 0}
    run_comparison, details = ui.results.run_comparison, ui.views.strategy_details

    def counted_run(*args, **kwargs):
        calls["fits"] += 1
        return run_comparison(*args, **kwargs)

    def counted_details(*args, **kwargs):
        calls["curves"] += 1
        return details(*args, **kwargs)

    ui.results.run_comparison, ui.views.strategy_details = counted_run, counted_details
    at = AppTest.from_file(str(common.ROOT / "app.py"), default_timeout=3600)
    at.run()
    if rows:
        data = common.csv_path(rows).read_bytes()
        _widget(at, "file_uploader", "Upload a CSV").set_value(("bench.csv", data, "text/csv"))
        at.run()
    at.switch_page("pages/strategies.py")
    at.run()
    _widget(at, "multiselect", "Strategies").set_value(STRATEGIES)
    at.run()
    _widget(at, "button", "Run comparison").click()
    first = _timed_run(at)
    shown = at.session_state["comparison"]
    hits, plain = [], []
    for _ in range(repeat):
        _widget(at, "button", "Run comparison").click()
        hits.append(_timed_run(at))
        if at.session_state["comparison"] is not shown:
            raise RuntimeError("the rerun did not reuse the cached comparison")
        plain.append(_timed_run(at))
    fits_after_first = calls["fits"]

    at.switch_page("pages/results.py")
    _timed_run(at)  # curves of the shown strategy computed here, once
    curves_before = calls["curves"]
    moves = []
    for value in [0.2, 0.35, 0.6, 0.8, 0.45][:repeat]:
        _widget(at, "slider", "Decision threshold").set_value(value)
        moves.append(_timed_run(at))
    return {
        "rows": shown.dataset.n_rows,
        "first": first,
        "hit": statistics.median(hits),
        "plain": statistics.median(plain),
        "slider": statistics.median(moves),
        "refits": fits_after_first - 1,
        "recomputed_curves": calls["curves"] - curves_before,
    }


def report(found: dict) -> list[str]:
    return [
        f"{'app rerun of an unchanged comparison':<44} cache hit {found['hit']:6.2f} s   "
        f"(goal: < 0.5 s; first run {found['first']:.1f} s on {found['rows']:,} rows; a rerun "
        f"doing nothing {found['plain']:.2f} s; refits: {found['refits']})",
        f"{'threshold slider move (Results page)':<44} rerun     {found['slider']:6.2f} s   "
        f"(curves recomputed: {found['recomputed_curves']})",
    ]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=0, help="upload N bench rows (0: sample)")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)
    logging.getLogger("streamlit").setLevel(logging.ERROR)  # "missing ScriptRunContext"
    print(common.machine())
    print("\n".join(report(measure(args.rows, args.repeat))))


if __name__ == "__main__":
    main()
