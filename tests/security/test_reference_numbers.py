"""ASVS V8 / integrity of records: a reference number is never given to two responses.

Before the fix SQLite gave the highest id again after that response was deleted, and the reference
number (made from the id) with it: a receipt could then name someone else's response.
"""

from __future__ import annotations

import sqlalchemy as sa

from hearing.extensions import db
from hearing.models import Submission
from hearing.privacy.records import delete_submission
from tests.security.conftest import post_response


def test_a_deleted_responses_reference_is_not_given_again(app, client, world):
    url = f"/delta/{world['box'].id}"
    post_response(client, url, {"statement": "Første", "consent": "without_name"})
    last = db.session.scalar(sa.select(Submission).order_by(Submission.id.desc()))
    gone_id, gone_reference = last.id, last.reference
    delete_submission(db.session, None, last, app.config["UPLOAD_FOLDER"], reason="test")
    db.session.commit()
    post_response(client, url, {"statement": "Andre", "consent": "without_name"})
    new = db.session.scalar(sa.select(Submission).order_by(Submission.id.desc()))
    assert new.id > gone_id and new.reference != gone_reference
