"""Fiks Arkiv "arkivmelding" (opprett) messages for a Noark 5 archive, made with lxml; no Flask inside.

- :func:`case_folder` makes the message that creates the process's case folder (``mappe`` of type
  ``saksmappe``), known to the archive by our key (``referanseEksternNoekkel``: fagsystem + the
  process's uid).
- A registration points at its case folder by the archive's own reference when the archive has answered
  with one (:class:`FolderReference`: its systemID, case number saksår/sekvensnummer, or mappeID), and
  always also by our key, kept as the external id.
- :func:`registration` makes the message that files one response as an incoming registration
  (``registrering`` of type ``journalpost``, journalposttype I) in that folder: sender as
  correspondence party (``erSkjermet`` where the respondent did not agree to publication with
  name, and then no name in the public title), date received, the response as the main document
  (PDF/A, archive format) and each attachment as its own document description (``Vedlegg``).
- :func:`validate` checks a message against the official schema (kept unchanged in ``schema/``,
  from KS's specification, MIT licence); :func:`package` puts the message and its files in a zip.
"""

from __future__ import annotations

import hashlib
import io
import re
import zipfile
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from pathlib import Path

from lxml import etree

NS = "https://ks-no.github.io/standarder/fiks-protokoll/fiks-arkiv/arkivmelding/opprett/v1"
#: Elements inside the metadata catalogue's types (kode, fagsystem, navn …) are in its namespace.
MDK = "https://ks-no.github.io/standarder/fiks-protokoll/fiks-arkiv/metadatakatalog/v1"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
SCHEMA = Path(__file__).parent / "schema" / "no.ks.fiks.arkiv.v1.arkivering.arkivmelding.opprett.xsd"
#: Name of the message inside a package.
MESSAGE_NAME = "arkivmelding.xml"
#: Our name as a source system (fagsystem) in the archive's external keys.
SYSTEM = "hearing"


class ArchiveMessageError(ValueError):
    """The message does not match the schema (a programming error; the text says where)."""


@dataclass
class File:
    """A file in a package: the name the respondent saw and the safe name inside the zip."""

    title: str
    filename: str
    package_name: str
    content: bytes
    mimetype: str
    #: "A" archive format (PDF/A made here) or "P" production format (the file as it came).
    variant: str = "P"

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.content).hexdigest()


@dataclass
class Sender:
    """Who sent the response (korrespondansepart of type EA, avsender)."""

    name: str
    #: Person's name given with a statement on behalf of a body.
    contact: str | None = None
    email: str | None = None
    #: Hidden in the public journal: the respondent did not agree to publication with name.
    is_shielded: bool = False
    #: The sender's own case reference (deres referanse).
    their_reference: str | None = None
    #: A person's name (not a body such as "Eldrerådet").
    is_person: bool = True


@dataclass
class FolderReference:
    """The archive's own reference of a case folder, as it answered when the folder was made."""

    #: The archive's systemID (a UUID) of the folder.
    system_id: str | None = None
    #: The case number: year (saksår) and sequence number (sakssekvensnummer), e.g. 2026/123.
    case_year: int | None = None
    case_number: int | None = None
    #: A folder id in another form (mappeID).
    folder_id: str | None = None

    @classmethod
    def parse(cls, text: str | None) -> FolderReference | None:
        """What the archive answered: "2026/123" (or "26/123") is a case number, a UUID a systemID, anything
        else a mappeID; None for nothing."""
        text = (text or "").strip()
        if not text:
            return None
        if match := _CASE_NUMBER.fullmatch(text):
            year = int(match["year"])
            return cls(case_year=year + 2000 if year < 100 else year, case_number=int(match["number"]))
        if _UUID.fullmatch(text):
            return cls(system_id=text.lower())
        return cls(folder_id=text)


_CASE_NUMBER = re.compile(r"(?P<year>\d{2}|\d{4})\s*/\s*(?P<number>\d{1,9})")
_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")


@dataclass
class Registration:
    title: str
    public_title: str
    received: datetime
    document_date: date
    sender: Sender
    #: Our key of the registration (the response's reference).
    key: str
    #: Our key of the case folder (the process's uid).
    folder_key: str
    main: File
    attachments: list[File]
    description: str | None = None
    created: datetime | None = None
    #: The archive's reference of the case folder, when it has answered with one.
    folder_reference: FolderReference | None = None


