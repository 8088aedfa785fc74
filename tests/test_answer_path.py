"""One write path for answers: a response's texts and ratings, new or edited, are written by the same statements
on their tables (never through the unit of work), masked by :meth:`Input.insert_values` as imports and the
backup import are; services flush and the view commits; the form's activity is an immutable snapshot in a
small cache that never keeps a miss and is emptied after a commit."""

from __future__ import annotations

import dataclasses

import pytest
import sqlalchemy as sa

from hearing.exports import backup
from hearing.extensions import db
from hearing.models import Activity, Answer, Input, Section, Submission
from hearing.participation import form_cache, services

PHONE, EMAIL, FNR = "912 34 567", "ola.nordmann@example.no", "01019010046"


def test_backup_import_masks_the_rows_it_inserts(app, make_activity, make_submission):
    """Regression: the import copied text_masked, search_stems and place_name from the file as they were."""
    activity = make_activity("suggestions")
    make_submission(activity, texts=[f"Ring meg på {PHONE} om benken"])
    data = backup.export_process(db.session, activity.process)
    db.session.commit()
    data["process_uid"] = "e" * 32  # another process, so the import is not refused as a duplicate
    first, second = data["tables"]["inputs"][0], dict(data["tables"]["inputs"][0])
    # A file edited by hand, or made by an installation that masked less:
    first.update(text_masked=first["text"], search_stems=f"ring {PHONE}", place_name=f"Hos {EMAIL}")
    second.update(id=first["id"] + 1000, text=f"Mitt fødselsnummer er {FNR}", place_name=None, lang=None, import_key="x:1")
    del second["text_masked"], second["search_stems"]
    data["tables"]["inputs"].append(second)
    copy = backup.import_process(db.session, None, data)
    db.session.commit()
    db.session.expire_all()
    rows = db.session.scalars(sa.select(Input).join(Activity).where(Activity.process_id == copy.id).order_by(Input.id)).all()
    assert [r.text for r in rows] == [f"Ring meg på {PHONE} om benken", f"Mitt fødselsnummer er {FNR}"]  # originals kept
    for row in rows:
        shown = " ".join([row.text_masked, row.search_stems or "", row.place_name or ""])
        assert PHONE not in shown and PHONE.replace(" ", "") not in shown and EMAIL not in shown and FNR not in shown
        assert row.text_masked and row.lang  # derived again, as for any stored input
    assert rows[0].text_masked == db.session.scalar(
        sa.select(Input.text_masked).join(Activity).where(Activity.process_id == activity.process_id))


def test_the_answer_service_flushes_and_the_view_commits(app, client, make_activity):
    activity = make_activity("suggestions")
    view = services.public_activity(db.session, activity.id)
    data = services.ResponseData(consent="without_name", statement=f"Benk ved butikken, ring {PHONE}", place_name=EMAIL)
    sid, _token, created = services.submit_response(db.session, view, data, submission_key="k" * 32,
                                                    secret_key="s", upload_folder=app.config["UPLOAD_FOLDER"])
    stored = db.session.get(Submission, sid)
    assert created and stored.reference.startswith("F-") and PHONE not in stored.inputs[0].text_masked
    assert EMAIL not in stored.inputs[0].place_name
    db.session.rollback()  # the service did not commit: nothing is left
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Submission)) == 0
    response = client.submit(f"/delta/{activity.id}", {"statement": "Benk ved butikken", "consent": "without_name"})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Submission)) == 1


