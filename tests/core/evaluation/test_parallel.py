"""The Dask backend (core.evaluation.parallel): a comparison sent to a dask.distributed cluster gives the
same numbers as a serial local run, and a scheduler that cannot be used is a DataError."""

from __future__ import annotations

import sys
import time
import types

import numpy as np
import pytest
from joblib import Parallel, delayed, parallel_config

from core.errors import DataError
from core.evaluation import parallel
from core.evaluation.comparison import CompareConfig, run_comparison

pytestmark = pytest.mark.slow  # every test runs comparisons on worker processes

STRATEGIES = {"multiclass": ("baseline", "random_over"), "multilabel": ("class_weight", "ml_ros")}
HOLDOUT = {"multiclass": 0.2, "multilabel": 0.0}


def _same_numbers(a, b) -> None:
    assert list(a.results) == list(b.results)
    for name, ra in a.results.items():
        rb = b.results[name]
        assert ra.status == rb.status == "ok", (name, ra.error, rb.error)
        np.testing.assert_array_equal(ra.oof_pred, rb.oof_pred)
        np.testing.assert_array_equal(ra.oof_proba, rb.oof_proba)
        assert ra.summary == rb.summary
        assert ra.fold_scores == rb.fold_scores
        assert ra.train_scores == rb.train_scores
        assert ra.thresholds == rb.thresholds
    for (tr_a, va_a), (tr_b, va_b) in zip(a.folds, b.folds, strict=True):
        np.testing.assert_array_equal(tr_a, tr_b)
        np.testing.assert_array_equal(va_a, va_b)
    a_table = a.table().drop(columns=["fit_seconds", "predict_seconds"])
    b_table = b.table().drop(columns=["fit_seconds", "predict_seconds"])
    assert a_table.equals(b_table)


def _cluster(processes: bool):
    import distributed

    # No dashboards: they need bokeh and would warn about ports already taken on a shared
    # machine. Two single-threaded workers, like two cores.
    return distributed.LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=processes,
        dashboard_address=None,
        worker_dashboard_address=None,
    )


@pytest.fixture(scope="module")
def serial_runs(datasets):
    return {
        task: run_comparison(
            datasets[task],
            CompareConfig(
                strategies=STRATEGIES[task], cv=3, seed=1, holdout=HOLDOUT[task], n_jobs=1
            ),
            scheduler="",  # local, whatever the environment says
        )
        for task in ("multiclass", "multilabel")
    }


def test_worker_processes_give_the_serial_numbers(datasets, serial_runs, monkeypatch):
    """Separate worker processes: the data cross a process boundary, as on a real cluster."""
    # The workers are spawned, and spawning re-runs the parent's __main__ script; under
    # pytest-xdist that can be a page an AppTest ran earlier in this process. A real cluster's
    # workers start from `dask worker`; here, give them nothing to re-run.
    monkeypatch.setitem(sys.modules, "__main__", types.ModuleType("__main__"))
    ds = datasets["multiclass"]
    config = CompareConfig(strategies=STRATEGIES["multiclass"], cv=3, seed=1, holdout=0.2)
    with _cluster(processes=True) as cluster:
        seen = []
        got = run_comparison(
            ds,
            config,
            progress=lambda *args: seen.append(args),
            scheduler=cluster.scheduler_address,
        )
    _same_numbers(serial_runs["multiclass"], got)
    assert len(seen) == len(config.strategies) * (config.cv + 1)  # + the hold-out fits
    assert all(r.holdout.summary for r in got.results.values())


def test_environment_variable_selects_the_cluster(datasets, serial_runs, monkeypatch):
    ds = datasets["multilabel"]
    config = CompareConfig(strategies=STRATEGIES["multilabel"], cv=3, seed=1)
    used = []
    original = parallel._client

    def spy(address):
        used.append(address)
        return original(address)

    monkeypatch.setattr(parallel, "_client", spy)
    with _cluster(processes=False) as cluster:
        monkeypatch.setenv(parallel.SCHEDULER_ENV, cluster.scheduler_address)
        got = run_comparison(ds, config)
    assert used == [cluster.scheduler_address]
    _same_numbers(serial_runs["multilabel"], got)


