"""Outgoing e-mail: the outbox written with the action, sent by the worker over real SMTP (aiosmtpd in
process), retried after the server was down, never sent twice, and shown on the staff page."""

from __future__ import annotations

import smtplib
import socket
from datetime import timedelta
from email import message_from_bytes, policy

import pytest
import sqlalchemy as sa
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult

from hearing import mail
from hearing.extensions import db
from hearing.jobs import run_pending_jobs
from hearing.models import Activity, Job, MailMessage, MailStatus, Submission, utcnow
from tests.conftest import hidden_fields, text_of


class Inbox:
    """An aiosmtpd handler that keeps what it receives; ``refuse`` makes RCPT answer 550."""

    def __init__(self):
        self.messages = []
        self.refuse: set[str] = set()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return "550 5.1.1 Ukjent mottaker"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((envelope.rcpt_tos, message_from_bytes(envelope.content, policy=policy.default)))
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp_server():
    """Start a real SMTP server on loopback; returns a function so a test can start it late (or on a port)."""
    started = []

    def start(port: int | None = None, **kwargs):
        inbox = Inbox()
        controller = Controller(inbox, hostname="127.0.0.1", port=port or free_port(), ready_timeout=30, **kwargs)
        controller.start()  # waits until the server answers
        started.append(controller)
        inbox.port = controller.port
        return inbox

    yield start
    for controller in started:
        controller.stop()


def use_smtp(app, port: int, **extra):
    app.config.update({"MAIL_HOST": "127.0.0.1", "MAIL_PORT": port, "MAIL_SECURITY": "none", "MAIL_USER": None,
                       "MAIL_SENDER": "Medvirkning <medvirkning@test.kommune.no>", "MAIL_TIMEOUT": 10, **extra})


@pytest.fixture
def hearing_activity(make_process):
    process = make_process()
    act = Activity(process=process, kind="suggestions", title="Benkeforslag", audience="public",
                   opens_dt=utcnow() - timedelta(days=1), closes_dt=utcnow() + timedelta(days=10))
    db.session.add(act)
    db.session.commit()
    return act


def answer(client, activity, **data):
    url = f"/delta/{activity.id}"
    fields = hidden_fields(client.get(url).get_data(as_text=True))
    payload = {**fields, "statement": "En benk ved Storgata", "consent": "without_name", **data}
    return client.post(url, data=payload)


def test_receipt_is_written_with_the_answer_and_stored_in_the_sink(client, hearing_activity, admin_client):
    r = answer(client, hearing_activity, respondent_email="kari@example.no", send_receipt="1")
    assert r.status_code == 302
    token = r.location.split("/svar/")[1].split("?")[0]
    msg = db.session.scalar(sa.select(MailMessage))
    # queued in the same transaction as the answer, with a job for the worker; nothing sent yet
    assert msg.status == MailStatus.QUEUED and msg.kind == "receipt" and msg.to_address == "kari@example.no"
    assert db.session.scalar(sa.select(Job).where(Job.kind == "mail.send")).status == "queued"
    run_pending_jobs()
    db.session.expire_all()
    msg = db.session.get(MailMessage, msg.id)
    assert msg.status == MailStatus.SENT and msg.transport == "sink"
    sub = db.session.scalar(sa.select(Submission))
    assert sub.reference in msg.subject and f"/svar/{token}" in msg.body_text and f"/svar/{token}" in msg.body_html
    assert "Storgata" not in msg.body_text  # the text itself is not repeated by e-mail
    page = admin_client.get("/admin/e-post/")
    assert page.status_code == 200 and "ka•••@example.no" in text_of(page) and "Lagret lokalt" in text_of(page)
    assert "kari@example.no" not in page.get_data(as_text=True)
    # the sink shows the text to an administrator with the secret link hidden (see test_staff_sees_no_secrets)
    detail = admin_client.get(f"/admin/e-post/{msg.id}")
    assert "/svar/[skjult]" in text_of(detail) and token not in detail.get_data(as_text=True)


