"""Statements that make several points: split into points, each linked to its input.

A council's statement often makes one main point and touches others. The
input keeps the theme of the whole text (grouping the points instead and
voting lowered NMI on the tuning half from 0.57 to 0.48, see
``bench/themes.py``); its points are then placed into the fitted themes one by
one, so that a statement that also touches another theme shows up there too.

Examples
--------
>>> split_points("Kort innspill.")
['Kort innspill.']
>>> text = ("Eldrerådet mener at maten på sykehjemmet må lages på eget kjøkken og serveres varm. "
...         "Videre må bussen gå oftere til sentrum, også om kvelden og i helgene, for de som ikke kjører bil.")
>>> len(split_points(text, min_chars=100))
2
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .speaker import strip_speaker

__all__ = ["Point", "split_points"]

_SENTENCE_RE = re.compile(r"(?<=[.!?])\s+(?=[A-ZÆØÅ0-9\"«(])")


@dataclass
class Point:
    """One point of a long input, placed in a theme.

    Attributes
    ----------
    input_index : int
        Index of the input the point comes from.
    text : str
        The point's text (speaker frames removed).
    theme : int
        Theme id it was placed in, ``-1`` for none.
    certainty : float
        Cosine similarity to that theme's centre (0..1).
    """

    input_index: int
    text: str
    theme: int
    certainty: float


def split_points(text: str, *, min_chars: int = 240, min_point: int = 60) -> list[str]:
    """Points of ``text``: its sentences joined until each has ``min_point`` characters.

    Texts shorter than ``min_chars`` (after speaker frames are removed) are one
    point, returned as they are.
    """
    clean = strip_speaker(text) or str(text or "")
    if len(clean) < min_chars:
        return [text]
    out: list[str] = []
    current = ""
    for sentence in _SENTENCE_RE.split(clean):
        current = f"{current} {sentence}".strip()
        if len(current) >= min_point:
            out.append(current)
            current = ""
    if current:
        if out:
            out[-1] = f"{out[-1]} {current}"
        else:
            out.append(current)
    return out if len(out) >= 2 else [text]
