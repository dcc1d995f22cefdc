"""core.metrics.inputs: the shared input checks, by hand."""

from __future__ import annotations

import numpy as np
import pytest

from core.errors import DataError
from core.metrics.inputs import Preds, check_task, finite_array, prepare, safe_div
from core.tasks import TASK_KINDS


@pytest.mark.parametrize("task", TASK_KINDS)
def test_check_task_returns_a_known_task(task: str) -> None:
    assert check_task(task) == task


def test_check_task_refuses_an_unknown_task() -> None:
    with pytest.raises(
        DataError, match="Unknown task kind. Expected one of binary, multiclass, multilabel"
    ):
        check_task("regression")


def test_prepare_bundles_checked_predictions() -> None:
    d = prepare(np.array([0, 1, 2, 2]), np.array([0, 2, 2, 1]), None, ["a", "b", "c"], "multiclass")
    assert isinstance(d, Preds) and d.classes == ("a", "b", "c") and not d.multilabel
    assert d.labels.tolist() == [0, 1, 2]
    assert d.cm.tolist() == [[1, 0, 0], [0, 0, 1], [0, 1, 1]]
    assert d.present_recalls.tolist() == [1.0, 0.0, 0.5]
    m = prepare(np.array([[1, 0], [0, 1]]), None, np.full((2, 2), 0.5), ["x", "y"], "multilabel")
    assert m.multilabel and m.y_pred is None and m.proba.dtype == np.float64


def test_prepare_refusals() -> None:
    with pytest.raises(DataError, match="at least two classes"):
        prepare(np.array([0]), None, None, ["a"], "binary")
    with pytest.raises(DataError, match="proba holds NaN"):
        prepare(np.array([0, 1]), None, np.array([[0.5, np.nan]] * 2), ["a", "b"], "binary")


def test_finite_array() -> None:
    assert finite_array([1, 2.5], "Scores").tolist() == [1.0, 2.5]
    with pytest.raises(DataError, match="Scores must be numeric. Got 'x' instead"):
        finite_array("x", "Scores")
    with pytest.raises(DataError, match="Scores must be finite numbers; found NaN or infinity"):
        finite_array([1.0, np.inf], "Scores")


def test_safe_div() -> None:
    assert safe_div([1, 2, 3], [2, 0, -1]).tolist() == [0.5, 0.0, 0.0]
    assert safe_div([1, 2], [4, 0], zero_division=1.0).tolist() == [0.25, 1.0]
    assert float(safe_div(3, 4)) == 0.75