def test_an_edit_writes_its_texts_the_way_a_new_answer_does(app, make_activity, monkeypatch):
    """Create and edit go one way: the texts and ratings go to their tables as statements whose values
    :meth:`Input.insert_values` builds (masked there), never through the unit of work. A text that stays keeps
    its row (updated in place, masked again in its language, its redaction dropped); a removed one goes; a
    new one is inserted; ratings are replaced."""
    activity = make_activity("hearing", sections=("Innledning", "Heltid"),
                             prompts=[{"text": "Hvor fornøyd er du?", "question_type": "rating"}])
    first, second = (s.id for s in activity.document.sections)
    rating = activity.prompts[0].id
    built: list[str] = []
    real = Input.insert_values

    def recorded(**fields):
        built.append(fields["text"])
        return real(**fields)

    monkeypatch.setattr(Input, "insert_values", staticmethod(recorded))
    through_the_session: list[object] = []
    watching = [True]  # not while the test plays the reviewer below

    def note(session, _context, _instances):
        through_the_session.extend(o for o in (*session.new, *session.dirty, *session.deleted)
                                   if watching[0] and type(o).__name__ in ("Input", "Answer"))

    sa.event.listen(db.session, "before_flush", note)
    try:
        view = services.public_activity(db.session, activity.id)
        data = services.ResponseData(consent="without_name", sections={first: "Bra innledning", second: "Mer heltid"},
                                     prompts={rating: "4"})
        sid, _token, _created = services.submit_response(db.session, view, data, submission_key="e" * 32,
                                                         secret_key="s", upload_folder=app.config["UPLOAD_FOLDER"])
        db.session.commit()
        submission = db.session.get(Submission, sid)
        kept = next(i for i in submission.inputs if i.section_id == second)
        watching[0] = False
        kept_id, kept.lang, kept.text_redacted = kept.id, "nn", "Mer [fjerna]"  # a reviewer's language and redaction
        db.session.commit()
        watching[0] = True
        built.clear()
        data = services.response_data_of(submission)
        del data.sections[first]
        data.sections[second] = f"Mer heltid, ring meg på {PHONE}"
        data.statement, data.place_name, data.prompts[rating] = "Samlet: bra plan", f"Hos {EMAIL}", "2"
        held_before = [*submission.inputs, *submission.answers]  # objects a caller still holds, expired as after a commit
        db.session.expire_all()
        services.update_response(db.session, submission, data, upload_folder=app.config["UPLOAD_FOLDER"])
        # The objects of rows the edit deleted left the session (those read before, expired by the commit, too).
        held = {(type(o), sa.inspect(o).identity[0]) for o in list(db.session.identity_map.values())
                if isinstance(o, (Input, Answer))}
        stored = {(Input, i) for i in db.session.scalars(sa.select(Input.id))} | {
            (Answer, i) for i in db.session.scalars(sa.select(Answer.id))}
        assert held and held <= stored and len(held_before) == 3
        db.session.commit()
    finally:
        sa.event.remove(db.session, "before_flush", note)
    assert through_the_session == []  # neither the new answer's nor the edit's texts and ratings
    assert sorted(built) == sorted([f"Mer heltid, ring meg på {PHONE}", "Samlet: bra plan"])  # the edit's, built once each
    db.session.expire_all()
    rows = {i.section_id: i for i in db.session.scalars(sa.select(Input).where(Input.submission_id == sid))}
    assert set(rows) == {second, None}  # the first section's text is gone
    changed, statement = rows[second], rows[None]
    assert changed.id == kept_id and changed.updated_dt is not None and changed.text_redacted is None
    assert changed.lang == "nn" and PHONE not in changed.text_masked and PHONE not in (changed.search_stems or "")
    assert statement.text_masked == "Samlet: bra plan" and EMAIL not in statement.place_name and statement.lang
    assert [(a.prompt_id, a.rating) for a in db.session.get(Submission, sid).answers] == [(rating, 2)]
    # In the same session the objects read before the edit show what it wrote.
    assert [i.text for i in submission.inputs] == [f"Mer heltid, ring meg på {PHONE}", "Samlet: bra plan"]


