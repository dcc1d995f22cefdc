"""The Diagnosis page: the verdict box in the colour of its strength, the causes in core's
rank order, muting, and a finished comparison landing on it."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from core.analysis.diagnosis import diagnose
from core.analysis.recommendation import recommendation_of
from core.evaluation.comparison import CompareConfig, run_comparison
from core.evaluation.diagnostic_fits import diagnostic_fits
from core.intake.dataset import load_dataset
from core.report.diagnosis import CAUSE_VERDICT_TITLES, verdict_kind, verdict_line
from ui import state

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "data"))
from one_model import one_model_comparison

PAGE = "pages/diagnosis.py"
KINDS = ("success", "info", "warning", "error")


def _open(view) -> None:
    view.at.switch_page(PAGE)
    view.run()


def _boxes(view) -> dict[str, list[str]]:
    return {kind: [el.value for el in getattr(view.at, kind)] for kind in KINDS}


def _causes_shown(view) -> list[str]:
    return [e.label for e in view.at.expander]


@pytest.fixture(scope="module")
def expected(default_sample, seeded_comparison):
    """What core says the page should show for the seeded comparison."""
    ds, prof = default_sample
    cls = seeded_comparison.important_class
    fits = diagnostic_fits(ds, seeded_comparison.config, important_class=cls)
    found = diagnose(seeded_comparison, profile=prof, dataset=ds, fits=fits)
    return recommendation_of(seeded_comparison), found


def test_without_a_comparison_the_page_says_what_to_do(app):
    _open(app)
    assert app.at.title[0].value == "Diagnosis"
    assert [i.value for i in app.at.info][0].startswith("No comparison yet")


def test_the_verdict_box_has_the_colour_of_the_verdict(seeded_app, expected):
    rec, _ = expected
    _open(seeded_app)
    boxes = _boxes(seeded_app)
    kind = verdict_kind(rec.verdict)
    line = f"**{verdict_line(rec)}** {rec.reason}"
    assert boxes[kind][0] == line  # the page opens with it
    assert [k for k in KINDS if line in boxes[k]] == [kind]
    if rec.verdict != "clear_winner":
        assert boxes["success"] == []  # green only for a clear winner
    assert boxes["error"] == []


def test_the_causes_are_listed_in_core_rank_order(seeded_app, expected):
    _, found = expected
    _open(seeded_app)
    titles = [f"{c.title} — {CAUSE_VERDICT_TITLES[c.verdict]}" for c in found.causes]
    assert _causes_shown(seeded_app) == titles
    verdicts = [c.verdict for c in found.causes]
    assert verdicts == sorted(verdicts, key=("yes", "unclear", "no").index)
    ids = [c.value for c in seeded_app.at.caption if c.value.startswith("`")]
    assert [i.split("`")[1] for i in ids] == [c.id for c in found.causes]
    # the next steps are the suggestions of the causes found, in their order
    steps = [m.value for m in seeded_app.at.markdown if m.value.startswith("1. ")]
    wanted = [c.suggestion for c in found.causes if c.verdict == "yes"]
    if wanted:
        assert steps == ["\n".join(f"{i}. {s}" for i, s in enumerate(wanted, 1))]


def test_the_fits_run_once_per_session(seeded_app, seeded_comparison):
    _open(seeded_app)
    cache = seeded_app.at.session_state[state.FITS_CACHE]
    assert len(cache) == 1
    (fits,) = cache.values()
    assert fits.learning_curve.class_name == seeded_comparison.important_class
    seeded_app.run()
    (again,) = seeded_app.at.session_state[state.FITS_CACHE].values()
    assert again is fits


def test_muting_a_cause_hides_it_and_is_remembered(seeded_app, expected):
    _, found = expected
    _open(seeded_app)
    first = found.causes[0]
    seeded_app.widget("multiselect", "Mute causes").set_value([first.id])
    seeded_app.run()
    rest = [f"{c.title} — {CAUSE_VERDICT_TITLES[c.verdict]}" for c in found.causes[1:]]
    assert _causes_shown(seeded_app) == rest
    assert seeded_app.at.session_state[state.MUTED_CAUSES] == [first.id]
    seeded_app.at.switch_page("pages/compare.py")
    seeded_app.run()
    _open(seeded_app)  # back: still muted
    assert _causes_shown(seeded_app) == rest
    assert seeded_app.widget("multiselect", "Mute causes").value == [first.id]


def test_compare_shows_each_cause_found_once(seeded_app, expected):
    _, found = expected
    _open(seeded_app)  # the fits are made here; Compare reuses them
    seeded_app.at.switch_page("pages/compare.py")
    seeded_app.run()
    said = [el.value for kind in ("warning", "info") for el in getattr(seeded_app.at, kind)]
    for cause in found.found:
        assert sum(text.startswith(f"**{cause.title}.**") for text in said) == 1, said


def test_a_finished_comparison_lands_on_diagnosis(app):
    app.at.switch_page("pages/strategies.py")
    app.run()
    app.widget("multiselect", "Strategies").set_value(["baseline", "class_weight"])
    app.widget("number_input", "Folds").set_value(3)
    app.run()
    app.widget("button", "Run comparison").click()
    app.run()
    assert app.at.title[0].value == "Diagnosis"
    captions = [c.value for c in app.at.caption]
    assert any("Compared 2 strategies on 3 folds." in c for c in captions), captions
    comparison = app.at.session_state[state.COMPARISON]
    rec = recommendation_of(comparison)
    shown = _boxes(app)[verdict_kind(rec.verdict)]
    assert shown and shown[0].startswith(f"**{verdict_line(rec)}**")
    app.run()  # said once, where the run landed
    assert not any("Compared 2 strategies" in c.value for c in app.at.caption)


def test_noise_gets_an_amber_no_skill_verdict(app):
    rng = np.random.default_rng(11)
    n = 600
    frame = pd.DataFrame(rng.normal(size=(n, 8)), columns=[f"x{i}" for i in range(8)])
    frame["label"] = np.where(rng.random(n) < 0.15, "rare", "common")
    ds = load_dataset(frame.to_csv(index=False).encode(), "label", name="noise.csv")
    config = CompareConfig(strategies=("baseline", "class_weight"), cv=3, seed=0, n_jobs=1)
    comparison = run_comparison(ds, config)
    rec = recommendation_of(comparison)
    assert rec.verdict == "no_skill" and rec.strategy is None
    app.at.session_state[state.COMPARISON] = comparison
    app.at.session_state[state.CONFIG] = config
    _open(app)
    boxes = _boxes(app)
    assert boxes["warning"][0] == f"**{verdict_line(rec)}** {rec.reason}"
    assert boxes["success"] == [] and boxes["error"] == []
    # the loaded file is not the compared one: the fits are skipped and the page says why
    assert any("Some causes stay unclear" in c.value for c in app.at.caption)


@pytest.mark.slow
@pytest.mark.parametrize(
    ("file_name", "strategies"),
    [
        ("machine_states.csv", ("baseline", "class_weight", "random_over")),
        ("support_tickets.csv", ("baseline", "class_weight")),
    ],
)
def test_multiclass_and_multilabel_runs_get_their_diagnosis(
    open_app, oracle, file_name, strategies
):
    ds, prof = oracle.sample(file_name)
    comparison = run_comparison(ds, CompareConfig(strategies=strategies, cv=3, seed=0, n_jobs=1))
    view = open_app().use_sample(file_name)
    view.at.session_state[state.COMPARISON] = comparison
    _open(view)
    assert not view.at.exception and view.errors() == []
    cls = comparison.important_class
    fits = diagnostic_fits(ds, comparison.config, important_class=cls)
    found = diagnose(comparison, profile=prof, dataset=ds, fits=fits)
    titles = [f"{c.title} — {CAUSE_VERDICT_TITLES[c.verdict]}" for c in found.causes]
    assert _causes_shown(view) == titles
    rec = recommendation_of(comparison)
    assert _boxes(view)[verdict_kind(rec.verdict)][0] == f"**{verdict_line(rec)}** {rec.reason}"
    specs = view.plotly_specs()
    drawn = [s["layout"]["title"]["text"] for s in specs]
    if fits.learning_curve is not None:
        assert f"Learning curve of '{cls}' (baseline)" in drawn


def test_repeats_and_smote_k_from_the_strategies_page_reach_the_run(app):
    app.at.switch_page("pages/strategies.py")
    app.run()
    app.widget("multiselect", "Strategies").set_value(["baseline", "smote"])
    app.widget("number_input", "Folds").set_value(3)
    app.run()
    app.widget("number_input", "Repeats").set_value(2)
    app.widget("number_input", "SMOTE neighbours (k)").set_value(3)
    app.run()
    app.widget("button", "Run comparison").click()
    app.run()
    assert app.at.title[0].value == "Diagnosis"
    captions = [c.value for c in app.at.caption]
    assert any(
        "Compared 2 strategies on 2 repeats × 3 folds (the same folds for every strategy)" in c
        for c in captions
    ), captions
    comparison = app.at.session_state[state.COMPARISON]
    assert comparison.config.repeats == 2 and comparison.config.options.k_neighbors == 3
    assert len(comparison.results["smote"].repeat_scores) == 3
    assert recommendation_of(comparison).evidence["paired_fold_scores"] == 6


def test_predictions_show_the_paired_evidence_and_words(app):
    """A predictions file: the verdict's paired bootstrap and McNemar, not a fold test;
    evidence and the mute list in words."""
    from core.analysis.diagnosis import CAUSE_TITLES
    from core.analysis.paired import verdict_pairs

    c = one_model_comparison(200, seed=0, strength=1.0)
    app.at.session_state[state.COMPARISON] = c
    app.at.session_state[state.CONFIG] = c.config
    _open(app)
    assert not app.at.exception
    said = " ".join(m.value for m in app.at.markdown)
    assert "paired bootstrap of the difference in F1" in said and "McNemar" in said
    assert "P(better)" not in said and "nan" not in said
    rec = recommendation_of(c)
    pairs = app.at.dataframe[0].value
    assert list(pairs["entry"]) == [r.entry for r in verdict_pairs(c, rec)]
    assert "source: threshold_tuning" not in said and "inner folds" not in said
    assert "F1 at the default decision" in said and "f1 default" not in said
    mute = app.widget("multiselect", "Mute causes")
    assert list(mute.options) == [CAUSE_TITLES[i] for i in CAUSE_TITLES]