def test_staff_sees_no_secrets_and_each_reading_is_audited(client, hearing_activity, admin_client, app, make_user):
    """What an administrator needs: status, the recipient masked, the subject and the error; the text with every
    secret link hidden and personal data masked. Reading a message and looking up an address are audited;
    the whole message is only for the server's operator (flask mail show), also audited."""
    from hearing.auth.services import request_password_reset
    from hearing.models import AuditEvent, User
    from hearing.participation.services import create_invitation
    from tests.conftest import Client

    r = answer(client, hearing_activity, respondent_email="kari@example.no", send_receipt="1")
    token = r.location.split("/svar/")[1].split("?")[0]
    user = make_user("reviewer", email="per.hansen@kommune.no")
    reset_links = []
    request_password_reset(db.session, user.email, lang="nb", minutes=30,
                           link_for=lambda t: reset_links.append(t) or f"http://localhost/nytt-passord/{t}")
    invitation, invitation_token = create_invitation(
        db.session, None, hearing_activity, body_name="Eldrerådet", group=None, email="post@eldreradet.no",
        link_for=lambda t: f"http://localhost/invitasjon/{t}")
    db.session.commit()
    run_pending_jobs()
    db.session.expire_all()
    messages = {m.kind: m for m in db.session.scalars(sa.select(MailMessage))}
    assert set(messages) == {"receipt", "password_reset", "invitation"}
    secrets_ = {"receipt": token, "password_reset": reset_links[0], "invitation": invitation_token}
    listing = admin_client.get("/admin/e-post/").get_data(as_text=True)
    for kind, message in messages.items():
        assert secrets_[kind] in message.body_text  # the sink keeps the whole message for the worker and the operator
        assert message.to_address not in listing
        page = admin_client.get(f"/admin/e-post/{message.id}")
        html = page.get_data(as_text=True)
        assert page.status_code == 200 and secrets_[kind] not in html and "[skjult]" in html, kind
        assert message.to_address not in html and message.subject in text_of(page)
    reset_page = text_of(admin_client.get(f"/admin/e-post/{messages['password_reset'].id}"))
    assert "/nytt-passord/[skjult]" in reset_page and "[e-post]" in reset_page  # the address in the text is masked too
    viewed = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "mail.view")).all()
    assert len(viewed) == 4 and {e.actor_id for e in viewed} == {admin_client.user.id}
    # an exact address finds its messages, still masked; the look-up is audited
    found = admin_client.get("/admin/e-post/?til=Post@Eldreradet.no")
    assert "po•••@eldreradet.no" in text_of(found) and "ka•••@example.no" not in text_of(found)
    search = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "mail.search"))
    assert search.data["address"] == "po•••@eldreradet.no"
    # reviewers do not see the outbox at all
    reviewer = Client(app.test_client())
    assert reviewer.login(db.session.scalar(sa.select(User.email).where(User.id == user.id))).status_code == 302
    assert reviewer.get(f"/admin/e-post/{messages['receipt'].id}").status_code == 403
    # the operator on the server reads the whole message
    result = app.test_cli_runner().invoke(args=["mail", "show", str(messages["receipt"].id)])
    assert result.exit_code == 0 and f"/svar/{token}" in result.output and "kari@example.no" in result.output
    assert db.session.scalar(sa.select(sa.func.count(AuditEvent.id)).where(AuditEvent.action == "mail.show_cli")) == 1
    missing = app.test_cli_runner().invoke(args=["mail", "show", "999999"])
    assert missing.exit_code != 0 and "Ingen melding med nummer 999999" in missing.output


def test_hide_secrets_keeps_ordinary_links():
    text = ("Se rapporten: https://medvirkning.kommune.no/rapporter/12?lang=nn\n"
            "Endre: https://medvirkning.kommune.no/svar/0123456789abcdef0123456789abcdef.\n"
            "Skjema: https://x.no/invitasjon/AbC-dEf_0123456789xyz?lang=en")
    hidden = mail.hide_secrets(text)
    assert "https://medvirkning.kommune.no/rapporter/12?lang=nn" in hidden
    assert "https://medvirkning.kommune.no/svar/[skjult]" in hidden and "0123456789abcdef" not in hidden
    assert "https://x.no/invitasjon/[skjult]?lang=en" in hidden


