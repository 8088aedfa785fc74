"""Administrator and reviewer side of participation: document import, invitations, responses and results."""

from __future__ import annotations

import io
import re
from datetime import timedelta

import docx
import sqlalchemy as sa

from hearing.admin.documents import sections_from_markdown
from hearing.extensions import db
from hearing.models import (
    Activity,
    Answer,
    Attachment,
    AuditEvent,
    Input,
    Invitation,
    Prompt,
    Section,
    StakeholderGroup,
    Submission,
    utcnow,
)
from tests.conftest import hidden_fields, text_of


def make_hearing(process, **kw):
    values = {"kind": "hearing", "title": "Høring", "audience": "public",
              "opens_dt": utcnow() - timedelta(days=1), "closes_dt": utcnow() + timedelta(days=50), **kw}
    activity = Activity(process=process, **values)
    db.session.add(activity)
    db.session.commit()
    return activity


def test_markdown_headings_become_numbered_sections():
    drafts = sections_from_markdown("Forord.\n\n# Her er vi\nTekst 1\n## Heltid\nTekst 2\n# Slik vil vi ha det\nTekst 3")
    assert [(d.level, d.title, d.body) for d in drafts] == [
        (1, "Innledning", "Forord."), (1, "Her er vi", "Tekst 1"), (2, "Heltid", "Tekst 2"), (1, "Slik vil vi ha det", "Tekst 3")]


def test_write_document_as_markdown(admin_client, make_process):
    hearing = make_hearing(make_process())
    url = f"/admin/activities/{hearing.id}/document"
    r = admin_client.submit(url, {"title": "Høringsutkast", "markdown": "# Her er vi\nFlere eldre.\n## Heltid\nDeltid er vanlig.\n# Slik kommer vi dit\nStrategier."})
    assert r.status_code == 302
    sections = db.session.scalars(sa.select(Section).order_by(Section.position)).all()
    assert [(s.number, s.title, s.level) for s in sections] == [("1", "Her er vi", 1), ("1.1", "Heltid", 2), ("2", "Slik kommer vi dit", 1)]
    assert "# Her er vi" in admin_client.get(url).get_data(as_text=True)  # editable again as Markdown


def test_import_docx_keeps_headings_as_sections(admin_client, make_process):
    hearing = make_hearing(make_process())
    d = docx.Document()
    d.add_heading("Strategiplan", level=0)
    d.add_paragraph("Innledende tekst.")
    d.add_heading("Her er vi", level=1)
    d.add_paragraph("Dagens situasjon.")
    d.add_heading("Velferdsteknologi", level=2)
    d.add_paragraph("Trygghetsalarmer.")
    buf = io.BytesIO()
    d.save(buf)
    page = admin_client.get(f"/admin/activities/{hearing.id}/document").get_data(as_text=True)
    from tests.conftest import hidden_fields

    fields = {**hidden_fields(page), "title": "Fra Word", "markdown": "", "upload": (io.BytesIO(buf.getvalue()), "utkast.docx")}
    r = admin_client.post(f"/admin/activities/{hearing.id}/document", data=fields, content_type="multipart/form-data")
    assert r.status_code == 302, text_of(r)
    sections = db.session.scalars(sa.select(Section).order_by(Section.position)).all()
    assert [(s.title, s.body) for s in sections] == [("Strategiplan", "Innledende tekst."), ("Her er vi", "Dagens situasjon."), ("Velferdsteknologi", "Trygghetsalarmer.")]
    assert sections[2].number == "2.1"


def test_document_with_comments_is_not_replaced(admin_client, make_process):
    hearing = make_hearing(make_process())
    admin_client.submit(f"/admin/activities/{hearing.id}/document", {"title": "Utkast", "markdown": "# A\nTekst"})
    section = db.session.scalar(sa.select(Section))
    db.session.add(Input(activity=hearing, section=section, text="Kommentar"))
    db.session.commit()
    r = admin_client.submit(f"/admin/activities/{hearing.id}/document", {"title": "Utkast 2", "markdown": "# B\nNy"})
    assert r.status_code == 200 and "kan ikke erstattes" in text_of(r)
    assert db.session.scalar(sa.select(Section.title)) == "A"


