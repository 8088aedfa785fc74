"""Group the texts of a CSV, TSV or XLSX file (used by ``flask themes group``).

:func:`group_file` is a plain function: it reads the file, masks personal data
in every cell (the platform's :func:`hearing.privacy.mask`, the same as on the
web pages), groups one column, optionally scores against a label column,
optionally writes the rows back with ``theme_id`` and ``theme_label``, and
returns a :class:`GroupResult`. Everything it prints or writes is masked.
Bad files and missing columns raise :class:`ThemesInputError` with a message
in Norwegian that can be shown to the user as it is.

Two optional files steer the grouping:

* a guides file (:func:`read_guides`): expected themes with a name, a
  description and comma-separated keywords;
* a confirmed file (:func:`read_confirmed`): input ids with the theme a
  reviewer confirmed; these inputs stay in that theme (``fixed=`` of
  :meth:`ThemeModel.fit`) and their themes become guides.

No Flask inside: :mod:`hearing.privacy.detect` is plain Python too.
"""

from __future__ import annotations

import csv
import json
import re
import warnings
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from hearing.core import tables
from hearing.privacy import KIND_LABELS
from hearing.privacy import mask as privacy_mask

from .model import MISC_LABEL, Guide, ThemeModel

__all__ = [
    "GroupResult",
    "ThemesInputError",
    "group_file",
    "read_confirmed",
    "read_guides",
    "read_table",
]

_TEXT_SUFFIXES = {".csv", ".tsv", ".tab", ".txt"}
_EXCEL_SUFFIXES = {".xlsx", ".xlsm"}

#: Column names taken as the input's id when ``id_column`` is not given
#: (compared without case; "Innspill-ID" is the platform's own export).
ID_COLUMNS = ("id", "nr", "løpenummer", "løpenr", "innspill-id")
_GUIDE_NAME = ("name", "navn", "tema", "theme", "temanavn")
_GUIDE_DESCRIPTION = ("description", "beskrivelse", "omtale")
_GUIDE_KEYWORDS = ("keywords", "stikkord", "nøkkelord", "søkeord")
_CONFIRMED_THEME = ("tema", "theme", "temanavn", "theme_label", "bekreftet tema", "confirmed")

#: Columns whose every value is personal data, by their name (without case):
#: the whole cell becomes the placeholder, since a bare name has no cue the
#: text detector could see.
PERSONAL_COLUMNS = {
    **dict.fromkeys(("navn", "name", "fullt navn", "full name", "fornavn", "etternavn",
                     "innsender", "avsender", "respondent", "kontaktperson"), KIND_LABELS["navn"]),
    **dict.fromkeys(("e-post", "epost", "e-postadresse", "email", "e-mail", "mail"),
                    KIND_LABELS["epost"]),
    **dict.fromkeys(("telefon", "tlf", "telefonnummer", "mobil", "mobilnummer", "phone"),
                    KIND_LABELS["tlf"]),
    **dict.fromkeys(("fødselsnummer", "fnr", "personnummer"), KIND_LABELS["fnr"]),
}
# In an id column a phone-like number is far more often an id than a phone
# number; identity numbers and e-mail addresses are still masked there.
_ID_KINDS = frozenset(KIND_LABELS) - {"tlf"}

# Spreadsheet formula injection, as in hearing.exports.services.safe_cell
# (that module needs the database models, so the rule is repeated here).
_DANGEROUS_START = ("=", "+", "-", "@", "\t", "\r")
_ILLEGAL_XLSX = re.compile(r"[\000-\010]|[\013-\014]|[\016-\037]")


class ThemesInputError(ValueError):
    """A file or its columns cannot be used; the message is for the user."""


@dataclass
class Table:
    """Rows of a read file: ``columns`` and ``rows`` (lists of str)."""

    columns: list[str]
    rows: list[list[str]]
    delimiter: str = ","


def read_table(path) -> Table:
    """Read a CSV (comma, semicolon or tab; UTF-8 with or without BOM, UTF-16 or Windows-1252), TSV or
    XLSX file with a header row, by the platform's one reader (:mod:`hearing.core.tables`, without the
    upload limits: the file is the user's own)."""
    path = Path(path)
    if not path.exists():
        raise ThemesInputError(f"Fant ikke filen «{path}».")
    if path.is_dir():
        raise ThemesInputError(f"«{path}» er en mappe, ikke en fil.")
    suffix = path.suffix.lower()
    if suffix not in _EXCEL_SUFFIXES and suffix not in _TEXT_SUFFIXES and suffix:
        raise ThemesInputError(
            f"Ukjent filtype «{suffix}» for «{path.name}». Bruk CSV, TSV eller XLSX."
        )
    try:
        read = tables.read_table(path.read_bytes(), path.name, bounded=False)
    except tables.TableError as exc:
        raise ThemesInputError(str(exc)) from exc
    return Table(read.columns, [row.cells for row in read.rows], read.delimiter or ",")


