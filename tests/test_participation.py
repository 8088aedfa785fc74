"""Answering hearings, surveys and suggestion boxes; invitations, receipts, edits, late and duplicate POSTs."""

from __future__ import annotations

import gc
import io
import re
import zipfile
from datetime import timedelta

import pytest
import sqlalchemy as sa

from hearing.extensions import db
from hearing.models import (
    Answer,
    Attachment,
    Input,
    StakeholderGroup,
    Submission,
    utcnow,
)
from hearing.participation import services
from tests.conftest import hidden_fields, text_of


@pytest.fixture
def world(make_process, make_activity):
    process = make_process()
    opened = utcnow() - timedelta(days=1)
    hearing = make_activity("hearing", process=process, opens_dt=opened,
                            groups=[("Innbyggere", "citizens"), ("Eldrerådet", "council"), ("Ledere", "employees")],
                            sections=[("Innledning", "Planen gjelder **alle**."), ("Heltid", "Flere heltidsstillinger.")])
    survey = make_activity("survey", process=process, opens_dt=opened, closes_dt=utcnow() + timedelta(days=10), prompts=[
        {"text": "Hvor fornøyd er du?", "question_type": "rating", "is_required": True},
        {"text": "Viktigst?", "question_type": "single_choice", "options": ["Heltid", "Mat"]},
        {"text": "Hva bruker du?", "question_type": "multiple_choice", "options": ["Alarm", "Dispenser", "Nettbrett"]},
        {"text": "Hva mangler?", "question_type": "free_text"},
    ])
    box = make_activity("suggestions", process=process, opens_dt=opened, closes_dt=utcnow() + timedelta(days=10))
    groups = {g.name: g for g in db.session.scalars(sa.select(StakeholderGroup).where(StakeholderGroup.process_id == process.id))}
    return {"process": process, "hearing": hearing, "survey": survey, "box": box, "groups": groups, "doc": hearing.document}


def post_response(client, url, data, files=None, *, fields=None):
    fields = fields or hidden_fields(client.get(url).get_data(as_text=True))
    payload = {**fields, **data}
    if files:
        payload["attachments"] = files
    return client.post(url, data=payload, content_type="multipart/form-data"), fields


def receipt_token(response) -> str:
    return re.search(r"/svar/([^/?]+)", response.location).group(1)


def test_front_page_lists_open_public_activities(client, world):
    page = client.get("/").get_data(as_text=True)
    assert f'href="/delta/{world["hearing"].id}"' in page and "Benkeforslag" in page


def test_hearing_with_section_comment_statement_and_attachment(client, world):
    hearing, doc = world["hearing"], world["doc"]
    url = f"/delta/{hearing.id}"
    page = client.get(url).get_data(as_text=True)
    assert "<strong>alle</strong>" in page  # the section body is rendered Markdown
    pdf = (io.BytesIO(b"%PDF-1.4\n1 0 obj\n"), "uttalelse.pdf")
    r, _ = post_response(client, url, {
        f"section-{doc.sections[1].id}": "Heltid må gjelde alle yrkesgrupper.",
        "statement": "Vi støtter planen i hovedsak.",
        "respondent_name": "Kari Nordmann", "consent": "with_name", "group_id": str(world["groups"]["Innbyggere"].id),
    }, files=[pdf])
    assert r.status_code == 302
    receipt = client.get(r.location)
    page = text_of(receipt)
    sub = db.session.scalar(sa.select(Submission))
    assert sub.reference in page and sub.reference.startswith("H-")
    assert "Kan publiseres med navn" in page and "Ta vare på denne lenken" in page
    inputs = db.session.scalars(sa.select(Input).order_by(Input.id)).all()
    assert [(i.section_id, i.text) for i in inputs] == [(doc.sections[1].id, "Heltid må gjelde alle yrkesgrupper."), (None, "Vi støtter planen i hovedsak.")]
    assert all(i.group_id == world["groups"]["Innbyggere"].id and i.activity_id == hearing.id for i in inputs)
    att = db.session.scalar(sa.select(Attachment))
    assert att.content_type == "application/pdf"
    assert f"/vedlegg/{att.id}" in receipt.get_data(as_text=True)  # the receipt lists it
    download = client.get(f"/svar/{receipt_token(r)}/vedlegg/{att.id}")
    assert download.status_code == 200 and download.headers["Content-Disposition"].startswith("attachment")
    assert download.get_data().startswith(b"%PDF")
    download.close()
    assert not sub.is_late


