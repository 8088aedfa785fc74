"""A whole process as JSON (backup and move) and its import into another installation.

The file holds every row that belongs to the process, table by table, with the original ids, and a
format version. The backup job writes it as gzip JSON lines (a head line, one line per row, then the
attachments in base64 pieces: :func:`write_lines`), and a restore reads it as a stream (:func:`events`,
:func:`import_path`), so neither holds a 50 000-input process in memory; a backup in the older layout
(one JSON document) is read whole and restored the same way; ``flask process export`` writes JSON lines too. An import inserts the rows in :data:`TABLES` order with new ids and remaps every
foreign key through the ids it has given so far; a reference that points forward (a draft based on
a later draft, an input marked a duplicate of a later one) is filled in once all rows are in.

- References to staff accounts travel as e-mail addresses and are matched to the accounts of the
  receiving installation (or left empty).
- References to tables outside the process (jobs, for example) are left empty.
- Attachments travel with their content (base64).
- Titles and descriptions written in other languages (``content_translations``, keyed by object type
  and id rather than a foreign key) travel too, their ids remapped like foreign keys (:data:`KEYED_TABLES`).
- Each process has a uid (:class:`ProcessIdentity`): importing a backup whose process is already in
  this installation is refused, so a second import never duplicates it silently.

The backup holds the original, unmasked texts and the respondents' names: it is for administrators.
Sentence embeddings are not included (they are computed again in the background).
"""

from __future__ import annotations

import base64
import gzip
import io
import json
import re
import secrets
import uuid
from collections import defaultdict
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from hearing import audit
from hearing.content import TRANSLATABLE
from hearing.core.errors import DomainError
from hearing.models import Base, Input, Process, ProcessIdentity, User, utcnow
from hearing.models.processes import wait_for_restore_checks

FORMAT = "hearing-process-backup"
FORMAT_VERSION = 1
MIMETYPE = "application/json"
#: Backups are written gzip-compressed (a 50 000-input process: about a tenth of the JSON).
GZIP_MIMETYPE = "application/gzip"
_GZIP_MAGIC = b"\x1f\x8b"

#: (table, column that ties it to its parent, parent table) in insert order.
TABLES: tuple[tuple[str, str, str | None], ...] = (
    ("processes", "id", None),
    ("phases", "process_id", "processes"),
    ("stakeholder_groups", "process_id", "processes"),
    ("import_group_values", "process_id", "processes"),
    ("participation_targets", "group_id", "stakeholder_groups"),
    ("units", "process_id", "processes"),
    ("activities", "process_id", "processes"),
    ("activity_groups", "activity_id", "activities"),
    ("prompts", "activity_id", "activities"),
    ("drafts", "process_id", "processes"),
    ("documents", "activity_id", "activities"),
    ("sections", "document_id", "documents"),
    ("invitations", "activity_id", "activities"),
    ("submissions", "activity_id", "activities"),
    ("answers", "submission_id", "submissions"),
    ("attachments", "submission_id", "submissions"),
    ("import_rows", "submission_id", "submissions"),
    ("inputs", "activity_id", "activities"),
    ("theme_runs", "process_id", "processes"),
    ("themes", "run_id", "theme_runs"),
    ("theme_assignments", "run_id", "theme_runs"),
    ("duplicate_candidates", "run_id", "theme_runs"),
    ("theme_decisions", "process_id", "processes"),
    ("focus_areas", "draft_id", "drafts"),
    ("goals", "focus_area_id", "focus_areas"),
    ("indicators", "goal_id", "goals"),
    ("strategies", "focus_area_id", "focus_areas"),
    ("measures", "strategy_id", "strategies"),
    ("strategy_inputs", "strategy_id", "strategies"),
    ("measure_inputs", "measure_id", "measures"),
    ("assessments", "input_id", "inputs"),
    ("hearing_reports", "process_id", "processes"),
    # the adopted plan and the follow-up of its measures (hearing.followup)
    ("plans", "process_id", "processes"),
    ("plan_measures", "plan_id", "plans"),
    ("plan_measure_strategies", "plan_measure_id", "plan_measures"),
    ("measure_updates", "plan_measure_id", "plan_measures"),
    ("plan_revisions", "plan_id", "plans"),
    ("report_versions", "report_id", "hearing_reports"),
    ("report_themes", "report_id", "hearing_reports"),
    ("report_statements", "report_id", "hearing_reports"),
)
TABLE_NAMES = tuple(name for name, _col, _parent in TABLES)

#: Tables whose rows point at a row of another table by (type, id) instead of a foreign key:
#: table -> (type column, id column, {type: table the id refers to}). They are written after
#: :data:`TABLES` and their ids remapped on import (a type or row that is not in the backup is dropped).
KEYED_TABLES: dict[str, tuple[str, str, dict[str, str]]] = {
    "content_translations": (
        "object_type",
        "object_id",
        {kind: model.__tablename__ for kind, (model, _fields) in TRANSLATABLE.items()},
    ),
}
ALL_TABLE_NAMES = TABLE_NAMES + tuple(KEYED_TABLES)

#: Tables that are deliberately not part of a process backup.
NOT_IN_BACKUP = frozenset(
    {
        "users",
        "jobs",
        "audit_events",
        "request_keys",
        "accessibility_reports",
        "input_embeddings",
        "export_files",
        "process_identities",
        "rate_limits",
        "api_tokens",
        "import_runs",
        "import_changes",
        "archive_messages",
        # the installation's accessibility statement, not a process's
        "accessibility_statements",
        "accessibility_criteria",
        "accessibility_replies",
        # staff and the installation, not a process: the outbox, one-time staff links, who may see which
        # process (users are not in the backup either)
        "mail_messages",
        "user_tokens",
        "process_access",
    }
)

