"""ui.cache: one bounded LRU per-session cache and one cache key; ui.state: every session key
named once. Checked by running small scripts in AppTest (a real session state), against core."""

from __future__ import annotations

import ast
from collections import OrderedDict
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from core.analysis.details import strategy_details
from core.analysis.sides import sides
from core.evaluation.comparison import CompareConfig, run_comparison
from core.intake.dataset import load_dataset
from ui import state
from ui.cache import SessionCache, cache_key

ROOT = Path(__file__).resolve().parents[2]
UNDER_TEST = "lru_under_test"  # the session key of the cache these tests drive
TIMEOUT_S = 60
_KEY_NAMES = {
    "RAW", "RAW_BYTES", "SOURCE", "TARGET", "DATASET", "PROFILE", "SAMPLE_ROWS", "UPLOAD_HASH",
    "UPLOAD_ERROR", "LOADS", "COMPARISON", "CONFIG", "RUN_ID", "CANCELLED", "COMPARISON_CACHE",
    "DETAILS_CACHE", "SIDES_CACHE", "SEARCH_CACHE", "LAST_SEARCH", "REPORT_CACHE",
    "RUNS_COMPARED", "RUNS_FLASH", "FITS_CACHE", "MUTED_CAUSES", "RUN_FLASH", "MUTED_FINDINGS",
    "MODE", "PRED_RAW", "PRED_BYTES", "PRED_SOURCE", "PRED_CHOICE", "PRED_UPLOAD_HASH",
    "PRED_UPLOAD_ERROR", "PRED_LOADS", "DEPLOY_SHARES",
}  # fmt: skip
_KEY_VALUES = {getattr(state, name) for name in _KEY_NAMES}
NOT_KEYS = {"DEFAULT_SAMPLE", "MODE_DATA", "MODE_PREDICTIONS"}  # values, not keys
TIMINGS = [
    "fit_seconds",
    "predict_seconds",
]  # the only columns two equal runs differ in  # the other str constants of ui.state


def _run_script(script, *args) -> AppTest:
    at = AppTest.from_function(script, args=args, default_timeout=TIMEOUT_S)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


# --------------------------------------------------------------------------- SessionCache


def _drive_lru(name: str, log: list) -> None:
    from ui.cache import SessionCache

    cache = SessionCache(name, max_entries=3)
    for key in ("a", "b", "c"):
        cache.put(key, key.upper())
    log.append(("after a, b, c", cache.keys()))
    log.append(("get a", cache.get("a")))  # a hit: a is now the most recent
    cache.put("d", "D")  # one too many: the oldest (b) goes
    log.append(("after d", cache.keys()))
    log.append(("get b", cache.get("b", "gone")))
    calls = []
    log.append(("cached c", cache.get_or_compute("c", lambda: calls.append("c") or "new c")))
    log.append(("computed e", cache.get_or_compute("e", lambda: calls.append("e") or "E")))
    log.append(("after e", cache.keys()))
    log.append(("calls", calls))
    log.append(("contains a", "a" in cache))
    cache.put("d", "D2")  # a put of a cached key replaces it and makes it the most recent
    log.append(("after d again", cache.keys()))


def test_session_cache_is_lru_and_bounded():
    log: list = []
    at = _run_script(_drive_lru, UNDER_TEST, log)
    assert dict(log) == {
        "after a, b, c": ["a", "b", "c"],
        "get a": "A",
        "after d": ["c", "a", "d"],
        "get b": "gone",
        "cached c": "C",  # not recomputed
        "computed e": "E",
        "after e": ["d", "c", "e"],  # c was used after a and d, so a went first
        "calls": ["e"],
        "contains a": False,
        "after d again": ["c", "e", "d"],
    }
    entries = at.session_state[UNDER_TEST]  # the entries live in the session, nowhere else
    assert isinstance(entries, OrderedDict)
    assert list(entries.items()) == [("c", "C"), ("e", "E"), ("d", "D2")]


def test_each_session_has_its_own_entries():
    first, second = [], []
    at_first = _run_script(_drive_lru, UNDER_TEST, first)
    at_second = _run_script(_drive_lru, UNDER_TEST, second)
    assert at_first.session_state[UNDER_TEST] is not at_second.session_state[UNDER_TEST]
    assert first == second


def test_a_cache_needs_room_for_one_entry():
    with pytest.raises(ValueError, match="max_entries must be at least 1; got 0"):
        SessionCache(UNDER_TEST, max_entries=0)


# --------------------------------------------------------------------------- cache_key


