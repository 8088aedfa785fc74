"""Read a table of answers or texts from CSV, TSV or XLSX bytes: the one reader of the imports and the theme CLI.

No Flask in here. :func:`read_table` takes a file's bytes and gives a :class:`Table` with one header row and
the data rows, each with its row number in the file. A file that cannot be read raises :class:`TableError`;
something the reader noticed but could read past (an unclosed quote) is a :class:`TableNote` in
``Table.warnings``. Both carry a ``code`` and ``params``, so that each caller says it in its own words: the
imports translate them for the reader (:mod:`hearing.imports.files`), the theme CLI prints the bokmål text
(``str(error)``).
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime, time

__all__ = ["MAX_BYTES", "Row", "Table", "TableError", "TableNote", "read_table"]

#: Largest file we read: an export of 50 000 answers with a few free-text columns is 10–15 MB as CSV
#: (below the app's MAX_CONTENT_LENGTH of 55 MB).
MAX_BYTES = 50 * 1024 * 1024
#: Most rows and cells read from a spreadsheet (a sheet can claim a million empty rows).
MAX_ROWS = 100_000
MAX_COLUMNS = 1_000
MAX_CELLS = 3_000_000

_TEXT_SUFFIXES = (".csv", ".txt", ".tsv", ".tab")
_TAB_SUFFIXES = (".tsv", ".tab")
_XLSX_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # old .xls and other Office binary files
_DELIMITERS = (";", ",", "\t")
_MERGE_RE = re.compile(rb'<(?:\w+:)?mergeCell\b[^>]*?\bref="([A-Z]{1,3}[0-9]{1,7}):([A-Z]{1,3}[0-9]{1,7})"')

#: The bokmål text of each error and note; callers that translate keep their own messages by code.
MESSAGES = {
    "empty": "«%(name)s» er tom.",
    "too_big": "«%(name)s» er større enn %(mb)s MB. Del filen opp og prøv igjen.",
    "old_excel": "«%(name)s» er en eldre Excel-fil (.xls) som ikke kan leses. Åpne den i Excel og lagre den som "
                 "Excel-arbeidsbok (.xlsx) eller CSV, og prøv igjen.",
    "bad_xlsx": "«%(name)s» er ikke en gyldig Excel-fil (.xlsx). Lagre den på nytt i Excel og prøv igjen.",
    "unknown_type": "«%(name)s» har en filtype som ikke kan importeres. Bruk CSV eller Excel (.xlsx).",
    "not_csv": "«%(name)s» ser ikke ut som en CSV-fil. Bruk CSV eller Excel (.xlsx).",
    "csv_error": "«%(name)s» kunne ikke leses som CSV (%(exc)s). Sjekk at filen er lagret som CSV.",
    "unreadable_xlsx": "«%(name)s» kunne ikke leses som Excel-fil (.xlsx). Lagre den på nytt i Excel og prøv igjen.",
    "too_large": "«%(name)s» pakker seg ut til mer enn vi kan lese (for mange rader, kolonner eller for mye "
                 "innhold). Del filen opp, eller lagre den som CSV, og prøv igjen.",
    "empty_sheet": "Regnearket i «%(name)s» er tomt.",
    "header_only": "«%(name)s» har bare overskriftsraden og ingen rader med svar. Eksporter svarene på nytt når "
                   "noen har svart.",
    "unclosed_quote": "Linje %(line)s har et anførselstegn (\") som aldri lukkes. Alt etter det er lest som én "
                      "celle, så svar fra flere personer kan være slått sammen. Rett filen og last den opp på nytt.",
}


class TableError(ValueError):
    """The file cannot be read. ``code`` names why (a key of :data:`MESSAGES`), ``params`` fill the message;
    ``str()`` is the bokmål text. ``params["name"]`` is the file name as given (may be empty)."""

    def __init__(self, code: str, **params):
        self.code, self.params = code, params
        super().__init__(MESSAGES[code] % {**params, "name": params.get("name") or "filen"})


@dataclass(frozen=True)
class TableNote:
    """Something the reader noticed that the person should check; like :class:`TableError`, by code."""

    code: str
    params: dict

    def __str__(self) -> str:
        return MESSAGES[self.code] % self.params


@dataclass
class Row:
    #: Row number in the file (1 = first line or spreadsheet row); stable for the same file.
    number: int
    cells: list[str]


@dataclass
class Table:
    """A read file: column names and data rows of the same width."""

    columns: list[str]
    rows: list[Row] = field(default_factory=list)
    #: "csv" or "xlsx"
    kind: str = "csv"
    #: The separator found in a CSV file.
    delimiter: str = ""
    #: The text encoding found in a CSV file.
    encoding: str = ""
    #: Things the reader noticed that the person should check (:class:`TableNote`, or a caller's message).
    warnings: list = field(default_factory=list)

    def preview(self, n: int = 5) -> list[list[str]]:
        return [r.cells for r in self.rows[:n]]


def read_table(data: bytes, filename: str = "", *, bounded: bool = True) -> Table:
    """Read a CSV (UTF-8 with or without BOM, UTF-16, Windows-1252; comma, semicolon or tab) or XLSX file.

    The type is found from the content, so a spreadsheet saved with the wrong name still reads; a ``.tsv``
    or ``.tab`` name means tabs. ``bounded`` (the default, for uploads) refuses files over :data:`MAX_BYTES`,
    checks a spreadsheet's archive for zip bombs and counts rows and cells; ``bounded=False`` is for a
    local file its owner chose (the theme CLI), which may be larger.
    """
    name = filename
    if not data or not data.strip():
        raise TableError("empty", name=name)
    if bounded and len(data) > MAX_BYTES:
        raise TableError("too_big", name=name, mb=MAX_BYTES // (1024 * 1024))
    if data.startswith(_OLE_MAGIC):
        raise TableError("old_excel", name=name)
    if data.startswith(_XLSX_MAGIC):
        return _read_xlsx(data, name, bounded=bounded)
    lower = filename.lower()
    if lower.endswith((".xlsx", ".xlsm")):
        raise TableError("bad_xlsx", name=name)
    if lower and not lower.endswith(_TEXT_SUFFIXES) and "." in lower:
        raise TableError("unknown_type", name=name)
    return _read_csv(data, name, tabs=lower.endswith(_TAB_SUFFIXES))


# --- CSV -----------------------------------------------------------------------------------------


def _decode(data: bytes) -> tuple[str, str]:
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace"), "UTF-8 med BOM"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16"), "UTF-16"
    try:
        return data.decode("utf-8"), "UTF-8"
    except UnicodeDecodeError:
        # Windows-1252 leaves five bytes undefined; Latin-1 reads those as control characters.
        return data.decode("cp1252", errors="replace"), "Windows-1252"


def _looks_binary(text: str) -> bool:
    sample = text[:4000]
    if "\x00" in sample:
        return True
    odd = sum(1 for ch in sample if (ord(ch) < 32 and ch not in "\r\n\t") or ch == "\ufffd")
    return odd > max(3, len(sample) // 50)


def _parse(text: str, delimiter: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))


def _choose_delimiter(text: str) -> str:
    """The separator that splits the first lines into the same number (> 1) of columns, most columns first."""
    head = "\n".join(line for line in text.splitlines()[:30] if line.strip())
    best, best_score = ",", (-1, -1)
    for delimiter in _DELIMITERS:
        try:
            records = _parse(head, delimiter)
        except csv.Error:
            continue
        if not records:
            continue
        width = len(records[0])
        consistent = sum(1 for r in records if len(r) == width)
        score = (consistent if width > 1 else 0, width)
        if score > best_score:
            best, best_score = delimiter, score
    return best


def _read_csv(data: bytes, name: str, *, tabs: bool = False) -> Table:
    text, encoding = _decode(data)
    if _looks_binary(text):
        raise TableError("not_csv", name=name)
    delimiter = "\t" if tabs else _choose_delimiter(text)
    try:
        records = _parse(text, delimiter)
    except csv.Error as exc:
        raise TableError("csv_error", name=name, exc=str(exc)) from exc
    numbered = [(i, [c.strip() for c in r]) for i, r in enumerate(records, start=1)]
    table = _table(numbered, name, merged_header_columns=set())
    table.kind, table.delimiter, table.encoding = "csv", delimiter, encoding
    if (line := _unclosed_quote_line(text)) is not None:
        table.warnings.append(TableNote("unclosed_quote", {"line": line}))
    return table


def _unclosed_quote_line(text: str) -> int | None:
    """The line where a quote opens that is never closed (an odd number of quotes from there on), or None."""
    if text.count('"') % 2 == 0:
        return None
    inside, opened = False, None
    for number, line in enumerate(text.splitlines(), start=1):
        if line.count('"') % 2:
            inside = not inside
            if inside:
                opened = number
    return opened if inside else None


# --- XLSX ----------------------------------------------------------------------------------------


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "Ja" if value else "Nei"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, time):
        return value.strftime("%H:%M:%S")
    return str(value).strip()


def _merged_ranges(archive, path: str) -> list[tuple[int, int, int, int]]:
    """(min_row, min_col, max_row, max_col) of the sheet's merged cells, read by scanning its XML in chunks
    (openpyxl's streaming mode does not read them)."""
    from openpyxl.utils.cell import column_index_from_string, coordinate_from_string

    found: set[tuple[bytes, bytes]] = set()
    tail = b""
    with archive.open(path) as src:
        while chunk := src.read(1 << 20):
            buf = tail + chunk
            found.update(_MERGE_RE.findall(buf))
            tail = buf[-200:]
    out = []
    for a, b in found:
        (c1, r1), (c2, r2) = coordinate_from_string(a.decode()), coordinate_from_string(b.decode())
        out.append((r1, column_index_from_string(c1), r2, column_index_from_string(c2)))
    return sorted(out)


def _read_xlsx(data: bytes, name: str, *, bounded: bool = True) -> Table:
    """The first sheet with content, read in openpyxl's streaming (read-only) mode after the archive's
    size is checked (:mod:`hearing.core.archives`); rows, columns and cells are counted as they come."""
    from openpyxl import load_workbook

    from hearing.core.archives import XLSX_LIMITS, ArchiveError, check_zip

    if bounded:
        try:
            check_zip(data, XLSX_LIMITS)
        except ArchiveError as exc:
            if exc.reason == "broken":
                raise TableError("unreadable_xlsx", name=name) from exc
            raise TableError("too_large", name=name) from exc
    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError) as exc:
        raise TableError("unreadable_xlsx", name=name) from exc
    try:
        grid: list[list[str]] = []
        ws = None
        for sheet in wb.worksheets:
            sheet.reset_dimensions()  # the size a file claims is not believed: rows are read as they are
            grid = _sheet_grid(sheet, name, bounded=bounded)
            if any(any(cells) for cells in grid):
                ws = sheet
                break
        if ws is None:
            raise TableError("empty_sheet", name=name)
        width = max((len(r) for r in grid), default=0)
        grid = [r + [""] * (width - len(r)) for r in grid]
        merged_header_columns: dict[int, set[int]] = {}
        filled = 0
        for min_row, min_col, max_row, max_col in _merged_ranges(wb._archive, ws._worksheet_path):
            max_row, max_col = min(max_row, len(grid)), min(max_col, width)
            value = grid[min_row - 1][min_col - 1] if min_row - 1 < len(grid) and min_col - 1 < len(grid[min_row - 1]) else ""
            filled += max(0, max_row - min_row + 1) * max(0, max_col - min_col + 1)
            if bounded and filled > MAX_CELLS:
                raise TableError("too_large", name=name)
            for r in range(min_row - 1, max_row):
                for c in range(min_col - 1, min(max_col, len(grid[r]))):
                    grid[r][c] = value
            if max_col > min_col:
                merged_header_columns.setdefault(min_row, set()).update(range(min_col - 1, max_col))
    except TableError:
        raise
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError) as exc:
        raise TableError("unreadable_xlsx", name=name) from exc
    finally:
        wb.close()
    numbered = list(enumerate(grid, start=1))
    first = next((n for n, cells in numbered if any(cells)), None)
    table = _table(numbered, name, merged_header_columns=merged_header_columns.get(first, set()))
    table.kind = "xlsx"
    return table