def test_double_click_and_replayed_post_create_one_submission(client, world):
    url = f"/delta/{world['box'].id}"
    data = {"statement": "En benk ved Nedre torg", "place_name": "Nedre torg", "consent": "without_name"}
    first, fields = post_response(client, url, data)
    second, _ = post_response(client, url, data, fields=fields)
    assert first.status_code == second.status_code == 302
    assert first.location == second.location
    assert db.session.scalar(sa.select(sa.func.count(Submission.id))) == 1
    assert db.session.scalar(sa.select(Input.place_name)) == "Nedre torg"


def test_survey_answers_become_answers_and_inputs(client, world):
    survey = world["survey"]
    p = {pr.position: pr for pr in survey.prompts}
    r, _ = post_response(client, f"/delta/{survey.id}", {
        f"prompt-{p[1].id}": "4", f"prompt-{p[2].id}": "Mat", f"prompt-{p[3].id}": ["Alarm", "Nettbrett"],
        f"prompt-{p[4].id}": "Mer tid til samtale", "consent": "not_published", "group_id": str(world["groups"]["Ledere"].id),
    })
    assert r.status_code == 302
    answers = {a.prompt_id: a for a in db.session.scalars(sa.select(Answer))}
    assert answers[p[1].id].rating == 4 and answers[p[2].id].choices == ["Mat"] and answers[p[3].id].choices == ["Alarm", "Nettbrett"]
    assert db.session.scalar(sa.select(Input.prompt_id)) == p[4].id
    results = {res.prompt.position: res for res in services.survey_results(db.session, survey)}
    assert results[1].total == (1, 4.0) and results[1].by_group == {"Ledere": (1, 4.0)}
    assert results[3].total == {"Alarm": 1, "Dispenser": 0, "Nettbrett": 1}
    assert results[4].n == 1


def test_bad_input_keeps_what_was_typed_with_norwegian_messages(client, world):
    survey = world["survey"]
    p = {pr.position: pr for pr in survey.prompts}
    r, _ = post_response(client, f"/delta/{survey.id}", {f"prompt-{p[4].id}": "Min lange tekst om tjenestene", f"prompt-{p[2].id}": "Ukjent"})
    assert r.status_code == 422
    html = r.get_data(as_text=True)
    page = text_of(r)
    assert "Dette spørsmålet må besvares." in page and "Velg om svaret kan publiseres." in page and "Velg blant alternativene." in page
    assert "Min lange tekst om tjenestene" in html and 'aria-invalid="true"' in html
    assert db.session.scalar(sa.select(sa.func.count(Submission.id))) == 0


def test_with_name_consent_needs_a_name(client, world):
    r, _ = post_response(client, f"/delta/{world['box'].id}", {"statement": "Forslag", "consent": "with_name"})
    assert r.status_code == 422 and "Skriv navnet ditt" in text_of(r)


def test_invitation_link_statement_on_behalf_of_a_council(client, world, admin_client):
    hearing = world["hearing"]
    inv, token = services.create_invitation(db.session, None, hearing, body_name="Eldrerådet", group=world["groups"]["Eldrerådet"])
    db.session.commit()
    assert len(token) >= 43  # 32 random bytes: well over 128 bits
    url = f"/invitasjon/{token}"
    assert "på vegne av Eldrerådet" in text_of(client.get(url))
    r, _ = post_response(client, url, {"statement": "Eldrerådet støtter planen.", "meeting_date": "2026-11-20",
                                       "case_reference": "2026/1234", "consent": "with_name", "on_behalf_of": "Eldrerådet"})
    assert r.status_code == 422 and "Skriv navnet på den som sender" in text_of(r)
    r, _ = post_response(client, url, {"statement": "Eldrerådet støtter planen.", "meeting_date": "2026-11-20",
                                       "case_reference": "2026/1234", "consent": "with_name", "respondent_name": "Per Leder",
                                       "on_behalf_of": "Eldrerådet"})
    assert r.status_code == 302
    sub = db.session.scalar(sa.select(Submission))
    assert (sub.on_behalf_of, str(sub.meeting_date), sub.case_reference, sub.respondent_name) == ("Eldrerådet", "2026-11-20", "2026/1234", "Per Leder")
    assert sub.invitation_id == inv.id and sub.group_id == world["groups"]["Eldrerådet"].id
    services.revoke_invitation(db.session, None, inv)
    db.session.commit()
    assert client.get(url).status_code == 410
    assert client.get("/invitasjon/gjettet-token").status_code == 404


