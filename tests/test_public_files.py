"""The public files of a hearing (its published set as CSV/XLSX, its document as PDF) are made by a worker,
never inside the request: progress on a page, one job however often the link is clicked, the file kept
until what it holds changes, only approved and masked content in it."""

from __future__ import annotations

import sqlalchemy as sa

from hearing.exports import public_files
from hearing.extensions import db
from hearing.jobs import run_pending_jobs
from hearing.models import Activity, ExportFile, Job
from hearing.reporting import moderation
from tests import test_moderation
from tests.conftest import download_public, text_of
from tests.test_moderation import close

#: The moderation tests' hearing with a document and a response maker (the same fixture).
world = test_moderation.world


def _jobs(kind=public_files.PUBLISHED_SET) -> list[Job]:
    return db.session.scalars(sa.select(Job).where(Job.kind == kind)).all()


def test_the_export_is_made_in_the_background_once_with_progress_on_a_page(client, world):
    hearing = world["hearing"]
    world["response"]("Bedre mat på sykehjemmet", moderation="approved")
    close(hearing)
    url = f"/delta/{hearing.id}/svar.csv"
    first = client.get(url)
    assert first.status_code == 303 and "/filer/" in first.location  # nothing built in the request
    page = client.get(first.location)
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "<progress" in html and "Filen lages" in text_of(page)
    status = client.get(first.location.split("?")[0] + "/status").get_json()
    assert status["status"] == "queued" and status["finished"] is False
    again = client.get(url)  # a second click while it is made
    assert again.location == first.location and len(_jobs()) == 1
    run_pending_jobs()
    done = client.get(first.location)
    assert "Filen er klar" in text_of(done) and 'href="/delta/' in done.get_data(as_text=True)
    file = client.get(url)
    assert file.status_code == 200 and "Bedre mat på sykehjemmet" in file.get_data(as_text=True)
    assert "attachment" in file.headers["Content-Disposition"]
    assert file.headers["Content-Type"] == "text/csv; charset=utf-8"  # the charset said once
    assert client.get(url).status_code == 200 and len(_jobs()) == 1  # kept: served without a new job


def test_only_approved_masked_answers_and_a_stale_file_is_made_anew(client, world):
    hearing, response = world["hearing"], world["response"]
    response("Ring meg på 912 34 567 om maten", moderation="approved")
    waiting = response("Venter på kommunen")
    close(hearing)
    url = f"/delta/{hearing.id}/svar.csv"
    text = download_public(client, url).get_data(as_text=True)
    assert "Ring meg på" in text and "912 34 567" not in text and "Venter på kommunen" not in text
    moderation.approve(db.session, world["reviewer"], waiting)
    db.session.commit()
    assert client.get(url).status_code == 303  # the kept file is stale: a new one is made
    text = download_public(client, url).get_data(as_text=True)
    assert "Venter på kommunen" in text
    assert db.session.scalar(sa.select(sa.func.count(ExportFile.id))
                             .where(ExportFile.public_activity_id == hearing.id)) == 1  # the stale one went


def test_hiding_an_answer_deletes_the_kept_file_at_once(client, world):
    hearing, response = world["hearing"], world["response"]
    sub = response("Dette skal skjules", moderation="approved")
    close(hearing)
    assert "Dette skal skjules" in download_public(client, f"/delta/{hearing.id}/svar.csv").get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(ExportFile.id)).where(ExportFile.public_activity_id == hearing.id)) == 1
    moderation.hide(db.session, world["reviewer"], sub, "Personopplysninger om en tredjeperson")
    db.session.commit()
    assert db.session.scalar(sa.select(sa.func.count(ExportFile.id)).where(ExportFile.public_activity_id == hearing.id)) == 0
    text = download_public(client, f"/delta/{hearing.id}/svar.csv").get_data(as_text=True)
    assert "Dette skal skjules" not in text


def test_filters_make_their_own_file(client, world):
    hearing, response, doc = world["hearing"], world["response"], world["doc"]
    food, transport = doc.sections
    response("Om maten", section=food, moderation="approved")
    response("Om bussen", section=transport, moderation="approved")
    close(hearing)
    only_bus = download_public(client, f"/delta/{hearing.id}/svar.csv?del={transport.id}").get_data(as_text=True)
    everything = download_public(client, f"/delta/{hearing.id}/svar.csv").get_data(as_text=True)
    assert "Om bussen" in only_bus and "Om maten" not in only_bus and "Om maten" in everything


