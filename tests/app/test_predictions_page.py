"""The Data page's second way in, "Diagnose predictions you already have": the bundled
example tells the issue's story in numbers, opens and diagnoses through the widgets, and the
result pages show what core computes from the predictions alone; a bad predictions file
shows its DataError, never an exception."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import accuracy_score, confusion_matrix, recall_score, roc_auc_score

from core.analysis.deployment import deployment_estimate, normalise_shares
from core.errors import DataError
from core.evaluation.scored import comparison_from_predictions
from core.intake.dataset import read_table
from core.intake.predictions import detect_layout, load_predictions
from core.text import md
from ui import state

SAMPLE_DIR = Path(__file__).resolve().parents[2] / "sample_data"

EXAMPLE = "scored_validation.csv"
SPEC = json.loads((SAMPLE_DIR / "prediction_samples.json").read_text(encoding="utf-8"))[EXAMPLE]
CLASSES = ("0", "1", "2")
TOL = 0.02  # the story's rounded numbers (0.67, 0.79, 0.26)
EXACT = 1e-9


def _proba(frame: pd.DataFrame, model: str) -> np.ndarray:
    return frame[[f"{model}:proba_{c}" for c in CLASSES]].to_numpy()


@pytest.fixture(scope="module")
def example_frame() -> pd.DataFrame:
    return pd.read_csv(SAMPLE_DIR / EXAMPLE)


def test_the_generator_reproduces_the_bundled_files(example_frame):
    path = SAMPLE_DIR / "make_predictions_sample.py"
    spec = importlib.util.spec_from_file_location("make_predictions_sample", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    made = module.scored_validation()
    pd.testing.assert_frame_equal(made, example_frame, check_exact=False, atol=1e-12)
    assert module.manifest()[EXAMPLE] == SPEC
    assert len(example_frame) <= 1_500


def test_the_example_tells_the_story(example_frame):
    """A balanced test set: the network misses class 2 at its argmax while accuracy and
    macro ROC AUC look fair; the one-vs-all model's class-2 operating point is TPR 0.98 /
    FPR 0.27, whose precision at 1 row in 11.5 is about 0.26 (checked by hand and by core)."""
    y = example_frame["label"].to_numpy()
    assert np.bincount(y).tolist() == [400, 400, 400]
    net = _proba(example_frame, "network")
    assert np.allclose(net.sum(axis=1), 1.0, atol=1e-5)
    recall = recall_score(y, net.argmax(axis=1), average=None)
    assert recall[2] <= 0.05 and min(recall[0], recall[1]) >= 0.95
    assert accuracy_score(y, net.argmax(axis=1)) == pytest.approx(0.67, abs=TOL)
    assert roc_auc_score(y, net, multi_class="ovr") == pytest.approx(0.79, abs=TOL)

    ova = _proba(example_frame, "one_vs_all")
    flagged = ova.argmax(axis=1) == 2
    tpr = flagged[y == 2].mean()
    fpr = flagged[y != 2].mean()
    assert (tpr, fpr) == (pytest.approx(0.98, abs=EXACT), pytest.approx(0.27, abs=EXACT))
    pi = 1 / 11.5
    by_hand = pi * tpr / (pi * tpr + (1 - pi) * fpr)
    assert by_hand == pytest.approx(0.26, abs=0.01)

    # core, from the file: the same confusion as scikit-learn, the same re-estimate
    pset = load_predictions(SAMPLE_DIR / EXAMPLE, target="label")
    comparison = comparison_from_predictions(pset, cv=3, seed=0)
    for model, proba in (("network", net), ("one_vs_all", ova)):
        expected = confusion_matrix(y, proba.argmax(axis=1))
        assert np.array_equal(np.asarray(comparison.results[model].confusion), expected)
    story = {"0": (1 - pi) / 2, "1": (1 - pi) / 2, "2": pi}
    shares = [SPEC["shares"], story]
    for given in shares:
        estimate = deployment_estimate(comparison, "one_vs_all", given)
        share = normalise_shares(given, CLASSES, multilabel=False)[2]
        row = estimate.per_class.set_index("class").loc["2"]
        formula = share * tpr / (share * tpr + (1 - share) * fpr)
        assert row["precision"] == pytest.approx(formula, abs=EXACT)
        assert row["precision"] == pytest.approx(0.26, abs=0.01)
        assert row["recall"] == pytest.approx(0.98, abs=EXACT)
        assert estimate.warning  # the balanced test set is the trap


def _button(app, label: str):
    return app.widget("button", label)


def _to_predictions(app):
    app.widget("radio", "Start from").set_value(state.MODE_PREDICTIONS)
    return app.run()


def test_open_the_example_diagnose_and_see_the_results(app):
    _to_predictions(app)
    assert "Upload predictions (CSV)" in [w.label for w in app.at.get("file_uploader")]
    _button(app, "Open the example predictions").click()
    app.run()
    raw = read_table(SAMPLE_DIR / EXAMPLE)
    for line in detect_layout(raw, "label").describe():
        assert any(line in m.value for m in app.at.markdown), line
    shares = {w.label: w.value for w in app.at.number_input if w.label.startswith("Share of")}
    assert shares == {f"Share of '{c}' in use": SPEC["shares"][c] for c in CLASSES}
    assert app.widget("selectbox", "Class that matters most").value == "2"  # rarest in use

    _button(app, "Diagnose these predictions").click()
    app.run()
    comparison = app.at.session_state[state.COMPARISON]
    assert state.is_predictions(comparison)
    assert app.at.session_state[state.MODE] == state.MODE_PREDICTIONS
    pset = load_predictions(SAMPLE_DIR / EXAMPLE, target="label")
    expected = comparison_from_predictions(pset, cv=5, seed=0, important_class="2")
    assert list(comparison.results) == list(expected.results)
    assert app.at.session_state[state.RUN_ID] is not None
    assert EXAMPLE + " (example)" in [t.value for t in app.at.sidebar.text]
    table = app.at.dataframe[-1].value.set_index("model")  # the important class here / in use
    in_use = deployment_estimate(expected, "one_vs_all", SPEC["shares"])
    row = in_use.per_class.set_index("class").loc["2"]
    assert table.loc["one_vs_all", "precision"] == pytest.approx(row["precision"], abs=EXACT)
    assert any("differ strongly" in w.value for w in app.at.warning)

    app.at.switch_page("pages/results.py")
    app.run()
    shown = app.widget("selectbox", "Strategy").value
    per_class = app.at.dataframe[0].value
    assert list(per_class["f1"].round(12)) == list(
        expected.results[shown].per_class["f1"].round(12)
    )
    assert "No training rows: these are predictions of a model trained elsewhere." in [
        i.value for i in app.at.info
    ]
    for page in ("pages/compare.py", "pages/tradeoffs.py", "pages/diagnosis.py"):
        app.at.switch_page(page)
        app.run()
        assert app.at.dataframe, page
        if page == "pages/diagnosis.py":
            assert "Why '2' fails: the causes, most likely first" in [
                h.value for h in app.at.subheader
            ]
        else:
            assert app.at.get("plotly_chart"), page
        if page == "pages/tradeoffs.py":  # Deployment prevalence starts at the Data page's
            shown = {w.label: w.value for w in app.at.number_input}
            for c in CLASSES:
                assert shown[f"Share of '{c}' in use"] == SPEC["shares"][c]
    app.at.switch_page("pages/report.py")
    app.run()
    assert "Download HTML report" in [b.label for b in app.at.get("download_button")]
    bundle = list(app.at.session_state[state.REPORT_CACHE].values())[-1][0]
    given = normalise_shares(SPEC["shares"], CLASSES, multilabel=False)
    assert bundle.deployment["shares"] == pytest.approx(dict(zip(CLASSES, given, strict=True)))
    app.at.switch_page("pages/strategies.py")
    app.run()
    assert any("nothing is refitted here" in i.value for i in app.at.info)
    assert not app.at.multiselect  # no "Run comparison" on the predictions

    # the saved run reopens as a predictions run, its file back on the Data page
    run_id = app.at.session_state[state.RUN_ID]
    app.at.session_state[state.MODE] = state.MODE_DATA
    app.at.switch_page("pages/runs.py")
    app.run()
    app.widget("selectbox", "Run").set_value(run_id)
    _button(app, "Open run").click()
    app.run()
    assert app.at.session_state[state.MODE] == state.MODE_PREDICTIONS
    assert state.is_predictions(app.at.session_state[state.COMPARISON])
    assert app.at.session_state[state.PRED_SOURCE].name == EXAMPLE


def test_a_bad_predictions_file_shows_its_error(app):
    _to_predictions(app)
    no_scores = b"label,height\n0,1.5\n1,1.7\n0,1.6\n1,1.8\n"
    app.widget("file_uploader", "Upload predictions (CSV)").set_value(
        ("no_scores.csv", no_scores, "text/csv")
    )
    app.run()
    with pytest.raises(DataError) as info:
        detect_layout(read_table(no_scores, name="no_scores.csv"), "label")
    assert md(str(info.value)) in app.errors()  # as st.error shows it (Markdown escaped)
    assert not app.at.exception

    app.widget("file_uploader", "Upload predictions (CSV)").set_value(
        ("empty.csv", b"", "text/csv")
    )
    app.run()
    with pytest.raises(DataError) as info:
        read_table(b"", name="empty.csv")
    # the refusal first; the file loaded before stays (with its own error, here)
    assert app.errors()[0] == md(f"empty.csv could not be loaded: {info.value}")
    assert app.at.session_state[state.PRED_SOURCE].name == "no_scores.csv"
    assert not app.at.exception


def test_predicted_labels_only_grey_the_threshold_views(app):
    y = np.array([0, 1] * 30 + [0] * 60)
    pred = np.where(np.arange(len(y)) % 7 == 0, 1 - y, y)
    frame = pd.DataFrame({"y_true": y, "pred": pred})
    _to_predictions(app)
    app.widget("file_uploader", "Upload predictions (CSV)").set_value(
        ("labels.csv", frame.to_csv(index=False).encode(), "text/csv")
    )
    app.run()
    assert app.widget("multiselect", "True target column(s)").value == ["y_true"]  # guessed
    assert any("predicted labels only" in m.value for m in app.at.markdown)
    _button(app, "Diagnose these predictions").click()
    app.run()
    comparison = app.at.session_state[state.COMPARISON]
    assert list(comparison.results) == ["model"]  # no scores: nothing to tune
    app.at.switch_page("pages/results.py")
    app.run()
    expected = confusion_matrix(y, pred)
    assert np.array_equal(np.asarray(comparison.results["model"].confusion), expected)
    assert any("gives predicted labels only, no scores" in i.value for i in app.at.info)
    assert not app.at.exception


def test_raw_scores_are_flagged_on_the_results_page(app):
    """Logits are accepted for the ranking views and the Results page says that calibration
    does not apply to them (the entry's note, shown in its notes)."""
    rng = np.random.default_rng(0)
    y = (rng.random(200) < 0.2).astype(int)
    logit = 2.0 * y + rng.normal(0, 1.5, size=y.size) - 1.0
    frame = pd.DataFrame({"y_true": y, "score_1": logit})
    _to_predictions(app)
    app.widget("file_uploader", "Upload predictions (CSV)").set_value(
        ("logits.csv", frame.to_csv(index=False).encode(), "text/csv")
    )
    app.run()
    _button(app, "Diagnose these predictions").click()
    app.run()
    comparison = app.at.session_state[state.COMPARISON]
    name = next(iter(comparison.results))
    assert any(w.startswith("Raw scores") for w in comparison.results[name].warnings)
    app.at.switch_page("pages/results.py")
    app.run()
    assert any("Raw scores, not probabilities" in m.value for m in app.at.markdown)
    assert not app.at.exception