#: JSON columns holding ids of another table.
def remap_snapshot(snapshot: dict, new_ids: dict[str, dict]) -> dict:
    """A frozen report version with the ids it names (quoted response and input, statement, theme) made this
    installation's; a quote or statement whose row is not in the backup is left out (it was deleted)."""
    subs, inputs, themes = (new_ids.get("submissions", {}), new_ids.get("inputs", {}), new_ids.get("themes", {}))

    def quote(q: dict) -> dict | None:
        q = dict(q)
        if q.get("submission_id") is not None:
            q["submission_id"] = subs.get(q["submission_id"])
            if q["submission_id"] is None:
                return None
        if q.get("input_id") is not None:
            q["input_id"] = inputs.get(q["input_id"])
            if q["input_id"] is None and q.get("submission_id") is None:
                return None
        return q

    out = {}
    for lang, view in snapshot.items():
        if not isinstance(view, dict):
            out[lang] = view
            continue
        view = dict(view)
        view["themes"] = [{**t, "theme_id": themes.get(t.get("theme_id")),
                           "quotes": [q for q in map(quote, t.get("quotes") or []) if q is not None]}
                          for t in view.get("themes") or []]
        view["statements"] = [{**r, "submission_id": subs.get(r.get("submission_id"))}
                              for r in view.get("statements") or []
                              if r.get("submission_id") is None or r.get("submission_id") in subs]
        out[lang] = view
    return out


ID_LISTS = {("themes", "quote_input_ids"): "inputs", ("report_themes", "quote_input_ids"): "inputs"}

#: Unique columns and what an import does when the value is taken in this installation.
UNIQUE = {
    ("processes", "slug"): "suffix",
    ("submissions", "reference"): "suffix",
    ("submissions", "submission_key"): "random",
    ("submissions", "edit_token_hash"): "random",
    ("invitations", "token_hash"): "random",
    ("inputs", "client_id"): "null",
    ("units", "link_token_hash"): "null",
}

Progress = Callable[[int, str], None]


class BackupError(DomainError):
    """The file cannot be imported; the message (lazy: bokmål in a job, the reader's language in a request) says why."""


def no_progress(percent: int, message: str = "") -> None:
    return None


def _table(name: str) -> sa.Table:
    return Base.metadata.tables[name]


def _foreign(column: sa.Column) -> str | None:
    """The table a column refers to, if it is a foreign key."""
    for fk in column.foreign_keys:
        return fk.column.table.name
    return None


def _has_id(table: sa.Table) -> bool:
    return "id" in table.c


# --- export ------------------------------------------------------------------------------------


def process_uid(session: Session, process: Process) -> str:
    """The process's uid, given now if it has none (the caller commits)."""
    identity = session.get(ProcessIdentity, process.id)
    if identity is None:
        identity = ProcessIdentity(process_id=process.id, uid=uuid.uuid4().hex)
        session.add(identity)
        session.flush()
    return identity.uid


def _id_selects(process_id: int) -> dict[str, sa.Select]:
    """For each table with ids: a SELECT of the ids of its rows in the process."""
    selects: dict[str, sa.Select] = {}
    for name, column, parent in TABLES:
        table = _table(name)
        if not _has_id(table):
            continue
        if parent is None:
            selects[name] = sa.select(table.c.id).where(table.c.id == process_id)
        else:
            selects[name] = sa.select(table.c.id).where(table.c[column].in_(selects[parent]))
    return selects


def _encode(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, bytes | memoryview):
        return base64.b64encode(bytes(value)).decode("ascii")
    return value


def write_process(
    session: Session, process: Process, out, *, upload_folder: str | None = None, progress: Progress = no_progress
) -> dict:
    """Write the whole process as JSON to the text stream ``out``, table by table and row by row (no table is
    held in memory whole); attachments are base64 in chunks. Returns the counts per table."""
    head = _head(session, process)
    out.write(json.dumps(head, ensure_ascii=False)[:-1] + ', "tables": {')
    counts: dict[str, int] = {}
    attachments: list[tuple[int, str]] = []
    for n, (name, rows) in enumerate(_tables(session, process, progress, attachments)):
        out.write(("," if n else "") + json.dumps(name) + ":[")
        count = 0
        for row in rows:
            out.write(("," if count else "") + json.dumps({k: _encode(v) for k, v in row.items()}, ensure_ascii=False))
            count += 1
        out.write("]")
        counts[name] = count
    progress(88, _l("Skriver vedleggene"))
    out.write('}, "counts": ' + json.dumps(counts) + ', "attachment_files": {')
    for n, (ident, pieces) in enumerate(_attachment_files(upload_folder, attachments)):
        out.write(("," if n else "") + json.dumps(str(ident)) + ':"')
        for piece in pieces:  # each piece is whole base64 groups: they join into one base64 text
            out.write(piece)
        out.write('"')
    out.write("}}")
    return counts


def _head(session: Session, process: Process, **extra) -> dict:
    return {"format": FORMAT, "format_version": FORMAT_VERSION, **extra, "exported_dt": utcnow().isoformat(),
            "process_uid": process_uid(session, process), "process_name": process.name,
            "note": "Sikkerhetskopi med originaltekster og personopplysninger. Bare for administratorer."}


