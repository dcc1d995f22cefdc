"""Six browser sessions at once against one server, each with its own small CSV (its own
class names) and its own strategies: every session sees only its own classes and strategies
on Compare and Results, every one finishes, and each saved run holds its own file.

The sessions run concurrently in one event loop (Playwright's async API, asyncio.gather);
barriers make all six upload at the same moment and press "Run comparison" together.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import re
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from playwright.async_api import Browser, Locator, Page, async_playwright, expect

from core.runs.store import RunStore

pytestmark = pytest.mark.browser

ARTIFACTS = Path(__file__).resolve().parents[2] / "tests" / "artifacts"

N_SESSIONS = 6
N_ROWS = 60
FOLDS = 2
TARGET = "label"
LOAD_MS = 120_000  # six sessions open the 5,000-row sample at once on 2 cores
RERUN_MS = 60_000  # a rerun while five other sessions keep the server busy
RUN_MS = 180_000  # 2 strategies x 2 folds on 60 rows, six runs at once
TOTAL_S = 240.0  # the whole test, server start included, on this 2-core machine
expect.set_options(timeout=RERUN_MS)  # async_api's expect (sync_api has its own)


@dataclass(frozen=True)
class Session:
    index: int
    csv: Path
    classes: tuple[str, str]
    strategies: tuple[str, ...]

    @property
    def file(self) -> str:
        return self.csv.name


@dataclass
class Outcome:
    index: int
    stage: str = "not started"  # the step it is at (to tell where a session hangs)
    loaded_s: float = 0.0
    run_started_s: float = 0.0
    run_done_s: float = 0.0
    finished_s: float = 0.0


def _session(index: int, folder: Path) -> Session:
    """A seeded binary CSV with classes 'a<i>' (75%) and 'b<i>', N_ROWS rows, target last."""
    rng = np.random.default_rng(100 + index)
    classes = (f"a{index}", f"b{index}")
    y = np.where(rng.random(N_ROWS) < 0.25, classes[1], classes[0])
    y[:2] = classes[1]  # at least 2 minority rows, whatever the draw, for 2 folds
    minority = (y == classes[1]).astype(float)
    frame = pd.DataFrame(
        {
            "x1": (rng.normal(0, 1, N_ROWS) + 1.5 * minority).round(3),
            "x2": (rng.normal(5, 2, N_ROWS) - 2 * minority).round(3),
            "shop": rng.choice(["p", "q", "r"], N_ROWS),
            TARGET: y,
        }
    )
    path = folder / f"session{index}.csv"
    frame.to_csv(path, index=False)
    second = "class_weight" if index % 2 else "random_over"
    return Session(index, path, classes, ("baseline", second))


async def _settled(page: Page, timeout: float = RERUN_MS) -> None:
    """Wait until the script run (and any rerun it asked for) has finished."""
    app = page.get_by_test_id("stApp")
    await expect(app).to_have_attribute("data-test-script-state", "notRunning", timeout=timeout)


async def _open(page: Page, title: str) -> None:
    """Go to a page by its sidebar link (a new URL would start a new session)."""
    await page.get_by_test_id("stSidebarNav").get_by_role("link", name=title, exact=True).click()
    heading = page.get_by_test_id("stHeading").get_by_role("heading", name=title, exact=True)
    await expect(heading).to_be_visible()
    await _settled(page)


async def _keep_strategies(page: Page, wanted: tuple[str, ...]) -> None:
    """Remove every chip of the "Strategies" multiselect not in ``wanted`` (the binary
    defaults include them all), waiting for the server's redraw after each removal."""
    box = page.get_by_test_id("stMultiSelect").filter(has=page.get_by_text("Strategies"))
    chips = box.get_by_test_id("stMultiSelectTagsContainer").first.locator("[data-tag]")
    expanders = page.get_by_test_id("stExpander").filter(has_not_text="Strategy catalogue")
    for label in await chips.all_inner_texts():
        if label.split(" — ")[0] not in wanted:
            before = await expanders.count()
            await box.get_by_role("button", name=f"Remove {label}", exact=True).click()
            await expect(expanders).to_have_count(before - 1)
    await _settled(page)
    names = sorted(t.split(" — ")[0] for t in await chips.all_inner_texts())
    assert names == sorted(wanted), names


