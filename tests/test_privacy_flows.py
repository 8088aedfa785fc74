"""Masking in what reviewers and the public see, retention purge, a person's own data, headers, fuzzing."""

from __future__ import annotations

import io
import json
import re
from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pypdf import PdfReader

from hearing.extensions import db
from hearing.models import Activity, Attachment, AuditEvent, Document, Input, Section, Submission, utcnow
from tests.conftest import hidden_fields, text_of


def valid_fnr(birth: str = "150765", individual: str = "123") -> str:
    digits = [int(c) for c in birth + individual]
    k1 = 11 - sum(w * d for w, d in zip([3, 7, 6, 1, 8, 9, 4, 5, 2], digits, strict=True)) % 11
    k1 = 0 if k1 == 11 else k1
    if k1 == 10:
        return valid_fnr(birth, f"{int(individual) + 1:03d}")
    digits.append(k1)
    k2 = 11 - sum(w * d for w, d in zip([5, 4, 3, 2, 7, 6, 5, 4, 3, 2], digits, strict=True)) % 11
    k2 = 0 if k2 == 11 else k2
    if k2 == 10:
        return valid_fnr(birth, f"{int(individual) + 1:03d}")
    return "".join(map(str, digits)) + str(k2)


FNR = valid_fnr()
SECRET_TEXT = f"Min mor har fødselsnummer {FNR} og telefon 912 34 567"


@pytest.fixture
def box(make_process):
    process = make_process(end_date=date(2020, 1, 31))
    activity = Activity(process=process, kind="suggestions", title="Forslagskasse", audience="public",
                        opens_dt=utcnow() - timedelta(days=2), closes_dt=utcnow() + timedelta(days=5))
    db.session.add(activity)
    db.session.commit()
    return activity


def send(client, activity, **data):
    url = f"/delta/{activity.id}"
    fields = {**hidden_fields(client.get(url).get_data(as_text=True)), "consent": "with_name", "respondent_name": "Ola Nordmann",
              "respondent_email": "ola@example.no", **data}
    r = client.post(url, data=fields)
    assert r.status_code == 302, text_of(r)
    return re.search(r"/svar/([^/?]+)", r.location).group(1)


def test_stored_text_is_masked_for_reviewers_and_the_public(client, app, box, make_user):
    send(client, box, statement=SECRET_TEXT)
    inp = db.session.scalar(sa.select(Input))
    assert FNR in inp.text and FNR not in inp.text_masked and "[fødselsnummer]" in inp.text_masked
    box.closes_dt = utcnow() - timedelta(minutes=1)
    inp.submission.moderation = "approved"
    db.session.commit()
    public_page = client.get(f"/delta/{box.id}/svar").get_data(as_text=True)
    assert FNR not in public_page and "912 34 567" not in public_page and "[fødselsnummer]" in public_page
    client.login(make_user("reviewer").email)
    reviewer_page = client.get(f"/admin/activities/{box.id}/responses").get_data(as_text=True)
    assert FNR not in reviewer_page and "[telefon]" in reviewer_page
    assert "Se original" not in reviewer_page


def test_personal_data_typed_as_place_is_never_stored_or_shown(client, app, box, make_user):
    token = send(client, box, statement="En benk her", place_name=f"Ring 912 34 567, kari@example.no, {FNR}")
    inp = db.session.scalar(sa.select(Input))
    assert inp.place_name == "Ring [telefon], [e-post], [fødselsnummer]"
    # a place changed by the respondent is masked as well
    r = client.submit(f"/svar/{token}/endre", {"statement": "En benk her", "place_name": f"Hos {FNR}", "consent": "with_name",
                                               "respondent_name": "Ola Nordmann"})
    assert r.status_code == 302, text_of(r)
    db.session.expire_all()
    assert db.session.scalar(sa.select(Input.place_name)) == "Hos [fødselsnummer]"
    client.login(make_user("reviewer").email)
    for url in (f"/review/inputs/{inp.id}", f"/admin/activities/{box.id}/responses"):
        page = client.get(url).get_data(as_text=True)
        assert FNR not in page and "912 34 567" not in page and "kari@example.no" not in page, url
    assert "Hos [fødselsnummer]" in client.get(f"/review/inputs/{inp.id}").get_data(as_text=True)