def _tables(session: Session, process: Process, progress: Progress, attachments: list[tuple[int, str]]):
    """Each table of the backup in restore order, as (name, its rows read lazily; read them before the next
    table): users become e-mail addresses, links to rows outside the backup are cleared, and the attachments'
    (id, storage name) are added to ``attachments`` as they pass."""
    selects = _id_selects(process.id)
    emails = dict(session.execute(sa.select(User.id, User.email)).all())

    def rows_of(name: str, column: str, parent: str | None):
        table = _table(name)
        if parent is None:
            query = sa.select(table).where(table.c.id == process.id)
        else:
            query = sa.select(table).where(table.c[column].in_(selects[parent]))
        query = query.order_by(*table.primary_key.columns)
        users = [c.name for c in table.columns if _foreign(c) == "users"]
        outside = [c.name for c in table.columns if (t := _foreign(c)) not in (None, "users") and t not in TABLE_NAMES]
        for r in session.execute(query.execution_options(yield_per=2000)):
            row = dict(r._mapping)
            for key in users:
                row[key] = emails.get(row[key]) if row[key] is not None else None
            for key in outside:
                row[key] = None
            if name == "attachments":
                attachments.append((row["id"], row["storage_name"]))
            yield row

    def keyed_rows_of(name: str, type_column: str, id_column: str, targets: dict[str, str]):
        table = _table(name)
        for kind, target in targets.items():
            query = (sa.select(table).where(table.c[type_column] == kind, table.c[id_column].in_(selects[target]))
                     .order_by(table.c.id))
            for r in session.execute(query):
                yield dict(r._mapping)

    for n, (name, column, parent) in enumerate(TABLES):
        progress(5 + int(80 * n / len(TABLES)), _l("Leser %(table)s", table=name))
        yield name, rows_of(name, column, parent)
    for name, (type_column, id_column, targets) in KEYED_TABLES.items():
        yield name, keyed_rows_of(name, type_column, id_column, targets)


def _attachment_files(upload_folder: str | None, attachments: list[tuple[int, str]]):
    """(attachment id, its file as base64 pieces) for each attachment whose file is there. A piece is read
    as a multiple of 3 bytes, so that each is base64 on its own and the pieces join into one base64 text."""
    for ident, storage_name in attachments:
        path = Path(upload_folder) / storage_name if upload_folder else None
        if path is None or not path.is_file():
            continue
        yield ident, _pieces(path)


def _pieces(path: Path):
    with path.open("rb") as f:
        while chunk := f.read(3 * 65536):
            yield base64.b64encode(chunk).decode("ascii")


def export_process(
    session: Session, process: Process, *, upload_folder: str | None = None, progress: Progress = no_progress
) -> dict:
    """The whole process as a JSON-ready dict (see the module docstring and :func:`write_process`)."""
    buffer = io.StringIO()
    write_process(session, process, buffer, upload_folder=upload_folder, progress=progress)
    return json.loads(buffer.getvalue())


def write_gzip(session: Session, process: Process, path: Path, *, upload_folder: str | None = None,
               progress: Progress = no_progress) -> dict:
    """Write the backup gzip-compressed to ``path`` as it is read from the database, as JSON lines
    (:func:`write_lines`), so that a restore can read it a row at a time; the counts."""
    with gzip.open(path, "wt", encoding="utf-8", compresslevel=6) as out:
        return write_lines(session, process, out, upload_folder=upload_folder, progress=progress)


#: The head line of a backup written as JSON lines says so (older backups are one JSON document).
LINES = "lines"


def write_lines(session: Session, process: Process, out, *, upload_folder: str | None = None,
                progress: Progress = no_progress) -> dict:
    """Write the backup as JSON lines to the text stream ``out`` (one row per line; attachments in pieces).

    A restore (:func:`events`) then never holds more than one batch of rows and one piece of a file."""
    out.write(json.dumps(_head(session, process, layout=LINES), ensure_ascii=False) + "\n")
    counts: dict[str, int] = {}
    attachments: list[tuple[int, str]] = []
    for name, rows in _tables(session, process, progress, attachments):
        count = 0
        for row in rows:
            out.write(json.dumps({"t": name, "r": {k: _encode(v) for k, v in row.items()}}, ensure_ascii=False) + "\n")
            count += 1
        counts[name] = count
    progress(88, _l("Skriver vedleggene"))
    out.write(json.dumps({"counts": counts}) + "\n")
    for ident, pieces in _attachment_files(upload_folder, attachments):
        for piece in pieces:
            out.write(json.dumps({"f": ident, "c": piece}) + "\n")
    return counts


def _open_text(path: Path):
    with open(path, "rb") as f:
        magic = f.read(2)
    if magic == _GZIP_MAGIC:
        return gzip.open(path, "rt", encoding="utf-8-sig")
    return open(path, encoding="utf-8-sig")  # noqa: SIM115


def _damaged_gzip() -> BackupError:
    return BackupError(_l("Filen er en skadet gzip-fil. Last ned sikkerhetskopien på nytt."))


