"""Filing in the Noark 5 archive (KS Fiks Arkiv): every message validates against the official schema,
the worker builds packages with the response as PDF/A, staff download them and note the archive's
reference, and a configured transport sends them."""

from __future__ import annotations

import hashlib
import io
import re
import zipfile
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa
from lxml import etree
from pypdf import PdfReader

from hearing.archive import messages, pdfa, transport
from hearing.extensions import db
from hearing.jobs import run_pending_jobs
from hearing.models import (
    Activity,
    ArchiveMessage,
    Attachment,
    AuditEvent,
    Input,
    Job,
    Prompt,
    Submission,
    utcnow,
)
from tests.conftest import hidden_fields, text_of

OFFICIAL = Path(__file__).resolve().parents[2] / "shared" / "standards" / "fiks-arkiv-v1"
OFFICIAL_SCHEMA = OFFICIAL / "no.ks.fiks.arkiv.v1.arkivering.arkivmelding.opprett.xsd"
NS = {"a": messages.NS, "m": messages.MDK}


def official_schema() -> etree.XMLSchema:
    if not OFFICIAL_SCHEMA.exists():
        pytest.skip("the shared standards folder is not here")
    return etree.XMLSchema(etree.parse(str(OFFICIAL_SCHEMA)))


def assert_valid(xml: bytes) -> etree._Element:
    schema = official_schema()
    doc = etree.fromstring(xml)
    assert schema.validate(doc), schema.error_log
    return doc


@pytest.fixture
def world(app, make_user, make_process):
    process = make_process(name="Strategiplan Mestring og helse 2026–2037", start_date=date(2026, 1, 5))
    hearing_ = Activity(process=process, kind="hearing", title="Ekstern høring")
    prompt = Prompt(activity=hearing_, position=1, text="Hva mener du om utkastet?")
    workshop = Activity(process=process, kind="workshop", title="Verksted")
    db.session.add_all([hearing_, prompt, workshop])
    db.session.flush()

    def submission(ref, **kw):
        s = Submission(activity=kw.pop("activity", hearing_), reference=ref, submission_key=ref, edit_token_hash=ref, **kw)
        db.session.add(s)
        db.session.flush()
        db.session.add(Input(activity_id=s.activity_id, submission_id=s.id, prompt_id=prompt.id,
                             text=kw.get("text", f"Svar {ref}: ring 912 34 567"), source="web"))
        return s

    private = submission("H-2026-000001", respondent_name="Kari Nordmann", respondent_email="kari@example.no",
                         consent="not_published")
    public = submission("H-2026-000002", respondent_name="Ola Hansen", consent="with_name")
    council = submission("H-2026-000003", respondent_name="Per Leder", on_behalf_of="Eldrerådet",
                         meeting_date=date(2026, 3, 2), case_reference="26/14", consent="with_name")
    anonymous = submission("H-2026-000004", consent="not_published")
    note = submission("V-2026-000005", activity=workshop)  # a workshop note is not filed
    upload = Path(app.config["UPLOAD_FOLDER"])
    upload.mkdir(parents=True, exist_ok=True)
    content = b"%PDF-1.4 vedlegg"
    (upload / "stored-1").write_bytes(content)
    db.session.add(Attachment(submission=private, filename="Uttalelse æøå, side 1.pdf", content_type="application/pdf",
                              size=len(content), sha256=hashlib.sha256(content).hexdigest(), storage_name="stored-1"))
    reviewer = make_user("reviewer")
    db.session.commit()
    return {"process": process, "private": private, "public": public, "council": council, "anonymous": anonymous,
            "note": note, "reviewer": reviewer}


def file_all(client, world, ids=None):
    url = f"/archive/processes/{world['process'].id}"
    page = client.get(url)
    assert page.status_code == 200
    ids = ids or [world[k].id for k in ("private", "public", "council", "anonymous")]
    fields = hidden_fields(page.get_data(as_text=True))
    return client.raw.post(url, data={**fields, "submission": [str(i) for i in ids]}), fields


