"""One run for everyone: board, drafting, assessment, reporting and exports show the same themes."""

from __future__ import annotations

import pytest

from hearing.drafting import services as drafting
from hearing.exports import services as exports
from hearing.extensions import db
from hearing.grouping import current_run, visible_inputs
from hearing.models import Activity, Input, Job, JobStatus, Theme, ThemeAssignment, ThemeRun
from hearing.reporting import services as reporting
from hearing.review import assessments, board


def _run(process, status, **scope):
    job = Job(kind="themes.run", status=status, payload={})
    run = ThemeRun(process_id=process.id, params={}, stats={}, job=job, **scope)
    db.session.add_all([job, run])
    db.session.flush()
    run.themes.append(Theme(position=1, auto_label=f"tema {run.id}", terms=[], quote_input_ids=[]))
    db.session.flush()
    return run


@pytest.fixture
def world(make_activity, make_submission, make_user):
    activity = make_activity("workshop")  # "Verksted"
    process = activity.process
    kept = Input(activity_id=activity.id, text="Bedre middag", source="workshop")
    db.session.add(kept)
    db.session.flush()
    sub = make_submission(activity, texts=["Trukket tilbake"])  # a web answer
    gone = sub.inputs[0]
    whole = _run(process, JobStatus.DONE)
    _run(process, JobStatus.DONE, activity_id=activity.id)  # newer, but of one activity only
    _run(process, JobStatus.QUEUED)  # newer, whole process, not finished
    for run in (whole,):
        db.session.add(ThemeAssignment(run_id=run.id, input_id=kept.id, theme_id=run.themes[0].id))
    db.session.commit()
    return process, activity, whole, kept, gone, sub, make_user("reviewer")


def test_board_drafting_assessment_reporting_and_exports_agree_on_the_run(world):
    process, _activity, whole, *_rest, reviewer = world
    assert current_run(db.session, process).id == whole.id
    assert current_run(db.session, process.id).id == whole.id
    assert board.default_run(db.session, process).id == whole.id
    assert drafting.latest_run(db.session, process).id == whole.id
    assert [t.id for t in drafting.themes_of(db.session, process)] == [whole.themes[0].id]
    assert assessments.latest_run(db.session, process).id == whole.id
    assert exports.newest_finished_run(db.session, process.id).id == whole.id
    assert exports.input_rows(db.session, process).run.id == whole.id
    report = reporting.create_report(db.session, reviewer, process, {"title": "Rapport"})
    assert report.run_id == whole.id


def test_current_run_falls_back_to_a_scoped_run(make_process):
    process = make_process()
    activity = Activity(process=process, kind="workshop", title="Verksted")
    db.session.add(activity)
    db.session.flush()
    assert current_run(db.session, process) is None
    _run(process, JobStatus.QUEUED)
    scoped = _run(process, JobStatus.DONE, activity_id=activity.id)
    _run(process, JobStatus.FAILED)
    assert current_run(db.session, process).id == scoped.id


def test_visible_inputs_leave_out_withdrawn_submissions(world):
    process, activity, _whole, kept, gone, sub, _reviewer = world
    from hearing.models import utcnow

    sub.is_withdrawn, sub.withdrawn_dt = True, utcnow()
    db.session.commit()
    assert list(db.session.scalars(visible_inputs(process))) == [kept]
    assert list(db.session.scalars(visible_inputs(process, activity_id=activity.id))) == [kept]
    assert gone.id not in {row[0] for row in exports.input_rows(db.session, process).rows}
