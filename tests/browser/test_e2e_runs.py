"""A saved run outlives the server: upload a CSV, run three strategies, stop the server and
start a new one on the same runs folder, reopen the run from the Runs page, see the three
strategies on Compare and download the HTML report."""

from __future__ import annotations

import math
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from pageops import RERUN_MS, open_page, pick_strategies, settled
from playwright.sync_api import Locator, Page, expect

from core.evaluation.comparison import CompareConfig, run_comparison
from core.intake.dataset import load_dataset
from core.runs.store import RunStore

pytestmark = pytest.mark.browser

LOAD_MS = 60_000  # first open: the server reads and profiles the 5,000-row sample
RUN_MS = 180_000  # 3 strategies x 3 folds on 300 rows, sharing 2 cores with other tests
REPORT_MS = 90_000  # the report page builds the HTML report (plotly.js inlined) first
expect.set_options(timeout=RERUN_MS)
FILE = "orders.csv"
TARGET = "label"
CLASSES = ("bronze", "gold", "silver")
STRATEGIES = ("baseline", "class_weight", "random_over")
FOLDS = 3
RUN_ID = re.compile(r"Saved as run (\d{8}-\d{6}-[0-9a-f]{8})")


def _orders_csv(path: Path) -> Path:
    """300 seeded rows, target 'label' (bronze 65% / silver 27% / gold 8%), one categorical
    feature; the app suggests 'label' as the target by its name."""
    rng = np.random.default_rng(3)
    n = 300
    tier = rng.choice(["bronze", "silver", "gold"], n, p=[0.65, 0.27, 0.08])
    shift = pd.Series(tier).map({"bronze": 0.0, "silver": 1.0, "gold": 2.2}).to_numpy()
    pd.DataFrame(
        {
            "basket": (rng.normal(40, 10, n) + 12 * shift).round(2),
            "visits": rng.poisson(2 + 2 * shift),
            "store": rng.choice(["north", "south", "online"], n, p=[0.4, 0.35, 0.25]),
            TARGET: tier,
        }
    ).to_csv(path, index=False)
    return path


def _set_folds(page: Page, folds: int) -> None:
    box = page.get_by_test_id("stNumberInput").filter(has=page.get_by_text("Folds", exact=True))
    box.locator("input").fill(str(folds))
    box.locator("input").press("Enter")
    settled(page)
    expect(box.locator("input")).to_have_value(str(folds))


def _grid_rows(frame: Locator) -> list[list[str]]:
    """Body rows of a small st.dataframe, from the ARIA grid Glide keeps by its canvas."""
    rows = (
        row.locator("[role=gridcell]").all_inner_texts()
        for row in frame.locator("[role=row]").all()
    )
    return [cells for cells in rows if cells]


def test_a_run_survives_a_server_restart_and_its_report_downloads(
    server_factory, new_page, tmp_path
):
    csv = _orders_csv(tmp_path / FILE)
    ds = load_dataset(csv, TARGET)
    assert ds.classes == CLASSES
    expected = run_comparison(ds, CompareConfig(strategies=STRATEGIES, cv=FOLDS, n_jobs=1))
    runs_dir = tmp_path / "runs"
    server = server_factory(runs_dir)

    # ------------------------------------------------------------ first server: run and save
    page = new_page()
    page.goto(server.url)
    sidebar = page.get_by_test_id("stSidebar")
    expect(sidebar).to_contain_text("card_fraud.csv (sample)", timeout=LOAD_MS)
    settled(page, LOAD_MS)
    page.get_by_test_id("stFileUploaderDropzoneInput").set_input_files(csv)
    expect(sidebar).to_contain_text(f"target: {TARGET}")
    settled(page)
    open_page(page, "Strategies")
    _set_folds(page, FOLDS)
    pick_strategies(page, STRATEGIES)
    page.get_by_role("button", name="Run comparison").click()
    # a finished run lands on Diagnosis, which says what ran and where it was saved
    done = page.get_by_test_id("stCaptionContainer").filter(has_text="Compared 3 strategies")
    expect(done).to_contain_text(f"Compared 3 strategies on {FOLDS} folds.", timeout=RUN_MS)
    expect(page.get_by_role("heading", name="Diagnosis")).to_be_visible()
    saved = page.get_by_test_id("stCaptionContainer").filter(has_text=RUN_ID)
    expect(saved).to_have_count(1)
    run_id = RUN_ID.search(saved.inner_text()).group(1)
    settled(page)
    on_disk = RunStore(runs_dir).list()
    assert on_disk["id"].tolist() == [run_id]
    assert on_disk["dataset"].tolist() == [FILE]

    # ------------------------------------------------------------ a new server process
    page.context.close()
    first_log = len(server.log_text())
    server.restart()  # SIGTERM to the old process; a new one on the same runs folder
    assert server.starts == 2

    page = new_page()
    page.goto(server.url)
    sidebar = page.get_by_test_id("stSidebar")
    expect(sidebar).to_contain_text("card_fraud.csv (sample)", timeout=LOAD_MS)
    settled(page, LOAD_MS)
    open_page(page, "Runs")
    chosen = page.get_by_role("combobox", name="Run", exact=True)  # newest first: ours
    expect(chosen).to_have_value(re.compile(rf"· {FILE} · .* · {run_id}$"))
    page.get_by_role("button", name="Open run").click()
    expect(page.get_by_test_id("stAlertContentSuccess")).to_have_text(
        f"Opened run {run_id}: Results and Compare now show it."
    )
    expect(sidebar).to_contain_text(FILE)  # the data came back with the run
    expect(sidebar).to_contain_text(f"target: {TARGET}")
    settled(page)

    # ------------------------------------------------------------ Compare: the three strategies
    open_page(page, "Compare")
    table = page.get_by_test_id("stDataFrame").first
    expect(table.locator("[role=row]")).to_have_count(1 + len(STRATEGIES))
    rows = {cells[0]: cells for cells in _grid_rows(table)}
    assert sorted(rows) == sorted(STRATEGIES)
    important = expected.important_class
    for name, cells in rows.items():
        assert cells[1] == "ok", cells
        # the third column is the decision metric: F1 of the important class (3 decimals)
        table_f1 = expected.results[name].per_class.set_index("class")["f1"]
        want = float(table_f1[important])
        assert math.isclose(float(cells[2]), want, abs_tol=5e-4 + 1e-9), (name, cells[2], want)
    legend = page.get_by_test_id("stPlotlyChart").first.locator("g.legend text.legendtext")
    expect(legend).to_have_count(len(CLASSES))
    assert sorted(legend.all_text_contents()) == sorted(CLASSES)
    expect(page.get_by_test_id("stException")).to_have_count(0)

    # ------------------------------------------------------------ Report: download the HTML
    open_page(page, "Report", REPORT_MS)
    button = page.get_by_role("button", name="Download HTML report")
    expect(button).to_be_enabled(timeout=REPORT_MS)
    with page.expect_download(timeout=RERUN_MS) as info:
        button.click()
    download = info.value
    assert download.failure() is None
    assert download.suggested_filename.endswith(".html"), download.suggested_filename
    report = Path(download.path()).read_text(encoding="utf-8")
    assert report.lstrip().lower().startswith("<!doctype html>")
    assert report.rstrip().lower().endswith("</html>")
    assert f"Imbalance report: {FILE}" in report
    for name in STRATEGIES:
        assert name in report, name
    for label in CLASSES:
        assert label in report, label
    expect(page.get_by_test_id("stException")).to_have_count(0)
    assert "Traceback" not in server.log_text()[first_log:]