def test_invited_only_activity_is_not_public(client, world):
    hearing = world["hearing"]
    hearing.audience = "invited"
    db.session.commit()
    assert client.get(f"/delta/{hearing.id}").status_code == 404


def test_late_response_is_stored_and_flagged(client, world):
    box = world["box"]
    box.closes_dt = utcnow() - timedelta(hours=1)
    db.session.commit()
    page = text_of(client.get(f"/delta/{box.id}"))
    assert "Fristen gikk ut" in page
    r, _ = post_response(client, f"/delta/{box.id}", {"statement": "Sent forslag", "consent": "without_name"})
    assert r.status_code == 302
    assert db.session.scalar(sa.select(Submission.is_late)) is True
    assert "kom etter fristen" in text_of(client.get(r.location))


def test_upcoming_activity_says_when_it_opens(client, world):
    box = world["box"]
    box.opens_dt = utcnow() + timedelta(days=3)
    db.session.commit()
    page = client.get(f"/delta/{box.id}")
    assert "Denne aktiviteten åpner" in text_of(page) and 'name="statement"' not in page.get_data(as_text=True)


def test_edit_and_withdraw_until_deadline(client, world):
    r, _ = post_response(client, f"/delta/{world['box'].id}", {"statement": "Første versjon", "consent": "without_name"})
    token = receipt_token(r)
    edit_url = f"/svar/{token}/endre"
    assert "Første versjon" in client.get(edit_url).get_data(as_text=True)
    r2, _ = post_response(client, edit_url, {"statement": "Andre versjon", "consent": "not_published"})
    assert r2.status_code == 302
    assert db.session.scalar(sa.select(Input.text)) == "Andre versjon"
    assert db.session.scalar(sa.select(Submission.consent)) == "not_published"
    r3 = client.post(f"/svar/{token}/trekk", data=hidden_fields(client.get(f"/svar/{token}").get_data(as_text=True), action=f"/svar/{token}/trekk"))
    assert r3.status_code == 302
    sub = db.session.scalar(sa.select(Submission))
    assert sub.is_withdrawn and sub.withdrawn_dt is not None
    assert "Svaret ble trukket" in text_of(client.get(f"/svar/{token}"))


def test_no_changes_after_the_deadline(client, world):
    r, _ = post_response(client, f"/delta/{world['box'].id}", {"statement": "Før fristen", "consent": "without_name"})
    world["box"].closes_dt = utcnow() - timedelta(minutes=1)
    db.session.commit()
    token = receipt_token(r)
    assert client.get(f"/svar/{token}/endre").status_code == 302
    assert "Endre svaret" not in text_of(client.get(f"/svar/{token}"))


def test_published_responses_after_deadline_respect_consent_and_mask(client, world):
    box = world["box"]
    for consent, name, text in [("with_name", "Ola", "Ring meg på 912 34 567"), ("without_name", "Kari", "Benk ved kirka"),
                                ("not_published", "Per", "Hemmelig forslag")]:
        post_response(client, f"/delta/{box.id}", {"statement": text, "consent": consent, "respondent_name": name})
    assert "etter fristen" in text_of(client.get(f"/delta/{box.id}/svar"))
    box.closes_dt = utcnow() - timedelta(minutes=1)
    db.session.commit()
    assert "Benk ved kirka" not in text_of(client.get(f"/delta/{box.id}/svar"))  # not before staff approve
    for sub in db.session.scalars(sa.select(Submission)):
        sub.moderation = "approved"
    db.session.commit()
    page = text_of(client.get(f"/delta/{box.id}/svar"))
    assert "Ola" in page and "[telefon]" in page and "912 34 567" not in page
    assert "Benk ved kirka" in page and "Kari" not in page
    assert "Hemmelig forslag" not in page


