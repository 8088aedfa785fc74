"""Learning from reviewers and re-runs: ThemeSuggester and match_themes."""

import numpy as np
import pytest

from hearing.themes import ThemeModel, ThemeSuggester, match_themes

from .corpus import make_corpus


def test_suggester_learns_from_confirmed_inputs():
    texts, y = make_corpus(seed=1)
    y = np.array(y)
    model = ThemeModel(3, vectorizer="tfidf", random_state=0).fit(texts)
    X = model.vectors_
    confirmed = np.arange(0, len(texts), 3)
    rest = np.setdiff1d(np.arange(len(texts)), confirmed)
    for method in ("auto", "logistic", "centroid"):
        sug = ThemeSuggester(method=method, random_state=0).fit(X[confirmed], y[confirmed])
        ids, conf = sug.suggest(X[rest])
        assert (ids == y[rest]).mean() >= 0.8, method
        assert ((conf > 0) & (conf <= 1)).all()
        assert set(sug.classes_) == {"mat", "buss", "hjem"}


def test_suggester_with_one_theme_and_bad_method():
    X = np.eye(3)
    ids, conf = ThemeSuggester().fit(X[:2], [5, 5]).suggest(X)
    assert ids.tolist() == [5, 5, 5] and np.allclose(conf, 1)
    with pytest.raises(ValueError):
        ThemeSuggester(method="magic").fit(X, [1, 2, 3])
    with pytest.raises(ValueError):
        ThemeSuggester().fit(np.empty((0, 3)), [])


def test_match_themes_keeps_names_across_runs():
    previous = {"Mat": [1, 2, 3, 4], "Buss": [5, 6, 7], "Gammelt": [20]}
    current = {0: [5, 6, 7, 8], 1: [1, 2, 3], 2: [30, 31]}
    assert match_themes(previous, current) == {1: "Mat", 0: "Buss"}


def test_match_themes_is_one_to_one_and_respects_min_overlap():
    previous = {"A": [1, 2, 3, 4, 5, 6]}
    current = {"x": [1, 2, 3], "y": [4, 5, 6]}
    assert len(match_themes(previous, current)) == 1
    assert match_themes({"A": [1]}, {"x": [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]}) == {}
    assert match_themes({}, {"x": [1]}) == {}