def test_cache_key_keeps_every_part_apart(datasets):
    ds = datasets["multilabel"]
    config = CompareConfig(strategies=("baseline",), cv=3)
    key = cache_key(ds, config, "details", "baseline")
    assert key == (ds.content_hash, ("alpha", "beta", "gamma"), None, repr(config), "details",
                   "baseline")  # fmt: skip
    hash(key)
    joined = cache_key(_Data("h", ("a|b",), None))
    split = cache_key(_Data("h", ("a", "b"), None))
    assert joined != split  # a joined string made these two one key
    assert cache_key(_Data("h", ("t",), "|")) != cache_key(_Data("h", ("t",), ";"))
    assert cache_key(_Data("h", ("t",), None)) != cache_key(
        _Data("h#sample-100-seed0", ("t",), None)
    )
    assert cache_key(ds, config) != cache_key(ds, CompareConfig(strategies=("baseline",), cv=4))
    assert cache_key(None, None, "run-a", "run-b") == (None, None, None, None, "run-a", "run-b")


class _Data:
    def __init__(self, content_hash: str, target: tuple[str, ...], label_sep: str | None):
        self.content_hash, self.target, self.label_sep = content_hash, target, label_sep


# --------------------------------------------------------- label separator: never shared


@pytest.fixture(scope="module")
def by_separator() -> dict:
    """One file, one target column, one config; '|' as label separator or none at all."""
    rng = np.random.default_rng(0)
    n = 150
    frame = pd.DataFrame(
        {
            "x1": rng.normal(size=n).round(3),
            "x2": rng.normal(size=n).round(3),
            "tags": np.array(["a|b", "a", "b", "c", "a|c"])[np.arange(n) % 5],
        }
    )
    data = frame.to_csv(index=False).encode("utf-8")
    config = CompareConfig(strategies=("baseline",), cv=3, seed=0, n_jobs=1)
    out = {}
    for sep in ("|", None):
        ds = load_dataset(data, "tags", label_sep=sep, name="tags.csv")
        out[sep] = (ds, config, run_comparison(ds, config))
    return out


def _details_and_sides(by_separator: dict, log: list) -> None:
    from ui import results, tradeoffs, views

    for sep in ("|", None):
        ds, config, _ = by_separator[sep]
        comparison = results.run(ds, config)  # through the app's comparison cache
        log.append((sep, comparison, views.details(comparison, "baseline"),
                    tradeoffs.cached_sides(comparison, "a")))  # fmt: skip


def test_comparisons_differing_only_by_label_separator_share_no_cached_result(by_separator):
    (ds_pipe, _, _), (ds_none, _, _) = by_separator["|"], by_separator[None]
    assert ds_pipe.content_hash == ds_none.content_hash and ds_pipe.target == ds_none.target
    assert (ds_pipe.task, ds_none.task) == ("multilabel", "multiclass")
    log: list = []
    at = _run_script(_details_and_sides, by_separator, log)
    shown = {sep: (comparison, det, both) for sep, comparison, det, both in log}
    for sep, (comparison, det, both) in shown.items():
        expected = by_separator[sep][2]
        assert comparison.dataset.label_sep == sep and comparison.task == expected.task
        pd.testing.assert_frame_equal(
            comparison.table().drop(columns=TIMINGS), expected.table().drop(columns=TIMINGS)
        )
        core_det = strategy_details(expected, "baseline")
        assert det.classes == core_det.classes == expected.classes
        assert det.average_precision == pytest.approx(core_det.average_precision)
        core_sides = sides(expected, "a")
        assert both.positive.positive_share == pytest.approx(core_sides.positive.positive_share)
        pd.testing.assert_frame_equal(both.table, core_sides.table)
    assert shown["|"][1].classes == ("a", "b", "c")
    assert shown[None][1].classes == ("a", "a|b", "a|c", "b", "c")
    assert shown["|"][2].positive.positive_share != shown[None][2].positive.positive_share
    for name in (state.COMPARISON_CACHE, state.DETAILS_CACHE, state.SIDES_CACHE):
        assert len(at.session_state[name]) == 2, name  # one entry per separator


# --------------------------------------------------------------------------- the registry

SERVED = sorted([ROOT / "app.py", *(ROOT / "pages").glob("*.py"), *(ROOT / "ui").glob("*.py")])
SESSION_METHODS = {"get", "setdefault", "pop", "__getitem__", "__setitem__", "__contains__"}


def _session_caches() -> dict[str, int]:
    """{session key: max_entries} of every ``SessionCache(state.KEY, max_entries=N)``."""
    found = {}
    for path in SERVED:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "SessionCache":
                name, bound = node.args[0], node.keywords[0].value
                assert isinstance(name, ast.Attribute) and name.value.id == "state", path
                key = getattr(state, name.attr)
                assert key not in found, f"two caches share the session key {key!r}"
                found[key] = bound.value
    return found


