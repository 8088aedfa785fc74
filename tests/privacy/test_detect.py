"""The personal-data finder: identity numbers, phones, e-mail, names, look-alikes."""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from stdnum.no import fodselsnummer

from hearing.privacy import KIND_LABELS, Finding, find_personal_data, mask
from hearing.privacy.detect import classify_no_id

W1 = (3, 7, 6, 1, 8, 9, 4, 5, 2)
W2 = (5, 4, 3, 2, 7, 6, 5, 4, 3, 2)


def make_no_id(nine: str, remainder: int = 0) -> str | None:
    """Complete nine digits with k1 (ten-digit remainder ``remainder``) and k2."""
    k1 = (11 + remainder - sum(w * int(c) for w, c in zip(W1, nine, strict=False)) % 11) % 11
    if k1 == 10:
        return None
    ten = nine + str(k1)
    k2 = (11 - sum(w * int(c) for w, c in zip(W2, ten, strict=False)) % 11) % 11
    return None if k2 == 10 else ten + str(k2)


def kinds(text: str) -> list[tuple[str, str]]:
    return [(f.kind, f.text) for f in find_personal_data(text)]


# --- Norwegian identity numbers ---------------------------------------------------


@pytest.mark.parametrize(
    ("number", "kind"),
    [
        ("15108695088", "fnr"),  # python-stdnum's doctest
        ("23878303776", "fnr"),  # Tenor synthetic: month + 80
        ("02846030738", "fnr"),  # Tenor synthetic
        ("57885304887", "dnr"),  # Tenor synthetic D-nummer: day + 40, month + 80
        ("68904202189", "dnr"),
        ("70019950032", "dnr"),  # Norsk Helsenett test patient
    ],
)
def test_valid_identity_numbers(number: str, kind: str) -> None:
    assert classify_no_id(number) == kind
    assert kinds(f"fnr {number}.") == [(kind, number)]
    spaced = number[:6] + " " + number[6:]
    assert kinds(f"fnr {spaced}.") == [(kind, spaced)]


def test_h_number_month_plus_40() -> None:
    number = make_no_id("154586950")  # 15.05.86 as an H-nummer
    assert number is not None
    assert kinds(f"Hjelpenummer {number}") == [("hnr", number)]
    assert mask(f"Hjelpenummer {number}") == "Hjelpenummer [h-nummer]"


@pytest.mark.parametrize("number", ["02013299997", "30108299920", "30108299939", "02013299903"])
def test_rule_from_2032_accepts_remainders_0_to_3(number: str) -> None:
    # Skatteetaten's worked examples for numbers issued from 2032.
    assert classify_no_id(number) == "fnr"


def test_rule_from_2032_refuses_remainder_4_and_up() -> None:
    for remainder in range(4, 11):
        number = make_no_id("301082999", remainder)
        if number is not None:
            assert classify_no_id(number) is None, (remainder, number)
            assert find_personal_data(number) == []


def test_old_rule_number_fails_new_k1_with_wrong_k2() -> None:
    # 30108299939 is valid; changing k2 breaks it, changing k1 alone too.
    assert classify_no_id("30108299938") is None
    assert classify_no_id("30108299949") is None


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("f.nr.15108695088", "15108695088"),
        ("fnr:151086-95088", "151086-95088"),
        ("(15108695088)", "15108695088"),
    ],
)
def test_identity_number_next_to_letters_and_punctuation(text: str, found: str) -> None:
    assert kinds(text) == [("fnr", found)]


@pytest.mark.parametrize(
    "text", ["015108695088", "151086950881", "1.15108695088", "15108695088.5", "9/15108695088"]
)
def test_identity_number_inside_a_longer_number_is_not_flagged(text: str) -> None:
    assert find_personal_data(text) == []