def test_the_packaged_schema_is_the_official_one():
    official_schema()
    for name in ("no.ks.fiks.arkiv.v1.arkivering.arkivmelding.opprett.xsd", "metadatakatalog.xsd"):
        assert (messages.SCHEMA.parent / name).read_bytes() == (OFFICIAL / name).read_bytes()


def test_built_messages_validate_against_the_official_schema(app, world):
    from hearing.archive import services

    with app.test_request_context():
        folder = ArchiveMessage(process_id=world["process"].id, kind="saksmappe")
        folder.process = world["process"]
        xml = services.build_case_folder(db.session, folder)[0]
    doc = assert_valid(zipfile.ZipFile(io.BytesIO(xml)).read("arkivmelding.xml"))
    assert doc.find("a:mappe", NS).get(f"{{{messages.XSI}}}type") == "saksmappe"
    assert doc.findtext("a:mappe/a:tittel", namespaces=NS) == world["process"].name
    for key in ("private", "public", "council", "anonymous"):
        msg = ArchiveMessage(process_id=world["process"].id, kind="journalpost", submission_id=world[key].id)
        msg.process, msg.submission = world["process"], world[key]
        data, _name = services.build_registration(db.session, msg, upload_folder=app.config["UPLOAD_FOLDER"])
        doc = assert_valid(zipfile.ZipFile(io.BytesIO(data)).read("arkivmelding.xml"))
        jp = doc.find("a:registrering", NS)
        assert jp.get(f"{{{messages.XSI}}}type") == "journalpost"
        assert jp.findtext("a:journalposttype/m:kode", namespaces=NS) == "I"
        assert jp.findtext("a:mottattDato", namespaces=NS).startswith(world[key].submitted_dt.date().isoformat())


def test_a_broken_message_is_refused_by_the_schema():
    bad = messages.case_folder(messages.CaseFolder(title="x", public_title="x", key="k")).replace(b"<tittel>x</tittel>", b"")
    with pytest.raises(messages.ArchiveMessageError):
        messages.validate(bad)


def test_staff_file_responses_and_the_worker_builds_valid_packages(app, client, world):
    client.login(world["reviewer"].email)
    page = client.get(f"/archive/processes/{world['process'].id}")
    listed = text_of(page)
    assert "H-2026-000001" in listed and "V-2026-000005" not in listed  # workshop notes are not filed
    assert "Kari Nordmann" not in listed and "Eldrerådet" in listed  # reviewers never see a private name
    r, fields = file_all(client, world)
    assert r.status_code == 302
    again = client.raw.post(f"/archive/processes/{world['process'].id}", data={**fields, "submission": [str(world["private"].id)]})
    assert again.status_code == 302  # a double click: nothing more
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ArchiveMessage)) == 5
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Job).where(Job.kind == "archive.build")) == 1
    run_pending_jobs()
    db.session.expire_all()
    rows = db.session.scalars(sa.select(ArchiveMessage).order_by(ArchiveMessage.id)).all()
    assert [m.status for m in rows] == ["ready"] * 5, [m.error for m in rows]
    by_sub = {m.submission_id: m for m in rows}
    package = zipfile.ZipFile(io.BytesIO(by_sub[world["private"].id].data))
    names = package.namelist()
    assert names[0] == "arkivmelding.xml" and len(names) == 3
    doc = assert_valid(package.read("arkivmelding.xml"))
    jp = doc.find("a:registrering", NS)
    docs = jp.findall("a:dokumentbeskrivelse", NS)
    assert [d.findtext("a:tilknyttetRegistreringSom/m:kode", namespaces=NS) for d in docs] == ["H", "V"]
    for d in docs:  # every file named in the message is in the package, with its checksum
        obj = d.find("a:dokumentobjekt", NS)
        content = package.read(obj.findtext("a:referanseDokumentfil", namespaces=NS))
        assert hashlib.sha256(content).hexdigest() == obj.findtext("a:sjekksum", namespaces=NS)
        assert re.fullmatch(r"[0-9A-Za-z._-]+", obj.findtext("a:referanseDokumentfil", namespaces=NS))
    assert docs[1].findtext("a:dokumentobjekt/a:filnavn", namespaces=NS) == "Uttalelse æøå, side 1.pdf"
    assert doc.findtext("a:antallFiler", namespaces=NS) == "2" and jp.findtext("a:antallVedlegg", namespaces=NS) == "1"
    # the sender did not agree to publication with name: shielded, and no name in the public title
    party = jp.find("a:korrespondansepart", NS)
    assert party.findtext("a:korrespondansepartNavn", namespaces=NS) == "Kari Nordmann"
    assert party.findtext("a:erSkjermet", namespaces=NS) == "true"
    assert "Kari" not in jp.findtext("a:offentligTittel", namespaces=NS)
    # the response itself: PDF/A-2b with the original text
    main = package.read(docs[0].findtext("a:dokumentobjekt/a:referanseDokumentfil", namespaces=NS))
    reader = PdfReader(io.BytesIO(main))
    xmp = reader.xmp_metadata.stream.get_data()
    assert b'pdfaid:part="2"' in xmp and b'pdfaid:conformance="B"' in xmp
    assert pdfa.problems(main) == []  # header, /ID, XMP, output intent, fonts embedded, no forbidden parts
    assert "912 34 567" in "".join(p.extract_text() for p in reader.pages)
    # a body's statement: the body is the sender, public, with its case reference
    council = etree.fromstring(zipfile.ZipFile(io.BytesIO(by_sub[world["council"].id].data)).read("arkivmelding.xml"))
    party = council.find("a:registrering/a:korrespondansepart", NS)
    assert party.findtext("a:korrespondansepartNavn", namespaces=NS) == "Eldrerådet"
    assert party.findtext("a:erSkjermet", namespaces=NS) == "false" and party.findtext("a:deresReferanse", namespaces=NS) == "26/14"
    public = etree.fromstring(zipfile.ZipFile(io.BytesIO(by_sub[world["public"].id].data)).read("arkivmelding.xml"))
    assert "Ola Hansen" in public.findtext("a:registrering/a:offentligTittel", namespaces=NS)
    # staff download the package; others may not
    download = client.get(f"/archive/messages/{by_sub[world['private'].id].id}/download")
    assert download.status_code == 200 and download.mimetype == "application/zip"
    assert download.data == by_sub[world["private"].id].data
    assert "archive.download" in set(db.session.scalars(sa.select(AuditEvent.action)))


