"""Attachments: type found from the content, size limited, stored outside static/ under a random name."""

from __future__ import annotations

import hashlib
import io
import secrets
import zipfile
from dataclasses import dataclass
from pathlib import Path

from flask_babel import lazy_gettext as _l

MAX_BYTES = 10 * 1024 * 1024


class UploadError(ValueError):
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


def check_upload(filename: str, data: bytes) -> CheckedFile:
    name = Path(filename or "vedlegg").name[:200] or "vedlegg"
    if not data:
        raise UploadError(_l("Filen «%(name)s» er tom.", name=name))
    if len(data) > MAX_BYTES:
        raise UploadError(_l("Filen «%(name)s» er større enn 10 MB.", name=name))
    content_type = sniff(data)
    if content_type is None:
        raise UploadError(_l("Filen «%(name)s» har en filtype vi ikke tar imot. Bruk PDF, DOCX, ODT, TXT, PNG eller JPEG.", name=name))
    return CheckedFile(name, content_type, data)


def store(folder: str, checked: CheckedFile) -> str:
    """Write the file under a random name and return that name."""
    Path(folder).mkdir(parents=True, exist_ok=True)
    storage_name = secrets.token_hex(20)
    (Path(folder) / storage_name).write_bytes(checked.data)
    return storage_name