def test_an_edit_takes_its_submission_before_it_reads_the_texts(app, make_activity):
    """Two edits sent at the same moment (two tabs, a retry) are done one after the other: the edit's UPDATE of
    the submission comes before it reads the stored texts, and holds the row (PostgreSQL) or the database
    (SQLite) until the commit, so the second edit reads what the first stored and adds no text twice."""
    activity = make_activity("suggestions")
    view = services.public_activity(db.session, activity.id)
    sid, _token, _created = services.submit_response(
        db.session, view, services.ResponseData(consent="without_name", statement="Benk ved butikken"),
        submission_key="t" * 32, secret_key="s", upload_folder=app.config["UPLOAD_FOLDER"])
    db.session.commit()
    submission = db.session.get(Submission, sid)
    data = services.response_data_of(submission)
    data.statement = "Benk ved butikken og ved kirka"
    # All the edit reads of the activity is loaded already (as a form page shown before may have it): no lazy
    # load flushes the submission early by chance; the service's own flush (or the session's autoflush before
    # its statements) must.
    loaded = submission.activity
    _ = (loaded.document, list(loaded.prompts), loaded.process.language, list(loaded.process.groups),
         submission.invitation, list(submission.attachments))
    statements: list[str] = []

    def note(_conn, _cursor, statement, *_rest):
        statements.append(" ".join(statement.split()).upper())

    sa.event.listen(db.engine, "before_cursor_execute", note)
    try:
        services.update_response(db.session, submission, data, upload_folder=app.config["UPLOAD_FOLDER"])
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", note)
    db.session.commit()
    first_update = next(n for n, s in enumerate(statements) if s.startswith("UPDATE SUBMISSIONS"))
    texts_read = next(n for n, s in enumerate(statements) if s.startswith("SELECT") and "FROM INPUTS" in s)
    assert first_update < texts_read, statements
    assert db.session.scalars(sa.select(Input.text).where(Input.submission_id == sid)).all() == [data.statement]


def test_a_replayed_answer_is_stored_once_with_the_same_receipt(app, make_activity):
    activity = make_activity("suggestions")
    view = services.public_activity(db.session, activity.id)
    data = services.ResponseData(consent="without_name", statement="Flere benker")
    args = {"submission_key": "r" * 32, "secret_key": "s", "upload_folder": app.config["UPLOAD_FOLDER"]}
    first = services.submit_response(db.session, view, data, **args)
    db.session.commit()
    again = services.submit_response(db.session, view, data, **args)
    db.session.commit()
    assert first[:2] == again[:2] and (first[2], again[2]) == (True, False)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Input)) == 1


def test_the_form_activity_is_an_immutable_snapshot(app, make_activity):
    activity = make_activity(sections=["Innledning", "Heltid"], prompts=["Hva mangler?"], groups=["Eldrerådet"])
    view = form_cache.get(db.session, activity.id, 5)
    assert isinstance(view, form_cache.ActivityView)
    assert [s.title for s in view.document.sections] == ["Innledning", "Heltid"]
    assert [g.name for g in view.process.groups] == ["Eldrerådet"] and view.prompts[0].text == "Hva mangler?"
    assert view.status(activity.opens_dt) == activity.status(activity.opens_dt) == "open"
    with pytest.raises(dataclasses.FrozenInstanceError):
        view.title = "Endret"  # type: ignore[misc]
    assert isinstance(view.document.sections, tuple) and isinstance(view.prompts[0].options, tuple)


def test_a_missing_id_is_never_stored_and_the_cache_is_bounded(app, make_activity, monkeypatch):
    form_cache.clear()
    for missing in range(1000, 1100):
        assert form_cache.get(db.session, missing, 5) is None
    assert len(form_cache._cache) == 0
    monkeypatch.setattr(form_cache._cache, "size", 3)
    ids = [make_activity("suggestions").id for _ in range(5)]
    for activity_id in ids:
        assert form_cache.get(db.session, activity_id, 5).id == activity_id
    assert len(form_cache._cache) == 3


def test_the_cache_is_emptied_after_a_commit_not_after_a_flush(app, make_activity):
    activity = make_activity(sections=["Innledning"])
    assert form_cache.get(db.session, activity.id, 60).document.sections[0].title == "Innledning"
    section = db.session.get(Section, activity.document.sections[0].id)
    section.title = "Ny tittel"
    db.session.flush()
    assert len(form_cache._cache) == 1  # not yet: another request must not read back what is not committed
    db.session.rollback()
    assert form_cache.get(db.session, activity.id, 60).document.sections[0].title == "Innledning"
    section = db.session.get(Section, activity.document.sections[0].id)
    section.title = "Ny tittel"
    db.session.commit()
    assert len(form_cache._cache) == 0
    assert form_cache.get(db.session, activity.id, 60).document.sections[0].title == "Ny tittel"