def test_administrator_sees_original_and_the_look_is_recorded(admin_client, client, box):
    send(client, box, statement=SECRET_TEXT)
    inp = db.session.scalar(sa.select(Input))
    page = admin_client.get(f"/admin/activities/{box.id}/responses").get_data(as_text=True)
    assert f"/admin/inputs/{inp.id}/original" in page
    original = admin_client.get(f"/admin/inputs/{inp.id}/original").get_data(as_text=True)
    assert FNR in original
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "input.view_original"))
    assert event.actor_id == admin_client.user.id and event.object_id == inp.id


def test_purge_after_retention_keeps_masked_text_and_statistics(app, client, box, tmp_path):
    token = send(client, box, statement=SECRET_TEXT)
    sub = db.session.scalar(sa.select(Submission))
    (tmp_path / "uploads").mkdir(exist_ok=True)
    (tmp_path / "uploads" / "file1").write_bytes(b"%PDF-1.4")
    db.session.add(Attachment(submission=sub, filename="a.pdf", content_type="application/pdf", size=8, sha256="0" * 64, storage_name="file1"))
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["privacy", "purge", "--dry-run"])
    assert "prøvekjøring" in result.output and db.session.scalar(sa.select(Submission.respondent_name)) == "Ola Nordmann"
    result = app.test_cli_runner().invoke(args=["privacy", "purge"])
    assert result.exit_code == 0 and "1 svar" in result.output
    db.session.expire_all()
    sub = db.session.scalar(sa.select(Submission))
    inp = db.session.scalar(sa.select(Input))
    assert sub.respondent_name is None and sub.respondent_email is None and sub.purged_dt is not None
    assert sub.attachments == [] and not (tmp_path / "uploads" / "file1").exists()
    assert FNR not in inp.text and inp.text == inp.text_masked and "[fødselsnummer]" in inp.text
    assert sub.consent == "with_name" and inp.group_id == sub.group_id  # statistics stay
    assert db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "privacy.purge")) is not None
    assert "Ingen prosesser" in app.test_cli_runner().invoke(args=["privacy", "purge"]).output
    assert client.get(f"/svar/{token}").status_code == 200


def test_purge_leaves_processes_within_retention(app, make_process, client):
    process = make_process(end_date=utcnow().date() - timedelta(days=30), retention_months=24)
    activity = Activity(process=process, kind="suggestions", title="Nyere", audience="public")
    db.session.add(activity)
    db.session.commit()
    send(client, activity, statement=SECRET_TEXT)
    app.test_cli_runner().invoke(args=["privacy", "purge"])
    assert db.session.scalar(sa.select(Submission.respondent_name)) == "Ola Nordmann"


def test_respondent_downloads_and_deletes_own_data(client, box):
    token = send(client, box, statement="Benk ved kirka", place_name="Kirkebakken")
    data = json.loads(client.get(f"/svar/{token}/data.json").get_data(as_text=True))
    assert data["navn"] == "Ola Nordmann" and data["epost"] == "ola@example.no" and data["innspill"][0]["sted"] == "Kirkebakken"
    pdf = client.get(f"/svar/{token}/data.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    assert "Benk ved kirka" in "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.data)).pages)
    page = client.get(f"/svar/{token}").get_data(as_text=True)
    r = client.post(f"/svar/{token}/slett", data=hidden_fields(page, action=f"/svar/{token}/slett"))
    assert r.status_code == 200 and "er slettet" in text_of(r)
    assert db.session.scalar(sa.select(sa.func.count(Submission.id))) == 0
    assert db.session.scalar(sa.select(sa.func.count(Input.id))) == 0
    assert client.get(f"/svar/{token}").status_code == 404


def test_administrator_finds_and_deletes_a_person_by_email(admin_client, client, box):
    send(client, box, statement="Første")
    send(client, box, statement="Andre", respondent_email="OLA@example.no")
    send(client, box, statement="Annen person", respondent_email="kari@example.no")
    page = text_of(admin_client.get("/admin/privacy?email=ola@example.no"))
    assert "2 svar fra ola@example.no" in page
    admin_client.submit("/admin/privacy?email=ola@example.no", {"email": "ola@example.no"}, action="/admin/privacy")
    assert db.session.scalar(sa.select(sa.func.count(Submission.id))) == 1
    assert db.session.scalar(sa.select(sa.func.count(AuditEvent.id)).where(AuditEvent.action == "submission.delete")) == 2


