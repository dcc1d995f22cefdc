"""Corpus files uploaded through the Data page's "Upload a CSV": a refused file shows its
DataError with st.error (no exception, no traceback) and the app stays usable; a messy file
that loads shows what core.intake.dataset makes of it."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BAD = ROOT / "tests" / "data" / "bad"
sys.path.insert(0, str(ROOT / "tests" / "data"))
from bad_corpus import EXPECTED  # noqa: E402  (the corpus's documented outcomes)

REFUSED_ON_READ = [n for n, e in EXPECTED.items() if e.refused and e.stage == "read"]
REFUSED_ONE_COLUMN = [  # refused once the user picks the documented (existing) target column
    n
    for n, e in EXPECTED.items()
    if e.refused and e.stage == "target" and isinstance(e.target, str) and not e.label_sep
    if n != "target_missing.csv"  # a column that is not in the file cannot be picked
]
LOADS = ["latin1.csv", "utf16_bom.csv", "semicolon_decimal_comma.csv", "excel_sep_line.csv",
         "nul_bytes.csv", "html_in_names.csv", "formula_labels.csv", "duplicate_columns.csv"]  # fmt: skip


def _no_traceback(app) -> None:
    assert not app.at.exception
    texts = [e.value for e in app.at.error] + [e.value for e in app.at.warning]
    assert not any("Traceback" in t for t in texts)


def test_files_refused_on_read_show_the_error_and_keep_the_previous_dataset(
    app, oracle, default_sample
):
    before = oracle.metrics(*default_sample)
    for name in REFUSED_ON_READ:
        app.upload(name, (BAD / name).read_bytes())
        assert app.errors() == [f"{name} could not be loaded: {EXPECTED[name].refused}"], name
        _no_traceback(app)
        assert app.dataset.name == "card_fraud.csv", name
        assert app.metrics() == before, f"{name}: the previous dataset stays shown"
    # ... and stays usable: its Strategies page still offers a comparison.
    app.at.switch_page("pages/strategies.py")
    app.run()
    assert app.widget("button", "Run comparison").disabled is False


@pytest.mark.parametrize("name", REFUSED_ONE_COLUMN)
def test_a_target_that_cannot_be_used_shows_the_error(app, name):
    app.upload(name, (BAD / name).read_bytes())
    assert app.dataset is None or app.dataset.target != (EXPECTED[name].target,)
    app.widget("selectbox", "Target column").set_value(EXPECTED[name].target)
    app.run()
    assert app.errors() == [EXPECTED[name].refused]
    assert app.at.metric.len == 0, "no numbers for a target that cannot be used"
    _no_traceback(app)
    app.use_sample("machine_states.csv")  # the app stays usable
    assert app.errors() == []
    assert app.metrics()["Task"] == "multiclass"


def test_bad_zero_one_label_columns_show_the_error(app):
    name = "multilabel_01_bad.csv"
    app.upload(name, (BAD / name).read_bytes())
    app.widget("radio", "Target kind").set_value("Several 0/1 columns (multi-label)")
    app.run()
    app.widget("multiselect", "Target columns").set_value(list(EXPECTED[name].target))
    app.run()
    assert app.errors() == [EXPECTED[name].refused]
    _no_traceback(app)


def test_label_sets_with_one_label_show_the_error(app):
    name = "multilabel_one_label.csv"
    app.upload(name, (BAD / name).read_bytes())
    app.widget("selectbox", "Target column").set_value("tags")
    app.widget("text_input", "Label separator").set_value("|")
    app.run()
    assert app.errors() == [EXPECTED[name].refused]
    _no_traceback(app)


@pytest.mark.parametrize("name", LOADS)
def test_a_messy_file_that_loads_shows_its_dataset(app, name):
    want = EXPECTED[name]
    app.upload(name, (BAD / name).read_bytes())
    app.widget("selectbox", "Target column").set_value(want.target)
    app.run()
    assert app.errors() == []
    _no_traceback(app)
    ds = app.dataset
    assert (ds.name, ds.task, ds.classes, ds.n_rows) == (name, want.task, want.classes, want.n_rows)
    assert app.metrics()["Task"] == want.task
    schema = app.at.dataframe[-1].value
    assert dict(zip(schema["column"], schema["kind"], strict=True)) == want.schema
    shown = [el.value for el in app.at.markdown]
    for note in ds.notes:
        assert f"- {note}" in shown, f"{name}: the note {note!r} is listed"
