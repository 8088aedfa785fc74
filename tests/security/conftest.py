"""A process with a public hearing, a suggestion box and an invitation, and helpers to answer them."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from hearing.extensions import db
from hearing.models import Activity, Document, Section, StakeholderGroup, utcnow
from tests.conftest import hidden_fields


@pytest.fixture
def world(make_process):
    process = make_process()
    now = utcnow()
    council = StakeholderGroup(process=process, name="Eldrerådet", category="council")
    hearing = Activity(process=process, kind="hearing", title="Offentlig høring", audience="public",
                       opens_dt=now - timedelta(days=1), closes_dt=now + timedelta(days=42))
    doc = Document(activity=hearing, title="Høringsutkast")
    doc.sections = [Section(position=1, number="1", title="Innledning", body="Planen gjelder alle.")]
    box = Activity(process=process, kind="suggestions", title="Benkeforslag", audience="public",
                   opens_dt=now - timedelta(days=1), closes_dt=now + timedelta(days=10))
    db.session.add_all([council, hearing, doc, box])
    db.session.commit()
    return {"process": process, "hearing": hearing, "box": box, "council": council, "doc": doc}


def post_response(client, url, data, files=None, *, fields=None):
    """POST a response form as a browser would: the page's hidden fields, then ``data`` (and files)."""
    fields = fields or hidden_fields(client.get(url).get_data(as_text=True))
    payload = {**fields, **data}
    if files:
        payload["attachments"] = files
    return client.post(url, data=payload, content_type="multipart/form-data"), fields


def receipt_token(response) -> str:
    return re.search(r"/svar/([^/?]+)", response.location).group(1)
