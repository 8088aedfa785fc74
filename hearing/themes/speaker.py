"""Remove what says who speaks, so that inputs group by what they are about.

Councils' statements open with "Eldrerådet viser til høringsutkastet og mener
at ...", employees write "Som sykepleier ser jeg at ...", e-mails carry
greetings and signatures, and the masking step leaves placeholders such as
"[navn]". None of it is the topic; left in, themes form around speakers.
:func:`strip_speaker` removes these frames (bokmål, nynorsk, Danish, English)
and keeps the point itself. Rules are general patterns of the written
languages, not fitted to any data set.

Examples
--------
>>> strip_speaker("Eldrerådet viser til høringsutkastet og mener at alle over 80 bør få besøk.")
'alle over 80 bør få besøk.'
>>> strip_speaker("Som sykepleier ser jeg at turnusen sliter folk ut. Hilsen [navn], tlf [telefon]")
'turnusen sliter folk ut.'
>>> strip_speaker("Hei! Bussen går for sjelden.")
'Bussen går for sjelden.'
"""

from __future__ import annotations

import re

__all__ = ["strip_speaker"]

# Placeholders written by hearing.privacy ("[navn]", "[telefon]", ...).
_PLACEHOLDER_RE = re.compile(r"\[[a-zæøå][a-zæøå -]{1,24}\]", re.IGNORECASE)
_GREETING_RE = re.compile(
    r"^\s*(?:hei(?:\s+(?:alle|dere|kommunen))?|hej(?:\s+med\s+jer)?|hallo|hello|hi|dear\s+[^,.!\n]{1,40}|"
    r"til\s+[^,.!\n]{1,60}kommune|god\s+dag|goddag)\s*[,!.:\n-]+\s*",
    re.IGNORECASE,
)
# A sign-off at the start of a line or after a sentence, and only near the end.
_SIGNOFF_RE = re.compile(
    r"(?:^|(?<=[.!?\n]))\s*(?:med\s+(?:vennlig|venleg|venlig|beste)\s+hilsen?|venleg\s+helsing|"
    r"vennlig\s+hilsen|mvh\.?|hilsen|helsing|kind\s+regards|best\s+regards|regards|sincerely|"
    r"mange\s+hilsner|hilsner)\b[^.!?]{0,200}$",
    re.IGNORECASE,
)
_FRAME_VERBS = (
    r"viser\s+til\s+(?:høringsutkastet|høyringsutkastet|planen|utkastet|høringen|høyringa|forslaget)"
    r"(?:\s+og)?|vil\s+(?:gjerne\s+)?(?:understreke|peke\s+på|påpeke|minne\s+om|advare\s+mot|foreslå|føreslå)|"
    r"ber\s+(?:om|kommunen\s+om|kommunen)|mener|meiner|foreslår|føreslår|anbefaler|tilrår|støtter|støttar|"
    r"understreker|er\s+(?:opptatt|oppteken|oppteke|bekymret|uroa|positiv|positivt|glad)\s+(?:av|for|til|over)|"
    r"ønsker|ønskjer|savner|saknar|sakner|erfarer|opplever|oplever|ser|synes|syns|synest|tror|trur|"
    r"vil\s+gerne|beder\s+om|"
    r"recommend|suggest|see|believe|think|would\s+like|want|ask|urge|support|propose|find"
)
# Who speaks: a pronoun, a role ("som sykepleier", "as a GP"), "vi i hjemmetjenesten",
# or a capitalised name of a council, union or organisation (up to six words).
_SUBJECT = (
    r"(?:(?i:jeg|eg|vi|we|i|du|dere|de|dei|man)|"
    r"(?i:as\s+an?|som|from\s+the|fra|frå|from)\s+[\w\-æøåÆØÅ ]{2,50}?(?:\s+(?:jeg|eg|vi|we|i|side))?|"
    r"(?i:vi)\s+(?:i|på|som|fra|frå|ved)\s+[\w\-æøåÆØÅ ]{2,40}?|"
    r"(?:[A-ZÆØÅ][\w\-æøåÆØÅ]*)(?:\s+(?:lokalt|lokallag|for|i|med|og|[A-ZÆØÅa-zæøå][\w\-æøå]*)){0,5}?)"
)
_FRAME_RE = re.compile(
    rf"(?:^|(?<=[.!?]))\s*{_SUBJECT}\s+(?i:(?:{_FRAME_VERBS})(?:\s+(?:og\s+|and\s+)?(?:{_FRAME_VERBS}))*)"
    r"(?i:\s+(?:at|om\s+at|that|også|òg|likevel|sterkt))*[\s,:]+"
)
# Inverted order: "Som pårørende savner jeg ...".
_INVERTED_RE = re.compile(
    rf"(?:^|(?<=[.!?]))\s*(?i:som|as\s+an?|fra|frå|i)\s+[\w\-æøåÆØÅ ]{{2,50}}?\s+(?i:{_FRAME_VERBS})"
    r"\s+(?i:jeg|eg|vi|we|i)(?i:\s+(?:at|om\s+at|that|også|òg))*[\s,:]+"
)
# A sentence that only refers to the hearing ("Blindeforbundet viser til høringsutkastet.").
_REF_SENT_RE = re.compile(
    r"(?:^|(?<=[.!?]))\s*[^.!?]{0,80}?\b(?i:viser\s+til|henviser\s+til|refers\s+to|"
    r"takk\s+for\s+(?:muligheten|moglegheita|høve)[^.!?]*)[^.!?]{0,80}?"
    r"(?i:høringsutkast\w*|høyringsutkast\w*|høring\w*|høyring\w*|utkast\w*|planen|plan\b|draft|"
    r"innspel|innspill)\w*\s*[.!?]"
)


def strip_speaker(text: str | None) -> str:
    """``text`` without greetings, sign-offs, placeholders and speaker frames.

    Returns the text with white space collapsed; an input that is only a frame
    comes back empty (the caller decides what to do with it).
    """
    t = _PLACEHOLDER_RE.sub(" ", str(text or ""))
    t = _GREETING_RE.sub("", t)
    t = _SIGNOFF_RE.sub("", t)
    t = _REF_SENT_RE.sub(" ", t)
    t = _INVERTED_RE.sub(" ", t)
    t = _FRAME_RE.sub(" ", t)
    return " ".join(t.split())
