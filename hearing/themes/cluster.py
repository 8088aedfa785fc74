"""Clustering with an automatic number of themes and a "Diverse" group.

Vectors come in with rows of unit length (see :mod:`hearing.themes.vectorize`),
so k-means on them groups by cosine similarity.

The structure is learnt on a sample in a UMAP reduction of the vectors; the
number of themes is chosen there: k-means for each candidate k, scored by the
silhouette. Short texts on overlapping themes give a
silhouette that keeps creeping up with k, so the choice is the *smallest* k
whose score comes within ``tolerance`` of the best one, which keeps the list of
themes short enough to review. Rows outside the sample join the nearest
centre, which makes 100k rows cheap.

Inputs that are far from their centre compared with the other members of the
theme (a robust z-score of the cosine similarity) and members of themes too
small to stand on their own go to the "Diverse" group, label ``-1``.

Examples
--------
>>> import numpy as np
>>> rng = np.random.RandomState(0)
>>> X = np.vstack([rng.normal(c, 0.1, size=(20, 3)) for c in np.eye(3)])
>>> ThemeClusterer(n_clusters="auto", random_state=0).fit(X).n_clusters_
3
"""

from __future__ import annotations

import numbers

import numpy as np
from sklearn.base import BaseEstimator, ClusterMixin
from sklearn.cluster import KMeans
from sklearn.metrics import silhouette_score
from sklearn.preprocessing import normalize
from sklearn.utils import check_random_state

__all__ = ["MISC", "ThemeClusterer", "acceptance_threshold", "choose_n_clusters"]

#: Label of the "Diverse" group.
MISC = -1


#: A theme with fewer members than this has no spread to measure: it takes whatever lies nearest to it.
MIN_MEMBERS_FOR_THRESHOLD = 4


def acceptance_threshold(similarities, misc_threshold):
    """How similar to a theme's centre an input must be to join the theme (one rule for the
    clustering, for themes rebuilt from reviewers' placements and for placing new inputs).

    ``similarities`` are the members' cosine similarities to the centre; the threshold is their
    median minus ``misc_threshold`` robust deviations (MAD). ``-inf`` (anything nearest) when
    ``misc_threshold`` is None or the theme is too small to have a spread: a theme a reviewer
    split off with two inputs must still receive new ones.
    """
    s = np.asarray(similarities, dtype=np.float64)
    if misc_threshold is None or len(s) < MIN_MEMBERS_FOR_THRESHOLD:
        return -np.inf
    med = float(np.median(s))
    mad = 1.4826 * float(np.median(np.abs(s - med)))
    return med - misc_threshold * max(mad, 1e-6)


def _kmeans(X, k, *, n_init, random_state, init="k-means++", max_iter=100):
    return KMeans(
        n_clusters=k, n_init=n_init, init=init, max_iter=max_iter, random_state=random_state
    ).fit(X)


def _candidate_ks(k_min: int, k_max: int, max_candidates: int = 24) -> list[int]:
    ks = list(range(k_min, k_max + 1))
    if len(ks) <= max_candidates:
        return ks
    grid = np.unique(np.round(np.geomspace(k_min, k_max, max_candidates)).astype(int))
    return [int(k) for k in grid]


def choose_n_clusters(
    X,
    *,
    k_min=2,
    k_max=30,
    sample_size=2500,
    tolerance=0.3,
    n_init=2,
    metric="cosine",
    random_state=None,
    progress=None,
):
    """Choose the number of clusters for ``X`` by silhouette on a sample.

    ``progress``, if given, is called with the share of candidates tried.

    Returns
    -------
    k : int
        The smallest candidate that is a local maximum of the silhouette
        (no lower than its neighbours on the grid) and scores at least
        ``(1 - tolerance) * best``.
    scores : dict
        ``k -> silhouette`` for every candidate tried.
    """
    rng = check_random_state(random_state)
    n = X.shape[0]
    idx = np.arange(n) if n <= sample_size else np.sort(rng.choice(n, sample_size, replace=False))
    S = X[idx]
    k_max = int(min(k_max, len(S) - 1))
    k_min = int(max(2, min(k_min, k_max)))
    if k_max < 2:
        return 1, {}
    scores: dict[int, float] = {}
    seed = rng.randint(np.iinfo(np.int32).max)
    candidates = _candidate_ks(k_min, k_max)
    for i, k in enumerate(candidates):
        if progress is not None:
            progress(i / len(candidates))
        labels = _kmeans(S, k, n_init=n_init if len(S) > 1000 else 2 * n_init,
                         random_state=seed).labels_
        # A small island far from the rest (UMAP makes them) would give k=2 a
        # high score while saying nothing about the topics: clusters under 2 %
        # of the rows are left out of the score.
        sizes = np.bincount(labels, minlength=k)
        big = sizes[labels] >= max(3, 0.02 * len(S))
        if len(np.unique(labels[big])) < 2:
            continue
        scores[k] = float(silhouette_score(S[big], labels[big], metric=metric))
    if not scores:
        return k_min, scores
    best = max(scores.values())
    if best <= 0:
        return max(scores, key=scores.get), scores
    ks = sorted(scores)
    floor = (1.0 - tolerance) * best
    for i, k in enumerate(ks):
        left = scores[ks[i - 1]] if i > 0 else -np.inf
        right = scores[ks[i + 1]] if i + 1 < len(ks) else -np.inf
        if scores[k] >= floor and scores[k] >= left and scores[k] >= right:
            return k, scores
    return max(scores, key=scores.get), scores  # pragma: no cover


