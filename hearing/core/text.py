"""Text helpers shared by every area."""

from __future__ import annotations

import re
import unicodedata


def slugify(text: str) -> str:
    text = text.lower().replace("æ", "ae").replace("ø", "o").replace("å", "a")
    text = re.sub(r"[^\w]+", "-", text)  # before ASCII folding, so dashes and spaces become "-"
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-")[:70] or "prosess"