def _find_column(table: Table, name: str, what: str) -> int:
    if name in table.columns:
        return table.columns.index(name)
    folded = [c.casefold() for c in table.columns]
    if name.strip().casefold() in folded:
        return folded.index(name.strip().casefold())
    available = ", ".join(f"«{c}»" for c in table.columns) or "(ingen)"
    raise ThemesInputError(
        f"Fant ikke {what} «{name}» i filen. Kolonnene i filen er: {available}."
    )


def _guess_column(table: Table, names) -> int | None:
    folded = [c.strip().casefold() for c in table.columns]
    for name in names:
        if name in folded:
            return folded.index(name)
    return None


def _names(names) -> str:
    return ", ".join(f"«{n}»" for n in names)


# --- guides and confirmed placements ---------------------------------------------------------


def read_guides(path, *, mask: Callable[[str], str] | None = None) -> list[Guide]:
    """Expected themes from a CSV, TSV or XLSX file.

    Columns (names without case): ``name``/``navn``/``tema``; optional
    ``description``/``beskrivelse``; optional ``keywords``/``stikkord``
    (comma-separated). One guide per distinct name, in file order; keywords
    of repeated names are joined. Every value is masked.
    """
    mask = privacy_mask if mask is None else mask
    table = read_table(path)
    name_col = _guess_column(table, _GUIDE_NAME)
    if name_col is None:
        raise ThemesInputError(
            f"Fant ingen navnekolonne i temafilen «{Path(path).name}». Bruk en av "
            f"{_names(_GUIDE_NAME)}; kolonnene i filen er: {_names(table.columns)}."
        )
    desc_col = _guess_column(table, _GUIDE_DESCRIPTION)
    kw_col = _guess_column(table, _GUIDE_KEYWORDS)
    found: dict[str, dict] = {}
    for row in table.rows:
        name = " ".join(mask(row[name_col]).split())
        if not name:
            continue
        entry = found.setdefault(name.casefold(), {"name": name, "keywords": [], "description": ""})
        if kw_col is not None:
            for kw in re.split(r"[,;]", mask(row[kw_col])):
                kw = " ".join(kw.split())
                if kw and kw not in entry["keywords"]:
                    entry["keywords"].append(kw)
        if desc_col is not None:
            desc = " ".join(mask(row[desc_col]).split())
            if desc:
                entry["description"] = " ".join(filter(None, [entry["description"], desc]))
    if not found:
        raise ThemesInputError(f"Temafilen «{Path(path).name}» har ingen tema med navn.")
    return [Guide(name=e["name"], keywords=e["keywords"], description=e["description"])
            for e in found.values()]


def read_confirmed(path, *, id_column: str | None = None,
                   mask: Callable[[str], str] | None = None) -> list[tuple[str, str]]:
    """``(input id, theme name)`` pairs that reviewers confirmed.

    Columns: the id (``id_column`` if the file has it, else one of
    :data:`ID_COLUMNS`) and the theme (``tema``/``theme``/``theme_label``).
    Rows without an id or theme, and rows placed in "Diverse", are skipped.
    Theme names are masked; ids are compared as written.
    """
    mask = privacy_mask if mask is None else mask
    table = read_table(path)
    name = Path(path).name
    id_col = None
    if id_column:
        id_col = _guess_column(table, [id_column.strip().casefold()])
    if id_col is None:
        id_col = _guess_column(table, ID_COLUMNS)
    if id_col is None:
        wanted = ([id_column] if id_column else []) + list(ID_COLUMNS)
        raise ThemesInputError(
            f"Fant ingen id-kolonne i filen med bekreftede tema «{name}». Bruk en av "
            f"{_names(wanted)}; kolonnene i filen er: {_names(table.columns)}."
        )
    theme_col = _guess_column(table, _CONFIRMED_THEME)
    if theme_col is None:
        raise ThemesInputError(
            f"Fant ingen temakolonne i filen med bekreftede tema «{name}». Bruk en av "
            f"{_names(_CONFIRMED_THEME)}; kolonnene i filen er: {_names(table.columns)}."
        )
    pairs = []
    for row in table.rows:
        key = row[id_col].strip()
        theme = " ".join(mask(row[theme_col]).split())
        if key and theme and theme.casefold() != MISC_LABEL.casefold():
            pairs.append((key, theme))
    return pairs


