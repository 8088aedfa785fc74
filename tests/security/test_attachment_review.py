"""ASVS V8.3 (sensitive private data) / V7.1 (logging): reviewers are warned before they download an
unmasked attachment, the download is recorded as warned, and they can read a masked text extract instead.

Before the fix GET /admin/attachments/<id> sent the raw file at once, with no warning or masked alternative.
"""

from __future__ import annotations

import io

import docx
import sqlalchemy as sa
from flask import current_app

from hearing.extensions import db
from hearing.jobs import run_pending_jobs
from hearing.models import Attachment, AuditEvent, Job
from hearing.privacy.extract import masked_text
from tests.conftest import hidden_fields, text_of
from tests.security.conftest import post_response

FNR = "15108695088"


def _docx(text: str) -> bytes:
    d = docx.Document()
    d.add_paragraph(text)
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()


def _pdf(text: str) -> bytes:
    """A one-page PDF with ``text`` in Helvetica (made by hand: no PDF writer is a dependency)."""
    stream = f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode("latin-1")
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
               b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
               b"/Resources << /Font << /F1 5 0 R >> >> >>",
               b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
               b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for i, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def test_masked_extracts_of_pdf_docx_and_text():
    for data, kind in [(_pdf(f"Mitt fnr er {FNR}, ring 912 34 567"), "application/pdf"),
                       (_docx(f"Mitt fnr er {FNR}, ring 912 34 567"),
                        "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
                       (f"Mitt fnr er {FNR}, ring 912 34 567".encode(), "text/plain")]:
        extract = masked_text(data, kind)
        assert FNR not in extract.text and "912 34 567" not in extract.text, kind
        assert "[fødselsnummer]" in extract.text and "[telefon]" in extract.text, kind


def test_reviewers_are_warned_read_a_masked_text_and_downloads_are_recorded(client, world, make_user):
    r, _ = post_response(client, f"/delta/{world['hearing'].id}", {"statement": "Se vedlegg", "consent": "without_name"},
                         files=[(io.BytesIO(_docx(f"Jeg heter Kari Nordmann, fnr {FNR}.")), "uttalelse.docx")])
    assert r.status_code == 302
    att = db.session.scalar(sa.select(Attachment))
    reviewer = make_user("reviewer")
    client.login(reviewer.email)
    warning = client.get(f"/admin/attachments/{att.id}")
    assert warning.status_code == 200 and "Content-Disposition" not in warning.headers
    assert "ikke maskert" in text_of(warning) and "logget" in text_of(warning)
    assert db.session.scalar(sa.select(sa.func.count(AuditEvent.id)).where(AuditEvent.action == "attachment.download")) == 0

    # the text is read out by a background job, never in the request: the page waits and says so
    waiting = client.get(f"/admin/attachments/{att.id}/tekst")
    assert waiting.status_code == 200 and "Teksten leses ut" in text_of(waiting)
    assert 'aria-live="polite"' in waiting.get_data(as_text=True)
    client.get(f"/admin/attachments/{att.id}/tekst")  # a second look waits for the same job
    kinds = db.session.scalars(sa.select(Job.kind).where(Job.kind == "attachments.extract")).all()
    assert kinds == ["attachments.extract"]
    polled = client.get(f"/admin/attachments/{att.id}/tekst", headers={"Accept": "application/json"}).get_json()
    assert polled["finished"] is False
    run_pending_jobs(current_app._get_current_object())
    assert client.get(f"/admin/attachments/{att.id}/tekst", headers={"Accept": "application/json"}).get_json()["finished"]
    extract = client.get(f"/admin/attachments/{att.id}/tekst")
    page = text_of(extract)
    assert extract.status_code == 200 and FNR not in page and "Kari Nordmann" not in page
    assert "Jeg heter [navn], fnr [fødselsnummer]." in page

    download = client.post(f"/admin/attachments/{att.id}",
                           data=hidden_fields(warning.get_data(as_text=True), action=f"/admin/attachments/{att.id}"))
    assert download.status_code == 200 and download.headers["Content-Disposition"].startswith("attachment")
    download.close()
    events = {e.action: e for e in db.session.scalars(sa.select(AuditEvent).where(AuditEvent.object_id == att.id))}
    assert events["attachment.download"].data["warned"] is True and events["attachment.download"].actor_id == reviewer.id
    assert "attachment.view_masked" in events


def test_a_download_without_the_confirming_form_is_refused(client, world, make_user):
    post_response(client, f"/delta/{world['hearing'].id}", {"statement": "Se vedlegg", "consent": "without_name"},
                  files=[(io.BytesIO(b"%PDF-1.4\n"), "uttalelse.pdf")])
    att = db.session.scalar(sa.select(Attachment))
    client.login(make_user("reviewer").email)
    r = client.post(f"/admin/attachments/{att.id}", data={})
    assert "Content-Disposition" not in r.headers
