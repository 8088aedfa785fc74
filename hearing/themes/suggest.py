"""Learning from reviewers: suggest a theme for inputs not yet placed.

Reviewers confirm or move inputs; :class:`ThemeSuggester` is trained on those
decisions and suggests a theme, with a confidence between 0 and 1, for every
other input. Use the vectors of the same :class:`~hearing.themes.ThemeModel`
(``model.vectors_`` or ``model.transform(texts)``).

Examples
--------
>>> import numpy as np
>>> X = np.array([[1.0, 0.0], [0.9, 0.1], [0.0, 1.0], [0.1, 0.9]])
>>> s = ThemeSuggester(random_state=0).fit(X, ["mat", "mat", "buss", "buss"])
>>> s.suggest(np.array([[0.95, 0.05]]))[0].tolist()
['mat']
"""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import normalize

__all__ = ["ThemeSuggester"]


class ThemeSuggester(ClassifierMixin, BaseEstimator):
    """Suggest themes from reviewers' confirmed placements.

    Parameters
    ----------
    method : {"auto", "logistic", "centroid"}
        ``"logistic"``: multinomial logistic regression on the vectors;
        ``"centroid"``: cosine similarity to the mean of each theme's
        confirmed inputs, turned into probabilities with a softmax.
        ``"auto"`` uses the centroid method while there are fewer than
        ``min_per_class`` confirmed inputs per theme on average, else both
        averaged.
    C : float
        Inverse regularisation of the logistic regression.
    temperature : float
        Softmax temperature of the centroid method.
    min_per_class : int
        See ``method="auto"``.
    random_state : int, RandomState or None

    Attributes
    ----------
    classes_ : ndarray
        Theme ids seen in ``fit``.
    """

    def __init__(self, *, method="auto", C=2.0, temperature=0.05, min_per_class=5,
                 random_state=None):
        self.method = method
        self.C = C
        self.temperature = temperature
        self.min_per_class = min_per_class
        self.random_state = random_state

    def fit(self, X, y):
        """Learn from vectors ``X`` of confirmed inputs and their theme ids ``y``."""
        if self.method not in ("auto", "logistic", "centroid"):
            raise ValueError(f"unknown method {self.method!r}")
        X = normalize(np.asarray(X, dtype=np.float64))
        y = np.asarray(y)
        if len(y) == 0:
            raise ValueError("need at least one confirmed input")
        self.classes_, yi = np.unique(y, return_inverse=True)
        self.centroids_ = normalize(
            np.vstack([X[yi == c].mean(axis=0) for c in range(len(self.classes_))])
        )
        per_class = len(y) / len(self.classes_)
        use_lr = len(self.classes_) >= 2 and (
            self.method == "logistic"
            or (self.method == "auto" and per_class >= self.min_per_class)
        )
        self.logistic_ = None
        if use_lr:
            self.logistic_ = LogisticRegression(
                C=self.C, max_iter=1000, class_weight="balanced", random_state=self.random_state
            ).fit(X, yi)
        return self

    def _centroid_proba(self, X):
        sims = X @ self.centroids_.T
        z = (sims - sims.max(axis=1, keepdims=True)) / self.temperature
        p = np.exp(z)
        return p / p.sum(axis=1, keepdims=True)

    def predict_proba(self, X):
        """Probability of each theme in ``classes_`` per row."""
        X = normalize(np.asarray(X, dtype=np.float64))
        if self.logistic_ is None:
            return self._centroid_proba(X)
        p = self.logistic_.predict_proba(X)
        if self.method == "auto":
            p = 0.5 * (p + self._centroid_proba(X))
        return p

    def predict(self, X):
        """Most likely theme id per row."""
        return self.suggest(X)[0]

    def suggest(self, X):
        """Suggested theme id and its confidence (0..1) for each row of ``X``."""
        p = self.predict_proba(X)
        best = np.argmax(p, axis=1)
        return self.classes_[best], p[np.arange(len(p)), best]