def test_the_receipt_page_says_where_the_receipt_and_the_notice_go(app, client, hearing_activity):
    """A person who closes the tab knows the link went by e-mail (to which address, masked) and that they will
    be told of the report; without opt-ins the page promises no e-mail."""
    r = answer(client, hearing_activity, respondent_email="kari@example.no", send_receipt="1", wants_report_notice="1")
    page = text_of(client.get(r.location))
    assert "Vi sender en kvittering med lenken til ka•••@example.no." in page
    assert "Du får en e-post når kommunen publiserer oppsummeringen." in page
    assert "kari@example.no" not in client.get(r.location).get_data(as_text=True)
    token = r.location.split("/svar/")[1].split("?")[0]
    assert "Vi sender en kvittering" not in text_of(client.get(f"/svar/{token}"))  # only on the receipt itself
    from tests.conftest import Client

    other = Client(app.test_client())
    plain = text_of(other.get(answer(other, hearing_activity, statement="Benk ved torget").location))
    assert "Vi sender en kvittering" not in plain and "Du får en e-post" not in plain


def test_receipt_needs_an_address_and_keeps_the_text(client, hearing_activity):
    r = answer(client, hearing_activity, send_receipt="1", statement="Benk ved biblioteket")
    assert r.status_code == 422
    assert "Skriv e-postadressen vi skal sende til" in text_of(r) and "Benk ved biblioteket" in r.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(MailMessage.id))) == 0


def test_no_receipt_without_opt_in(client, hearing_activity):
    assert answer(client, hearing_activity, respondent_email="kari@example.no").status_code == 302
    assert db.session.scalar(sa.select(sa.func.count(MailMessage.id))) == 0


def test_the_request_never_talks_to_smtp(client, hearing_activity, app, monkeypatch):
    use_smtp(app, free_port())

    def no_smtp(*args, **kwargs):
        raise AssertionError("a request opened an SMTP connection")

    monkeypatch.setattr(smtplib, "SMTP", no_smtp)
    assert answer(client, hearing_activity, respondent_email="kari@example.no", send_receipt="1").status_code == 302
    assert db.session.scalar(sa.select(MailMessage)).status == MailStatus.QUEUED


def test_delivered_over_smtp_once_in_the_respondents_language(client, hearing_activity, app, smtp_server):
    inbox = smtp_server()
    use_smtp(app, inbox.port)
    client.get("/?lang=nn")
    assert answer(client, hearing_activity, respondent_email="Ola@Example.no", send_receipt="1").status_code == 302
    run_pending_jobs()
    assert len(inbox.messages) == 1
    rcpt, received = inbox.messages[0]
    assert rcpt == ["ola@example.no"]
    assert received["From"] == "Medvirkning <medvirkning@test.kommune.no>"
    assert received["Content-Language"] == "nn"
    assert received.get_body(("plain",)) is not None and received.get_body(("html",)) is not None
    msg = db.session.scalar(sa.select(MailMessage))
    db.session.refresh(msg)
    assert msg.status == MailStatus.SENT and msg.transport == "smtp" and received["Message-ID"].strip() == msg.message_id
    assert msg.body_text == "" and msg.body_html == ""  # the secret link is not kept once delivered
    # another round, a replayed job, a second worker: nothing is sent again
    mail.send_due(db.session, now=utcnow() + timedelta(days=1))
    db.session.execute(sa.update(Job).values(status="queued"))
    db.session.commit()
    run_pending_jobs()
    assert len(inbox.messages) == 1


