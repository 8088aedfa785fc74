"""ASVS V3 (session management) / V8 (data protection): a replayed answer form hands out no edit link.

Before the fix the one-time key was stored in plain text, and a POST repeating it from any browser was
redirected to the victim's receipt with its edit and delete buttons.
"""

from __future__ import annotations

import sqlalchemy as sa

from hearing.extensions import db
from hearing.models import Submission
from hearing.participation.services import key_hash
from tests.conftest import Client, text_of
from tests.security.conftest import post_response


def test_the_database_keeps_only_a_hash_of_the_key(client, world):
    r, fields = post_response(client, f"/delta/{world['box'].id}", {"statement": "En benk", "consent": "without_name"})
    assert r.status_code == 302
    stored = db.session.scalar(sa.select(Submission.submission_key))
    assert stored != fields["submission_key"] and fields["submission_key"] not in stored
    assert stored == key_hash(fields["submission_key"])


def test_a_replay_in_the_same_browser_finds_the_same_receipt(client, world):
    url = f"/delta/{world['box'].id}"
    first, fields = post_response(client, url, {"statement": "En benk", "consent": "without_name"})
    again, _ = post_response(client, url, {"statement": "En benk", "consent": "without_name"}, fields=fields)
    assert first.status_code == again.status_code == 302 and first.location == again.location
    assert db.session.scalar(sa.select(sa.func.count(Submission.id))) == 1


def test_a_replay_from_another_browser_gets_a_neutral_answer_without_the_edit_link(app, client, world):
    url = f"/delta/{world['box'].id}"
    first, fields = post_response(client, url, {"statement": "En benk", "consent": "without_name"})
    token = first.location.split("/svar/")[1].split("?")[0]
    stranger = Client(app.test_client())
    own = post_response(stranger, url, {})[1]  # the stranger's own session and CSRF token …
    replay = stranger.post(url, data={**own, "submission_key": fields["submission_key"],  # … with the victim's key
                                      "statement": "En benk", "consent": "without_name"},
                           content_type="multipart/form-data")
    assert replay.status_code == 200
    page = replay.get_data(as_text=True)
    assert "allerede mottatt" in text_of(replay)
    assert token not in page and "/svar/" not in page and replay.location is None
    assert db.session.scalar(sa.select(sa.func.count(Submission.id))) == 1
