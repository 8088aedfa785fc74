"""Theme names a review group keeps: settled names of the field, no names of people."""

from hearing.themes import ThemeModel
from hearing.themes.labels import proper_nouns
from hearing.themes.topics import TOPICS, topic_names

from .corpus import make_corpus

HELTID = ["Vi trenger flere hele stillinger, ikke deltid", "Deltid gjør at folk slutter",
          "Gi alle som vil heltid", "Turnusen med ekstravakter sliter oss ut"]
MAT = ["Maten på avdelingen er kald", "Middagen kommer for tidlig", "Frokost bør være senere",
       "Måltidene er for like hver dag"]


def test_a_theme_that_clearly_shares_a_topic_gets_its_settled_name():
    assert topic_names([[t.lower() for t in HELTID], [t.lower() for t in MAT]], "nb") == [
        "Heltid og deltid", "Mat og måltider"]


def test_names_come_in_the_language_of_the_process():
    cores = [[t.lower() for t in HELTID], [t.lower() for t in MAT]]
    assert topic_names(cores, "nn") == ["Heiltid og deltid", "Mat og måltid"]
    assert topic_names(cores, "da") == ["Fuldtid og deltid", "Mad og måltider"]
    assert topic_names(cores, "en") == ["Full-time and part-time work", "Food and meals"]


def test_a_topic_every_theme_touches_names_none_and_no_topic_names_two():
    same = [[t.lower() for t in MAT]] * 2
    names = topic_names(same, "nb")
    assert names.count("Mat og måltider") == 0  # no lift over the rest
    assert topic_names([["ingenting her om noe"] * 3], "nb") == [None]


def test_every_topic_has_four_names_and_keywords():
    for key, (names, keywords) in TOPICS.items():
        assert len(names) == 4 and all(names), key
        assert keywords, key


def test_names_of_people_and_places_are_never_keywords_or_labels():
    texts, _ = make_corpus()
    extra = [f"Jeg heter Solveig Haugen og maten til mor er kald {i}" for i in range(8)]
    assert {"solveig", "haugen"} <= proper_nouns(extra)
    assert "maten" not in proper_nouns(extra)
    model = ThemeModel(3, vectorizer="tfidf", random_state=0).fit(list(texts) + extra)
    for theme in model.themes_:
        words = " ".join([theme.label, *theme.terms]).lower()
        assert "solveig" not in words and "haugen" not in words, theme
    assert any(t.label == "Mat og måltider" for t in model.themes_)


PARORENDE = ["Pårørende får ingen informasjon fra avdelingen", "Som pårørende blir jeg aldri spurt",
             "Pårørende trenger en fast kontaktperson", "Vi pårørende er slitne"]
NEUTRAL = [f"et innspill uten tema nummer {i}" for i in range(40)]
OTHER = ["Bussen går for sjelden", "Fortauet er ikke brøytet", "Benkene er borte", "Veien er mørk"]


def test_a_two_part_name_loses_the_half_no_input_speaks_of():
    # "Pårørende og avlastning" on inputs that never mention respite is renamed by a review group
    names = topic_names([[t.lower() for t in PARORENDE], [t.lower() for t in OTHER]], "nb")
    assert names[0] == "Pårørende"
    both = PARORENDE[:2] + ["Pårørende trenger avlastning i helgene", "Mer avlastning for foreldre"]
    assert topic_names([[t.lower() for t in both], [t.lower() for t in OTHER]], "nn")[0] == "Pårørande og avlasting"


def test_a_mixed_theme_is_not_named_after_a_side_its_centre_does_not_speak_of():
    # nearest the centre first: ten inputs about buses, then more about meals at the edge
    bus = [f"bussen går for sjelden til sentrum {i}" for i in range(10)]
    meals = [f"maten er kald {i}" for i in range(12)]
    rest = [[t.lower() for t in HELTID], NEUTRAL]
    names = topic_names([bus + meals, *rest], "nb")
    assert names[:2] == ["Transport", "Heltid og deltid"]
    # with the meals nearest the centre, meals name it
    assert topic_names([meals + bus, *rest], "nb")[0] == "Mat og måltider"


def test_a_settled_name_for_part_of_a_mixed_theme_beats_two_joined_words():
    # no topic at its centre, but a third of its inputs share one: that name is the last resort
    mixed = [f"ord nummer {i} om ingenting" for i in range(10)] + [t.lower() for t in MAT] * 2
    assert topic_names([mixed, [t.lower() for t in HELTID], NEUTRAL], "nb")[0] == "Mat og måltider"
