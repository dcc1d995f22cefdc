"""core.tasks: the one list of task kinds."""

from __future__ import annotations

from typing import get_args

from core.tasks import SINGLE_LABEL, TASK_KINDS, TaskKind


def test_task_kinds() -> None:
    assert TASK_KINDS == ("binary", "multiclass", "multilabel") == get_args(TaskKind)
    assert SINGLE_LABEL == ("binary", "multiclass")
    assert set(SINGLE_LABEL) < set(TASK_KINDS)
