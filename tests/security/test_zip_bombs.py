"""ASVS V12.1.2/V12.1.3 (file size, compressed files): Office files are checked for decompressed size and
entry count before anything parses them; spreadsheets are read streaming, and a stored upload is parsed once.

Before the fix a 1.4 MB XLSX took 143 s and 243 MB, and a 109 kB DOCX with 32 MB of XML held a request
for minutes: the readers unpacked whatever the archive held.
"""

from __future__ import annotations

import io
import zipfile

import pytest

from hearing.admin.documents import sections_from_docx
from hearing.core import tables
from hearing.core.archives import ArchiveError, check_zip, docx_paragraphs
from hearing.core.errors import ServiceError
from hearing.imports.files import ImportFileError, read_table
from hearing.participation.uploads import UploadError, check_upload


def _zip(entries: dict[str, bytes], *, level=zipfile.ZIP_DEFLATED) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", level) as z:
        for name, data in entries.items():
            z.writestr(name, data)
    return buf.getvalue()


def _xlsx(rows) -> bytes:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    for row in rows:
        ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _bloated_xlsx(extra_bytes: int) -> bytes:
    """A real spreadsheet with one more part of ``extra_bytes`` zeros (packs to a few kB)."""
    src = zipfile.ZipFile(io.BytesIO(_xlsx([["Svar"], ["Ja"]])))
    entries = {i.filename: src.read(i.filename) for i in src.infolist()}
    entries["xl/worksheets/sheet2.xml"] = b"<" + b"0" * extra_bytes
    return _zip(entries)


def test_an_archive_that_unpacks_too_large_is_refused_before_parsing():
    bomb = _bloated_xlsx(40 * 1024 * 1024)
    assert len(bomb) < 200 * 1024
    with pytest.raises(ArchiveError) as caught:
        check_zip(bomb)
    assert caught.value.reason == "size"
    with pytest.raises(ImportFileError, match="pakker seg ut"):
        read_table(bomb, "svar.xlsx")


def test_an_archive_with_too_many_entries_is_refused():
    many = _zip({f"x/{i}.xml": b"" for i in range(1500)}, level=zipfile.ZIP_STORED)
    with pytest.raises(ArchiveError) as caught:
        check_zip(many)
    assert caught.value.reason == "entries"


def test_a_sheet_claiming_a_million_rows_is_read_as_it_is(monkeypatch):
    """A cell far down (or a dimension of A1:XFD1048576) must not make the reader fill empty rows."""
    src = zipfile.ZipFile(io.BytesIO(_xlsx([["Svar"], ["Ja"]])))
    entries = {i.filename: src.read(i.filename) for i in src.infolist()}
    sheet = entries["xl/worksheets/sheet1.xml"].decode()
    sheet = sheet.replace('<dimension ref="A1:A2"/>', '<dimension ref="A1:XFD1048576"/>')
    entries["xl/worksheets/sheet1.xml"] = sheet.encode()
    table = read_table(_zip(entries), "svar.xlsx")
    assert table.columns == ["Svar"] and [r.cells for r in table.rows] == [["Ja"]]
    far = sheet.replace("</sheetData>", '<row r="900000"><c r="A900000" t="inlineStr"><is><t>x</t></is></c></row></sheetData>')
    entries["xl/worksheets/sheet1.xml"] = far.encode()
    monkeypatch.setattr(tables, "MAX_ROWS", 1000)
    with pytest.raises(ImportFileError, match="pakker seg ut"):
        read_table(_zip(entries), "svar.xlsx")


def test_merged_header_cells_are_still_joined_in_streaming_mode():
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(["Tid", "Hvor fornøyd er du", None])
    ws.append([None, "Mat", "Stell"])
    ws.append(["2026-01-01", "4", "5"])
    ws.merge_cells("B1:C1")
    buf = io.BytesIO()
    wb.save(buf)
    table = read_table(buf.getvalue(), "svar.xlsx")
    assert table.columns == ["Tid", "Hvor fornøyd er du – Mat", "Hvor fornøyd er du – Stell"]


def test_a_stored_upload_is_parsed_once(tmp_path, monkeypatch):
    from hearing.imports import services

    file_id, first = services.store_upload(str(tmp_path), _xlsx([["Svar"], ["Ja"], ["Nei"]]), "svar.xlsx")
    calls = []
    monkeypatch.setattr(services, "read_table", lambda *a, **k: calls.append(a) or first)
    name, again = services.load_upload(str(tmp_path), file_id)
    assert calls == [] and again.columns == first.columns and [r.cells for r in again.rows] == [["Ja"], ["Nei"]]


def _docx_with_xml(document_xml: bytes) -> bytes:
    import docx

    buf = io.BytesIO()
    docx.Document().save(buf)
    src = zipfile.ZipFile(io.BytesIO(buf.getvalue()))
    entries = {i.filename: src.read(i.filename) for i in src.infolist()}
    entries["word/document.xml"] = document_xml
    return _zip(entries)


def _body(paragraphs: bytes) -> bytes:
    return (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            b'<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>'
            + paragraphs + b"</w:body></w:document>")


def test_a_docx_bomb_is_refused_before_parsing():
    bomb = _docx_with_xml(_body(b"<w:p><w:r><w:t>a</w:t></w:r></w:p>" * 1_200_000))  # 36 MB of XML
    assert len(bomb) < 300 * 1024
    with pytest.raises(ServiceError, match="pakker seg ut"):
        sections_from_docx(bomb)
    with pytest.raises(UploadError):
        check_upload("uttalelse.docx", bomb)


def test_a_docx_of_many_empty_paragraphs_is_refused():
    many = _docx_with_xml(_body(b"<w:p/>" * 30_000))
    with pytest.raises(ArchiveError) as caught:
        docx_paragraphs(many)
    assert caught.value.reason == "paragraphs"


def test_a_units_follow_up_spreadsheet_bomb_is_refused():
    from hearing.followup.spreadsheet import FileRefused, read_upload

    with pytest.raises(FileRefused, match="pakker seg ut"):
        read_upload(None, None, None, _bloated_xlsx(40 * 1024 * 1024))