async def _grid_rows(frame: Locator) -> list[list[str]]:
    """Body rows of a small st.dataframe, from the ARIA grid Glide keeps by its canvas."""
    rows = []
    for row in await frame.locator("[role=row]").all():
        cells = await row.locator("[role=gridcell]").all_inner_texts()
        if cells:  # the header row has column headers only
            rows.append(cells)
    return rows


async def _no_foreign_classes(page: Page, s: Session) -> None:
    """The page's text (charts included) names this session's classes and no other's."""
    text = await page.get_by_test_id("stMain").inner_text()
    named = set(re.findall(r"\b[ab][1-9]\b", text))
    assert named == set(s.classes), (s.index, sorted(named))


async def _drive(
    browser: Browser,
    url: str,
    s: Session,
    uploads: asyncio.Barrier,
    runs: asyncio.Barrier,
    out: Outcome,
) -> Outcome:
    t0 = time.monotonic()
    context = await browser.new_context(viewport={"width": 1400, "height": 1000})
    try:
        page = await context.new_page()
        out.stage = "opening the app"
        await page.goto(url)
        sidebar = page.get_by_test_id("stSidebar")
        await expect(sidebar).to_contain_text("card_fraud.csv (sample)", timeout=LOAD_MS)
        await _settled(page, LOAD_MS)

        out.stage = "waiting for the others to open the app"
        await uploads.wait()  # all six upload at the same moment
        out.stage = "uploading"
        await page.get_by_test_id("stFileUploaderDropzoneInput").set_input_files(s.csv)
        await expect(sidebar).to_contain_text(s.file)
        await expect(sidebar).to_contain_text(f"target: {TARGET} · 2 classes")
        await _settled(page)
        out.loaded_s = time.monotonic() - t0

        out.stage = "choosing strategies"
        await _open(page, "Strategies")
        folds = page.get_by_test_id("stNumberInput").filter(
            has=page.get_by_text("Folds", exact=True)
        )
        await folds.locator("input").fill(str(FOLDS))
        await folds.locator("input").press("Enter")
        await _settled(page)
        await expect(folds.locator("input")).to_have_value(str(FOLDS))
        await _keep_strategies(page, s.strategies)

        out.stage = "waiting for the others to choose"
        await runs.wait()  # all six press "Run comparison" together
        out.stage = "running the comparison"
        out.run_started_s = time.monotonic() - t0
        await page.get_by_role("button", name="Run comparison").click()
        # a finished run lands on Diagnosis, which says what ran
        done = page.get_by_test_id("stCaptionContainer").filter(has_text="Compared ")
        want = f"Compared {len(s.strategies)} strategies on {FOLDS} folds."
        await expect(done).to_contain_text(want, timeout=RUN_MS)
        out.run_done_s = time.monotonic() - t0
        await _settled(page)

        # ------------------------------------------------ Compare: its strategies, its classes
        out.stage = "reading Compare"
        await _open(page, "Compare")
        table = page.get_by_test_id("stDataFrame").first
        await expect(table.locator("[role=row]")).to_have_count(1 + len(s.strategies))
        rows = {cells[0]: cells[1] for cells in await _grid_rows(table)}
        assert rows == dict.fromkeys(s.strategies, "ok"), (s.index, rows)
        legend = page.get_by_test_id("stPlotlyChart").first.locator("g.legend text.legendtext")
        await expect(legend).to_have_count(2)
        assert sorted(await legend.all_text_contents()) == sorted(s.classes), s.index
        await _no_foreign_classes(page, s)
        await expect(page.get_by_test_id("stException")).to_have_count(0)

        # ------------------------------------------------ Results: its classes only
        out.stage = "reading Results"
        await _open(page, "Results")
        per_class = page.get_by_test_id("stDataFrame").first
        await expect(per_class.locator("[role=row]")).to_have_count(1 + len(s.classes))
        shown = sorted(cells[0] for cells in await _grid_rows(per_class))
        assert shown == sorted(s.classes), (s.index, shown)
        await _no_foreign_classes(page, s)
        await expect(sidebar).to_contain_text(s.file)  # still its own file
        await expect(page.get_by_test_id("stException")).to_have_count(0)
        out.finished_s = time.monotonic() - t0
        out.stage = "finished"
        return out
    except BaseException:
        for barrier in (uploads, runs):  # let no other session wait for this one
            await barrier.abort()
        with contextlib.suppress(Exception):
            shot = ARTIFACTS / f"sessions-{s.index}-failed.png"
            await context.pages[0].screenshot(path=str(shot), full_page=True, timeout=10_000)
        raise
    finally:
        await context.close()


