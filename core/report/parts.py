"""Building blocks of the HTML report: table cells with their exact values, and Plotly
figures as compact, script-safe JSON with each template stored once.

Figures come from :mod:`core.plots`; here they are only serialised (arrays decoded from
Plotly's base64, floats rounded to 4 significant digits for size, ``<``/``>``/``&``
escaped so no user text can close the ``<script>`` that holds them).
"""

from __future__ import annotations

import base64
import json
import math
import shlex
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from core.evaluation.comparison import Comparison
from core.metrics.decision_rules import default_cost_matrix
from core.metrics.significance import DEFAULT_ROPE
from core.modelling.options import StrategyOptions
from core.profile.finding import Finding

REPORT_CURVE_POINTS = 200  # points per drawn curve in the report (the page draws up to 1,500)
PLOTLY_CONFIG = {
    "displaylogo": False,
    "responsive": True,
    "modeBarButtonsToRemove": ["select2d", "lasso2d", "sendDataToCloud"],
    "toImageButtonOptions": {"format": "png", "scale": 2},
}
DASH = "–"


# --------------------------------------------------------------------------- tables


@dataclass(frozen=True)
class Cell:
    """One table cell: what is shown, and (numbers) the exact value behind it."""

    text: str
    value: str | None = None  # exact number for ``data-value`` (machine-readable)
    num: bool = False  # right-aligned, tabular digits
    key: str | None = None  # ``data-metric``: which metric the cell holds
    cls: str | None = None  # extra CSS class (e.g. "good", "bad")


@dataclass(frozen=True)
class Table:
    """A table for the template: header, rows of cells, ``data-*`` attributes per row."""

    columns: Sequence[str]
    rows: Sequence[Sequence[Cell]]
    row_attrs: Sequence[Mapping[str, str]] = ()
    caption: str | None = None
    numeric: Sequence[bool] = ()  # per column: right-align the header

    def __post_init__(self) -> None:
        if not self.numeric:
            nums = [
                all(r[i].num for r in self.rows) if self.rows else False
                for i in range(len(self.columns))
            ]
            object.__setattr__(self, "numeric", tuple(nums))
        if not self.row_attrs:
            object.__setattr__(self, "row_attrs", tuple({} for _ in self.rows))


def _finite(value: Any) -> float | None:
    if value is None or value is pd.NA:
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def num(value: Any, fmt: str = ".3f", *, key: str | None = None) -> Cell:
    """A number shown with ``fmt`` (``DASH`` when missing), exact value in ``data-value``."""
    number = _finite(value)
    if number is None:
        return Cell(DASH, None, True, key)
    exact = str(int(number)) if isinstance(value, int | np.integer) else repr(number)
    return Cell(format(number, fmt), exact, True, key)


def count(value: Any, *, key: str | None = None) -> Cell:
    number = _finite(value)
    if number is None:
        return Cell(DASH, None, True, key)
    return Cell(f"{int(number):,}", str(int(number)), True, key)


def p_value(value: Any, *, key: str | None = None) -> Cell:
    number = _finite(value)
    if number is None:
        return Cell(DASH, None, True, key)
    text = "< 0.001" if number < 0.001 else f"{number:.3f}"
    return Cell(text, repr(number), True, key, "sig" if number < 0.05 else None)


def delta(value: Any, *, key: str | None = None, loss: bool = False) -> Cell:
    number = _finite(value)
    if number is None:
        return Cell(DASH, None, True, key)
    better = number < 0 if loss else number > 0
    cls = None if abs(number) < 5e-4 else ("good" if better else "bad")
    return Cell(f"{number:+.3f}", repr(number), True, key, cls)


def text(value: Any, *, key: str | None = None) -> Cell:
    return Cell("" if value is None else str(value), None, False, key)


def key_value_table(pairs: Sequence[tuple[str, Cell | str]]) -> Table:
    rows = [[text(k), v if isinstance(v, Cell) else text(v)] for k, v in pairs]
    return Table(["", ""], rows, numeric=(False, False))


# --------------------------------------------------------------------------- words


def finding_dict(f: Finding) -> dict[str, str]:
    return {"code": f.code, "severity": f.severity, "title": f.title, "message": f.message,
            "suggestion": f.suggestion, "how_to_read": f.how_to_read}  # fmt: skip


def slug(name: str) -> str:
    return "".join(ch if ch.isalnum() or ch in "-_" else "-" for ch in name)


def noun_of(c: Comparison) -> str:
    return "label" if c.task == "multilabel" else "class"


# --------------------------------------------------------------------------- figures


