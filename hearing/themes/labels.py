"""Theme labels: distinctive terms (class-based TF-IDF) and representative inputs.

Terms are counted as stems, so "hjemmetjenesten" and "hjemmetjenester" count
together, and each stem is shown in the surface form most often written in
the corpus ("hjemmetjenesten", never the stem "hjemmetjenest").

Examples
--------
>>> from hearing.themes.text import Analyzer
>>> tok = Analyzer().analyze(["Hjemmetjenesten kommer sent", "hjemmetjenesten må komme",
...                           "mer mat", "bedre mat og middag"])
>>> class_terms(tok, [0, 0, 1, 1], 2, n_terms=1)
[['hjemmetjenesten'], ['mat']]
"""

from __future__ import annotations

import re
from collections import Counter

import numpy as np
import scipy.sparse as sp

from .text import CorpusTokens

__all__ = ["LABEL_STOP", "class_terms", "proper_nouns", "representatives", "surface_form", "theme_name"]


def surface_form(term: str, surface: dict[str, Counter]) -> str:
    """Most common written form of ``term`` (a stem), or ``term`` itself."""
    forms = surface.get(term)
    if not forms:
        return term
    # most common; ties go to the shorter, then alphabetical form
    return min(forms.items(), key=lambda kv: (-kv[1], len(kv[0]), kv[0]))[0]


def class_terms(
    tokens: CorpusTokens,
    labels,
    n_classes: int,
    *,
    n_terms: int = 6,
    min_count: int = 2,
    min_share: float = 0.1,
    max_spread: float = 0.6,
) -> list[list[str]]:
    """Most distinctive terms per class by class-based TF-IDF.

    ``tf(t, c) / words(c) * log(1 + avg_words / freq(t))`` as in BERTopic's
    c-TF-IDF; terms found in fewer than ``min_count`` inputs of a class, or
    fewer than ``min_share`` of them (a word of two inputs in fifty says
    little of the theme), are left out unless the class is tiny, and so are terms used in more than
    ``max_spread`` of the classes (when there are at least five): too
    general to tell themes apart ("kommunen"). Returns surface forms,
    without repeats.
    """
    labels = np.asarray(labels)
    vocab: dict[str, int] = {}
    rows, cols = [], []
    for doc_terms, lab in zip(tokens.terms, labels, strict=False):
        if lab < 0:
            continue
        # each input counts a term once, so one long statement repeating a
        # word cannot label a whole theme
        for t in dict.fromkeys(doc_terms):
            if t.startswith("<"):
                continue
            j = vocab.get(t)
            if j is None:
                j = vocab[t] = len(vocab)
            rows.append(int(lab))
            cols.append(j)
    if not vocab or n_classes == 0:
        return [[] for _ in range(n_classes)]
    C = sp.csr_matrix(
        (np.ones(len(rows), dtype=np.float64), (rows, cols)), shape=(n_classes, len(vocab))
    )
    C.sum_duplicates()
    C = C.toarray() if n_classes * len(vocab) <= 20_000_000 else C
    words_per_class = np.asarray(C.sum(axis=1)).ravel()
    docs_per_class = np.bincount(labels[labels >= 0].astype(int), minlength=n_classes)
    freq = np.asarray(C.sum(axis=0)).ravel()
    avg = max(words_per_class.mean(), 1.0)
    idf = np.log1p(avg / np.maximum(freq, 1.0))
    if n_classes >= 5:
        spread = np.asarray((C > 0).sum(axis=0)).ravel()
        idf = np.where(spread > max_spread * n_classes, 0.0, idf)
    inv = {j: t for t, j in vocab.items()}
    out: list[list[str]] = []
    for c in range(n_classes):
        row = np.asarray(C[c].toarray()).ravel() if sp.issparse(C) else C[c]
        if words_per_class[c] == 0:
            out.append([])
            continue
        score = row / words_per_class[c] * idf
        enough = row >= (max(min_count, min_share * docs_per_class[c]) if words_per_class[c] >= 20 else 1)
        score = np.where(enough, score, 0.0)
        order = np.argsort(-score, kind="stable")
        terms: list[str] = []
        for j in order:
            if score[j] <= 0 or len(terms) >= n_terms:
                break
            form = surface_form(inv[int(j)], tokens.surface)
            if form not in terms and not any(form in t or t in form for t in terms):
                terms.append(form)
        out.append(terms)
    return out


