"""Workshop capture: the JSON endpoint the page uses, edit and delete rights, polling, bulk paste."""

from __future__ import annotations

import re
import uuid

import pytest
import sqlalchemy as sa

from hearing.extensions import db
from hearing.models import Activity, AuditEvent, Input, Job, Prompt, StakeholderGroup
from tests.conftest import PASSWORD, Client, hidden_fields, text_of


@pytest.fixture
def workshop(app, make_process):
    process = make_process()
    group = StakeholderGroup(process=process, name="Ansatte", category="employees")
    activity = Activity(process=process, kind="workshop", title="Oppstartsverksted", groups=[group])
    prompt = Prompt(activity=activity, position=1, text="Hva er de største utfordringene?")
    db.session.add_all([group, activity, prompt])
    db.session.commit()
    return activity


def logged_in(app, user) -> Client:
    client = Client(app.test_client())
    assert client.login(user.email, PASSWORD).status_code == 302
    return client


def csrf_of(client: Client, activity: Activity) -> str:
    page = client.get(f"/workshop/activities/{activity.id}")
    assert page.status_code == 200
    return re.search(r'data-csrf="([^"]+)"', page.get_data(as_text=True)).group(1)


def post_note(client: Client, activity: Activity, token: str, **body):
    return client.post(f"/workshop/activities/{activity.id}/notes", json=body, headers={"X-CSRFToken": token})


def test_note_sent_twice_is_stored_once(app, make_user, workshop):
    client = logged_in(app, make_user("facilitator"))
    token = csrf_of(client, workshop)
    note_id = str(uuid.uuid4())
    group, prompt = workshop.groups[0], workshop.prompts[0]
    body = {"client_id": note_id, "text": "  Vi trenger flere heltidsstillinger  ", "table": "Bord 3",
            "group_id": group.id, "prompt_id": prompt.id}

    first = post_note(client, workshop, token, **body)
    again = post_note(client, workshop, token, **body)

    assert first.status_code == 201 and first.json["created"] is True
    assert again.status_code == 200 and again.json["created"] is False
    assert again.json["note"]["id"] == first.json["note"]["id"]
    notes = db.session.scalars(sa.select(Input).where(Input.activity_id == workshop.id)).all()
    assert len(notes) == 1
    note = notes[0]
    assert (note.text, note.table_label, note.group_id, note.prompt_id, note.source, note.client_id) == (
        "Vi trenger flere heltidsstillinger", "Bord 3", group.id, prompt.id, "workshop", note_id)
    assert first.json["note"]["table"] == "Bord 3" and first.json["note"]["can_change"] is True
    assert db.session.scalar(sa.select(sa.func.count()).where(AuditEvent.action == "input.create")) == 1
    queued = db.session.scalars(sa.select(Job.kind).where(Job.status == "queued")).all()
    assert queued in (["themes.embed"], ["themes.place"])  # one grouping job for the new note, not two


def test_json_capture_needs_the_csrf_header_and_valid_data(app, make_user, workshop):
    client = logged_in(app, make_user("facilitator"))
    token = csrf_of(client, workshop)
    assert post_note(client, workshop, "", client_id=str(uuid.uuid4()), text="Uten token").status_code == 400
    empty = post_note(client, workshop, token, client_id=str(uuid.uuid4()), text="   ")
    assert empty.status_code == 400 and empty.json["error"] == "Notatet er tomt."
    wrong_group = post_note(client, workshop, token, client_id=str(uuid.uuid4()), text="Hei", group_id=999)
    assert wrong_group.status_code == 400 and "Gruppen" in wrong_group.json["error"]
    assert db.session.scalar(sa.select(sa.func.count(Input.id))) == 0


def test_plain_form_works_without_script(app, make_user, workshop):
    client = logged_in(app, make_user("facilitator"))
    url = f"/workshop/activities/{workshop.id}"
    page = client.get(url).get_data(as_text=True)
    fields = hidden_fields(page)
    fields.update({"text": "Notat uten skript", "table_label": "Bord 1", "group_id": "0", "prompt_id": "0"})
    for _ in range(2):  # a double click sends the same server-made id twice
        r = client.post(f"{url}/notes", data=fields)
        assert r.status_code == 302
    assert db.session.scalar(sa.select(sa.func.count(Input.id))) == 1
    assert "Notat uten skript" in text_of(client.get(url))


