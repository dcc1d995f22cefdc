"""The measured facts of an imbalance profile: multi-label measures, neighbourhood difficulty,
duplicate rows. :mod:`core.profile.measures` computes them, :mod:`core.profile.pitfalls` judges
them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from core.profile.finding import jsonable

EXAMPLE_TYPES = ("safe", "borderline", "rare", "outlier")


@dataclass(frozen=True, eq=False)
class MultilabelStats:
    """Charte et al.'s imbalance measures of a 0/1 label matrix."""

    label_cardinality: float  # mean number of labels per row
    label_density: float  # cardinality / number of labels
    irlbl: dict[str, float]  # max label count / label count; NaN for a label no row carries
    mean_ir: float  # mean IRLbl (labels with rows only)
    cvir: float  # sample std (ddof=1) of IRLbl / MeanIR
    scumble: float  # 0 = rare and frequent labels never share a row
    cooccurrence: np.ndarray  # (K, K) int64: rows carrying both labels; diagonal = label counts
    n_labelsets: int  # distinct label combinations (the empty set counts as one)
    n_rows_no_label: int


@dataclass(frozen=True, eq=False)
class Difficulty:
    """Napierala & Stefanowski's example types of the minority classes' rows, and for every
    class which classes its rows' neighbours belong to.

    Multi-label: each label is judged one-vs-rest (rows carrying it against rows not carrying
    it); ``overlap[l][m]`` is then the share of the neighbours of label ``l``'s rows that carry
    ``m`` (rows can carry several labels, so a row of shares need not sum to 1).
    """

    k: int  # neighbours used (``min(k, n_rows_used - 1)``)
    n_rows_used: int  # rows the neighbourhoods were computed on
    sampled: bool  # True when a stratified sample of the rows was used
    types: dict[str, dict[str, int]]  # minority class -> {"safe", "borderline", …} row counts
    overlap: dict[str, dict[str, float]]  # every class -> neighbour class -> share of neighbours

    @property
    def type_shares(self) -> dict[str, dict[str, float]]:
        """Share of each example type within each class (NaN for a class with no rows)."""
        shares = {}
        for cls, counts in self.types.items():
            total = sum(counts.values())
            shares[cls] = {t: counts[t] / total if total else math.nan for t in EXAMPLE_TYPES}
        return shares

    def to_dict(self) -> dict:
        return jsonable(
            {
                "k": self.k,
                "n_rows_used": self.n_rows_used,
                "sampled": self.sampled,
                "types": self.types,
                "type_shares": self.type_shares,
                "overlap": self.overlap,
            }
        )


@dataclass(frozen=True, eq=False)
class DuplicateStats:
    """Exact duplicate rows (features and target) and identical features with other targets."""

    n_duplicate_rows: int  # rows that repeat an earlier row exactly
    per_class: dict[str, int]  # duplicate rows per class (multi-label: per label carried)
    n_conflicting_groups: int  # groups of identical feature rows with more than one target
    n_conflicting_rows: int  # rows in those groups