def test_the_archive_reference_is_stored_on_the_submission(app, client, world):
    client.login(world["reviewer"].email)
    file_all(client, world, [world["public"].id])
    run_pending_jobs()
    msg = db.session.scalar(sa.select(ArchiveMessage).where(ArchiveMessage.submission_id == world["public"].id))
    page = client.get(f"/archive/processes/{world['process'].id}")
    fields = hidden_fields(page.get_data(as_text=True), action=f"/archive/messages/{msg.id}/reference?page=1")
    r = client.raw.post(f"/archive/messages/{msg.id}/reference", data={**fields, "reference": "2026/123-4"})
    assert r.status_code == 302
    db.session.expire_all()
    assert db.session.get(Submission, world["public"].id).archive_reference == "2026/123-4"
    # other systems read it through the API
    from tests.test_api import auth, make_token

    token = make_token(world["reviewer"])
    api = client.raw.get(f"/api/v1/submissions/{world['public'].id}", headers=auth(token)).get_json()
    assert api["archive_reference"] == "2026/123-4"
    assert "2026/123-4" in client.get(f"/archive/processes/{world['process'].id}").get_data(as_text=True)


def test_a_configured_transport_sends_and_its_reference_is_kept(app, client, world):
    sent = []

    def fake(message, package):
        sent.append((message.kind, len(package)))
        return f"2026/77-{len(sent)}" if message.kind == "journalpost" else "2026/77"

    transport.register("fake", fake)
    app.config["ARCHIVE_TRANSPORT"] = "fake"
    client.login(world["reviewer"].email)
    file_all(client, world, [world["council"].id])
    run_pending_jobs()
    db.session.expire_all()
    assert [k for k, _n in sent] == ["saksmappe", "journalpost"]  # the folder before what is filed in it
    assert db.session.get(Submission, world["council"].id).archive_reference == "2026/77-2"
    assert {m.status for m in db.session.scalars(sa.select(ArchiveMessage))} == {"sent"}