class ThemeClusterer(ClusterMixin, BaseEstimator):
    """k-means on unit vectors with an automatic k and a "Diverse" group.

    Parameters
    ----------
    n_clusters : "auto" or int
        Number of themes; ``"auto"`` chooses it between ``min_clusters`` and
        ``max_clusters`` (see :func:`choose_n_clusters`).
    min_clusters, max_clusters : int
        Range for the automatic choice; ``max_clusters`` is also capped at
        ``n_sample_rows // (2 * min_size)``, so that themes can be big enough.
    misc_threshold : float or None
        An input goes to "Diverse" when its cosine similarity to its centre
        lies more than this many robust standard deviations (1.4826 * MAD)
        below the median of its theme. ``None`` turns this off.
    min_size : int
        Themes with fewer members are dissolved into "Diverse".
    sample_size : int
        Rows on which the structure (reduction, k, clusters) is learnt; the
        other rows join the nearest theme centre. Kept under 4096, where UMAP
        finds neighbours exactly instead of building a pynndescent index:
        in a fresh process at 100k inputs, building that index (mostly numba
        compiling it) took a third of the whole run (cProfile, 184 of 541 s).
    tolerance : float
        See :func:`choose_n_clusters`. In UMAP space the silhouette keeps
        creeping up with k; 0.2 gives lists of themes a review group can
        work through (14-18 on the development halves) at a small cost in NMI.
    reduce : {"umap", "none"}
        Cluster in a UMAP reduction (cosine, ``n_neighbors``,
        ``n_components``) of the sample, which follows the local shape of
        topics better than k-means on the raw vectors (measured in
        ``bench/themes.py``); centres and thresholds stay in the vector
        space, so :meth:`place` needs no UMAP. Samples smaller than
        ``umap_min_samples`` are clustered as they are.
    random_state : int, RandomState or None

    Attributes
    ----------
    labels_ : ndarray of int
        Theme per row, ``-1`` for "Diverse".
    cluster_centers_ : ndarray of shape (n_clusters_, n_features)
        Unit-length centres.
    n_clusters_ : int
    thresholds_ : ndarray
        Per theme, the lowest similarity that still counts as a member.
    k_scores_ : dict
        Silhouette per candidate k (empty when k was given).
    """

    def __init__(
        self,
        n_clusters="auto",
        *,
        min_clusters=2,
        max_clusters=30,
        misc_threshold=2.5,
        min_size=3,
        sample_size=4000,
        tolerance=0.2,
        reduce="umap",
        n_neighbors=15,
        n_components=10,
        umap_min_samples=100,
        random_state=None,
    ):
        self.reduce = reduce
        self.n_neighbors = n_neighbors
        self.n_components = n_components
        self.umap_min_samples = umap_min_samples
        self.n_clusters = n_clusters
        self.min_clusters = min_clusters
        self.max_clusters = max_clusters
        self.misc_threshold = misc_threshold
        self.min_size = min_size
        self.sample_size = sample_size
        self.tolerance = tolerance
        self.random_state = random_state

    def _check_params(self, n):
        if not (self.n_clusters == "auto" or isinstance(self.n_clusters, numbers.Integral)):
            raise ValueError(f"n_clusters must be 'auto' or an int, got {self.n_clusters!r}")
        if isinstance(self.n_clusters, numbers.Integral) and self.n_clusters < 1:
            raise ValueError("n_clusters must be at least 1")
        if self.min_clusters < 1 or self.max_clusters < self.min_clusters:
            raise ValueError("need 1 <= min_clusters <= max_clusters")

    def _reduce(self, S, seed):
        """UMAP of the sample rows (cosine), or the rows themselves."""
        if self.reduce != "umap" or len(S) < self.umap_min_samples:
            return S, "cosine"
        import warnings

        import umap  # imported late: numba compiles on first use

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # n_jobs overridden by random_state
            Z = umap.UMAP(
                n_neighbors=int(min(self.n_neighbors, len(S) - 1)),
                n_components=self.n_components,
                min_dist=0.0,
                metric="cosine",
                random_state=seed,
                low_memory=True,
            ).fit_transform(S)
        return np.asarray(Z, dtype=np.float32), "euclidean"

    def fit(self, X, y=None, progress=None):
        """Cluster the unit-length rows of ``X``.

        ``progress``, if given, is called with the share of the work done
        (0 to 1): the reduction, then each candidate number of themes.
        """
        step = progress if progress is not None else (lambda done: None)
        X = np.asarray(X, dtype=np.float32)
        n = X.shape[0]
        self._check_params(n)
        rng = check_random_state(self.random_state)
        self.k_scores_ = {}
        if n == 0:
            self.labels_ = np.empty(0, dtype=int)
            self.cluster_centers_ = np.empty((0, X.shape[1]), dtype=np.float32)
            self.thresholds_ = np.empty(0)
            self.n_clusters_ = 0
            return self
        seed = int(rng.randint(np.iinfo(np.int32).max))
        # The structure is learnt on a sample (all rows up to sample_size); the
        # other rows join the nearest theme, which keeps 100k inputs cheap.
        idx = np.arange(n) if n <= self.sample_size else np.sort(
            rng.choice(n, self.sample_size, replace=False))
        S = X[idx]
        step(0.0)
        Z, metric = self._reduce(S, seed)
        step(0.4)
        if self.n_clusters == "auto":
            # no cap tied to n beyond what min_size allows: the data decide
            cap = max(self.min_clusters, len(S) // max(self.min_size * 2, 1))
            k, self.k_scores_ = choose_n_clusters(
                Z,
                k_min=self.min_clusters,
                k_max=min(self.max_clusters, cap),
                sample_size=self.sample_size,
                tolerance=self.tolerance,
                metric=metric,
                random_state=rng,
                progress=lambda done: step(0.4 + 0.5 * done),
            )
        else:
            k = int(self.n_clusters)
        k = int(max(1, min(k, len(S))))
        step(0.9)
        km = _kmeans(Z, k, n_init=10 if len(S) <= 2000 else 4, random_state=seed)
        sub = km.labels_.astype(int)
        centers = np.zeros((k, X.shape[1]), dtype=np.float32)
        for c in range(k):
            if np.any(sub == c):
                centers[c] = S[sub == c].mean(axis=0)
        centers = normalize(centers)
        if len(idx) == n:
            labels = sub
        else:
            labels = np.argmax(X @ centers.T, axis=1).astype(int)
            labels[idx] = sub
        labels, centers = self._refine(X, labels, centers)
        self.labels_ = labels
        return self

    def _refine(self, X, labels, centers):
        """Drop tiny themes, renumber by size, set thresholds, mark "Diverse"."""
        sizes = np.bincount(labels, minlength=len(centers))
        keep = np.flatnonzero(sizes >= self.min_size)
        if keep.size == 0:
            keep = np.array([int(np.argmax(sizes))])
        keep = keep[np.argsort(-sizes[keep], kind="stable")]
        centers = centers[keep]
        sims = X @ centers.T
        nearest = np.argmax(sims, axis=1)
        best = sims[np.arange(len(X)), nearest]
        remap = np.full(len(sizes), -1)
        remap[keep] = np.arange(len(keep))
        labels = remap[labels]  # members of dissolved themes -> -1
        # recompute centres from members
        for c in range(len(keep)):
            members = labels == c
            if members.any():
                centers[c] = X[members].mean(axis=0)
        centers = normalize(centers)
        sims = X @ centers.T
        best = sims[np.arange(len(X)), np.clip(labels, 0, None)]
        thresholds = np.array([acceptance_threshold(best[labels == c], self.misc_threshold)
                               for c in range(len(keep))], dtype=np.float64).reshape(-1)
        if self.misc_threshold is not None:
            far = (labels >= 0) & (best < thresholds[np.clip(labels, 0, None)])
            labels = np.where(far, MISC, labels)
        self.cluster_centers_ = centers.astype(np.float32)
        self.thresholds_ = thresholds
        self.n_clusters_ = len(keep)
        return labels, centers

    def predict(self, X):
        """Nearest theme for new rows, or ``-1`` where none fits (see :meth:`place`)."""
        return self.place(X)[0]

    def place(self, X):
        """Nearest theme and cosine distance for new unit-length rows.

        Returns ``(labels, distances)``; a label is ``-1`` when the similarity is
        below that theme's threshold.
        """
        X = np.asarray(X, dtype=np.float32)
        if self.n_clusters_ == 0:
            return np.full(len(X), MISC), np.ones(len(X))
        sims = X @ self.cluster_centers_.T
        nearest = np.argmax(sims, axis=1)
        best = sims[np.arange(len(X)), nearest]
        labels = np.where(best >= self.thresholds_[nearest], nearest, MISC)
        return labels.astype(int), (1.0 - best).astype(np.float64)
