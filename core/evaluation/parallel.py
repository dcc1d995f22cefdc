"""Where the folds x strategies of a comparison run: local worker processes (joblib's loky),
or a Dask cluster (``dask.distributed``) named by its scheduler's address.

The cluster is chosen by passing ``scheduler="tcp://host:8786"`` to
:func:`core.evaluation.comparison.run_comparison` (``--scheduler`` on the command line) or by setting the
environment variable :data:`SCHEDULER_ENV`. The same ``joblib.Parallel`` call then sends each
fit to the cluster's workers; the data travel once per worker, each fit is the same seeded,
single-threaded computation, so the results equal a local run's.

Nothing started here outlives its owner or waits forever:

- local workers exit within about a second of the death of the process that started them,
  however it died (even SIGKILL), instead of idling on for joblib's five minutes;
- before the first fit, the scheduler and every worker are asked whether they can import this
  project's code (the scheduler unpickles the task graph too), and a "no" is a DataError
  naming who cannot and how to fix it;
- a fit that fails on the cluster (a graph the scheduler could not read, a worker killed too
  often) and a cluster that stops running the fits (the scheduler gone, no worker left, fits
  held while workers idle) end the run with a DataError within seconds.
"""

from __future__ import annotations

import functools
import os
import re
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from joblib import parallel_config

from core.errors import DataError

SCHEDULER_ENV = "IMBALANCE_DASK_SCHEDULER"
"""Environment variable naming a Dask scheduler (e.g. ``tcp://10.0.0.5:8786``); empty: local."""

CONNECT_TIMEOUT_S = 10.0
"""Seconds to wait for the scheduler to answer before giving up with a DataError."""

WORKERS_TIMEOUT_S = 30.0
"""Seconds to wait for a reachable scheduler to have at least one worker (at the start, or
after every worker has left during a run)."""

PROBE_TIMEOUT_S = 20.0
"""Seconds for the scheduler and the workers to say whether they can import this project."""

STALL_S = 10.0
"""Seconds the cluster may be unreachable, or hold the fits while a worker idles, before the
run is given up with a DataError."""

WATCH_EVERY_S = 1.0
"""How often the cluster is checked while fits are pending."""

PARENT_POLL_S = 0.5
"""How often a local worker checks that the process that started it is alive."""

PROJECT_MODULES = ("core.evaluation.fold", "core.evaluation.diagnostic_runs")
"""The modules whose functions the fits call: every process of a cluster must import them."""

_ADDRESS = re.compile(
    r"^((tcp|tls|ws|wss|ucx)://)?([^\s/:\[\]]+|\[[0-9A-Fa-f:.]+\]):\d+/?$|^inproc://\S+$"
)
_INSTALL = "Install it with: pip install 'dask[distributed]' (see requirements.txt)"
_FIX_IMPORT = (
    "Start the scheduler and every worker from a virtual environment where "
    "'pip install -r requirements.txt' was run in this project's folder (it installs the "
    "project), or with PYTHONPATH set to that folder"
)
_SEE_LOGS = (
    "See the scheduler's and workers' logs, or unset {env} / drop --scheduler to run locally"
)


def scheduler_address(scheduler: str | None = None) -> str | None:
    """``scheduler`` if given, else ``$IMBALANCE_DASK_SCHEDULER``; None means run locally."""
    found = scheduler if scheduler is not None else os.environ.get(SCHEDULER_ENV, "")
    found = found.strip()
    return found or None


@contextmanager
def backend(scheduler: str | None) -> Iterator[None]:
    """Within this block ``joblib.Parallel`` runs on the Dask cluster at ``scheduler``.

    ``None``: local processes (joblib's loky), which exit when this process dies. On a
    cluster, :class:`DataError` when the scheduler cannot be reached, has no worker within
    :data:`WORKERS_TIMEOUT_S`, has a process that cannot import this project, fails a fit,
    or stops running the fits (see the module's docstring).
    """
    if scheduler is None:
        with parallel_config(backend="loky", initializer=exit_with_parent, initargs=(os.getpid(),)):
            yield
        return
    client = _client(scheduler)
    try:
        client.wait_for_workers(1, timeout=WORKERS_TIMEOUT_S)  # then every worker is checked
        check_imports(client, scheduler)
        cluster = _cluster_backend()(
            scheduler, client=client, wait_for_workers_timeout=WORKERS_TIMEOUT_S
        )
        with _Watchdog(client, cluster), parallel_config(backend=cluster):
            yield
    except TimeoutError as err:  # the scheduler has no worker
        raise DataError(
            f"The Dask scheduler at '{scheduler}' has no worker (waited {WORKERS_TIMEOUT_S:.0f} s)",
            "Start workers with: dask worker " + scheduler,
        ) from err
    finally:
        client.close()


