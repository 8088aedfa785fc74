"""Search that finds word forms, over masked text only.

Every input stores ``search_stems``: the stems of its masked text (placeholders such as ``[navn]`` left
out), made by the engine's stemmer in the input's language when the text is stored. A search word is
stemmed in every language the platform knows, so "hjemmetjeneste" finds "hjemmetjenesten" and
"heimeteneste" finds "heimetenesta"; a stem also matches as a prefix (compounds: "buss" finds
"bussavganger"), and as the later part of a compound (:data:`TAIL`: "transport" finds
"bestillingstransporten", "senter" finds "dagsenteret"). A search word is also spelt as bokmål, nynorsk and Danish write the same word
(:data:`SPELLINGS`: "hjemmetjeneste" finds "heimetenesta", "sykehjem" finds "sjukeheim" and "plejehjem").

* SQLite (the embedded default): an FTS5 table ``inputs_fts`` over ``search_stems``, kept in sync by
  triggers (migration ``b6f1d2c3a4e5``).
* PostgreSQL: full-text search with a GIN index on ``to_tsvector('simple', search_stems)`` and one on
  the masked text in the input's language configuration ('norwegian' for nb/nn, 'danish', 'english');
  the substring test uses a trigram index (pg_trgm, migration ``c4d8e2f1a7b9``) where the server has it.

The unmasked text is never indexed, so a masked name cannot be found.
"""

from __future__ import annotations

import re

import sqlalchemy as sa
from sqlalchemy.orm import Session

from hearing.models import Input

__all__ = ["FTS_TABLE", "fill_missing", "include_object", "matching_clause", "search_stems", "spellings", "stems_of_query"]

#: The SQLite FTS5 table (and its shadow tables, which start with the same name).
FTS_TABLE = "inputs_fts"
#: The PostgreSQL full-text indexes (expression indexes, made by the migration).
PG_INDEXES = ("ix_inputs_search_stems_fts", "ix_inputs_text_masked_fts", "ix_inputs_text_masked_trgm")
#: Languages whose stems a search word is looked up in.
LANGS = ("nb", "nn", "da", "en")
#: PostgreSQL text search configuration of each language (the expression the GIN index is built on).
PG_CONFIG_INDEX = ("CASE lang WHEN 'da' THEN 'danish'::regconfig WHEN 'en' THEN 'english'::regconfig "
                   "ELSE 'norwegian'::regconfig END")
PG_CONFIG_SQL = PG_CONFIG_INDEX.replace("CASE lang", "CASE inputs.lang")
_PLACEHOLDER = re.compile(r"\[[^\]\n]{1,40}\]")
_WORDS_MAX = 8
#: The same word part as bokmål, nynorsk and Danish write it (each group: spellings of one part). A search
#: word that contains one spelling is also looked up with each other one, so a reviewer finds the point
#: whichever of the process's languages it was written in. Parts of words, longest first within a group;
#: only parts that are not, in these spellings, the beginning of unrelated words.
SPELLINGS: tuple[tuple[str, ...], ...] = (
    ("sykehjem", "sjukeheim", "plejehjem"),
    ("hjemme", "heime"),
    ("hjem", "heim"),
    ("tjenest", "tenest"),
    ("sykepleier", "sjukepleiar", "sygeplejersk"),
    ("syke", "sjuke", "syge"),
    ("sykdom", "sjukdom", "sygdom"),
    ("pleie", "pleje"),
    ("eldre", "ældre"),
    ("hjelp", "hjælp"),
    ("ensomhet", "einsemd", "ensomhed"),
    ("ensom", "einsam"),
    ("fremtid", "framtid"),
    ("tilbud", "tilbod"),
    ("bolig", "bustad"),
    ("ansatt", "tilsett", "ansat"),
    ("lege", "læge"),
    ("trening", "træning"),
    ("kjør", "køyr", "kør"),
    ("vakt", "vagt"),
    ("kveld", "aften"),
    ("pårørende", "pårørande"),
)
#: Marks the tail of a compound in the index: "bestillingstransport" is also indexed as "0transport",
#: "0sport", ... (each ending that follows a first part of at least :data:`HEAD_MIN` letters), so that a
#: search for a later part of a compound ("transport", "transporten") finds it, as a reviewer expects of
#: Norwegian and Danish, where compounds are the rule. A digit cannot begin a stem of letters, and both
#: FTS5 and PostgreSQL's 'simple' configuration keep it as part of the token.
TAIL = "0"
#: Letters a compound's first part has at least (with a linking s or e): "dag|senter", "natt|vakt".
HEAD_MIN = 3
#: Letters a compound's last part has at least ("natt|vakt"); after a first part of three letters, one more
#: ("dag|senter", but not "an|satt" or "ans|att").
TAIL_MIN = 4
#: Words that look like compounds but are not: (end of the first part, start of the tail). "foreldre" is
#: no kind of "eldre", whatever comes before it ("besteforeldre").
NOT_COMPOUNDS: tuple[tuple[str, str], ...] = (("for", "eldr"), ("for", "eldre"))
#: Spellings of one search word looked up at most.
_SPELLINGS_MAX = 12
_GROUP_OF = {spelling: group for group in SPELLINGS for spelling in group}
_SPELLING = re.compile("|".join(re.escape(x) for x in sorted(_GROUP_OF, key=len, reverse=True)))


def _analyzer():
    from hearing.themes.text import Analyzer  # late: the engine is not needed to load the models

    return Analyzer()


def _words(text: str) -> list[str]:
    from hearing.themes.text import normalise_text, tokenize

    tokens = tokenize(normalise_text(_PLACEHOLDER.sub(" ", text or "")))
    return [t for t in tokens if not t.startswith("<")]