def test_every_visitor_gets_a_page_rendered_for_them(app, make_activity):
    """No page is shared with a token put in by string replacement: each GET renders the form."""
    from tests.conftest import Client, hidden_fields

    activity = make_activity()
    url = f"/delta/{activity.id}"
    one, two = Client(app.test_client()), Client(app.test_client())
    first, second = hidden_fields(one.get(url).get_data(as_text=True)), hidden_fields(two.get(url).get_data(as_text=True))
    assert first["csrf_token"] != second["csrf_token"] and first["submission_key"] != second["submission_key"]
    from hearing.participation import views

    assert not hasattr(views, "_shared_form") and not hasattr(form_cache, "pages")


def test_a_short_answer_is_guessed_in_the_process_language_without_a_lookup(app, make_process, make_activity):
    """The answer service knows the process's language (the form's snapshot) and gives it to the Input, so
    writing an answer asks the database nothing about it; the result is the one the lookup gave."""
    process = make_process(language="nn")
    activity = make_activity("suggestions", process=process)
    view = services.public_activity(db.session, activity.id)
    statements: list[str] = []

    def note(_conn, _cursor, statement, *_rest):
        statements.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", note)
    try:
        data = services.ResponseData(consent="without_name", statement="Vi i heimesjukepleia har")
        sid, _token, _created = services.submit_response(db.session, view, data, submission_key="n" * 32,
                                                         secret_key="s", upload_folder=app.config["UPLOAD_FOLDER"])
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", note)
    assert not [s for s in statements if "language" in s and s.lstrip().upper().startswith("SELECT")]
    assert db.session.get(Submission, sid).inputs[0].lang == "nn"  # bokmål on its own evidence: the process's wins
    # Made without the hint (a workshop note, an older caller): looked up as it is written, same answer.
    note_input = Input(activity_id=activity.id, text="Vi i heimesjukepleia har", source="workshop")
    db.session.add(note_input)
    db.session.flush()
    assert note_input.lang == "nn"


def test_the_receipt_reads_outside_a_transaction_unless_one_is_open(app, make_activity):
    """The receipt's rows are read without BEGIN and ROLLBACK around them when the request has no transaction
    open; with one open (uncommitted work in the same session) they are read through it and see that work."""
    activity = make_activity("suggestions")
    view = services.public_activity(db.session, activity.id)
    data = services.ResponseData(consent="without_name", statement="Benk ved biblioteket")
    _sid, token, _created = services.submit_response(db.session, view, data, submission_key="r" * 32,
                                                     secret_key="s", upload_folder=app.config["UPLOAD_FOLDER"])
    page = services.response_page(db.session, token, max_age=5)  # not committed yet: read through the session
    assert [row.text for row, _where in page["texts"]] == ["Benk ved biblioteket"] and page["attachments"] == []
    db.session.commit()
    db.session.close()
    assert not db.session().in_transaction()
    page = services.response_page(db.session, token, max_age=5)
    assert [row.text for row, _where in page["texts"]] == ["Benk ved biblioteket"]
    assert page["submission"].reference.startswith("F-") and page["can_change"]
    assert not db.session().in_transaction()  # it started none
    assert services.response_page(db.session, "ukjent", max_age=5) is None


def test_a_citizen_gets_the_session_cookie_once_and_no_remember_cookie_deletions(app, make_activity, make_user):
    from tests.conftest import Client

    activity = make_activity("suggestions")
    citizen = Client(app.test_client())
    first = citizen.get(f"/delta/{activity.id}")
    cookies = first.headers.getlist("Set-Cookie")
    assert len(cookies) == 1 and cookies[0].startswith("session=")  # the form's CSRF secret, nothing else
    r = citizen.submit(f"/delta/{activity.id}", {"statement": "Benk ved kirken", "consent": "without_name"})
    assert r.status_code == 302 and not r.headers.getlist("Set-Cookie")
    receipt = citizen.get(r.location)
    assert "Takk! Svaret ditt er mottatt." in receipt.get_data(as_text=True)
    assert not receipt.headers.getlist("Set-Cookie")  # was: the session again and remember_token=; Max-Age=0
    # Staff still log in, and a logged-in session is still checked by Flask-Login.
    staff = Client(app.test_client())
    user = make_user("reviewer")
    assert staff.login(user.email).status_code == 302
    assert f"Logg ut ({user.name})" in staff.get(f"/delta/{activity.id}").get_data(as_text=True)


