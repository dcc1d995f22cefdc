"""The Compare page in predictions mode (models trained elsewhere): its table speaks of the
file's parts, not folds, and has no change-vs-baseline or t-test columns; its caption says
what the verdict compared (a paired bootstrap over the rows against the chosen entry, and
McNemar) above core's table of those pairs; the calibration caption says the scores come
from the predictions file. In fit mode the page says what it said before."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pandas as pd
import pytest

from core.analysis.calibration import calibration_comparison
from core.analysis.paired import N_BOOT, verdict_pairs
from core.analysis.recommendation import recommendation_of
from core.analysis.spread import OVER_FOLDS_NOTE
from ui import state

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "data"))
from one_model import one_model_comparison

FIT_CAPTION = (
    "Click a column header to sort; hover it for what the number means. Δ = change vs "
    "baseline; p = corrected resampled t-test over the folds (Nadeau & Bengio 2003); McNemar p "
    "compares pooled predictions with the baseline's. p < 0.05: unlikely to be chance."
)


@pytest.fixture(scope="module")
def predicted():
    """Three classes, 300 rows, one noisy model: core's predictions comparison of it (the
    model's own decisions and its cross-fitted tuned offsets)."""
    return one_model_comparison(300, seed=1, strength=0.4)


def _open(app, comparison):
    app.at.session_state[state.COMPARISON] = comparison
    app.at.session_state[state.CONFIG] = comparison.config
    app.at.switch_page("pages/compare.py")
    return app.run()


def _frame(view, column: str):
    (frame,) = [d for d in view.at.dataframe if column in d.value.columns]
    return frame


def _labels(frame) -> dict[str, dict]:
    """Column -> its config (label, help) of a shown dataframe."""
    config = json.loads(frame.proto.columns)
    return {c: config[c] for c in config if c != "_index"}


def test_predictions_compare_speaks_of_parts_and_of_the_paired_bootstrap(app, predicted):
    assert state.is_predictions(predicted)
    view = _open(app, predicted)
    assert not view.at.exception
    important = view.widget("selectbox", "Class that matters most").value
    assert important == predicted.important_class

    main = _frame(view, "important_f1")
    columns = list(main.value.columns)
    # no change vs a baseline, no t-test, no McNemar against a baseline, no fit time
    assert not [c for c in columns if c.endswith(("_delta", "_p")) or c == "fit_seconds"]
    labels = _labels(main)
    assert labels["important_f1_folds"]["label"] == f"F1 of '{important}' over parts"
    assert labels["tuned"]["label"] == "Tuned decision (range over parts)"
    assert labels["macro_f1_folds"]["label"] == "Macro F1 over parts"
    assert set(columns) <= set(labels)
    for column in columns:  # every column the table holds (shown or one pick away)
        config = labels[column]
        assert "fold" not in config.get("label", "").lower(), column
        assert "t-test" not in config.get("help", ""), column
        assert "baseline" not in config.get("help", ""), column
    assert list(main.proto.column_order) == [
        "strategy", "status", "important_f1", "important_f1_folds", "tuned", "macro_f1",
        "roc_auc",
    ]  # fmt: skip
    offered = view.widget("multiselect", "More columns")
    assert all("fold" not in str(o).lower() for o in offered.options)
    assert all("Δ" not in str(o) and not str(o).startswith("p (") for o in offered.options)
    assert "t-test" not in (offered.help or "")

    captions = [c.value for c in view.at.caption]
    said = " ".join(captions)
    assert "t-test" not in said and "Nadeau" not in said and "baseline's" not in said
    assert OVER_FOLDS_NOTE not in captions
    assert any("Over parts: mean ± sd" in c for c in captions)
    rec = recommendation_of(predicted, important_class=important)
    verdict = [c for c in captions if c.startswith("No baseline and no test over the parts")]
    assert len(verdict) == 1
    assert (
        f"What the verdict compared: '{rec.strategy}' against each other entry on the same rows: "
        f"paired bootstrap of the difference in F1 of '{important}' over the rows ({N_BOOT} "
        f"resamples, region of practical equivalence ±{rec.rope:g}), and McNemar's test"
    ) in verdict[0]

    # core's pairs, as the Diagnosis page shows them
    pairs = verdict_pairs(predicted, rec)
    assert pairs
    shown = _frame(view, "entry").value
    assert list(shown["entry"]) == [p.entry for p in pairs]
    for col in ("difference", "low", "high", "p_better", "p_equivalent", "p_worse", "mcnemar_p"):
        assert list(shown[col]) == pytest.approx([getattr(p, col) for p in pairs]), col
    pair_labels = _labels(_frame(view, "entry"))
    assert pair_labels["difference"]["label"] == f"Difference ('{rec.strategy}' − other)"

    # calibration: the file's scores, and no advice about resampling
    calibration = [c for c in captions if c.startswith("How honest each strategy's own")]
    assert len(calibration) == 1
    assert "from the scores in the predictions file (models trained elsewhere)" in (calibration[0])
    assert "out-of-fold" not in calibration[0]
    assert "Resampling and class weights" not in said
    cal = _frame(view, "log_loss").value
    want = calibration_comparison(predicted, important)
    pd.testing.assert_series_equal(cal["brier"], want["brier"], check_names=False)


def test_fit_mode_compare_keeps_its_folds_t_test_and_calibration_words(
    seeded_app, seeded_comparison
):
    seeded_app.at.switch_page("pages/compare.py")
    view = seeded_app.run()
    main = _frame(view, "important_f1")
    labels = _labels(main)
    important = seeded_comparison.important_class
    assert labels["important_f1_folds"]["label"] == f"F1 of '{important}' over folds"
    assert labels["macro_f1_delta"]["label"] == "Δ Macro F1"
    assert labels["macro_f1_p"]["help"].endswith("(Nadeau & Bengio 2003).")
    assert {"macro_f1_delta", "macro_f1_p", "mcnemar_p", "fit_seconds"} <= set(main.value.columns)
    captions = [c.value for c in view.at.caption]
    assert FIT_CAPTION in captions and OVER_FOLDS_NOTE in captions
    assert not [c for c in captions if "paired bootstrap" in c or "Over parts" in c]
    assert not [d for d in view.at.dataframe if "entry" in d.value.columns]
    (calibration,) = [c for c in captions if c.startswith("How honest each strategy's own")]
    assert "from the pooled out-of-fold predictions. Bins: " in calibration
    assert "Resampling and class weights usually raise the reliability term" in calibration