def test_retried_after_the_server_was_down_and_staff_see_why(app, hearing_activity, smtp_server, admin_client):
    port = free_port()  # nothing listens here yet
    use_smtp(app, port, MAIL_RETRY_SECONDS=60)
    for n in range(2):
        mail.queue_mail(db.session, to=f"person{n}@example.no", template="receipt", lang="nb", ref=f"test:{n}",
                        reference=f"F-2026-00000{n}", activity_title="Benkeforslag", link="https://example.no/svar/x")
    db.session.commit()
    first = mail.send_due(db.session)
    assert first["sent"] == 0 and "Fikk ikke kontakt med e-posttjeneren" in str(first["stopped"])
    messages = db.session.scalars(sa.select(MailMessage).order_by(MailMessage.id)).all()
    assert [m.status for m in messages] == ["queued", "queued"]  # nothing given up, nothing lost
    assert messages[0].attempts == 1 and messages[0].next_attempt_dt > utcnow()
    page = text_of(admin_client.get("/admin/e-post/"))
    assert "E-post venter i køen" in page and "HEARING_MAIL_HOST" in page
    assert mail.send_due(db.session)["sent"] == 0  # not due yet: the back-off holds
    inbox = smtp_server(port)
    later = utcnow() + timedelta(minutes=5)
    assert mail.send_due(db.session, now=later)["sent"] == 2
    assert mail.send_due(db.session, now=later + timedelta(hours=2))["sent"] == 0
    assert sorted(rcpt[0] for rcpt, _ in inbox.messages) == ["person0@example.no", "person1@example.no"]
    assert mail.outbox_problem(db.session) is None


def test_a_refused_recipient_fails_with_the_reason_and_others_go(app, smtp_server, admin_client):
    inbox = smtp_server()
    inbox.refuse.add("finnes.ikke@example.no")
    use_smtp(app, inbox.port)
    for to in ("finnes.ikke@example.no", "kari@example.no"):
        mail.queue_mail(db.session, to=to, template="receipt", reference="F-1", activity_title="A", link="https://x/y")
    db.session.commit()
    assert mail.send_due(db.session) == {"sent": 1, "retry": 0, "failed": 1, "stopped": None}
    failed = db.session.scalar(sa.select(MailMessage).where(MailMessage.status == "failed"))
    assert "Mottakeradressen ble avvist" in mail.readable_error(failed)
    page = admin_client.get("/admin/e-post/?status=failed")
    assert "fi•••@example.no" in text_of(page) and "ka•••@example.no" not in text_of(page)
    # staff send it again once the address is fixed on the server's side
    inbox.refuse.clear()
    r = admin_client.submit(f"/admin/e-post/{failed.id}", action=f"/admin/e-post/{failed.id}/send-igjen")
    assert r.status_code == 302
    run_pending_jobs()
    assert len(inbox.messages) == 2


def test_wrong_login_keeps_the_queue_with_a_clear_message(app, smtp_server):
    def authenticator(server, session, envelope, mechanism, auth_data):
        return AuthResult(success=False, handled=False)

    inbox = smtp_server(authenticator=authenticator, auth_require_tls=False)
    use_smtp(app, inbox.port, MAIL_USER="medvirkning", MAIL_PASSWORD="feil")
    mail.queue_mail(db.session, to="kari@example.no", template="receipt", reference="F-1", activity_title="A",
                    link="https://x/y")
    db.session.commit()
    result = mail.send_due(db.session)
    assert "avviste innloggingen" in str(result["stopped"]) and "HEARING_MAIL_PASSWORD" in str(result["stopped"])
    assert db.session.scalar(sa.select(MailMessage)).status == MailStatus.QUEUED
    assert inbox.messages == []


def test_two_workers_never_send_the_same_message(app, smtp_server):
    inbox = smtp_server()
    use_smtp(app, inbox.port)
    msg = mail.queue_mail(db.session, to="kari@example.no", template="receipt", reference="F-1", activity_title="A",
                          link="https://x/y")
    db.session.commit()
    assert mail._claim(db.session, msg.id, utcnow()) is True
    assert mail._claim(db.session, msg.id, utcnow()) is False  # the second worker does not get it
    assert mail.send_due(db.session)["sent"] == 0
    # a worker that stopped mid-send: marked failed with a reason, not sent again on a guess
    assert mail.recover_stale(db.session, now=utcnow() + timedelta(minutes=30)) == 1
    db.session.refresh(msg)
    assert msg.status == MailStatus.FAILED and "vet ikke om meldingen kom fram" in mail.readable_error(msg)
    assert inbox.messages == []


def test_the_same_ref_is_queued_once(app):
    for _ in range(2):
        mail.queue_mail(db.session, to="kari@example.no", template="receipt", ref="receipt:1", reference="F-1",
                        activity_title="A", link="https://x/y")
    db.session.commit()
    assert db.session.scalar(sa.select(sa.func.count(MailMessage.id))) == 1