@dataclass
class CaseFolder:
    title: str
    public_title: str
    key: str
    description: str | None = None
    case_date: date | None = None
    unit: str | None = None
    responsible: str | None = None
    keywords: tuple[str, ...] = ()
    created: datetime | None = None


# --- building ------------------------------------------------------------------------------------


def _el(parent, name: str, text: str | None = None, *, ns: str = NS, **attrs):
    node = etree.SubElement(parent, f"{{{ns}}}{name}", **attrs)
    if text is not None:
        node.text = text
    return node


def _code(parent, name: str, code: str, description: str | None = None):
    node = _el(parent, name)
    _el(node, "kode", code, ns=MDK)
    if description:
        _el(node, "beskrivelse", description, ns=MDK)
    return node


def _key(parent, name: str, key: str, *, ns: str = NS):
    node = _el(parent, name, ns=ns)
    _el(node, "fagsystem", SYSTEM, ns=MDK)
    _el(node, "noekkel", key, ns=MDK)
    return node


def _root(n_files: int):
    root = etree.Element(f"{{{NS}}}arkivmelding", nsmap={None: NS, "n5mdk": MDK, "xsi": XSI})
    _el(root, "system", SYSTEM)
    _el(root, "antallFiler", str(n_files))
    return root


def _dt(value: datetime) -> str:
    return value.isoformat(timespec="seconds")


def _bytes(root) -> bytes:
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def case_folder(folder: CaseFolder) -> bytes:
    """The message that creates the case folder (saksmappe) of a process."""
    root = _root(0)
    mappe = _el(root, "mappe", **{f"{{{XSI}}}type": "saksmappe"})
    _el(mappe, "tittel", folder.title)
    _el(mappe, "offentligTittel", folder.public_title)
    if folder.description:
        _el(mappe, "beskrivelse", folder.description)
    for word in folder.keywords:
        _el(mappe, "noekkelord", word)
    if folder.created:
        _el(mappe, "opprettetDato", _dt(folder.created))
    _key(mappe, "referanseEksternNoekkel", folder.key)
    if folder.case_date:
        _el(mappe, "saksdato", folder.case_date.isoformat())
    if folder.unit:
        _el(_el(mappe, "administrativEnhet"), "navn", folder.unit, ns=MDK)
    if folder.responsible:
        _el(_el(mappe, "saksansvarlig"), "navn", folder.responsible, ns=MDK)
    _code(mappe, "saksstatus", "B", "Under behandling")
    return _bytes(root)


def _document(parent, number: int, file: File, *, main: bool) -> None:
    doc = _el(parent, "dokumentbeskrivelse")
    _code(doc, "dokumenttype", "DOKUMENT", "Dokument")
    _code(doc, "dokumentstatus", "F", "Dokumentet er ferdigstilt")
    _el(doc, "tittel", file.title)
    _code(doc, "tilknyttetRegistreringSom", "H" if main else "V", "Hoveddokument" if main else "Vedlegg")
    _el(doc, "dokumentnummer", str(number))
    obj = _el(doc, "dokumentobjekt")
    _el(obj, "versjonsnummer", "1")
    _code(obj, "variantformat", file.variant, "Arkivformat" if file.variant == "A" else "Produksjonsformat")
    fmt, label = _format(file.mimetype)
    _code(obj, "format", fmt, label)
    _el(obj, "mimeType", file.mimetype)
    _el(obj, "filnavn", file.filename)
    _el(obj, "referanseDokumentfil", file.package_name)
    _el(obj, "sjekksum", file.sha256)
    _el(obj, "sjekksumAlgoritme", "SHA256")
    _el(obj, "filstoerrelse", str(len(file.content)))


#: Format codes (RA's list) by content type.
FORMATS = {
    "application/pdf": ("RA-PDF", "PDF"),
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": ("DOCX", "Word-dokument"),
    "application/vnd.oasis.opendocument.text": ("RA-ODF", "OpenDocument-tekst"),
    "text/plain": ("RA-TEKST", "Ren tekst"),
    "image/png": ("RA-PNG", "PNG-bilde"),
    "image/jpeg": ("RA-JPEG", "JPEG-bilde"),
}


