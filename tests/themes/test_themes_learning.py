"""The engine obeys reviewers and learns from them; topics, not speakers; campaigns and trivia."""

import numpy as np
import pytest

from hearing.themes import MISC, Guide, ThemeModel, strip_speaker
from hearing.themes.learn import ThemeClassifier, choose_to_confirm, suggest_themes

from .corpus import BUSS, HJEM, MAT, make_corpus


@pytest.mark.parametrize(("text", "kept"), [
    ("Eldrerådet viser til høringsutkastet og mener at bussen må gå oftere.", "bussen må gå oftere."),
    ("Ungdomsrådet meiner kommunen må ha helsesjukepleiar på skulen.",
     "kommunen må ha helsesjukepleiar på skulen."),
    ("Vi i hjemmetjenesten ser at vi har for mange brukere per vakt.",
     "vi har for mange brukere per vakt."),
    ("As a GP I see that patients wait too long.", "patients wait too long."),
    ("Hei! Maten er kald. Med vennlig hilsen [navn], tlf [telefon]", "Maten er kald."),
])
def test_speaker_frames_and_placeholders_are_removed(text, kept):
    assert strip_speaker(text) == kept


def test_placeholders_never_become_theme_terms():
    texts = [f"{t}. Hilsen [navn], ring [telefon]" for t in MAT[:10] + BUSS[:10]]
    model = ThemeModel(2, vectorizer="tfidf", random_state=0).fit(texts)
    terms = {term for theme in model.themes_ for term in theme.terms}
    assert not terms & {"navn", "telefon", "hilsen", "ring"}


def test_a_campaign_is_one_theme_and_leaves_the_rest_alone():
    texts, y = make_corpus()
    base = ThemeModel(3, vectorizer="tfidf", random_state=0).fit(texts)
    copy = "Vi krever at Solbakken sykehjem ikke legges ned!"
    model = ThemeModel(3, vectorizer="tfidf", random_state=0).fit(texts + [copy] * 300)
    copies = set(model.labels_[len(texts):].tolist())
    assert len(copies) == 1 and copies != {MISC}
    campaign = model.themes_[copies.pop()]
    assert campaign.is_campaign and campaign.size == 300
    # the rest is grouped exactly as without the campaign
    assert np.array_equal(model.labels_[: len(texts)], base.labels_)


def test_empty_emoji_and_one_word_inputs_go_to_diverse():
    texts, _ = make_corpus()
    trivia = ["", "🙂🙂", "👍", "Ja", "...", "   "]
    model = ThemeModel(3, vectorizer="tfidf", random_state=0).fit(texts + trivia)
    assert (model.labels_[len(texts):] == MISC).all()
    assert model.n_themes_ == 3


@pytest.mark.parametrize("n", [0, 1, 2, 5])
def test_tiny_inputs_do_not_crash(n):
    texts = (MAT + BUSS)[:n]
    model = ThemeModel("auto", vectorizer="tfidf", random_state=0).fit(texts)
    assert len(model.labels_) == n and len(model.certainty_) == n


def test_fixed_inputs_stay_with_their_guides_and_guides_keep_their_ids():
    texts, y = make_corpus()
    guides = [Guide("Buss og transport", ["buss"], key=41), Guide("Mat og måltider", ["mat"], key=42),
              Guide("Kvantefysikk", ["kvark"], key=43)]
    # a reviewer put a bus input under "Mat" on purpose: the run must obey
    stubborn = y.index("buss")
    fixed = [-1] * len(texts)
    fixed[stubborn] = 1
    model = ThemeModel("auto", vectorizer="tfidf", random_state=0).fit(texts, guidance=guides, fixed=fixed)
    assert [t.guided_name for t in model.themes_[:3]] == [g.name for g in guides]
    assert [t.guide_key for t in model.themes_[:3]] == [41, 42, 43]
    assert model.labels_[stubborn] == 1 and model.certainty_[stubborn] == 1.0
    bus = [i for i, t in enumerate(y) if t == "buss" and i != stubborn]
    assert np.mean(model.labels_[bus] == 0) > 0.5
    # new themes only beside the guides
    assert all(t.id >= 3 for t in model.themes_[3:] if not t.is_misc)


def test_fixed_must_point_at_a_guide():
    with pytest.raises(ValueError):
        ThemeModel(2, vectorizer="tfidf").fit(MAT[:5], guidance=[Guide("Mat")], fixed=[1, -1, -1, -1, -1])


