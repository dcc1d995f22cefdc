"""Session-state keys (one place) and small accessors.

Everything user-specific lives in ``st.session_state`` (one per browser session); nothing
user-specific is kept in module globals or ``st.cache_resource``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import streamlit as st

from core.evaluation import scored
from ui.links import link_to

ROOT = Path(__file__).resolve().parent.parent
SAMPLE_DIR = ROOT / "sample_data"
DEFAULT_SAMPLE = "card_fraud.csv"

# Session-state keys: every key a page or ui module reads or writes is named here, once.
# Dynamic widget keys are built by widget_key() below; nothing else spells a key as a string.
# The current dataset
RAW = "raw_table"  # core.intake.reader.RawTable of the current file
RAW_BYTES = "raw_bytes"  # the current file's bytes (kept so a saved run can carry them)
SOURCE = "source"  # Source: where the current file came from
TARGET = "target"  # TargetChoice the user picked
DATASET = "dataset"  # core.intake.dataset.Dataset for RAW + TARGET
PROFILE = "profile"  # core.profile.measures.Profile of DATASET
SAMPLE_ROWS = "sample_rows"  # rows of the stratified sample DATASET is (None: all rows)
UPLOAD_HASH = "upload_hash"  # hash of the last uploaded file handled (so reruns do not reload)
UPLOAD_ERROR = "data_upload_error"  # message of the last upload that could not be read
LOADS = "data_loads"  # files loaded this session; part of the target widgets' keys
# The current comparison
COMPARISON = "comparison"  # core.evaluation.comparison.Comparison of the last run
CONFIG = "compare_config"  # core.evaluation.comparison.CompareConfig of the last run
RUN_ID = "saved_run_id"  # run id of the current comparison (None if unsaved)
CANCELLED = "run_cancelled"  # True after the user cancelled a comparison
# Per-session caches (ui.cache.SessionCache: an OrderedDict each, least recently used first)
COMPARISON_CACHE = "comparison_cache"  # cache_key(data, config) -> CachedRun
DETAILS_CACHE = "strategy_details_cache"  # cache_key(..., "details", strategy) -> StrategyDetails
SIDES_CACHE = "tradeoff_sides_cache"  # cache_key(..., "sides", positive) -> Sides
SEARCH_CACHE = "tradeoff_search_cache"  # cache_key(..., "search", positive, trials, s) -> result
LAST_SEARCH = "tradeoff_last_search"  # cache_key(..., "last-search", positive) -> SEARCH_CACHE key
REPORT_CACHE = (
    "report_bundle"  # cache_key(..., "report", ...) -> (ReportBundle, {label: BuiltOnce})
)
RUNS_COMPARED = "runs_compared"  # (run a, run b) -> store.compare(a, b)
FITS_CACHE = "diagnostic_fits_cache"  # cache_key(data, config, "fits", class) -> DiagnosticFits
# The Diagnosis page
MUTED_CAUSES = "diagnosis_muted_causes"  # cause ids the user muted (the multiselect's key)
# Finding codes the user muted on the Data page (pitfalls and results findings): every list
# of findings leaves them out. Apart from MUTED_CAUSES, which core's diagnose() validates.
MUTED_FINDINGS = "muted_findings"
RUN_FLASH = "run_flash"  # RunFlash: what the last "Run comparison" did, shown where it lands
# The Runs page
RUNS_FLASH = "runs_flash"  # (kind, message) to show after the rerun that follows an action
# The predictions path (Data page: "Diagnose predictions you already have"; ui/predictions.py)
MODE = "work_mode"  # MODE_DATA (compare strategies on a dataset) or MODE_PREDICTIONS; None: data
PRED_RAW = "predictions_raw"  # core.intake.reader.RawTable of the current predictions file
PRED_BYTES = "predictions_bytes"  # its bytes (saved with the run)
PRED_SOURCE = "predictions_source"  # Source: where the predictions file came from
PRED_CHOICE = "predictions_choice"  # PredictionsChoice: its target, separator, score prefix
PRED_UPLOAD_HASH = "predictions_upload_hash"  # hash of the last predictions upload handled
PRED_UPLOAD_ERROR = "predictions_upload_error"  # why the last predictions upload was refused
PRED_LOADS = "predictions_loads"  # predictions files loaded; part of their widgets' keys
# (content hash, {class: share}): the shares a predictions file's model meets in use, set on
# the Data page; Trade-offs' "Deployment prevalence" starts from them, the report shows them
DEPLOY_SHARES = "deployment_shares"

# What makes up the current dataset: saved and restored together (a failed reopen of a run
# puts all of them back).
DATA_KEYS = (RAW, RAW_BYTES, SOURCE, TARGET, DATASET, PROFILE, SAMPLE_ROWS)
# Set to None at the start of every session (app.py).
DEFAULTS = (*DATA_KEYS, UPLOAD_HASH, COMPARISON, CONFIG, MODE, PRED_RAW, PRED_CHOICE)
MODE_DATA = "data"
MODE_PREDICTIONS = scored.MODE  # also CompareConfig.mode of a comparison made from predictions


def widget_key(prefix: str, *parts: object) -> str:
    """The key of a widget whose identity depends on data, e.g. ``widget_key("thr", name, cls)``.

    Parts are joined with "-" after ``prefix``; a widget gets a fresh state whenever a part
    changes (a new file, another comparison).
    """
    return "-".join([prefix, *(str(p) for p in parts)])


# Big files: the Data page offers a stratified sample above this many rows
SAMPLE_OFFER_ROWS = 200_000
SAMPLE_DEFAULT_ROWS = 100_000
SAMPLE_SEED = 0


@dataclass(frozen=True)
class Source:
    kind: str  # "sample" | "upload" | "run"
    name: str


@dataclass(frozen=True)
class PredictionsChoice:
    """How to read a predictions file: its target column(s), label separator, score prefix."""

    target: tuple[str, ...]
    label_sep: str | None = None
    scores_prefix: str | None = None


@dataclass(frozen=True)
class TargetChoice:
    columns: tuple[str, ...]
    label_sep: str | None = None


def init() -> None:
    """Session defaults (called once per script run by app.py)."""
    for key in DEFAULTS:
        st.session_state.setdefault(key, None)


def samples() -> dict[str, dict]:
    """The bundled samples' manifest (sample_data/samples.json)."""
    return json.loads((SAMPLE_DIR / "samples.json").read_text(encoding="utf-8"))


def prediction_samples() -> dict[str, dict]:
    """The bundled predictions samples' manifest (sample_data/prediction_samples.json; apart
    from samples.json, whose entries are all datasets)."""
    return json.loads((SAMPLE_DIR / "prediction_samples.json").read_text(encoding="utf-8"))


def predictions_mode() -> bool:
    """Whether this session works on a predictions file (the Data page's second way in)."""
    return st.session_state.get(MODE) == MODE_PREDICTIONS


def is_predictions(comparison) -> bool:
    """Whether ``comparison`` was made from a predictions file (nothing refitted)."""
    return getattr(comparison.config, "mode", None) == scored.MODE


def require_dataset():
    """Page guard: the current Dataset, or a helpful message and ``st.stop()``."""
    ds = st.session_state.get(DATASET)
    if ds is None:
        st.info("No dataset is loaded yet. Upload a CSV or use a sample on the Data page.")
        link_to("pages/data.py")
        st.stop()
    return ds
