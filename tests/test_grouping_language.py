"""Every input gets its language once when stored; a reviewer can correct it; the board filters on it."""

from __future__ import annotations

import sqlalchemy as sa

from hearing.extensions import db
from hearing.models import Activity, AuditEvent, Input
from hearing.review import board
from tests.conftest import text_of


def _activity(make_process):
    process = make_process()
    activity = Activity(process=process, kind="workshop", title="Verksted")
    db.session.add(activity)
    db.session.flush()
    return process, activity


def test_language_is_detected_once_when_stored(make_process):
    _process, activity = _activity(make_process)
    nn = Input(activity_id=activity.id, text="Eg meiner kommunen må gjere meir for dei eldre.", source="workshop")
    en = Input(activity_id=activity.id, text="We need more staff in the home care services.", source="import")
    given = Input(activity_id=activity.id, lang="da", text="Vi har brug for flere hænder i ældreplejen.", source="import")
    emoji = Input(activity_id=activity.id, text="👍", source="workshop")
    db.session.add_all([nn, en, given, emoji])
    db.session.commit()
    assert (nn.lang, en.lang, given.lang, emoji.lang) == ("nn", "en", "da", "nb")
    nn.lang = "nb"  # a reviewer's correction survives an edit of the text
    nn.text = "Eg meiner kommunen må gjere meir."
    assert nn.lang == "nb"
    # the busy answer path (plain INSERTs) sets it too
    values = Input.insert_values(activity_id=activity.id, text="Vi trenger flere hender i hjemmetjenesten.",
                                 source="web")
    assert values["lang"] == "nb"


def test_reviewer_corrects_the_language_and_the_filter_follows(make_process, make_user, client):
    process, activity = _activity(make_process)
    inp = Input(activity_id=activity.id, text="Vi trenger flere hender i hjemmetjenesten.", source="workshop")
    db.session.add(inp)
    db.session.commit()
    assert inp.lang == "nb"
    reviewer = make_user("reviewer")
    facilitator = make_user("facilitator")
    page = f"/review/inputs/{inp.id}"
    client.login(facilitator.email)
    assert client.post(f"{page}/language", data={"lang": "da"}).status_code in (400, 403)
    client.login(reviewer.email)
    assert "Rett språket" in text_of(client.get(page))
    r = client.submit(page, {"lang": "da"}, action=f"{page}/language")
    assert r.status_code == 302
    db.session.expire_all()
    assert db.session.get(Input, inp.id).lang == "da"
    assert db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "input.language"))
    r = client.submit(page, {"lang": "xx"}, action=f"{page}/language")
    assert r.status_code == 400
    assert db.session.get(Input, inp.id).lang == "da"
    assert board.Filters.from_args({"lang_filter": "da"}).lang == "da"
