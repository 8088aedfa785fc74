"""Every outgoing message in its recipient's language: an invited body's chosen language (else the
process's), a staff member's stored language (never the administrator's page language), the language a
respondent answered in (else the process's). Delivered over real SMTP (aiosmtpd on loopback)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from hearing.extensions import db
from hearing.mail import queue_report_published, recipient_language, send_due
from hearing.models import Activity, Invitation, MailMessage, StakeholderGroup, Submission, User, utcnow
from hearing.participation import services as participation
from tests.conftest import Client, text_of
from tests.test_mail import smtp_server, use_smtp  # noqa: F401  (the real SMTP server fixture)


@pytest.fixture
def hearing_of(make_process):
    def make(language: str = "nb") -> Activity:
        process = make_process(name=f"Strategiplan ({language})", language=language)
        group = StakeholderGroup(process=process, name="Eldrerådet", category="council")
        act = Activity(process=process, kind="hearing", title="Høring om planen", audience="invited", groups=[group],
                       opens_dt=utcnow() - timedelta(days=1), closes_dt=utcnow() + timedelta(days=20))
        db.session.add_all([group, act])
        db.session.commit()
        return act

    return make


def invite(admin_client, activity, **data):
    return admin_client.submit(f"/admin/activities/{activity.id}/invitations",
                               {"body_name": "Eldrerådet", "group_id": "0", "remind_days_before": "", **data})


def delivered(inbox, to: str):
    found = [m for rcpt, m in inbox.messages if to in rcpt]
    assert len(found) == 1, [m["Subject"] for _r, m in inbox.messages]
    return found[0]


def test_invitations_and_reminders_go_in_the_chosen_language_over_smtp(app, admin_client, hearing_of, smtp_server):  # noqa: F811
    inbox = smtp_server()
    use_smtp(app, inbox.port)
    activity = hearing_of("nb")
    # the form offers the process's language first
    form = admin_client.get(f"/admin/activities/{activity.id}/invitations").get_data(as_text=True)
    assert re.search(r'<option[^>]*selected[^>]*value="nb"|<option[^>]*value="nb"[^>]*selected', form)
    for body, email, lang in (("Eldrerådet", "eldre@kommune.no", "nn"), ("Ungdomsrådet", "ungdom@kommune.no", "en"),
                              ("Dansk venskabsby", "venskab@kommune.dk", "da"), ("Brukerrådet", "bruker@kommune.no", "nb")):
        assert invite(admin_client, activity, body_name=body, email=email, lang=lang, remind_days_before="25").status_code == 302
    assert send_due(db.session)["sent"] == 4
    expected = {
        "eldre@kommune.no": ("nn", "Invitasjon til å gi fråsegn: Høring om planen"),
        "ungdom@kommune.no": ("en", "Invitation to give a statement: Høring om planen"),
        "venskab@kommune.dk": ("da", "Invitation til at afgive høringssvar: Høring om planen"),
        "bruker@kommune.no": ("nb", "Invitasjon til å gi uttalelse: Høring om planen"),
    }
    for to, (lang, subject) in expected.items():
        message = delivered(inbox, to)
        assert message["Subject"] == subject and message["Content-Language"] == lang
        text = message.get_body(("plain",)).get_content()
        link = re.search(r"http://\S+/invitasjon/\S+", text).group(0)
        # the link opens the form in the body's language (none added for the process's own)
        assert link.endswith(f"?lang={lang}") if lang != "nb" else "lang=" not in link
        if lang == "en":
            assert "Deadline" in text and "is invited to give a statement" in text
            html = message.get_body(("html",)).get_content()
            assert 'lang="en"' in html
            page = Client(app.test_client()).get(link.removeprefix("http://localhost"))
            assert page.status_code == 200 and '<html lang="en"' in page.get_data(as_text=True)
    assert {i.body_name: i.lang for i in db.session.scalars(sa.select(Invitation))}["Ungdomsrådet"] == "en"
    # the reminder keeps the invitation's language
    inbox.messages.clear()
    assert participation.queue_invitation_reminders(db.session) == 4
    send_due(db.session)
    reminder = delivered(inbox, "venskab@kommune.dk")
    assert reminder["Content-Language"] == "da" and reminder["Subject"].startswith("Påmindelse")
    assert delivered(inbox, "eldre@kommune.no")["Content-Language"] == "nn"
    # the activity's list says which language each went in
    page = text_of(admin_client.get(f"/admin/activities/{activity.id}/invitations"))
    assert "venskab@kommune.dk · Dansk" in page and "eldre@kommune.no · Nynorsk" in page


def test_an_invitation_without_a_choice_goes_in_the_process_language(app, hearing_of, make_user):
    activity = hearing_of("da")
    invitation, _token = participation.create_invitation(
        db.session, None, activity, body_name="Ældrerådet", group=None, email="aeldre@kommune.dk",
        link_for=lambda token: f"http://localhost/invitasjon/{token}")
    db.session.commit()
    message = db.session.scalar(sa.select(MailMessage))
    assert invitation.lang is None and message.lang == "da" and message.subject.startswith("Invitation til at afgive")
    assert "?lang=" not in message.body_text  # the process's own language: the page opens in it anyway


def test_staff_mail_goes_in_the_users_language_not_the_administrators(app, admin_client, smtp_server):  # noqa: F811
    inbox = smtp_server()
    use_smtp(app, inbox.port)
    # the administrator reads the pages in bokmål and creates an English-speaking user without a password
    r = admin_client.submit("/admin/users/new", {"name": "Jane Adviser", "email": "jane@kommune.no", "role": "reviewer",
                                                "lang": "en", "all_processes": "1", "is_active_user": "y"})
    assert r.status_code == 302, text_of(r)[:2000]
    user = db.session.scalar(sa.select(User).where(User.email == "jane@kommune.no"))
    assert user.lang == "en"
    send_due(db.session)
    invitation = delivered(inbox, "jane@kommune.no")
    assert invitation["Content-Language"] == "en"
    link = re.search(r"http://\S+/nytt-passord/\S+", invitation.get_body(("plain",)).get_content()).group(0)
    assert link.endswith("?lang=en")  # the page where she chooses a password opens in English
    page = Client(app.test_client()).get(link.removeprefix("http://localhost"))
    assert page.status_code == 200 and '<html lang="en"' in page.get_data(as_text=True)
    assert "Nynorsk" not in invitation.get_body(("plain",)).get_content()
    # the administrator switches her to nynorsk; the next link goes in nynorsk
    edit = admin_client.submit(f"/admin/users/{user.id}/edit", {"name": "Jane Adviser", "role": "reviewer", "lang": "nn",
                                                                "all_processes": "1", "is_active_user": "y"})
    assert edit.status_code == 302
    db.session.expire_all()
    assert db.session.get(User, user.id).lang == "nn"
    inbox.messages.clear()
    assert admin_client.submit(f"/admin/users/{user.id}/edit", {}, action=f"/admin/users/{user.id}/password").status_code == 302
    send_due(db.session)
    assert delivered(inbox, "jane@kommune.no")["Content-Language"] == "nn"
    # she asks for a reset herself from a bokmål page: her stored language wins
    inbox.messages.clear()
    Client(app.test_client()).submit("/glemt-passord", {"email": "jane@kommune.no"})
    send_due(db.session)
    assert delivered(inbox, "jane@kommune.no")["Content-Language"] == "nn"


def test_report_notice_in_the_answer_language_else_the_process_language(app, hearing_of):
    activity = hearing_of("nn")
    for n, (email, lang) in enumerate((("a@example.no", "en"), ("b@example.no", None))):
        db.session.add(Submission(activity=activity, reference=f"H-{n}", submission_key=f"k{n}", edit_token_hash=f"{n:064d}",
                                  respondent_email=email, wants_report_notice=True, lang=lang, submitted_dt=utcnow()))
    db.session.commit()
    assert queue_report_published(db.session, activity.process_id, link="http://localhost/r/1") == 2
    messages = {m.to_address: m for m in db.session.scalars(sa.select(MailMessage))}
    assert {to: m.lang for to, m in messages.items()} == {"a@example.no": "en", "b@example.no": "nn"}
    assert "http://localhost/r/1?lang=en" in messages["a@example.no"].body_text  # the report opens in English
    assert "http://localhost/r/1\n" in messages["b@example.no"].body_text


def test_the_rule_in_one_place(app, hearing_of):
    activity = hearing_of("da")
    assert recipient_language("nn", activity.process) == "nn"
    assert recipient_language(None, activity.process) == "da"
    assert recipient_language("xx", None) == "nb"
    app.config["BABEL_DEFAULT_LOCALE"] = "nn"
    assert recipient_language(None, None) == "nn"


def test_titles_in_the_recipients_language_when_translated_else_tagged(app, hearing_of):
    """An English invitation uses the activity's English title when staff wrote one; the process name, written
    only in bokmål, is marked lang="nb" inside the English HTML (WCAG 3.1.2), and a bokmål page that queues the
    mail does not change what the mail's own language is."""
    from hearing.content import set_translation

    activity = hearing_of("nb")
    set_translation(db.session, activity, "title", "en", "Hearing on the plan")
    db.session.commit()
    participation.create_invitation(db.session, None, activity, body_name="Youth council", group=None,
                                    email="youth@kommune.no", lang="en",
                                    link_for=lambda token: f"http://localhost/invitasjon/{token}")
    db.session.commit()
    message = db.session.scalar(sa.select(MailMessage))
    assert message.subject == "Invitation to give a statement: Hearing on the plan"
    assert "«Hearing on the plan»" in message.body_text or "“Hearing on the plan”" in message.body_text
    assert '<span lang="nb">Strategiplan (nb)</span>' in message.body_html
    assert "Hearing on the plan" in message.body_html and '<span lang="nb">Hearing on the plan' not in message.body_html