def test_scheduler_address_prefers_the_argument(monkeypatch):
    monkeypatch.setenv(parallel.SCHEDULER_ENV, " tcp://10.0.0.5:8786 ")
    assert parallel.scheduler_address() == "tcp://10.0.0.5:8786"
    assert parallel.scheduler_address("tcp://other:1") == "tcp://other:1"
    assert parallel.scheduler_address("") is None  # explicitly local
    monkeypatch.setenv(parallel.SCHEDULER_ENV, "")
    assert parallel.scheduler_address() is None


def test_unreachable_scheduler_is_a_data_error(datasets, monkeypatch):
    monkeypatch.setattr(parallel, "CONNECT_TIMEOUT_S", 0.5)
    config = CompareConfig(strategies=("baseline",), cv=3)
    # Port 9 (discard) on this machine: nothing listens there.
    with pytest.raises(
        DataError, match=r"Cannot reach the Dask scheduler at 'tcp://127\.0\.0\.1:9'"
    ):
        run_comparison(datasets["binary"], config, scheduler="tcp://127.0.0.1:9")


def test_malformed_address_is_refused_before_connecting(datasets):
    config = CompareConfig(strategies=("baseline",), cv=3)
    with pytest.raises(DataError, match=r"'sched-1' is not a Dask scheduler address.*tcp://"):
        run_comparison(datasets["binary"], config, scheduler="sched-1")


def test_missing_distributed_package_is_a_data_error(datasets, monkeypatch):
    monkeypatch.setitem(sys.modules, "distributed", None)  # import distributed -> ImportError
    config = CompareConfig(strategies=("baseline",), cv=3)
    with pytest.raises(DataError, match=r"the 'distributed' package is missing.*pip install"):
        run_comparison(datasets["binary"], config, scheduler="tcp://127.0.0.1:8786")


def test_fits_held_while_workers_idle_end_the_run(monkeypatch):
    """Fits no worker can take (they ask for a resource none has): the scheduler holds them
    while both workers idle, and the watchdog ends the run after STALL_S, not never."""
    import distributed

    monkeypatch.setattr(parallel, "STALL_S", 2.0)
    with (
        _cluster(processes=False) as cluster,
        distributed.Client(cluster, set_as_default=False) as client,
    ):
        where = cluster.scheduler_address
        backend = parallel._cluster_backend()(where, client=client, resources={"GPU": 1})
        start = time.monotonic()
        with (
            pytest.raises(
                DataError,
                match=r"The fits failed on the Dask cluster at '.*': the scheduler runs none of the "
                r"\d+ pending tasks \(\d+ no-worker\) while 2 worker\(s\) idle for 2 s\. See the",
            ),
            parallel._Watchdog(client, backend),
            parallel_config(backend=backend),
        ):
            Parallel(n_jobs=2)(delayed(abs)(-i) for i in range(4))
        assert time.monotonic() - start < 2.0 + 5


def test_watchdog_sees_no_worker_and_a_lost_scheduler():
    import distributed

    cluster = distributed.LocalCluster(n_workers=0, processes=False, dashboard_address=None)
    with distributed.Client(cluster, set_as_default=False) as client:
        backend = parallel._cluster_backend()(cluster.scheduler_address, client=client)
        watchdog = parallel._Watchdog(client, backend)
        future = client.submit(abs, -1)
        assert watchdog._look() == ("no-worker", "no worker is connected to the scheduler")
        cluster.close()
        kind, cause = watchdog._look()
        assert kind == "lost" and "scheduler" in cause
        del future


def test_cancelled_fits_say_why_in_words():
    from distributed.client import FutureCancelledError

    lost = FutureCancelledError("batch-1", "lost dependencies")
    assert parallel._reason(lost) == (
        "a fit was cancelled (the data it needed were lost with a worker that left)"
    )
    assert parallel._reason(FutureCancelledError("b", "odd")) == "a fit was cancelled (odd)"
    assert parallel._reason(RuntimeError("two\n  lines")) == "RuntimeError: two lines"


def test_scheduler_without_workers_is_a_data_error(datasets, monkeypatch):
    import distributed

    monkeypatch.setattr(parallel, "WORKERS_TIMEOUT_S", 1.0)
    config = CompareConfig(strategies=("baseline",), cv=3)
    with distributed.LocalCluster(n_workers=0, processes=False, dashboard_address=None) as cluster:
        where = cluster.scheduler_address
        with pytest.raises(
            DataError, match=rf"The Dask scheduler at '{where}' has no worker \(waited 1 s\)"
        ):
            run_comparison(datasets["binary"], config, scheduler=where)
