"""Find and mask personal data in free text, without a model.

The detector is rule based so that every decision can be explained to a
municipality's privacy officer:

* identity numbers are found by their structure and accepted only when their
  check digits (and embedded date) hold, so that ordinary numbers which merely
  look alike (amounts, case numbers, dates, org and account numbers) are left
  alone;
* phone numbers are found only in the usual Norwegian and Danish groupings, and
  refused when the context says they are an amount, a date or a pair of years;
* names are found only where the text introduces a person ("jeg heter …",
  "min mor …", "mvh …"): a cue followed by capitalised words.

>>> mask("Jeg heter Kari Nordmann, ring 912 34 567.")
'Jeg heter [navn], ring [telefon].'
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass

__all__ = ["KIND_LABELS", "Finding", "find_personal_data", "mask"]

#: Placeholder shown instead of each kind of personal data.
KIND_LABELS: dict[str, str] = {
    "fnr": "[fødselsnummer]",
    "dnr": "[d-nummer]",
    "hnr": "[h-nummer]",
    "cpr": "[personnummer]",
    "tlf": "[telefon]",
    "epost": "[e-post]",
    "navn": "[navn]",
}

# When two findings overlap, the one that starts first wins; at the same start,
# the longer one; at the same span, the kind listed first here.
_PRIORITY = {kind: i for i, kind in enumerate(("fnr", "dnr", "hnr", "cpr", "epost", "tlf", "navn"))}


@dataclass(frozen=True)
class Finding:
    """One piece of personal data: ``text[start:end]`` is of kind ``kind``."""

    #: One of the keys of :data:`KIND_LABELS`.
    kind: str
    #: Offset of the first character in the searched text.
    start: int
    #: Offset just past the last character.
    end: int
    #: The matched text, ``source[start:end]``.
    text: str

    @property
    def label(self) -> str:
        """The placeholder that replaces this finding in masked text."""
        return KIND_LABELS[self.kind]


# ---------------------------------------------------------------------------
# Norwegian identity numbers (fødselsnummer, D-nummer, H-nummer, test numbers)
# ---------------------------------------------------------------------------

_W1 = (3, 7, 6, 1, 8, 9, 4, 5, 2, 1)
_W2 = (5, 4, 3, 2, 7, 6, 5, 4, 3, 2, 1)

# Eleven digits, optionally with one space, dash or dot after the six-digit date
# ("150385 10190", "150385.10190"), or grouped 4-4-3 ("1503 8510 190"), not
# part of a longer number ("1234.56.78903", "12345678901234"). A letter right
# before is allowed ("fnr:", "f.nr.15108695088"): the check digits and the date
# make a chance hit rare.
_NO_ID_RE = re.compile(
    r"(?<!\d)(?<!\d[.,/-])(?:(\d{6})[ \u00a0.-]?(\d{5})|(\d{4})[ \u00a0](\d{4})[ \u00a0](\d{3}))(?!\d|[.,/-]\d)"
)

# A cue that says the next eleven digits are an identity number: then they are masked even when the check
# digits are wrong (a mistyped fødselsnummer is still personal data).
_ID_CUE_RE = re.compile(
    r"(?i)(?<![\w])(?P<cue>fødsels(?:nummer(?:et)?|nr\.?)|f\.\s?nr\.?|fnr\.?|personnummer(?:et)?|personnr\.?|"
    r"pers\.\s?nr\.?|p\.?nr\.?|d-nummer(?:et)?|d-nr\.?|dnr\.?|cpr(?:-nummer|-nr\.?)?)"
    r"(?:\s+(?:mitt|min|er|var|hans|hennes|til\s+\w+))*\s*[:=]?\s*"
    r"(?P<number>\d{6}[ \u00a0.-]?\d{5}|\d{4}[ \u00a0]\d{4}[ \u00a0]\d{3})(?!\d|[.,/-]\d)"
)


# An account number's mod-11 check uses k2's weights, so about one valid
# account number in thirteen also passes as a fødselsnummer; when the text
# says it is an account number, believe it.
_ACCOUNT_BEFORE_RE = re.compile(r"(?i)\b(?:bank)?konto(?:nummer|nr)?\.?(?:\s+(?:er|nr\.?))?\s*[:.]?\s*$")


def _valid_no_checksum(digits: str) -> bool:
    """Return whether the two mod-11 control digits of an 11-digit number hold.

    Today's rule: the weighted sum of the first ten digits with weights
    3 7 6 1 8 9 4 5 2 1 (the last weight is k1's own) must be 0 mod 11, i.e.
    ``k1 = 11 - (sum of the first nine weighted digits mod 11)`` with 11 read
    as 0 and 10 refused.

    The rule for numbers issued from 1 January 2032 (Skatteetaten,
    "Nytt fødselsnummer fra 2032", folkeregisteret-api-dokumentasjon) keeps
    the weights but lets k1 be any of ``{11, 12, 13, 14} - (sum mod 11)``,
    that is: the remainder of the ten-digit weighted sum may be 0, 1, 2 or 3.
    A k1 that would have to be 10 is still refused (it is not a digit). The
    second control digit k2 is unchanged: the weighted sum of all eleven
    digits with 5 4 3 2 7 6 5 4 3 2 1 must be 0 mod 11, computed with the k1
    that is actually written. Since numbers issued under both rules stay valid,
    we accept the union, i.e. the new rule (it contains today's).
    """
    nums = [int(c) for c in digits]
    r1 = sum(w * n for w, n in zip(_W1, nums, strict=False)) % 11
    r2 = sum(w * n for w, n in zip(_W2, nums, strict=False)) % 11
    return r1 in (0, 1, 2, 3) and r2 == 0


def _valid_day_month(day: int, month: int, year2: int) -> bool:
    # From 2032 the individual number no longer tells the century, so the
    # date is checked without one: 2000 + yy has a 29 February exactly when
    # some century does (yy divisible by 4; "00" through 2000).
    try:
        datetime.date(2000 + year2, month, day)
    except ValueError:
        return False
    return True


def classify_no_id(digits: str) -> str | None:
    """Return ``"fnr"``, ``"dnr"`` or ``"hnr"`` for a valid Norwegian number.

    ``digits`` is an 11-digit string. The date part may be shifted:

    * day + 40: D-nummer (foreigners, temporary residents);
    * month + 40: H-nummer (health service aid numbers), also used for the
      synthetic numbers of NAV's test environment (Dolly);
    * month + 80: synthetic test numbers of Skatteetaten's test environment
      (Tenor / Test-Norge). They are reported as what they stand for:
      a fødselsnummer, or a D-nummer when the day is shifted too.

    Both control digits must hold (today's or the 2032 rule). Returns
    ``None`` for anything else.
    """
    if len(digits) != 11 or not digits.isdigit() or not _valid_no_checksum(digits):
        return None
    day, month, year2 = int(digits[0:2]), int(digits[2:4]), int(digits[4:6])
    kind = "fnr"
    if day > 40:
        day -= 40
        kind = "dnr"
    if 80 < month <= 92:
        month -= 80  # Tenor synthetic number; keeps the fnr/dnr kind
    elif 40 < month <= 52:
        month -= 40
        if kind == "fnr":
            kind = "hnr"
    if not _valid_day_month(day, month, year2):
        return None
    return kind


# ---------------------------------------------------------------------------
# Danish CPR numbers
# ---------------------------------------------------------------------------

_CPR_RE = re.compile(r"(?<![\w.,/-])(\d{6})-?(\d{4})(?![\w/]|[.,-]\d)")


def _cpr_century(year2: int, digit7: int) -> int:
    # CPR's seventh digit gives the century (cpr.dk, as in python-stdnum).
    if digit7 in (5, 6, 7, 8) and year2 >= 58:
        return 1800
    if digit7 in (0, 1, 2, 3) or (digit7 in (4, 9) and year2 >= 37):
        return 1900
    return 2000


def _valid_cpr(date6: str, serial: str, today: datetime.date | None = None) -> bool:
    """A CPR number is valid when its date is a real date not in the future.

    There is no check digit: Denmark stopped requiring the modulus-11 check in
    October 2007.
    """
    day, month, year2 = int(date6[0:2]), int(date6[2:4]), int(date6[4:6])
    year = _cpr_century(year2, int(serial[0])) + year2
    try:
        born = datetime.date(year, month, day)
    except ValueError:
        return False
    return born <= (today or datetime.date.today())


# ---------------------------------------------------------------------------
# Phone numbers and e-mail addresses
# ---------------------------------------------------------------------------

# The usual groupings of eight digits.
_GROUPS = r"""
    \d{8}                         # 12345678
  | \d{3}[ \u00a0]\d{2}[ \u00a0]\d{3}   # 123 45 678
  | \d{2}[ \u00a0]\d{2}[ \u00a0]\d{2}[ \u00a0]\d{2}   # 12 34 56 78
  | \d{4}[ \u00a0]\d{4}               # 1234 5678
  | \d{3}-\d{2}-\d{3}                  # 123-45-678
  | \d{2}-\d{2}-\d{2}-\d{2}            # 12-34-56-78
"""
_PHONE_RE = re.compile(
    r"""
    (?<![\w@+/])
    (?:
        (?P<prefix>(?:\+|00)(?P<cc>47|45)[ \u00a0]?|\((?:\+|00)(?P<cc2>47|45)\)[ \u00a0]?)
    )?
    (?P<number>"""
    + _GROUPS
    + r""")
    (?![\w@/]|[ \u00a0.,/-]?\d)
    """,
    re.VERBOSE,
)

# Context that makes eight digits an amount, or a post box and a postal code.
_AMOUNT_BEFORE_RE = re.compile(
    r"(?i)(?:\bkr\.?|\bnok|\bdkk|\bsek|\beur|€|\$|£|\bkroner|\bpostboks|\bpb\.?|\bboks|\bpostbox)\s*$"
)
_AMOUNT_AFTER_RE = re.compile(
    r"(?i)^\s*(?:kr\b|kroner|,-|,00|nok\b|dkk\b|eur\b|euro|%|prosent|pst\b|mill|mrd|"
    r"tusen|kilo|km\b|kg\b|m2\b|kvm|timer\b|innbyggere)"
)


def _is_date8(digits: str) -> bool:
    """DDMMYYYY or YYYYMMDD with a year in 1900-2099."""
    for d, m, y in ((digits[0:2], digits[2:4], digits[4:8]), (digits[6:8], digits[4:6], digits[0:4])):
        if y[:2] in ("19", "20"):
            try:
                datetime.date(int(y), int(m), int(d))
            except ValueError:
                continue
            return True
    return False


def _phone_ok(text: str, m: re.Match[str]) -> bool:
    number = m.group("number")
    digits = re.sub(r"\D", "", number)
    cc = m.group("cc") or m.group("cc2")
    if cc is None and digits[0] not in "23456789":
        return False  # Norwegian numbers start with 2-9
    if cc is None and number.count(" ") + number.count("\u00a0") == 1:
        # "2019 2020": two years side by side, not a phone number
        a, b = digits[:4], digits[4:]
        if a[:2] in ("19", "20") and b[:2] in ("19", "20"):
            return False
    if cc is None and len(number) == 8 and _is_date8(digits):
        return False
    if cc is None:
        before = text[max(0, m.start() - 12) : m.start()]
        after = text[m.end() : m.end() + 12]
        if _AMOUNT_BEFORE_RE.search(before) or _AMOUNT_AFTER_RE.search(after):
            return False
    return True


_EMAIL_RE = re.compile(
    r"(?<![\w.+-])[\w.%+-]+@[\w-]+(?:\.[\w-]+)*\.[^\W\d_]{2,}(?![\w@])",
)
# Written out to fool harvesters: "ola(at)example.com", "ola [at] example [dot] com", "ola (alfakrøll) example.no".
_AT = r"\s*[(\[{<]\s*(?:at|@|alfakrøll|krøllalfa|snabel-a)\s*[)\]}>]\s*"
_DOT = r"(?:\.|\s*[(\[{<]\s*(?:dot|punktum|prikk)\s*[)\]}>]\s*)"
_EMAIL_WRITTEN_RE = re.compile(
    rf"(?i)(?<![\w.+-])[\w%+-]+(?:{_DOT}[\w%+-]+)*{_AT}[\w-]+(?:{_DOT}[\w-]+)*{_DOT}[^\W\d_]{{2,}}(?![\w@])",
)


# ---------------------------------------------------------------------------
# Names introduced by a cue
# ---------------------------------------------------------------------------

_RELATIVE = (
    r"mor|far|mamma|pappa|bror|søster|syster|mann|ektemann|kone|hustru|kjæreste|sambo|samboer|"
    r"datter|dotter|sønn|son|søn|nabo|barn|onkel|tante|venn|venninne|ven|veninde|ægtefælle|"
    r"ektefelle|bestemor|bestefar|besteforelder|mormor|morfar|farmor|farfar|oldemor|oldefar|"
    r"svigermor|svigerfar|svigerinne|svigerson|svigerdatter|fetter|kusine|nevø|niese|"
    r"stesønn|stedatter|stemor|stefar|mand|pasient|bruker|beboer|klient|gutt|jente|dreng|pige"
)
# Postposed possessive forms: "mannen min", "kona mi", "far min", "sønnen vår".
_RELATIVE_DEF = (
    r"mora|moren|moder|faren|fara|broren|bror|søstera|søsteren|systera|mannen|kona|konen|"
    r"dattera|datteren|dotter|dottera|sønnen|sonen|naboen|kjæresten|samboeren|sambuaren|"
    r"bestemora|bestemoren|bestefaren|svigermora|svigermoren|svigerfaren|onkelen|tanta|tanten|"
    r"ektemannen|ektefellen|mor|far|barnet|gutten|jenta|venninna|venninnen|vennen"
)

# Cues after which a single capitalised word is taken as a name.
_STRONG_CUES = (
    r"jeg\s+heter|eg\s+heiter|eg\s+heter|jeg\s+hedder|jeg\s+hedder|"
    r"mitt\s+navn\s+er|navnet\s+mitt\s+er|mitt\s+namn\s+er|namnet\s+mitt\s+er|mit\s+navn\s+er|"
    r"mvh\.?|m\.v\.h\.?|med\s+vennlig\s+hilsen|vennlig\s+hilsen|vennlige\s+hilsener|"
    r"beste\s+hilsen|hilsen(?:\s+fra)?|hilsner|venleg\s+helsing|med\s+venleg\s+helsing|"
    r"beste\s+helsing|helsing(?:\s+frå)?|med\s+venlig\s+hilsen|venlig\s+hilsen|kærlig\s+hilsen|"
    r"de\s+bedste\s+hilsner|kh\b|"
    r"(?:min|mi|mitt|vår|mine|våre|vor|hans|hennes|hendes|hennar|hans)\s+(?:" + _RELATIVE + r")|"
    # bare kinship words used as a name's title: "Mor Mette Haugen", "far Per"
    r"mor|far|mamma|pappa|bestemor|bestefar|mormor|morfar|farmor|farfar|oldemor|oldefar|"
    r"(?:" + _RELATIVE_DEF + r")\s+(?:min|mi|mitt|vår|vårt)|"
    r"(?:datter|dotter|sønn|son|søn|dattera|datteren|sønnen|sonen|kona|mannen|barnebarn|barnebarnet)"
    r"\s+(?:til|av|åt|af)|"
    r"på\s+vegne\s+av|på\s+vegne\s+af|på\s+vegner\s+av|"
    r"(?:saken|søknaden|klagen|vedtaket)\s+(?:min\s+|mi\s+)?(?:gjelder|står\s+på|gjeld|står\s+i\s+navnet\s+til)|"
    r"kontaktperson(?:\s+er)?|kontaktpersonen\s+(?:er|min)|kontakt(?:\s+med)?|kontakte|kontakta|"
    r"ring(?:\s+til)?|spør\s+etter|"
    r"my\s+name\s+is|i\s+am\s+called|(?:kind\s+|best\s+|warm\s+)?regards|sincerely|"
    r"my\s+(?:mother|father|mum|mom|dad|husband|wife|partner|son|daughter|brother|sister|"
    r"neighbour|neighbor|grandmother|grandfather)"
)
# Bare roles ("naboen Kari Olsen", "pasienten Per Dahl"): a weaker cue, so a
# full name of two capitalised words is required.
_WEAK_CUES = r"naboen|nabo|pasienten|beboeren|brukeren|bebuaren|brukaren|patient|resident"

_NAME_WORD = r"[A-ZÆØÅÄÖÜÉÈÁÓÍÚÑÇŠŽĆČŁŃŚŹ][a-zæøåäöüéèáóíúñçšžćčłńśźß'’]+(?:-[A-ZÆØÅÄÖÜÉ][a-zæøåäöüéèáóíúñçšžćčłńśźß'’]+)?"
# A run of up to four name words; initials ("K. Hansen") may come before.
_NAME_SEQ = (
    rf"(?:[A-ZÆØÅ]\.[ \u00a0]*){{0,2}}{_NAME_WORD}(?:[ \u00a0]+(?:[A-ZÆØÅ]\.[ \u00a0]+)?{_NAME_WORD}){{0,3}}"
)

_CUE_NAME_RE = re.compile(
    rf"(?<![\w])(?i:(?P<strong>{_STRONG_CUES})|(?P<weak>{_WEAK_CUES}))[ \t\u00a0]*[,:]?\s*(?P<name>{_NAME_SEQ})"
)

# Capitalised words that are not names: pronouns, function words, titles,
# days, months, institutions. Lower-case keys.
_NOT_NAMES = set(
    """
    jeg eg du dere de dei vi han hun ho den det dette disse hvem hva kva hvor kor når da så men og
    eller at som for fra til med på i om av etter under over ved hos mot uten nei ja takk hei hallo
    min mi mitt mine vår vårt våre hennes hennar deres dykkar sin si sitt sine meg deg seg oss
    ikke ikkje ingen noen nokon alle alt mange flere fleire hele heile også dessverre bare berre
    kanskje nå no her der hjemme heime
    jeg jer han hun hende vi i de dem den det mig dig sig os min mit mine din dit dine hendes
    ikke ingen nogen alle også kun bare nu her der
    mandag tirsdag onsdag torsdag fredag lørdag søndag måndag tysdag laurdag sundag
    januar februar mars april juni juli august september oktober november desember
    marts maj oktober december
    kommune kommunen kommunens fylkeskommune staten nav helsenorge sykehuset sjukehuset
    hjemmesykepleien heimesjukepleia hjemmetjenesten heimetenesta legevakten legevakta fastlegen
    fastlege lege legen doktor dr sykepleier sykepleieren sjukepleiar helsesykepleier
    saksbehandler saksbehandleren rådmann ordfører ordføreren leder lederen avdelingsleder
    tildelingskontoret servicetorget sentralbordet tjenestekontoret kundesenter
    rådet eldrerådet ungdomsrådet brukerrådet styret utvalget administrasjonen
    the a an our my your their mr mrs ms dr
    herr fru frk hr en ei et ein eit anonym anonymt bekymret bekymra fortvilet fortvila sliten
    pårørende pårørande innbygger innbyggar ansatt tilsett beboer bebuar bruker brukar pasient
    datter dotter sønn son mor far mamma pappa familien familie hilsen helsing mvh takk
    alzheimer parkinson parkinsons demens ms als kols
    tlf telefon mobil mob epost e-post mail adresse adr fnr fødselsnummer personnummer
    norge norway danmark sverige oslo bergen trondheim stavanger kristiansand tromsø
    """.split()
)
# Word endings that mark institutions, places and organisations.
_INSTITUTION_ENDINGS = (
    "kommune",
    "huset",
    "hus",
    "senter",
    "senteret",
    "sentralen",
    "sentral",
    "tjenesten",
    "tjeneste",
    "tenesta",
    "etaten",
    "avdeling",
    "avdelingen",
    "hjemmet",
    "heimen",
    "heim",
    "foreningen",
    "forening",
    "forbundet",
    "forbund",
    "klinikk",
    "klinikken",
    "kontoret",
    "kontor",
    "apotek",
    "skole",
    "skolen",
    "barnehage",
    "barnehagen",
    "rådet",
    "laget",
    "lag",
    "gården",
    "tunet",
    "veien",
    "vegen",
    "gata",
    "gaten",
    "gate",
    "vei",
    "veg",
    "plass",
    "parken",
    "hagen",
    "haugen",
    "bakken",
    "sykehjem",
    "sjukeheim",
    "omsorg",
    "helse",
    "team",
    "teamet",
    "ombudet",
    "firma",
    "stasjonen",
    "stasjon",
    "torget",
    "vakta",
    "vakten",
    "enheten",
    "enhet",
    "seksjonen",
    "kjøkken",
    "kjøkkenet",
    "biblioteket",
)


# Common surnames that happen to end like an institution word.
_SURNAME_OK = {"haugen", "bakken", "hagen", "lag", "gate", "plass", "hus"}


def _is_institution(word: str) -> bool:
    low = word.lower()
    return low not in _SURNAME_OK and low.endswith(_INSTITUTION_ENDINGS)


# A lower-case word after the capitalised run that makes it a place or body.
_ORG_AFTER_RE = re.compile(
    r"[ \u00a0]+(?:kommune|kommunes|kommunar|fylkeskommune|fylke|sykehus|sjukehus|helseforetak|"
    r"bydel|menighet|kyrkjelyd|sokn|kirke|kyrkje|legesenter|legekontor|sykehjem|sjukeheim|"
    r"omsorgssenter|bo-|boliger|skole|skule|barnehage|idrettslag|frivilligsentral|as\b|sa\b)",
)


_NAME_RUN_RE = re.compile(_NAME_SEQ)
# "Hilsen Kari og Per Hansen": a second name joined to the first.
_AND_NAME_RE = re.compile(rf"[ \u00a0]*(?:og|&|and|eller)[ \u00a0]+(?={_NAME_WORD})")


def _name_span(text: str, pos: int, *, need_full: bool) -> tuple[int, int] | None:
    """The name in the capitalised run at ``pos``, or ``None`` if it is not one."""
    run = _NAME_RUN_RE.match(text, pos)
    if run is None:
        return None
    kept = []
    for w in re.finditer(r"\S+", run.group()):
        word = w.group()
        if word.lower() in _NOT_NAMES:
            break
        if _is_institution(word):
            # "Kari Hansen Solbakken": a full name, then a place; but
            # "Frivilligsentralen", "Sykehuset Innlandet", "Mental Helse"
            # are organisations, not people.
            if len(kept) < 2:
                return None
            break
        kept.append(w)
    if not kept or (need_full and len(kept) < 2):
        return None
    end = pos + kept[-1].end()
    if _ORG_AFTER_RE.match(text, end):
        return None  # "kontakt Vennesla kommune", "Sørlandet sykehus"
    return pos, end


def _find_names(text: str) -> list[Finding]:
    """Capitalised words right after a cue that introduces a person."""
    found = []
    for m in _CUE_NAME_RE.finditer(text):
        span = _name_span(text, m.start("name"), need_full=m.group("weak") is not None)
        while span is not None:
            found.append(Finding("navn", span[0], span[1], text[span[0] : span[1]]))
            joined = _AND_NAME_RE.match(text, span[1])
            span = _name_span(text, joined.end(), need_full=False) if joined else None
    return found


# ---------------------------------------------------------------------------
# Putting it together
# ---------------------------------------------------------------------------


def _candidates(text: str) -> list[Finding]:
    out: list[Finding] = []
    for m in _NO_ID_RE.finditer(text):
        kind = classify_no_id(re.sub(r"\D", "", m.group()))
        if kind and not _ACCOUNT_BEFORE_RE.search(text, max(0, m.start() - 24), m.start()):
            out.append(Finding(kind, m.start(), m.end(), m.group()))
    for m in _ID_CUE_RE.finditer(text):
        digits = re.sub(r"\D", "", m.group("number"))
        cue = m.group("cue").lower()
        kind = classify_no_id(digits) or ("dnr" if cue.startswith("d") else "fnr")
        out.append(Finding(kind, m.start("number"), m.end("number"), m.group("number")))
    for m in _CPR_RE.finditer(text):
        if _valid_cpr(m.group(1), m.group(2)):
            out.append(Finding("cpr", m.start(), m.end(), m.group()))
    for m in _EMAIL_RE.finditer(text):
        end = m.end()
        out.append(Finding("epost", m.start(), end, text[m.start() : end]))
    for m in _EMAIL_WRITTEN_RE.finditer(text):
        out.append(Finding("epost", m.start(), m.end(), m.group()))
    for m in _PHONE_RE.finditer(text):
        if _phone_ok(text, m):
            out.append(Finding("tlf", m.start(), m.end(), m.group()))
    out.extend(_find_names(text))
    return out


def find_personal_data(text: str) -> list[Finding]:
    """Find personal data in ``text``.

    Returns non-overlapping findings sorted by position. Each has ``kind``
    (one of :data:`KIND_LABELS`), ``start``, ``end`` and ``text``, with
    ``text == source[start:end]``.

    >>> [f.kind for f in find_personal_data("Mvh Per Hansen, per@example.no")]
    ['navn', 'epost']
    """
    cands = sorted(_candidates(text), key=lambda f: (f.start, -(f.end - f.start), _PRIORITY[f.kind]))
    result: list[Finding] = []
    for f in cands:
        if result and f.start < result[-1].end:
            continue
        result.append(f)
    return result


def mask(text: str, *, kinds: set[str] | frozenset[str] | None = None) -> str:
    """Replace each finding in ``text`` with its Norwegian placeholder.

    ``kinds`` limits masking to some kinds (all kinds by default).

    >>> mask("Ring meg på +47 912 34 567")
    'Ring meg på [telefon]'
    """
    parts: list[str] = []
    pos = 0
    for f in find_personal_data(text):
        if kinds is not None and f.kind not in kinds:
            continue
        parts.append(text[pos : f.start])
        parts.append(KIND_LABELS[f.kind])
        pos = f.end
    parts.append(text[pos:])
    return "".join(parts)
