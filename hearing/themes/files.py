"""Group the texts of a CSV, TSV or XLSX file (used by ``flask themes group``).

:func:`group_file` is a plain function: it reads the file, groups one column,
optionally scores against a label column, optionally writes the rows back
with ``theme_id`` and ``theme_label``, and returns a :class:`GroupResult`.
Bad files and missing columns raise :class:`ThemesInputError` with a message
in Norwegian that can be shown to the user as it is.
"""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from .model import ThemeModel

__all__ = ["GroupResult", "ThemesInputError", "group_file", "read_table"]

_TEXT_SUFFIXES = {".csv", ".tsv", ".tab", ".txt"}
_EXCEL_SUFFIXES = {".xlsx", ".xlsm"}


class ThemesInputError(ValueError):
    """A file or its columns cannot be used; the message is for the user."""


@dataclass
class Table:
    """Rows of a read file: ``columns`` and ``rows`` (lists of str)."""

    columns: list[str]
    rows: list[list[str]]
    delimiter: str = ","


def _decode(data: bytes) -> str:
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def _sniff_delimiter(text: str, suffix: str) -> str:
    if suffix in (".tsv", ".tab"):
        return "\t"
    sample = "\n".join(text.splitlines()[:50])
    try:
        return csv.Sniffer().sniff(sample, delimiters=",;\t|").delimiter
    except csv.Error:
        header = text.splitlines()[0] if text else ""
        counts = {d: header.count(d) for d in (",", ";", "\t", "|")}
        best = max(counts, key=counts.get)
        return best if counts[best] else ","


def _read_text_table(path: Path) -> Table:
    text = _decode(path.read_bytes())
    if not text.strip():
        raise ThemesInputError(f"Filen «{path.name}» er tom.")
    delimiter = _sniff_delimiter(text, path.suffix.lower())
    try:
        records = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error as exc:
        raise ThemesInputError(f"Kunne ikke lese «{path.name}» som CSV: {exc}.") from exc
    records = [r for r in records if any(c.strip() for c in r)]
    if not records:
        raise ThemesInputError(f"Filen «{path.name}» er tom.")
    columns = [c.strip() for c in records[0]]
    width = len(columns)
    rows = [(r + [""] * width)[:width] for r in records[1:]]
    return Table(columns, rows, delimiter)


def _read_excel(path: Path) -> Table:
    try:
        from openpyxl import load_workbook

        wb = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for broken files
        raise ThemesInputError(
            f"Kunne ikke lese «{path.name}» som Excel-fil (xlsx): {exc}."
        ) from exc
    try:
        ws = wb.worksheets[0]
        records = [
            ["" if v is None else str(v) for v in row]
            for row in ws.iter_rows(values_only=True)
        ]
    finally:
        wb.close()
    records = [r for r in records if any(c.strip() for c in r)]
    if not records:
        raise ThemesInputError(f"Regnearket i «{path.name}» er tomt.")
    columns = [c.strip() for c in records[0]]
    width = len(columns)
    rows = [(r + [""] * width)[:width] for r in records[1:]]
    return Table(columns, rows, ",")


def read_table(path) -> Table:
    """Read a CSV (comma, semicolon or tab; UTF-8 with or without BOM, or
    Windows-1252), TSV or XLSX file with a header row."""
    path = Path(path)
    if not path.exists():
        raise ThemesInputError(f"Fant ikke filen «{path}».")
    if path.is_dir():
        raise ThemesInputError(f"«{path}» er en mappe, ikke en fil.")
    suffix = path.suffix.lower()
    if suffix in _EXCEL_SUFFIXES:
        return _read_excel(path)
    if suffix in _TEXT_SUFFIXES or not suffix:
        return _read_text_table(path)
    raise ThemesInputError(
        f"Ukjent filtype «{suffix}» for «{path.name}». Bruk CSV, TSV eller XLSX."
    )


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


@dataclass
class GroupResult:
    """Outcome of :func:`group_file`.

    Attributes
    ----------
    model : ThemeModel
        The fitted model (over the non-empty texts).
    texts : list of str
        The grouped (non-empty) texts.
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
    """

    model: ThemeModel
    texts: list[str]
    row_index: list[int]
    themes: list[dict]
    scores: dict | None = None
    output: str | None = None
    languages: dict = field(default_factory=dict)
    as_json: bool = False

    def text(self) -> str:
        """What the command line prints: JSON with ``as_json``, else the report."""
        return self.to_json() if self.as_json else self.report()

    def to_dict(self) -> dict:
        """Machine-readable summary."""
        d = {
            "n_inputs": len(self.texts),
            "n_themes": self.model.n_themes_,
            "languages": self.languages,
            "themes": self.themes,
        }
        if self.scores is not None:
            d["scores"] = self.scores
        if self.output:
            d["output"] = self.output
        return d

    def to_json(self) -> str:
        """The summary as JSON text."""
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=2)

    def report(self) -> str:
        """Human-readable summary."""
        lines = [f"{len(self.texts)} innspill, {self.model.n_themes_} tema"]
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


