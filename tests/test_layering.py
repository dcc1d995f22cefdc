"""The shape of the house (docs/ARCHITECTURE.md), checked on every module of the tree:

- core/ computes and never imports streamlit; pages/, ui/ and app.py never import the
  modelling libraries;
- core/'s subpackages depend on each other in one direction only (``LAYERS``), with no
  import cycle between modules;
- every name is imported from the module that defines it (no re-export modules) and no
  private ``_name`` is imported from another module;
- no module is over ``MAX_LINES`` lines.
"""

from __future__ import annotations

import ast
import pkgutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

import core

ROOT = Path(__file__).resolve().parent.parent
MAX_LINES = 400

# Each subpackage may import only from the subpackages of a lower layer (and core.errors,
# core.tasks at the bottom). cli.py, api.py and __main__.py sit on top of everything.
LAYERS: dict[str, int] = {
    "errors": 0,
    "tasks": 0,
    "text": 0,
    "metrics": 1,
    "intake": 1,
    "profile": 2,
    "modelling": 2,
    "evaluation": 3,
    "analysis": 4,
    "plots": 4,
    "exports": 5,
    "runs": 5,
    "report": 6,
    "predictions_cli": 7,
    "cli": 8,
    "api": 7,
    "__main__": 9,
}


def _py_files(*folders: str) -> list[Path]:
    return sorted(p for f in folders for p in (ROOT / f).rglob("*.py"))


CORE_FILES = _py_files("core")
UI_FILES = [ROOT / "app.py", *_py_files("pages", "ui")]


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(path: Path, *, runtime_only: bool = False) -> Iterator[ast.Import | ast.ImportFrom]:
    """Every import statement of a file, at any depth (inside functions too)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    stack: list[ast.AST] = [tree]
    while stack:
        node = stack.pop()
        if runtime_only and isinstance(node, ast.If) and _is_type_checking(node):
            stack.extend(node.orelse)
            continue
        if isinstance(node, ast.Import | ast.ImportFrom):
            yield node
        stack.extend(ast.iter_child_nodes(node))


def _top_packages(path: Path) -> set[str]:
    names: set[str] = set()
    for node in _imports(path):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def _core_targets(path: Path, *, runtime_only: bool) -> set[str]:
    """Modules of core/ that a file imports (``from core.a import b`` counts core.a, and
    core.a.b when b is a module)."""
    targets: set[str] = set()
    for node in _imports(path, runtime_only=runtime_only):
        if isinstance(node, ast.Import):
            targets.update(a.name for a in node.names if a.name.startswith("core."))
        elif node.module and node.level == 0 and node.module.split(".")[0] == "core":
            targets.add(node.module)
            for alias in node.names:
                if f"{node.module}.{alias.name}" in ALL_MODULES:
                    targets.add(f"{node.module}.{alias.name}")
    return {t for t in targets if t != "core"}


# Thin aliases kept for the "Reproduce" scripts of reports made before core/ had subpackages;
# they warn on import, and nothing in the tree may import them.
DEPRECATED_ALIASES = {"core.data", "core.strategies"}
ALL_MODULES = {_module_name(p): p for p in CORE_FILES if _module_name(p) not in DEPRECATED_ALIASES}


def _definitions(path: Path) -> set[str]:
    """Names a module defines at its top level (functions, classes, assignments)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.Assign | ast.AnnAssign | ast.AugAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                names.update(n.id for n in ast.walk(target) if isinstance(n, ast.Name))
    return names


def _layer(module: str) -> str:
    return module.split(".")[1]


# --------------------------------------------------------------------------- computing vs drawing


def test_core_sources_never_import_streamlit():
    offenders = [str(p.relative_to(ROOT)) for p in CORE_FILES if "streamlit" in _top_packages(p)]
    assert offenders == []


def test_the_walk_reaches_nested_modules():
    # The checks below see every file of every subpackage, plots/ included.
    assert "core.plots.tradeoff" in ALL_MODULES
    assert "core.intake.dataset" in ALL_MODULES and "core.metrics.sweep" in ALL_MODULES