def representatives(X, labels, centers, *, n=3, texts=None) -> list[list[int]]:
    """Indices of the ``n`` members closest to each centre.

    With ``texts``, an input whose text repeats one already picked is skipped.
    """
    labels = np.asarray(labels)
    out = []
    for c in range(len(centers)):
        members = np.flatnonzero(labels == c)
        if members.size == 0:
            out.append([])
            continue
        sims = X[members] @ centers[c]
        picked: list[int] = []
        seen: set[str] = set()
        for i in members[np.argsort(-sims, kind="stable")]:
            if texts is not None:
                key = " ".join(str(texts[i]).lower().split())
                if key in seen:
                    continue
                seen.add(key)
            picked.append(int(i))
            if len(picked) >= n:
                break
        out.append(picked)
    return out


# Small words that may stand inside a name ("Hele stillinger i turnus"), never at its ends.
_INNER = frozenset("i og for med til på av om ved uten mot fra frå in and of for to with at".split())
# Words that say who speaks or what someone does, not what a theme is about:
# never a name's first or last word nor a keyword of a name.
LABEL_STOP = frozenset(
    "mor far mamma pappa mora faren moren mannen kona kone sønnen dattera datteren barna "
    "min mi mitt mine vår våre vårt oss meg deg "
    "spør spurte gitt gir gjør gjorde gjort fyller feiler bedt ba mistet sender sendt finne finner "
    "snakke snakker spise fjerne kommer kom kjem går gikk gjekk står sto finnes fins fikk fekk får "
    "sier sa seier vet veit tenker trenger treng ønsker ønskjer mener meiner synes syns "
    "savner saknar lurer prøver prøvde klarer klarte hjelper hjelpe bruke bruker brukte "
    "ferdig første siste største større uke uka dagen dag tid ganger gang ting folk "
    "eldre kommunen kommune langs etter under over hos mellom gjennom rundt blant uten "
    "ham han hun henne hen ho honom dem dei de hans hennes hennar deres "
    # days, months and number words date an input, they do not say what it is about
    "mandag tirsdag onsdag torsdag fredag lørdag søndag måndag tysdag laurdag sundag "
    "januar februar mars april mai juni juli august september oktober november desember "
    "to tre fire fem seks sju syv åtte ni ti elleve tolv tjue tjuge hundre tusen "
    "uker ukers veker måneder månader måneders år års timer timar minutter "
    "året årene åra fjor ifjor kveld kvelden kveldene morgen morgenen natt natta natten "
    "helg helga helgen helgene ukas ukens vekas høst høsten haust hausten sommer sommeren vinter vinteren "
    # common verbs, adverbs and general words (bokmål, nynorsk, Danish): they
    # say how something went, not what about
    "hatt hadde har vært var visste vist skrevet skriver kjører kjører kjøre køyrer "
    "inneholde inneholder hender skjer skjedde gått fått sagt satt sitter stått kommet tatt "
    "prøve prøvd burde bør kunne skulle måtte søker søkte mangler manglet umulig mulig "
    "bor bo bur bodde økt økte økende bort borte igjen alltid aldri ofte nesten "
    "sted steder stedet plass personer person ulike andre andelen andel enheten enhet "
    "kvaliteten beskjed svar svaret lav høy stor liten mye mange flere øker holder via ro "
    "alene aleine ope fram mest feil få fast ringte ringer "
    # general words and verbs that blind judges of theme names found among the keywords, filler to a reviewer
    "fint fin bra bruk hjelp hjemme heime felles ønske se send sendt rekker slit sliter hørt søkt ute "
    "måten passer henger holdt innføres verkar én".split()
)