async def _all_sessions(chromium: str, url: str, sessions: list[Session]) -> list[Outcome]:
    """Drive every session concurrently; on a failure or timeout, say where each one was."""
    outcomes = [Outcome(s.index) for s in sessions]
    uploads, runs = asyncio.Barrier(len(sessions)), asyncio.Barrier(len(sessions))
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=chromium)
        try:
            tasks = [
                _drive(browser, url, s, uploads, runs, out)
                for s, out in zip(sessions, outcomes, strict=True)
            ]
            try:
                results = await asyncio.wait_for(
                    asyncio.gather(*tasks, return_exceptions=True), timeout=TOTAL_S
                )
            except TimeoutError:
                stages = "; ".join(f"session {o.index}: {o.stage}" for o in outcomes)
                raise AssertionError(
                    f"not all sessions finished in {TOTAL_S:.0f} s ({stages})"
                ) from None
        finally:
            await browser.close()
    failed = [
        (o, r) for o, r in zip(outcomes, results, strict=True) if isinstance(r, BaseException)
    ]
    if failed:
        # One failed session leaves the others waiting at a barrier: show the root causes.
        causes = [e for _, e in failed if not isinstance(e, asyncio.BrokenBarrierError)]
        stages = "; ".join(f"session {o.index}: {o.stage}" for o, _ in failed)
        raise ExceptionGroup(
            f"{len(failed)} sessions failed ({stages})", causes or [e for _, e in failed]
        )
    return outcomes


def test_six_sessions_at_once_each_see_only_their_own_data(chromium, server_factory, tmp_path):
    started = time.monotonic()
    runs_dir = tmp_path / "runs"
    server = server_factory(runs_dir)
    sessions = [_session(i, tmp_path) for i in range(1, N_SESSIONS + 1)]
    assert len({s.classes for s in sessions}) == N_SESSIONS

    # The sync Playwright of other tests may own this thread's event loop: use a fresh thread.
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        future = pool.submit(asyncio.run, _all_sessions(chromium, server.url, sessions))
        outcomes = future.result()
    elapsed = time.monotonic() - started
    assert len(outcomes) == N_SESSIONS
    assert all(o.finished_s > 0 for o in outcomes)
    assert elapsed < TOTAL_S, f"{elapsed:.0f} s: {outcomes}"

    # Every session's comparison was saved as its own run, with its own file and classes.
    store = RunStore(runs_dir)
    saved = store.list()
    assert sorted(saved["dataset"]) == sorted(s.file for s in sessions)
    by_file = {s.file: s for s in sessions}
    for run_id, dataset in zip(saved["id"], saved["dataset"], strict=True):
        s = by_file[dataset]
        run = store.load(run_id)
        assert run.comparison.classes == s.classes, (dataset, run.comparison.classes)
        assert tuple(run.comparison.results) == s.strategies, (dataset, run.comparison.results)
        assert run.data_bytes == s.csv.read_bytes(), dataset
    assert "Traceback" not in server.log_text()
