"""Tracked invitations: e-mailed with their link, reminded before the deadline by the worker, answered with
the date, revoked; one statement per invited body, locked to its name."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from hearing.extensions import db
from hearing.jobs import run_pending_jobs
from hearing.models import Activity, Invitation, MailMessage, StakeholderGroup, Submission, utcnow
from hearing.participation import services
from tests.conftest import hidden_fields, text_of


@pytest.fixture
def hearing(make_process):
    process = make_process()
    group = StakeholderGroup(process=process, name="Eldrerådet", category="council")
    act = Activity(process=process, kind="hearing", title="Høring om strategiplanen", audience="invited", groups=[group],
                   opens_dt=utcnow() - timedelta(days=1), closes_dt=utcnow() + timedelta(days=20))
    db.session.add_all([group, act])
    db.session.commit()
    return act


def invite(admin_client, activity, **data):
    url = f"/admin/activities/{activity.id}/invitations"
    return admin_client.submit(url, {"body_name": "Eldrerådet", "group_id": "0", "email": "", "remind_days_before": "", **data})


def link_of(message: MailMessage) -> str:
    return re.search(r"http://localhost(?::\d+)?(/invitasjon/[\w-]+)", message.body_text).group(1)


def statement(client, link, **data):
    fields = hidden_fields(client.get(link).get_data(as_text=True))
    return client.post(link, data={**fields, "respondent_name": "Kari Leder", "consent": "with_name",
                                   "statement": "Eldrerådet støtter planen.", **data})


def test_invitation_is_emailed_answered_and_shown_on_the_activity(admin_client, hearing, app):
    r = invite(admin_client, hearing, email="Sekretar@Kommune.no", remind_days_before="7")
    assert r.status_code == 302
    shown = admin_client.get(r.location)
    inv = db.session.scalar(sa.select(Invitation))
    assert inv.email == "sekretar@kommune.no" and inv.remind_days_before == 7 and inv.sent_dt is not None
    msg = db.session.scalar(sa.select(MailMessage))
    assert msg.kind == "invitation" and msg.to_address == "sekretar@kommune.no"
    assert "Eldrerådet" in msg.subject + msg.body_text and "Høring om strategiplanen" in msg.body_text
    link = link_of(msg)
    assert link in shown.get_data(as_text=True)  # the same link as on the page made for the administrator
    run_pending_jobs()
    db.session.expire_all()  # the worker used its own session
    page = text_of(admin_client.get(f"/admin/activities/{hearing.id}/invitations"))
    assert "Lagret lokalt" in page and "Ikke svart" in page and "0 av 1 har svart" in page, page[page.find("Frist"):]
    # the council answers, trying to write another body's name: the statement is locked to the invited body
    from tests.conftest import Client

    council = Client(app.test_client())
    r = statement(council, link, on_behalf_of="Ungdomsrådet")
    assert r.status_code == 302
    sub = db.session.scalar(sa.select(Submission))
    assert sub.on_behalf_of == "Eldrerådet" and sub.invitation_id == inv.id
    page = text_of(admin_client.get(f"/admin/activities/{hearing.id}/invitations"))
    assert "Svart" in page and sub.reference in page and "1 av 1 har svart" in page
    assert "Invitasjoner (1 av 1 har svart)" in text_of(admin_client.get(f"/admin/activities/{hearing.id}"))


def test_a_second_statement_through_the_same_link_is_refused_clearly(admin_client, hearing, app):
    from tests.conftest import Client

    invite(admin_client, hearing, email="sekretar@kommune.no")
    link = link_of(db.session.scalar(sa.select(MailMessage)))
    first, second = Client(app.test_client()), Client(app.test_client())
    assert statement(first, link).status_code == 302
    page = second.get(link)
    assert "Uttalelsen er allerede sendt" in text_of(page)
    # a form opened before the first was sent, and sent after it: refused, with the text kept
    sub = db.session.scalar(sa.select(Submission))
    db.session.execute(sa.update(Submission).values(is_withdrawn=True, withdrawn_dt=utcnow()))
    db.session.commit()
    form_page = second.get(link).get_data(as_text=True)  # open while the first is withdrawn
    db.session.execute(sa.update(Submission).values(is_withdrawn=False, withdrawn_dt=None))
    db.session.commit()
    r = second.post(link, data={**hidden_fields(form_page), "respondent_name": "Per", "consent": "with_name",
                                "statement": "En annen uttalelse som ikke må forsvinne."})
    assert r.status_code == 409
    assert "har allerede sendt en uttalelse" in text_of(r) and sub.reference in text_of(r)
    assert "En annen uttalelse som ikke må forsvinne." in r.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(Submission.id))) == 1
    # after the first is withdrawn, the body may send a new one
    db.session.execute(sa.update(Submission).values(is_withdrawn=True, withdrawn_dt=utcnow()))
    db.session.commit()
    assert statement(second, link, statement="Ny uttalelse").status_code == 302


def test_reminders_go_once_to_those_who_have_not_answered(admin_client, hearing, app):
    from hearing.mail import send_due

    for name in ("Eldrerådet", "Ungdomsrådet", "Brukerrådet", "Pensjonistforeningen"):
        invite(admin_client, hearing, body_name=name, email=f"{name.lower()}@kommune.no", remind_days_before="7")
    invite(admin_client, hearing, body_name="Uten e-post")
    invs = {i.body_name: i for i in db.session.scalars(sa.select(Invitation))}
    links = {m.to_address: link_of(m) for m in db.session.scalars(sa.select(MailMessage))}
    from tests.conftest import Client

    assert statement(Client(app.test_client()), links["ungdomsrådet@kommune.no"]).status_code == 302
    services.revoke_invitation(db.session, None, invs["Brukerrådet"])
    db.session.commit()
    # 20 days left: too early
    assert services.queue_invitation_reminders(db.session) == 0
    later = utcnow() + timedelta(days=14)  # six days before the deadline
    assert services.queue_invitation_reminders(db.session, now=later) == 2
    assert services.queue_invitation_reminders(db.session, now=later + timedelta(hours=1)) == 0  # once
    reminders = db.session.scalars(sa.select(MailMessage).where(MailMessage.kind == "invitation_reminder")).all()
    assert sorted(m.to_address for m in reminders) == ["eldrerådet@kommune.no", "pensjonistforeningen@kommune.no"]
    for m in reminders:
        assert link_of(m) == links[m.to_address] and "påminnelse" in m.body_text.lower()
    send_due(db.session)
    db.session.expire_all()
    page = text_of(admin_client.get(f"/admin/activities/{hearing.id}/invitations"))
    assert "Trukket tilbake" in page and "1 av 4 har svart" in page  # the revoked one is not counted


def test_the_worker_sends_reminders_in_its_timed_round(admin_client, hearing, app):
    from hearing.jobs import run_periodic

    invite(admin_client, hearing, email="sekretar@kommune.no", remind_days_before="30")  # already inside the window
    run_periodic(app)
    run_pending_jobs()
    db.session.expire_all()
    reminder = db.session.scalar(sa.select(MailMessage).where(MailMessage.kind == "invitation_reminder"))
    assert reminder is not None and reminder.status == "sent"


def test_bad_invitation_input_keeps_what_was_typed(admin_client, hearing):
    r = invite(admin_client, hearing, body_name="Eldrerådet", email="ikke-en-adresse", remind_days_before="500")
    page = text_of(r)
    assert "Skriv en gyldig e-postadresse" in page and "Oppgi et tall mellom 1 og 90." in page and "ikke-en-adresse" in r.get_data(as_text=True), page[page.find("Ny invitasjon"):]
    r = invite(admin_client, hearing, body_name="Eldrerådet", remind_days_before="7")
    assert "En påminnelse sendes på e-post" in text_of(r)
    assert db.session.scalar(sa.select(sa.func.count(Invitation.id))) == 0


def test_revoked_invitations_are_counted_alike_on_every_page(admin_client, hearing, app):
    """Revoked is shown on the row with its date, and the count "answered of invited" leaves it out on the
    invitations page as on the activity page and the dashboard (it said "1 of 2" on one and "1 of 1" on the other)."""
    from hearing.dashboard.services import invited_rates
    from tests.conftest import Client

    invite(admin_client, hearing, email="eldre@kommune.no")
    invite(admin_client, hearing, body_name="Ungdomsrådet", email="ungdom@kommune.no")
    elders, youth = db.session.scalars(sa.select(Invitation).order_by(Invitation.id)).all()
    link = link_of(db.session.scalar(sa.select(MailMessage).where(MailMessage.to_address == "eldre@kommune.no")))
    assert statement(Client(app.test_client()), link).status_code == 302
    revoked = admin_client.submit(f"/admin/activities/{hearing.id}/invitations", {},
                                  action=f"/admin/invitations/{youth.id}/revoke")
    assert revoked.status_code == 302
    page = text_of(admin_client.get(f"/admin/activities/{hearing.id}/invitations"))
    assert "1 av 1 har svart." in page and "1 invitasjon er trukket tilbake og telles ikke med." in page
    assert "Trukket tilbake" in page
    assert "Invitasjoner (1 av 1 har svart)" in text_of(admin_client.get(f"/admin/activities/{hearing.id}"))
    [rate] = invited_rates(db.session, hearing.process)
    assert (rate.answered, rate.invited) == (1, 1)