@pytest.mark.parametrize(
    "number", ["15108695077", "23878303775", "57885304880", "12345678901", "11111111111"]
)
def test_invalid_check_digits_are_not_flagged(number: str) -> None:
    assert classify_no_id(number) is None
    assert find_personal_data(f"nr {number} og {number[:6]} {number[6:]}") == []


def test_account_number_that_passes_as_fnr_is_left_when_called_one() -> None:
    number = "15108695088"  # also a valid account number: k2 uses the same weights
    assert kinds(f"Ring {number}") == [("fnr", number)]
    for cue in ("kontonummer", "Kontonr.", "konto:", "Bankkonto er", "kontonr:"):
        assert find_personal_data(f"Betal til {cue} {number}") == []


def test_invalid_date_is_not_flagged() -> None:
    # 31 April, 30 February, month 13: check digits right, date wrong
    for date in ("310486", "300286", "011386", "009386"):
        numbers = [n for i in range(500, 520) if (n := make_no_id(f"{date}{i:03d}")) is not None]
        assert numbers
        for number in numbers:
            assert classify_no_id(number) is None
            assert find_personal_data(number) == []


@given(st.text(alphabet="0123456789", min_size=11, max_size=11))
@settings(max_examples=300, deadline=None)
def test_agrees_with_python_stdnum_on_todays_rule(number: str) -> None:
    if fodselsnummer.is_valid(number):
        assert classify_no_id(number) is not None
    if classify_no_id(number) is not None:
        nine = number[:9]
        assert number[10] == fodselsnummer.calc_check_digit2(number[:10])
        assert int(number[9]) in {
            (11 + r - sum(w * int(c) for w, c in zip(W1, nine, strict=False)) % 11) % 11 for r in range(4)
        }


# --- Danish CPR -------------------------------------------------------------------


@pytest.mark.parametrize("number", ["211062-5629", "2110625629", "010165-1234"])
def test_danish_cpr(number: str) -> None:
    assert kinds(f"CPR: {number}") == [("cpr", number)]
    assert mask(f"CPR: {number}") == "CPR: [personnummer]"


@pytest.mark.parametrize("number", ["321062-5629", "011362-5629", "2902011234", "010130-5000"])
def test_danish_cpr_needs_a_real_past_date(number: str) -> None:
    # 32nd day, 13th month, 29 Feb 1901, and 1 January 2030 (not yet born)
    assert find_personal_data(f"nr {number}") == []


# --- phones and e-mail ------------------------------------------------------------


@pytest.mark.parametrize(
    "phone",
    [
        "41234567",
        "912 34 567",
        "91 23 45 67",
        "9123 4567",
        "22 33 44 55",
        "+47 41234567",
        "+4791234567",
        "+47 912 34 567",
        "0047 91 23 45 67",
        "(+47) 912 34 567",
        "+45 12 34 56 78",
        "+45 12345678",
        "0045 3312 3456",
    ],
)
def test_phone_numbers(phone: str) -> None:
    assert kinds(f"Ring meg på {phone}.") == [("tlf", phone)]
    assert mask(f"Ring meg på {phone}.") == "Ring meg på [telefon]."


@pytest.mark.parametrize("phone", ["12345678", "01234567", "1234 5678", "12 34 56 78"])
def test_norwegian_numbers_start_with_2_to_9(phone: str) -> None:
    assert find_personal_data(f"tlf {phone}") == []


@pytest.mark.parametrize(
    "email", ["kari.nordmann@example.com", "ola+hoering@eksempel.no", "bjørn_ås@post.example.dk", "a@b.no"]
)
def test_email(email: str) -> None:
    assert kinds(f"Skriv til {email}.") == [("epost", email)]
    assert mask(f"<{email}>") == "<[e-post]>"


def test_digits_inside_email_are_one_email() -> None:
    assert kinds("svar til kari.99887766@example.no") == [("epost", "kari.99887766@example.no")]


