"""The report back: what it says, consent and masking everywhere, preview, publishing and the three exports."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from pypdf import PdfReader

from hearing.documents import reports as exports
from hearing.drafting import services as drafting
from hearing.exports.jobs import purge_expired_files
from hearing.extensions import db
from hearing.jobs import run_pending_jobs
from hearing.models import (
    Activity,
    AuditEvent,
    ExportFile,
    HearingReport,
    Input,
    Job,
    Prompt,
    StakeholderGroup,
    Submission,
    utcnow,
)
from hearing.reporting import services
from hearing.review import assessments
from tests.conftest import Client, export_via_page, hidden_fields, text_of

FNR = "15108695088"
#: Text that must never reach a report: unmasked personal data, and words of responses that may not be published.
FORBIDDEN = (
    FNR,
    "91234567",
    "Hemmelig middagsønske",
    "Trukket middagsinnspill",
    "Lappen fra bord tre",
    "Ola Nordmann",
)


@pytest.fixture
def world(app, make_process, make_user, make_themes):
    process = make_process()
    council = StakeholderGroup(process=process, name="Eldrerådet", category="council")
    citizens = StakeholderGroup(process=process, name="Innbyggere", category="citizens")
    hearing = Activity(
        process=process,
        kind="hearing",
        title="Høring om mat og transport",
        description="Vi ville vite hva som er viktig for dere.",
        opens_dt=datetime(2026, 3, 1, tzinfo=UTC),
        closes_dt=datetime(2026, 4, 15, tzinfo=UTC),
    )
    hearing.prompts = [Prompt(position=1, text="Hva er viktigst for deg ved måltidene?")]
    workshop = Activity(process=process, kind="workshop", title="Verksted med ansatte")
    db.session.add_all([council, citizens, hearing, workshop])
    db.session.flush()
    n = iter(range(1, 100))

    def submission(consent, *, group=citizens, name=None, body=None, withdrawn=False, moderation="approved"):
        k = next(n)
        sub = Submission(
            activity_id=hearing.id,
            group_id=group.id,
            reference=f"H-{k}",
            submission_key=f"key-{k}",
            edit_token_hash=f"hash-{k}",
            consent=consent,
            respondent_name=name,
            on_behalf_of=body,
            is_withdrawn=withdrawn,
            withdrawn_dt=datetime.now(UTC) if withdrawn else None,
            moderation=moderation,  # staff approved it (the moderation tests check what waits)
        )
        db.session.add(sub)
        db.session.flush()
        return sub

    def add(text, sub=None, *, group=None, activity=hearing):
        item = Input(
            activity_id=activity.id,
            submission_id=sub.id if sub else None,
            group_id=(sub.group_id if sub else group.id if group else None),
            text=text,
        )
        db.session.add(item)
        db.session.flush()
        return item

    named = add(
        "Varm middag hver dag på sykehjemmet", submission("with_name", group=council, body="Eldrerådet")
    )
    anon = add(
        f"Mitt fødselsnummer er {FNR}, ring meg på 91234567 om maten",
        submission("without_name", name="Ola Nordmann"),
    )
    secret = add("Hemmelig middagsønske fra en innbygger", submission("not_published", name="Kari"))
    gone = add("Trukket middagsinnspill", submission("with_name", name="Per", withdrawn=True))
    note = add("Lappen fra bord tre om mat", group=citizens, activity=workshop)
    bus = add("Bussen går for sjelden", submission("without_name"))
    run = make_themes(process, [({"auto_label": "mat, middag", "name": "Mat og måltider",
                                  "quote_input_ids": [secret.id, note.id, gone.id, anon.id, named.id]},
                                 [named, anon, secret, gone, note]),
                                ({"auto_label": "buss"}, [bus])])
    food, transport = run.themes
    reviewer = make_user("reviewer")
    first = drafting.create_draft(db.session, reviewer, process, {"title": ""}, themes=[food])
    drafting.add_part(db.session, reviewer, "focus_area", first, {"title": "Transport"})
    second = drafting.create_draft(db.session, reviewer, process, {"title": ""})
    area = second.focus_areas[0]
    strategy = drafting.add_part(db.session, reviewer, "strategy", area, {"text": "Lage mat nær beboerne"})
    drafting.link_inputs(db.session, reviewer, strategy, [named.id])
    measure = drafting.add_part(
        db.session, reviewer, "measure", strategy, {"text": "Varmmatkjøkken på hvert sykehjem"}
    )
    drafting.link_inputs(db.session, reviewer, measure, [anon.id])
    assessments.assess_input(db.session, reviewer, named, "adopted", "", area.id)
    assessments.assess_input(db.session, reviewer, anon, "partly", "Tas delvis med. Spørsmål: ring 91234567.")
    assessments.assess_input(
        db.session, reviewer, secret, "partly", "Tas delvis med. Spørsmål: ring 91234567."
    )
    db.session.commit()
    return {
        "process": process,
        "hearing": hearing,
        "workshop": workshop,
        "reviewer": reviewer,
        "run": run,
        "food": food,
        "draft": second,
        "inputs": {"named": named, "anon": anon, "secret": secret, "gone": gone, "note": note, "bus": bus},
    }


def make_report(world, **data) -> HearingReport:
    report = services.create_report(
        db.session,
        world["reviewer"],
        world["process"],
        {"title": "", "introduction": f"Vi spurte om mat.\n\nSvar til {FNR} er sendt.", **data},
    )
    db.session.commit()
    return report


@pytest.fixture
def reviewer_client(client, world):
    assert client.login(world["reviewer"].email).status_code == 302
    return client


def assert_clean(text: str) -> None:
    for word in FORBIDDEN:
        assert word not in text, word


# --- what the report says -----------------------------------------------------------------------


def test_report_defaults_to_the_newest_run_and_draft(world):
    report = make_report(world)
    assert report.title == services.DEFAULT_TITLE and not report.is_published
    assert report.run_id == world["run"].id and report.draft_id == world["draft"].id
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.object_type == "hearing_reports"))
    assert (event.action, event.object_id, event.actor_id) == (
        "report.create",
        report.id,
        world["reviewer"].id,
    )


def test_we_asked_you_answered_we_did(world):
    view = services.build_report(db.session, make_report(world))
    assert view.introduction == ["Vi spurte om mat.", "Svar til [fødselsnummer] er sendt."]
    asked = {a.title: a for a in view.asked}
    assert set(asked) == {"Høring om mat og transport", "Verksted med ansatte"}
    assert asked["Høring om mat og transport"].prompts == ["Hva er viktigst for deg ved måltidene?"]
    assert asked["Høring om mat og transport"].kind == "Høring"
    assert view.total == 5  # the withdrawn response counts nowhere
    food = view.themes[0]
    assert (food.label, food.count) == ("Mat og måltider", 4)
    assert food.groups == [("Innbyggere", 3), ("Eldrerådet", 1)]
    # Quotes: only responses that may be published, masked; a named body is named only with consent.
    assert [q.text for q in food.quotes] == [
        "Mitt fødselsnummer er [fødselsnummer], ring meg på [telefon] om maten",
        "Varm middag hver dag på sykehjemmet",
    ]
    assert [q.attribution for q in food.quotes] == ["Innbyggere", "Eldrerådet"]
    assert food.decisions == [("Tatt til følge", 1), ("Delvis tatt til følge", 2)] and food.unassessed == 1
    assert food.reasons == [("Delvis tatt til følge", "Tas delvis med. Spørsmål: ring [telefon].", 2)]
    assert [(c.kind, c.text) for c in food.changes] == [
        ("Satsningsområde", "Mat og måltider"),
        ("Strategi", "Lage mat nær beboerne"),
        ("Tiltak", "Varmmatkjøkken på hvert sykehjem"),
    ]
    assert (view.previous_title, view.draft_title) == ("Strategiutkast 1", "Strategiutkast 2")
    changed = {a.title: a.items for a in view.draft_changes}
    assert ("Nytt", "Lage mat nær beboerne") in changed["Mat og måltider"]
    assert "Transport" not in changed  # unchanged areas are left out


def test_a_report_for_one_activity_counts_only_its_inputs(world):
    view = services.build_report(db.session, make_report(world, activity_id=world["workshop"].id))
    assert [a.title for a in view.asked] == ["Verksted med ansatte"] and view.total == 1
    assert view.themes[0].quotes == [] and view.themes[0].count == 1


def test_ids_from_another_process_are_refused(world, make_process):
    other = make_process(name="Annen plan")
    activity = Activity(process=other, kind="survey", title="Fremmed")
    db.session.add(activity)
    db.session.commit()
    with pytest.raises(services.ServiceError, match="aktivitet"):
        services.create_report(db.session, world["reviewer"], world["process"], {"activity_id": activity.id})


# --- pages --------------------------------------------------------------------------------------


def test_create_preview_publish_and_unpublish(reviewer_client, world, app):
    process = world["process"]
    url = f"/reports/process/{process.id}"
    r = reviewer_client.submit(
        url, {"title": "Tilbakemelding på høringen", "introduction": "Vi spurte om mat."}
    )
    assert r.status_code == 302
    report = db.session.scalar(sa.select(HearingReport))
    assert r.location.endswith(f"/reports/{report.id}")
    preview = reviewer_client.get(f"/reports/{report.id}")
    html = preview.get_data(as_text=True)
    assert (
        preview.status_code == 200 and "Vi spurte" in html and "Dere svarte" in html and "Vi gjorde" in html
    )
    assert "[fødselsnummer]" in html and "Eldrerådet" in html
    assert_clean(html)
    anonymous = Client(app.test_client())
    assert anonymous.get(f"/tilbakemelding/{report.id}").status_code == 404
    assert anonymous.get(f"/tilbakemelding/{report.id}/export.pdf").status_code == 404
    assert "Tilbakemelding på høringen" not in anonymous.get("/").get_data(as_text=True)

    r = reviewer_client.submit(f"/reports/{report.id}", action=f"/reports/{report.id}/publish")
    assert r.status_code == 302
    db.session.expire_all()
    assert db.session.get(HearingReport, report.id).is_published
    public = anonymous.get(f"/tilbakemelding/{report.id}")
    assert public.status_code == 200 and "Mat og måltider" in text_of(public)
    assert_clean(public.get_data(as_text=True))
    front = anonymous.get("/").get_data(as_text=True)
    assert f"/tilbakemelding/{report.id}" in front and "Tilbakemelding på høringen" in front

    # the public files are made in the background: until then a short page says so
    pending = anonymous.get(f"/tilbakemelding/{report.id}/export.pdf")
    assert pending.status_code == 503 and pending.headers["Retry-After"] == "10"
    assert "Filen lages" in text_of(pending) and "Prøv igjen om litt" in text_of(pending)
    assert run_pending_jobs() == 3
    pdf = anonymous.get(f"/tilbakemelding/{report.id}/export.pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert "attachment" in pdf.headers["Content-Disposition"]
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.data)).pages)
    assert "Mat og måltider" in text
    assert_clean(text.replace("\n", " "))

    r = reviewer_client.submit(f"/reports/{report.id}", action=f"/reports/{report.id}/unpublish")
    assert r.status_code == 302
    assert anonymous.get(f"/tilbakemelding/{report.id}").status_code == 404
    assert anonymous.get(f"/tilbakemelding/{report.id}/export.pdf").status_code == 404
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ExportFile)) == 0
    actions = list(
        db.session.scalars(sa.select(AuditEvent.action).where(AuditEvent.object_type == "hearing_reports")
                           .order_by(AuditEvent.id))
    )
    assert actions == ["report.create", "report.publish", "report.unpublish"]


def test_a_double_clicked_create_makes_one_report(reviewer_client, world):
    url = f"/reports/process/{world['process'].id}"
    page = reviewer_client.get(url).get_data(as_text=True)
    from tests.conftest import hidden_fields

    fields = hidden_fields(page)
    assert reviewer_client.post(url, data=fields).status_code == 302
    assert reviewer_client.post(url, data=fields).status_code == 302
    assert db.session.scalar(sa.select(sa.func.count()).select_from(HearingReport)) == 1


def test_edit_keeps_what_was_typed_on_a_bad_choice(reviewer_client, world):
    report = make_report(world)
    url = f"/reports/{report.id}/edit"
    r = reviewer_client.submit(
        url, {"title": "Ny tittel", "introduction": "Ny tekst", "activity_id": "999999"}
    )
    assert (
        r.status_code == 400
        and "Ny tekst" in r.get_data(as_text=True)
        and "Ikke et gyldig valg" in text_of(r)
    )
    r = reviewer_client.submit(
        url, {"title": "Ny tittel", "introduction": "Ny tekst", "activity_id": str(world["hearing"].id)}
    )
    assert r.status_code == 302
    db.session.expire_all()
    report = db.session.get(HearingReport, report.id)
    assert (report.title, report.introduction, report.activity_id) == (
        "Ny tittel",
        "Ny tekst",
        world["hearing"].id,
    )
    assert "report.update" in set(db.session.scalars(sa.select(AuditEvent.action)))


def test_only_reviewers_make_and_publish_reports(app, world, make_user):
    report = make_report(world)
    client = Client(app.test_client())
    assert client.get(f"/reports/{report.id}").status_code == 302
    client.login(make_user("facilitator").email)
    app.config["WTF_CSRF_ENABLED"] = False
    assert client.get(f"/reports/process/{world['process'].id}").status_code == 403
    assert client.post(f"/reports/{report.id}/publish").status_code == 403
    assert client.post(f"/reports/{report.id}/export.md").status_code == 403
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Job)) == 0
    assert not db.session.get(HearingReport, report.id).is_published


# --- exports ------------------------------------------------------------------------------------


def test_docx_has_real_headings_and_no_forbidden_text(world):
    import docx

    view = services.build_report(db.session, make_report(world))
    document = docx.Document(io.BytesIO(exports.to_docx(view)))
    headings = [
        (p.style.name, p.text) for p in document.paragraphs if p.style.name.startswith(("Heading", "Title"))
    ]
    assert ("Title", services.DEFAULT_TITLE) in headings
    # the world's council statement brings the merknadsskjema
    assert [t for s, t in headings if s == "Heading 1"] == ["Vi spurte", "Dere svarte", "Vi gjorde", "Merknadsskjema"]
    assert ("Heading 2", "Mat og måltider") in headings
    text = "\n".join(p.text for p in document.paragraphs)
    cells = "\n".join(c.text for t in document.tables for row in t.rows for c in row.cells)
    assert "«Varm middag hver dag på sykehjemmet» – Eldrerådet" in text and "Innbyggere" in cells
    assert "Delvis tatt til følge" in cells and "Tiltak: Varmmatkjøkken på hvert sykehjem" in text
    assert_clean(text + cells)


def test_pdf_has_pages_and_text_and_no_forbidden_text(world):
    from pypdf import PdfReader

    view = services.build_report(db.session, make_report(world))
    reader = PdfReader(io.BytesIO(exports.to_pdf(view)))
    text = " ".join(page.extract_text() for page in reader.pages)
    assert len(reader.pages) >= 1
    for word in ("Vi spurte", "Dere svarte", "Vi gjorde", "Mat og måltider", "Varm middag hver dag"):
        assert word in text, word
    assert_clean(text.replace("\n", " "))
    assert_clean(exports.to_html(view))


def test_markdown_export(world):
    report = make_report(world)
    md = exports.to_markdown(services.build_report(db.session, report))
    assert md.startswith(f"# {services.DEFAULT_TITLE}\n") and "\n## Dere svarte\n" in md
    assert "\n### Mat og måltider\n" in md and "> «Varm middag hver dag på sykehjemmet» – Eldrerådet" in md
    assert "| Eldrerådet | 1 |" in md
    assert_clean(md)


def _read(fmt: str, data: bytes) -> str:
    """The text of a downloaded file."""
    if fmt == "docx":
        import docx

        document = docx.Document(io.BytesIO(data))
        cells = [c.text for t in document.tables for row in t.rows for c in row.cells]
        return "\n".join([p.text for p in document.paragraphs] + cells)
    if fmt == "pdf":
        return " ".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages).replace("\n", " ")
    return data.decode("utf-8")


def test_reviewer_exports_run_in_the_background_and_come_back_masked(reviewer_client, world):
    report = make_report(world)
    preview = f"/reports/{report.id}"
    page = reviewer_client.get(preview).get_data(as_text=True)
    assert f'action="/reports/{report.id}/export.pdf"' in page and 'method="post"' in page
    for fmt, mimetype in (
        ("md", "text/markdown"),
        ("docx", "application/vnd.openxml"),
        ("pdf", "application/pdf"),
    ):
        job_id, r = export_via_page(reviewer_client, preview, f"/reports/{report.id}/export.{fmt}")
        assert r.status_code == 200 and r.mimetype.startswith(mimetype), fmt
        assert "filename=vi-spurte-dere-svarte" in r.headers["Content-Disposition"]
        assert r.headers["Content-Disposition"].endswith(f".{fmt}") and "attachment" in r.headers["Content-Disposition"]
        assert r.headers["Cache-Control"] == "private, no-store"
        text = _read(fmt, r.data)
        assert "Dere svarte" in text and "Mat og måltider" in text and "Varm middag hver dag" in text, fmt
        assert "fødselsnummer" in text, fmt  # masked (Markdown escapes the brackets)
        assert_clean(text)
        job = db.session.get(Job, job_id)
        assert job.kind == "export.report" and job.payload["fmt"] == fmt and job.created_by_id == world["reviewer"].id
    # nothing is made inside the request any more; a GET is not an export
    assert reviewer_client.get(f"/reports/{report.id}/export.md").status_code == 405
    fields = hidden_fields(reviewer_client.get(preview).get_data(as_text=True), action=f"/reports/{report.id}/export.md")
    assert reviewer_client.post(f"/reports/{report.id}/export.exe", data=fields).status_code == 404


def test_a_double_clicked_export_makes_one_job(reviewer_client, world):
    report = make_report(world)
    action = f"/reports/{report.id}/export.pdf"
    fields = hidden_fields(reviewer_client.get(f"/reports/{report.id}").get_data(as_text=True), action=action)
    first = reviewer_client.post(action, data=fields)
    second = reviewer_client.post(action, data=fields)
    assert first.status_code == second.status_code == 302 and first.location == second.location
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Job).where(Job.kind == "export.report")) == 1
    # without the CSRF token nothing is queued
    assert reviewer_client.post(action, data={}).status_code in (302, 400)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Job).where(Job.kind == "export.report")) == 1


def test_another_reviewer_cannot_download_my_file(reviewer_client, world, app, make_user):
    report = make_report(world)
    job_id, r = export_via_page(reviewer_client, f"/reports/{report.id}", f"/reports/{report.id}/export.md")
    assert r.status_code == 200
    other = Client(app.test_client())
    other.login(make_user("reviewer").email)
    for url in (f"/files/jobs/{job_id}", f"/files/jobs/{job_id}/status", f"/files/jobs/{job_id}/download"):
        assert other.get(url).status_code == 404, url
    admin = Client(app.test_client())
    admin.login(make_user("admin").email)
    assert admin.get(f"/files/jobs/{job_id}/download").status_code == 200
    anonymous = Client(app.test_client())
    assert anonymous.get(f"/files/jobs/{job_id}/download").status_code == 302  # to the login page


def test_public_files_wait_for_the_job_and_go_with_unpublishing(world, app):
    report = make_report(world)
    anonymous = Client(app.test_client())
    services.set_published(db.session, world["reviewer"], report, True)
    db.session.commit()
    for fmt in ("pdf", "docx", "md"):
        r = anonymous.get(f"/tilbakemelding/{report.id}/export.{fmt}")
        assert r.status_code == 503 and "Filen lages" in text_of(r) and r.headers["Retry-After"]
    assert anonymous.get(f"/tilbakemelding/{report.id}/export.exe").status_code == 404
    assert run_pending_jobs() == 3
    for fmt, mimetype in (("md", "text/markdown"), ("docx", "application/vnd.openxml"), ("pdf", "application/pdf")):
        r = anonymous.get(f"/tilbakemelding/{report.id}/export.{fmt}")
        assert r.status_code == 200 and r.mimetype.startswith(mimetype), fmt
        text = _read(fmt, r.data)
        assert "Vi gjorde" in text and "Varm middag hver dag" in text, fmt
        assert_clean(text)

    # editing a published report changes nothing public: the version is frozen, page and files alike
    services.update_report(db.session, world["reviewer"], report, {"title": "Ny tittel på rapporten", "introduction": ""})
    db.session.commit()
    assert "Ny tittel" not in anonymous.get(f"/tilbakemelding/{report.id}/export.md").data.decode()
    assert "Ny tittel" not in text_of(anonymous.get(f"/tilbakemelding/{report.id}"))
    # publishing again makes version 2 with its own files; version 1 stays readable with its files
    services.set_published(db.session, world["reviewer"], report, True)
    db.session.commit()
    assert anonymous.get(f"/tilbakemelding/{report.id}/export.md").status_code == 503
    run_pending_jobs()
    assert anonymous.get(f"/tilbakemelding/{report.id}/export.md").data.decode().startswith("# Ny tittel på rapporten")
    assert "Ny tittel" in text_of(anonymous.get(f"/tilbakemelding/{report.id}"))
    old = anonymous.get(f"/tilbakemelding/{report.id}/versjon/1")
    assert "Ny tittel" not in text_of(old) and "tidligere versjon" in text_of(old)
    assert "Ny tittel" not in anonymous.get(f"/tilbakemelding/{report.id}/versjon/1/export.md").data.decode()
    public_files = sa.select(sa.func.count()).select_from(ExportFile).where(ExportFile.public_report_id == report.id)
    assert db.session.scalar(public_files) == 6

    # the retention purge keeps the files of a published report
    for stored in db.session.scalars(sa.select(ExportFile)):
        stored.created_dt = utcnow() - timedelta(days=365)
    db.session.commit()
    purge_expired_files(db.session)
    db.session.commit()
    assert db.session.scalar(public_files) == 6
    assert anonymous.get(f"/tilbakemelding/{report.id}/export.md").status_code == 200

    services.set_published(db.session, world["reviewer"], report, False)
    db.session.commit()
    assert db.session.scalar(public_files) == 0
    for fmt in ("pdf", "docx", "md"):
        assert anonymous.get(f"/tilbakemelding/{report.id}/export.{fmt}").status_code == 404


def test_a_public_job_for_an_unpublished_report_makes_nothing(world):
    report = make_report(world)
    services.set_published(db.session, world["reviewer"], report, True)
    services.set_published(db.session, world["reviewer"], report, False)
    db.session.commit()
    run_pending_jobs()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ExportFile)) == 0
    assert {j.status for j in db.session.scalars(sa.select(Job))} == {"done"}


def test_a_published_report_without_files_gets_them_queued_once(world, app):
    """A published report whose files were never made (one imported from a backup) gets a job, once."""
    report = make_report(world)
    report.is_published, report.published_dt = True, utcnow()
    db.session.commit()
    anonymous = Client(app.test_client())
    assert anonymous.get(f"/tilbakemelding/{report.id}/export.md").status_code == 503
    assert anonymous.get(f"/tilbakemelding/{report.id}/export.pdf").status_code == 503
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Job)) == 3
    run_pending_jobs()
    assert anonymous.get(f"/tilbakemelding/{report.id}/export.md").status_code == 200


def test_an_export_of_a_deleted_report_fails_with_its_reason(reviewer_client, world):
    report = make_report(world)
    action = f"/reports/{report.id}/export.docx"
    r = reviewer_client.submit(f"/reports/{report.id}", action=action)
    db.session.delete(db.session.get(HearingReport, report.id))
    db.session.commit()
    run_pending_jobs()
    page = reviewer_client.get(r.location)
    assert page.status_code == 200 and "Feilet" in text_of(page) and "Tilbakemeldingen finnes ikke lenger" in text_of(page)


def test_a_deleted_response_leaves_the_public_files_too(world, app, tmp_path):
    """The public page is built on each visit; the stored files are made anew when a quoted response is deleted."""
    from hearing.privacy import records

    report = make_report(world)
    anonymous = Client(app.test_client())
    services.set_published(db.session, world["reviewer"], report, True)
    db.session.commit()
    run_pending_jobs()
    assert "Varm middag hver dag" in anonymous.get(f"/tilbakemelding/{report.id}/export.md").data.decode()

    named = world["inputs"]["named"]
    records.delete_submission(db.session, None, named.submission, str(tmp_path), reason="respondent")
    db.session.commit()
    assert anonymous.get(f"/tilbakemelding/{report.id}/export.md").status_code == 503  # the old file is gone at once
    run_pending_jobs()
    for fmt in ("md", "docx", "pdf"):
        r = anonymous.get(f"/tilbakemelding/{report.id}/export.{fmt}")
        assert r.status_code == 200 and "Varm middag hver dag" not in _read(fmt, r.data), fmt
    assert "Varm middag hver dag" not in text_of(anonymous.get(f"/tilbakemelding/{report.id}"))


def test_a_report_with_no_approved_input_does_not_say_they_are_not_grouped(reviewer_client, world):
    """The walkthrough: 366 grouped inputs, none approved for publishing yet; the preview said
    "Vi fikk 0 innspill. Innspillene er ikke gruppert i temaer ennå." while they were grouped."""
    db.session.execute(sa.update(Submission).values(moderation="pending"))
    db.session.execute(sa.delete(Input).where(Input.submission_id.is_(None)))  # the workshop's note
    db.session.commit()
    report = make_report(world)
    page = text_of(reviewer_client.get(f"/reports/{report.id}"))
    assert "Vi fikk 0 innspill." in page
    assert "ikke gruppert" not in page