def _write_output(out: Path, table: Table, theme_ids: list[str], theme_labels: list[str]):
    columns = table.columns + ["theme_id", "theme_label"]
    rows = [r + [i, lab] for r, i, lab in zip(table.rows, theme_ids, theme_labels, strict=False)]
    if out.suffix.lower() in _EXCEL_SUFFIXES:
        from openpyxl import Workbook

        wb = Workbook(write_only=True)
        ws = wb.create_sheet("tema")
        ws.append(columns)
        for r in rows:
            ws.append(r)
        wb.save(out)
        return
    delimiter = "\t" if out.suffix.lower() in (".tsv", ".tab") else table.delimiter
    with open(out, "w", encoding="utf-8-sig", newline="") as fh:
        w = csv.writer(fh, delimiter=delimiter)
        w.writerow(columns)
        w.writerows(rows)


def group_file(
    path,
    *,
    text_column: str,
    label_column: str | None = None,
    k: int | None = None,
    out=None,
    as_json: bool = False,
    vectorizer: str = "tfidf",
    random_state: int | None = 0,
    n_quotes: int = 3,
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
    k : int, optional
        Number of themes; chosen automatically when ``None``.
    out : str or Path, optional
        Write the file's rows plus ``theme_id`` and ``theme_label`` here
        (CSV, TSV or XLSX by its suffix). Empty texts get empty cells.
    as_json : bool
        ``result.text()`` gives the JSON summary instead of the report;
        grouping is the same.
    vectorizer : str
        ``"tfidf"`` (fast, the default here) or ``"combined"``/``"embeddings"``
        (computes sentence embeddings, about 20-50 texts a second).
    random_state : int or None

    Raises
    ------
    ThemesInputError
        The file cannot be read, a column is missing or has no text.
    """
    table = read_table(path)
    t_col = _find_column(table, text_column, "tekstkolonnen")
    l_col = _find_column(table, label_column, "etikettkolonnen") if label_column else None
    if k is not None and int(k) < 1:
        raise ThemesInputError("Antall tema (--k) må være minst 1.")
    row_index = [i for i, r in enumerate(table.rows) if r[t_col].strip()]
    texts = [table.rows[i][t_col].strip() for i in row_index]
    if len(texts) < 2:
        raise ThemesInputError(
            f"Kolonnen «{table.columns[t_col]}» har for få tekster å gruppere ({len(texts)})."
        )
    model = ThemeModel("auto" if k is None else int(k), vectorizer=vectorizer,
                       random_state=random_state)
    model.fit(texts)
    labels = model.labels_
    by_id = {t.id: t for t in model.themes_}

    scores = None
    if l_col is not None:
        from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

        pairs = [(table.rows[i][l_col].strip(), int(lab)) for i, lab in zip(row_index, labels, strict=False)]
        pairs = [p for p in pairs if p[0]]
        if not pairs:
            raise ThemesInputError(
                f"Etikettkolonnen «{table.columns[l_col]}» er tom for alle tekstene."
            )
        truth, pred = zip(*pairs, strict=False)
        scores = {
            "nmi": float(normalized_mutual_info_score(truth, pred)),
            "ari": float(adjusted_rand_score(truth, pred)),
        }

    written = None
    if out:
        ids = [""] * len(table.rows)
        names = [""] * len(table.rows)
        for i, lab in zip(row_index, labels, strict=False):
            ids[i] = str(int(lab))
            names[i] = by_id[int(lab)].label
        out = Path(out)
        try:
            _write_output(out, table, ids, names)
        except OSError as exc:
            raise ThemesInputError(f"Kunne ikke skrive «{out}»: {exc.strerror}.") from exc
        written = str(out)

    themes = []
    for t in model.themes_:
        d = t.to_dict()
        d["quotes"] = [texts[i] for i in t.representative[:n_quotes]]
        d["representative_rows"] = [row_index[i] for i in t.representative[:n_quotes]]
        themes.append(d)
    langs = dict(Counter(model.languages_).most_common())
    return GroupResult(model, texts, row_index, themes, scores, written, langs, bool(as_json))
