"""Whether a backup restore is under way is asked once per ``PROCESS_RESTORE_CHECK_SECONDS`` per app process, not
on every request (three per citizen), and stays as strict as asking every time: a commit in this process that
marks a process forgets the kept answer at once, and a restore job waits that long after marking its process
before it commits anything of it, so an app process that found "none" just before has looked again by then.

The other tests run with the setting at 0 (tests/conftest.py): these run with the default.
"""

from __future__ import annotations

from types import SimpleNamespace

import pytest
import sqlalchemy as sa

from hearing.config import Defaults
from hearing.extensions import db
from hearing.jobs import run_pending_jobs
from hearing.models import Activity, Process, Submission
from hearing.models import processes as restoring
from hearing.participation import services
from tests.test_exports_restore_batches import _being_restored, _process_with_inputs, _upload


class Clock:
    """``hearing.models.processes``'s clock, moved by the test; its sleeps are recorded, not slept."""

    def __init__(self):
        self.now = 1000.0
        self.slept: list[float] = []

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)


@pytest.fixture
def clock(app, monkeypatch):
    app.config["PROCESS_RESTORE_CHECK_SECONDS"] = Defaults.PROCESS_RESTORE_CHECK_SECONDS
    restoring.forget_restore_checks()
    moved = Clock()
    monkeypatch.setattr(restoring, "time", SimpleNamespace(monotonic=lambda: moved.monotonic(), sleep=lambda s: moved.sleep(s)))
    yield moved
    restoring.forget_restore_checks()


@pytest.fixture
def restore_checks(app):
    """How many times a request asked the database whether a restore is under way."""
    asked: list[str] = []

    def seen(_conn, _cursor, statement, *_rest):
        if "restoring_job_id IS NOT NULL" in statement and "LIMIT" in statement.upper() and " IN " not in statement:
            asked.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", seen)
    yield asked
    sa.event.remove(db.engine, "before_cursor_execute", seen)


def _mark(process_id: int, job_id: int | None) -> None:
    table = Process.__table__
    db.session.execute(sa.update(table).where(table.c.id == process_id).values(restoring_job_id=job_id))
    db.session.commit()
    db.session.expunge_all()


def test_the_default_is_two_seconds():
    assert Defaults.PROCESS_RESTORE_CHECK_SECONDS == 2


def test_no_restore_under_way_is_asked_once_per_setting_and_again_after(app, make_activity, clock, restore_checks):
    url = f"/delta/{make_activity('hearing').id}"
    client = app.test_client()
    assert client.get(url).status_code == 200 and len(restore_checks) == 1
    clock.now += 1.9
    for _ in range(3):  # the form, the answer's POST and the receipt of the next citizens: no query
        assert client.get(url).status_code == 200
    assert len(restore_checks) == 1
    clock.now += 0.2  # 2.1 s after the answer was found
    assert client.get(url).status_code == 200 and len(restore_checks) == 2


def test_a_process_found_being_restored_is_never_kept(app, make_activity, clock, restore_checks):
    """While a restore is under way every request asks again, and the URLs of its process find nothing."""
    shown = make_activity("hearing").id
    other = make_activity("hearing")  # a process of its own, being restored
    hidden, hidden_process = other.id, other.process_id
    _mark(hidden_process, 4711)
    client = app.test_client()
    for _ in range(3):
        assert client.get(f"/delta/{shown}").status_code == 200
        assert client.get(f"/delta/{hidden}").status_code == 404
    assert len(restore_checks) == 6
    _mark(hidden_process, None)
    assert client.get(f"/delta/{hidden}").status_code == 200


def test_a_commit_in_this_process_that_marks_a_process_forgets_the_kept_answer(app, make_activity, make_user, clock):
    """The answer kept a moment ago is not trusted after this process marked a process (the restore job, when it
    runs in a web process's own worker thread): the next request asks, and a URL that only this check refuses
    (a submission in the API) finds nothing."""
    from tests.test_api import auth, make_token

    token = make_token(make_user("reviewer"))
    shown = make_activity("hearing").id
    activity = make_activity("hearing")
    sub = Submission(activity_id=activity.id, reference="H-2026-000778", submission_key="r" * 64,
                     edit_token_hash=services.token_hash("kvitteringslenken"))
    db.session.add(sub)
    db.session.commit()
    sid, process_id = sub.id, activity.process_id
    client = app.test_client()
    assert client.get(f"/delta/{shown}").status_code == 200  # "none" is kept now
    assert client.get(f"/api/v1/submissions/{sid}", headers=auth(token)).status_code == 200
    _mark(process_id, 4712)
    assert client.get(f"/api/v1/submissions/{sid}", headers=auth(token)).status_code == 404
    assert client.get("/svar/kvitteringslenken").status_code == 404
    _mark(process_id, None)
    assert client.get(f"/api/v1/submissions/{sid}", headers=auth(token)).status_code == 200


def test_a_mark_made_by_another_process_is_seen_within_the_setting(app, make_activity, clock):
    """What a restore job in another process (a job worker) marks is seen here at the latest when the kept answer
    is older than the setting: the restore waits that long before it puts anything of the process in."""
    activity = make_activity("hearing")
    seconds = app.config["PROCESS_RESTORE_CHECK_SECONDS"]
    assert restoring.any_being_restored(db.session, seconds) is False
    db.session.rollback()
    table = Process.__table__
    with db.engine.begin() as conn:  # not this process's sessions: nothing here hears of it
        conn.execute(sa.update(table).where(table.c.id == activity.process_id).values(restoring_job_id=4713))
    clock.now += seconds - 0.01
    assert restoring.any_being_restored(db.session, seconds) is False
    clock.now += 0.02
    assert restoring.any_being_restored(db.session, seconds) is True
    assert restoring.any_being_restored(db.session, 0) is True


@pytest.fixture
def _no_embeddings(app):
    app.config["THEMES_EMBEDDINGS"] = False


def test_the_restore_job_waits_the_setting_after_marking_before_anything_of_the_process_goes_in(
        app, admin_client, make_process, make_activity, tmp_path, clock, _no_embeddings):
    process, _activity = _process_with_inputs(make_process, make_activity)
    job_id = _upload(admin_client, app, process, tmp_path)
    public = app.test_client()
    assert public.get("/").status_code == 200  # this process keeps "none"
    seen: dict = {}
    real_sleep = clock.sleep

    def sleep(seconds: float) -> None:  # what is committed while the restore waits
        real_sleep(seconds)
        [(rid, marker)] = _being_restored()
        with db.engine.connect() as conn:
            seen.update(marker=marker, activities=conn.execute(
                sa.select(sa.func.count()).select_from(Activity.__table__)
                .where(Activity.__table__.c.process_id == rid)).scalar())
        seen["kept"] = len(restoring._NONE_RESTORING)

    clock.sleep = sleep
    run_pending_jobs()
    assert clock.slept == [2]  # once, the setting
    assert seen == {"marker": job_id, "activities": 0, "kept": 0}  # only the marked process, and forgotten here
    copies = db.session.scalars(sa.select(Process).where(Process.restoring_job_id.is_(None))).all()
    assert len(copies) == 2 and _being_restored() == []