def _format(mimetype: str) -> tuple[str, str]:
    return FORMATS.get(mimetype, ("UKJENT", mimetype))


def registration(reg: Registration) -> bytes:
    """The message that files one response as an incoming registration (journalpost, type I)."""
    files = [reg.main, *reg.attachments]
    root = _root(len(files))
    jp = _el(root, "registrering", **{f"{{{XSI}}}type": "journalpost"})
    if reg.created:
        _el(jp, "opprettetDato", _dt(reg.created))
    parent = _el(jp, "referanseForelderMappe")
    ref = reg.folder_reference
    if ref is not None:  # the archive's own reference first (the schema's order), our key beside it
        if ref.system_id:
            _el(parent, "systemID", ref.system_id, ns=MDK)
        if ref.folder_id:
            _el(parent, "mappeID", ref.folder_id, ns=MDK)
        if ref.case_year is not None and ref.case_number is not None:
            number = _el(parent, "saksnummer", ns=MDK)
            _el(number, "saksaar", str(ref.case_year), ns=MDK)
            _el(number, "sakssekvensnummer", str(ref.case_number), ns=MDK)
    _key(parent, "referanseEksternNoekkel", reg.folder_key, ns=MDK)
    for number, file in enumerate(files, start=1):
        _document(jp, number, file, main=number == 1)
    _el(jp, "tittel", reg.title)
    _el(jp, "offentligTittel", reg.public_title)
    if reg.description:
        _el(jp, "beskrivelse", reg.description)
    party = _el(jp, "korrespondansepart")
    _code(party, "korrespondanseparttype", "EA", "Avsender")
    _el(party, "korrespondansepartNavn", reg.sender.name)
    if reg.sender.email:
        _el(party, "epostadresse", reg.sender.email)
    if reg.sender.contact:
        _el(party, "kontaktperson", reg.sender.contact)
    _el(party, "erSkjermet", "true" if reg.sender.is_shielded else "false")
    _el(party, "erPersonnavn", "true" if reg.sender.is_person else "false")
    if reg.sender.their_reference:
        _el(party, "deresReferanse", reg.sender.their_reference)
    _key(jp, "referanseEksternNoekkel", reg.key)
    _code(jp, "journalposttype", "I", "Inngående dokument")
    _el(jp, "dokumentetsDato", reg.document_date.isoformat())
    _el(jp, "mottattDato", _dt(reg.received))
    _el(jp, "antallVedlegg", str(len(reg.attachments)))
    return _bytes(root)


# --- checking and packing ---------------------------------------------------------------------------


@cache
def _schema(path: str) -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(path))


def validate(message: bytes, schema: Path | str = SCHEMA) -> None:
    """Raise :class:`ArchiveMessageError` unless ``message`` is valid against the arkivmelding schema."""
    xsd = _schema(str(schema))
    doc = etree.fromstring(message)
    if not xsd.validate(doc):
        errors = "; ".join(f"line {e.line}: {e.message}" for e in list(xsd.error_log)[:5])
        raise ArchiveMessageError(errors)


def package(message: bytes, files: list[File]) -> bytes:
    """A zip with ``arkivmelding.xml`` and the files it refers to (``referanseDokumentfil``)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(MESSAGE_NAME, message)
        for file in files:
            zf.writestr(file.package_name, file.content)
    return out.getvalue()


def safe_name(number: int, filename: str, default_ext: str = "bin") -> str:
    """A file name inside the package: a number and plain ASCII (no æøå, commas or paths)."""
    stem, _, ext = Path(filename or "").name.rpartition(".")
    if not stem:
        stem, ext = ext, default_ext
    clean = re.sub(r"[^A-Za-z0-9_-]+", "-", stem.encode("ascii", "ignore").decode()).strip("-")[:60] or "fil"
    ext = re.sub(r"[^A-Za-z0-9]+", "", ext)[:8].lower() or default_ext
    return f"{number:02d}-{clean}.{ext}"