def events(path: Path):
    """The backup at ``path`` as a stream: ("head", dict), ("row", table, row) in table order,
    ("counts", dict), ("file", attachment id, base64 piece). A backup written as JSON lines is read a line
    at a time; an older one (one JSON document) is read whole, as before, and given out the same way."""
    try:
        with _open_text(path) as f:
            first = f.readline()
            try:
                head = json.loads(first)
            except ValueError:
                head = None
            if not isinstance(head, dict) or head.get("layout") != LINES:
                f.seek(0)
                yield from events_of(loads_text(f.read()))
                return
            yield ("head", head)
            for number, text in enumerate(f, start=2):
                if not text.strip():
                    continue
                try:
                    item = json.loads(text)
                except ValueError as exc:
                    raise BackupError(_l("Filen er ikke gyldig JSON (linje %(line)s). Velg en JSON-fil laget med "
                                         "«Sikkerhetskopi».", line=number)) from exc
                if not isinstance(item, dict):
                    raise BackupError(_l("Sikkerhetskopien er skadet (linje %(line)s).", line=number))
                if "t" in item:
                    yield ("row", item["t"], item.get("r"))
                elif "f" in item:
                    yield ("file", item["f"], item.get("c"))
                elif "counts" in item:
                    yield ("counts", item["counts"])
    except (OSError, EOFError) as exc:
        raise _damaged_gzip() from exc
    except UnicodeDecodeError as exc:
        raise BackupError(_l("Filen er ikke en tekstfil i UTF-8. Velg en JSON-fil laget med «Sikkerhetskopi».")) from exc


def events_of(data: dict):
    """A backup already read whole (one JSON document) as the same stream as :func:`events`."""
    validate(data)
    yield ("head", {k: v for k, v in data.items() if k not in ("tables", "attachment_files", "counts")})
    tables = data["tables"]
    for name in ALL_TABLE_NAMES:
        for row in tables.get(name) or []:
            yield ("row", name, row)
    yield ("counts", data.get("counts") or {})
    for ident, content in (data.get("attachment_files") or {}).items():
        yield ("file", int(ident) if str(ident).isdigit() else ident, content)


def dumps(data: dict) -> bytes:
    return json.dumps(data, ensure_ascii=False, indent=1, sort_keys=False).encode("utf-8")


# --- validation --------------------------------------------------------------------------------


def _gunzip(raw: bytes) -> bytes:
    try:
        return gzip.decompress(raw)
    except (OSError, EOFError) as exc:
        raise BackupError(_l("Filen er en skadet gzip-fil. Last ned sikkerhetskopien på nytt.")) from exc


def load_path(path: Path) -> dict:
    """Parse and check a backup file on disk, gzip-compressed (.json.gz) or plain JSON, whole (tests, small
    files); a restore streams it with :func:`events`."""
    with open(path, "rb") as f:
        magic = f.read(2)
    if magic == _GZIP_MAGIC:
        try:
            with gzip.open(path, "rb") as f:
                raw = f.read()
        except (OSError, EOFError) as exc:
            raise BackupError(_l("Filen er en skadet gzip-fil. Last ned sikkerhetskopien på nytt.")) from exc
        return loads(raw)
    return loads(Path(path).read_bytes())


_HEAD_UID = re.compile(r'"process_uid"\s*:\s*"([0-9A-Za-z-]{8,36})"')
_HEAD_NAME = re.compile(r'"process_name"\s*:\s*"((?:[^"\\]|\\.){0,400})"')
_HEAD_VERSION = re.compile(r'"format_version"\s*:\s*(\d+)')


def peek(path: Path) -> dict:
    """The head of a (large) backup file without reading all of it: format, version, uid and name."""
    with open(path, "rb") as f:
        magic = f.read(2)
    opener = gzip.open if magic == _GZIP_MAGIC else open
    try:
        with opener(path, "rb") as f:
            head = f.read(64 * 1024).decode("utf-8-sig", errors="replace")
    except (OSError, EOFError) as exc:
        raise BackupError(_l("Filen er en skadet gzip-fil. Last ned sikkerhetskopien på nytt.")) from exc
    if f'"{FORMAT}"' not in head or not (uid := _HEAD_UID.search(head)):
        raise BackupError(_l("Filen er ikke en sikkerhetskopi av en prosess fra denne løsningen."))
    version = int(m.group(1)) if (m := _HEAD_VERSION.search(head)) else 0
    if version > FORMAT_VERSION:
        raise BackupError(
            _l("Sikkerhetskopien har formatversjon %(version)s, men denne installasjonen kan bare lese "
               "versjon %(supported)s eller eldre. Oppdater løsningen først.", version=version, supported=FORMAT_VERSION)
        )
    name = json.loads(f'"{m.group(1)}"') if (m := _HEAD_NAME.search(head)) else ""
    return {"process_uid": uid.group(1), "process_name": name}


def loads(raw: bytes) -> dict:
    """Parse and check a backup file (gzip or plain JSON, one document or JSON lines); :class:`BackupError`
    with a clear message when it is not one. Holds the whole backup: a restore reads files by :func:`events`."""
    if raw[:2] == _GZIP_MAGIC:
        raw = _gunzip(raw)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise BackupError(
            _l("Filen er ikke en tekstfil i UTF-8. Velg en JSON-fil laget med «Sikkerhetskopi».")
        ) from exc
    return loads_text(text)


def loads_text(text: str) -> dict:
    first = text.split("\n", 1)[0]
    try:
        head = json.loads(first)
    except ValueError:
        head = None
    if isinstance(head, dict) and head.get("layout") == LINES:
        return _document_of_lines(text)
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise BackupError(
            _l("Filen er ikke gyldig JSON (linje %(line)s). Velg en JSON-fil laget med «Sikkerhetskopi».",
               line=getattr(exc, "lineno", "?"))
        ) from exc
    validate(data)
    return data