def thin(frame: pd.DataFrame, n: int = REPORT_CURVE_POINTS) -> pd.DataFrame:
    """At most ``n`` evenly spaced rows of a curve (first and last kept), for drawing."""
    if len(frame) <= n:
        return frame
    keep = np.unique(np.linspace(0, len(frame) - 1, n).round().astype(int))
    return frame.iloc[keep]


def _round(x: float) -> float | int | None:
    if not math.isfinite(x):
        return None
    if x.is_integer() and abs(x) < 2**53:
        return int(x)
    return float(f"{x:.4g}")


def _array(obj: Mapping[str, Any]) -> list:
    arr = np.frombuffer(base64.b64decode(obj["bdata"]), dtype=np.dtype(obj["dtype"]))
    shape = obj.get("shape")
    if shape:
        arr = arr.reshape([int(s) for s in str(shape).split(",")])
    return _compact(arr.tolist())


def _compact(obj: Any) -> Any:
    """Plain JSON with base64 arrays decoded and floats rounded to 4 significant digits."""
    if isinstance(obj, dict):
        if "bdata" in obj and "dtype" in obj:
            return _array(obj)
        return {k: _compact(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_compact(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return _compact(obj.tolist())
    if isinstance(obj, np.generic):
        obj = obj.item()
    if isinstance(obj, float):
        return _round(obj)
    if obj is None or isinstance(obj, bool | int | str):
        return obj
    return str(obj)


def script_json(obj: Any) -> str:
    """JSON safe inside ``<script type="application/json">``: no ``<``, ``>`` or ``&``."""
    raw = json.dumps(obj, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    return raw.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


@dataclass(frozen=True)
class Chart:
    """One figure placed in the report: element id, height, script-safe JSON spec."""

    id: str
    height: int
    spec: str


@dataclass
class FigureStore:
    """The report's figures; Plotly templates (several kB each) are stored once."""

    templates: list[str] = field(default_factory=list)
    charts: list[Chart] = field(default_factory=list)
    _index: dict[str, int] = field(default_factory=dict)

    def add(self, fig: go.Figure, *, height: int | None = None) -> Chart:
        """Store ``fig`` (``height`` overrides its layout's) and return where it goes."""
        spec = fig.to_plotly_json()
        layout = spec.get("layout", {})
        if height is not None:
            layout["height"] = height
        template = script_json(_compact(layout.pop("template", {})))
        if template not in self._index:
            self._index[template] = len(self.templates)
            self.templates.append(template)
        body = {"data": _compact(spec.get("data", [])), "layout": _compact(layout)}
        body["t"] = self._index[template]
        chart = Chart(
            id=f"fig-{len(self.charts)}",
            height=int(layout.get("height") or 420),
            spec=script_json(body),
        )
        self.charts.append(chart)
        return chart

    def templates_json(self) -> str:
        return "[" + ",".join(self.templates) + "]"


# --------------------------------------------------------------------------- how to reproduce

CLI_OPTIONS = (
    "threshold_objective",
    "beta",
    "k_neighbors",
    "probability_correction",
)  # the StrategyOptions the CLI takes


def _default_equivalent(comparison: Comparison, name: str, value: Any) -> bool:
    """True when an option equals what ``StrategyOptions.validated`` fills in by default."""
    counts = [comparison.dataset.class_counts[c] for c in comparison.classes]
    if name == "cost_matrix" and value is not None and comparison.task != "multilabel":
        return bool(np.allclose(np.asarray(value, dtype=float), default_cost_matrix(counts)))
    if name == "one_class_target" and value is not None and comparison.task != "multilabel":
        return value == comparison.rarest_class
    return False


def custom_options(comparison: Comparison) -> dict[str, Any]:
    """Strategy options of this run that differ from the defaults (values that
    ``StrategyOptions.validated`` fills in by default count as defaults)."""
    default = StrategyOptions()
    found = {}
    for f in fields(StrategyOptions):
        value = getattr(comparison.config.options, f.name)
        if value == getattr(default, f.name) or _default_equivalent(comparison, f.name, value):
            continue
        found[f.name] = dict(value) if isinstance(value, Mapping) else value
    return found


def cli_gaps(comparison: Comparison) -> list[str]:
    """Options of this run that the command line cannot express (the script carries them)."""
    return [k.replace("_", " ") for k in custom_options(comparison) if k not in CLI_OPTIONS]


def reproduce_command(
    comparison: Comparison, *, data_path: str | None = None, out_dir: str = "report_out"
) -> str:
    """``python -m core analyze ...`` repeating this run's configuration, shell-quoted."""
    data, config = comparison.dataset, comparison.config
    scored = getattr(config, "mode", "fit") == "predictions"  # models trained elsewhere
    args = ["python", "-m", "core", "diagnose" if scored else "analyze", data_path or data.name]
    for t in data.target:
        args += ["--target", t]
    if data.label_sep is not None:
        args += ["--label-sep", data.label_sep]
    if scored:
        args += ["--cv", str(config.cv), "--seed", str(config.seed)]
        return " ".join(shlex.quote(a) for a in [*args, "--out", out_dir])
    args += ["--strategies", ",".join(config.strategies), "--model", config.model,
             "--cv", str(config.cv), "--seed", str(config.seed)]  # fmt: skip
    if config.holdout:
        args += ["--holdout", repr(config.holdout)]
    if config.important_class is not None:
        args += ["--important-class", config.important_class]
    custom = custom_options(comparison)
    if "threshold_objective" in custom:
        args += ["--threshold-objective", custom["threshold_objective"]]
    if "beta" in custom:
        args += ["--beta", repr(float(custom["beta"]))]
    if "k_neighbors" in custom:
        args += ["--k-neighbors", str(int(custom["k_neighbors"]))]
    if "probability_correction" in custom:
        args += ["--probability-correction", str(custom["probability_correction"])]
    if config.rope != DEFAULT_ROPE:
        args += ["--rope", repr(config.rope)]
    if getattr(config, "repeats", 1) > 1:
        args += ["--repeats", str(config.repeats)]
    return " ".join(shlex.quote(a) for a in [*args, "--out", out_dir])


def reproduce_script(comparison: Comparison, *, data_path: str | None = None) -> str | None:
    """A short Python script that rebuilds and fits the recommended pipeline with ``core``
    (None when nothing is recommended: every strategy failed, or none has skill)."""
    from core.analysis.recommendation import recommendation_of

    name = recommendation_of(comparison).strategy
    if name is None or getattr(comparison.config, "mode", "fit") == "predictions":
        return None  # nothing recommended, or nothing to rebuild (trained elsewhere)
    data, config = comparison.dataset, comparison.config
    load = f"load_dataset({data_path or data.name!r}, {list(data.target)!r}"
    load += f", label_sep={data.label_sep!r})" if data.label_sep is not None else ")"
    custom = custom_options(comparison)
    options = ", ".join(f"{k}={v!r}" for k, v in custom.items())
    if comparison.task == "multilabel":
        show = ("# One 0/1 column per label, in the order of ds.classes.\n"
                "print(ds.classes)\nprint(estimator.predict(ds.X.head(5)))\n")  # fmt: skip
    else:
        show = ("# Predictions are class codes: ds.classes[code] is the class.\n"
                "print([ds.classes[code] for code in estimator.predict(ds.X.head(5))])\n")  # fmt: skip
    return (
        f"# Rebuild the recommended pipeline ({name}, model {config.model}, seed {config.seed})\n"
        "# and fit it on every row of the file. Run it next to the CSV, with this app's\n"
        "# requirements installed and its folder on PYTHONPATH.\n"
        "from core.intake.dataset import load_dataset\n"
        "from core.modelling.options import StrategyOptions\n"
        "from core.modelling.strategies import get_strategy\n\n"
        f"ds = {load}\n"
        f"options = StrategyOptions({options})\n"
        f"estimator = get_strategy({name!r}).build(\n"
        f"    ds, model={config.model!r}, seed={config.seed}, options=options\n"
        ")\n"
        "estimator.fit(ds.X, ds.y)\n\n" + show
    )


PREDICTIONS_NOTE = (
    "Every score comes from the scores in the file, on its rows; the tuned decisions are "
    "cross-fitted: chosen on the other parts of the rows and applied to each part. What needs "
    "the features (data profile, learning curve, reference models, train-vs-validation gap) "
    "is left out."
)
"""What the report says at the top of a predictions-mode run."""


def deployment_table(doc: Mapping[str, Any]) -> Table | None:
    """results.json's ``deployment`` as one table (None without it): per strategy and class,
    precision and F1 as measured and at the shares in use, and recall (unchanged)."""
    found = doc.get("deployment")
    if not found:
        return None
    rows = []
    for name, entry in found["strategies"].items():
        for r in entry["per_class"]:
            cls = r["class"]
            rows.append([text(name), text(cls), num(found["evaluation_shares"].get(cls), ".1%"),
                         num(found["shares"].get(cls), ".1%"), num(r["recall"], key="recall"),
                         num(r["precision_eval"]), num(r["precision"], key="precision"),
                         num(r["f1_eval"]), num(r["f1"], key="f1")])  # fmt: skip
    columns = ["Strategy", "Class", "Share evaluated", "Share in use", "Recall",
               "Precision evaluated", "Precision in use", "F1 evaluated", "F1 in use"]  # fmt: skip
    return Table(columns, rows, caption="Metrics re-estimated at the class shares in use")