def test_active_learning_chooses_new_spread_and_uncertain_inputs():
    texts, y = make_corpus()
    model = ThemeModel(3, vectorizer="tfidf", random_state=0).fit(texts)
    X = model.vectors_
    first = choose_to_confirm(X, 6, random_state=0)
    assert len(first) == 6 == len(set(first.tolist()))
    # a cold start covers the themes instead of asking about one
    assert len({y[i] for i in first}) == 3
    conf = np.zeros(len(texts), bool)
    conf[first] = True
    classes, proba = suggest_themes(texts, X, [y[i] if conf[i] else None for i in range(len(texts))],
                                    random_state=0)
    nxt = choose_to_confirm(X, 5, confirmed=conf, proba=proba, random_state=0)
    assert not conf[nxt].any()
    margin = np.sort(proba, axis=1)
    margin = margin[:, -1] - margin[:, -2]
    assert margin[nxt].mean() <= margin[~conf].mean()


def test_suggestions_from_few_confirmed_inputs():
    texts = MAT + BUSS + HJEM
    y = ["mat"] * len(MAT) + ["buss"] * len(BUSS) + ["hjem"] * len(HJEM)
    model = ThemeModel(3, vectorizer="tfidf", random_state=0).fit(texts)
    known = [0, 1, 2, len(MAT), len(MAT) + 1, len(MAT) + 2, len(MAT + BUSS), len(MAT + BUSS) + 1]
    lab = [y[i] if i in known else None for i in range(len(texts))]
    classes, proba = suggest_themes(texts, model.vectors_, lab, random_state=0)
    pred = np.asarray(classes)[proba.argmax(axis=1)]
    rest = [i for i in range(len(texts)) if i not in known]
    assert np.mean(pred[rest] == np.asarray(y)[rest]) > 0.7
    assert all(proba[i].max() == 1.0 for i in known)
    assert np.allclose(proba.sum(axis=1), 1.0)


def test_classifier_certainty_is_a_probability():
    clf = ThemeClassifier(random_state=0).fit(MAT[:5] + BUSS[:5], ["mat"] * 5 + ["buss"] * 5)
    themes, certainty = clf.suggest(["Maten er kald", "Bussen går sjelden"])
    assert themes.tolist() == ["mat", "buss"]
    assert ((certainty > 0.5) & (certainty <= 1.0)).all()


def test_suggestions_take_any_theme_ids_and_the_run_clusters():
    texts = MAT + BUSS + HJEM
    y = [7] * len(MAT) + [11] * len(BUSS) + [3] * len(HJEM)
    model = ThemeModel(3, vectorizer="tfidf", random_state=0).fit(texts)
    known = [0, len(MAT), len(MAT + BUSS)]
    lab = [y[i] if i in known else None for i in range(len(texts))]
    classes, proba = suggest_themes(texts, model.vectors_, lab, clusters=model.labels_, random_state=0)
    assert sorted(classes.tolist()) == [3, 7, 11]
    pred = np.asarray(classes)[proba.argmax(axis=1)]
    assert np.mean(pred == np.asarray(y)) > 0.7


def test_a_long_statement_is_split_into_points_linked_to_it():
    texts, y = make_corpus()
    model = ThemeModel(3, vectorizer="tfidf", random_state=0).fit(texts)
    long = ("Eldrerådet mener at maten på sykehjemmet er kald når den kommer, og middagen smaker ingenting. "
            "Bussen går for sjelden til sentrum om kvelden, og det trengs flere busser og bedre rutetider.")
    points = model.points(["Kort innspill om mat.", long], min_chars=100)
    assert {p.input_index for p in points} == {1} and len(points) == 2
    mat, buss = (max(set(model.labels_[[i for i, t in enumerate(y) if t == c]].tolist()),
                     key=model.labels_.tolist().count) for c in ("mat", "buss"))
    assert [p.theme for p in points] == [mat, buss]
    assert "Eldrerådet" not in points[0].text


def test_fit_says_where_it_is():
    texts, _ = make_corpus()
    calls = []
    ThemeModel("auto", vectorizer="tfidf", random_state=0).fit(
        texts, progress=lambda stage, done=None: calls.append((stage, done)))
    assert [stage for stage, done in calls if done is None] == ["vectors", "themes", "labels"]
    # the long stage moves on its own: the reduction, then each candidate number of themes
    shares = [done for stage, done in calls if stage == "themes" and done is not None]
    assert len(shares) >= 4 and shares == sorted(shares) and shares[0] == 0.0 and shares[-1] >= 0.9
