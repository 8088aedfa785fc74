"""ASVS V12.1/V12.2 (file upload, integrity): only allowed kinds, by extension and content together.

Before the fix ``Uttalelse.pdf.js``, ``.hta``, ``.bat``, ``x.html`` and ``x.svg`` were stored (any text
passed the content check) and served to reviewers under the sender's name and extension.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest
import sqlalchemy as sa

from hearing.extensions import db
from hearing.models import Attachment, Submission
from hearing.participation.uploads import UploadError, check_upload, has_double_extension, safe_filename
from tests.conftest import hidden_fields, text_of
from tests.security.conftest import post_response, receipt_token

PDF = b"%PDF-1.4\n1 0 obj\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 16


@pytest.mark.parametrize(("filename", "content"), [
    ("Uttalelse.pdf.js", b"alert(document.cookie)"),
    ("Uttalelse.pdf.js", PDF),
    ("innspill.hta", b"<html><script>new ActiveXObject('WScript.Shell')</script></html>"),
    ("start.bat", b"@echo off\r\ndel C:\\ /q\r\n"),
    ("x.html", b"<html><body onload=alert(1)></body></html>"),
    ("x.svg", b"<svg xmlns='http://www.w3.org/2000/svg' onload='alert(1)'/>"),
    ("x.txt", b"<!DOCTYPE html><script>alert(1)</script>"),
    ("x.txt", b"<svg onload=alert(1)>"),
    ("x.txt", b"#!/bin/sh\nrm -rf /\n"),
    ("bilde.exe.pdf", PDF),
    ("uttalelse.pdf", PNG),  # content and extension disagree
    ("uttalelse", PDF),  # no extension
    ("uttalelse.PDF.exe", b"MZ\x90\x00"),
])
def test_executable_or_mismatched_files_are_refused(filename, content):
    with pytest.raises(UploadError):
        check_upload(filename, content)


@pytest.mark.parametrize(("filename", "content", "stored"), [
    ("Uttalelse.pdf", PDF, "Uttalelse.pdf"),
    ("Kari A. Hansen.PDF", PDF, "Kari A_ Hansen.pdf"),
    ("versjon 1.2.pdf", PDF, "versjon 1_2.pdf"),
    ("C:\\Users\\kari\\bilde.jpeg", b"\xff\xd8\xff\xe0", "bilde.jpg"),
    ("notat.txt", b"Jeg mener at planen er god. <3", "notat.txt"),
])
def test_allowed_files_get_a_safe_name_with_the_right_extension(filename, content, stored):
    assert check_upload(filename, content).filename == stored


def test_double_extensions():
    assert has_double_extension("Uttalelse.pdf.js") and has_double_extension("a.exe.pdf")
    assert not has_double_extension("Kari A. Hansen.pdf") and not has_double_extension("plan 2026.05.pdf")
    assert safe_filename("<script>.pdf", "application/pdf") == "script.pdf"


def test_a_refused_file_keeps_the_text_and_stores_nothing(client, world):
    r, _ = post_response(client, f"/delta/{world['hearing'].id}", {"statement": "Min uttalelse", "consent": "without_name"},
                         files=[(io.BytesIO(b"alert(1)"), "Uttalelse.pdf.js")])
    assert r.status_code == 422
    assert "to filendelser" in text_of(r) and "Min uttalelse" in r.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(Submission.id))) == 0


def test_stored_and_served_under_a_safe_name_never_cached(client, world, app):
    r, _ = post_response(client, f"/delta/{world['hearing'].id}", {"statement": "Min uttalelse", "consent": "without_name"},
                         files=[(io.BytesIO(PDF), "Uttalelse fra <Kari>.pdf")])
    assert r.status_code == 302
    att = db.session.scalar(sa.select(Attachment))
    assert att.filename == "Uttalelse fra _Kari.pdf"
    assert att.storage_name.endswith(".pdf") and (Path(app.config["UPLOAD_FOLDER"]) / att.storage_name).is_file()
    download = client.get(f"/svar/{receipt_token(r)}/vedlegg/{att.id}")
    assert download.status_code == 200
    disposition = download.headers["Content-Disposition"]
    assert disposition.startswith("attachment") and "Kari.pdf" in disposition and "<" not in disposition
    assert download.headers["Content-Type"] == "application/pdf"
    assert "no-store" in download.headers["Cache-Control"]
    download.close()


def test_an_old_attachment_is_served_with_the_extension_of_its_content(client, world, app, make_user):
    """Files stored before the fix (name as sent) are still served under a safe name."""
    r, _ = post_response(client, f"/delta/{world['hearing'].id}", {"statement": "Min uttalelse", "consent": "without_name"},
                         files=[(io.BytesIO(b"hei"), "notat.txt")])
    att = db.session.scalar(sa.select(Attachment))
    att.filename = "x.html"  # as the old code stored it
    db.session.commit()
    reviewer = make_user("reviewer")
    client.login(reviewer.email)
    page = client.get(f"/admin/attachments/{att.id}").get_data(as_text=True)
    download = client.post(f"/admin/attachments/{att.id}", data=hidden_fields(page, action=f"/admin/attachments/{att.id}"))
    assert download.status_code == 200
    assert 'filename=x_html.txt' in download.headers["Content-Disposition"]
    assert "no-store" in download.headers["Cache-Control"]
    download.close()
