"""Roles per process: which processes a staff member may see and change.

Administrators see every process. A reviewer or facilitator sees every process when their account
says so (``User.all_processes``, the default for existing accounts), or only the processes an
administrator has given them (``ProcessAccess``).

:func:`can_access` is the one policy. It is applied to every staff page and export in one place,
:func:`check_request`, run before each view: every URL argument that names something belonging
to a process (a process, an activity, an input, a theme, a draft, a job …) is traced to its process,
and a process the user may not see gives 403. The API checks the token owner the same way (see
``hearing.api.auth.token_required``). Lists of processes are filtered with :func:`visible_process_ids`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import sqlalchemy as sa
from flask import abort, current_app, request
from sqlalchemy.orm import Session

from hearing.models import (
    Activity,
    Attachment,
    Draft,
    HearingReport,
    Input,
    Invitation,
    Job,
    ProcessAccess,
    Prompt,
    StakeholderGroup,
    Submission,
    Theme,
    ThemeAssignment,
    ThemeRun,
    User,
)


def sees_all(user: Any) -> bool:
    return getattr(user, "role", None) == "admin" or bool(getattr(user, "all_processes", True))


def visible_process_ids(session: Session, user: Any) -> set[int] | None:
    """The ids of the processes ``user`` may see; None means every process."""
    if sees_all(user):
        return None
    return set(session.scalars(sa.select(ProcessAccess.process_id).where(ProcessAccess.user_id == user.id)))


def can_access(session: Session, user: Any, process_id: int | None) -> bool:
    """The policy: may ``user`` see and work on process ``process_id``?"""
    if process_id is None or sees_all(user):
        return True
    return session.scalar(
        sa.select(ProcessAccess.process_id).where(ProcessAccess.user_id == user.id, ProcessAccess.process_id == process_id)
    ) is not None


def filter_processes(session: Session, user: Any, query: sa.Select, process_id_column) -> sa.Select:
    """``query`` limited to the processes ``user`` may see."""
    ids = visible_process_ids(session, user)
    return query if ids is None else query.where(process_id_column.in_(ids or [-1]))


# --- from a URL argument to its process ------------------------------------------------------------


def _one(session: Session, stmt) -> int | None:
    return session.scalar(stmt)


def _job(session: Session, job_id: int) -> int | None:
    payload = session.scalar(sa.select(Job.payload).where(Job.id == job_id)) or {}
    for key, resolve in (("process_id", lambda s, v: v), ("draft_id", RESOLVERS["draft_id"]),
                         ("report_id", RESOLVERS["report_id"]), ("plan_id", RESOLVERS.get("plan_id")),
                         ("run_id", RESOLVERS["run_id"]), ("activity_id", RESOLVERS["activity_id"])):
        if resolve is not None and isinstance(payload.get(key), int):
            return resolve(session, payload[key])
    return None


def _part(session: Session, part_id: int, kind: str | None, parent: bool = False) -> int | None:
    from hearing.drafting import services as drafting

    spec = drafting.KINDS.get(kind or "")
    if spec is None:
        return None
    obj = session.get(spec.parent if parent else spec.model, part_id)
    return drafting.draft_of(obj).process_id if obj is not None else None


def _archive_message(session: Session, message_id: int) -> int | None:
    from hearing.models import ArchiveMessage

    return _one(session, sa.select(ArchiveMessage.process_id).where(ArchiveMessage.id == message_id))


def _import_run(session: Session, run_id: int) -> int | None:
    from hearing.models import ImportRun

    return _one(session, sa.select(Activity.process_id).join(ImportRun, ImportRun.activity_id == Activity.id)
                .where(ImportRun.id == run_id))


def _followup(model_name: str, via_plan: bool = False) -> Callable[[Session, int], int | None]:
    def resolve(session: Session, value: int) -> int | None:
        from hearing import models

        model = getattr(models, model_name, None)
        if model is None:
            return None
        if via_plan:
            return _one(session, sa.select(models.Plan.process_id).join(model, model.plan_id == models.Plan.id)
                        .where(model.id == value))
        return _one(session, sa.select(model.process_id).where(model.id == value))

    return resolve


#: URL argument -> function (session, value) giving the process it belongs to.
RESOLVERS: dict[str, Callable[[Session, Any], int | None]] = {
    "process_id": lambda s, v: v,
    "activity_id": lambda s, v: _one(s, sa.select(Activity.process_id).where(Activity.id == v)),
    "group_id": lambda s, v: _one(s, sa.select(StakeholderGroup.process_id).where(StakeholderGroup.id == v)),
    "prompt_id": lambda s, v: _one(s, sa.select(Activity.process_id).join(Prompt, Prompt.activity_id == Activity.id).where(Prompt.id == v)),
    "invitation_id": lambda s, v: _one(s, sa.select(Activity.process_id).join(Invitation, Invitation.activity_id == Activity.id).where(Invitation.id == v)),
    "input_id": lambda s, v: _one(s, sa.select(Activity.process_id).join(Input, Input.activity_id == Activity.id).where(Input.id == v)),
    "note_id": lambda s, v: _one(s, sa.select(Activity.process_id).join(Input, Input.activity_id == Activity.id).where(Input.id == v)),
    "submission_id": lambda s, v: _one(s, sa.select(Activity.process_id).join(Submission, Submission.activity_id == Activity.id).where(Submission.id == v)),
    "attachment_id": lambda s, v: _one(s, sa.select(Activity.process_id).join(Submission, Submission.activity_id == Activity.id)
                                       .join(Attachment, Attachment.submission_id == Submission.id).where(Attachment.id == v)),
    "draft_id": lambda s, v: _one(s, sa.select(Draft.process_id).where(Draft.id == v)),
    "report_id": lambda s, v: _one(s, sa.select(HearingReport.process_id).where(HearingReport.id == v)),
    "run_id": lambda s, v: _one(s, sa.select(ThemeRun.process_id).where(ThemeRun.id == v)),
    "theme_id": lambda s, v: _one(s, sa.select(ThemeRun.process_id).join(Theme, Theme.run_id == ThemeRun.id).where(Theme.id == v)),
    "assignment_id": lambda s, v: _one(s, sa.select(ThemeRun.process_id).join(ThemeAssignment, ThemeAssignment.run_id == ThemeRun.id)
                                       .where(ThemeAssignment.id == v)),
    "plan_id": _followup("Plan"),
    "unit_id": _followup("Unit"),
    "measure_id": _followup("PlanMeasure", via_plan=True),
    "job_id": _job,
}


#: URL arguments ending in ``_id`` that name nothing of a process, with the blueprints whose routes may carry
#: them. Any other ``*_id`` argument that no resolver knows is refused for a staff member with chosen processes
#: (closed by default: a new route with a new kind of id cannot leak another process), and the route walk in
#: tests/test_security_routes.py fails until it is resolved or listed here.
NOT_OF_A_PROCESS: dict[str, frozenset[str]] = {
    "user_id": frozenset({"admin"}),  # a staff account: administrators only
    "token_id": frozenset({"api_admin"}),  # the signed-in person's own API token
    "file_id": frozenset({"imports"}),  # an upload's random name; the route's activity_id names the process
    "message_id": frozenset({"mail"}),  # an e-mail in the outbox: administrators only (archive messages resolve)
}
#: Arguments resolved with the endpoint's help in processes_of_request (beside RESOLVERS).
SPECIAL = frozenset({"part_id", "parent_id"})


class UnknownArgument(LookupError):
    """A URL argument that may name something of a process, and no rule says which."""


def knows_argument(name: str, endpoint: str) -> bool:
    """Whether the policy knows what URL argument ``name`` of ``endpoint`` belongs to."""
    blueprint = endpoint.partition(".")[0]
    if name == "message_id" and blueprint == "archive":
        return True
    return (not name.endswith("_id") or name in RESOLVERS or name in SPECIAL
            or blueprint in NOT_OF_A_PROCESS.get(name, frozenset()))


def processes_of_request(session: Session, endpoint: str, view_args: dict[str, Any]) -> list[int]:
    """Every process the URL's arguments belong to (an argument whose object does not exist gives none).

    Raises UnknownArgument for a ``*_id`` argument the policy does not know (see NOT_OF_A_PROCESS)."""
    found = []
    for name, value in view_args.items():
        if not knows_argument(name, endpoint):
            raise UnknownArgument(name)
        if name == "run_id" and endpoint.startswith("imports."):
            pid = _import_run(session, value)
        elif name == "message_id" and endpoint.startswith("archive."):  # mail messages are the admins' only
            pid = _archive_message(session, value)
        elif name == "part_id":
            pid = _part(session, value, view_args.get("kind"))
        elif name == "parent_id":
            pid = _part(session, value, view_args.get("kind"), parent=True)
        elif name in RESOLVERS:
            pid = RESOLVERS[name](session, value)
        else:
            continue
        if pid is not None:
            found.append(pid)
    return found


def check(session: Session, user: Any, endpoint: str, view_args: dict[str, Any] | None) -> bool:
    """May ``user`` open this URL, as far as processes go?"""
    if sees_all(user) or not view_args:
        return True
    try:
        pids = processes_of_request(session, endpoint, view_args)
    except UnknownArgument as exc:
        import logging

        logging.getLogger(__name__).warning("refused %s: URL argument %r names no known process rule", endpoint, exc.args[0])
        return False
    return all(can_access(session, user, pid) for pid in pids)


def names_process_being_restored(session: Session, endpoint: str, view_args: dict[str, Any] | None) -> bool:
    """Does the URL name something of a process a restore job is still putting in? It does not exist yet for
    anyone (see :func:`hearing.models.processes.hide_restoring`), whatever the role."""
    from hearing.models.processes import INCLUDE_RESTORING, any_being_restored, being_restored

    if not view_args or not any_being_restored(session, current_app.config["PROCESS_RESTORE_CHECK_SECONDS"]):
        return False
    session.info[INCLUDE_RESTORING] = True  # the resolvers must find its rows to know whose they are
    try:
        pids = processes_of_request(session, endpoint, view_args)
    except UnknownArgument:
        return False  # refused by check() below
    finally:
        session.info.pop(INCLUDE_RESTORING, None)
    return being_restored(session, pids)


def check_request() -> None:
    """Before every staff view: 403 when the URL names something of a process the user may not see, 404
    when it names something of a process that is still being restored."""
    from flask_login import current_user

    from hearing.extensions import db

    if not request.view_args or not request.endpoint or request.blueprint in ("api",):
        return
    if names_process_being_restored(db.session, request.endpoint, request.view_args):
        abort(404)
    from flask import session as cookie

    if "_user_id" not in cookie or not current_user.is_authenticated:
        return  # anonymous: the view's own rule (public, or a login redirect) applies
    if not check(db.session, current_user, request.endpoint, request.view_args):
        abort(403)


# --- the administrator's choice --------------------------------------------------------------------


def set_access(session: Session, actor: User, user: User, *, all_processes: bool, process_ids: Iterable[int]) -> dict:
    """Give ``user`` every process, or only ``process_ids``; audited; the caller commits."""
    from hearing import audit
    from hearing.models import Process

    wanted = set() if all_processes else set(session.scalars(sa.select(Process.id).where(Process.id.in_(list(process_ids)))))
    current = set(session.scalars(sa.select(ProcessAccess.process_id).where(ProcessAccess.user_id == user.id)))
    for pid in current - wanted:
        session.execute(sa.delete(ProcessAccess).where(ProcessAccess.user_id == user.id, ProcessAccess.process_id == pid))
    for pid in sorted(wanted - current):
        session.add(ProcessAccess(user_id=user.id, process_id=pid, granted_by_id=getattr(actor, "id", None)))
    changed = {"all_processes": [user.all_processes, all_processes], "added": sorted(wanted - current),
               "removed": sorted(current - wanted)}
    if user.all_processes != all_processes or wanted != current:
        user.all_processes = all_processes
        audit.record(session, actor, "user.process_access", user, **changed)
    session.flush()
    return changed
