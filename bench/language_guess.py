"""How well the language of a short text is guessed, with and without the process's language as fallback.

Cuts every text of the development set (``../shared/data/dev.tsv``, labelled nb/nn/da/en) to its first
2, 3, 5 and 7 words and guesses each cut with :func:`hearing.themes.text.guess_language`, once plainly and
once with ``default=`` a process language. For each process language it prints the share guessed right
of the texts written in that language and of the texts written in another, before and after the
fallback, and the break-even share of own-language texts above which the fallback gains. Prints a
markdown table; nothing is asserted.

    .venv/bin/python bench/language_guess.py [--data ../shared/data/dev.tsv]
"""

from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    from hearing.themes.text import guess_language

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=str(ROOT.parent / "shared" / "data" / "dev.tsv"))
    args = parser.parse_args()
    with open(args.data, encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh, delimiter="\t", quoting=csv.QUOTE_NONE))
    print(f"{len(rows)} texts; whole texts guessed right without a fallback: "
          f"{sum(guess_language(r['text']) == r['lang'] for r in rows) / len(rows):.3f}\n")
    print("| process language | words | own-language texts: plain → fallback | other texts: plain → fallback "
          "| fallback gains above this share of own-language texts |")
    print("|---|---|---|---|---|")
    for default in ("nb", "nn", "da"):
        for words in (2, 3, 5, 7):
            cuts = [(" ".join(r["text"].split()[:words]), r["lang"]) for r in rows if len(r["text"].split()) >= words]
            own = [(t, lang) for t, lang in cuts if lang == default]
            other = [(t, lang) for t, lang in cuts if lang != default]

            def share(items, fallback):
                return sum(guess_language(t, default=fallback) == lang for t, lang in items) / len(items)

            a0, a1, b0, b1 = share(own, None), share(own, default), share(other, None), share(other, default)
            gain, loss = a1 - a0, b0 - b1
            even = f"{loss / (gain + loss):.2f}" if gain + loss > 0 else "–"
            print(f"| {default} | {words} | {a0:.2f} → {a1:.2f} | {b0:.2f} → {b1:.2f} | {even} |")


if __name__ == "__main__":
    main()
