"""Moderation before publication and the published pages: nothing public before staff approve it and the
deadline has passed; late responses decided one by one; hide with a reason; redact beside the original;
search, filters, pages, stable links and exports of the published set; formal statements with attachments."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from hearing.extensions import db
from hearing.grouping import public_submissions
from hearing.models import (
    Attachment,
    AuditEvent,
    Invitation,
    utcnow,
)
from hearing.privacy.checklist import check_list
from hearing.reporting import moderation
from tests.conftest import download_public, hidden_fields, text_of
from tests.test_translations import compiled  # noqa: F401  (fixture: the .mo files are current)


@pytest.fixture
def world(make_activity, make_submission, make_user):
    hearing = make_activity("hearing", title="Høring om helseplanen", sections=(("Mat", ""), ("Transport", "")),
                            groups=("Innbyggere", ("Eldrerådet", "council")),
                            opens_dt=utcnow() - timedelta(days=50), closes_dt=utcnow() + timedelta(days=1))
    hearing.document.title = "Helseplanen"
    groups = {g.name: g for g in hearing.process.groups}
    citizens, council = groups["Innbyggere"], groups["Eldrerådet"]
    reviewer = make_user("reviewer")

    def response(text, *, consent="without_name", name=None, body=None, late=False, section=None, group=citizens,
                 invitation=None, moderation="pending", case=None, meeting=None):
        return make_submission(hearing, [text], section=section, group_id=group.id, consent=consent, respondent_name=name,
                               on_behalf_of=body, is_late=late, invitation_id=invitation.id if invitation else None,
                               moderation=moderation, case_reference=case, meeting_date=meeting)

    return {"process": hearing.process, "hearing": hearing, "response": response, "reviewer": reviewer,
            "doc": hearing.document, "council": council, "citizens": citizens}


def close(activity):
    activity.closes_dt = utcnow() - timedelta(minutes=1)
    db.session.commit()


def public_refs(activity) -> set[str]:
    return {s.reference for s in db.session.scalars(public_submissions(utcnow(), activity_id=activity.id))}


def test_nothing_is_public_before_approval_and_the_deadline(client, world):
    hearing, response = world["hearing"], world["response"]
    waiting = response("Venter på kommunen")
    approved = response("Godkjent før fristen", moderation="approved")
    secret = response("Ikke til publisering", consent="not_published", moderation="approved")
    db.session.commit()
    assert public_refs(hearing) == set()  # before the deadline nothing, approved or not
    assert "Godkjent før fristen" not in text_of(client.get(f"/delta/{hearing.id}/svar"))
    close(hearing)
    assert public_refs(hearing) == {approved.reference}
    page = text_of(client.get(f"/delta/{hearing.id}/svar"))
    assert "Godkjent før fristen" in page and "Venter på kommunen" not in page and "Ikke til publisering" not in page
    assert client.get(f"/delta/{hearing.id}/svar/{waiting.reference}").status_code == 404
    assert client.get(f"/delta/{hearing.id}/svar/{secret.reference}").status_code == 404
    assert "Godkjent før fristen" in text_of(client.get(f"/delta/{hearing.id}/svar/{approved.reference}"))


def test_bulk_approval_leaves_late_responses_for_their_own_decision(client, world):
    hearing, response, reviewer = world["hearing"], world["response"], world["reviewer"]
    on_time = [response(f"I tide {i}") for i in range(3)]
    late = response("For sent, men viktig", late=True)
    db.session.commit()
    client.login(reviewer.email)
    url = f"/moderation/activity/{hearing.id}"
    page = client.get(url).get_data(as_text=True)
    assert "Kom etter fristen" in page and f'name="ids" value="{late.id}"' not in page
    fields = hidden_fields(page, action=f"{url}/approve")
    r = client.post(f"{url}/approve", data={**fields, "ids": [str(s.id) for s in (*on_time, late)], "bulk": "picked"},
                    follow_redirects=True)
    assert "3 svar er godkjent" in text_of(r) and "etter fristen og må avgjøres for seg" in text_of(r)
    db.session.expire_all()
    assert [s.moderation for s in on_time] == ["approved"] * 3 and late.moderation == "pending"
    # the late one by its own button: an explicit decision, audited as late
    r = client.post(f"{url}/approve", data={**fields, "approve_one": str(late.id)}, follow_redirects=True)
    db.session.expire_all()
    assert late.moderation == "approved" and late.moderated_by_id == reviewer.id
    events = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "submission.approve")).all()
    assert len(events) == 4 and [e.data["late"] for e in events].count(True) == 1
    assert {e.data["bulk"] for e in events} == {True, False}


def test_approve_all_on_the_page_by_keyboard_button(client, world):
    hearing, response = world["hearing"], world["response"]
    subs = [response(f"Svar {i}") for i in range(4)] + [response("Sent", late=True)]
    db.session.commit()
    client.login(world["reviewer"].email)
    url = f"/moderation/activity/{hearing.id}"
    page = client.get(url).get_data(as_text=True)
    assert "Godkjenn alle 4 svar på siden som kom i tide" in text_of(client.get(url))
    fields = hidden_fields(page, action=f"{url}/approve")
    page_ids = [str(s.id) for s in subs[:4]]
    client.post(f"{url}/approve", data={**fields, "page_ids": page_ids, "bulk": "page"})
    db.session.expire_all()
    assert [s.moderation for s in subs] == ["approved"] * 4 + ["pending"]


def test_hide_needs_a_reason_and_keeps_what_was_typed(client, world):
    hearing, response = world["hearing"], world["response"]
    sub = response("Dette er reklame for en nettbutikk")
    db.session.commit()
    client.login(world["reviewer"].email)
    url = f"/moderation/response/{sub.id}"
    fields = hidden_fields(client.get(url).get_data(as_text=True))
    r = client.post(url, data={**fields, "decision": "hide", "reason": "", f"text-{sub.inputs[0].id}": "Endret tekst"})
    assert r.status_code == 422 and "Skriv hvorfor svaret skjules" in text_of(r)
    assert "Endret tekst" in r.get_data(as_text=True)  # what staff typed is kept
    r = client.post(url, data={**fields, "decision": "hide", "reason": "Reklame, ikke et høringssvar"})
    assert r.status_code == 302
    db.session.expire_all()
    assert sub.moderation == "hidden" and sub.moderation_reason == "Reklame, ikke et høringssvar"
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "submission.hide"))
    assert event.data["reason"] == "Reklame, ikke et høringssvar"
    close(hearing)
    assert public_refs(hearing) == set()


def test_redaction_is_stored_beside_the_original_and_only_it_is_public(client, world):
    hearing, response = world["hearing"], world["response"]
    original = "Jeg snakket med Per Hansen om dette, han har demens og trenger mer hjelp om kvelden."
    sub = response(original)
    db.session.commit()
    inp = sub.inputs[0]
    client.login(world["reviewer"].email)
    url = f"/moderation/response/{sub.id}"
    page = text_of(client.get(url))
    assert "Mulig navn på en annen person: «Per Hansen»" in page and "Mulig helseopplysning: «demens»" in page
    fields = hidden_fields(client.get(url).get_data(as_text=True))
    r = client.post(url, data={**fields, "decision": "redact", f"text-{inp.id}": inp.text_masked})
    assert r.status_code == 422 and "Ingen tekst er endret" in text_of(r)
    redacted = "Jeg snakket med [fjernet] om dette, [fjernet] trenger mer hjelp om kvelden."
    assert client.post(url, data={**fields, "decision": "redact", f"text-{inp.id}": redacted}).status_code == 302
    db.session.expire_all()
    assert sub.moderation == "redacted" and inp.text_redacted == redacted
    assert inp.text == original and "Per Hansen" in inp.text_masked  # the original and masked text stay
    assert db.session.scalar(sa.select(AuditEvent.data).where(AuditEvent.action == "submission.redact"))["inputs"] == [inp.id]
    close(hearing)
    page = text_of(client.get(f"/delta/{hearing.id}/svar"))
    assert redacted in page and "Per Hansen" not in page and "demens" not in page
    # search finds only what is published: not the words staff removed
    assert "1 publisert svar" in text_of(client.get(f"/delta/{hearing.id}/svar?q=kvelden"))
    assert "Ingen publiserte svar passer" in text_of(client.get(f"/delta/{hearing.id}/svar?q=demens"))


def test_a_changed_response_waits_for_a_new_decision(world):
    from hearing.participation import services as participation

    sub = world["response"]("Første versjon", moderation="approved")
    sub.inputs[0].text_redacted = "Første [fjernet]"
    db.session.commit()
    data = participation.response_data_of(sub)
    data.statement = "Andre versjon"
    participation.update_response(db.session, sub, data, upload_folder="/tmp")
    db.session.expire_all()
    assert sub.moderation == "pending"
    assert sub.inputs[0].text_redacted is None


def test_withdrawn_responses_cannot_be_approved(world):
    sub = world["response"]("Trukket")
    sub.is_withdrawn, sub.withdrawn_dt = True, utcnow()
    db.session.commit()
    with pytest.raises(moderation.ServiceError):
        moderation.approve(db.session, world["reviewer"], sub)


@pytest.mark.usefixtures("compiled")
def test_published_page_searches_filters_pages_and_exports(client, world):
    hearing, response, doc = world["hearing"], world["response"], world["doc"]
    food, transport = doc.sections
    for i in range(30):
        response(f"Bedre mat nummer {i}", section=food, moderation="approved")
    for i in range(5):
        response(f"Flere busser nummer {i}", section=transport, moderation="approved", group=world["council"])
    response("Venter fortsatt", section=transport)
    db.session.commit()
    close(hearing)
    url = f"/delta/{hearing.id}/svar"
    first = text_of(client.get(url))
    assert "35 publiserte svar" in first and "Viser 1–25 av 35" in first
    assert "Viser 26–35 av 35" in text_of(client.get(f"{url}?page=2"))
    assert "5 publiserte svar" in text_of(client.get(f"{url}?del={transport.id}"))
    assert "5 publiserte svar" in text_of(client.get(f"{url}?gruppe={world['council'].id}"))
    assert "1 publisert svar" in text_of(client.get(f"{url}?q=nummer 12"))
    r = download_public(client, f"/delta/{hearing.id}/svar.csv?del={transport.id}")
    assert r.status_code == 200 and "attachment" in r.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(r.get_data(as_text=True).lstrip("\ufeff")), delimiter=";"))
    assert len(rows) == 6 and rows[0][0] == "Referanse" and "Venter fortsatt" not in r.get_data(as_text=True)
    assert rows[1][-1].endswith(f"/delta/{hearing.id}/svar/{rows[1][0]}")  # the stable link of each answer
    x = download_public(client, f"/delta/{hearing.id}/svar.xlsx")
    assert x.status_code == 200 and x.data[:2] == b"PK"
    # downloaded from the English page: headers and words in English
    client.get(f"{url}?lang=en")
    en = list(csv.reader(io.StringIO(download_public(client, f"/delta/{hearing.id}/svar.csv").get_data(as_text=True)
                                     .lstrip("\ufeff")),
                         delimiter=";"))
    assert en[0][:3] == ["Reference", "Received", "Type"] and en[0][-2:] == ["Text", "Link"]
    assert {row[2] for row in en[1:]} == {"Private individual"} and {row[7] for row in en[1:]} == {"No"}


def test_councils_statement_is_published_with_body_date_case_and_approved_attachment(client, world, app):
    hearing, response = world["hearing"], world["response"]
    hearing.audience = "invited"
    invitation = Invitation(activity=hearing, group=world["council"], body_name="Eldrerådet", token_hash="x" * 64)
    db.session.add(invitation)
    db.session.flush()
    sub = response("Eldrerådet støtter planen, men ber om flere dagsenterplasser.", consent="with_name",
                   name="Kari Leder 912 34 567", body="Eldrerådet", invitation=invitation, group=world["council"],
                   case="2026/123", meeting=date(2026, 11, 20))
    folder = Path(app.config["UPLOAD_FOLDER"])
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "vedtak.pdf").write_bytes(b"%PDF-1.4 vedtak")
    (folder / "privat.pdf").write_bytes(b"%PDF-1.4 privat")
    public_att = Attachment(submission_id=sub.id, filename="Vedtak.pdf", content_type="application/pdf", size=15,
                            sha256="0" * 64, storage_name="vedtak.pdf")
    private_att = Attachment(submission_id=sub.id, filename="Privat.pdf", content_type="application/pdf", size=15,
                             sha256="1" * 64, storage_name="privat.pdf")
    db.session.add_all([public_att, private_att])
    db.session.commit()
    moderation.approve(db.session, world["reviewer"], sub, public_attachment_ids={public_att.id})
    db.session.commit()
    close(hearing)
    page = text_of(client.get(f"/delta/{hearing.id}/svar"))  # an invited hearing's statements are public too
    assert "Formell uttalelse" in page and "Eldrerådet" in page and "Saksnummer 2026/123" in page
    assert "Møtedato 20. november 2026" in page and "912 34 567" not in page
    assert "Vedtak.pdf" in page and "Privat.pdf" not in page
    base = f"/delta/{hearing.id}/svar/{sub.reference}/vedlegg"
    r = client.get(f"{base}/{public_att.id}")
    assert r.data == b"%PDF-1.4 vedtak" and "attachment" in r.headers["Content-Disposition"]
    r.close()
    assert client.get(f"{base}/{private_att.id}").status_code == 404
    assert "Uttalelser fra råd" in page
    assert "1 publisert svar" in text_of(client.get(f"/delta/{hearing.id}/svar?type=statement"))
    assert "0 publiserte svar" in text_of(client.get(f"/delta/{hearing.id}/svar?type=private"))


def test_hearing_document_downloads_as_pdf(client, world):
    hearing = world["hearing"]
    world["doc"].sections[0].body = "Alle skal få **god mat**."
    db.session.commit()
    r = download_public(client, f"/delta/{hearing.id}/dokument.pdf")
    assert r.status_code == 200 and r.data[:5] == b"%PDF-" and "attachment" in r.headers["Content-Disposition"]
    from pypdf import PdfReader

    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(r.data)).pages)
    assert "Helseplanen" in text and "god mat" in text


def test_report_counts_only_approved_responses(world, make_user):
    from hearing.models import Theme, ThemeAssignment, ThemeRun
    from hearing.reporting import services

    response = world["response"]
    subs = [response("Godkjent innspill om mat", consent="with_name", name="Ola", moderation="approved"),
            response("Ventende innspill om mat", consent="with_name", name="Kari")]
    run = ThemeRun(process_id=world["process"].id)
    theme = Theme(position=1, auto_label="mat", name="Mat")
    run.themes = [theme]
    db.session.add(run)
    db.session.flush()
    for s in subs:
        db.session.add(ThemeAssignment(run_id=run.id, input_id=s.inputs[0].id, theme_id=theme.id))
    close(world["hearing"])
    report = services.create_report(db.session, world["reviewer"], world["process"], {"run_id": run.id})
    view = services.build_report(db.session, report)
    assert view.total == 1 and [q.text for t in view.themes for q in t.quotes] == ["Godkjent innspill om mat"]


def test_check_list_points_out_what_masking_could_not_decide():
    kinds = [(c.kind, c.text) for c in check_list("Vi møtte naboen Kari i går. Hun har diabetes og får insulin.")]
    assert kinds == [("name", "Kari"), ("health", "diabetes"), ("health", "insulin")]
    assert check_list("Sykkelveien langs Storgata bør bli bredere.") == []


def test_queue_pages_ask_for_the_reviewer_role(client, world, make_user):
    sub = world["response"]("Noe")
    db.session.commit()
    client.login(make_user("facilitator").email)
    assert client.get(f"/moderation/activity/{world['hearing'].id}").status_code == 403
    assert client.get(f"/moderation/response/{sub.id}").status_code == 403