def _document_of_lines(text: str) -> dict:
    """A backup in JSON lines as the one document older code and tests read."""
    lines = iter(text.splitlines())
    data = json.loads(next(lines))
    data.pop("layout", None)
    tables: dict[str, list] = {}
    files: dict[str, str] = {}
    for number, line in enumerate(lines, start=2):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except ValueError as exc:
            raise BackupError(_l("Filen er ikke gyldig JSON (linje %(line)s). Velg en JSON-fil laget med "
                                 "«Sikkerhetskopi».", line=number)) from exc
        if "t" in item:
            tables.setdefault(item["t"], []).append(item.get("r"))
        elif "f" in item:
            files[str(item["f"])] = files.get(str(item["f"]), "") + (item.get("c") or "")
        elif "counts" in item:
            data["counts"] = item["counts"]
    for name in data.get("counts") or {}:  # empty tables are named in the counts, as the document has them
        tables.setdefault(name, [])
    data["tables"] = tables
    data["attachment_files"] = files
    validate(data)
    return data


def validate(data: Any) -> None:
    """Check the structure of a parsed backup; raises :class:`BackupError`."""
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise BackupError(_l("Filen er ikke en sikkerhetskopi av en prosess fra denne løsningen."))
    version = data.get("format_version")
    if not isinstance(version, int) or version < 1:
        raise BackupError(_l("Sikkerhetskopien mangler formatversjon."))
    if version > FORMAT_VERSION:
        raise BackupError(
            _l("Sikkerhetskopien har formatversjon %(version)s, men denne installasjonen kan bare lese "
               "versjon %(supported)s eller eldre. Oppdater løsningen først.", version=version, supported=FORMAT_VERSION)
        )
    uid = data.get("process_uid")
    if not isinstance(uid, str) or not 8 <= len(uid) <= 36:
        raise BackupError(_l("Sikkerhetskopien mangler prosessens identitet (process_uid)."))
    tables = data.get("tables")
    if not isinstance(tables, dict):
        raise BackupError(_l("Sikkerhetskopien mangler tabellene."))
    unknown = sorted(set(tables) - set(ALL_TABLE_NAMES))
    if unknown:
        raise BackupError(
            _l("Sikkerhetskopien har tabeller denne installasjonen ikke kjenner: %(tables)s.", tables=", ".join(unknown))
        )
    for name, rows in tables.items():
        if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
            raise BackupError(_l("Tabellen «%(name)s» i sikkerhetskopien er skadet.", name=name))
        table = _table(name)
        if _has_id(table) and not all(isinstance(r.get("id"), int) for r in rows):
            raise BackupError(_l("Tabellen «%(name)s» i sikkerhetskopien har rader uten id.", name=name))
    if len(tables.get("processes") or []) != 1:
        raise BackupError(_l("Sikkerhetskopien må inneholde nøyaktig én prosess."))
    if not isinstance(data.get("attachment_files", {}), dict):
        raise BackupError(_l("Vedleggene i sikkerhetskopien er skadet."))


def check_rows(data: dict) -> None:
    """Check every row's values against the stored types, before anything is written.

    The field descriptions are the ones the JSON API documents (:mod:`hearing.api.rows`): one schema
    description for both. Raises :class:`BackupError` naming the table, row and columns.
    """
    from hearing.api.rows import row_errors

    for name, rows in data["tables"].items():
        for row in rows:
            errors = row_errors(name, row)
            if errors:
                raise BackupError(
                    _l("Tabellen «%(name)s», rad %(id)s: ugyldig verdi i %(columns)s.", name=name,
                       id=row.get("id", "?"), columns=", ".join(sorted(errors)))
                )


def already_imported(session: Session, data: dict) -> Process | None:
    """The process of this backup if it is in this installation already."""
    identity = session.scalar(sa.select(ProcessIdentity).where(ProcessIdentity.uid == data["process_uid"]))
    return session.get(Process, identity.process_id) if identity else None


def check_importable(session: Session, data: dict) -> None:
    """Raise :class:`BackupError` when the backup's process is here already."""
    if (existing := already_imported(session, data)) is not None:
        raise BackupError(
            _l("Prosessen «%(name)s» finnes allerede i denne installasjonen (samme identitet). "
               "Den importeres ikke en gang til. Slett den først hvis du vil erstatte den.", name=existing.name)
        )


# --- import ------------------------------------------------------------------------------------


def _decode(column: sa.Column, value: Any) -> Any:
    if value is None:
        return None
    kind = column.type
    try:
        if (
            isinstance(kind, sa.types.TypeDecorator)
            and isinstance(kind.impl_instance, sa.DateTime)
            or isinstance(kind, sa.DateTime)
        ):
            return datetime.fromisoformat(value)
        if isinstance(kind, sa.Date):
            return date.fromisoformat(value)
        if isinstance(kind, sa.LargeBinary):
            return base64.b64decode(value)
    except (TypeError, ValueError) as exc:
        raise BackupError(_l("Ugyldig verdi i %(column)s: %(value)s.", column=f"{column.table.name}.{column.name}",
                             value=repr(str(value)[:40]))) from exc
    return value


def _free_values(session: Session, table: sa.Table, column: str, values: list) -> set:
    """Which of ``values`` are taken already in ``table.column``."""
    taken: set = set()
    values = [v for v in values if v is not None]
    for start in range(0, len(values), 500):
        chunk = values[start : start + 500]
        taken.update(session.scalars(sa.select(table.c[column]).where(table.c[column].in_(chunk))))
    return taken