# ---------------------------------------------------------------- local workers


def exit_with_parent(parent: int) -> None:
    """Worker initializer: end this process as soon as ``parent`` is no longer its parent.

    A daemon thread polls the parent's id every :data:`PARENT_POLL_S` seconds; when the parent
    dies the worker is re-parented and exits at once (its resource tracker follows when the
    last worker is gone). A polled parent id, not ``PR_SET_PDEATHSIG``: that signal fires when
    the *thread* that started the worker ends, and Streamlit runs each page in a thread that
    ends after every rerun.
    """

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(PARENT_POLL_S)
        os._exit(1)

    threading.Thread(target=watch, name="exit-with-parent", daemon=True).start()


# ---------------------------------------------------------------- the cluster


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
        raise DataError(
            f"Cannot reach the Dask scheduler at '{address}' ({_reason(err)})",
            "Check the address (e.g. tcp://10.0.0.5:8786) and that the scheduler is running "
            f"and reachable from here, or unset {SCHEDULER_ENV} / drop --scheduler to run "
            "locally",
        ) from None


_CANCELLED = {
    "already forgotten": "the data it needed were lost with a worker that left",
    "lost dependencies": "the data it needed were lost with a worker that left",
    "scheduler-connection-lost": "the connection to the scheduler was lost",
}


def _reason(err: BaseException) -> str:
    """An exception as one short line: its type and its message (a fit the cluster cancelled:
    why, in words)."""
    reason = getattr(err, "reason", None)
    if isinstance(reason, str) and hasattr(err, "key"):  # distributed's FutureCancelledError
        return f"a fit was cancelled ({_CANCELLED.get(reason, reason)})"
    message = " ".join(str(err).split())
    text = f"{type(err).__name__}: {message}" if message else type(err).__name__
    return text if len(text) <= 300 else text[:297] + "..."


def _import_probe() -> Callable[[], str | None]:
    """A function that answers None where :data:`PROJECT_MODULES` import, else why not.

    It is a closure, so cloudpickle ships it by value: a process that cannot import ``core``
    can still run it and say so.
    """
    modules = PROJECT_MODULES

    def probe() -> str | None:
        import importlib

        for name in modules:
            try:
                importlib.import_module(name)
            except Exception as err:
                return f"{type(err).__name__}: {err}"
        return None

    return probe


def check_imports(client: Any, address: str) -> None:
    """:class:`DataError` unless the scheduler and every worker of ``client`` can import the
    project's code (:data:`PROJECT_MODULES`), naming who cannot and why."""
    probe = _import_probe()
    try:
        answers = {
            "the scheduler": client.run_on_scheduler(probe, callback_timeout=PROBE_TIMEOUT_S)
        }
        workers = client.run(probe, on_error="return", callback_timeout=PROBE_TIMEOUT_S)
    except (OSError, TimeoutError) as err:
        raise DataError(
            f"The Dask cluster at '{address}' did not say within {PROBE_TIMEOUT_S:.0f} s "
            f"whether it can import this project's code ({_reason(err)})",
            _SEE_LOGS.format(env=SCHEDULER_ENV),
        ) from None
    for worker, answer in sorted(workers.items()):
        answers[f"worker {worker}"] = (
            _reason(answer) if isinstance(answer, BaseException) else answer
        )
    broken = {who: why for who, why in answers.items() if why is not None}
    if broken:
        who = list(broken)[:3] + ([f"{len(broken) - 3} more"] if len(broken) > 3 else [])
        named = " and ".join(who) if len(who) < 3 else ", ".join(who[:-1]) + " and " + who[-1]
        raise DataError(
            f"{named[0].upper() + named[1:]} of the Dask cluster at '{address}' cannot import "
            f"this project's code ({next(iter(broken.values()))})",
            _FIX_IMPORT,
        )


class _Failure:
    """What joblib is handed instead of a batch's results when the batch failed on the cluster."""

    def __init__(self, cause: str) -> None:
        self.cause = cause


def _cluster_error(address: str, cause: str) -> DataError:
    return DataError(
        f"The fits failed on the Dask cluster at '{address}': {cause}",
        _SEE_LOGS.format(env=SCHEDULER_ENV),
    )


