"""ASVS V8.3 (sensitive private data): the written forms of personal data an outside test found unmasked
are now masked, and their look-alikes are still left alone (0 false positives).

Before the fix ``150385.10190``, ``1503 8510 190``, ``912-34-567``, ``ola(at)example.com`` and a mistyped
fødselsnummer after "fnr" passed through :func:`hearing.privacy.mask` as written.
"""

from __future__ import annotations

import pytest

from hearing.privacy import find_personal_data, mask


@pytest.mark.parametrize(("text", "masked"), [
    ("Fødselsnummeret er 150385.10190.", "Fødselsnummeret er [fødselsnummer]."),
    ("Nummeret mitt: 1503 8510 190", "Nummeret mitt: [fødselsnummer]"),
    ("Ring 912-34-567 etter kl. 16", "Ring [telefon] etter kl. 16"),
    ("Ring 91-23-45-67", "Ring [telefon]"),
    ("Skriv til ola(at)example.com", "Skriv til [e-post]"),
    ("Skriv til ola [at] example [dot] com.", "Skriv til [e-post]."),
    ("kari.nordmann (alfakrøll) kommune.no", "[e-post]"),
    ("fødselsnummer 15038510191", "fødselsnummer [fødselsnummer]"),  # check digits wrong
    ("Fnr: 12345678901", "Fnr: [fødselsnummer]"),
    ("personnummer 150385 10191", "personnummer [fødselsnummer]"),
    ("f.nr. 150385-10191", "f.nr. [fødselsnummer]"),
    ("Fødselsnummeret mitt er 15038510191.", "Fødselsnummeret mitt er [fødselsnummer]."),
    ("D-nummer 55038510191", "D-nummer [d-nummer]"),
])
def test_written_forms_are_masked(text, masked):
    assert mask(text) == masked


@pytest.mark.parametrize("text", [
    "Kontonummer 1234.56.78903",
    "Betal til 1234 56 78903",
    "Saksnr. 2026/1234-5 og 26/01234",
    "Møtet er 12-03-2026 eller 2026-03-12",
    "Det koster kr 150.385,10",
    "Postboks 8000, 4630 Kristiansand",
    "Org.nr. 912 345 678",
    "Serienummer 123456.78901",  # 6.5 digits that fail the check
    "Det gjelder 12345678901.",  # 11 digits, wrong check digits, no cue
    "Vare 1234 5678 901",  # 4-4-3 that fails the check
    "Kode 112-34-567",  # dashed, not a Norwegian phone number
    "Vi møtes (at) Kafé Oslo.",
    "Oppgi fnr ved henvendelse, fødselsnummer er påkrevd.",
    "fnr 12345",
])
def test_look_alikes_are_left_alone(text):
    assert find_personal_data(text) == []
