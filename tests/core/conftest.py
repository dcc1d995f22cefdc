"""Fixtures of the tests under tests/core; shared Dataset builders are in helpers.py (this
conftest puts tests/core on ``sys.path``, so tests import them with ``from helpers import ...``)."""

from __future__ import annotations

import pytest
from threadpoolctl import threadpool_limits


@pytest.fixture
def one_thread():
    """Hold OpenMP/BLAS to one thread: threads fighting the other test processes on 2 cores
    make gradient boosting 10x slower; the evaluation loop limits threads the same way."""
    with threadpool_limits(limits=1):
        yield