def test_the_folder_transport_writes_whole_packages(app, client, world, tmp_path):
    app.config.update(ARCHIVE_TRANSPORT="folder", ARCHIVE_FOLDER=str(tmp_path / "fiks"))
    client.login(world["reviewer"].email)
    file_all(client, world, [world["public"].id])
    run_pending_jobs()
    files = sorted(p.name for p in (tmp_path / "fiks").iterdir())
    assert files == ["arkivmelding-H-2026-000002.zip", f"arkivmelding-saksmappe-{world['process'].slug}.zip"]


def test_a_missing_attachment_fails_that_message_only(app, client, world):
    (Path(app.config["UPLOAD_FOLDER"]) / "stored-1").unlink()
    client.login(world["reviewer"].email)
    file_all(client, world, [world["private"].id, world["public"].id])
    run_pending_jobs()
    db.session.expire_all()
    status = {m.submission_id: m for m in db.session.scalars(sa.select(ArchiveMessage))}
    assert status[world["private"].id].status == "failed" and status[world["public"].id].status == "ready"
    assert "finnes ikke lenger" in text_of(client.get(f"/archive/processes/{world['process'].id}"))
    # it can be asked for again once the file is back
    (Path(app.config["UPLOAD_FOLDER"]) / "stored-1").write_bytes(b"%PDF-1.4 vedlegg")
    file_all(client, world, [world["private"].id])
    run_pending_jobs()
    db.session.expire_all()
    latest = db.session.scalar(sa.select(ArchiveMessage).where(ArchiveMessage.submission_id == world["private"].id)
                               .order_by(ArchiveMessage.id.desc()))
    assert latest.status == "ready"


def test_only_staff_with_a_reviewer_role_file_and_download(app, client, world, make_user):
    client.login(make_user("facilitator").email)
    assert client.get(f"/archive/processes/{world['process'].id}").status_code == 403


def test_withdrawn_or_foreign_responses_are_refused(app, client, world):
    w = world["public"]
    w.is_withdrawn, w.withdrawn_dt = True, utcnow()
    db.session.commit()
    client.login(world["reviewer"].email)
    r, _fields = file_all(client, world, [w.id])
    assert r.status_code == 422 and "kan ikke arkiveres" in text_of(r)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ArchiveMessage)) == 0


def test_the_retention_purge_drops_the_packages(app, client, world):
    from datetime import timedelta

    from hearing.privacy.records import purge_expired

    client.login(world["reviewer"].email)
    file_all(client, world, [world["private"].id])
    run_pending_jobs()
    process = world["process"]
    process.start_date = date.today() - timedelta(days=1000)
    process.end_date = date.today() - timedelta(days=800)
    db.session.commit()
    purge_expired(db.session, app.config["UPLOAD_FOLDER"])
    db.session.commit()
    db.session.expire_all()
    rows = db.session.scalars(sa.select(ArchiveMessage)).all()
    assert rows and all(m.data is None and m.size == 0 for m in rows)
    assert client.get(f"/archive/messages/{rows[-1].id}/download").status_code == 404


def test_a_folder_reference_is_read_from_what_the_archive_answered():
    parse = messages.FolderReference.parse
    assert parse("2026/123") == messages.FolderReference(case_year=2026, case_number=123)
    assert parse(" 26 / 7 ") == messages.FolderReference(case_year=2026, case_number=7)
    uuid = "3F2504E0-4F89-11D3-9A0C-0305E82C3301"
    assert parse(uuid) == messages.FolderReference(system_id=uuid.lower())
    assert parse("SAK-2026-0042") == messages.FolderReference(folder_id="SAK-2026-0042")
    assert parse("") is None and parse(None) is None