def _unique_fix(session: Session, name: str, rows: list[dict]) -> None:
    table = _table(name)
    for (tname, column), policy in UNIQUE.items():
        if tname != name or column not in table.c:
            continue
        taken = _free_values(session, table, column, [r.get(column) for r in rows])
        for row in rows:
            value = row.get(column)
            if value is None or value not in taken:
                continue
            if policy == "null":
                row[column] = None
            elif policy == "random":
                row[column] = secrets.token_hex(32)[: table.c[column].type.length or 64]
            else:
                n = 2
                length = table.c[column].type.length or 200
                while (candidate := f"{value[: length - 4]}-{n}") in taken or session.scalar(
                    sa.select(sa.func.count()).where(table.c[column] == candidate)
                ):
                    n += 1
                row[column] = candidate
                taken.add(candidate)


#: Rows of one table inserted per statement by a restore (a table is never held whole).
RESTORE_BATCH = 2000


def import_process(
    session: Session,
    actor: User | None,
    data: dict,
    *,
    upload_folder: str | None = None,
    progress: Progress = no_progress,
) -> Process:
    """Recreate the backup's process here with new ids (the caller commits); returns the new process."""
    validate(data)
    return import_events(session, actor, lambda: events_of(data), upload_folder=upload_folder, progress=progress)


def import_path(session: Session, actor: User | None, path: Path, *, upload_folder: str | None = None,
                progress: Progress = no_progress, counts: dict | None = None,
                restoring_job_id: int | None = None, mark_wait: float = 0) -> Process:
    """Restore the backup file at ``path`` (JSON lines or an older single document, gzip or not) reading
    it as a stream, twice: first every row is checked, then the rows go in, a batch at a time. ``counts``
    (if given) gets the rows per table. ``restoring_job_id`` and ``mark_wait``: see :func:`import_events`."""
    if not _is_lines(Path(path)):  # an older backup is one JSON document: read it once, not once per pass
        data = load_path(Path(path))
        return import_events(session, actor, lambda: events_of(data), upload_folder=upload_folder,
                             progress=progress, counts=counts, restoring_job_id=restoring_job_id, mark_wait=mark_wait)
    return import_events(session, actor, lambda: events(Path(path)), upload_folder=upload_folder, progress=progress,
                         counts=counts, restoring_job_id=restoring_job_id, mark_wait=mark_wait)


def _is_lines(path: Path) -> bool:
    try:
        with _open_text(path) as f:
            head = json.loads(f.readline())
    except (OSError, EOFError, ValueError, UnicodeDecodeError):
        return False
    return isinstance(head, dict) and head.get("layout") == LINES


def check_stream(session: Session, stream, progress: Progress = no_progress) -> tuple[dict, dict[str, int]]:
    """Read a backup's events once and check them all before anything is written: the head (format,
    version, identity, not here yet), each table's name and order, each row's id and values; the rows per table."""
    from hearing.api.rows import row_errors

    head: dict | None = None
    counts: dict[str, int] = {}
    order = {name: i for i, name in enumerate(ALL_TABLE_NAMES)}
    last = -1
    checked = 0
    for event in stream:
        if event[0] == "head":
            head = event[1]
            validate({**head, "tables": {"processes": [{"id": 1}]}})  # the head's checks (tables come below)
            continue
        if head is None:
            raise BackupError(_l("Filen er ikke en sikkerhetskopi av en prosess fra denne løsningen."))
        if event[0] != "row":
            continue
        _kind, name, row = event
        if name not in order:
            raise BackupError(_l("Sikkerhetskopien har tabeller denne installasjonen ikke kjenner: %(tables)s.",
                                 tables=str(name)[:100]))
        if order[name] < last:
            raise BackupError(_l("Tabellen «%(name)s» i sikkerhetskopien er skadet.", name=name))
        last = order[name]
        if not isinstance(row, dict):
            raise BackupError(_l("Tabellen «%(name)s» i sikkerhetskopien er skadet.", name=name))
        if _has_id(_table(name)) and not isinstance(row.get("id"), int):
            raise BackupError(_l("Tabellen «%(name)s» i sikkerhetskopien har rader uten id.", name=name))
        if errors := row_errors(name, row):
            raise BackupError(_l("Tabellen «%(name)s», rad %(id)s: ugyldig verdi i %(columns)s.", name=name,
                                 id=row.get("id", "?"), columns=", ".join(sorted(errors))))
        counts[name] = counts.get(name, 0) + 1
        checked += 1
        if checked % RESTORE_BATCH == 0:
            progress(2, _l("Kontrollerer radene: %(done)d rader", done=checked))
    if head is None:
        raise BackupError(_l("Filen er ikke en sikkerhetskopi av en prosess fra denne løsningen."))
    if counts.get("processes", 0) != 1:
        raise BackupError(_l("Sikkerhetskopien må inneholde nøyaktig én prosess."))
    check_importable(session, head)
    return head, counts