@functools.cache
def _cluster_backend() -> type:
    """joblib's Dask backend, made to fail instead of hang (built on first use: importing it
    imports ``distributed``)."""
    from joblib._dask import DaskDistributedBackend

    class ClusterBackend(DaskDistributedBackend):
        """joblib 1.6 sets a failed Dask future's exception on its own future but never calls
        ``Parallel``'s callback, so ``Parallel`` waits forever (a graph the scheduler could not
        unpickle, a worker killed too often); a cancelled future comes back as a "result".
        Here both, and :meth:`fail` from the watchdog, reach ``Parallel`` as a DataError."""

        def __init__(self, address: str, **kwargs: Any) -> None:
            super().__init__(**kwargs)
            self.address = address
            self._waiting_callbacks: dict[Any, Callable[[Any], None]] = {}
            self._waiting_lock = threading.Lock()

        def effective_n_jobs(self, n_jobs: int) -> int:
            # joblib runs everything in this process when it sees one job: a cluster of one
            # single-threaded worker must still get the fits
            return max(2, super().effective_n_jobs(n_jobs))

        def submit(self, func: Any, callback: Any = None) -> Any:
            future = super().submit(func, callback)
            if callback is not None:
                with self._waiting_lock:
                    self._waiting_callbacks[future] = callback
                future.add_done_callback(self._done)
            return future

        def _done(self, future: Any) -> None:
            with self._waiting_lock:
                callback = self._waiting_callbacks.pop(future, None)
            if callback is None or future.cancelled():
                return
            if future.exception() is not None:
                callback(_Failure(_reason(future.exception())))

        def waiting(self) -> int:
            """How many dispatched batches have not finished."""
            with self._waiting_lock:
                return len(self._waiting_callbacks)

        def fail(self, cause: str) -> None:
            """End the run: every waiting batch fails with ``cause``."""
            with self._waiting_lock:
                callbacks = list(self._waiting_callbacks.values())
                self._waiting_callbacks.clear()
            for callback in callbacks:
                callback(_Failure(cause))

        def retrieve_result_callback(self, out: Any) -> Any:
            if isinstance(out, _Failure):
                raise _cluster_error(self.address, out.cause)
            if isinstance(out, BaseException):  # a cancelled future's "result"
                raise _cluster_error(self.address, _reason(out))
            return super().retrieve_result_callback(out)

    return ClusterBackend


def _scheduler_view() -> Callable[..., tuple[dict[Any, str], int, int]]:
    """A function (shipped by value) run on the scheduler: the state of each of ``keys``
    ("unknown" if the scheduler does not hold it), the number of workers and of idle ones."""

    def view(dask_scheduler: Any, keys: list[Any]) -> tuple[dict[Any, str], int, int]:
        tasks = dask_scheduler.tasks
        states = {k: tasks[k].state if k in tasks else "unknown" for k in keys}
        workers = dask_scheduler.workers.values()
        return states, len(workers), sum(1 for ws in workers if not ws.processing)

    return view


class _Watchdog:
    """While fits are pending, checks the cluster every :data:`WATCH_EVERY_S` seconds and
    fails the run when it cannot finish: the scheduler unreachable or holding the fits without
    running any while a worker idles (for :data:`STALL_S`), no worker (for
    :data:`WORKERS_TIMEOUT_S`)."""

    def __init__(self, client: Any, cluster: Any) -> None:
        self.client, self.cluster = client, cluster
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="cluster-watchdog", daemon=True)
        self._view = _scheduler_view()

    def __enter__(self) -> _Watchdog:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=WATCH_EVERY_S)  # a daemon: never wait on a dead scheduler

    def _run(self) -> None:
        since: dict[str, float] = {}  # kind of problem -> when it was first seen
        while not self._stop.wait(WATCH_EVERY_S):
            problem = self._look() if self.cluster.waiting() else None
            now = time.monotonic()
            for kind in [k for k in since if problem is None or k != problem[0]]:
                del since[kind]
            if problem is None:
                continue
            kind, cause = problem
            first = since.setdefault(kind, now)
            patience = WORKERS_TIMEOUT_S if kind == "no-worker" else STALL_S
            if now - first >= patience:
                self.cluster.fail(f"{cause} for {patience:.0f} s")
                return

    def _look(self) -> tuple[str, str] | None:
        """What keeps the pending fits from finishing right now, as (kind, cause), or None."""
        if self.client.status != "running":
            return "lost", f"the connection to the scheduler is lost ({self.client.status})"
        pending = [k for k, st in list(self.client.futures.items()) if st.status == "pending"]
        try:
            states, n_workers, idle = self.client.run_on_scheduler(
                self._view, keys=pending, callback_timeout=STALL_S / 2
            )
        except Exception as err:  # a comm error, a timeout: the scheduler does not answer
            return "lost", f"the scheduler does not answer ({_reason(err)})"
        if n_workers == 0:
            return "no-worker", "no worker is connected to the scheduler"
        running = sum(s in ("processing", "memory", "erred") for s in states.values())
        if pending and not running and idle:
            counts = ", ".join(f"{n} {s}" for s, n in Counter(states.values()).items())
            return "stuck", (
                f"the scheduler runs none of the {len(pending)} pending tasks ({counts}) "
                f"while {idle} worker(s) idle"
            )
        return None