def test_others_see_new_notes_by_polling_with_a_cursor(app, make_user, workshop):
    frida, olav = make_user("facilitator"), make_user("facilitator")
    a, b = logged_in(app, frida), logged_in(app, olav)
    first = b.get(f"/workshop/activities/{workshop.id}/notes.json").json
    assert first["notes"] == [] and first["ids"] == []

    token = csrf_of(a, workshop)
    post_note(a, workshop, token, client_id=str(uuid.uuid4()), text="Første", table="Bord 1")
    post_note(a, workshop, token, client_id=str(uuid.uuid4()), text="Andre", table="Bord 2")

    seen = b.get(f"/workshop/activities/{workshop.id}/notes.json", query_string={"since": first["cursor"]}).json
    assert [n["text"] for n in seen["notes"]] == ["Andre", "Første"]  # newest first
    assert all(n["mine"] is False and n["can_change"] is False for n in seen["notes"])
    assert len(seen["ids"]) == 2
    assert b.get(f"/workshop/activities/{workshop.id}/notes.json?since=nonsense").status_code == 400


def make_note(app, user, workshop, text="Et notat") -> Input:
    client = logged_in(app, user)
    r = post_note(client, workshop, csrf_of(client, workshop), client_id=str(uuid.uuid4()), text=text, table="Bord 1")
    return db.session.get(Input, r.json["note"]["id"])


def test_author_may_edit_and_delete(app, make_user, workshop):
    author = make_user("facilitator")
    note = make_note(app, author, workshop)
    client = logged_in(app, author)
    r = client.submit(f"/workshop/notes/{note.id}/edit", {"text": "Rettet tekst", "table_label": "Bord 2"})
    assert r.status_code == 302
    db.session.refresh(note)
    assert (note.text, note.table_label) == ("Rettet tekst", "Bord 2") and note.updated_dt is not None

    token = csrf_of(client, workshop)
    r = client.post(f"/workshop/notes/{note.id}/delete", headers={"X-CSRFToken": token, "Accept": "application/json"})
    assert r.status_code == 200 and r.json == {"deleted": note.id}
    db.session.expire_all()
    assert db.session.get(Input, note.id) is None


def test_other_facilitator_may_not_edit_or_delete(app, make_user, workshop):
    note = make_note(app, make_user("facilitator"), workshop)
    other = logged_in(app, make_user("facilitator"))
    assert other.get(f"/workshop/notes/{note.id}/edit").status_code == 403
    token = csrf_of(other, workshop)
    r = other.post(f"/workshop/notes/{note.id}/edit", data={"csrf_token": token, "text": "Kapret"})
    assert r.status_code == 403
    r = other.post(f"/workshop/notes/{note.id}/delete", headers={"X-CSRFToken": token, "Accept": "application/json"})
    assert r.status_code == 403 and "egne notater" in r.json["error"]
    r = other.post(f"/workshop/notes/{note.id}/delete", data={"csrf_token": token})
    assert r.status_code == 403
    db.session.expire_all()
    assert db.session.get(Input, note.id).text == "Et notat"
    # The capture page offers no edit link for it either.
    assert f"/workshop/notes/{note.id}/edit" not in other.get(f"/workshop/activities/{workshop.id}").get_data(as_text=True)


def test_reviewer_may_correct_but_not_delete_or_capture(app, make_user, workshop):
    note = make_note(app, make_user("facilitator"), workshop, text="Ring meg på 912 34 567")
    reviewer = logged_in(app, make_user("reviewer"))
    assert reviewer.get(f"/workshop/activities/{workshop.id}").status_code == 403
    notes_page = reviewer.get(f"/workshop/activities/{workshop.id}/notes")
    assert notes_page.status_code == 200 and f"/workshop/notes/{note.id}/edit" in notes_page.get_data(as_text=True)
    assert f"/workshop/notes/{note.id}/delete" not in notes_page.get_data(as_text=True)
    edit = reviewer.get(f"/workshop/notes/{note.id}/edit").get_data(as_text=True)
    assert "912 34 567" not in edit  # reviewers see personal data masked

    r = reviewer.submit(f"/workshop/notes/{note.id}/edit", {"text": "Ring meg (nummer fjernet)", "table_label": "Bord 1",
                                                           "reason": "Telefonnummeret hører ikke hjemme i notatet"})
    assert r.status_code == 302 and r.location.endswith(f"/workshop/activities/{workshop.id}/notes")
    r = reviewer.post(f"/workshop/notes/{note.id}/delete", data={"csrf_token": _csrf(reviewer)})
    assert r.status_code == 403  # a facilitator's note is corrected, never deleted, by a reviewer
    db.session.expire_all()
    assert db.session.get(Input, note.id).text == "Ring meg (nummer fjernet)"
    actions = db.session.scalars(sa.select(AuditEvent.action).where(AuditEvent.object_id == note.id)).all()
    assert {"input.create", "input.correct"} <= set(actions)