# --- look-alikes --------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "Jeg jobber i 40 % stilling.",
        "Gi oss 100 % stilling, ikke 20 %-stillinger!",
        "Fra 2019 til 2024 har fraværet gått ned, i årene 2020 2021 særlig.",
        "Møtet er 12.03.2024, frist 1. mars, født 24122023 eller 20240312, 2024-03-12.",
        "Saksnummer 2023/1234 og 23/01234, saksnr. 2024/12345-3.",
        "Det koster kr 12 500 i måneden, 1 500 000 kroner i året, kr 25000000 totalt, 45000000 kr.",
        "NOK 49999999 og kr. 2 500 000,00 og 30000000,-",
        "Buss 24 og linje 100 går ikke om kvelden, rute 950 heller ikke.",
        "Send til Postboks 417, 4630 Kristiansand eller 4604 Kristiansand S.",
        "Adresse: Postboks 4630 4604 Kristiansand.",
        "Org.nr. 912 345 678 og 912345678, NO 974 123 456 MVA.",
        "Kontonummer 1234.56.78903 eller 1234 56 78903.",
        "Tallet 12345678903 er ikke et fødselsnummer.",
        "Jeg er 84 år og har bodd her i 40 år.",
        "Klokka 0800 til 1530, rom 2301.",
    ],
)
def test_look_alikes_are_not_flagged(text: str) -> None:
    assert find_personal_data(text) == []
    assert mask(text) == text


# --- names --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("Jeg heter Kari Nordmann og bor i Vestbygda.", "Kari Nordmann"),
        ("Eg heiter Ola og bur åleine.", "Ola"),
        ("Jeg hedder Mette Frederiksen.", "Mette Frederiksen"),
        ("Min mor Ingrid har demens.", "Ingrid"),
        ("min far Per Olsen faller ofte", "Per Olsen"),
        ("Mannen min, Piotr Johansen, venter.", "Piotr Johansen"),
        ("Kona mi Anne-Lise har MS.", "Anne-Lise"),
        ("Mor Mette Haugen bor alene.", "Mette Haugen"),
        ("Vi besøker far Astrid hver uke.", "Astrid"),
        ("Naboen Kari Olsen ringte.", "Kari Olsen"),
        ("Mitt navn er Hanne Berg.", "Hanne Berg"),
        ("Navnet mitt er Gunn Khan.", "Gunn Khan"),
        ("Jeg er dattera til Tor Nielsen på Solbakken.", "Tor Nielsen"),
        ("Saken står på Knut Berg.", "Knut Berg"),
        ("Takk for meg.\nMvh Per Hansen", "Per Hansen"),
        ("Hilsen Kari", "Kari"),
        ("Med vennlig hilsen\nAnne-Lise Johansen\nFagforbundet Vennesla", "Anne-Lise Johansen"),
        ("Venleg helsing Sigrid Haugland", "Sigrid Haugland"),
        ("Min søster Kari, min bror og min nabo", "Kari"),
        ("Kontakt Kari Hansen for mer.", "Kari Hansen"),
        ("mvh Hans Olsen", "Hans Olsen"),
        ("Kind regards,\nEmma Wilson", "Emma Wilson"),
        ("Mvh K. Hansen", "K. Hansen"),
        ("Hilsen Anne K. Berg", "Anne K. Berg"),
        ("My mother Mary has dementia.", "Mary"),
    ],
)
def test_names_after_cues(text: str, name: str) -> None:
    assert kinds(text) == [("navn", name)]
    assert mask(text) == text.replace(name, "[navn]")


@pytest.mark.parametrize(
    "text",
    [
        "Mor har ventet i åtte måneder.",
        "Far sitter alene hele dagen.",
        "Min far har Alzheimer og Parkinson.",
        "Min mor. Hun bor alene.",
        "Hilsen en bekymret pårørende",
        "Mvh Eldrerådet i Kristiansand",
        "Mvh NSF Kristiansand",
        "Hilsen Mental Helse Vennesla",
        "Kontakt NAV eller Frivilligsentralen.",
        "Ta kontakt med Sykehuset Sørlandet.",
        "Ring Legevakten.",
        "Kontakt Vennesla kommune.",
        "Mor Hun er syk.",
        "Naboen Kari ringte.",
        "Far og Mor er slitne.",
        "Regards, The Care Team",
    ],
)
def test_no_name_without_a_person(text: str) -> None:
    assert find_personal_data(text) == []


