"""Deprecated: ``core.data`` moved to :mod:`core.intake.dataset`.

Kept only because the "Reproduce" script of HTML reports made before the move imports
``load_dataset`` from here. New code imports from :mod:`core.intake.dataset`.
"""

from __future__ import annotations

import warnings

from core.intake.dataset import load_dataset

warnings.warn(
    "core.data is deprecated: import load_dataset from core.intake.dataset",
    DeprecationWarning,
    stacklevel=2,
)

__all__ = ["load_dataset"]
