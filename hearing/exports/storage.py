"""Export files on the upload volume: written by the worker, sent by any app server, removed with their row.

Files live under ``UPLOAD_FOLDER/exports`` with random names (like attachments); the database keeps the
list (:class:`~hearing.models.ExportFile`). Rows made before the files moved to disk still carry their
bytes in ``data`` and are served from there.
"""

from __future__ import annotations

import secrets
from pathlib import Path

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import Session

from hearing.models import ExportFile


def folder() -> Path:
    path = Path(current_app.config["UPLOAD_FOLDER"]) / "exports"
    path.mkdir(parents=True, exist_ok=True)
    return path


def new_name() -> str:
    return secrets.token_hex(20)


def path_of(stored: ExportFile) -> Path | None:
    if not stored.storage_name:
        return None
    return folder() / stored.storage_name


def write(data: bytes) -> tuple[str, int]:
    """Write ``data`` under a new name; (name, size)."""
    name = new_name()
    (folder() / name).write_bytes(data)
    return name, len(data)


def delete_where(session: Session, *conditions) -> int:
    """Delete the export files matching ``conditions`` and their rows; returns how many rows."""
    names = [n for n in session.scalars(sa.select(ExportFile.storage_name).where(*conditions)) if n]
    count = session.execute(sa.delete(ExportFile).where(*conditions).execution_options(synchronize_session="fetch")).rowcount or 0
    remove_files(names)
    return count


def remove_files(names) -> None:
    base = folder()
    for name in names:
        if name:
            (base / name).unlink(missing_ok=True)
