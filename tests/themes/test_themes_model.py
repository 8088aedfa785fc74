"""ThemeModel: themes, labels, repeatability, Diverse, guided runs, place()."""

import numpy as np
import pytest
from sklearn.metrics import normalized_mutual_info_score

from hearing.themes import MISC, Guide, Theme, ThemeClusterer, ThemeModel
from hearing.themes.vectorize import TfidfSvdVectorizer

from .corpus import make_corpus


@pytest.fixture(scope="module")
def corpus():
    return make_corpus()


@pytest.fixture(scope="module")
def fitted(corpus):
    texts, _ = corpus
    return ThemeModel(3, vectorizer="tfidf", random_state=0).fit(texts)


def test_finds_the_three_themes(corpus, fitted):
    _, y = corpus
    assert fitted.n_themes_ == 3
    assert normalized_mutual_info_score(y, fitted.labels_) > 0.6
    assert fitted.labels_.dtype.kind == "i"
    assert fitted.centroids_.shape[0] == 3
    assert np.allclose(np.linalg.norm(fitted.centroids_, axis=1), 1, atol=1e-4)


def test_automatic_number_of_themes(corpus):
    texts, y = corpus
    model = ThemeModel("auto", vectorizer="tfidf", random_state=0).fit(texts)
    assert 2 <= model.n_themes_ <= 5
    assert model.k_scores_
    assert normalized_mutual_info_score(y, model.labels_) > 0.5


def test_labels_are_surface_forms_not_stems(fitted):
    terms = {t for theme in fitted.themes_ for t in theme.terms}
    assert "hjemmetjenesten" in terms
    assert "hjemmetjenest" not in terms
    assert any(t in terms for t in ("mat", "middag", "maten", "middagen"))


def test_themes_have_three_representative_members(corpus, fitted):
    texts, _ = corpus
    for theme in fitted.themes_:
        assert isinstance(theme, Theme)
        if theme.is_misc:
            continue
        assert len(theme.representative) == 3
        assert all(fitted.labels_[i] == theme.id for i in theme.representative)
        assert theme.size == int((fitted.labels_ == theme.id).sum())
        assert theme.label
    assert sum(t.size for t in fitted.themes_) == len(texts)


def test_same_random_state_gives_same_result(corpus):
    texts, _ = corpus
    a = ThemeModel("auto", vectorizer="tfidf", random_state=7).fit(texts)
    b = ThemeModel("auto", vectorizer="tfidf", random_state=7).fit(texts)
    assert np.array_equal(a.labels_, b.labels_)
    assert [t.to_dict() for t in a.themes_] == [t.to_dict() for t in b.themes_]


def test_outliers_go_to_diverse():
    rng = np.random.RandomState(0)
    centres = np.eye(4)[:3]
    X = np.vstack([c + rng.normal(0, 0.05, size=(30, 4)) for c in centres])
    X = np.vstack([X, [[0.0, 0.0, 0.0, 1.0], [0.0, 0.1, 0.0, 1.0]]])
    X /= np.linalg.norm(X, axis=1, keepdims=True)
    clu = ThemeClusterer(3, random_state=0).fit(X)
    assert list(clu.labels_[-2:]) == [MISC, MISC]
    assert (clu.labels_[:-2] >= 0).mean() >= 0.95
    off = ThemeClusterer(3, misc_threshold=None, random_state=0).fit(X)
    assert (off.labels_ >= 0).all()


def test_diverse_theme_listed_when_used(corpus):
    texts, _ = corpus
    odd = ["Kvantefysikk og sorte hull i verdensrommet", "Fotballbanen trenger nytt kunstgress"]
    model = ThemeModel(3, vectorizer="tfidf", misc_threshold=1.0, random_state=0).fit(texts + odd)
    misc = [t for t in model.themes_ if t.is_misc]
    assert len(misc) == 1 and misc[0].id == MISC and misc[0].label == "Diverse"
    assert misc[0].size == int((model.labels_ == MISC).sum()) > 0


