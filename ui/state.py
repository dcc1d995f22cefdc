"""Session-state keys (one place) and small accessors.

Everything user-specific lives in ``st.session_state`` (one per browser session); nothing
user-specific is kept in module globals or ``st.cache_resource``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import streamlit as st

ROOT = Path(__file__).resolve().parent.parent
SAMPLE_DIR = ROOT / "sample_data"
DEFAULT_SAMPLE = "card_fraud.csv"

# Session-state keys
RAW = "raw_table"  # core.intake.dataset.RawTable of the current file
RAW_BYTES = "raw_bytes"  # the current file's bytes (kept so a saved run can carry them)
SOURCE = "source"  # Source: where the current file came from
TARGET = "target"  # TargetChoice the user picked
DATASET = "dataset"  # core.intake.dataset.Dataset for RAW + TARGET
PROFILE = "profile"  # core.profile.measures.Profile of DATASET
UPLOAD_HASH = "upload_hash"  # hash of the last uploaded file handled (so reruns do not reload)
COMPARISON = "comparison"  # core.evaluation.comparison.Comparison of the last run
CONFIG = "compare_config"  # core.evaluation.comparison.CompareConfig of the last run
SAMPLE_ROWS = "sample_rows"  # rows of the stratified sample DATASET is (None: all rows)

# Big files: the Data page offers a stratified sample above this many rows
SAMPLE_OFFER_ROWS = 200_000
SAMPLE_DEFAULT_ROWS = 100_000
SAMPLE_SEED = 0


@dataclass(frozen=True)
class Source:
    kind: str  # "sample" | "upload"
    name: str


@dataclass(frozen=True)
class TargetChoice:
    columns: tuple[str, ...]
    label_sep: str | None = None


def init() -> None:
    """Session defaults (called once per script run by app.py)."""
    keys = (RAW, RAW_BYTES, SOURCE, TARGET, DATASET, PROFILE, UPLOAD_HASH, COMPARISON, CONFIG,
            SAMPLE_ROWS)  # fmt: skip
    for key in keys:
        st.session_state.setdefault(key, None)


def samples() -> dict[str, dict]:
    """The bundled samples' manifest (sample_data/samples.json)."""
    return json.loads((SAMPLE_DIR / "samples.json").read_text(encoding="utf-8"))


def require_dataset():
    """Page guard: the current Dataset, or a helpful message and ``st.stop()``."""
    ds = st.session_state.get(DATASET)
    if ds is None:
        st.info("No dataset is loaded yet. Open the **Data** page to upload a CSV or use a sample.")
        st.stop()
    return ds
