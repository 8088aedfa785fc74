"""Near-duplicate suggestions (:mod:`hearing.grouping.duplicates`): how often they are wrong, how often
they find a real edit, and how long a run's job spends on them.

* **False suggestions**: every pair of distinct texts of ``../shared/data/dev.tsv`` (630 texts,
  about 198 000 pairs; the set has a few real repeats, printed for reading) at the chosen thresholds
  and at neighbours of them.
* **Found edits**: each text against a synthetic edit of itself (one or two words swapped for words of
  other texts, a word dropped, a typo, a greeting and signature added, another text's sentence added as a
  form letter's own sentence), for texts of at least 4 and at least 8 words.
* **Time**: the whole finder over 1k, 10k and 50k texts made from the set (a quarter of them edits of
  others, a campaign of identical copies among them), one process, stems included.

    python bench/duplicates.py [--sizes 1000 10000 50000] [--seed 1]
"""

from __future__ import annotations

import argparse
import itertools
import random
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DEV = (ROOT / ".." / "shared" / "data" / "dev.tsv").resolve()

from hearing.grouping import duplicates as dup  # noqa: E402
from hearing.grouping.duplicates import features, find_near_duplicates, stems_in_order  # noqa: E402


def load() -> list[tuple[str, str, str]]:
    rows = [line.rstrip("\n").split("\t") for line in DEV.open(encoding="utf-8")][1:]
    return [(r[1], r[3], r[5]) for r in rows]


def edit(rnd: random.Random, text: str, kind: str, vocab: list[str], others: list[str]) -> str:
    w = text.split()
    if kind == "1 ord byttet":
        w[rnd.randrange(len(w))] = rnd.choice(vocab)
    elif kind == "2 ord byttet":
        for k in rnd.sample(range(len(w)), min(2, len(w))):
            w[k] = rnd.choice(vocab)
    elif kind == "1 ord borte":
        del w[rnd.randrange(len(w))]
    elif kind == "skrivefeil":
        k = rnd.randrange(len(w))
        x = w[k]
        if len(x) > 3:
            p = rnd.randrange(1, len(x) - 2)
            w[k] = x[:p] + x[p + 1] + x[p] + x[p + 2:]
    elif kind == "hilsen lagt til":
        w = ["Hei!", *w, "Mvh", "Kari"]
    elif kind == "egen setning lagt til":
        w = [*w, *rnd.choice(others).split()]
    return " ".join(w)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=[1000, 10000, 50000])
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rows = load()
    stems = [stems_in_order(t, lang) for _theme, lang, t in rows]
    feats = [features(s) for s in stems]

    print(f"## False suggestions: pairs of distinct texts of dev.tsv ({len(rows)} texts)\n")
    pairs = list(itertools.combinations(range(len(rows)), 2))
    print("| Jaccard | containment | pairs suggested | of all pairs | pairs across true themes |")
    print("|---|---|---|---|---|")
    chosen = (dup.JACCARD, dup.CONTAINMENT)
    flagged_at_chosen = []
    for jac, con in [(0.6, 0.8), (0.65, 0.8), chosen, (0.7, 0.7), (0.8, 0.9)]:
        dup.JACCARD, dup.CONTAINMENT = jac, con
        hits = [(i, j) for i, j in pairs if dup.similarity(feats[i], feats[j]) > 0]
        across = sum(1 for i, j in hits if rows[i][0] != rows[j][0])
        mark = " (chosen)" if (jac, con) == chosen else ""
        print(f"| {jac}{mark} | {con} | {len(hits)} | {len(hits) / len(pairs):.5%} | {across} |")
        if (jac, con) == chosen:
            flagged_at_chosen = hits
    dup.JACCARD, dup.CONTAINMENT = chosen
    print("\nSuggested at the chosen thresholds (read them):\n")
    for i, j in flagged_at_chosen:
        print(f"- {dup.similarity(feats[i], feats[j]):.2f}: «{rows[i][2][:90]}» / «{rows[j][2][:90]}»")

    print("\n## Found edits: a text against an edit of itself\n")
    rnd = random.Random(args.seed)
    vocab = [w for _t, _l, text in rows for w in text.split()]
    others = [text for _t, _l, text in rows]
    kinds = ["1 ord byttet", "2 ord byttet", "1 ord borte", "skrivefeil", "hilsen lagt til", "egen setning lagt til"]
    print("| edit | texts of 4+ words | texts of 8+ words |")
    print("|---|---|---|")
    for kind in kinds:
        cells = []
        for minimum in (4, 8):
            idx = [k for k, r in enumerate(rows) if len(r[2].split()) >= minimum]
            found = sum(1 for k in idx if dup.similarity(
                feats[k], features(stems_in_order(edit(rnd, rows[k][2], kind, vocab, others), rows[k][1]))) > 0)
            cells.append(f"{found}/{len(idx)} ({found / len(idx):.0%})")
        print(f"| {kind} | {cells[0]} | {cells[1]} |")

    print("\n## Time of the whole finder (stems included), one process\n")
    print("| texts | seconds | suggested | peak memory (MB) |")
    print("|---|---|---|---|")
    for size in args.sizes:
        rnd = random.Random(args.seed)
        texts = []
        while len(texts) < size:
            r = rnd.random()
            base = rnd.choice(rows)
            if r < 0.25:
                texts.append((edit(rnd, base[2], rnd.choice(kinds), vocab, others), base[1]))
            elif r < 0.30:
                texts.append((rows[0][2], rows[0][1]))  # a campaign of copies
            else:
                texts.append((f"{base[2]} ({rnd.randrange(10 ** 6)})", base[1]))  # the set's texts, made distinct
        started = time.perf_counter()
        found = find_near_duplicates((n, stems_in_order(t, lang)) for n, (t, lang) in enumerate(texts))
        seconds = time.perf_counter() - started
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"| {size} | {seconds:.1f} | {len(found)} | {peak:.0f} |")


if __name__ == "__main__":
    main()
