"""Findings say how to read them, and a finding muted on the Data page ("Mute findings")
disappears there and on Compare, and stays muted when the user comes back (issue 13)."""

from __future__ import annotations

from core.profile.pitfalls import HOW_TO_READ
from ui import state

MUTED = "severe_imbalance"  # the default sample (card fraud) is severely imbalanced


def _captions(view) -> list[str]:
    return [c.value for c in view.at.caption]


def _titles(view) -> list[str]:
    return [title for _, title in view.findings()]


def test_each_pitfall_says_how_to_read_it(app, default_sample, oracle):
    _, prof = default_sample
    assert app.findings() == oracle.findings(prof)
    captions = _captions(app)
    for f in prof.findings:
        assert f"How to read it: {f.how_to_read} `{f.code}`" in captions
    assert not any("muted finding" in c for c in captions)


def test_a_muted_finding_disappears_and_comes_back(app, default_sample, oracle):
    _, prof = default_sample
    severe = next(f for f in prof.findings if f.code == MUTED)
    app.widget("multiselect", "Mute findings").set_value([MUTED])
    app.run()
    assert app.at.session_state[state.MUTED_FINDINGS] == [MUTED]
    rest = [item for item in oracle.findings(prof) if item[1] != severe.title]
    assert app.findings() == rest
    assert f"How to read it: {HOW_TO_READ[MUTED]} `{MUTED}`" not in _captions(app)
    assert "1 muted finding not shown (**Data** page, Mute findings)." in _captions(app)
    app.widget("multiselect", "Mute findings").set_value([])
    app.run()
    assert app.findings() == oracle.findings(prof)


def test_compare_honours_the_mute_and_it_is_remembered(seeded_app, default_sample):
    _, prof = default_sample
    severe = next(f for f in prof.findings if f.code == MUTED)
    seeded_app.at.switch_page("pages/compare.py")
    seeded_app.run()
    assert not seeded_app.at.exception
    assert severe.title in _titles(seeded_app)  # a data pitfall no cause covers
    seeded_app.at.switch_page("pages/data.py")
    seeded_app.run()
    seeded_app.widget("multiselect", "Mute findings").set_value([MUTED])
    seeded_app.run()
    seeded_app.at.switch_page("pages/compare.py")
    seeded_app.run()
    assert not seeded_app.at.exception
    assert severe.title not in _titles(seeded_app)
    seeded_app.at.switch_page("pages/data.py")
    seeded_app.run()  # back: still muted
    assert severe.title not in _titles(seeded_app)
    assert seeded_app.widget("multiselect", "Mute findings").value == [MUTED]