def test_report_published_goes_once_to_each_who_asked(client, hearing_activity, app):
    answer(client, hearing_activity, respondent_email="kari@example.no", wants_report_notice="1")
    answer(client, hearing_activity, respondent_email="kari@example.no", wants_report_notice="1", statement="Benk 2")
    answer(client, hearing_activity, respondent_email="ola@example.no")  # did not ask
    n = mail.queue_report_published(db.session, hearing_activity.process_id, link="https://x/rapport")
    db.session.commit()
    assert n == 1
    again = mail.queue_report_published(db.session, hearing_activity.process_id, link="https://x/rapport")
    assert again == 0
    msg = db.session.scalar(sa.select(MailMessage))
    assert msg.kind == "report_published" and msg.to_address == "kari@example.no" and "https://x/rapport" in msg.body_text
    assert "ola@example.no" not in msg.body_text


def test_messages_in_each_language(app):
    for lang in ("nb", "nn", "en"):
        subject, text, html = mail.render_mail("receipt", lang, reference="F-1", activity_title="A", link="https://x/y")
        assert "F-1" in subject and "https://x/y" in text and f'lang="{lang}"' in html


def test_no_request_that_makes_mail_talks_to_smtp(app, client, admin_client, make_user, make_process, monkeypatch):
    """Every kind of request that puts mail in the outbox (a receipt is above) answers without an SMTP
    connection, even with a server configured: an invitation, a password reset, a staff invitation, and staff
    sending a failed message again or every waiting one now. Only the worker's job sends."""
    use_smtp(app, free_port())

    def no_smtp(*args, **kwargs):
        raise AssertionError("a request opened an SMTP connection")

    monkeypatch.setattr(smtplib, "SMTP", no_smtp)
    monkeypatch.setattr(smtplib, "SMTP_SSL", no_smtp)
    process = make_process()
    act = Activity(process=process, kind="hearing", title="Høring", audience="invited",
                   opens_dt=utcnow() - timedelta(days=1), closes_dt=utcnow() + timedelta(days=20))
    db.session.add(act)
    db.session.commit()
    invited = admin_client.submit(f"/admin/activities/{act.id}/invitations",
                                  {"body_name": "Eldrerådet", "group_id": "0", "email": "eldre@kommune.no", "remind_days_before": ""})
    assert invited.status_code == 302
    user = make_user("reviewer")
    assert client.submit("/glemt-passord", {"email": user.email}).status_code == 200
    added = admin_client.submit("/admin/users/new", {"name": "Frida Fasilitator", "email": "frida@kommune.no",
                                                      "role": "facilitator", "password": ""})
    assert added.status_code == 302
    kinds = sorted(db.session.scalars(sa.select(MailMessage.kind)).all())
    assert kinds == ["invitation", "password_reset", "staff_invitation"]
    assert set(db.session.scalars(sa.select(MailMessage.status)).all()) == {MailStatus.QUEUED}
    first = db.session.scalar(sa.select(MailMessage).order_by(MailMessage.id))
    first.status, first.last_error = MailStatus.FAILED, "550 Ukjent mottaker"
    db.session.commit()
    assert admin_client.submit("/admin/e-post/", {}, action=f"/admin/e-post/{first.id}/send-igjen").status_code == 302
    assert admin_client.submit("/admin/e-post/", {}, action="/admin/e-post/prov-na").status_code == 302
    db.session.expire_all()
    assert set(db.session.scalars(sa.select(MailMessage.status)).all()) == {MailStatus.QUEUED}


@pytest.mark.parametrize(("security", "says"), [
    ("starttls", "støtter ikke STARTTLS"),  # a server without STARTTLS, told to use it
    ("ssl", "Kryptert forbindelse"),  # SSL on a port that speaks plain SMTP
])
def test_a_wrong_encryption_setting_keeps_the_queue_with_a_clear_message(app, smtp_server, admin_client, security, says):
    inbox = smtp_server()
    use_smtp(app, inbox.port, MAIL_SECURITY=security)
    mail.queue_mail(db.session, to="kari@example.no", template="receipt", reference="F-1", activity_title="A",
                    link="https://x/y")
    db.session.commit()
    result = mail.send_due(db.session)
    assert says in str(result["stopped"]) and "HEARING_MAIL_SECURITY" in str(result["stopped"])
    assert db.session.scalar(sa.select(MailMessage)).status == MailStatus.QUEUED and inbox.messages == []
    page = text_of(admin_client.get("/admin/e-post/"))
    assert says in page and "HEARING_MAIL_SECURITY" in page


