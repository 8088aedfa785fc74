#!/usr/bin/env python3
"""Print, per language, how many messages are translated, untranslated and fuzzy.

Usage: scripts/po_status.py [-v] [translations-dir]
  -v  also list the msgids that are untranslated or fuzzy.
Exit status 1 when any catalogue has untranslated or fuzzy messages.
"""

from __future__ import annotations

import sys
from pathlib import Path

from babel.messages.pofile import read_po


def _translated(message) -> bool:
    strings = message.string if isinstance(message.string, (list, tuple)) else [message.string]
    return all(s for s in strings)


def main(argv: list[str]) -> int:
    verbose = "-v" in argv
    args = [a for a in argv if a != "-v"]
    root = Path(args[0]) if args else Path(__file__).resolve().parent.parent / "hearing" / "translations"
    incomplete = False
    for po_path in sorted(root.glob("*/LC_MESSAGES/messages.po")):
        with po_path.open("rb") as fh:
            catalog = read_po(fh)
        messages = [m for m in catalog if m.id]
        untranslated = [m for m in messages if not _translated(m)]
        fuzzy = [m for m in messages if m.fuzzy and _translated(m)]
        done = len(messages) - len(untranslated) - len(fuzzy)
        lang = po_path.parent.parent.name
        print(f"{lang}: {len(messages)} messages, {done} translated, "
              f"{len(untranslated)} untranslated, {len(fuzzy)} fuzzy")
        if verbose:
            for m in untranslated:
                print(f"  untranslated: {m.id!r}")
            for m in fuzzy:
                print(f"  fuzzy: {m.id!r}")
        incomplete = incomplete or bool(untranslated or fuzzy)
    return 1 if incomplete else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
