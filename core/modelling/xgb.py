"""XGBoost's classifier for any class codes (imported only when the model is used: importing
xgboost takes over a second).

``XGBClassifier`` wants the labels ``0..m-1``; a training fold that misses a class (one with
fewer rows than folds) has a gap, e.g. ``{0, 2}``. :class:`CodesXGBClassifier` fits on the
positions of the codes present and answers in codes, like every scikit-learn classifier.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from xgboost import XGBClassifier


class CodesXGBClassifier(XGBClassifier):
    """``XGBClassifier`` whose ``classes_`` are the class codes seen in ``fit``."""

    def fit(
        self, X: Any, y: Any, *, sample_weight: Any = None, **kwargs: Any
    ) -> CodesXGBClassifier:
        y = np.asarray(y)
        codes = np.unique(y)
        self.__dict__.pop("codes_", None)  # XGBoost checks the positions against classes_
        super().fit(X, np.searchsorted(codes, y), sample_weight=sample_weight, **kwargs)
        self.codes_ = codes
        return self

    @property
    def classes_(self) -> np.ndarray:
        codes = self.__dict__.get("codes_")
        return np.arange(self.n_classes_) if codes is None else codes

    def predict(self, X: Any, **kwargs: Any) -> np.ndarray:
        positions = np.asarray(super().predict(X, **kwargs), dtype=np.intp)
        return np.asarray(self.classes_)[positions]