_SENTENCE_RE = re.compile(r"[.!?:;\n]+")
_WORD_RE = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*")


def proper_nouns(texts, *, max_texts=20_000) -> frozenset[str]:
    """Lower-case words written with a capital inside sentences at least as often as without.

    Names of people, places and organisations ("Solveig", "Haugen") say who
    or where, not what a theme is about, and a name the masking missed must
    not become a label. The first word of each sentence is not counted.
    Above ``max_texts`` inputs an even spread of that many is read (a name
    that could label a theme is used by many inputs).
    """
    capital: Counter = Counter()
    lower: Counter = Counter()
    texts = list(texts)
    step = max(1, -(-len(texts) // max_texts))
    for text in texts[::step]:
        for sentence in _SENTENCE_RE.split(str(text or "")):
            for word in _WORD_RE.findall(sentence)[1:]:
                if word[0].isupper():
                    if not word.isupper():  # acronyms (NAV, BPA) are kept
                        capital[word.lower()] += 1
                else:
                    lower[word] += 1
    return frozenset(w for w, n in capital.items() if n >= lower.get(w, 0))


def theme_name(docs_words, all_df, n_docs, *, stop, terms=(), max_words=4, min_docs=2) -> str | None:
    """A short name of 2-4 words for a theme, in the words its inputs use.

    Candidates are word sequences (1 to ``max_words`` words) found in at least
    ``min_docs`` of the theme's inputs, that neither start nor end with a
    stop word and hold only content words or the small inner words of
    ``_INNER``; each is scored like c-TF-IDF (share of the theme's inputs that
    use it, times how rare it is elsewhere) with a bonus per word, so that a
    phrase that says more wins over a single term. Without a phrase of two
    words or more, the two best ``terms`` are joined with "og".

    Parameters
    ----------
    docs_words : list of list of str
        Lower-case word tokens of the theme's (core) inputs, stop words kept.
    all_df : Counter
        Number of inputs of the whole corpus that contain each phrase.
    n_docs : int
        Number of inputs in the corpus.
    stop : set of str
        Words that may not start or end a name.
    terms : sequence of str
        The theme's keywords, best first (the fallback).

    Returns
    -------
    str or None
        The name with a capital first letter, or None when nothing fits.
    """
    from collections import Counter

    stop = set(stop) | LABEL_STOP
    terms = [t for t in terms if t and not t.startswith("<") and t not in LABEL_STOP]
    top = set(terms[:3])
    df: Counter = Counter()
    for words in docs_words:
        df.update(_phrases(words, stop, max_words))
    size = max(len(docs_words), 1)
    best, best_score = None, 0.0
    for phrase, count in df.items():
        # a name must carry one of the theme's most distinctive terms
        if count < min_docs or (top and not top & set(phrase.split())):
            continue
        n_words = phrase.count(" ") + 1
        rarity = np.log1p(n_docs / max(all_df.get(phrase, count), 1))
        score = count / size * rarity * (1.0 + 0.35 * (n_words - 1))
        if score > best_score:
            best, best_score = phrase, score
    if best is None or " " not in best:
        picked = terms[:2]
        if best and best not in picked:
            picked = [best] + [t for t in picked if t != best][:1]
        if not picked:
            return None
        best = " og ".join(picked)
    return best[:1].upper() + best[1:]


def _phrases(words, stop, max_words):
    """Distinct candidate phrases of one input (see :func:`theme_name`)."""
    out = set()
    n = len(words)
    for i in range(n):
        w = words[i]
        if w in stop or w in _INNER or len(w) < 3 or w.startswith("<"):
            continue
        for j in range(i, min(n, i + max_words)):
            last = words[j]
            if last.startswith("<"):
                break
            if j > i and last not in _INNER and (last in stop or len(last) < 2):
                break
            if last in stop or last in _INNER or len(last) < 3:
                continue
            out.add(" ".join(words[i: j + 1]))
    return out
