"""The name of the embedding recipe, apart from the code that embeds (:mod:`.vectorize`), so that the app can
name the vectors it stores without loading scikit-learn."""

#: Name of the embedding recipe; stored vectors made by another recipe must be recomputed.
#: "topic": speaker frames stripped (:mod:`.speaker`) and E5's "query: " prefix, which
#: E5 recommends for symmetric tasks such as clustering.
EMBEDDING_MODEL = "multilingual-e5-small-q4/topic-query-1"