def test_registrations_point_at_the_case_folder_by_the_archives_reference_once_known(app, client, world):
    answers = {"saksmappe": "2026/77"}

    def fake(message, package):
        return answers.get(message.kind)

    transport.register("fake-case", fake)
    app.config["ARCHIVE_TRANSPORT"] = "fake-case"
    client.login(world["reviewer"].email)
    file_all(client, world, [world["council"].id])
    run_pending_jobs()
    db.session.expire_all()
    folder = db.session.scalar(sa.select(ArchiveMessage).where(ArchiveMessage.kind == "saksmappe"))
    assert folder.reference == "2026/77"
    reg = db.session.scalar(sa.select(ArchiveMessage).where(ArchiveMessage.submission_id == world["council"].id))
    doc = assert_valid(zipfile.ZipFile(io.BytesIO(reg.data)).read("arkivmelding.xml"))
    parent = doc.find("a:registrering/a:referanseForelderMappe", NS)
    assert parent.findtext("m:saksnummer/m:saksaar", namespaces=NS) == "2026"
    assert parent.findtext("m:saksnummer/m:sakssekvensnummer", namespaces=NS) == "77"
    # our own key stays beside it, as the external id
    assert parent.findtext("m:referanseEksternNoekkel/m:fagsystem", namespaces=NS) == messages.SYSTEM
    from hearing.exports.backup import process_uid

    assert parent.findtext("m:referanseEksternNoekkel/m:noekkel", namespaces=NS) == process_uid(db.session, folder.process)

    # a folder filed by hand: the reference staff type on the case folder is used by the next registrations
    from hearing.archive import services

    folder.reference = "3f2504e0-4f89-11d3-9a0c-0305e82c3301"
    db.session.commit()
    msg = ArchiveMessage(process_id=world["process"].id, kind="journalpost", submission_id=world["public"].id)
    msg.process, msg.submission = world["process"], world["public"]
    with app.test_request_context():
        data, _name = services.build_registration(db.session, msg, upload_folder=app.config["UPLOAD_FOLDER"])
    parent = assert_valid(zipfile.ZipFile(io.BytesIO(data)).read("arkivmelding.xml")).find(
        "a:registrering/a:referanseForelderMappe", NS)
    assert parent.findtext("m:systemID", namespaces=NS) == "3f2504e0-4f89-11d3-9a0c-0305e82c3301"
    assert parent.find("m:saksnummer", NS) is None and parent.find("m:referanseEksternNoekkel", NS) is not None


def test_before_the_archive_answers_the_folder_is_found_by_our_key_only(app, client, world):
    client.login(world["reviewer"].email)
    file_all(client, world, [world["public"].id])
    run_pending_jobs()
    reg = db.session.scalar(sa.select(ArchiveMessage).where(ArchiveMessage.submission_id == world["public"].id))
    parent = assert_valid(zipfile.ZipFile(io.BytesIO(reg.data)).read("arkivmelding.xml")).find(
        "a:registrering/a:referanseForelderMappe", NS)
    assert [etree.QName(child).localname for child in parent] == ["referanseEksternNoekkel"]


def test_the_pdf_a_checks_find_what_a_plain_pdf_lacks():
    import warnings

    import weasyprint
    from pypdf import PdfWriter
    from pypdf.generic import DictionaryObject, NameObject

    html = "<html lang='nb'><head><title>Høringssvar</title></head><body><p>Æ ø å</p></body></html>"
    with warnings.catch_warnings():  # WeasyPrint leaves its sRGB profile for the garbage collector to close
        warnings.simplefilter("ignore", ResourceWarning)
        archived = weasyprint.HTML(string=html).write_pdf(pdf_variant="pdf/a-2b")
        import gc

        gc.collect()
    assert pdfa.problems(archived) == []
    plain = pdfa.problems(weasyprint.HTML(string=html).write_pdf())
    assert plain == ["the trailer has no file /ID", "no XMP metadata in the catalogue",
                     "no output intent of subtype GTS_PDFA1"]
    # a font that is only named, not embedded (Helvetica, as many office tools write it)
    writer = PdfWriter()
    page = writer.add_blank_page(200, 200)
    font = DictionaryObject({NameObject("/Type"): NameObject("/Font"), NameObject("/Subtype"): NameObject("/Type1"),
                             NameObject("/BaseFont"): NameObject("/Helvetica")})
    page[NameObject("/Resources")] = DictionaryObject(
        {NameObject("/Font"): DictionaryObject({NameObject("/F1"): writer._add_object(font)})})
    out = io.BytesIO()
    writer.write(out)
    assert "fonts not embedded: /Helvetica" in pdfa.problems(out.getvalue())