def test_the_reference_is_made_in_the_insert_without_an_update(app, make_activity):
    """The answer stores "F-2026-{id}" and the database puts the id in as the row goes in (no UPDATE after
    the id is known); the service knows the result without reading it back."""
    activity = make_activity("suggestions")
    view = services.public_activity(db.session, activity.id)
    data = services.ResponseData(consent="without_name", statement="Lys i lysløypa")
    statements: list[str] = []

    def seen(_conn, _cursor, statement, *_rest):
        statements.append(" ".join(statement.split())[:40])

    sa.event.listen(db.engine, "before_cursor_execute", seen)
    try:
        sid, _token, created = services.submit_response(db.session, view, data, submission_key="u" * 32,
                                                        secret_key="s", upload_folder=app.config["UPLOAD_FOLDER"])
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", seen)
    in_memory = db.session.get(Submission, sid).reference
    db.session.commit()
    stored = db.session.scalar(sa.select(Submission.reference).where(Submission.id == sid))
    assert created and stored == in_memory == f"F-{services.utcnow():%Y}-{sid:06d}"
    assert not [s for s in statements if s.startswith("UPDATE")], statements
    assert [s.split(" (")[0] for s in statements] == ["INSERT INTO submissions", "INSERT INTO inputs"]


def test_the_database_pads_the_id_as_python_does_and_keeps_other_references(app, make_activity):
    """Seven digits stay seven (as f"{id:06d}"), and a reference given whole (an import, a restore) is kept."""
    activity = make_activity("suggestions")
    table = Submission.__table__
    common = {"activity_id": activity.id, "consent": "without_name", "source": "web", "is_late": False,
              "is_withdrawn": False, "moderation": "pending", "moderation_reason": "", "wants_report_notice": False,
              "submitted_dt": services.utcnow()}
    rows = [(1234567, "F-2026-{id}"), (42, "H-2025-{id}"), (43, "IMP-7-abc"), (44, "F-2026-000044")]
    for sid, reference in rows:
        db.session.execute(table.insert().values(id=sid, reference=reference, submission_key=f"k{sid}",
                                                 edit_token_hash=f"t{sid}", **common))
    db.session.commit()
    stored = dict(db.session.execute(sa.select(table.c.id, table.c.reference)).all())
    assert stored == {1234567: "F-2026-1234567", 42: "H-2025-000042", 43: "IMP-7-abc", 44: "F-2026-000044"}


def test_references_stay_unique_and_match_their_ids_under_concurrent_answers(app, make_activity, monkeypatch):
    """Citizens answering at the same moment (threads, each with its own connection) each get their own
    reference, made from their own id."""
    import threading

    from tests.conftest import Client

    monkeypatch.setitem(app.config, "PUBLIC_RATE_LIMIT", "1000/minute")  # 24 answers from one address
    activity = make_activity("suggestions")
    db.session.commit()
    # read before the threads start: the commit expired the object, and threads reloading it would share
    # this thread's session
    activity_id = activity.id
    failures: list[object] = []

    def citizen(n: int) -> None:
        try:
            with app.app_context():
                client = Client(app.test_client())
                for k in range(4):
                    r = client.submit(f"/delta/{activity_id}", {"statement": f"Forslag {n}-{k}", "consent": "without_name"})
                    if r.status_code != 302:
                        failures.append(r.status_code)
        except Exception as exc:  # noqa: BLE001  (shown in the assertion below)
            failures.append(exc)

    threads = [threading.Thread(target=citizen, args=(n,)) for n in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    assert not any(t.is_alive() for t in threads) and failures == []
    db.session.expire_all()
    rows = db.session.execute(sa.select(Submission.id, Submission.reference, Submission.submitted_dt)).all()
    assert len(rows) == 24 and len({r.reference for r in rows}) == 24
    assert all(r.reference == f"F-{r.submitted_dt:%Y}-{r.id:06d}" for r in rows)
