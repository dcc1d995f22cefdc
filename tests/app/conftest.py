"""AppTest fixtures: the app opened as a user would, and what ``core`` says it should show.

What the page shows is checked against ``core`` run directly (no Streamlit), so a test fails
when the page drops, reformats or recomputes a number.
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from streamlit.runtime.pages_manager import PagesManager
from streamlit.testing.v1 import AppTest

from core.evaluation.comparison import CompareConfig, Comparison, run_comparison
from core.intake.dataset import Dataset, load_dataset
from core.profile.measures import Profile, build_profile
from core.runs.store import RunStore, data_dir
from ui import state

ROOT = Path(__file__).resolve().parents[2]
APP = ROOT / "app.py"
SAMPLE_DIR = ROOT / "sample_data"
MANIFEST: dict[str, dict] = json.loads((SAMPLE_DIR / "samples.json").read_text(encoding="utf-8"))
DEFAULT_SAMPLE = "card_fraud.csv"
TIMEOUT_S = 60  # per script run: profiling a sample takes seconds on a loaded 2-core machine
SEVERITIES = ("error", "warning", "info")
SEEDED_STRATEGIES = ("baseline", "class_weight", "random_under")  # cheap ones


BOX_KINDS = ("success", "info", "warning", "error")


class DataPageView:
    """An AppTest session of app.py, driven through the Data page's widgets by their labels."""

    def __init__(self, at: AppTest) -> None:
        self.at = at

    def run(self) -> DataPageView:
        self.at.run()
        if self.at.exception:
            raise AssertionError(f"the app raised: {[e.value for e in self.at.exception]}")
        return self

    def widget(self, kind: str, label: str):
        """The one widget of ``kind`` (e.g. "selectbox") labelled ``label``."""
        found = [w for w in getattr(self.at, kind) if w.label == label]
        if len(found) != 1:
            shown = [w.label for w in getattr(self.at, kind)]
            raise AssertionError(f"expected one {kind} {label!r}; the page shows {shown}")
        return found[0]

    def use_sample(self, file_name: str) -> DataPageView:
        self.widget("selectbox", "Sample dataset").set_value(file_name)
        self.widget("button", "Use a sample dataset").click()
        return self.run()

    def upload(self, name: str, data: bytes) -> DataPageView:
        self.widget("file_uploader", "Upload a CSV").set_value((name, data, "text/csv"))
        return self.run()

    def metrics(self) -> dict[str, str]:
        """Overview metrics shown on the page, label -> value as displayed."""
        return {m.label: m.value for m in self.at.metric}

    def errors(self) -> list[str]:
        return [e.value for e in self.at.error]

    def findings(self) -> list[tuple[str, str]]:
        """(severity, title) of each pitfall shown ("**Title.** message suggestion")."""
        shown = []
        for severity in SEVERITIES:
            for el in getattr(self.at, severity):
                text = el.value
                if text.startswith("**") and ".**" in text:
                    shown.append((severity, text[2 : text.index(".**")]))
        return shown

    def boxes(self) -> dict[str, list[str]]:
        """The texts of the page's alert boxes, by kind (success, info, warning, error)."""
        return {k: [b.value for b in getattr(self.at, k)] for k in BOX_KINDS}

    def plotly_specs(self) -> list[dict]:
        """The Plotly figures on the page, as the JSON specs sent to the browser."""
        return [json.loads(el.proto.spec) for el in self.at.get("plotly_chart")]

    @property
    def dataset(self) -> Dataset | None:
        return self.at.session_state[state.DATASET]


class Oracle:
    """What ``core`` makes of a file, computed without Streamlit, formatted as the page does."""

    @staticmethod
    def result(
        data: bytes, name: str, target: str | list[str], label_sep: str | None = None
    ) -> tuple[Dataset, Profile]:
        ds = load_dataset(data, target, label_sep=label_sep, name=name)
        return ds, build_profile(ds)

    @staticmethod
    def sample(file_name: str) -> tuple[Dataset, Profile]:
        spec = MANIFEST[file_name]
        ds = load_dataset(SAMPLE_DIR / file_name, list(spec["target"]), label_sep=spec["label_sep"])
        return ds, build_profile(ds)

    @staticmethod
    def metrics(ds: Dataset, prof: Profile) -> dict[str, str]:
        """The overview metrics as the Data page formats them."""
        shown = {
            "Rows analysed": f"{ds.n_rows:,}",
            "Task": ds.task,
            "Features used": str(len(ds.numeric_features) + len(ds.categorical_features)),
        }
        if ds.is_multilabel:
            shown["Labels"] = str(len(ds.classes))
            ml = prof.multilabel
            shown["MeanIR"] = f"{ml.mean_ir:.1f}"
            shown["Label cardinality"] = f"{ml.label_cardinality:.2f}"
            shown["Label density"] = f"{ml.label_density:.3f}"
            shown["CVIR"] = f"{ml.cvir:.2f}"
            shown["SCUMBLE"] = f"{ml.scumble:.3f}"
        else:
            shown["Classes"] = str(len(ds.classes))
            shown["Imbalance ratio"] = f"{prof.imbalance_ratio:.1f} : 1"
        return shown

    @staticmethod
    def findings(prof: Profile) -> list[tuple[str, str]]:
        """(severity, title) of each finding, in the page's order (errors, warnings, infos)."""
        found = [(f.severity, f.title) for f in prof.findings]
        return sorted(found, key=lambda item: SEVERITIES.index(item[0]))


