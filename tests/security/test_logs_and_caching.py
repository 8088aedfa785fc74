"""ASVS V7.1.1 (no secrets in logs) and V8.2.1 (no caching of sensitive responses).

Before the fix the development server's log recorded ``/svar/<token>`` and ``?key=`` in full, and the
respondent's own-data downloads and attachments could be cached.
"""

from __future__ import annotations

import io
import logging

import sqlalchemy as sa

from hearing.extensions import db
from hearing.logs import RedactSecrets, redact
from hearing.models import Attachment
from tests.security.conftest import post_response, receipt_token

TOKEN = "Zq3v9kTtq0Hn2cR7xW8yB1uE4fG6hJ5k"


def test_the_development_server_log_keeps_no_tokens():
    record = logging.LogRecord("werkzeug", logging.INFO, __file__, 1, '%s - - [%s] "%s" %s -',
                               ("127.0.0.1", "04/Dec/2026 10:00:00",
                                f"GET /svar/{TOKEN}/endre?key={TOKEN} HTTP/1.1", "200"), None)
    RedactSecrets().filter(record)
    line = record.getMessage()
    assert TOKEN not in line and "/svar/…/endre?…" in line
    for path in (f"/invitasjon/{TOKEN}", f"/nytt-passord/{TOKEN}", f"/enhet/{TOKEN}/regneark.xlsx",
                 f"/admin/users/1/midlertidig-passord?key={TOKEN}"):
        assert TOKEN not in redact(f'"GET {path} HTTP/1.1"'), path


def test_the_app_installs_the_filter_on_the_werkzeug_logger(app):
    assert any(isinstance(f, RedactSecrets) for f in logging.getLogger("werkzeug").filters)


def test_own_data_downloads_and_attachments_are_never_stored(client, world):
    r, _ = post_response(client, f"/delta/{world['hearing'].id}", {"statement": "Min uttalelse", "consent": "without_name"},
                         files=[(io.BytesIO(b"%PDF-1.4\n1 0 obj\n"), "uttalelse.pdf")])
    token = receipt_token(r)
    att = db.session.scalar(sa.select(Attachment))
    for url in (f"/svar/{token}/data.json", f"/svar/{token}/data.pdf", f"/svar/{token}/vedlegg/{att.id}",
                f"/svar/{token}"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert "no-store" in response.headers.get("Cache-Control", ""), url
        response.close()