def test_the_users_language_is_the_pages_language_after_login(app, make_user):
    user = make_user("reviewer", email="nils@kommune.no")
    user.lang = "nn"
    db.session.commit()
    browser = Client(app.test_client())
    r = browser.login(user.email)
    assert r.status_code == 302
    page = browser.get(r.location)
    assert '<html lang="nn"' in page.get_data(as_text=True) and "Du er logga inn." in text_of(page)
    # a language chosen on this visit wins over the stored one
    other = Client(app.test_client())
    other.get("/login?lang=en")
    assert '<html lang="en"' in other.get(other.login(user.email).location).get_data(as_text=True)


def test_the_html_heading_marks_a_title_in_another_language(app, hearing_of):
    """The HTML message repeats the subject as its heading: a title not written in the message's language is
    marked lang there too (it was plain text), and a translated title is not. The Subject header stays plain
    text (no client reads a language per part of it); Content-Language gives the message's own language."""
    activity = hearing_of("nb")
    participation.create_invitation(db.session, None, activity, body_name="Youth council", group=None,
                                    email="youth@kommune.no", lang="en", remind_days_before=None,
                                    link_for=lambda token: f"http://localhost/invitasjon/{token}")
    db.session.add(Submission(activity=activity, reference="H-9", submission_key="k9", edit_token_hash="9" * 64,
                              respondent_email="a@example.no", wants_report_notice=True, lang="en", submitted_dt=utcnow()))
    db.session.commit()
    queue_report_published(db.session, activity.process_id, link="http://localhost/r/1")
    db.session.commit()
    messages = {m.kind: m for m in db.session.scalars(sa.select(MailMessage))}
    invitation, notice = messages["invitation"], messages["report_published"]
    assert invitation.subject == "Invitation to give a statement: Høring om planen"
    heading = re.search(r"<h1[^>]*>(.*?)</h1>", invitation.body_html, re.S).group(1)
    assert heading == 'Invitation to give a statement: <span lang="nb">Høring om planen</span>'
    assert '<html lang="en">' in invitation.body_html and "<title>Invitation to give a statement: Høring om planen</title>" in invitation.body_html
    heading = re.search(r"<h1[^>]*>(.*?)</h1>", notice.body_html, re.S).group(1)
    assert '<span lang="nb">Strategiplan (nb)</span>' in heading and "<span" not in notice.subject
    # written in the message's own language: nothing to mark
    from hearing.content import set_translation

    set_translation(db.session, activity, "title", "en", "Hearing on the plan")
    participation.create_invitation(db.session, None, activity, body_name="Council", group=None,
                                    email="council@kommune.no", lang="en", remind_days_before=None,
                                    link_for=lambda token: f"http://localhost/invitasjon/{token}")
    db.session.commit()
    second = db.session.scalar(sa.select(MailMessage).where(MailMessage.to_address == "council@kommune.no"))
    assert re.search(r"<h1[^>]*>(.*?)</h1>", second.body_html, re.S).group(1) == "Invitation to give a statement: Hearing on the plan"
