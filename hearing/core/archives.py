"""Zip bombs: check an Office file's archive before anything parses it (no Flask inside).

XLSX, DOCX and ODT files are ZIP archives of XML. A small file can unpack to hundreds of megabytes
(a 1.4 MB XLSX took 143 s and 243 MB to read; a 109 kB DOCX held 32 MB of XML), so every reader of
such a file first calls :func:`check_zip`, which looks only at the archive's directory: how many
entries, and how large they say they are unpacked. Python's :mod:`zipfile` never returns more than an
entry's declared size (a longer stream fails its CRC check), so the declared sizes bound what any
parser can be fed.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass

__all__ = ["ArchiveError", "ArchiveLimits", "DOCX_LIMITS", "XLSX_LIMITS", "check_zip", "docx_paragraphs"]


class ArchiveError(ValueError):
    """The archive is broken or larger than the limits; ``reason`` is "broken", "entries" or "size"."""

    def __init__(self, reason: str, detail: str = ""):
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason


@dataclass(frozen=True)
class ArchiveLimits:
    #: Most entries (files) in the archive; real Office files have tens.
    max_entries: int = 1000
    #: Most bytes unpacked of all entries but pictures, summed over the archive: what the parsers read.
    max_xml_bytes: int = 30 * 1024 * 1024
    #: Most bytes unpacked in total (pictures included).
    max_total_bytes: int = 200 * 1024 * 1024


#: Spreadsheets of answers: several thousand rows of text is a few MB of XML.
XLSX_LIMITS = ArchiveLimits()
#: Documents: a 60-page plan is 1-3 MB of XML; pictures may be larger.
DOCX_LIMITS = ArchiveLimits(max_xml_bytes=10 * 1024 * 1024)


_PICTURES = (".png", ".jpg", ".jpeg", ".gif", ".bmp", ".tif", ".tiff", ".emf", ".wmf", ".webp")


def check_zip(data: bytes, limits: ArchiveLimits = XLSX_LIMITS) -> None:
    """Raise :class:`ArchiveError` unless ``data`` is a ZIP archive within ``limits``."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise ArchiveError("broken", str(exc)) from exc
    if len(infos) > limits.max_entries:
        raise ArchiveError("entries", f"{len(infos)} > {limits.max_entries}")
    total = sum(max(info.file_size, 0) for info in infos)
    # Everything but pictures counts as XML: a part's name does not decide which parser reads it.
    xml = sum(max(info.file_size, 0) for info in infos if not info.filename.lower().endswith(_PICTURES))
    if xml > limits.max_xml_bytes or total > limits.max_total_bytes:
        raise ArchiveError("size", f"{xml} bytes of XML, {total} in all")


#: Most paragraphs read from a DOCX (a 60-page plan has one or two thousand).
MAX_PARAGRAPHS = 20_000


def docx_paragraphs(data: bytes, limits: ArchiveLimits = DOCX_LIMITS) -> list[tuple[str, str]]:
    """(style name, text) of each body paragraph of a DOCX, after :func:`check_zip`.

    Raises :class:`ArchiveError` ("broken", "entries", "size" or "paragraphs"). Style names are looked
    up once per style, not once per paragraph.
    """
    check_zip(data, limits)
    import docx
    from docx.oxml.ns import qn

    try:
        document = docx.Document(io.BytesIO(data))
    except Exception as exc:  # python-docx raises several kinds for a broken file
        raise ArchiveError("broken", str(exc)) from exc
    body = document.element.body
    paragraphs = body.findall(qn("w:p"))
    if len(paragraphs) > MAX_PARAGRAPHS:
        raise ArchiveError("paragraphs", f"{len(paragraphs)} > {MAX_PARAGRAPHS}")
    names = {s.style_id: (s.name or "") for s in document.styles}
    out = []
    for p in paragraphs:
        style_id = p.style  # CT_P.style: the w:pStyle value or None
        out.append((names.get(style_id, "") if style_id else "", _text(p, qn)))
    return out


def _text(p, qn) -> str:
    parts = []
    for el in p.iter(qn("w:t"), qn("w:tab"), qn("w:br"), qn("w:cr")):
        if el.tag == qn("w:t"):
            parts.append(el.text or "")
        elif el.tag == qn("w:tab"):
            parts.append("\t")
        else:
            parts.append("\n")
    return "".join(parts)