def test_only_leading_name_words_are_kept() -> None:
    assert kinds("mvh Kari Hansen Tlf 99887766") == [("navn", "Kari Hansen"), ("tlf", "99887766")]
    assert kinds("Min mor Kari Hansen Solbakken") == [("navn", "Kari Hansen")]


def test_names_joined_by_og() -> None:
    assert kinds("Hilsen Kari og Per Hansen") == [("navn", "Kari"), ("navn", "Per Hansen")]
    assert kinds("Mvh Kari og Frivilligsentralen") == [("navn", "Kari")]


# --- several kinds, overlaps, mask ---------------------------------------------------


def test_overlapping_cues_give_sorted_non_overlapping_findings() -> None:
    text = (
        "Jeg heter Kari Hansen, min mor Ingrid Dahl (fnr 23878303776) og mannen min Per. "
        "Mvh Kari Hansen, kari@example.no, +47 912 34 567"
    )
    found = find_personal_data(text)
    assert [(f.kind, f.text) for f in found] == [
        ("navn", "Kari Hansen"),
        ("navn", "Ingrid Dahl"),
        ("fnr", "23878303776"),
        ("navn", "Per"),
        ("navn", "Kari Hansen"),
        ("epost", "kari@example.no"),
        ("tlf", "+47 912 34 567"),
    ]
    for a, b in zip(found, found[1:], strict=False):
        assert a.end <= b.start
    for f in found:
        assert text[f.start : f.end] == f.text


def test_cue_inside_a_sign_off_does_not_double_count() -> None:
    # "hilsen" and "min mor" both introduce the same words
    assert kinds("Hilsen min mor Randi Berg") == [("navn", "Randi Berg")]


def test_mask_replaces_every_kind() -> None:
    text = (
        "Jeg heter Kari Nordmann, fnr 15108695088, d-nr 57885304887, CPR 211062-5629, "
        "ring 41234567 eller skriv til kari@example.no."
    )
    assert mask(text) == (
        "Jeg heter [navn], fnr [fødselsnummer], d-nr [d-nummer], CPR [personnummer], "
        "ring [telefon] eller skriv til [e-post]."
    )
    assert mask(text, kinds={"epost"}) == text.replace("kari@example.no", "[e-post]")


def test_mask_of_text_without_personal_data_is_identity() -> None:
    assert mask("") == ""
    assert mask("Vi trenger flere hender i 100 % stilling.") == "Vi trenger flere hender i 100 % stilling."


def test_kind_labels_and_finding() -> None:
    assert KIND_LABELS == {
        "fnr": "[fødselsnummer]",
        "dnr": "[d-nummer]",
        "hnr": "[h-nummer]",
        "cpr": "[personnummer]",
        "tlf": "[telefon]",
        "epost": "[e-post]",
        "navn": "[navn]",
    }
    f = find_personal_data("tlf 41234567")[0]
    assert f == Finding("tlf", 4, 12, "41234567")
    assert f.label == "[telefon]"
    with pytest.raises(dataclasses.FrozenInstanceError):
        f.kind = "navn"  # type: ignore[misc]


@given(st.text(max_size=200))
@settings(max_examples=200, deadline=None)
def test_findings_are_consistent_on_any_text(text: str) -> None:
    found = find_personal_data(text)
    for f in found:
        assert f.kind in KIND_LABELS
        assert text[f.start : f.end] == f.text
    assert all(a.end <= b.start for a, b in zip(found, found[1:], strict=False))