# --- result ----------------------------------------------------------------------------------


@dataclass
class GroupResult:
    """Outcome of :func:`group_file`. Every text in it is masked.

    Attributes
    ----------
    model : ThemeModel
        The fitted model (over the non-empty, masked texts).
    texts : list of str
        The grouped (non-empty) texts, masked.
    row_index : list of int
        Row number in the file (0 = first data row) of each grouped text.
    themes : list of dict
        Themes with ``id``, ``label``, ``size``, ``terms`` and ``quotes``.
    scores : dict or None
        ``{"nmi": ..., "ari": ...}`` when a label column was given.
    output : str or None
        Path written with ``out``.
    languages : dict
        Number of texts per guessed language.
    as_json : bool
        Whether :meth:`text` gives JSON.
    labels : list of int
        Theme id per grouped text (``-1`` = "Diverse").
    certainty : list of float or None
        Certainty per grouped text, when the model gives one.
    notes : list of str
        Things the user should know (unknown confirmed ids, ...), in Norwegian.
    """

    model: ThemeModel
    texts: list[str]
    row_index: list[int]
    themes: list[dict]
    scores: dict | None = None
    output: str | None = None
    languages: dict = field(default_factory=dict)
    as_json: bool = False
    labels: list[int] = field(default_factory=list)
    certainty: list[float] | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def n_themes(self) -> int:
        """Themes besides "Diverse"."""
        return sum(1 for t in self.themes if not t.get("is_misc"))

    def text(self) -> str:
        """What the command line prints: JSON with ``as_json``, else the report."""
        return self.to_json() if self.as_json else self.report()

    def to_dict(self) -> dict:
        """Machine-readable summary."""
        d = {
            "n_inputs": len(self.texts),
            "n_themes": self.n_themes,
            "languages": self.languages,
            "themes": self.themes,
        }
        if self.scores is not None:
            d["scores"] = self.scores
        if self.output:
            d["output"] = self.output
        if self.notes:
            d["notes"] = list(self.notes)
        return d

    def to_json(self) -> str:
        """The summary as JSON text."""
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=2)

    def report(self) -> str:
        """Human-readable summary."""
        lines = [f"{len(self.texts)} innspill, {self.n_themes} tema"]
        lines.extend(self.notes)
        if self.scores is not None:
            lines.append(f"NMI {self.scores['nmi']:.3f}  ARI {self.scores['ari']:.3f}")
        for t in self.themes:
            lines.append("")
            lines.append(f"[{t['id']}] {t['label']} ({t['size']})")
            if t["terms"]:
                lines.append("  " + ", ".join(t["terms"]))
            for q in t["quotes"]:
                q = " ".join(q.split())
                lines.append("  - " + (q if len(q) <= 160 else q[:157] + "..."))
        if self.output:
            lines.append("")
            lines.append(f"Skrev {self.output}")
        return "\n".join(lines)


# --- writing ---------------------------------------------------------------------------------


def safe_cell(value):
    """A cell no spreadsheet runs as a formula (leading apostrophe, OWASP's
    advice, as the platform's exports do), without characters XLSX cannot hold."""
    if value is None:
        return ""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return value
    text = _ILLEGAL_XLSX.sub("", str(value))
    return "'" + text if text.startswith(_DANGEROUS_START) else text


def _csv_number(value) -> str:
    # decimal comma: Excel with Norwegian settings reads "0,87" as a number
    return "" if value == "" else (f"{value:.3f}".replace(".", ",") if isinstance(value, float)
                                   else str(value))


def write_output(out, columns: list[str], rows: list[list]) -> None:
    """``.xlsx``/``.xlsm``: one sheet ``tema``; ``.tsv``/``.tab``: tab separated; anything
    else: ``;`` separated CSV. Text files are UTF-8 with a byte-order mark and CRLF line
    ends, so Excel with Norwegian settings opens them in columns by a double click."""
    out = Path(out)
    cells = [[safe_cell(c) for c in columns]] + [[safe_cell(v) for v in r] for r in rows]
    if out.suffix.lower() in _EXCEL_SUFFIXES:
        from openpyxl import Workbook

        wb = Workbook(write_only=True)
        ws = wb.create_sheet("tema")
        for r in cells:
            ws.append(r)
        wb.save(out)
        return
    delimiter = "\t" if out.suffix.lower() in (".tsv", ".tab") else ";"
    with open(out, "w", encoding="utf-8-sig", newline="") as fh:
        w = csv.writer(fh, delimiter=delimiter, lineterminator="\r\n")
        for r in cells:
            w.writerow([_csv_number(v) if isinstance(v, int | float) else v for v in r])


