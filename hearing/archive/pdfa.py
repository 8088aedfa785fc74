"""Checks of a PDF/A-2b file that can be made here, without a full validator.

No PDF/A validator can be installed on our machines: veraPDF is neither a Debian nor a PyPI package
(the PyPI wrappers fetch its jar from Maven Central at run time, which these machines cannot reach). So
:func:`problems` checks the parts of ISO 19005-2 level B that are decided by the file's structure, with
pypdf, and says in words what is wrong:

- the header version (PDF 1.4–1.7) and the trailer's file ``/ID``; no encryption;
- XMP metadata in the catalogue that declares ``pdfaid:part`` 2 and ``pdfaid:conformance`` B, and whose
  title and dates agree with the document information dictionary;
- an output intent of subtype ``GTS_PDFA1`` with an embedded ICC profile whose number of colour
  components (``/N``) is 1, 3 or 4;
- every font used on every page (also inside Type 0 fonts and form XObjects) embedded (``FontFile``,
  ``FontFile2`` or ``FontFile3``);
- no JavaScript, no launch actions, no LZW-compressed or external streams, no embedded files, no
  transparency group other than in the page's colour space, no annotations without the print flag.

Not checked (a validator's work): the contents of each font program (glyph widths against the font's
own, every used glyph present), the ICC profile's inner validity, colour spaces used in content streams
against the output intent, the XMP packet against its extension schemas, and the syntax rules on
lexical level (line ends after ``stream``, hex string lengths and the like).
"""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime, timedelta, timezone

from pypdf import PdfReader
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, StreamObject

#: The "print" bit of an annotation's /F flags.
_PRINT = 4
_FONT_FILES = ("/FontFile", "/FontFile2", "/FontFile3")


def _resolve(obj):
    return obj.get_object() if isinstance(obj, IndirectObject) else obj


def _pdf_date(value: str | None) -> datetime | None:
    """A PDF date (D:20261204120000+00'00') as an aware datetime."""
    match = re.match(r"D:(\d{4})(\d{2})?(\d{2})?(\d{2})?(\d{2})?(\d{2})?([Zz+\-])?(\d{2})?'?(\d{2})?", value or "")
    if not match:
        return None
    y, mo, d, h, mi, s, sign, oh, om = match.groups()
    offset = timedelta(hours=int(oh or 0), minutes=int(om or 0))
    zone = timezone(-offset if sign == "-" else offset) if sign and sign not in "Zz" else UTC
    return datetime(int(y), int(mo or 1), int(d or 1), int(h or 0), int(mi or 0), int(s or 0), tzinfo=zone)