def test_place_new_inputs(corpus, fitted):
    texts, y = corpus
    by_theme = {}
    for lab, truth in zip(fitted.labels_, y, strict=False):
        by_theme.setdefault(truth, []).append(lab)
    mat = max(set(by_theme["mat"]), key=by_theme["mat"].count)
    buss = max(set(by_theme["buss"]), key=by_theme["buss"].count)
    labels, dist = fitted.place(["Maten er kald og middagen smaker ingenting",
                                 "Bussen går for sjelden om kvelden",
                                 "Kvantefysikk og sorte hull i verdensrommet"])
    assert labels[0] == mat and labels[1] == buss
    # in a corpus this small, where a theme ends depends on a few members; an unrelated text is
    # in any case farther than the related ones, and words the model never saw go to "Diverse"
    assert dist[2] > max(dist[0], dist[1])
    assert fitted.place(["xyzzy qwerty", "🙂🙂", ""])[0].tolist() == [MISC, MISC, MISC]
    assert fitted.place([])[0].size == 0


def test_guided_run(corpus):
    texts, y = corpus
    guide = Guide("Mat og måltider", keywords=["mat", "middag", "måltid"])
    model = ThemeModel("auto", vectorizer="tfidf", random_state=0).fit(texts, guidance=[guide])
    first = model.themes_[0]
    assert first.guided_name == "Mat og måltider" and first.label == "Mat og måltider"
    in_guide = [truth for lab, truth in zip(model.labels_, y, strict=False) if lab == 0]
    assert len(in_guide) >= 10
    assert in_guide.count("mat") / len(in_guide) >= 0.9
    # the rest still forms themes of their own
    assert model.n_themes_ >= 2
    assert all(t.guided_name is None for t in model.themes_[1:])


def test_guided_run_gives_every_guide_its_cluster(corpus):
    """Each guide names the cluster of its topic, even when the guide's own words are few."""
    texts, y = corpus
    guides = [Guide("Mat og måltider", keywords=["mat"]), Guide("Buss og transport", keywords=["buss"]),
              Guide("Hjemmetjenesten", keywords=["hjemmetjenesten"])]
    model = ThemeModel("auto", vectorizer="tfidf", random_state=0).fit(texts, guidance=guides)
    for g, truth in enumerate(["mat", "buss", "hjem"]):
        members = [t for lab, t in zip(model.labels_, y, strict=True) if lab == g]
        assert len(members) >= 8, (g, members)
        assert members.count(truth) / len(members) >= 0.8
        assert model.themes_[g].label == guides[g].name


def test_guided_run_leaves_an_unrelated_guide_empty(corpus):
    """A guide about nothing in the input takes no cluster (its name is not put on another topic)."""
    texts, _y = corpus
    guides = [Guide("Mat og måltider", keywords=["mat"]), Guide("Kvantefysikk", keywords=["partikler", "sorte hull"])]
    model = ThemeModel("auto", vectorizer="tfidf", random_state=0).fit(texts, guidance=guides)
    assert (model.labels_ == 0).sum() >= 8
    assert (model.labels_ == 1).sum() == 0


def test_guided_run_with_examples_only(corpus):
    texts, y = corpus
    guide = Guide("Buss", examples=["Bussen går for sjelden", "Flere bussruter og TT-kort"])
    model = ThemeModel(2, vectorizer="tfidf", random_state=0).fit(texts, guidance=[guide])
    in_guide = [truth for lab, truth in zip(model.labels_, y, strict=False) if lab == 0]
    assert in_guide and in_guide.count("buss") / len(in_guide) >= 0.9


def test_parameters_checked_in_fit(corpus):
    texts, _ = corpus
    with pytest.raises(ValueError):
        ThemeModel("many").fit(texts)
    with pytest.raises(ValueError):
        ThemeModel(vectorizer="bert").fit(texts)


def test_fit_predict_and_transform(corpus):
    texts, _ = corpus
    model = ThemeModel(3, vectorizer="tfidf", random_state=0)
    labels = model.fit_predict(texts)
    assert np.array_equal(labels, model.labels_)
    V = model.transform(texts[:2])
    assert V.shape == (2, model.vectors_.shape[1])
    assert len(model.languages_) == len(texts) and set(model.languages_) <= {"nb", "nn", "da", "en"}


def test_tiny_inputs_do_not_crash():
    model = ThemeModel(vectorizer="tfidf", random_state=0).fit(["mat", "buss"])
    assert len(model.labels_) == 2
    model = ThemeModel(vectorizer="tfidf", random_state=0).fit(["", "!!!", "mat"])
    assert len(model.labels_) == 3


def test_tfidf_vectorizer_is_swappable(corpus):
    texts, _ = corpus
    vec = TfidfSvdVectorizer(n_components=10, char_ngram_range=(3, 4))
    model = ThemeModel(3, vectorizer=vec, random_state=0).fit(texts)
    assert model.vectors_.shape[1] <= 10
