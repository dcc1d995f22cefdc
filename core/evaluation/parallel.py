"""Where the folds x strategies of a comparison run: local worker processes (joblib's loky),
or a Dask cluster (``dask.distributed``) named by its scheduler's address.

The cluster is chosen by passing ``scheduler="tcp://host:8786"`` to
:func:`core.evaluation.comparison.run_comparison` (``--scheduler`` on the command line) or by setting the
environment variable :data:`SCHEDULER_ENV`. The same ``joblib.Parallel`` call then sends each
fit to the cluster's workers; the data travel once per worker, each fit is the same seeded,
single-threaded computation, so the results equal a local run's.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from joblib import parallel_config

from core.errors import DataError

SCHEDULER_ENV = "IMBALANCE_DASK_SCHEDULER"
"""Environment variable naming a Dask scheduler (e.g. ``tcp://10.0.0.5:8786``); empty: local."""

CONNECT_TIMEOUT_S = 10.0
"""Seconds to wait for the scheduler to answer before giving up with a DataError."""

WORKERS_TIMEOUT_S = 30.0
"""Seconds to wait for a reachable scheduler to have at least one worker."""

_ADDRESS = re.compile(
    r"^((tcp|tls|ws|wss|ucx)://)?([^\s/:\[\]]+|\[[0-9A-Fa-f:.]+\]):\d+/?$|^inproc://\S+$"
)
_INSTALL = "Install it with: pip install 'dask[distributed]' (see requirements.txt)"


def scheduler_address(scheduler: str | None = None) -> str | None:
    """``scheduler`` if given, else ``$IMBALANCE_DASK_SCHEDULER``; None means run locally."""
    found = scheduler if scheduler is not None else os.environ.get(SCHEDULER_ENV, "")
    found = found.strip()
    return found or None


def _check_address(address: str) -> None:
    if not _ADDRESS.match(address):
        raise DataError(
            f"'{address}' is not a Dask scheduler address",
            "Give it as tcp://host:port, e.g. tcp://10.0.0.5:8786 (what 'dask scheduler' "
            f"prints), in --scheduler or {SCHEDULER_ENV}",
        )


def _client(address: str) -> Any:
    _check_address(address)
    try:
        from distributed import Client
    except ImportError:
        raise DataError(
            f"A Dask scheduler was given ({address}) but the 'distributed' package is missing",
            _INSTALL + f", or unset {SCHEDULER_ENV} / drop --scheduler to run locally",
        ) from None
    try:
        return Client(address, timeout=CONNECT_TIMEOUT_S, set_as_default=False)
    except (OSError, TimeoutError, ValueError, TypeError) as err:
        reason = " ".join(str(err).split()) or type(err).__name__
        raise DataError(
            f"Cannot reach the Dask scheduler at '{address}' ({reason})",
            "Check the address (e.g. tcp://10.0.0.5:8786) and that the scheduler is running "
            f"and reachable from here, or unset {SCHEDULER_ENV} / drop --scheduler to run "
            "locally",
        ) from None


@contextmanager
def backend(scheduler: str | None) -> Iterator[None]:
    """Within this block ``joblib.Parallel`` runs on the Dask cluster at ``scheduler``.

    ``None`` leaves joblib's default (local processes) untouched. :class:`DataError` when
    the scheduler cannot be reached, or has no worker within :data:`WORKERS_TIMEOUT_S`.
    """
    if scheduler is None:
        yield
        return
    client = _client(scheduler)
    try:
        with parallel_config(
            backend="dask", client=client, wait_for_workers_timeout=WORKERS_TIMEOUT_S
        ):
            yield
    except TimeoutError as err:  # joblib: the scheduler has no worker
        raise DataError(
            f"The Dask scheduler at '{scheduler}' has no worker (waited {WORKERS_TIMEOUT_S:.0f} s)",
            "Start workers with: dask worker " + scheduler,
        ) from err
    finally:
        client.close()
