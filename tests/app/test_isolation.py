"""Sessions stay apart: each browser session sees only its own dataset and results, while
saved runs are the team's shared workspace. Plus static checks of the code that serves them:
no user text through unsafe_allow_html, nothing user-specific in module globals or
cache_resource, nothing uploaded unpickled or executed, and the server's security settings."""

from __future__ import annotations

import ast
import tomllib
from pathlib import Path

import pytest
import streamlit as st
from streamlit.config import ShowErrorDetailsConfigOptions

from core.runs.store import RunStore
from ui import state

ROOT = Path(__file__).resolve().parents[2]
RUNS_PAGE = "pages/runs.py"


@pytest.fixture(autouse=True)
def runs_page_in_navigation(monkeypatch) -> None:
    """app.py gets the Runs page from the lead; until then add it as that line will."""
    navigation = st.navigation

    def with_runs(pages, *args, **kwargs):
        if isinstance(pages, list) and not any(p.url_path == "runs" for p in pages):
            pages = [*pages, st.Page(RUNS_PAGE, title="Runs", icon=":material/history:")]
        return navigation(pages, *args, **kwargs)

    monkeypatch.setattr(st, "navigation", with_runs)


def _start_run(app, strategies: list[str]) -> None:
    app.at.switch_page("pages/strategies.py")
    app.run()
    app.widget("multiselect", "Strategies").set_value(strategies)
    app.widget("number_input", "Folds").set_value(2)
    app.run()
    app.widget("button", "Run comparison").click()


def _compare_strategies(app) -> list[str]:
    app.at.switch_page("pages/compare.py")
    app.run()
    tables = [df.value for df in app.at.dataframe if "strategy" in df.value.columns]
    return tables[0]["strategy"].tolist()


def _results_caption(app) -> str:
    app.at.switch_page("pages/results.py")
    app.run()
    return next(c.value for c in app.at.caption if c.value.startswith("Pooled out-of-fold"))


@pytest.mark.slow
def test_two_sessions_at_once_never_see_each_others_data_or_results(open_app, churn_csv, runs_home):
    a, b = open_app(), open_app()
    a.upload("churners.csv", churn_csv)
    b.use_sample("machine_states.csv")
    _start_run(a, ["baseline"])  # interleaved, as two users working at the same time
    _start_run(b, ["baseline", "class_weight"])
    a.run()
    b.run()

    assert a.dataset.name == "churners.csv" and a.dataset.target == ("churn",)
    assert b.dataset.name == "machine_states.csv" and b.dataset.target == ("state",)
    ca, cb = a.at.session_state[state.COMPARISON], b.at.session_state[state.COMPARISON]
    assert (ca.dataset.name, list(ca.results)) == ("churners.csv", ["baseline"])
    assert (cb.dataset.name, list(cb.results)) == (
        "machine_states.csv",
        ["baseline", "class_weight"],
    )
    assert _compare_strategies(a) == ["baseline"]
    assert _compare_strategies(b) == ["baseline", "class_weight"]
    assert "every one of the 300 rows" in _results_caption(a)
    assert "every one of the 3,000 rows" in _results_caption(b)
    assert a.at.session_state[state.RUN_ID] != b.at.session_state[state.RUN_ID]

    # Saved runs are shared: both sessions list both runs ...
    run_a, run_b = a.at.session_state[state.RUN_ID], b.at.session_state[state.RUN_ID]
    assert set(RunStore(runs_home).list()["id"]) == {run_a, run_b}
    for session in (a, b):
        session.at.switch_page(RUNS_PAGE)
        session.run()
        assert {o.rsplit(" · ", 1)[1] for o in session.widget("selectbox", "Run").options} == {
            run_a,
            run_b,
        }
    # ... and opening the other's run changes only the session that opens it.
    a.widget("selectbox", "Run").set_value(run_b)
    a.widget("button", "Open run").click()
    a.run()
    b.run()
    assert a.at.session_state[state.COMPARISON].dataset.name == "machine_states.csv"
    assert a.dataset.name == "machine_states.csv"
    assert b.at.session_state[state.COMPARISON] is cb
    assert b.at.session_state[state.RUN_ID] == run_b
    assert b.dataset.name == "machine_states.csv"
    a.at.switch_page("pages/data.py")
    a.run().use_sample("card_fraud.csv")
    b.run()
    assert b.dataset.name == "machine_states.csv"
    assert b.at.session_state[state.COMPARISON] is cb

    third = open_app()  # a new visitor: the default sample, no results
    assert third.dataset.name == "card_fraud.csv"
    assert third.at.session_state[state.COMPARISON] is None
    assert third.at.session_state[state.RAW_BYTES] != churn_csv


# --------------------------------------------------------------------------- static checks

SERVED = sorted([ROOT / "app.py", *(ROOT / "pages").glob("*.py"), *(ROOT / "ui").glob("*.py")])
IMPORTED_ONCE = sorted((ROOT / "ui").glob("*.py"))  # modules: their globals outlive a session
EVERYTHING = sorted([*SERVED, *(ROOT / "core").rglob("*.py")])
MUTATORS = {"append", "extend", "insert", "add", "update", "setdefault", "pop", "popitem",
            "clear", "remove", "discard", "__setitem__", "move_to_end"}  # fmt: skip
MUTABLE_FACTORIES = {"list", "dict", "set", "OrderedDict", "defaultdict", "deque", "Counter"}
UNSAFE_IMPORTS = {"pickle", "cPickle", "dill", "cloudpickle", "marshal", "shelve"}
UNSAFE_CALLS = {"eval", "exec", "__import__", "read_pickle", "to_pickle", "run_path"}
UNSAFE_LOADS = {"joblib.load", "np.load", "numpy.load", "torch.load"}


