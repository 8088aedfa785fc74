"""Measure reading of uploaded Office files (hearing/imports/files.py, hearing/core/archives.py).

Prints a markdown table: for spreadsheets of 1k, 10k and 50k answer rows (5 columns of text) the time
and peak Python memory of ``read_table`` (streaming mode), and for the zip bombs of issue 19 how long it
takes to refuse them (a 40 MB XLSX part, a sheet with a cell at row 900 000, a DOCX with 36 MB of XML).

Run from the repository root: ``python bench/office_files.py`` (``--rows 1000,10000`` to choose sizes).
"""

from __future__ import annotations

import argparse
import io
import time
import tracemalloc
import zipfile


def _xlsx(n_rows: int) -> bytes:
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet()
    ws.append(["Tidspunkt", "Gruppe", "Hva fungerer?", "Hva mangler?", "Navn"])
    for i in range(n_rows):
        ws.append([f"2026-01-{i % 28 + 1:02d} 12:00", "Innbyggere", f"Svar nummer {i} om hjemmetjenesten og maten",
                   "Mer tid til samtale og faste folk " * 3, f"Person {i}"])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _rezip(data: bytes, changes: dict[str, bytes]) -> bytes:
    src = zipfile.ZipFile(io.BytesIO(data))
    entries = {i.filename: src.read(i.filename) for i in src.infolist()}
    entries.update(changes)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, body in entries.items():
            z.writestr(name, body)
    return buf.getvalue()


def _measure(fn) -> tuple[float, float, str]:
    tracemalloc.start()
    start = time.perf_counter()
    try:
        fn()
        outcome = "lest"
    except Exception as exc:  # the refusals are what is measured
        outcome = f"avvist ({type(exc).__name__})"
    seconds = time.perf_counter() - start
    peak = tracemalloc.get_traced_memory()[1] / 1e6
    tracemalloc.stop()
    return seconds, peak, outcome


def main() -> None:
    from hearing.admin.documents import sections_from_docx
    from hearing.imports.files import read_table

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", default="1000,10000,50000")
    args = parser.parse_args()
    cases = []
    for n in (int(x) for x in args.rows.split(",")):
        data = _xlsx(n)
        cases.append((f"XLSX {n} rader", len(data), lambda d=data: read_table(d, "svar.xlsx")))
    small = _xlsx(2)
    bomb = _rezip(small, {"xl/worksheets/sheet2.xml": b"<" + b"0" * (40 * 1024 * 1024)})
    cases.append(("XLSX med 40 MB del", len(bomb), lambda: read_table(bomb, "svar.xlsx")))
    sheet = zipfile.ZipFile(io.BytesIO(small)).read("xl/worksheets/sheet1.xml").decode()
    far = _rezip(small, {"xl/worksheets/sheet1.xml": sheet.replace(
        "</sheetData>", '<row r="900000"><c r="A900000" t="inlineStr"><is><t>x</t></is></c></row></sheetData>').encode()})
    cases.append(("XLSX med celle på rad 900 000", len(far), lambda: read_table(far, "svar.xlsx")))
    import docx

    buf = io.BytesIO()
    docx.Document().save(buf)
    body = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document xmlns:w="http://schemas.openxmlformats.org/'
            b'wordprocessingml/2006/main"><w:body>' + b"<w:p><w:r><w:t>a</w:t></w:r></w:p>" * 1_200_000 + b"</w:body></w:document>")
    docx_bomb = _rezip(buf.getvalue(), {"word/document.xml": body})
    cases.append(("DOCX med 36 MB XML", len(docx_bomb), lambda: sections_from_docx(docx_bomb)))
    print("| fil | størrelse (kB) | tid (s) | topp minne (MB) | utfall |")
    print("|---|---:|---:|---:|---|")
    for label, size, fn in cases:
        seconds, peak, outcome = _measure(fn)
        print(f"| {label} | {size / 1024:.0f} | {seconds:.2f} | {peak:.1f} | {outcome} |")


if __name__ == "__main__":
    main()