@pytest.fixture(autouse=True)
def run_main_script_like_a_server(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make every AppTest run execute app.py, as a running server does.

    AppTest 1.67 resets ``PagesManager.uses_pages_directory`` before each run, and because
    this app keeps its pages in a folder named ``pages/``, Streamlit then takes the legacy
    (MPA v1) path: every rerun after the first executes the page file alone, skipping app.py
    (session defaults and the sidebar). A server sets the flag to False once ``st.navigation``
    has run and keeps it, so every later run executes app.py; do the same here.
    """
    init = PagesManager.__init__

    def init_as_on_a_server(self, *args, **kwargs) -> None:
        init(self, *args, **kwargs)
        PagesManager.uses_pages_directory = False

    monkeypatch.setattr(PagesManager, "__init__", init_as_on_a_server)
    monkeypatch.setattr(PagesManager, "uses_pages_directory", None)


@pytest.fixture
def open_app() -> Callable[[], DataPageView]:
    """Factory: a fresh session of app.py, run once (it opens on the Data page)."""

    def _open() -> DataPageView:
        return DataPageView(AppTest.from_file(str(APP), default_timeout=TIMEOUT_S)).run()

    return _open


@pytest.fixture
def app(open_app) -> DataPageView:
    return open_app()


@pytest.fixture(scope="session")
def oracle() -> type[Oracle]:
    return Oracle


@pytest.fixture(scope="session")
def default_sample(oracle) -> tuple[Dataset, Profile]:
    return oracle.sample(DEFAULT_SAMPLE)


@pytest.fixture(scope="session")
def seeded_comparison(default_sample) -> Comparison:
    """Core's comparison on the bundled default sample (what a new session has loaded):
    three cheap strategies, logistic regression, 3 folds, seed 0."""
    ds, _ = default_sample
    config = CompareConfig(
        strategies=SEEDED_STRATEGIES, model="logistic_regression", cv=3, seed=0, n_jobs=1
    )
    return run_comparison(ds, config)


@pytest.fixture
def seeded_run(seeded_comparison, default_sample) -> str:
    """``seeded_comparison`` saved with its file into this test's runs folder (the root
    conftest points IMBALANCE_DASHBOARD_DATA there); its run id."""
    _, prof = default_sample
    return RunStore(data_dir()).save(
        seeded_comparison,
        data_bytes=(SAMPLE_DIR / DEFAULT_SAMPLE).read_bytes(),
        data_name=DEFAULT_SAMPLE,
        profile=prof,
    )


@pytest.fixture
def seeded_app(app, seeded_comparison, seeded_run) -> DataPageView:
    """A session that ran ``seeded_comparison`` (saved as ``seeded_run``), as the
    Strategies page leaves it."""
    app.at.session_state[state.COMPARISON] = seeded_comparison
    app.at.session_state[state.CONFIG] = seeded_comparison.config
    app.at.session_state[state.RUN_ID] = seeded_run
    return app


def _csv(frame: pd.DataFrame) -> bytes:
    buf = io.StringIO()
    frame.to_csv(buf, index=False)
    return buf.getvalue().encode("utf-8")


@pytest.fixture(scope="session")
def churn_csv() -> bytes:
    """Binary CSV, 300 rows: 'churn' is 1 for about 15% of rows; 'segment' has 3 classes."""
    rng = np.random.default_rng(3)
    n = 300
    churn = (rng.random(n) < 0.15).astype(int)
    frame = pd.DataFrame(
        {
            "usage_hours": (rng.normal(10, 3, n) - 4 * churn).round(2),
            "tickets": rng.poisson(1 + 2 * churn),
            "plan": rng.choice(["free", "pro", "team"], n, p=[0.6, 0.3, 0.1]),
            "segment": rng.choice(["retail", "smb", "enterprise"], n, p=[0.7, 0.25, 0.05]),
            "churn": churn,
        }
    )
    return _csv(frame)


@pytest.fixture(scope="session")
def labels_csv() -> bytes:
    """Multi-label CSV, 240 rows: three 0/1 label columns of different frequencies."""
    rng = np.random.default_rng(5)
    n = 240
    frame = pd.DataFrame(
        {
            "x1": rng.normal(size=n).round(3),
            "x2": rng.normal(size=n).round(3),
            "channel": rng.choice(["web", "mail"], n),
            "is_bug": (rng.random(n) < 0.5).astype(int),
            "is_billing": (rng.random(n) < 0.25).astype(int),
            "is_security": (rng.random(n) < 0.08).astype(int),
        }
    )
    return _csv(frame)
