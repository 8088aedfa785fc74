"""Sending a built message to the archive: a pluggable step chosen by the setting ``ARCHIVE_TRANSPORT``.

- ``"disabled"`` (default): nothing is sent; messages stay "ready" and staff download the package
  and file it by hand (then type the archive's reference on the archive page).
- ``"folder"``: the package is written to ``ARCHIVE_FOLDER`` (for a local Fiks IO client that
  picks packages up from there); no reference comes back at once.
- Other transports (a Fiks IO client, for example) register with :func:`register`. A transport is
  ``send(message, package) -> reference | None`` and raises :class:`TransportError` when it fails.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from flask import current_app
from flask_babel import lazy_gettext as _l

from hearing.models import ArchiveMessage

Transport = Callable[[ArchiveMessage, bytes], "str | None"]

DISABLED = "disabled"


class TransportError(Exception):
    """Sending failed; the message says why (shown to staff), the package stays ready to send again."""


def _folder(message: ArchiveMessage, package: bytes) -> str | None:
    folder = current_app.config.get("ARCHIVE_FOLDER")
    if not folder:
        raise TransportError(_l("ARCHIVE_FOLDER er ikke satt."))
    path = Path(folder)
    path.mkdir(parents=True, exist_ok=True)
    target = path / message.filename
    partial = target.with_suffix(".part")
    partial.write_bytes(package)
    partial.replace(target)  # a reader never sees half a file
    return None


TRANSPORTS: dict[str, Transport] = {"folder": _folder}


def register(name: str, transport: Transport) -> None:
    TRANSPORTS[name] = transport


def configured() -> tuple[str, Transport | None]:
    """The transport the settings choose (None when sending is disabled)."""
    name = str(current_app.config.get("ARCHIVE_TRANSPORT") or DISABLED)
    if name == DISABLED:
        return name, None
    if name not in TRANSPORTS:
        raise TransportError(_l("Ukjent ARCHIVE_TRANSPORT «%(name)s».", name=name))
    return name, TRANSPORTS[name]


def configured_name() -> str:
    return str(current_app.config.get("ARCHIVE_TRANSPORT") or DISABLED)
