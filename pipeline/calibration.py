"""Temperature scaling: one number that makes a linear model's probabilities honest.

Logistic regression with class weights and regularization is often under- or over-
confident; dividing its logits by a temperature fitted on out-of-fold predictions
fixes that without changing any prediction (the argmax stays the same).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin


def _softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return np.asarray(e / e.sum(axis=1, keepdims=True))


def fit_temperature(logits: np.ndarray, y: np.ndarray, classes: list[str]) -> float:
    """The temperature that minimizes the log-loss of `softmax(logits / T)`."""
    from scipy.optimize import minimize_scalar

    idx = np.searchsorted(np.asarray(classes), y)

    def nll(log_t: float) -> float:
        p = _softmax(logits / np.exp(log_t))
        return float(-np.log(np.clip(p[np.arange(len(y)), idx], 1e-12, None)).mean())

    res = minimize_scalar(nll, bounds=(-3.0, 3.0), method="bounded")
    return float(np.exp(res.x))


class TemperatureScaled(ClassifierMixin, BaseEstimator):
    """A linear classifier whose probabilities are softmax(decision / temperature)."""

    def __init__(self, estimator: Any = None, temperature: float = 1.0) -> None:
        self.estimator = estimator
        self.temperature = temperature

    def fit(self, X: Any, y: Any, sample_weight: Any = None) -> TemperatureScaled:
        from sklearn.base import clone

        self.estimator_ = clone(self.estimator).fit(X, y, sample_weight=sample_weight)
        self.classes_ = self.estimator_.classes_
        return self

    def decision_function(self, X: Any) -> np.ndarray:
        d = np.asarray(self.estimator_.decision_function(X))
        return d if d.ndim == 2 else np.column_stack([-d, d])

    def predict_proba(self, X: Any) -> np.ndarray:
        return _softmax(self.decision_function(X) / self.temperature)

    def predict(self, X: Any) -> np.ndarray:
        return np.asarray(self.classes_)[self.decision_function(X).argmax(axis=1)]
