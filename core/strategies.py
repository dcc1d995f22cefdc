"""Deprecated: ``core.strategies`` moved to :mod:`core.modelling.strategies` (and
``StrategyOptions`` to :mod:`core.modelling.options`).

Kept only because the "Reproduce" script of HTML reports made before the move imports
``StrategyOptions`` and ``get_strategy`` from here. New code imports from their owners.
"""

from __future__ import annotations

import warnings

from core.modelling.options import StrategyOptions
from core.modelling.strategies import get_strategy

warnings.warn(
    "core.strategies is deprecated: import get_strategy from core.modelling.strategies and "
    "StrategyOptions from core.modelling.options",
    DeprecationWarning,
    stacklevel=2,
)

__all__ = ["StrategyOptions", "get_strategy"]