def test_publishing_the_report_tells_those_who_asked_through_the_page(app, client, hearing_activity, make_user):
    """The whole path: a respondent ticks "Gi meg beskjed" on the form, a reviewer publishes the report on its
    page, and the notice with the public report's link is in the outbox (once, however often the button is hit)."""
    from hearing.models import HearingReport
    from tests.conftest import Client

    answer(client, hearing_activity, respondent_email="kari@example.no", wants_report_notice="1")
    answer(client, hearing_activity, respondent_email="ola@example.no")  # did not ask
    reviewer = Client(app.test_client())
    assert reviewer.login(make_user("reviewer").email).status_code == 302
    made = reviewer.submit(f"/reports/process/{hearing_activity.process_id}", {"title": "Vi spurte – dere svarte"})
    assert made.status_code == 302
    report = db.session.scalar(sa.select(HearingReport))
    assert db.session.scalar(sa.select(sa.func.count(MailMessage.id))) == 0  # nothing before it is published
    for _twice in range(2):
        reviewer.submit(f"/reports/{report.id}", action=f"/reports/{report.id}/publish")
    [notice] = db.session.scalars(sa.select(MailMessage)).all()
    assert notice.kind == "report_published" and notice.to_address == "kari@example.no"
    assert f"/tilbakemelding/{report.id}" in notice.body_text and "ola@example.no" not in notice.body_text


def _self_signed(tmp_path):
    """A certificate for 127.0.0.1 and its key, made here (no network): (cert file, key file)."""
    import datetime
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    cert_file, key_file = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_file, key_file


@pytest.mark.parametrize("security", ["starttls", "ssl"])
def test_delivered_over_an_encrypted_connection_with_login(app, smtp_server, tmp_path, monkeypatch, security):
    """HEARING_MAIL_SECURITY starttls (port 587) and ssl (port 465) against a real server that demands
    encryption before the login; the certificate is checked (here against the test's own CA)."""
    import ssl

    cert_file, key_file = _self_signed(tmp_path)
    server_tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_tls.load_cert_chain(cert_file, key_file)
    logins = []

    def authenticator(server, session, envelope, mechanism, auth_data):
        logins.append((auth_data.login, auth_data.password))
        return AuthResult(success=auth_data.password == b"riktig")

    if security == "starttls":
        inbox = smtp_server(tls_context=server_tls, require_starttls=True, authenticator=authenticator)
    else:
        inbox = smtp_server(ssl_context=server_tls, authenticator=authenticator, auth_require_tls=False)
    original = ssl.create_default_context
    monkeypatch.setattr(ssl, "create_default_context", lambda *a, **kw: original(cafile=str(cert_file)))
    use_smtp(app, inbox.port, MAIL_SECURITY=security, MAIL_USER="medvirkning", MAIL_PASSWORD="riktig")
    mail.queue_mail(db.session, to="kari@example.no", template="receipt", reference="F-1", activity_title="A",
                    link="https://x/y")
    db.session.commit()
    assert mail.send_due(db.session)["sent"] == 1
    assert logins == [(b"medvirkning", b"riktig")] and [rcpt for rcpt, _m in inbox.messages] == [["kari@example.no"]]


def test_every_mail_and_sign_on_setting_is_in_the_readme():
    """#18: the settings of e-mail, staff links and single sign-on are documented where an operator looks."""
    from pathlib import Path

    from hearing.config import Defaults

    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text("utf-8")
    names = [n for n in vars(Defaults) if n.startswith(("MAIL_", "OIDC_")) or n in
             ("BASE_URL", "PASSWORD_RESET_MINUTES", "STAFF_INVITATION_DAYS", "JOBS_PERIODIC_SECONDS")]
    assert len(names) > 20
    assert [n for n in names if f"HEARING_{n}" not in readme] == []
