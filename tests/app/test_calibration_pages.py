"""Issue 16, item 1: Results shows each strategy's calibration per class under its reliability
diagram (before and after a correction), Compare the calibration of every strategy; the
numbers are core's (core.analysis.calibration)."""

from __future__ import annotations

import dataclasses
import json

import pandas as pd

from core.analysis.calibration import calibration_comparison, strategy_calibration
from ui import state

CORRECTION = "a correction made by hand for this test"


def corrected(comparison, name: str = "random_under"):
    """``comparison`` with ``name``'s probabilities "corrected" to the baseline's."""
    fixed = dataclasses.replace(
        comparison.results[name],
        corrected_proba=comparison.results["baseline"].oof_proba,
        correction=CORRECTION,
    )
    return dataclasses.replace(comparison, results={**comparison.results, name: fixed})


def _open(app, comparison, page: str):
    app.at.session_state[state.COMPARISON] = comparison
    app.at.switch_page(page)
    return app.run()


def _table_with(view, column: str) -> pd.DataFrame:
    (table,) = [d.value for d in view.at.dataframe if column in d.value.columns]
    return table


def _config_with(view, column: str) -> tuple[dict, list[str]]:
    """The column config (column -> its label, help, ...) and column order of the table
    holding ``column``."""
    (frame,) = [d for d in view.at.dataframe if column in d.value.columns]
    return json.loads(frame.proto.columns), list(frame.proto.column_order)


SHORT_HEADER = 22  # characters: such columns fit a 1400 px window (shots s21/02, 04)


def test_results_shows_the_calibration_table_before_and_after(app, seeded_comparison):
    comparison = corrected(seeded_comparison)
    view = _open(app, comparison, "pages/results.py")
    view.widget("selectbox", "Strategy").set_value("random_under")
    view.run()
    cal = strategy_calibration(comparison, "random_under")
    shown = _table_with(view, "reliability")
    want = cal.table()
    assert list(shown.columns) == [
        "class", "brier", "reliability", "resolution", "uncertainty", "within_bin", "ece",
        "brier_before", "reliability_before",
    ]  # fmt: skip
    assert list(shown["class"]) == list(comparison.classes)
    for col in shown.columns[1:]:
        assert list(shown[col]) == list(want[col]), col
    captions = " ".join(c.value for c in view.at.caption)
    assert f"Log loss {cal.log_loss:.4f} ({cal.before.log_loss:.4f} before correction)" in captions
    assert "10 equal-width bins of the predicted probability" in captions
    assert "ece_bins" not in captions and CORRECTION in captions
    names = [t.get("name", "") for s in view.plotly_specs() for t in s["data"]]
    assert any(n.endswith(", before correction") for n in names)


def test_results_without_a_correction_has_no_before_columns(app, seeded_comparison):
    view = _open(app, seeded_comparison, "pages/results.py")
    view.widget("selectbox", "Strategy").set_value("baseline")
    view.run()
    shown = _table_with(view, "reliability")
    assert "brier_before" not in shown.columns
    want = strategy_calibration(seeded_comparison, "baseline").per_class
    assert list(shown["brier"]) == list(want["brier"])
    names = [t.get("name", "") for s in view.plotly_specs() for t in s["data"]]
    assert not any("before correction" in n for n in names)


def test_compare_shows_the_calibration_of_every_strategy(app, seeded_comparison):
    comparison = corrected(seeded_comparison)
    view = _open(app, comparison, "pages/compare.py")
    shown = _table_with(view, "log_loss")
    want = calibration_comparison(comparison, comparison.important_class)
    assert list(shown["strategy"]) == list(want["strategy"])
    for col in ("brier", "reliability", "ece", "log_loss", "brier_corrected"):
        pd.testing.assert_series_equal(shown[col], want[col], check_names=False)
    assert list(shown["correction"]) == list(want["correction"])
    assert any(
        "How honest each strategy's own probabilities are" in c.value for c in view.at.caption
    )


def test_results_calibration_headers_are_short_and_the_full_words_in_their_help(
    app, seeded_comparison
):
    """Nine columns fit a 1400 px window: short headers, the full words in each one's help."""
    view = _open(app, corrected(seeded_comparison), "pages/results.py")
    view.widget("selectbox", "Strategy").set_value("random_under")
    view.run()
    config, _ = _config_with(view, "reliability")
    labels = {c: config[c]["label"] for c in config if c != "_index"}
    assert labels == {
        "class": "Class",
        "brier": "Brier",
        "reliability": "Reliability",
        "resolution": "Resolution",
        "uncertainty": "Uncertainty",
        "within_bin": "Within-bin",
        "ece": "ECE",
        "brier_before": "Brier before",
        "reliability_before": "Reliability before",
    }
    assert all(len(label) <= SHORT_HEADER for label in labels.values())
    assert config["brier"]["help"].startswith("Brier score, after correction. ")
    assert config["reliability"]["help"].startswith(
        "Reliability (miscalibration), after correction"
    )
    assert config["within_bin"]["help"].startswith("Within-bin part, after correction. ")
    assert config["ece"]["help"].startswith("Expected calibration error (ECE), after correction")
    assert config["brier_before"]["help"].startswith("Brier score before correction: ")
    captions = " ".join(c.value for c in view.at.caption)
    assert "The table's other columns score the corrected probabilities" in captions


def test_results_calibration_without_a_correction_says_nothing_of_one(app, seeded_comparison):
    view = _open(app, seeded_comparison, "pages/results.py")
    view.widget("selectbox", "Strategy").set_value("baseline")
    view.run()
    config, _ = _config_with(view, "reliability")
    assert config["brier"]["label"] == "Brier"
    assert config["brier"]["help"].startswith("Brier score. ")
    assert not any("correction" in c.get("help", "") for c in config.values())


def test_compare_calibration_headers_are_short_and_the_corrections_listed_below(
    app, seeded_comparison
):
    comparison = corrected(seeded_comparison)
    view = _open(app, comparison, "pages/compare.py")
    config, order = _config_with(view, "log_loss")
    important = comparison.important_class
    assert order == [
        "strategy",
        "brier",
        "reliability",
        "ece",
        "log_loss",
        "brier_corrected",
        "reliability_corrected",
    ]  # fmt: skip  (the correction's words are under the table)
    labels = {c: config[c]["label"] for c in order}
    assert labels["brier"] == "Brier" and labels["ece"] == "ECE"
    assert labels["brier_corrected"] == "Brier, corrected"
    assert all(len(label) <= SHORT_HEADER for label in labels.values())
    assert config["brier"]["help"].startswith(f"Brier score of '{important}'. ")
    assert config["reliability_corrected"]["help"].startswith(
        f"Reliability (miscalibration) of '{important}' after correction. "
    )
    assert config["log_loss"]["help"].startswith("Log loss. ")
    captions = [c.value for c in view.at.caption]
    assert f"Correction of **random_under**: {CORRECTION}." in captions