# Werkzeug's test client spools a large request body to a temporary file it does not close.
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning", "ignore::ResourceWarning")
@pytest.mark.parametrize(("filename", "content", "message"), [
    ("virus.pdf", b"MZ\x90\x00 not a pdf", "filtype vi ikke tar imot"),
    ("stor.pdf", b"%PDF-" + b"0" * (10 * 1024 * 1024), "større enn 10 MB"),
    ("side.html.txt", b"\x00\x01binary", "to filendelser"),
])
def test_bad_uploads_are_refused_with_text_kept(client, world, filename, content, message):
    r, _ = post_response(client, f"/delta/{world['hearing'].id}", {"statement": "Min uttalelse", "consent": "without_name"},
                         files=[(io.BytesIO(content), filename)])
    assert r.status_code == 422
    assert message in text_of(r) and "Min uttalelse" in r.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(Submission.id))) == 0
    gc.collect()  # collect the client's spooled body here, under this test's warning filter


def test_a_refused_file_type_is_explained_in_the_readers_language(client, world):
    url = f"/delta/{world['hearing'].id}?lang=en"
    r, _ = post_response(client, url, {"statement": "My statement", "consent": "without_name"},
                         files=[(io.BytesIO(b"MZ\x90\x00 not a pdf"), "virus.pdf")])
    assert r.status_code == 422
    assert "Use PDF, DOCX, ODT, TXT, PNG or JPEG." in text_of(r) and "eller" not in text_of(r).split("Use PDF")[1][:60]


def test_docx_and_odt_are_recognised_by_content():
    from hearing.participation.uploads import sniff

    def zipped(files):
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as z:
            for name, data in files.items():
                z.writestr(name, data)
        return buf.getvalue()

    assert sniff(zipped({"word/document.xml": "<w/>"})).endswith("wordprocessingml.document")
    assert sniff(zipped({"mimetype": "application/vnd.oasis.opendocument.text", "content.xml": "<x/>"})).endswith("opendocument.text")
    assert sniff(zipped({"evil.exe": "x"})) is None
    assert sniff("Vanlig tekst æøå".encode()) == "text/plain"


def test_rate_limit_says_why_and_keeps_text(client, world, app):
    app.config["PUBLIC_RATE_LIMIT"] = "3/minute"
    url = f"/delta/{world['box'].id}"
    codes = []
    for i in range(4):
        r, _ = post_response(client, url, {"statement": f"Forslag nummer {i}", "consent": "without_name"})
        codes.append(r.status_code)
    assert codes == [302, 302, 302, 429]
    assert "Vent et minutt" in text_of(r) and "Forslag nummer 3" in r.get_data(as_text=True)


def test_honeypot_stops_bots_but_keeps_text(client, world):
    r, _ = post_response(client, f"/delta/{world['box'].id}", {"statement": "Kjøp billig", "consent": "without_name", "website": "http://spam"})
    assert r.status_code == 400 and "spamfilteret" in text_of(r) and "Kjøp billig" in r.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(Submission.id))) == 0


def test_database_failure_gives_clear_page_with_typed_text(client, world, monkeypatch):
    def broken_commit():
        raise sa.exc.OperationalError("INSERT", {}, Exception("database is locked"))

    monkeypatch.setattr(db.session, "commit", broken_commit)
    r, _ = post_response(client, f"/delta/{world['box'].id}", {"statement": "Teksten min må ikke forsvinne", "consent": "without_name"})
    assert r.status_code == 503
    assert "Vi klarte ikke å lagre svaret ditt" in text_of(r)
    assert "Teksten min må ikke forsvinne" in r.get_data(as_text=True)
    monkeypatch.undo()
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count(Submission.id))) == 0


def test_missing_csrf_keeps_text(client, world):
    r = client.post(f"/delta/{world['box'].id}", data={"statement": "Uten token", "consent": "without_name"})
    assert r.status_code == 400 and "Uten token" in r.get_data(as_text=True)