def _csrf(client) -> str:
    return client.get("/workshop/csrf-token").json["token"]


def test_capture_page_is_for_workshops_only(app, make_user, make_process):
    process = make_process()
    survey = Activity(process=process, kind="survey", title="Undersøkelse")
    db.session.add(survey)
    db.session.commit()
    client = logged_in(app, make_user("facilitator"))
    assert client.get(f"/workshop/activities/{survey.id}").status_code == 404


PASTED = """- Flere heltidsstillinger

• Bedre opplæring i velferdsteknologi
   \t
3. Pårørende må bli hørt
"""


def test_bulk_paste_shows_a_preview_then_stores_once(app, make_user, workshop):
    client = logged_in(app, make_user("facilitator"))
    url = f"/workshop/activities/{workshop.id}/paste"
    group = workshop.groups[0]
    data = {"table_label": "Bord 4", "group_id": str(group.id), "prompt_id": "0", "lines": PASTED, "preview": "1"}
    preview = client.submit(url, data)
    assert preview.status_code == 200
    page = text_of(preview)
    assert "Forhåndsvisning: 3 notater" in page
    assert "Pårørende må bli hørt" in page and "Lagre 3 notater" in page
    assert db.session.scalar(sa.select(sa.func.count(Input.id))) == 0  # nothing stored yet

    fields = hidden_fields(preview.get_data(as_text=True))
    fields.update({k: v for k, v in data.items() if k != "preview"})
    fields["store"] = "1"
    for _ in range(2):  # a repeated POST stores nothing more
        r = client.post(url, data=fields)
        assert r.status_code == 302 and r.location.endswith(f"/workshop/activities/{workshop.id}")
    notes = db.session.scalars(sa.select(Input).order_by(Input.id)).all()
    assert [n.text for n in notes] == ["Flere heltidsstillinger", "Bedre opplæring i velferdsteknologi", "Pårørende må bli hørt"]
    assert {(n.table_label, n.group_id, n.source) for n in notes} == {("Bord 4", group.id, "workshop")}


def test_bulk_paste_stores_only_what_was_previewed(app, make_user, workshop):
    client = logged_in(app, make_user("facilitator"))
    url = f"/workshop/activities/{workshop.id}/paste"
    data = {"table_label": "", "group_id": "0", "prompt_id": "0", "lines": "En\nTo", "preview": "1"}
    preview = client.submit(url, data)
    fields = hidden_fields(preview.get_data(as_text=True))
    fields.update({"table_label": "", "group_id": "0", "prompt_id": "0", "lines": "En\nTo\nTre", "store": "1"})
    r = client.post(url, data=fields)
    assert r.status_code == 200 and "endret etter forhåndsvisningen" in text_of(r)
    assert db.session.scalar(sa.select(sa.func.count(Input.id))) == 0
    empty = client.submit(url, {"lines": "\n  \n", "group_id": "0", "prompt_id": "0", "preview": "1"})
    assert "Notater, ett per linje: Fyll ut feltet." in text_of(empty)


@pytest.mark.parametrize("pasted, notes", [
    ("10. klasse-elever trenger et eget tilbud", ["10. klasse-elever trenger et eget tilbud"]),
    ("- Mer tid\n-\n•\n  –  \n- Færre skjema", ["Mer tid", "Færre skjema"]),
    ("1. Mer tid\n2. Færre skjema\n3) Bedre mat", ["Mer tid", "Færre skjema", "Bedre mat"]),
    ("Mer tid\n10. klasse trenger mer", ["Mer tid", "10. klasse trenger mer"]),
])
def test_paste_keeps_ordinals_and_drops_bullet_only_lines(pasted, notes):
    from hearing.workshop.services import paste_lines

    assert paste_lines(pasted) == notes