class _Restore:
    """Inserts a backup's rows table by table, a batch at a time, remapping ids as it goes."""

    def __init__(self, session: Session, upload_folder: str | None, counts: dict[str, int], progress: Progress,
                 restoring_job_id: int | None = None, mark_wait: float = 0):
        self.session = session
        #: With a job: the process is marked as being restored by it (hidden from everyone), and each batch is
        #: committed, so that progress and the heartbeat can be stored between batches (SQLite has one writer).
        self.restoring_job_id = restoring_job_id
        #: Seconds to wait once the marked process is committed, before anything of it is: app processes may
        #: trust a "no restore under way" that long (config PROCESS_RESTORE_CHECK_SECONDS).
        self.mark_wait = mark_wait
        self.upload_folder = upload_folder
        self.counts = counts
        self.progress = progress
        self.total = max(sum(counts.values()), 1)
        self.inserted = 0
        self.new_ids: dict[str, dict[int, int]] = defaultdict(dict)
        self.fixups: list[tuple[str, int, str, str, int]] = []  # table, new id, column, target table, old target id
        self.users = dict(session.execute(sa.select(User.email, User.id)).all())
        self.done: set[str] = set()
        self.current: str | None = None
        self.batch: list[dict] = []
        self.storage: dict[int, str] = {}  # attachment id in the backup -> its new file name
        self.process_old_id: int | None = None
        self.keyed_cleared = False

    def row(self, name: str, source: dict) -> None:
        if name != self.current:
            self.flush()
            if self.current is not None:
                self.done.add(self.current)
            self.current = name
            self.progress(5 + int(85 * self.inserted / self.total), _l("Legger inn %(table)s", table=name))
        if name == "processes":
            self.process_old_id = source["id"]
        self.batch.append(source)
        if len(self.batch) >= RESTORE_BATCH:
            self.flush()

    def flush(self) -> None:
        if not self.batch:
            return
        name, batch = self.current, self.batch
        self.batch = []
        self.inserted += len(batch)
        if name in KEYED_TABLES:
            self._keyed(name, batch)
        else:
            self._rows(name, batch)
        self._batch_done(name)

    def _batch_done(self, name: str) -> None:
        """A batch is in: committed when a job restores (the process stays hidden until :meth:`complete`)."""
        if self.restoring_job_id is None:
            return
        self.session.commit()
        if name == "processes":
            wait_for_restore_checks(self.mark_wait)
        self.progress(5 + int(85 * self.inserted / self.total),
                      _l("Legger inn %(table)s: %(done)d av %(total)d rader", table=name, done=self.inserted,
                         total=self.total))

    def _rows(self, name: str, source_rows: list[dict]) -> None:
        session, new_ids, done = self.session, self.new_ids, self.done
        table = _table(name)
        rows, later = [], []
        for source in source_rows:
            row: dict[str, Any] = {}
            pending = []
            for column in table.columns:
                if column.name == "id" or column.name not in source:
                    continue
                value = source[column.name]
                target = _foreign(column)
                if target == "users":
                    value = self.users.get(value) if isinstance(value, str) else None
                elif target is not None and value is not None:
                    if target in done and target != name:
                        value = new_ids[target].get(value)
                    elif target in TABLE_NAMES and column.nullable:  # points forward or into its own table
                        pending.append((column.name, target, value))
                        value = None
                    else:
                        value = None
                    if value is None and not column.nullable and _has_id(table):
                        raise BackupError(
                            _l("Sikkerhetskopien er ufullstendig: %(column)s peker på en rad som mangler.",
                               column=f"{name}.{column.name}")
                        )
                else:
                    value = _decode(column, value)
                row[column.name] = value
            if (name, "quote_input_ids") in ID_LISTS and isinstance(row.get("quote_input_ids"), list):
                inputs = new_ids[ID_LISTS[(name, "quote_input_ids")]]
                row["quote_input_ids"] = [inputs[i] for i in row["quote_input_ids"] if i in inputs]
            if name == "report_versions" and isinstance(row.get("snapshot"), dict):
                row["snapshot"] = remap_snapshot(row["snapshot"], new_ids)
            if name == "processes":
                row["restoring_job_id"] = self.restoring_job_id
            if name == "attachments":
                row["storage_name"] = self.storage[source["id"]] = secrets.token_hex(20)
            if name == "inputs" and isinstance(row.get("text"), str):
                # Masked as every stored input is: the file's masked text, stems and place are never
                # trusted (a file edited by hand, or made where masking found less, would show personal data).
                row = Input.insert_values(**row)
            rows.append(row)
            later.append(pending)
        _unique_fix(session, name, rows)
        if _has_id(table):
            keys = sorted({k for r in rows for k in r})
            rows = [{k: r[k] if k in r else _default(table.c[k]) for k in keys} for r in rows]
            result = session.execute(sa.insert(table).returning(table.c.id, sort_by_parameter_order=True), rows)
            ids = list(result.scalars())
            for source, new_id, pending in zip(source_rows, ids, later, strict=True):
                new_ids[name][source["id"]] = new_id
                self.fixups += [(name, new_id, col, target, old) for col, target, old in pending]
        else:
            rows = [r for r in rows if all(v is not None for v in r.values())]
            if rows:
                session.execute(sa.insert(table), rows)

    def _clear_keyed(self) -> None:
        """Rows of keyed tables left behind by a deleted object that had one of the new ids go first."""
        if self.keyed_cleared:
            return
        self.keyed_cleared = True
        for name, (type_column, id_column, targets) in KEYED_TABLES.items():
            table = _table(name)
            for kind, target in targets.items():
                fresh = list(self.new_ids[target].values())
                for start in range(0, len(fresh), 500):
                    self.session.execute(sa.delete(table).where(table.c[type_column] == kind,
                                                                table.c[id_column].in_(fresh[start:start + 500])))

    def _keyed(self, name: str, source_rows: list[dict]) -> None:
        self._clear_keyed()
        type_column, id_column, targets = KEYED_TABLES[name]
        table = _table(name)
        rows = []
        for source in source_rows:
            target = targets.get(source.get(type_column))
            new_id = self.new_ids[target].get(source.get(id_column)) if target else None
            if new_id is None:  # a type this installation does not translate, or a row not in the backup
                continue
            row = {c.name: _decode(c, source[c.name]) for c in table.columns if c.name != "id" and c.name in source}
            rows.append({**row, id_column: new_id})
        if rows:
            keys = sorted({k for r in rows for k in r})
            self.session.execute(sa.insert(table), [{k: r[k] if k in r else _default(table.c[k]) for k in keys}
                                                    for r in rows])

    def file(self, ident, content: str | None) -> None:
        """A piece of an attachment's content (base64), appended to its new file."""
        self.flush()
        key = int(ident) if isinstance(ident, str) and ident.isdigit() else ident
        name = self.storage.get(key)
        if not (self.upload_folder and content and name):
            return
        folder = Path(self.upload_folder)
        folder.mkdir(parents=True, exist_ok=True)
        try:
            data = base64.b64decode(content)
        except ValueError as exc:
            raise BackupError(_l("Vedleggene i sikkerhetskopien er skadet.")) from exc
        with (folder / name).open("ab") as f:
            f.write(data)

    def finish(self) -> None:
        self.flush()
        self.progress(92, _l("Kobler sammen"))
        for n, (name, new_id, column, target, old) in enumerate(self.fixups, start=1):
            value = self.new_ids[target].get(old)
            if value is not None:
                table = _table(name)
                self.session.execute(sa.update(table).where(table.c.id == new_id).values({column: value}))
            if self.restoring_job_id is not None and n % RESTORE_BATCH == 0:
                self.session.commit()
                self.progress(92, _l("Kobler sammen"))
        self._clear_keyed()

    def complete(self) -> int:
        """The new process's id; from now on (the caller's commit) everyone may see it."""
        process_id = self.new_ids["processes"][self.process_old_id]
        if self.restoring_job_id is not None:
            table = _table("processes")
            self.session.execute(sa.update(table).where(table.c.id == process_id).values(restoring_job_id=None))
        return process_id


