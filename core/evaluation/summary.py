"""What a comparison analysed: :class:`DatasetSummary`, enough to label results without
keeping the data (saved with every run)."""

from __future__ import annotations

from dataclasses import dataclass

from core.intake.dataset import Dataset


@dataclass(frozen=True)
class DatasetSummary:
    """What was analysed: enough to label results without keeping the data."""

    name: str
    content_hash: str
    task: str
    target: tuple[str, ...]
    classes: tuple[str, ...]
    class_counts: dict[str, int]  # every analysed row (multi-label: rows carrying each)
    n_rows: int  # rows analysed (after dropping rows without a target)
    n_cv_rows: int
    n_holdout_rows: int
    n_dropped_missing_target: int = 0
    label_sep: str | None = None
    sampled_from: int | None = None  # rows of the full data when this ran on a sample
    sample_note: str | None = None  # the sentence announcing the sample (see core.intake.sampling)


def dataset_summary(ds: Dataset, n_holdout: int) -> DatasetSummary:
    """What :class:`DatasetSummary` keeps of ``ds`` when ``n_holdout`` of its rows are held out."""
    return DatasetSummary(
        name=ds.name,
        content_hash=ds.content_hash,
        task=ds.task,
        target=tuple(ds.target),
        classes=tuple(ds.classes),
        class_counts=ds.class_counts,
        n_rows=ds.n_rows,
        n_cv_rows=ds.n_rows - n_holdout,
        n_holdout_rows=n_holdout,
        n_dropped_missing_target=ds.n_dropped_missing_target,
        label_sep=ds.label_sep,
        sampled_from=ds.sampled_from,
        sample_note=ds.sample_note,
    )