def _name(node: ast.AST) -> str:
    if isinstance(node, ast.Attribute):
        return f"{_name(node.value)}.{node.attr}"
    return node.id if isinstance(node, ast.Name) else ""


def unsafe_html(tree: ast.Module) -> list[int]:
    """Lines calling something with unsafe_allow_html and text that is not a constant."""
    found = []
    for node in ast.walk(tree):
        for kw in node.keywords if isinstance(node, ast.Call) else []:
            if kw.arg != "unsafe_allow_html":
                continue
            off = isinstance(kw.value, ast.Constant) and kw.value.value is False
            constant = all(
                isinstance(a, ast.Constant) and isinstance(a.value, str) for a in node.args
            )
            if not (off or constant):
                found.append(node.lineno)
    return found


def cache_resource(tree: ast.Module) -> list[int]:
    """Lines using st.cache_resource (one object for every session)."""
    return [
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute)
        and node.attr in ("cache_resource", "experimental_singleton")
    ]


def module_state(tree: ast.Module) -> list[int]:
    """Lines with ``global`` or changing a module-level list/dict/set."""
    mutable = set()
    for node in tree.body:
        targets = node.targets if isinstance(node, ast.Assign) else []
        if isinstance(node, ast.AnnAssign) and node.value is not None:
            targets = [node.target]
        value = getattr(node, "value", None)
        if isinstance(value, ast.List | ast.Dict | ast.Set) or (
            isinstance(value, ast.Call) and _name(value.func).split(".")[-1] in MUTABLE_FACTORIES
        ):
            mutable |= {t.id for t in targets if isinstance(t, ast.Name)}
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Global):
            found.append(node.lineno)
        calls = isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
        if calls and _name(node.func.value) in mutable and node.func.attr in MUTATORS:
            found.append(node.lineno)
        if isinstance(node, ast.Assign | ast.AugAssign | ast.Delete):
            targets = node.target if isinstance(node, ast.AugAssign) else node.targets
            for target in targets if isinstance(targets, list) else [targets]:
                if isinstance(target, ast.Subscript) and _name(target.value) in mutable:
                    found.append(node.lineno)
    return found


def unsafe_code(tree: ast.Module) -> list[int]:
    """Lines importing pickle & co, calling eval/exec/read_pickle/..., or allow_pickle."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import | ast.ImportFrom):
            modules = [a.name for a in node.names]
            if isinstance(node, ast.ImportFrom):
                modules.append(node.module or "")
            if {m.split(".")[0] for m in modules} & UNSAFE_IMPORTS:
                found.append(node.lineno)
        if isinstance(node, ast.Call):
            name = _name(node.func)
            if name.split(".")[-1] in UNSAFE_CALLS or name in UNSAFE_LOADS:
                found.append(node.lineno)
            if any(kw.arg == "allow_pickle" for kw in node.keywords):
                found.append(node.lineno)
    return found


def _tree(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def _ids(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


@pytest.mark.parametrize("path", SERVED, ids=_ids)
def test_no_user_text_goes_through_unsafe_allow_html(path):
    assert unsafe_html(_tree(path)) == []


@pytest.mark.parametrize("path", SERVED, ids=_ids)
def test_nothing_is_kept_in_cache_resource(path):
    """cache_resource objects are shared by every session, so none may hold user data. The
    run store is created per call (it holds only its folder): no cache_resource needed."""
    assert cache_resource(_tree(path)) == []


@pytest.mark.parametrize("path", IMPORTED_ONCE, ids=_ids)
def test_no_module_level_mutable_state(path):
    """ui/ modules are imported once per server: a global they change is shared by users."""
    assert module_state(_tree(path)) == []


@pytest.mark.parametrize("path", EVERYTHING, ids=_ids)
def test_nothing_uploaded_is_unpickled_or_executed(path):
    assert unsafe_code(_tree(path)) == []


def test_the_static_checks_catch_what_they_look_for():
    bad = ast.parse(
        "import pickle\n"
        "from streamlit import cache_resource\n"
        "CACHE = {}\n"
        "SEEN = []\n"
        "st.markdown(f'<b>{name}</b>', unsafe_allow_html=True)\n"
        "st.markdown('<b>ok</b>', unsafe_allow_html=True)\n"
        "@st.cache_resource\n"
        "def store(): return {}\n"
        "def remember(key, value):\n"
        "    global LAST\n"
        "    CACHE[key] = value\n"
        "    SEEN.append(key)\n"
        "    return pd.read_pickle(value), np.load(value, allow_pickle=True), eval(key)\n"
    )
    assert unsafe_html(bad) == [5]
    assert cache_resource(bad) == [7]
    assert module_state(bad) == [10, 11, 12]
    assert unsafe_code(bad) == [1, 13, 13, 13, 13]


def test_server_settings_cap_uploads_keep_xsrf_and_hide_tracebacks():
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert config["server"]["maxUploadSize"] == 200
    assert config["server"]["enableXsrfProtection"] is True
    assert config["server"].get("enableCORS", True) is True
    shown = config["client"]["showErrorDetails"]
    assert shown == ShowErrorDetailsConfigOptions.NONE.value  # no type, message or traceback
    assert config["client"]["toolbarMode"] == "viewer"
    assert config["browser"]["gatherUsageStats"] is False
    from core.intake.reader import MAX_BYTES

    assert config["server"]["maxUploadSize"] * 1024**2 == MAX_BYTES