def test_security_headers(client):
    r = client.get("/")
    csp = r.headers["Content-Security-Policy"]
    assert "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp and "script-src 'self'" in csp
    assert r.headers["X-Content-Type-Options"] == "nosniff" and r.headers["Referrer-Policy"] == "same-origin"
    assert "Strict-Transport-Security" not in r.headers
    assert "Strict-Transport-Security" in client.get("/", base_url="https://localhost").headers


def test_document_markdown_cannot_carry_script(client, make_process):
    process = make_process()
    hearing = Activity(process=process, kind="hearing", title="Høring", audience="public")
    doc = Document(activity=hearing, title="Utkast")
    doc.sections = [Section(position=1, title="A", body="<script>alert(1)</script> [klikk](javascript:alert(1)) <img src=x onerror=alert(1)>")]
    db.session.add_all([hearing, doc])
    db.session.commit()
    html = client.get(f"/delta/{hearing.id}").get_data(as_text=True)
    assert "<script>alert" not in html and 'href="javascript:' not in html and "<img src=x" not in html


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.text(min_size=1, max_size=300) | st.sampled_from(["<script>alert(1)</script>", '"><svg onload=alert(1)>', "{{7*7}}", "\x00", "' OR 1=1 --"]),
       name=st.text(max_size=80), place=st.text(max_size=50))
def test_fuzzed_public_form_never_errors_or_reflects_script(app, client, box, text, name, place):
    app.config["PUBLIC_RATE_LIMIT"] = "100000/minute"
    url = f"/delta/{box.id}"
    fields = {**hidden_fields(client.get(url).get_data(as_text=True)), "statement": text, "respondent_name": name,
              "place_name": place, "consent": "without_name"}
    r = client.post(url, data=fields)
    assert r.status_code in (302, 400, 422), r.status_code
    html = client.get(r.location).get_data(as_text=True) if r.status_code == 302 else r.get_data(as_text=True)
    assert "<script>alert" not in html and "<svg onload" not in html


def test_no_page_a_reviewer_or_the_public_opens_shows_the_number(app, client, make_user, make_process):
    """Walk every GET page with a known identity number in inputs of every kind; it never shows."""
    from tests.test_security_routes import is_public

    process = make_process()
    hearing = Activity(process=process, kind="hearing", title="Høring", audience="public",
                       opens_dt=utcnow() - timedelta(days=9), closes_dt=utcnow() - timedelta(days=1))
    workshop = Activity(process=process, kind="workshop", title="Verksted")
    sub = Submission(activity=hearing, reference="H-1", submission_key="k", edit_token_hash="0" * 64, consent="with_name",
                     respondent_name="Ola")
    db.session.add_all([hearing, workshop, sub,
                        Input(activity=hearing, submission=sub, text=SECRET_TEXT, place_name=SECRET_TEXT),
                        Input(activity=workshop, source="workshop", text=SECRET_TEXT, table_label="Bord 1")])
    db.session.commit()
    ids = {"process_id": process.id, "activity_id": hearing.id, "input_id": 1, "run_id": 1, "theme_id": 1}
    client.login(make_user("reviewer").email)
    seen = []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint == "static" or rule.endpoint == "admin.input_original":
            continue
        view = app.view_functions[rule.endpoint]
        if not (is_public(app, rule.endpoint) or "reviewer" in getattr(view, "required_roles", ())):
            continue
        for activity_id in {hearing.id, workshop.id}:
            url = rule.rule
            for arg in rule.arguments:
                value = activity_id if arg == "activity_id" else ids.get(arg, 1)
                url = re.sub(rf"<(?:\w+:)?{arg}>", str(value), url)
            r = client.get(url)
            body = r.get_data().decode("utf-8", "replace")  # a PDF (the hearing document) is bytes
            r.close()
            assert FNR not in body and "912 34 567" not in body, url
            seen.append(url)
    assert len(seen) > 5
