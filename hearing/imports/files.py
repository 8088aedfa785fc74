"""Read exported answers (Microsoft Forms, Google Forms, Questback) from CSV or XLSX bytes, in the reader's words.

The reading itself is :mod:`hearing.core.tables` (shared with the theme CLI); this module says its errors
and notes in the reader's language. :func:`read_table` takes the bytes of an upload and gives a
:class:`Table`; a file that cannot be read raises :class:`ImportFileError`, whose message is lazy.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from hearing.core import tables
from hearing.core.errors import DomainError
from hearing.core.tables import Row, Table

__all__ = ["ImportFileError", "Row", "Table", "read_table"]


class ImportFileError(DomainError, ValueError):
    """The file cannot be read; the message (lazy, in the reader's language) is for the user."""


#: The reader's message for each of :data:`hearing.core.tables.MESSAGES` (the same bokmål msgids).
_MESSAGES = {
    "empty": lambda p: _l("«%(name)s» er tom.", **p),
    "too_big": lambda p: _l("«%(name)s» er større enn %(mb)s MB. Del filen opp og prøv igjen.", **p),
    "old_excel": lambda p: _l("«%(name)s» er en eldre Excel-fil (.xls) som ikke kan leses. Åpne den i Excel og lagre den som "
                              "Excel-arbeidsbok (.xlsx) eller CSV, og prøv igjen.", **p),
    "bad_xlsx": lambda p: _l("«%(name)s» er ikke en gyldig Excel-fil (.xlsx). Lagre den på nytt i Excel og prøv igjen.", **p),
    "unknown_type": lambda p: _l("«%(name)s» har en filtype som ikke kan importeres. Bruk CSV eller Excel (.xlsx).", **p),
    "not_csv": lambda p: _l("«%(name)s» ser ikke ut som en CSV-fil. Bruk CSV eller Excel (.xlsx).", **p),
    "csv_error": lambda p: _l("«%(name)s» kunne ikke leses som CSV (%(exc)s). Sjekk at filen er lagret som CSV.", **p),
    "unreadable_xlsx": lambda p: _l("«%(name)s» kunne ikke leses som Excel-fil (.xlsx). Lagre den på nytt i Excel og prøv igjen.", **p),
    "too_large": lambda p: _l("«%(name)s» pakker seg ut til mer enn vi kan lese (for mange rader, kolonner eller for mye innhold). "
                              "Del filen opp, eller lagre den som CSV, og prøv igjen.", **p),
    "empty_sheet": lambda p: _l("Regnearket i «%(name)s» er tomt.", **p),
    "header_only": lambda p: _l("«%(name)s» har bare overskriftsraden og ingen rader med svar. Eksporter svarene på nytt "
                                "når noen har svart.", **p),
    "unclosed_quote": lambda p: _l("Linje %(line)s har et anførselstegn (\") som aldri lukkes. Alt etter det er lest som én celle, så "
                                   "svar fra flere personer kan være slått sammen. Rett filen og last den opp på nytt.", **p),
}


def _message(code: str, params: dict):
    params = dict(params)
    if "name" in params:
        params["name"] = params["name"] or _l("filen")
    return _MESSAGES[code](params)


def read_table(data: bytes, filename: str = "") -> Table:
    """Read a CSV (UTF-8 with or without BOM, UTF-16, Windows-1252; comma, semicolon or tab) or XLSX upload.

    The type is found from the content, so a spreadsheet saved with the wrong name still reads.
    """
    try:
        table = tables.read_table(data, filename)
    except tables.TableError as exc:
        raise ImportFileError(_message(exc.code, exc.params)) from exc
    table.warnings = [_message(w.code, w.params) if isinstance(w, tables.TableNote) else w for w in table.warnings]
    return table
