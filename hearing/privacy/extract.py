"""The text of an attachment, masked, for reviewers to read instead of the raw file (no Flask inside).

Attachments are never masked themselves: a PDF or Word file is kept as the respondent sent it. Reviewers
read :func:`masked_text` instead (PDF, DOCX, ODT and TXT), and download the original only after a warning
that is recorded. Every reader here is bounded: archives are checked first (:mod:`hearing.core.archives`),
PDFs are read for at most :data:`MAX_PDF_PAGES` pages, and the text is cut at :data:`MAX_CHARS`.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass

from hearing.privacy.detect import mask

__all__ = ["MAX_CHARS", "MAX_PDF_PAGES", "ExtractError", "Extract", "masked_text", "text_of"]

#: Most pages of a PDF read for the extract.
MAX_PDF_PAGES = 200
#: Most characters of text kept (about 100 pages).
MAX_CHARS = 300_000

PDF = "application/pdf"
TEXT = "text/plain"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
ODT = "application/vnd.oasis.opendocument.text"
#: Content types that have a text extract.
READABLE = frozenset({PDF, TEXT, DOCX, ODT})


class ExtractError(ValueError):
    """The file has no text we can read: ``reason`` is "kind" (pictures), "broken" or "size"."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Extract:
    #: The text with personal data masked.
    text: str
    #: Whether the text was cut (too many pages or characters).
    is_cut: bool


def _pdf_text(data: bytes) -> tuple[str, bool]:
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    try:
        reader = PdfReader(io.BytesIO(data))
        pages = reader.pages
        n = len(pages)
        parts = []
        total = 0
        for i in range(min(n, MAX_PDF_PAGES)):
            text = pages[i].extract_text() or ""
            parts.append(text)
            total += len(text)
            if total > MAX_CHARS:
                break
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, OSError, RecursionError) as exc:
        raise ExtractError("broken") from exc
    return "\n\n".join(parts), n > MAX_PDF_PAGES


def _docx_text(data: bytes) -> str:
    from hearing.core.archives import ArchiveError, docx_paragraphs

    try:
        return "\n".join(text for _style, text in docx_paragraphs(data))
    except ArchiveError as exc:
        raise ExtractError("broken" if exc.reason == "broken" else "size") from exc


def _odt_text(data: bytes) -> str:
    from lxml import etree

    from hearing.core.archives import DOCX_LIMITS, ArchiveError, check_zip

    try:
        check_zip(data, DOCX_LIMITS)
        with zipfile.ZipFile(io.BytesIO(data)) as archive, archive.open("content.xml") as src:
            lines = []
            # No entities resolved, nothing fetched: the XML is the respondent's.
            for _event, el in etree.iterparse(src, resolve_entities=False, no_network=True, load_dtd=False):
                if el.tag.endswith(("}p", "}h")):
                    lines.append("".join(el.itertext()))
                    el.clear()
            return "\n".join(lines)
    except ArchiveError as exc:
        raise ExtractError("broken" if exc.reason == "broken" else "size") from exc
    except (zipfile.BadZipFile, KeyError, etree.XMLSyntaxError, OSError) as exc:
        raise ExtractError("broken") from exc


def text_of(data: bytes, content_type: str) -> tuple[str, bool]:
    """The plain text of an attachment and whether it was cut; :class:`ExtractError` when it has none."""
    if content_type == PDF:
        text, cut = _pdf_text(data)
    elif content_type == DOCX:
        text, cut = _docx_text(data), False
    elif content_type == ODT:
        text, cut = _odt_text(data), False
    elif content_type == TEXT:
        text, cut = data.decode("utf-8", errors="replace"), False
    else:
        raise ExtractError("kind")
    if len(text) > MAX_CHARS:
        text, cut = text[:MAX_CHARS], True
    return text, cut


def masked_text(data: bytes, content_type: str) -> Extract:
    """The attachment's text with personal data masked (:func:`hearing.privacy.mask`)."""
    text, cut = text_of(data, content_type)
    return Extract(text=mask(text), is_cut=cut)
