"""Flask commands: init-db, create-user, seed-demo, privacy purge, process export/import."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from hearing.extensions import db


@click.command("init-db")
@with_appcontext
def init_db_command() -> None:
    """Create or upgrade the database schema with the migrations."""
    from flask_migrate import upgrade

    upgrade()
    click.echo("Databasen er klar.")


@click.command("create-user")
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.option("--role", type=click.Choice(["admin", "facilitator", "reviewer"]), default="admin", show_default=True)
@click.password_option(help="At least 12 characters, not a common password.")
@with_appcontext
def create_user_command(email: str, name: str, role: str, password: str) -> None:
    """Create a staff account."""
    from hearing.admin.services import create_user
    from hearing.auth.services import password_problem
    from hearing.core.errors import ServiceError

    if problem := password_problem(password, user_inputs=(email, name)):
        raise click.BadParameter(str(problem), param_hint="--password")
    try:
        user = create_user(db.session, None, {"email": email, "name": name, "role": role, "password": password})
    except ServiceError as exc:
        raise click.ClickException(str(exc)) from exc
    db.session.commit()
    click.echo(f"Opprettet {user.email} ({user.role}).")


@click.command("seed-demo")
@click.option("--data", "data_path", type=click.Path(dir_okay=False), default=None, help="TSV with labelled inputs.")
@click.option("--language", type=click.Choice(["nb", "da"]), default="nb", show_default=True,
              help="da: the Danish demo process (Danish texts and inputs).")
@with_appcontext
def seed_demo_command(data_path: str | None, language: str) -> None:
    """Load the demo process and demo accounts (does nothing if they exist)."""
    from hearing.demo import seed_demo

    result = seed_demo(db.session, data_path or current_app.config["DEMO_DATA_PATH"], language)
    db.session.commit()
    click.echo(result)


@click.group("privacy")
def privacy_cli() -> None:
    """Personvern: sletting etter lagringstid."""


@privacy_cli.command("purge")
@click.option("--dry-run", is_flag=True, help="Show what would be deleted.")
@with_appcontext
def purge_command(dry_run: bool) -> None:
    """Delete personal data of processes past their retention period (run daily from cron)."""
    from hearing.exports.jobs import purge_expired_files
    from hearing.mail import purge_sink
    from hearing.privacy.records import purge_expired

    report = purge_expired(db.session, current_app.config["UPLOAD_FOLDER"], dry_run=dry_run)
    files = purge_expired_files(db.session)
    sink = purge_sink(db.session)
    if dry_run:
        db.session.rollback()
    else:
        db.session.commit()
    click.echo(("(prøvekjøring) " if dry_run else "") + str(report))
    click.echo(f"Eksportfiler eldre enn lagringstiden: {files} slettet.")
    click.echo(f"E-post i den lokale postkassen eldre enn lagringstiden: {sink} slettet.")


def init_app(app) -> None:
    from hearing.exports.cli import process_cli
    from hearing.mail.cli import mail_cli
    from hearing.themes.cli import themes

    for command in (init_db_command, create_user_command, seed_demo_command, themes, privacy_cli, process_cli, mail_cli):
        app.cli.add_command(command)
