"""The two questions every part of the platform asks about grouping, answered once.

* :func:`current_run`: which grouping run the board, drafting, assessment, reporting and exports
  show for a process.
* :func:`visible_inputs` / :func:`leave_out_withdrawn`: which inputs count (inputs of withdrawn
  submissions are left out everywhere).
* :func:`public_submissions` / :func:`public_clause`: which responses the public may see, the one rule
  every public page, published report and public export uses: approved by staff (or redacted), not
  withdrawn, not purged, allowed by the respondent, and the activity's publication time (its deadline)
  passed. :func:`approved_clause` is what a public report may count.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from hearing.models import (
    PUBLIC_MODERATION,
    Activity,
    Consent,
    Input,
    Job,
    JobStatus,
    Process,
    Submission,
    ThemeRun,
)

__all__ = ["approved_clause", "current_run", "finished_runs_query", "leave_out_withdrawn", "publication_time",
           "public_clause", "public_submissions", "visible_clause", "visible_inputs"]


def _process_id(process: Process | int) -> int:
    return process if isinstance(process, int) else process.id


def finished_runs_query(process: Process | int) -> sa.Select:
    """Finished runs of a process (a run without a job counts as finished), newest first."""
    return (
        sa.select(ThemeRun)
        .outerjoin(Job, Job.id == ThemeRun.job_id)
        .where(ThemeRun.process_id == _process_id(process),
               sa.or_(ThemeRun.job_id.is_(None), Job.status == JobStatus.DONE))
        .order_by(ThemeRun.id.desc())
    )


def current_run(session: Session, process: Process | int) -> ThemeRun | None:
    """The run everyone works on: the newest finished run of the whole process, else the newest
    finished run of any scope (a phase or an activity); ``None`` when nothing has been grouped."""
    finished = finished_runs_query(process).limit(1)
    whole = finished.where(ThemeRun.phase_id.is_(None), ThemeRun.activity_id.is_(None))
    return session.scalar(whole) or session.scalar(finished)


def is_newest_of_its_scope(session: Session, run: ThemeRun) -> bool:
    """True when no later run of the same scope (process, phase or activity) has finished: the run
    reviewers may change. Changes in an older run would reach no later run, so they are refused."""
    newer = finished_runs_query(run.process_id).where(
        ThemeRun.id > run.id,
        ThemeRun.phase_id.is_(None) if run.phase_id is None else ThemeRun.phase_id == run.phase_id,
        ThemeRun.activity_id.is_(None) if run.activity_id is None else ThemeRun.activity_id == run.activity_id,
    ).limit(1)
    return session.scalar(newer) is None


def newer_run_in_progress(session: Session, run: ThemeRun) -> ThemeRun | None:
    """A later run of the same scope still waiting or computing: it read the reviewers' decisions when it
    started, so a change made in ``run`` now would not be in it (refused, see ``check_editable``)."""
    return session.scalar(
        sa.select(ThemeRun).join(Job, Job.id == ThemeRun.job_id).where(
            ThemeRun.process_id == run.process_id,
            ThemeRun.id > run.id,
            ThemeRun.phase_id.is_(None) if run.phase_id is None else ThemeRun.phase_id == run.phase_id,
            ThemeRun.activity_id.is_(None) if run.activity_id is None else ThemeRun.activity_id == run.activity_id,
            Job.status.in_((JobStatus.QUEUED, JobStatus.RUNNING)),
        ).order_by(ThemeRun.id.desc()).limit(1)
    )


def visible_clause() -> sa.ColumnElement[bool]:
    """True for inputs that count: typed in directly (no submission) or from a submission not withdrawn.

    Needs :class:`Submission` outer-joined on ``Input.submission_id`` (see :func:`leave_out_withdrawn`).
    """
    return sa.or_(Submission.id.is_(None), Submission.is_withdrawn.is_(False))


def leave_out_withdrawn(query: sa.Select) -> sa.Select:
    """Narrow a query that already has :class:`Input` in it to the inputs that count."""
    return query.outerjoin(Submission, Submission.id == Input.submission_id).where(visible_clause())


def visible_inputs(process: Process | int, *, phase_id: int | None = None,
                   activity_id: int | None = None) -> sa.Select:
    """``SELECT Input`` of a process (or one phase or activity), withdrawn submissions left out, by id."""
    q = leave_out_withdrawn(
        sa.select(Input).join(Activity, Activity.id == Input.activity_id)
    ).where(Activity.process_id == _process_id(process))
    if activity_id is not None:
        q = q.where(Input.activity_id == activity_id)
    elif phase_id is not None:
        q = q.where(Activity.phase_id == phase_id)
    return q.order_by(Input.id)


# --- what the public may see ----------------------------------------------------------------------


def publication_time(activity: Activity) -> datetime | None:
    """When the activity's approved responses become public: its deadline; an activity without one (an open
    suggestion box) publishes each response when staff approve it (None)."""
    return activity.closes_dt


def approved_clause() -> sa.ColumnElement[bool]:
    """True for inputs a public report may count: typed in by staff (no submission) or from a response
    staff approved that is not withdrawn. Needs :class:`Submission` outer-joined on ``Input.submission_id``."""
    return sa.or_(
        Submission.id.is_(None),
        sa.and_(Submission.is_withdrawn.is_(False), Submission.moderation.in_([m.value for m in PUBLIC_MODERATION])),
    )


def public_clause(now: datetime) -> sa.ColumnElement[bool]:
    """True for responses the public may read and quote (needs :class:`Activity` joined on the submission).

    Approved (or redacted) by staff, not withdrawn, its personal data not purged, the respondent said yes
    to publication, and the activity's publication time (:func:`publication_time`) has passed.
    """
    return sa.and_(
        Submission.moderation.in_([m.value for m in PUBLIC_MODERATION]),
        Submission.is_withdrawn.is_(False),
        Submission.purged_dt.is_(None),
        Submission.consent.in_([Consent.WITH_NAME.value, Consent.WITHOUT_NAME.value]),
        sa.or_(Activity.closes_dt.is_(None), Activity.closes_dt <= now),
    )


def public_submissions(now: datetime, *, activity_id: int | None = None,
                       process_id: int | None = None) -> sa.Select:
    """``SELECT Submission`` the public may see (of one activity or process), oldest first.

    Every public page, published report and public export starts from here.
    """
    q = (sa.select(Submission).join(Activity, Activity.id == Submission.activity_id)
         .join(Process, Process.id == Activity.process_id)
         .where(public_clause(now), Process.is_public.is_(True)))
    if activity_id is not None:
        q = q.where(Submission.activity_id == activity_id)
    if process_id is not None:
        q = q.where(Activity.process_id == process_id)
    return q.order_by(Submission.submitted_dt, Submission.id)
