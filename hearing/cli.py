"""Flask commands: init-db, create-user, seed-demo."""

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
@click.password_option(help="At least 10 characters.")
@with_appcontext
def create_user_command(email: str, name: str, role: str, password: str) -> None:
    """Create a staff account."""
    from hearing.admin.services import ServiceError, create_user

    if len(password) < 10:
        raise click.BadParameter("Passordet må ha minst 10 tegn.", param_hint="--password")
    try:
        user = create_user(db.session, None, {"email": email, "name": name, "role": role, "password": password})
    except ServiceError as exc:
        raise click.ClickException(str(exc)) from exc
    db.session.commit()
    click.echo(f"Opprettet {user.email} ({user.role}).")


@click.command("seed-demo")
@click.option("--data", "data_path", type=click.Path(dir_okay=False), default=None, help="TSV with labelled inputs.")
@with_appcontext
def seed_demo_command(data_path: str | None) -> None:
    """Load the demo process and demo accounts (does nothing if they exist)."""
    from hearing.demo import seed_demo

    result = seed_demo(db.session, data_path or current_app.config["DEMO_DATA_PATH"])
    db.session.commit()
    click.echo(result)


def init_app(app) -> None:
    from hearing.themes.cli import themes

    for command in (init_db_command, create_user_command, seed_demo_command, themes):
        app.cli.add_command(command)
