"""A process with a public hearing, a suggestion box and an invitation, and helpers to answer them."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from hearing.extensions import db
from hearing.models import StakeholderGroup, utcnow
from tests.conftest import hidden_fields


@pytest.fixture
def world(make_process, make_activity):
    process = make_process()
    opened = utcnow() - timedelta(days=1)
    hearing = make_activity("hearing", process=process, opens_dt=opened, groups=[("Eldrerådet", "council")],
                            sections=[("Innledning", "Planen gjelder alle.")])
    box = make_activity("suggestions", process=process, opens_dt=opened, closes_dt=utcnow() + timedelta(days=10))
    council = db.session.scalar(sa.select(StakeholderGroup).where(StakeholderGroup.process_id == process.id))
    return {"process": process, "hearing": hearing, "box": box, "council": council, "doc": hearing.document}


def post_response(client, url, data, files=None, *, fields=None):
    """POST a response form as a browser would: the page's hidden fields, then ``data`` (and files)."""
    fields = fields or hidden_fields(client.get(url).get_data(as_text=True))
    payload = {**fields, **data}
    if files:
        payload["attachments"] = files
    return client.post(url, data=payload, content_type="multipart/form-data"), fields


def receipt_token(response) -> str:
    return re.search(r"/svar/([^/?]+)", response.location).group(1)