def test_the_job_page_and_status_belong_to_their_hearing(client, world, make_process):
    from hearing.models import Activity

    hearing = world["hearing"]
    world["response"]("Et svar", moderation="approved")
    close(hearing)
    location = client.get(f"/delta/{hearing.id}/svar.csv").location
    job_id = int(location.split("/filer/")[1].split("?")[0])
    other = Activity(process=world["process"], kind="hearing", title="En annen høring")
    db.session.add(other)
    db.session.commit()
    assert client.get(f"/delta/{other.id}/filer/{job_id}").status_code == 404
    assert client.get(f"/delta/{other.id}/filer/{job_id}/status").status_code == 404
    # the file link given back stays on this site
    page = client.get(f"/delta/{hearing.id}/filer/{job_id}?fil=//evil.example/x").get_data(as_text=True)
    assert 'href="//evil.example' not in page and f'href="/delta/{hearing.id}/svar"' in page
    world["process"].is_public = False
    db.session.commit()
    assert client.get(f"/delta/{hearing.id}/filer/{job_id}").status_code == 404
    assert client.get(f"/delta/{hearing.id}/svar.csv").status_code == 404


def test_too_many_searches_waiting_ask_the_reader_to_come_back_on_that_hearing_only(app, client, world):
    hearing = world["hearing"]
    other = Activity(process=world["process"], kind="hearing", title="En annen høring", opens_dt=hearing.opens_dt)
    db.session.add(other)
    close(hearing)
    close(other)
    app.config.update(PUBLIC_FILE_JOBS_PER_HEARING=2, PUBLIC_FILE_JOBS_WAITING=3)
    for word in ("mat", "buss"):
        assert client.get(f"/delta/{hearing.id}/svar.csv?q={word}").status_code == 303
    busy = client.get(f"/delta/{hearing.id}/svar.xlsx?q=kaffe")
    assert busy.status_code == 503 and "Prøv igjen" in text_of(busy) and busy.headers["Retry-After"]
    # the same search again reuses its job; the whole set and the document are never refused
    assert client.get(f"/delta/{hearing.id}/svar.csv?q=mat").status_code == 303
    assert client.get(f"/delta/{hearing.id}/svar.xlsx").status_code == 303
    # another hearing's readers are not kept waiting by this one's searches, up to the cap over all hearings
    assert client.get(f"/delta/{other.id}/svar.csv?q=mat").status_code == 303
    assert client.get(f"/delta/{other.id}/svar.csv?q=buss").status_code == 503
    assert client.get(f"/delta/{other.id}/svar.csv").status_code == 303


def test_the_hearing_document_pdf_is_kept_until_the_document_changes(client, world):
    hearing, doc = world["hearing"], world["doc"]
    url = f"/delta/{hearing.id}/dokument.pdf"
    first = client.get(url)
    assert first.status_code == 303
    assert "Tilbake til høringen" in text_of(client.get(first.location))
    pdf = download_public(client, url)
    assert pdf.data[:5] == b"%PDF-" and len(_jobs(public_files.DOCUMENT)) == 1
    assert client.get(url).status_code == 200
    doc.sections[0].body = "Ny tekst om mat."
    db.session.commit()
    assert client.get(url).status_code == 303  # changed: made anew
    assert download_public(client, url).data[:5] == b"%PDF-" and len(_jobs(public_files.DOCUMENT)) == 2


def test_a_failed_job_says_why_and_offers_to_try_again(client, world):
    hearing = world["hearing"]
    close(hearing)
    location = client.get(f"/delta/{hearing.id}/svar.csv").location
    job = db.session.scalars(sa.select(Job).where(Job.kind == public_files.PUBLISHED_SET)).one()
    job.payload = {**job.payload, "fmt": "exe"}
    db.session.commit()
    run_pending_jobs()
    page = text_of(client.get(location))
    assert "Filen kunne ikke lages" in page and "Ukjent filformat" in page and "Prøv igjen" in page
    assert client.get(f"/delta/{hearing.id}/svar.csv").status_code == 303  # a failed job is not waited for
