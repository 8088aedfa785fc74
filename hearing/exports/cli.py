"""``flask process export|import``: a whole process as JSON lines (the backup layout), from the command line."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from hearing.extensions import db


@click.group("process")
def process_cli() -> None:
    """Prosesser: sikkerhetskopi og flytting som JSON."""


@process_cli.command("export")
@click.argument("process_id", type=int)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, writable=True),
    required=True,
    help="File to write: JSON lines, gzip-compressed when the name ends in .gz (as the backup job writes it).",
)
@with_appcontext
def export_command(process_id: int, output: str) -> None:
    """Write process PROCESS_ID as JSON lines (original texts and personal data included: keep it safe).

    The layout the backup job writes and a restore reads a row at a time (``flask process import`` and the
    import page): a head line, one line per row, then the attachments in pieces."""
    from hearing.exports import backup
    from hearing.models import Process

    process = db.session.get(Process, process_id)
    if process is None:
        raise click.ClickException(f"Fant ingen prosess med id {process_id}.")
    folder = current_app.config.get("UPLOAD_FOLDER")
    if output.endswith(".gz"):
        counts_by_table = backup.write_gzip(db.session, process, Path(output), upload_folder=folder)
    else:
        with open(output, "w", encoding="utf-8") as out:
            counts_by_table = backup.write_lines(db.session, process, out, upload_folder=folder)
    db.session.commit()  # the process uid, given at its first backup
    counts = ", ".join(f"{name} {n}" for name, n in counts_by_table.items() if n)
    click.echo(f"Skrev «{process.name}» til {output} ({counts}).")


@process_cli.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@with_appcontext
def import_command(path: str) -> None:
    """Recreate a process from a JSON backup with new ids (refused if it is here already)."""
    from hearing.exports import backup

    try:
        process = backup.import_path(db.session, None, Path(path), upload_folder=current_app.config.get("UPLOAD_FOLDER"))
        db.session.commit()
    except backup.BackupError as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from exc
    click.echo(f"Importerte «{process.name}» som prosess {process.id}.")