def test_importing_every_core_module_does_not_load_streamlit():
    modules = [
        m.name
        for m in pkgutil.walk_packages(core.__path__, "core.")
        if not m.name.endswith("__main__") and m.name not in DEPRECATED_ALIASES
    ]
    assert set(modules) >= {"core.intake.dataset", "core.plots.tradeoff", "core.report.document"}
    code = (
        "import importlib, sys\n"
        f"for m in {modules!r}: importlib.import_module(m)\n"
        "print('streamlit' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "False"


def test_pages_do_not_import_modelling_libraries():
    banned = {"sklearn", "imblearn", "optuna", "scipy"}
    offenders = {
        str(p.relative_to(ROOT)): sorted(_top_packages(p) & banned)
        for p in UI_FILES
        if _top_packages(p) & banned
    }
    assert offenders == {}


# --------------------------------------------------------------------------- one direction


def test_every_subpackage_has_a_layer():
    assert {_layer(m) for m in ALL_MODULES if m != "core"} <= set(LAYERS)


def test_subpackages_import_only_from_lower_layers():
    offenders = []
    for module, path in ALL_MODULES.items():
        if module == "core":
            continue
        mine = _layer(module)
        for target in _core_targets(path, runtime_only=True):
            theirs = _layer(target)
            if theirs != mine and LAYERS[theirs] >= LAYERS[mine]:
                offenders.append(f"{module} -> {target}")
    assert offenders == []


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def test_the_cycle_finder_finds_a_cycle():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_no_import_cycle_between_core_modules():
    # Imports inside functions count too: a lazy import that hides a cycle is still one.
    graph = {
        module: {t for t in _core_targets(path, runtime_only=True) if t in ALL_MODULES} - {module}
        for module, path in ALL_MODULES.items()
    }
    # A package's own __init__ importing its modules is its public face, not a cycle.
    for package in [m for m in ALL_MODULES if ALL_MODULES[m].name == "__init__.py"]:
        graph[package] = set()
    assert _cycles(graph) == []


# --------------------------------------------------------------------------- one owner per name


def test_names_are_imported_from_the_module_that_defines_them():
    definitions = {m: _definitions(p) for m, p in ALL_MODULES.items()}
    offenders = []
    for path in [*CORE_FILES, *UI_FILES, *_py_files("tests", "bench")]:
        for node in _imports(path):
            if not isinstance(node, ast.ImportFrom) or node.level or not node.module:
                continue
            if node.module not in definitions or ALL_MODULES[node.module].name == "__init__.py":
                continue  # not core, or a package's public face
            for alias in node.names:
                if alias.name not in definitions[node.module]:
                    where = path.relative_to(ROOT)
                    offenders.append(f"{where}: {alias.name} from {node.module}")
    assert offenders == []


def test_no_private_name_is_imported_from_another_module():
    offenders = []
    for path in [*CORE_FILES, *UI_FILES]:
        for node in _imports(path):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("core"):
                offenders += [
                    f"{path.relative_to(ROOT)}: {node.module}.{a.name}"
                    for a in node.names
                    if a.name.startswith("_") and not a.name.startswith("__")
                ]
    assert offenders == []


# --------------------------------------------------------------------------- size


@pytest.mark.parametrize("folder", ["core", "ui", "pages"])
def test_no_module_is_over_the_size_limit(folder):
    files = [*_py_files(folder), *([ROOT / "app.py"] if folder == "pages" else [])]
    long = {
        str(p.relative_to(ROOT)): n
        for p in files
        if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert long == {}


# --------------------------------------------------------------------------- deprecated aliases


def test_nothing_in_the_tree_imports_a_deprecated_alias():
    offenders = []
    for path in [*CORE_FILES, *UI_FILES, *_py_files("tests", "bench")]:
        for node in _imports(path):
            names = (
                [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else [node.module or ""]
            )
            offenders += [
                f"{path.relative_to(ROOT)}: {n}" for n in names if n in DEPRECATED_ALIASES
            ]
    assert offenders == []


@pytest.mark.parametrize(
    ("alias", "names", "owner"),
    [
        ("core.data", ["load_dataset"], "core.intake.dataset"),
        ("core.strategies", ["get_strategy"], "core.modelling.strategies"),
        ("core.strategies", ["StrategyOptions"], "core.modelling.options"),
    ],
)
def test_a_deprecated_alias_warns_and_gives_the_owners_objects(alias, names, owner):
    # An old report's reproduce script still runs, and is told where the names live now.
    code = (
        "import importlib, warnings\n"
        "with warnings.catch_warnings(record=True) as w:\n"
        "    warnings.simplefilter('always')\n"
        f"    alias = importlib.import_module({alias!r})\n"
        f"owner = importlib.import_module({owner!r})\n"
        f"print(all(getattr(alias, n) is getattr(owner, n) for n in {names!r}))\n"
        "print(any(issubclass(x.category, DeprecationWarning) for x in w))\n"
        "print(any(n in str(x.message) for x in w for n in %r))\n" % (names,)
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["True", "True", "True"]
