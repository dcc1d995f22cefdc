"""The Data page, driven through its widgets: samples, uploads, target choices, errors."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import numpy as np
import pytest

from core.errors import DataError
from core.intake.dataset import build_dataset, read_table
from core.intake.targets import suggest_target
from ui import state

SAMPLE_DIR = Path(__file__).resolve().parents[2] / "sample_data"
SAMPLES = sorted(json.loads((SAMPLE_DIR / "samples.json").read_text(encoding="utf-8")))
LABELS = ["is_bug", "is_billing", "is_security"]  # the 0/1 columns of the labels_csv fixture


def _array(value) -> np.ndarray:
    """A Plotly JSON array: a plain list, or a typed array {"dtype", "bdata"[, "shape"]}."""
    if not isinstance(value, dict):
        return np.asarray(value)
    flat = np.frombuffer(base64.b64decode(value["bdata"]), dtype=np.dtype(value["dtype"]))
    shape = value.get("shape")
    return flat.reshape([int(d) for d in str(shape).split(",")]) if shape else flat


def _traces(app, trace_type: str) -> list[dict]:
    return [t for spec in app.plotly_specs() for t in spec["data"] if t["type"] == trace_type]


def _bar_counts(app) -> dict[str, float]:
    """Rows per class as drawn by the class-balance bar chart (the only vertical bar chart)."""
    bars = [t for t in _traces(app, "bar") if t.get("orientation", "v") == "v"]
    assert len(bars) == 1
    return dict(zip(_array(bars[0]["x"]).tolist(), _array(bars[0]["y"]).tolist(), strict=True))


def _data_error(fn, *args, **kwargs) -> str:
    with pytest.raises(DataError) as info:
        fn(*args, **kwargs)
    return str(info.value)


@pytest.mark.parametrize("file_name", SAMPLES)
def test_use_a_sample_dataset_shows_what_core_computes(app, oracle, file_name):
    ds, prof = oracle.sample(file_name)
    app.use_sample(file_name)
    assert app.dataset.name == file_name
    assert app.metrics() == oracle.metrics(ds, prof)
    assert app.findings() == oracle.findings(prof)
    assert app.errors() == []
    assert _bar_counts(app) == pytest.approx(ds.class_counts)
    heatmaps = _traces(app, "heatmap")
    if ds.is_multilabel:
        assert app.metrics()["Task"] == "multilabel"
        assert len(heatmaps) == 1, "the multi-label sample shows the co-occurrence chart"
        assert _array(heatmaps[0]["x"]).tolist() == list(ds.classes)
        np.testing.assert_array_equal(_array(heatmaps[0]["z"]), prof.multilabel.cooccurrence)
    else:
        assert heatmaps == []


def test_switching_back_to_the_default_sample_restores_it(app, oracle, default_sample):
    app.use_sample("support_tickets.csv").use_sample("card_fraud.csv")
    assert app.metrics() == oracle.metrics(*default_sample)


def test_a_continuous_target_shows_the_data_error_and_keeps_the_dataset(app, default_sample):
    ds, _ = default_sample
    raw = read_table(SAMPLE_DIR / "card_fraud.csv")
    message = _data_error(build_dataset, raw, "amount")
    app.widget("selectbox", "Target column").set_value("amount")
    app.run()
    assert app.errors() == [message]
    assert app.at.metric.len == 0, "no numbers are shown for a target that cannot be used"
    assert app.dataset.target == ("is_fraud",), "the last good dataset stays loaded"
    app.widget("selectbox", "Target column").set_value("is_fraud")
    app.run()
    assert app.errors() == []
    assert app.metrics()["Rows analysed"] == f"{ds.n_rows:,}"


def test_another_target_column_of_the_same_file(app, oracle):
    data = (SAMPLE_DIR / "card_fraud.csv").read_bytes()
    ds, prof = oracle.result(data, "card_fraud.csv", "merchant_category")
    app.widget("selectbox", "Target column").set_value("merchant_category")
    app.run()
    assert app.dataset.target == ("merchant_category",)
    assert app.metrics() == oracle.metrics(ds, prof)
    assert app.metrics()["Task"] == "multiclass"


def test_upload_applies_the_suggested_target(app, oracle, churn_csv):
    guess = suggest_target(read_table(churn_csv, name="churners.csv"))
    assert guess.column == "churn"
    ds, prof = oracle.result(churn_csv, "churners.csv", "churn")
    app.upload("churners.csv", churn_csv)
    assert app.errors() == []
    assert app.widget("selectbox", "Target column").value == "churn"
    assert app.dataset.name == "churners.csv"
    assert app.at.session_state[state.SOURCE].kind == "upload"
    assert app.metrics() == oracle.metrics(ds, prof)
    assert app.findings() == oracle.findings(prof)
    assert _bar_counts(app) == pytest.approx(ds.class_counts)
    schema = app.at.dataframe[-1].value
    assert list(schema["column"]) == ["usage_hours", "tickets", "plan", "segment", "churn"]
    assert schema.set_index("column").loc["churn", "kind"] == "target"


def test_upload_then_pick_a_multiclass_target(app, oracle, churn_csv):
    ds, prof = oracle.result(churn_csv, "churners.csv", "segment")
    app.upload("churners.csv", churn_csv)
    app.widget("selectbox", "Target column").set_value("segment")
    app.run()
    assert app.metrics() == oracle.metrics(ds, prof)
    assert app.metrics()["Classes"] == "3"


def test_several_zero_one_columns_as_a_multilabel_target(app, oracle, labels_csv):
    ds, prof = oracle.result(labels_csv, "labels.csv", LABELS)
    app.upload("labels.csv", labels_csv)
    app.widget("radio", "Target kind").set_value("Several 0/1 columns (multi-label)")
    app.run()
    # The 0/1 columns are pre-filled from the target suggestion, in file order.
    assert app.widget("multiselect", "Target columns").value == LABELS
    assert app.errors() == []
    assert app.dataset.target == tuple(LABELS)
    assert app.metrics() == oracle.metrics(ds, prof)
    assert app.findings() == oracle.findings(prof)
    assert app.metrics()["Task"] == "multilabel"
    assert app.metrics()["Labels"] == "3"
    assert len(_traces(app, "heatmap")) == 1


def test_one_zero_one_column_asks_for_a_second(app, labels_csv):
    app.upload("labels.csv", labels_csv)
    app.widget("radio", "Target kind").set_value("Several 0/1 columns (multi-label)")
    app.run()
    app.widget("multiselect", "Target columns").set_value(["is_bug"])
    app.run()
    assert any("at least two 0/1 columns" in el.value for el in app.at.info)
    assert app.at.metric.len == 0


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("tickets.csv", json.dumps({"rows": [{"a": 1, "b": 2}] * 5}).encode()),
        ("empty.csv", b""),
    ],
    ids=["json-named-csv", "empty"],
)
def test_a_bad_upload_shows_an_error_and_keeps_the_previous_dataset(
    app, oracle, default_sample, name, data
):
    message = _data_error(read_table, data, name=name)
    app.upload(name, data)
    assert app.errors() == [f"{name} could not be loaded: {message}"]
    assert app.metrics() == oracle.metrics(*default_sample), "the previous dataset stays shown"
    assert app.dataset.name == "card_fraud.csv"
    # ... and stays usable: another target of it can be picked, and the error goes away
    # once the user moves on to a sample.
    app.widget("selectbox", "Target column").set_value("is_foreign")
    app.run()
    assert app.dataset.target == ("is_foreign",)
    app.use_sample("machine_states.csv")
    assert app.errors() == []
    assert app.metrics()["Task"] == "multiclass"


def test_using_the_current_sample_again_restores_its_target(app):
    app.widget("selectbox", "Target column").set_value("is_foreign")
    app.run()
    assert app.dataset.target == ("is_foreign",)
    app.use_sample("card_fraud.csv")
    assert app.dataset.target == ("is_fraud",)
    assert app.widget("selectbox", "Target column").value == "is_fraud"


def test_uploading_the_same_file_again_after_a_sample_loads_it_again(app, churn_csv):
    app.upload("churners.csv", churn_csv)
    app.use_sample("machine_states.csv")
    app.widget("file_uploader", "Upload a CSV").set_value(None)
    app.run()
    assert app.dataset.name == "machine_states.csv"
    app.upload("churners.csv", churn_csv)
    assert app.dataset.name == "churners.csv"
    assert app.metrics()["Rows analysed"] == "300"


def test_stratified_sample_is_offered_used_and_announced(app, default_sample, monkeypatch):
    """Big files get "Work on a stratified sample"; the sample is core's, and it is announced
    on the Data page and in the sidebar of every page (here: Strategies) until switched off."""
    from core.evaluation.comparison import CompareConfig, run_comparison
    from core.intake.sampling import stratified_sample

    ds, _ = default_sample
    assert app.at.checkbox == [] or all(
        c.label != "Work on a stratified sample" for c in app.at.checkbox
    ), f"{ds.n_rows:,} rows is below the offer threshold: no sample offered"
    monkeypatch.setattr(state, "SAMPLE_OFFER_ROWS", 1_000)  # treat the 5,000-row sample as big
    app.run()
    app.widget("checkbox", "Work on a stratified sample").check()
    app.run()
    app.widget("number_input", "Rows in the sample").set_value(1_000)
    app.run()
    expected = stratified_sample(ds, 1_000, seed=state.SAMPLE_SEED)
    shown = app.dataset
    assert shown.n_rows == 1_000 and shown.sampled_from == ds.n_rows
    np.testing.assert_array_equal(shown.row_ids, expected.row_ids)
    assert shown.content_hash == expected.content_hash
    assert app.metrics()["Rows analysed"] == "1,000"
    assert expected.sample_note in [i.value for i in app.at.info]
    sidebar = [i.value for i in app.at.sidebar.info]
    assert any("Stratified sample: 1,000 of 5,000 rows" in s for s in sidebar)

    app.at.switch_page("pages/strategies.py")
    app.run()
    assert any("Stratified sample: 1,000 of 5,000 rows" in i.value for i in app.at.sidebar.info)
    app.widget("multiselect", "Strategies").set_value(["baseline"])
    app.widget("number_input", "Folds").set_value(3)
    app.run()
    app.widget("button", "Run comparison").click()
    app.run()
    got = app.at.session_state[state.COMPARISON]
    assert got.dataset.sampled_from == ds.n_rows and got.dataset.sample_note == expected.sample_note
    core = run_comparison(
        expected,
        CompareConfig(
            strategies=("baseline",),
            cv=3,
            seed=0,
            n_jobs=1,
            options=got.config.options,
            important_class=got.config.important_class,
        ),  # fmt: skip
    )
    assert got.results["baseline"].summary == core.results["baseline"].summary

    app.at.switch_page("pages/data.py")
    app.run()
    app.widget("checkbox", "Work on a stratified sample").uncheck()
    app.run()
    assert app.dataset.n_rows == ds.n_rows and app.dataset.sampled_from is None
    assert app.metrics()["Rows analysed"] == f"{ds.n_rows:,}"
    assert not any("Stratified sample" in i.value for i in app.at.sidebar.info)


DATASET_SUBTITLE = (
    "Load a CSV, pick the target, and see how imbalanced it is and why it will be hard."
)


def test_the_datasets_subtitle_shows_only_for_the_dataset_way_in(app):
    """In predictions mode the page loads a predictions file, not a dataset: its own words."""
    assert DATASET_SUBTITLE in [c.value for c in app.at.caption]
    app.widget("radio", "Start from").set_value(state.MODE_PREDICTIONS)
    app.run()
    captions = [c.value for c in app.at.caption]
    assert DATASET_SUBTITLE not in captions
    assert any(c.startswith("Have a model already, trained elsewhere") for c in captions)
    app.widget("radio", "Start from").set_value(state.MODE_DATA)
    app.run()
    assert DATASET_SUBTITLE in [c.value for c in app.at.caption]