def test_database_gone_before_the_form_is_read_gives_the_text_back(client, world, monkeypatch):
    url = f"/delta/{world['box'].id}"
    fields = hidden_fields(client.get(url).get_data(as_text=True))

    def gone(*args, **kwargs):
        raise sa.exc.OperationalError("SELECT", {}, Exception("server closed the connection unexpectedly"))

    monkeypatch.setattr(services, "public_activity", gone)
    r = client.post(url, data={**fields, "statement": "Teksten kommer tilbake", "consent": "without_name"})
    assert r.status_code == 503
    assert "midlertidig utilgjengelig" in text_of(r) and "Teksten kommer tilbake" in r.get_data(as_text=True)


def test_a_new_response_schedules_embedding_and_placement(client, world):
    from hearing.models import Job

    post_response(client, f"/delta/{world['box'].id}", {"statement": "Benk ved kaia", "consent": "without_name"})
    post_response(client, f"/delta/{world['box'].id}", {"statement": "Benk ved kirka", "consent": "without_name"})
    jobs = db.session.scalars(sa.select(Job).where(Job.status == "queued")).all()
    assert len(jobs) == 1 and jobs[0].kind in ("themes.embed", "themes.place")


def test_editing_a_response_keeps_the_review_groups_work(client, world, make_user):
    """A text that stays keeps its row: its assessment, theme and draft links survive the edit."""
    from hearing.models import Assessment, Theme, ThemeAssignment, ThemeRun

    doc = world["doc"]
    s1, s2 = (f"section-{s.id}" for s in doc.sections)
    url = f"/delta/{world['hearing'].id}"
    r, _ = post_response(client, url, {s1: "Bra innledning", s2: "Mer heltid, takk", "consent": "without_name"})
    token = receipt_token(r)
    first, second = db.session.scalars(sa.select(Input).order_by(Input.id)).all()
    run = ThemeRun(process_id=world["process"].id)
    run.themes = [Theme(position=1, auto_label="heltid")]
    db.session.add(run)
    db.session.flush()
    db.session.add(ThemeAssignment(run_id=run.id, input_id=second.id, theme_id=run.themes[0].id))
    db.session.add(Assessment(input_id=second.id, decision="adopted", reason=""))
    db.session.add(Assessment(input_id=first.id, decision="not_relevant", reason="Gjelder ikke planen"))
    db.session.commit()
    second_id, first_id = second.id, first.id

    # The person drops the first comment, sharpens the second and adds a statement.
    r2, _ = post_response(client, f"/svar/{token}/endre",
                          {s2: "Mer heltid for alle, takk", "statement": "Samlet: bra plan", "consent": "without_name"})
    assert r2.status_code == 302
    db.session.expire_all()
    kept = db.session.get(Input, second_id)
    assert kept.text == "Mer heltid for alle, takk" and kept.updated_dt is not None
    assert kept.assessment is not None and kept.assessment.decision == "adopted"
    assert db.session.scalar(sa.select(ThemeAssignment.theme_id).where(ThemeAssignment.input_id == second_id)) == run.themes[0].id
    assert db.session.get(Input, first_id) is None  # removed by the person, with its assessment
    assert db.session.scalar(sa.select(sa.func.count(Assessment.id))) == 1
    texts = sorted(db.session.scalars(sa.select(Input.text)))
    assert texts == ["Mer heltid for alle, takk", "Samlet: bra plan"]


@pytest.mark.parametrize("value", ["12", "45", "0", "6", "1.5"])
def test_a_rating_outside_1_to_5_gets_a_message_not_an_error_page(client, world, value):
    survey = world["survey"]
    rating = survey.prompts[0]
    r, _ = post_response(client, f"/delta/{survey.id}", {f"prompt-{rating.id}": value, "consent": "without_name"})
    assert r.status_code == 422 and db.session.scalar(sa.select(sa.func.count(Submission.id))) == 0


def test_files_chosen_before_an_error_are_named_to_be_chosen_again(client, world):
    url = f"/delta/{world['hearing'].id}"
    pdf = (io.BytesIO(b"%PDF-1.4\n1 0 obj\n"), "uttalelse fra rådet.pdf")
    r, _ = post_response(client, url, {"statement": "Vi støtter planen."}, files=[pdf])  # no consent chosen
    assert r.status_code == 422
    page = text_of(r)
    assert "Velg dem på nytt før du sender: uttalelse fra rådet.pdf" in page
    assert "Vi støtter planen." in r.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(Attachment.id))) == 0
