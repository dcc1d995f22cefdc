"""Property-based tests: on any input, intake and metrics either work or raise DataError.

Nothing else may escape (no ValueError from pandas or pyarrow, no warning: pytest turns
warnings into errors), so the app can always show one clear message.
"""

from __future__ import annotations

import contextlib

import numpy as np
import pytest
from hypothesis import HealthCheck, Phase, find, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from core.errors import DataError
from core.intake.dataset import build_dataset, read_table
from core.intake.targets import suggest_target
from core.metrics import scores as metrics
from core.metrics import significance
from core.metrics.sweep import cut_counts
from core.tasks import TASK_KINDS

FAST = settings(
    max_examples=120,
    deadline=None,
    derandomize=True,  # seeded: the same examples on every run
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

# --------------------------------------------------------------------------- intake

CELLS = st.one_of(
    st.sampled_from(
        [
            "",
            "0",
            "1",
            "2",
            "1.5",
            "-3",
            "1e308",
            "1e400",
            "inf",
            "-inf",
            "nan",
            "NA",
            "?",
            "a",
            "b",
            "a|b",
            "b|c|",
            "|",
            "true",
            "False",
            "yes",
            "2024-01-01",
            "01/02/2024",
            "12:30",
            '"q,x"',
            '"',
            "é",
            " ",
            "x y",
            "1,5",
            "\x00",
            "=1+1",
            "<b>x</b>",
            "UTF8",
            "9999-12-31",
            "0001-01-01",
            "1.234,5",
            "\ufeff",
            "\r",
        ]  # fmt: skip
    ),
    st.text(max_size=6),
)
NAMES = st.sampled_from(["a", "b", "target", "", "a", "id", "label", "x", " y ", "1", "é", "$t"])


@st.composite
def csv_like(draw) -> bytes:
    """Small CSV-ish files: odd delimiters, ragged rows, quotes, encodings, line ends."""
    delimiter = draw(st.sampled_from([",", ";", "\t", "|", ":", " "]))
    n_cols = draw(st.integers(1, 5))
    rows = [[draw(NAMES) for _ in range(n_cols)]]
    for _ in range(draw(st.integers(0, 12))):
        width = draw(st.integers(max(0, n_cols - 1), n_cols + 1))
        rows.append([draw(CELLS) for _ in range(width)])
    eol = draw(st.sampled_from(["\n", "\r\n", "\r"]))
    lead = draw(st.sampled_from(["", "", "sep=;" + eol, "\ufeff", eol]))
    text = lead + eol.join(delimiter.join(r) for r in rows) + draw(st.sampled_from(["", eol]))
    encoding = draw(st.sampled_from(["utf-8", "utf-16", "utf-16-be", "latin-1", "cp1252"]))
    return text.encode(encoding, errors="replace")


def _check_dataset(raw, target, label_sep=None) -> None:
    try:
        ds = build_dataset(raw, target, label_sep=label_sep)
    except DataError:
        return
    n = ds.n_rows
    assert ds.X.shape[0] == n and np.asarray(ds.y).shape[0] == n and ds.row_ids.shape == (n,)
    assert ds.n_dropped_missing_target == raw.frame.shape[0] - n
    assert set(ds.row_ids) <= set(range(raw.frame.shape[0]))
    assert [d.column for d in ds.schema] == list(raw.frame.columns)
    assert len(ds.classes) >= 2
    if ds.is_multilabel:
        assert set(np.unique(ds.y)) <= {0, 1}
    else:
        assert set(np.unique(ds.y)) == set(range(len(ds.classes)))


@FAST
@given(st.binary(max_size=400))
def test_read_table_on_any_bytes_raises_only_data_error(data):
    try:
        raw = read_table(data)
    except DataError as err:
        assert str(err) and "\n" not in str(err)
        return
    assert raw.frame.shape[0] >= 1
    assert list(raw.frame.index) == list(range(raw.frame.shape[0]))


@pytest.mark.slow
@FAST
@given(csv_like())
def test_csv_like_text_loads_or_raises_data_error(data):
    try:
        raw = read_table(data)
    except DataError as err:
        assert str(err) and "\n" not in str(err)
        return
    guess = suggest_target(raw)
    assert guess.column is None or guess.column in raw.frame.columns
    columns = list(raw.frame.columns)
    for column in columns[:3]:
        _check_dataset(raw, column)
        _check_dataset(raw, column, label_sep="|")
    if len(columns) >= 2:
        _check_dataset(raw, columns[:2])
    _check_dataset(raw, "not a column")


@FAST
@given(csv_like(), st.binary(max_size=64))
def test_a_valid_start_then_garbage_raises_only_data_error(head, tail):
    with contextlib.suppress(DataError):
        read_table(head + tail)


# --------------------------------------------------------------------------- metrics


@st.composite
def label_inputs(draw):
    """Labels, predictions and probabilities of every shape, dtype and range, often valid."""
    task = draw(st.sampled_from([*TASK_KINDS, "regression"]))
    k = draw(st.integers(2 if task == "multilabel" else 0, 4))
    n = draw(st.integers(0, 12))
    classes = draw(st.lists(st.text(max_size=3), min_size=k, max_size=k))
    right = (n, k) if task == "multilabel" else (n,)
    top = 1 if task == "multilabel" else max(k - 1, 0)

    def labels() -> np.ndarray:
        shape = right if draw(st.integers(0, 5)) else draw(st.sampled_from([(n + 1,), (n, k + 1)]))
        values = st.integers(0, top) if draw(st.integers(0, 5)) else st.integers(-2, top + 2)
        arr = draw(hnp.arrays(np.int64, shape, elements=values))
        return arr.astype(draw(st.sampled_from([np.int64, np.int8, np.uint8, bool, np.float64])))

    proba = draw(
        st.one_of(
            st.none(),
            hnp.arrays(np.float64, (n, k), elements=st.floats(0, 1)),
            hnp.arrays(np.float64, (n, k + 1), elements=st.floats(0, 1)),
        )
    )
    return labels(), labels(), proba, classes, task


def _in_unit(values) -> bool:
    values = np.asarray(values, dtype=float)
    values = values[~np.isnan(values)]
    return bool(np.all((values >= -1) & (values <= 1)))


@pytest.mark.slow
@settings(FAST, max_examples=200)
@given(label_inputs())
def test_metrics_on_random_labels_raise_only_data_error(inputs):
    y_true, y_pred, proba, classes, task = inputs
    calls = {
        "summary": lambda: metrics.summary_scores(y_true, y_pred, proba, classes, task),
        "per_class": lambda: metrics.per_class_table(y_true, y_pred, classes, task),
        "confusion": lambda: metrics.confusion(y_true, y_pred, classes, task),
        "bootstrap": lambda: significance.bootstrap_ci(y_true, y_pred, classes, task, n_boot=20),
        "ap": lambda: metrics.average_precision_per_class(y_true, proba, classes, task),
        "roc": lambda: metrics.roc_auc_per_class(y_true, proba, classes, task),
        "score": lambda: metrics.score("macro_f1", y_true, y_pred, proba, classes, task),
        "mcnemar": lambda: significance.mcnemar_test(y_true, y_pred, y_true),
    }
    for name, call in calls.items():
        try:
            got = call()
        except DataError:
            continue
        if name == "summary":
            ok = {m: v for m, v in got.items() if m != "hamming_loss"}
            assert _in_unit(list(ok.values())), got  # mcc and kappa lie in [-1, 1]
        elif name == "per_class":
            assert _in_unit(got[["precision", "recall", "f1", "specificity"]].to_numpy())
            rows = int(y_true.sum()) if task == "multilabel" else len(y_true)
            assert int(got["support"].sum()) == rows
        elif name == "confusion":
            total = np.asarray(got).sum()
            assert total == (y_true.size if task == "multilabel" else len(y_true))
        elif name == "mcnemar":
            assert 0 <= got.p_value <= 1
        elif name == "bootstrap":
            intervals = [*got.per_class_f1.values(), got.macro_f1]
            assert all(0 <= i.low <= i.high <= 1 for i in intervals), got


@FAST
@given(
    hnp.arrays(np.float64, st.integers(0, 40), elements=st.sampled_from([0.0, 0.25, 0.5, 1.0])),
    st.randoms(use_true_random=False),
)
def test_the_threshold_sweep_counts_every_cut(scores, random):
    """cut_counts agrees with a loop over its thresholds, on scores with many ties."""
    y = np.array([random.random() < 0.4 for _ in scores], dtype=bool)
    threshold, tp, fp, n_pos, n_neg = cut_counts(y, scores)
    assert threshold[0] == np.inf and np.all(np.diff(threshold) < 0)
    assert set(threshold[1:].tolist()) == set(scores.tolist())
    for t, p, f in zip(threshold, tp, fp, strict=True):
        assert p == np.sum(y & (scores >= t)) and f == np.sum(~y & (scores >= t))
    assert (n_pos, n_neg) == (int(y.sum()), int((~y).sum()))


SCORES = st.lists(
    st.one_of(st.just(float("nan")), st.integers(0, 1000).map(lambda i: i / 1000)),
    max_size=6,
)


@FAST
@given(SCORES, SCORES, st.floats(-5, 1e6), st.floats(-5, 1e6))
def test_the_paired_t_test_raises_only_data_error(a, b, n_train, n_test):
    """Fold scores are ratios of counts (or NaN where undefined)."""
    try:
        t, p = significance.corrected_resampled_ttest(a, b, n_train=n_train, n_test=n_test)
    except DataError:
        return
    assert np.isnan(p) or 0 <= p <= 1


def test_metrics_refuse_a_multilabel_target_with_one_label():
    y = np.array([[1], [0], [1]])
    with pytest.raises(DataError, match="at least two labels"):
        metrics.summary_scores(y, y, None, ["only"], "multilabel")


def test_metrics_refuse_probabilities_that_are_not_finite():
    y = np.array([0, 1, 0, 1])
    proba = np.array([[0.5, 0.5], [np.nan, 0.2], [0.1, 0.9], [0.3, 0.7]])
    with pytest.raises(DataError, match="NaN or infinite"):
        metrics.summary_scores(y, y, proba, ["a", "b"], "binary")


def _loads(data: bytes) -> bool:
    try:
        raw = read_table(data)
        return build_dataset(raw, raw.frame.columns[0]).n_rows > 1
    except DataError:
        return False


def _scores(inputs) -> bool:
    y_true, y_pred, proba, classes, task = inputs
    try:
        return (
            proba is not None
            and len(metrics.summary_scores(y_true, y_pred, proba, classes, task)) > 5
        )
    except DataError:
        return False


@pytest.mark.slow
def test_the_generators_reach_valid_inputs():
    """The properties are not vacuous: the generators make files that load and labels that
    score (hypothesis.find raises if it finds no such example)."""
    search = settings(FAST, max_examples=500, phases=[Phase.generate])  # no shrinking
    assert _loads(find(csv_like(), _loads, settings=search))
    assert _scores(find(label_inputs(), _scores, settings=search))