def test_every_cache_is_a_session_cache_under_its_own_key():
    caches = _session_caches()
    assert caches == {
        state.COMPARISON_CACHE: 6,
        state.DETAILS_CACHE: 24,
        state.SIDES_CACHE: 16,
        state.SEARCH_CACHE: 16,
        state.LAST_SEARCH: 32,
        state.REPORT_CACHE: 2,
        state.RUNS_COMPARED: 4,
        state.FITS_CACHE: 4,
    }


def _literal_session_keys(tree: ast.Module) -> list[int]:
    """Lines indexing st.session_state with a literal, or passing a literal widget key."""
    literal = (ast.Constant, ast.JoinedStr)
    found = []
    for node in ast.walk(tree):
        calls = isinstance(node, ast.Call)
        if calls and any(k.arg == "key" and isinstance(k.value, literal) for k in node.keywords):
            found.append(node.lineno)
            continue
        if isinstance(node, ast.Subscript):
            owner, key = node.value, node.slice
        elif calls and isinstance(node.func, ast.Attribute) and node.args:
            owner, key = node.func.value, node.args[0]
            if node.func.attr not in SESSION_METHODS:
                continue
        else:
            continue
        if ast.unparse(owner).endswith("session_state") and isinstance(key, literal):
            found.append(node.lineno)
    return found


@pytest.mark.parametrize("path", SERVED, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_session_keys_are_the_constants_of_ui_state(path):
    assert _literal_session_keys(ast.parse(path.read_text(encoding="utf-8"))) == []


@pytest.mark.parametrize(
    "path", sorted((ROOT / "tests" / "app").glob("*.py")), ids=lambda p: p.name
)
def test_app_tests_name_session_keys_by_their_constants(path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    literal = [
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.Subscript)
        and ast.unparse(node.value).endswith("session_state")
        and isinstance(node.slice, ast.Constant)
        and node.slice.value in _KEY_VALUES
    ]
    assert literal == []


def test_the_static_check_catches_literal_keys():
    bad = ast.parse(
        "st.session_state['comparison'] = None\n"
        "st.session_state.get('dataset')\n"
        "st.checkbox('x', key=f'on-{name}')\n"
        "st.session_state[state.DATASET]\n"
        "st.checkbox('y', key=state.widget_key('on', name))\n"
    )
    assert _literal_session_keys(bad) == [1, 2, 3]


def test_key_constants_are_distinct_and_data_keys_hold_the_sample_rows():
    constants = {k for k, v in vars(state).items() if k.isupper() and isinstance(v, str)}
    assert constants - NOT_KEYS == _KEY_NAMES  # a new key: add it to this list
    assert len(_KEY_VALUES) == len(_KEY_NAMES)  # no two constants name one key
    assert state.SAMPLE_ROWS in state.DATA_KEYS
    assert set(state.DATA_KEYS) == {state.RAW, state.RAW_BYTES, state.SOURCE, state.TARGET,
                                    state.DATASET, state.PROFILE, state.SAMPLE_ROWS}  # fmt: skip
    assert set(state.DATA_KEYS) <= set(state.DEFAULTS)
    assert state.widget_key("thr", "baseline", "yes") == "thr-baseline-yes"
    assert state.widget_key("deploy-share", "0a1b", 2) == "deploy-share-0a1b-2"


# --------------------------------------------------------------------------- pages only render

FITS = {"run_comparison", "run_search"}


def _fits(tree: ast.Module) -> list[str]:
    """What a module imports or calls of core's model-fitting entry points."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            found += [a.name for a in node.names if a.name in FITS]
        elif isinstance(node, ast.Attribute) and node.attr in FITS:
            found.append(node.attr)
        elif isinstance(node, ast.Name) and node.id in FITS:
            found.append(node.id)
    return found


@pytest.mark.parametrize("path", sorted((ROOT / "pages").glob("*.py")), ids=lambda p: p.name)
def test_pages_never_fit_a_model(path):
    """Pages render; comparisons and searches run through ui/ (ui.results, ui.tradeoffs)."""
    assert _fits(ast.parse(path.read_text(encoding="utf-8"))) == []


def test_the_fit_check_catches_imports_and_calls():
    bad = ast.parse(
        "from core.analysis.search import SearchConfig, run_search\n"
        "import core.evaluation.comparison as cmp\n"
        "cmp.run_comparison(ds, config)\n"
    )
    assert _fits(bad) == ["run_search", "run_comparison"]
    assert _fits(ast.parse((ROOT / "ui" / "tradeoffs.py").read_text(encoding="utf-8")))
