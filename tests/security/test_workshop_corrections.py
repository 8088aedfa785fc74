"""ASVS V4.1.3 (least privilege) / V7.1 (audit of changes): reviewers may not edit or delete facilitators'
workshop notes freely; they correct them with a reason, recorded with the text before and after.

Before the fix a reviewer could rewrite or delete any facilitator's note like its author.
"""

from __future__ import annotations

import sqlalchemy as sa

from hearing.extensions import db
from hearing.models import Activity, AuditEvent, Input
from hearing.workshop import services
from tests.conftest import Client, text_of


def _note(make_user, make_process):
    process = make_process()
    workshop = Activity(process=process, kind="workshop", title="Verksted")
    db.session.add(workshop)
    db.session.commit()
    author = make_user("facilitator")
    note, _ = services.save_note(db.session, author, workshop, services.NoteData("Mer tid til samtale, ring 912 34 567", "Bord 2", None, None))
    db.session.commit()
    return workshop, note


def test_a_correction_needs_a_reason_and_is_recorded(app, make_user, make_process):
    workshop, note = _note(make_user, make_process)
    reviewer = Client(app.test_client())
    reviewer.login(make_user("reviewer").email)
    page = reviewer.get(f"/workshop/notes/{note.id}/edit")
    assert "Rett notat" in text_of(page)
    r = reviewer.submit(f"/workshop/notes/{note.id}/edit", {"text": "Mer tid til samtale", "table_label": "Bord 2", "reason": ""})
    assert r.status_code == 200 and "Skriv hvorfor du retter notatet" in text_of(r)
    assert 'Mer tid til samtale' in r.get_data(as_text=True)  # what was typed is kept
    db.session.expire_all()
    assert db.session.get(Input, note.id).text.endswith("912 34 567")
    r = reviewer.submit(f"/workshop/notes/{note.id}/edit", {"text": "Mer tid til samtale", "table_label": "Bord 2",
                                                           "reason": "Telefonnummer fjernet"})
    assert r.status_code == 302
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "input.correct"))
    assert event.data["reason"] == "Telefonnummer fjernet"
    assert event.data["before"]["text"] == "Mer tid til samtale, ring [telefon]"  # masked, never the number
    assert event.data["after"]["text"] == "Mer tid til samtale"


def test_a_reviewer_cannot_delete_a_facilitators_note(app, make_user, make_process):
    workshop, note = _note(make_user, make_process)
    reviewer = Client(app.test_client())
    reviewer.login(make_user("reviewer").email)
    token = reviewer.get("/workshop/csrf-token").json["token"]
    r = reviewer.post(f"/workshop/notes/{note.id}/delete", data={"csrf_token": token})
    assert r.status_code == 403
    assert db.session.get(Input, note.id) is not None
