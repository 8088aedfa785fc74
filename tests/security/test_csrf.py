"""ASVS V4.2.2 / V13.2.3 (CSRF): CSRFProtect guards every POST of the participation blueprint too, and a
refused answer form comes back with what was typed.

Before the fix the participation blueprint was exempt from CSRFProtect and four views checked the token
by hand (a view that forgot it would have been open).
"""

from __future__ import annotations

import sqlalchemy as sa

from hearing.extensions import csrf, db
from hearing.models import Input, Submission
from tests.conftest import text_of
from tests.security.conftest import post_response, receipt_token


def test_only_the_token_api_is_exempt(app):
    assert {bp.name for bp in csrf._exempt_blueprints} <= {"api"}, csrf._exempt_blueprints
    assert not {v for v in csrf._exempt_views if v.startswith("hearing.participation")}


def test_a_refused_answer_keeps_the_text(client, world):
    r = client.post(f"/delta/{world['box'].id}", data={"statement": "Uten token", "place_name": "Torget",
                                                        "consent": "without_name", "csrf_token": "forfalsket"})
    assert r.status_code == 400
    page = r.get_data(as_text=True)
    assert "Uten token" in page and 'value="Torget"' in page and "Skjemaet var utløpt" in text_of(r)
    assert 'name="csrf_token"' in page  # a fresh token to send it again with
    assert db.session.scalar(sa.select(sa.func.count(Submission.id))) == 0


def test_edit_withdraw_and_delete_need_the_token(client, world):
    r, _ = post_response(client, f"/delta/{world['box'].id}", {"statement": "Første versjon", "consent": "without_name"})
    token = receipt_token(r)
    edit = client.post(f"/svar/{token}/endre", data={"statement": "Endret uten token", "consent": "without_name"})
    assert edit.status_code == 400 and "Endret uten token" in edit.get_data(as_text=True)
    assert client.post(f"/svar/{token}/trekk", data={}).status_code == 400
    assert client.post(f"/svar/{token}/slett", data={}).status_code == 400
    sub = db.session.scalar(sa.select(Submission))
    assert not sub.is_withdrawn and db.session.scalar(sa.select(Input.text)) == "Første versjon"
