"""What the masking could not decide: a check list for staff before a response is published (no Flask inside).

:func:`hearing.privacy.mask` removes what it can recognise for certain (identity numbers, phone numbers,
e-mail addresses, names introduced as names). Two kinds of personal data it cannot judge are pointed out
here for a person to look at before approving a response:

* words that look like the name of a person (two capitalised words in a row in the middle of a sentence,
  "Per Hansen", or a capitalised word after a relation: "naboen Kari");
* words about health (diagnoses, medicines, treatment), which are special categories of personal data
  when they can be tied to a person.

>>> [i.kind for i in check_list("Naboen Per Hansen har demens og får insulin.")]
['name', 'health', 'health']
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["CheckItem", "HEALTH_TERMS", "HEALTH_WORDS", "check_list"]

#: Stems of health words (lower case); a word that starts with one is pointed out.
HEALTH_TERMS = (
    "demens", "alzheimer", "diabetes", "insulin", "kreft", "cellegift", "depresjon", "deprimert", "angst",
    "psykos", "schizofren", "bipolar", "alkohol", "narkoman", "overdose", "selvmord", "hjerneslag",
    "epilepsi", "parkinson", "hepatitt", "astma", "hjerteinfarkt",
    "diagnose", "medisin", "medikament", "tablett", "morfin", "antidepressiv", "innlagt", "innleggelse",
    "sykehjem", "psykiatri", "psykisk", "autis", "adhd", "utviklingshemm", "funksjonshemm", "lammet",
    "rullestol", "dialyse", "amputert", "gravid", "abort", "fødselsdepresjon", "spiseforstyrr", "anoreksi",
    "bulimi", "sykdom", "kreftsyk", "rusmisbruk", "rusavhengig",
)
#: Short health words matched only as whole words ("syk", not "sykkel").
HEALTH_WORDS = ("syk", "slag", "ms", "hiv", "aids", "kols", "adhd", "rus")

_WORD = re.compile(r"[A-Za-zÆØÅæøåÉéÜüÖöÄä-]+")
_HEALTH = re.compile(r"(?<![\w])(?:(?:" + "|".join(sorted((re.escape(t) for t in HEALTH_TERMS), key=len, reverse=True))
                     + r")\w*|(?:" + "|".join(HEALTH_WORDS) + r")\b)", re.IGNORECASE)
#: Two or three capitalised words in a row, not at the start of a sentence.
_NAME_PAIR = re.compile(r"(?<=[a-zæøå,;:] )([A-ZÆØÅ][a-zæøå]+(?: [A-ZÆØÅ][a-zæøå]+){1,2})")
#: A relation followed by a capitalised word: "naboen Kari", "sønnen min Ola".
_RELATION = re.compile(
    r"(?i:\b(?:naboen|nabo|sønnen|datteren|mannen|kona|kone|mora|moren|mor|faren|far|broren|søsteren|"
    r"svigermor|svigerfar|barnet|pasienten|beboeren|brukeren|kollegaen|legen|sykepleieren)(?: min| mitt| vår)?)"
    r" ([A-ZÆØÅ][a-zæøå]+(?: [A-ZÆØÅ][a-zæøå]+)?)"
)
#: Capitalised words that are not names (institutions, places in common use, months, weekdays).
_NOT_NAMES = {
    "Kommune", "Kommunen", "Helse", "Sykehuset", "Nav", "NAV", "Norge", "Danmark", "Oslo", "Bergen",
    "Januar", "Februar", "Mars", "April", "Mai", "Juni", "Juli", "August", "September", "Oktober", "November",
    "Desember", "Mandag", "Tirsdag", "Onsdag", "Torsdag", "Fredag", "Lørdag", "Søndag", "Eldrerådet", "Ungdomsrådet",
}


@dataclass(frozen=True)
class CheckItem:
    """One thing for staff to look at: ``kind`` is "name" or "health"; ``text`` the words found."""

    kind: str
    text: str


def check_list(text: str | None) -> list[CheckItem]:
    """Possible names of third persons and health words in a (masked) text, each once, in text order."""
    if not text:
        return []
    found: list[tuple[int, CheckItem]] = []
    seen: set[tuple[str, str]] = set()
    taken: list[range] = []

    def add(m: re.Match[str], group: int, kind: str) -> None:
        words, span = m.group(group), range(m.start(group), m.end(group))
        if kind == "name" and (any(w in _NOT_NAMES for w in words.split())
                               or any(span.start < t.stop and t.start < span.stop for t in taken)):
            return
        taken.append(span)
        if (kind, words.casefold()) not in seen:
            seen.add((kind, words.casefold()))
            found.append((span.start, CheckItem(kind, words)))

    for m in _RELATION.finditer(text):
        add(m, 1, "name")
    for m in _NAME_PAIR.finditer(text):
        add(m, 1, "name")
    for m in _HEALTH.finditer(text):
        add(m, 0, "health")
    return [item for _, item in sorted(found, key=lambda p: p[0])]
