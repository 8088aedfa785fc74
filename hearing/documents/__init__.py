"""The files the platform writes: drafts (:mod:`.drafts`), reports back (:mod:`.reports`) and yearly
revisions of a plan, as DOCX (real headings, header rows), tagged PDF (WeasyPrint) and Markdown.

Pure builders, no request: background jobs (:mod:`hearing.exports.jobs`) call them and keep the file.
The pieces every document shares are here.
"""

from __future__ import annotations

import io

#: Format -> (MIME type, file extension).
FORMATS = {
    "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", "docx"),
    "pdf": ("application/pdf", "pdf"),
    "md": ("text/markdown; charset=utf-8", "md"),
}

#: Language tags of the files (DOCX core properties, the PDF's html lang).
LANG_TAGS = {"nb": "nb-NO", "nn": "nn-NO", "en": "en", "da": "da-DK"}


def headers(labels) -> tuple[str, ...]:
    """Column headers (lazy texts) in the language being written."""
    return tuple(str(h) for h in labels)


def paragraphs(text: str) -> list[str]:
    """A text's paragraphs (split at blank lines)."""
    return [p.strip() for p in (text or "").replace("\r\n", "\n").split("\n\n") if p.strip()]


# --- Markdown -----------------------------------------------------------------------------------


def md_cell(text: str) -> str:
    return (text or "").replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def md_table(header_row: tuple[str, ...], rows: list[tuple[str, ...]]) -> list[str]:
    """A Markdown table's lines."""
    lines = ["| " + " | ".join(header_row) + " |", "|" + "---|" * len(header_row)]
    lines += ["| " + " | ".join(md_cell(c) for c in row) + " |" for row in rows]
    return lines


# --- DOCX ---------------------------------------------------------------------------------------


def docx_table(document, header_row: tuple[str, ...], rows: list[tuple[str, ...]]) -> None:
    """A table whose first row is a header row, repeated on every page (read as headers by screen readers)."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    table = document.add_table(rows=1, cols=len(header_row))
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, header_row, strict=True):
        cell.text = text
        for run in cell.paragraphs[0].runs:
            run.bold = True
    tr_pr = table.rows[0]._tr.get_or_add_trPr()
    header = OxmlElement("w:tblHeader")
    header.set(qn("w:val"), "true")
    tr_pr.append(header)
    for row in rows:
        for cell, text in zip(table.add_row().cells, row, strict=True):
            cell.text = text or ""


def docx_bytes(document) -> bytes:
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


# --- PDF ----------------------------------------------------------------------------------------


def pdf(html: str) -> bytes:
    """PDF/UA-1 (tagged) from HTML, as far as WeasyPrint supports it."""
    import weasyprint

    return weasyprint.HTML(string=html).write_pdf(pdf_variant="pdf/ua-1")
