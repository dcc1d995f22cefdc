"""core/ computes, pages/ render: core never imports streamlit; pages never fit models."""

from __future__ import annotations

import ast
import pkgutil
import subprocess
import sys
from pathlib import Path

import core

ROOT = Path(__file__).resolve().parent.parent


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def test_core_sources_never_import_streamlit():
    offenders = [p.name for p in (ROOT / "core").glob("*.py") if "streamlit" in _imports(p)]
    assert offenders == []


def test_importing_every_core_module_does_not_load_streamlit():
    modules = [
        "core." + m.name for m in pkgutil.iter_modules(core.__path__) if m.name != "__main__"
    ]
    assert "core.data" in modules and "core.profile" in modules
    code = (
        "import importlib, sys\n"
        f"for m in {modules!r}: importlib.import_module(m)\n"
        "print('streamlit' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "False"


def test_pages_do_not_import_modelling_libraries():
    ui_files = [ROOT / "app.py", *(ROOT / "pages").glob("*.py"), *(ROOT / "ui").glob("*.py")]
    offenders = {
        p.name: sorted(_imports(p) & {"sklearn", "imblearn", "optuna"})
        for p in ui_files
        if _imports(p) & {"sklearn", "imblearn", "optuna"}
    }
    assert offenders == {}