# --- grouping --------------------------------------------------------------------------------


def _masked_table(table: Table, mask, id_col: int | None) -> Table:
    """Every cell masked: columns named as personal data wholly, the id column for
    identity numbers and e-mail addresses only, the rest by the text detector."""
    cache: dict[str, str] = {}

    def masked(value: str) -> str:
        if value not in cache:
            cache[value] = mask(value)
        return cache[value]

    if mask is privacy_mask:
        def mask_id(value: str) -> str:
            return privacy_mask(value, kinds=_ID_KINDS)
    else:
        mask_id = masked
    whole = [PERSONAL_COLUMNS.get(c.strip().casefold()) for c in table.columns]
    rows = []
    for row in table.rows:
        new = []
        for j, value in enumerate(row):
            if not value.strip():
                new.append(value)
            elif whole[j] is not None:
                new.append(whole[j])
            elif j == id_col:
                new.append(mask_id(value))
            else:
                new.append(masked(value))
        rows.append(new)
    return Table(list(table.columns), rows, table.delimiter)


def _fit(model: ThemeModel, texts, guides, fixed):
    """Fit, quietly: the warnings of the libraries underneath (tiny or duplicate
    input, optional packages missing) say nothing a user of the command can act on."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.fit(texts, guidance=guides or None,
                  fixed=fixed if fixed is not None and any(f >= 0 for f in fixed) else None)
    return np.asarray(model.labels_, dtype=int)


def _id_column(table: Table, id_column: str | None) -> int | None:
    if id_column:
        return _find_column(table, id_column, "id-kolonnen")
    return _guess_column(table, ID_COLUMNS)


def group_file(
    path,
    *,
    text_column: str,
    label_column: str | None = None,
    id_column: str | None = None,
    k: int | None = None,
    out=None,
    as_json: bool = False,
    vectorizer: str = "semantic",
    random_state: int | None = 0,
    n_quotes: int = 3,
    guides=None,
    confirmed=None,
    mask: Callable[[str], str] | None = None,
) -> GroupResult:
    """Group the texts in one column of a CSV, TSV or XLSX file.

    Parameters
    ----------
    path : str or Path
        The file; its first row names the columns.
    text_column : str
        Column with the texts.
    label_column : str, optional
        Column with known themes; NMI and ARI against it are computed.
    id_column : str, optional
        Column with the inputs' ids (for ``confirmed``); by default the first
        column named one of :data:`ID_COLUMNS`, if any.
    k : int, optional
        Number of themes besides the guides; chosen automatically when ``None``.
    out : str or Path, optional
        Write the file's rows (every column, masked) plus ``theme_id``,
        ``theme_label`` and, when the model gives one, ``certainty``: ``.xlsx``
        by that suffix, else a ``;`` separated CSV with a byte-order mark
        (tab separated for ``.tsv``). Empty texts get empty cells.
    as_json : bool
        ``result.text()`` gives the JSON summary instead of the report;
        grouping is the same.
    vectorizer : str
        ``"semantic"`` (the default: sentence embeddings, computed here at
        about 30 distinct texts a second), ``"tfidf"`` (fastest) or
        ``"combined"``/``"embeddings"``.
    random_state : int or None
    guides : str, Path or list of Guide, optional
        Expected themes, or a file for :func:`read_guides`.
    confirmed : str, Path or list of (id, theme name), optional
        Inputs reviewers confirmed in a theme, or a file for
        :func:`read_confirmed`. Each theme becomes a guide (the one of the
        same name if ``guides`` has it) and its inputs stay in it.
    mask : callable, optional
        ``str -> str`` that removes personal data; the platform's
        :func:`hearing.privacy.mask` by default. It is applied to every cell
        before grouping, so nothing printed or written holds unmasked text.

    Raises
    ------
    ThemesInputError
        The file cannot be read, a column is missing or has no text.
    """
    mask = privacy_mask if mask is None else mask
    raw = read_table(path)
    t_col = _find_column(raw, text_column, "tekstkolonnen")
    l_col = _find_column(raw, label_column, "etikettkolonnen") if label_column else None
    id_col = _id_column(raw, id_column)
    if k is not None and int(k) < 1:
        raise ThemesInputError("Antall tema (--k) må være minst 1.")
    table = _masked_table(raw, mask, id_col)
    row_index = [i for i, r in enumerate(table.rows) if r[t_col].strip()]
    texts = [table.rows[i][t_col].strip() for i in row_index]
    if not texts:
        raise ThemesInputError(
            f"Ingen innspill å gruppere: filen har ingen tekst i kolonnen «{raw.columns[t_col]}»."
        )
    notes: list[str] = []

    guide_list = list(guides) if isinstance(guides, list | tuple) else (
        read_guides(guides, mask=mask) if guides else [])
    fixed = None
    if confirmed:
        pairs = (list(confirmed) if isinstance(confirmed, list | tuple)
                 else read_confirmed(confirmed, id_column=id_column or (
                     raw.columns[id_col] if id_col is not None else None), mask=mask))
        if id_col is None:
            raise ThemesInputError(
                "Fant ingen id-kolonne i innspillfilen, så de bekreftede temaene kan ikke "
                f"kobles til innspillene. Bruk --id-column; kolonnene i filen er: "
                f"{_names(raw.columns)}."
            )
        by_name = {g.name.casefold(): i for i, g in enumerate(guide_list)}
        position = {}
        for pos, i in enumerate(row_index):
            position.setdefault(raw.rows[i][id_col].strip(), []).append(pos)
        fixed = [-1] * len(texts)
        unknown = []
        for key, theme in pairs:
            if key not in position:
                unknown.append(key)
                continue
            if theme.casefold() not in by_name:
                by_name[theme.casefold()] = len(guide_list)
                guide_list.append(Guide(name=theme))
            for pos in position[key]:
                fixed[pos] = by_name[theme.casefold()]
        n_fixed = sum(1 for f in fixed if f >= 0)
        notes.append(f"{n_fixed} bekreftede innspill i {len({f for f in fixed if f >= 0})} tema.")
        if unknown:
            shown = ", ".join(mask(u) for u in unknown[:5]) + (" ..." if len(unknown) > 5 else "")
            notes.append(f"{len(unknown)} bekreftede id-er finnes ikke blant innspillene "
                         f"med tekst: {shown}")

    model = ThemeModel("auto" if k is None else int(k), vectorizer=vectorizer,
                       random_state=random_state)
    labels = _fit(model, texts, guide_list, fixed)
    certainty = getattr(model, "certainty_", None)
    certainty = ([float(c) for c in certainty]
                 if certainty is not None and len(certainty) == len(texts) else None)
    sizes = Counter(int(lab) for lab in labels)

    scores = None
    if l_col is not None:
        from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

        pairs = [(raw.rows[i][l_col].strip(), int(lab)) for i, lab in zip(row_index, labels, strict=True)]
        pairs = [p for p in pairs if p[0]]
        if not pairs:
            raise ThemesInputError(
                f"Etikettkolonnen «{raw.columns[l_col]}» er tom for alle tekstene."
            )
        truth, pred = zip(*pairs, strict=True)
        scores = {
            "nmi": float(normalized_mutual_info_score(truth, pred)),
            "ari": float(adjusted_rand_score(truth, pred)),
        }

    themes = []
    for t in model.themes_:
        d = t.to_dict()
        d["label"] = mask(d["label"])
        d["terms"] = [mask(term) for term in d["terms"]]
        d["guided_name"] = mask(d["guided_name"]) if d["guided_name"] else d["guided_name"]
        d["size"] = sizes.get(t.id, 0)
        if not d["size"]:
            continue
        reps = [i for i in t.representative if labels[i] == t.id][:n_quotes]
        d["representative"] = reps
        d["quotes"] = [texts[i] for i in reps]
        d["representative_rows"] = [row_index[i] for i in reps]
        themes.append(d)
    by_id = {d["id"]: d for d in themes}

    written = None
    if out:
        extra = ["theme_id", "theme_label"] + (["certainty"] if certainty is not None else [])
        cells = [[""] * len(extra) for _ in table.rows]
        for pos, (i, lab) in enumerate(zip(row_index, labels, strict=True)):
            cells[i][:2] = [int(lab), by_id[int(lab)]["label"]]
            if certainty is not None:
                cells[i][2] = round(certainty[pos], 3)
        out = Path(out)
        try:
            write_output(out, table.columns + extra,
                         [r + c for r, c in zip(table.rows, cells, strict=True)])
        except OSError as exc:
            raise ThemesInputError(f"Kunne ikke skrive «{out}»: {exc.strerror}.") from exc
        written = str(out)

    langs = dict(Counter(model.languages_).most_common())
    return GroupResult(model, texts, row_index, themes, scores, written, langs, bool(as_json),
                       labels=[int(x) for x in labels], certainty=certainty, notes=notes)
