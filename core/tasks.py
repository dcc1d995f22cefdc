"""The task kinds a target can have: one list, imported by every module that names them."""

from __future__ import annotations

from typing import Literal, get_args

TaskKind = Literal["binary", "multiclass", "multilabel"]

#: Every task kind, in display order.
TASK_KINDS: tuple[str, ...] = get_args(TaskKind)

#: Task kinds with exactly one class per row (``y`` holds integer codes).
SINGLE_LABEL: tuple[str, ...] = ("binary", "multiclass")