def compound_tails(stem: str) -> list[str]:
    """The endings of a stem that may be the later part of a compound (:data:`TAIL`), longest first."""
    if len(stem) < HEAD_MIN + TAIL_MIN or not stem.isalpha():
        return []
    return [stem[p:] for p in range(HEAD_MIN, len(stem) - TAIL_MIN + 1)
            if (p > HEAD_MIN or len(stem) - p > TAIL_MIN) and not any(stem[:p].endswith(head) and stem[p:].startswith(tail) for head, tail in NOT_COMPOUNDS)]


def search_stems(text_masked: str | None, lang: str | None) -> str:
    """The stems of a masked text, each once, space separated (what the search indexes), then the
    possible tails of its compounds, marked with :data:`TAIL`."""
    analyzer = _analyzer()
    lang = lang if lang in LANGS else "nb"
    out: dict[str, None] = {}
    for word in _words(text_masked or ""):
        for part in word.split("-"):
            if part:
                out[analyzer.stem(part, lang)] = None
    tails = {TAIL + tail: None for stem in out for tail in compound_tails(stem)}
    return " ".join([*out, *tails])


def spellings(word: str) -> list[str]:
    """``word`` and the same word spelt as the other languages of the platform write it (:data:`SPELLINGS`):
    each known part of the word (longest first, never overlapping) in each of its spellings."""
    parts = [m for m in _SPELLING.finditer(word)]
    out = [word]
    for m in reversed(parts):  # from the end, so earlier positions stay valid
        group = _GROUP_OF[m.group(0)]
        out = [w[:m.start()] + other + w[m.end():] for w in out for other in (m.group(0), *[g for g in group if g != m.group(0)])]
        out = out[:_SPELLINGS_MAX]
    return list(dict.fromkeys(out))


def stems_of_query(text: str) -> list[list[str]]:
    """Per search word, its stems in every language and spelling (a hit must match one stem of every word).

    A stem of another spelling counts only from four letters: a stem matches as a prefix, so a short one
    would find unrelated words.
    """
    analyzer = _analyzer()
    out = []
    for word in _words(text)[:_WORDS_MAX]:
        for part in word.split("-"):
            if part:
                own = {analyzer.stem(part, lang) for lang in LANGS} - {""}
                other = {analyzer.stem(spelt, lang) for spelt in spellings(part)[1:] for lang in LANGS}
                stems = own | {x for x in other if len(x) >= 4}
                out.append(sorted(stems))
    return [s for s in out if s]


def _safe(stem: str) -> str:
    return re.sub(r"[^\w]", "", stem)


def _with_tails(stems: list[str]) -> list[str]:
    """A word's stems, and each one of at least :data:`TAIL_MIN` letters as the tail of a compound."""
    return [*stems, *[TAIL + s for s in stems if len(s) >= TAIL_MIN and s.isalpha()]]


def matching_clause(session: Session, text: str) -> sa.ColumnElement[bool] | None:
    """A WHERE clause on :class:`Input` for inputs whose masked text has every word of ``text`` in
    some form; ``None`` when ``text`` has no words."""
    words = [_with_tails([_safe(s) for s in stems if _safe(s)]) for stems in stems_of_query(text)]
    words = [w for w in words if w]
    if not words:
        return None
    if session.get_bind().dialect.name == "postgresql":
        stems_query = " & ".join("(" + " | ".join(f"{s}:*" for s in stems) + ")" for stems in words)
        plain = " ".join(_words(text)[:_WORDS_MAX])
        # The query side must not depend on the row, or the GIN index cannot be used: the words
        # stemmed in each language the platform knows, any of which may match.
        any_language = sa.func.plainto_tsquery(sa.literal_column("'norwegian'::regconfig"), plain)
        for config in ("danish", "english"):
            any_language = any_language.op("||")(sa.func.plainto_tsquery(sa.literal_column(f"'{config}'::regconfig"), plain))
        # Each side through its own GIN index, as ids of a UNION: in one OR of the two, a common word
        # ("eldre", 15k of 50k inputs) made PostgreSQL compute the tsvector of every text (400 ms at 50k).
        found = sa.union(
            sa.select(Input.id).where(
                sa.func.to_tsvector(sa.literal_column("'simple'::regconfig"), sa.func.coalesce(Input.search_stems, ""))
                .bool_op("@@")(sa.func.to_tsquery(sa.literal_column("'simple'::regconfig"), stems_query))),
            sa.select(Input.id).where(
                sa.func.to_tsvector(sa.literal_column(PG_CONFIG_SQL), Input.text_masked).bool_op("@@")(any_language)),
        )
        return Input.id.in_(found)
    match = " AND ".join("(" + " OR ".join(f'"{s}"*' for s in stems) + ")" for stems in words)
    return Input.id.in_(sa.text("SELECT rowid FROM inputs_fts WHERE inputs_fts MATCH :fts_match")
                        .bindparams(fts_match=match).columns(sa.column("rowid", sa.Integer)))


def fill_missing(session: Session, limit: int = 5000) -> int:
    """Compute the stems of inputs stored before the column existed or by a path that skipped it."""
    rows = session.execute(sa.select(Input.id, Input.text_masked, Input.lang)
                           .where(Input.search_stems.is_(None)).limit(limit)).all()
    for ident, text, lang in rows:
        session.execute(sa.update(Input).where(Input.id == ident).values(search_stems=search_stems(text, lang)))
    return len(rows)


def include_object(obj, name, type_, reflected, compare_to) -> bool:
    """For Alembic's comparison: the FTS5 table (and its shadow tables) and the PostgreSQL full-text
    indexes are made by the migration, not by the models."""
    if type_ == "index" and name in PG_INDEXES:
        return False
    return not (type_ == "table" and name and name.startswith(FTS_TABLE))
