"""Attachments: allowed by extension and content together, size limited, stored and served under a safe name.

A file is taken only when its extension is on the allow-list (:data:`ALLOWED`), the type sniffed from its
bytes is the one that extension stands for, and its name has no second extension ("Uttalelse.pdf.js",
"brev.exe.pdf"). It is stored outside static/ under a random name with the right extension, and served
under a cleaned name with that extension (:func:`safe_filename`), always as a download.
"""

from __future__ import annotations

import hashlib
import io
import re
import secrets
import unicodedata
import zipfile
from dataclasses import dataclass
from pathlib import Path

from flask_babel import lazy_gettext as _l

from hearing.core.errors import DomainError

MAX_BYTES = 10 * 1024 * 1024

PDF = "application/pdf"
PNG = "image/png"
JPEG = "image/jpeg"
TEXT = "text/plain"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
ODT = "application/vnd.oasis.opendocument.text"

#: Allowed extensions and the content type the bytes must have for each.
ALLOWED: dict[str, str] = {".pdf": PDF, ".png": PNG, ".jpg": JPEG, ".jpeg": JPEG, ".txt": TEXT, ".docx": DOCX, ".odt": ODT}
#: The extension a stored or served file gets for its content type.
EXTENSION: dict[str, str] = {PDF: ".pdf", PNG: ".png", JPEG: ".jpg", TEXT: ".txt", DOCX: ".docx", ODT: ".odt"}

# Extensions that may not hide inside a name ("Uttalelse.pdf.js", "faktura.exe.pdf"): programs, scripts,
# pages and documents. Dots that end a sentence or a number ("Kari A. Hansen.pdf", "v1.2.pdf") are fine.
_KNOWN_EXTENSIONS = frozenset("""
    exe com bat cmd msi msp scr pif cpl hta js jse mjs vbs vbe wsf wsh ps1 psm1 psd1 reg lnk inf jar
    sh bash zsh csh ksh py pl rb php phtml asp aspx jsp cgi dll so dylib app apk deb rpm dmg iso img
    html htm xhtml xht shtml mht mhtml svg svgz xml xsl xslt swf
    pdf doc docx docm dot dotm odt rtf txt xls xlsx xlsm ppt pptx pptm png jpg jpeg gif bmp tif tiff webp
    zip rar 7z gz tgz tar bz2 xz
""".split())
# Text that is really markup or a script: never taken as a .txt statement.
_MARKUP_START = re.compile(rb"^(?:\xef\xbb\xbf)?\s*(?:<[!?a-z]|#!|%!)", re.I)


class UploadError(DomainError, ValueError):
    """The message (lazy, in the reader's language) is shown to the respondent."""


@dataclass(frozen=True)
class CheckedFile:
    filename: str
    content_type: str
    data: bytes

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


def _zip_kind(data: bytes) -> str | None:
    from hearing.core.archives import DOCX_LIMITS, ArchiveError, check_zip

    try:
        check_zip(data, DOCX_LIMITS)  # a zip bomb is no document (reviewers' text extracts would unpack it)
    except ArchiveError:
        return None
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            names = set(z.namelist())
            if "word/document.xml" in names:
                return "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
            if "mimetype" in names and z.read("mimetype").strip() == b"application/vnd.oasis.opendocument.text":
                return "application/vnd.oasis.opendocument.text"
    except (zipfile.BadZipFile, KeyError, OSError):
        return None
    return None


def sniff(data: bytes) -> str | None:
    """Content type from the bytes themselves, or None when it is not an allowed kind."""
    if data.startswith(b"%PDF-"):
        return "application/pdf"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data.startswith(b"PK\x03\x04"):
        return _zip_kind(data)
    if b"\x00" not in data:
        try:
            data.decode("utf-8")
            return "text/plain"
        except UnicodeDecodeError:
            return None
    return None


def _base_name(filename: str | None) -> str:
    # Browsers on Windows may send a whole path; keep the last part only.
    return re.split(r"[\\/]", filename or "")[-1].strip()[:200]


def has_double_extension(filename: str) -> bool:
    """Whether a known extension hides before the last one ("Uttalelse.pdf.js", "bilde.png.exe.pdf")."""
    parts = _base_name(filename).lower().split(".")
    return any(part.strip() in _KNOWN_EXTENSIONS for part in parts[1:-1])


def safe_filename(filename: str | None, content_type: str) -> str:
    """A name to store and serve a file under: letters, digits, spaces, - and _ only, and the extension of
    its content type ("Uttalelse.pdf.js" with PDF bytes -> "Uttalelse_pdf.pdf")."""
    stem = _base_name(filename)
    suffix = Path(stem).suffix
    if suffix.lower() in ALLOWED:
        stem = stem[: -len(suffix)]
    stem = unicodedata.normalize("NFC", stem)
    stem = re.sub(r"[^\w \-]+", "_", stem, flags=re.UNICODE).strip(" ._-")[:120] or "vedlegg"
    return stem + EXTENSION[content_type]


def check_upload(filename: str, data: bytes) -> CheckedFile:
    """Accept a file only when its extension is allowed, its content is of that type and its name has one
    extension. Returns it under a safe name; raises :class:`UploadError` with a message for the sender."""
    name = _base_name(filename) or "vedlegg"
    if not data:
        raise UploadError(_l("Filen «%(name)s» er tom.", name=name))
    if len(data) > MAX_BYTES:
        raise UploadError(_l("Filen «%(name)s» er større enn 10 MB.", name=name))
    if has_double_extension(name):
        raise UploadError(_l("Filen «%(name)s» har to filendelser. Gi filen ett navn med én filendelse, "
                             "for eksempel «uttalelse.pdf».", name=name))
    expected = ALLOWED.get(Path(name).suffix.lower())
    content_type = sniff(data)
    if content_type == TEXT and _MARKUP_START.match(data[:512]):
        content_type = None  # HTML, SVG, XML or a script saved as text
    if expected is None or content_type is None:
        raise UploadError(_l("Filen «%(name)s» har en filtype vi ikke tar imot. Bruk PDF, DOCX, ODT, TXT, PNG eller JPEG.", name=name))
    if content_type != expected:
        raise UploadError(_l("Innholdet i filen «%(name)s» passer ikke med filendelsen. Lagre filen på nytt som "
                             "PDF, DOCX, ODT, TXT, PNG eller JPEG.", name=name))
    return CheckedFile(safe_filename(name, content_type), content_type, data)


def store(folder: str, checked: CheckedFile) -> str:
    """Write the file under a random name with the extension of its content, and return that name."""
    Path(folder).mkdir(parents=True, exist_ok=True)
    storage_name = secrets.token_hex(20) + EXTENSION.get(checked.content_type, ".bin")
    (Path(folder) / storage_name).write_bytes(checked.data)
    return storage_name
