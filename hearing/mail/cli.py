"""``flask mail show ID``: a whole message from the outbox, for whoever runs the server.

The staff page hides a message's secret links (see hearing.mail.views). On the embedded default there is no
mail server, so a developer or the operator on a laptop reads a receipt's or a new user's link here; whoever
can run this command can read the database anyway. Each use is audited.
"""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from hearing.extensions import db


@click.group("mail")
def mail_cli() -> None:
    """E-post: les meldinger i utboksen."""


@mail_cli.command("show")
@click.argument("message_id", type=int)
@with_appcontext
def show_command(message_id: int) -> None:
    """Print message MESSAGE_ID whole (headers and text), links included."""
    from hearing import audit
    from hearing.models import MailMessage

    message = db.session.get(MailMessage, message_id)
    if message is None:
        raise click.ClickException(f"Ingen melding med nummer {message_id}.")
    audit.record(db.session, None, "mail.show_cli", message, process_id=message.process_id, kind=message.kind)
    db.session.commit()
    click.echo(f"Til: {message.to_address}\nEmne: {message.subject}\nSpråk: {message.lang}\nStatus: {message.status}\n")
    click.echo(message.body_text or "(Innholdet er slettet etter at meldingen ble levert.)")