def test_create_and_revoke_invitation_links(admin_client, make_process, client):
    process = make_process()
    council = StakeholderGroup(process=process, name="Eldrerådet", category="council")
    db.session.add(council)
    hearing = make_hearing(process, audience="invited")
    url = f"/admin/activities/{hearing.id}/invitations"
    page = admin_client.get(url).get_data(as_text=True)
    fields = {**hidden_fields(page), "body_name": "Eldrerådet", "group_id": str(council.id)}
    first, second = (admin_client.post(url, data=fields) for _ in range(2))  # a double click
    assert first.location == second.location
    assert db.session.scalar(sa.select(sa.func.count(Invitation.id))) == 1
    r = admin_client.get(first.location)
    link = re.search(r'id="secret" type="text" value="(http://localhost/invitasjon/[\w-]+)"', r.get_data(as_text=True)).group(1)
    assert link in admin_client.get(second.location).get_data(as_text=True)  # the same link, shown again
    inv = db.session.scalar(sa.select(Invitation))
    assert inv.group_id == council.id and link.split("/")[-1] not in inv.token_hash
    assert client.get(link.replace("http://localhost", "")).status_code == 200
    page = text_of(admin_client.get(url))
    assert "Eldrerådet" in page and "Aktiv" in page and link not in page  # the link is shown only once
    admin_client.submit(url, action=f"/admin/invitations/{inv.id}/revoke")
    assert client.get(link.replace("http://localhost", "")).status_code == 410
    assert admin_client.get(first.location).status_code == 410  # a revoked link is not shown again


def test_survey_results_per_group_for_reviewers(client, make_user, make_process):
    process = make_process()
    leaders = StakeholderGroup(process=process, name="Ledere", category="employees")
    staff = StakeholderGroup(process=process, name="Ansatte", category="employees")
    survey = Activity(process=process, kind="survey", title="Undersøkelse")
    rating = Prompt(activity=survey, position=1, text="Hvor godt?", question_type="rating")
    choice = Prompt(activity=survey, position=2, text="Viktigst?", question_type="single_choice", options=["Heltid", "Mat"])
    db.session.add_all([leaders, staff, survey, rating, choice])
    for i, (group, value, pick) in enumerate([(leaders, 4, "Heltid"), (leaders, 2, "Heltid"), (staff, 5, "Mat")]):
        sub = Submission(activity=survey, group=group, reference=f"S-{i}", submission_key=f"k{i}", edit_token_hash=f"{i:064d}", consent="not_published")
        db.session.add_all([sub, Answer(submission=sub, prompt=rating, rating=value), Answer(submission=sub, prompt=choice, choices=[pick])])
    db.session.commit()
    client.login(make_user("reviewer").email)
    page = text_of(client.get(f"/admin/activities/{survey.id}/responses"))
    assert "Ledere 2 3,0" in page and "Ansatte 1 5,0" in page and "Alle 3 3,7" in page  # Norwegian decimal comma
    assert "Ledere 2 0" in page  # two chose Heltid, none Mat


def test_attachments_served_to_reviewers_only_as_download(client, app, make_user, make_process, tmp_path):
    process = make_process()
    hearing = make_hearing(process)
    sub = Submission(activity=hearing, reference="H-1", submission_key="k", edit_token_hash="0" * 64, consent="not_published")
    folder = tmp_path / "uploads"
    folder.mkdir(exist_ok=True)
    (folder / "abc").write_bytes(b"<html><script>alert(1)</script></html>")
    att = Attachment(submission=sub, filename="x.txt", content_type="text/plain", size=10, sha256="0" * 64, storage_name="abc")
    db.session.add_all([sub, att])
    db.session.commit()
    assert client.get(f"/admin/attachments/{att.id}").status_code == 302
    client.login(make_user("facilitator").email)
    assert client.get(f"/admin/attachments/{att.id}").status_code == 403
    client.submit("/staff", action="/logout")
    reviewer = make_user("reviewer")
    client.login(reviewer.email)
    warning = client.get(f"/admin/attachments/{att.id}")  # a warning first, then a confirmed download
    assert warning.status_code == 200 and "ikke maskert" in text_of(warning)
    r = client.post(f"/admin/attachments/{att.id}", data=hidden_fields(warning.get_data(as_text=True),
                                                                          action=f"/admin/attachments/{att.id}"))
    assert r.status_code == 200 and r.headers["Content-Disposition"].startswith("attachment")
    assert r.headers["Content-Type"].startswith("text/plain") and r.headers["X-Content-Type-Options"] == "nosniff"
    r.close()
    events = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "attachment.download")).all()
    assert len(events) == 1  # the refused tries are not downloads
    event = events[0]
    assert (event.actor_id, event.object_id, event.process_id) == (reviewer.id, att.id, process.id)
    assert event.data["submission_id"] == sub.id


def test_front_page_lists_closed_hearings_with_published_responses(client, make_process):
    hearing = make_hearing(make_process())
    hearing.closes_dt = utcnow() - timedelta(days=1)
    hearing.opens_dt = utcnow() - timedelta(days=50)
    db.session.commit()
    assert f"/delta/{hearing.id}/svar" in client.get("/").get_data(as_text=True)
