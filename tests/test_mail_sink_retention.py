"""#18: messages stored in the local sink (no SMTP server) are deleted after MAIL_SINK_RETENTION_DAYS."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from hearing import mail
from hearing.extensions import db
from hearing.jobs import run_periodic
from hearing.models import AuditEvent, MailMessage, MailStatus, utcnow
from tests.conftest import text_of


def _stored(n: int) -> list[MailMessage]:
    for i in range(n):
        mail.queue_mail(db.session, to=f"kari{i}@example.no", template="receipt", ref=f"receipt:{i}", reference=f"F-{i}",
                        activity_title="Høring", link=f"https://x/kvittering/{i}")
    db.session.commit()
    mail.send_all_due(db.session)
    return list(db.session.scalars(sa.select(MailMessage).order_by(MailMessage.id)))


def test_old_sink_messages_go_and_new_ones_and_smtp_rows_stay(app):
    app.config["MAIL_SINK_RETENTION_DAYS"] = 30
    old, recent, over_smtp, waiting = _stored(4)
    assert {m.transport for m in (old, recent)} == {"sink"}
    now = utcnow()
    old.sent_dt = now - timedelta(days=31)
    recent.sent_dt = now - timedelta(days=29)
    over_smtp.transport, over_smtp.sent_dt = "smtp", now - timedelta(days=400)  # its row is the log; bodies emptied
    waiting.status, waiting.is_sent, waiting.sent_dt, waiting.transport = MailStatus.QUEUED, False, None, None
    db.session.commit()

    assert mail.purge_sink(db.session, now=now) == 1
    db.session.commit()
    left = set(db.session.scalars(sa.select(MailMessage.id)))
    assert left == {recent.id, over_smtp.id, waiting.id}
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "mail.sink_purged"))
    assert event is not None and event.data["count"] == 1
    assert mail.purge_sink(db.session, now=now) == 0  # nothing twice

    app.config["MAIL_SINK_RETENTION_DAYS"] = 0  # keep them
    assert mail.purge_sink(db.session, now=now + timedelta(days=1000)) == 0


def test_the_worker_round_deletes_them(app):
    app.config["MAIL_SINK_RETENTION_DAYS"] = 7
    (message,) = _stored(1)
    message.sent_dt = utcnow() - timedelta(days=8)
    db.session.commit()
    run_periodic(app)
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count(MailMessage.id))) == 0


def test_the_purge_command_and_the_staff_page_say_so(app, admin_client):
    app.config["MAIL_SINK_RETENTION_DAYS"] = 30
    (message,) = _stored(1)
    assert "slettes 30 dager etter" in text_of(admin_client.get("/admin/e-post/"))
    message.sent_dt = utcnow() - timedelta(days=45)
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["privacy", "purge"])
    assert result.exit_code == 0, result.output
    assert "E-post i den lokale postkassen eldre enn lagringstiden: 1 slettet." in result.output