def _sheet_grid(ws, name, *, bounded: bool = True) -> list[list[str]]:
    grid: list[list[str]] = []
    cells = 0
    for row in ws.iter_rows(values_only=True):
        if bounded:
            if len(grid) >= MAX_ROWS or len(row) > MAX_COLUMNS:
                raise TableError("too_large", name=name)
            cells += len(row)
            if cells > MAX_CELLS:
                raise TableError("too_large", name=name)
        grid.append([_cell_text(v) for v in row])
    # Trailing empty rows and columns (a formatted but empty area) are not part of the table.
    while grid and not any(grid[-1]):
        grid.pop()
    return grid


# --- shared --------------------------------------------------------------------------------------


def _table(numbered: list[tuple[int, list[str]]], name: str, *, merged_header_columns: set[int]) -> Table:
    """Header and rows from numbered records: empty rows dropped, a two-row header under merged cells joined."""
    records = [(n, cells) for n, cells in numbered if any(c.strip() for c in cells)]
    if not records:
        raise TableError("empty", name=name)
    width = max(len(cells) for _, cells in records)
    records = [(n, cells + [""] * (width - len(cells))) for n, cells in records]
    header = list(records[0][1])
    body = records[1:]
    # A heading merged over several columns (e.g. "Hvor fornøyd er du med …" over three sub-questions)
    # has its sub-headings in the next row: join them, "Heading – Sub-heading".
    if merged_header_columns and body:
        sub = body[0][1]
        if any(sub[c] for c in merged_header_columns if c < width):
            header = [_join(top, below) for top, below in zip(header, sub, strict=True)]
            body = body[1:]
    if not body:
        raise TableError("header_only", name=name)
    used = [i for i in range(width) if header[i] or any(cells[i] for _, cells in body)]
    columns = _unique_names([header[i] or f"Kolonne {_letter(i)}" for i in used])
    rows = [Row(n, [cells[i] for i in used]) for n, cells in body]
    return Table(columns=columns, rows=rows)


def _join(top: str, below: str) -> str:
    if not below or below == top:
        return top
    if not top:
        return below
    return f"{top} – {below}"


def _letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _unique_names(names: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for name in names:
        key = name.casefold()
        seen[key] = seen.get(key, 0) + 1
        out.append(name if seen[key] == 1 else f"{name} ({seen[key]})")
    return out
