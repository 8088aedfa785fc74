"""Normalisation, language guess, stop words and stemming."""

import pytest

from hearing.themes.text import Analyzer, guess_language, normalise_text, stop_words_for


def test_normalise_masks_urls_emails_numbers_and_punctuation():
    out = normalise_text("Se https://example.com/side  eller  skriv til OLA@example.no!!! Tlf 99 88 77 66??")
    assert out == "se <url> eller skriv til <email> ! tlf <num> ?"


def test_normalise_unicode_nfkc_and_case():
    assert normalise_text("ＭＡＴ og ﬁne måltider") == "mat og fine måltider"
    assert normalise_text(None) == ""


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("Jeg synes ikke hjemmetjenesten har nok tid til mor, hun blir mye alene.", "nb"),
        ("Eg meiner kommunen må gjere meir for dei eldre som bur heime åleine.", "nn"),
        ("Jeg synes ikke, at hjemmeplejen har tid nok til min mor. Hun er meget alene.", "da"),
        ("We need more staff in the home care services, they have no time.", "en"),
        ("Brukarråd på kvar sjukeheim.", "nn"),
        ("Flere sykehjemsplasser!", "nb"),
    ],
)
def test_guess_language(text, lang):
    assert guess_language(text) == lang


def test_guess_language_defaults_to_bokmal_without_evidence():
    assert guess_language("1234 !!!") == "nb"


def test_stop_words_come_from_package_per_language():
    assert {"og", "ikke", "ikkje", "eg"} <= stop_words_for("nb") | stop_words_for("nn")
    assert {"af", "jeg", "ikke"} <= stop_words_for("da")
    assert {"the", "and"} <= stop_words_for("en")


def test_stemming_joins_inflected_compounds():
    tok = Analyzer().analyze(["Hjemmetjenesten kommer sent", "Hjemmetjenestene har liten tid"])
    assert tok.terms[0][0] == tok.terms[1][0] == "hjemmetjenest"
    # the surface forms are remembered for labels
    assert set(tok.surface["hjemmetjenest"]) == {"hjemmetjenesten", "hjemmetjenestene"}


def test_compound_head_links_to_simple_word():
    tok = Analyzer().analyze(["Hjemmesykepleien kommer sent", "Sykepleien er god",
                              "Hjemme er best"])
    # "hjemmesykepleien" also counts as its head "sykepleien"
    assert "sykeplei" in tok.terms[0]
    assert Analyzer(decompound=False).analyze(["Hjemmesykepleien kommer sent", "Sykepleien er god",
                                               "Hjemme er best"]).terms[0] == ["hjemmesykeplei", "sent"]


def test_forced_language_and_given_languages():
    tok = Analyzer(languages="da").analyze(["Ældreplejen"])
    assert tok.languages == ["da"]
    tok = Analyzer().analyze(["a", "b"], languages=["en", "xx"])
    assert tok.languages == ["en", "nb"]