def _xmp_date(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _fonts(resources, seen: set[int]):
    """Every font dictionary reachable from a resources dictionary (form XObjects and Type 0 descendants too)."""
    resources = _resolve(resources)
    if not isinstance(resources, DictionaryObject):
        return
    for font in (_resolve(resources.get("/Font")) or {}).values():
        font = _resolve(font)
        if id(font) in seen:
            continue
        seen.add(id(font))
        yield font
        for descendant in _resolve(font.get("/DescendantFonts")) or []:
            yield _resolve(descendant)
        if font.get("/Subtype") == "/Type3":
            yield from _fonts(font.get("/Resources"), seen)
    for xobject in (_resolve(resources.get("/XObject")) or {}).values():
        xobject = _resolve(xobject)
        if id(xobject) in seen:
            continue
        seen.add(id(xobject))
        if xobject.get("/Subtype") == "/Form":
            yield from _fonts(xobject.get("/Resources"), seen)


def _streams(reader: PdfReader):
    """Every stream object (streams are never inside object streams, so the plain cross-reference lists them)."""
    for generation, entries in reader.xref.items():
        for number in sorted(entries):
            obj = reader.get_object(IndirectObject(number, generation, reader))
            if isinstance(obj, StreamObject):
                yield number, obj


def problems(pdf: bytes) -> list[str]:
    """What keeps ``pdf`` from being PDF/A-2b, as far as its structure shows (an empty list: nothing found)."""
    found: list[str] = []
    version = re.match(rb"%PDF-(\d\.\d)", pdf[:16])
    if not version or not "1.4" <= version.group(1).decode() <= "1.7":
        found.append("the header is not %PDF-1.4 to %PDF-1.7")
    reader = PdfReader(io.BytesIO(pdf))
    if reader.is_encrypted:
        return [*found, "the file is encrypted"]
    trailer = reader.trailer
    ident = _resolve(trailer.get("/ID"))
    if not isinstance(ident, ArrayObject) or len(ident) != 2:
        found.append("the trailer has no file /ID")
    catalog = reader.trailer["/Root"].get_object()

    # XMP: the PDF/A identification, and agreement with the information dictionary
    xmp = reader.xmp_metadata
    if xmp is None:
        found.append("no XMP metadata in the catalogue")
    else:
        raw = xmp.stream.get_data()
        part = re.search(rb'pdfaid:part(?:="|>)\s*(\d)', raw)
        conformance = re.search(rb'pdfaid:conformance(?:="|>)\s*([A-Za-z])', raw)
        if not part or part.group(1) != b"2":
            found.append("the XMP does not declare pdfaid:part 2")
        if not conformance or conformance.group(1).upper() != b"B":
            found.append("the XMP does not declare pdfaid:conformance B")
        info = reader.metadata or {}
        title = info.get("/Title")
        xmp_titles = xmp.dc_title or {}
        if title and str(title) not in xmp_titles.values():
            found.append("the title in the XMP differs from the document information")
        for key, xmp_value in (("/CreationDate", xmp.xmp_create_date), ("/ModDate", xmp.xmp_modify_date)):
            pdf_value = _pdf_date(info.get(key))
            if pdf_value and xmp_value:
                xmp_aware = xmp_value if xmp_value.tzinfo else xmp_value.replace(tzinfo=UTC)
                if abs((pdf_value - xmp_aware).total_seconds()) > 1:
                    found.append(f"{key[1:]} differs between the XMP and the document information")
            elif pdf_value and not xmp_value:
                found.append(f"{key[1:]} is in the document information but not in the XMP")

    # output intent with an embedded ICC profile
    intents = [_resolve(i) for i in _resolve(catalog.get("/OutputIntents")) or []]
    pdfa = [i for i in intents if i.get("/S") == "/GTS_PDFA1"]
    if not pdfa:
        found.append("no output intent of subtype GTS_PDFA1")
    for intent in pdfa:
        profile = _resolve(intent.get("/DestOutputProfile"))
        if not isinstance(profile, StreamObject):
            found.append("the output intent has no embedded ICC profile")
        elif profile.get("/N") not in (1, 3, 4):
            found.append("the output intent's ICC profile has no valid /N")
        elif not profile.get_data()[36:40] == b"acsp":
            found.append("the output intent's profile is not an ICC profile")

    # actions that PDF/A forbids
    names = _resolve(catalog.get("/Names")) or {}
    if "/JavaScript" in names:
        found.append("the document has JavaScript")
    if "/EmbeddedFiles" in names:
        found.append("the document has embedded files")
    if "/AA" in catalog:
        found.append("the catalogue has additional actions")

    # fonts embedded, annotations printable, no transparency group in another colour space
    seen: set[int] = set()
    missing: set[str] = set()
    for number, page in enumerate(reader.pages, start=1):
        for font in _fonts(page.get("/Resources"), seen):
            if font.get("/Subtype") in ("/Type0", "/Type3"):
                continue
            descriptor = _resolve(font.get("/FontDescriptor"))
            if descriptor is None or not any(key in descriptor for key in _FONT_FILES):
                missing.add(str(font.get("/BaseFont", "?")))
        for annotation in _resolve(page.get("/Annots")) or []:
            annotation = _resolve(annotation)
            if annotation.get("/Subtype") in ("/Popup", "/Link"):
                continue
            if not int(annotation.get("/F", 0)) & _PRINT:
                found.append(f"page {number}: an annotation without the print flag")
        for annotation in _resolve(page.get("/Annots")) or []:
            action = _resolve(_resolve(annotation).get("/A")) or {}
            if action.get("/S") in ("/Launch", "/JavaScript", "/Sound", "/Movie", "/ResetForm", "/ImportData"):
                found.append(f"page {number}: a forbidden action ({action.get('/S')})")
    if missing:
        found.append("fonts not embedded: " + ", ".join(sorted(missing)))

    # streams: no LZW, no external file streams
    for number, stream in _streams(reader):
        filters = stream.get("/Filter")
        filters = [filters] if not isinstance(filters, ArrayObject) else list(filters)
        if "/LZWDecode" in filters:
            found.append(f"object {number}: an LZW-compressed stream")
        if "/F" in stream:
            found.append(f"object {number}: a stream in an external file")
    return found