def import_events(session: Session, actor: User | None, open_stream, *, upload_folder: str | None = None,
                  progress: Progress = no_progress, counts: dict | None = None,
                  restoring_job_id: int | None = None, mark_wait: float = 0) -> Process:
    """Recreate a backup's process from its event stream (``open_stream()`` gives a new one each time, see
    :func:`events`); checked whole first, then inserted a batch at a time. The caller commits.

    Without ``restoring_job_id`` it is one transaction. With it (the restore job), each batch is committed
    into a process marked as being restored by that job: nobody sees it (:mod:`hearing.models.processes`)
    until the caller's last commit, and :func:`discard_restore` deletes it whole when the restore fails,
    is given up, or its job starts again after its worker stopped: all or nothing, never twice. Once the
    marked process is committed, the restore waits ``mark_wait`` seconds before it commits anything of it
    (:func:`hearing.models.processes.wait_for_restore_checks`)."""
    progress(2, _l("Kontrollerer radene"))
    head, seen = check_stream(session, open_stream(), progress)
    if counts is not None:
        counts.update(seen)
    counts = seen
    restore = _Restore(session, upload_folder, counts, progress, restoring_job_id, mark_wait)
    for event in open_stream():
        if event[0] == "row":
            restore.row(event[1], event[2])
        elif event[0] == "file":
            restore.file(event[1], event[2])
    restore.finish()
    process = session.get(Process, restore.complete())
    session.add(ProcessIdentity(process_id=process.id, uid=head["process_uid"], imported_dt=utcnow()))
    audit.record(session, actor, "process.import", process, uid=head["process_uid"],
                 counts={name: counts.get(name, 0) for name in ALL_TABLE_NAMES})
    session.flush()
    return process


def discard_restore(session: Session, job_id: int, *, upload_folder: str | None = None) -> dict[str, int]:
    """Delete whatever the restore job ``job_id`` had committed of a process that is not complete (the
    process, every row hanging on it by cascade, its translations and its attachments' files); flushes only.
    Returns the rows deleted per table (empty when there was nothing)."""
    from hearing.models.processes import INCLUDE_RESTORING

    session.info[INCLUDE_RESTORING] = True
    try:
        return _discard_restore(session, job_id, upload_folder)
    finally:
        session.info.pop(INCLUDE_RESTORING, None)


def _discard_restore(session: Session, job_id: int, upload_folder: str | None) -> dict[str, int]:
    processes = _table("processes")
    ids = list(session.execute(sa.select(processes.c.id).where(processes.c.restoring_job_id == job_id)).scalars())
    deleted: dict[str, int] = {}
    for process_id in ids:
        selects = _id_selects(process_id)
        for name in TABLE_NAMES:
            if name in selects:
                n = session.execute(sa.select(sa.func.count()).select_from(selects[name].subquery())).scalar()
                if n:
                    deleted[name] = deleted.get(name, 0) + n
        for name, (type_column, id_column, targets) in KEYED_TABLES.items():
            table = _table(name)
            for kind, target in targets.items():
                result = session.execute(sa.delete(table).where(table.c[type_column] == kind,
                                                                table.c[id_column].in_(selects[target])))
                if result.rowcount:
                    deleted[name] = deleted.get(name, 0) + result.rowcount
        attachments = _table("attachments")
        files = list(session.execute(sa.select(attachments.c.storage_name)
                                     .where(attachments.c.id.in_(selects["attachments"]))).scalars())
        session.execute(sa.delete(processes).where(processes.c.id == process_id))  # the rest goes by cascade
        if upload_folder:
            for name in files:
                (Path(upload_folder) / name).unlink(missing_ok=True)
    session.flush()
    return deleted


def _default(column: sa.Column) -> Any:
    """A column's Python-side default, for a row of a backup that lacks the column."""
    default = column.default
    if default is None:
        return None
    return default.arg(None) if default.is_callable else default.arg
