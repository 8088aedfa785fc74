"""Match the themes of a re-run to those of the previous run.

A re-run should keep the names reviewers gave and the inputs they moved;
:func:`match_themes` says which new theme continues which old one, by the
overlap of their inputs (Jaccard index), with a one-to-one assignment that
maximises the total overlap (Hungarian method).

Examples
--------
>>> match_themes({"Mat": [1, 2, 3], "Buss": [4, 5]}, {0: [4, 5, 6], 1: [1, 2]})
{0: 'Buss', 1: 'Mat'}
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping

import numpy as np
from scipy.optimize import linear_sum_assignment

__all__ = ["match_themes", "theme_overlap"]


def theme_overlap(a: Iterable, b: Iterable) -> float:
    """Jaccard index of two collections of input ids."""
    a, b = set(a), set(b)
    union = len(a | b)
    return len(a & b) / union if union else 0.0


def match_themes(
    previous: Mapping[Hashable, Iterable],
    current: Mapping[Hashable, Iterable],
    *,
    min_overlap: float = 0.1,
) -> dict:
    """Map each current theme key to the previous theme it continues.

    Parameters
    ----------
    previous, current : mapping of theme key -> input ids
    min_overlap : float
        Pairs with a lower Jaccard index are not matched.

    Returns
    -------
    dict
        ``current key -> previous key`` for the matched themes only, best
        match first.
    """
    prev_keys = list(previous)
    cur_keys = list(current)
    if not prev_keys or not cur_keys:
        return {}
    prev_sets = [set(previous[k]) for k in prev_keys]
    cur_sets = [set(current[k]) for k in cur_keys]
    J = np.array([[theme_overlap(c, p) for p in prev_sets] for c in cur_sets])
    rows, cols = linear_sum_assignment(-J)
    pairs = [(J[r, c], r, c) for r, c in zip(rows, cols, strict=False) if J[r, c] >= min_overlap]
    pairs.sort(key=lambda t: (-t[0], t[1]))
    return {cur_keys[r]: prev_keys[c] for _j, r, c in pairs}
