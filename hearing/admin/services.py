"""Administrative operations: processes, phases, groups, activities, prompts and users.

Each function takes the session, the acting user and plain data, flushes, records an audit event
and leaves the commit to the caller.
"""

from __future__ import annotations

import secrets
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from hearing import audit
from hearing.core.errors import ServiceError
from hearing.core.text import slugify
from hearing.models import (
    STANDARD_PHASES,
    Activity,
    GroupCategory,
    Input,
    Phase,
    Process,
    Prompt,
    QuestionType,
    StakeholderGroup,
    Submission,
    User,
)

#: Groups a Norwegian health and care process usually hears, offered with one click.
STANDARD_GROUPS: tuple[tuple[str, GroupCategory], ...] = (
    ("Eldrerådet", GroupCategory.COUNCIL),
    ("Rådet for personer med funksjonsnedsettelse", GroupCategory.COUNCIL),
    ("Ungdomsrådet", GroupCategory.COUNCIL),
    ("Ansatte", GroupCategory.EMPLOYEES),
    ("Ledere", GroupCategory.EMPLOYEES),
    ("Tillitsvalgte", GroupCategory.EMPLOYEES),
    ("Verneombud", GroupCategory.EMPLOYEES),
    ("Innbyggere", GroupCategory.CITIZENS),
    ("Pårørende", GroupCategory.CITIZENS),
    ("Brukerråd", GroupCategory.CITIZENS),
    ("Eksterne partnere", GroupCategory.PARTNERS),
)


def unique_slug(session: Session, name: str, *, exclude_id: int | None = None) -> str:
    base = slugify(name)
    slug, n = base, 1
    while True:
        q = sa.select(Process.id).where(Process.slug == slug)
        if exclude_id:
            q = q.where(Process.id != exclude_id)
        if session.scalar(q) is None:
            return slug
        n += 1
        slug = f"{base}-{n}"


def _apply(obj: Any, data: dict[str, Any]) -> dict[str, Any]:
    """Set attributes and return what changed, as {name: [old, new]}."""
    changed = {}
    for key, value in data.items():
        old = getattr(obj, key)
        if old != value:
            changed[key] = [old, value]
            setattr(obj, key, value)
    return changed


PROCESS_FIELDS = ("name", "service_area", "owner", "description", "start_date", "end_date", "retention_months", "is_public", "language")


def default_phases(lang: str = "nb") -> list[dict[str, Any]]:
    """The four standard phases, named in the process's language."""
    from hearing.content import standard_name

    return [{"name": standard_name(name, lang), "description": "", "start_date": None, "end_date": None} for name in STANDARD_PHASES]


def _sync_phases(session: Session, process: Process, phases: list[dict[str, Any]]) -> None:
    """Make the process's phases match the list (by position); phases with activities are kept."""
    phases = [p for p in phases if (p.get("name") or "").strip()]
    existing = {ph.position: ph for ph in process.phases}
    for pos, data in enumerate(phases, start=1):
        values = {k: data.get(k) for k in ("name", "description", "start_date", "end_date")}
        values["description"] = values["description"] or ""
        if pos in existing:
            _apply(existing.pop(pos), values)
        else:
            process.phases.append(Phase(position=pos, **values))
    for phase in existing.values():
        if phase.activities:
            raise ServiceError(_l("Fasen «%(name)s» har aktiviteter og kan ikke fjernes.", name=phase.name))
        process.phases.remove(phase)
    session.flush()


def create_process(session: Session, actor: User, data: dict[str, Any], phases: list[dict[str, Any]] | None = None) -> Process:
    process = Process(slug=unique_slug(session, data["name"]), **{k: data[k] for k in PROCESS_FIELDS if k in data})
    session.add(process)
    session.flush()
    _sync_phases(session, process, default_phases(process.language or "nb") if phases is None else phases)
    from hearing.content import translate_standard_names

    translate_standard_names(session, process)
    audit.record(session, actor, "process.create", process, name=process.name, phases=[p.name for p in process.phases])
    return process


def update_process(session: Session, actor: User, process: Process, data: dict[str, Any], phases: list[dict[str, Any]]) -> Process:
    changed = _apply(process, {k: data[k] for k in PROCESS_FIELDS if k in data})
    before = [p.name for p in process.phases]
    _sync_phases(session, process, phases)
    after = [p.name for p in process.phases]
    if before != after:
        changed["phases"] = [before, after]
    from hearing.content import translate_standard_names

    translate_standard_names(session, process)
    audit.record(session, actor, "process.update", process, changed=changed)
    return process


def create_group(session: Session, actor: User, process: Process, data: dict[str, Any]) -> StakeholderGroup:
    name = data["name"].strip()
    if session.scalar(sa.select(StakeholderGroup.id).filter_by(process_id=process.id, name=name)):
        raise ServiceError(_l("Gruppen «%(name)s» finnes allerede i denne prosessen.", name=name))
    group = StakeholderGroup(process=process, name=name, category=data["category"], description=data.get("description") or "")
    session.add(group)
    session.flush()
    audit.record(session, actor, "group.create", group, name=name, category=group.category)
    return group


def update_group(session: Session, actor: User, group: StakeholderGroup, data: dict[str, Any]) -> StakeholderGroup:
    name = data["name"].strip()
    clash = session.scalar(
        sa.select(StakeholderGroup.id).filter_by(process_id=group.process_id, name=name).where(StakeholderGroup.id != group.id)
    )
    if clash:
        raise ServiceError(_l("Gruppen «%(name)s» finnes allerede i denne prosessen.", name=name))
    changed = _apply(group, {"name": name, "category": data["category"], "description": data.get("description") or ""})
    audit.record(session, actor, "group.update", group, changed=changed)
    return group


def delete_group(session: Session, actor: User, group: StakeholderGroup) -> None:
    used = session.scalar(sa.select(sa.func.count(Input.id)).where(Input.group_id == group.id))
    if used:
        raise ServiceError(_l("Gruppen «%(name)s» har %(used)s innspill og kan ikke slettes.", name=group.name, used=used))
    audit.record(session, actor, "group.delete", group, name=group.name)
    session.delete(group)
    session.flush()


def add_standard_groups(session: Session, actor: User, process: Process) -> list[StakeholderGroup]:
    """The standard groups, named in the process's language and translated into the others."""
    from hearing.content import standard_name, translate_standard_names

    have = {g.name for g in process.groups}
    lang = process.language or "nb"
    added = [
        create_group(session, actor, process, {"name": standard_name(name, lang), "category": category})
        for name, category in STANDARD_GROUPS
        if standard_name(name, lang) not in have
    ]
    translate_standard_names(session, process)
    return added


#: The Planning and Building Act's minimum for a public hearing of a plan (plan- og bygningsloven).
PLAN_HEARING_MINIMUM = timedelta(weeks=6)
SHORT_PLAN_HEARING = _l("Høringsfristen er kortere enn seks uker, som er minstefristen for planer etter plan- og bygningsloven.")


def short_plan_hearing(kind: str | None, is_plan_hearing: bool, opens_dt: datetime | None,
                       closes_dt: datetime | None) -> bool:
    """A plan hearing open for less than six weeks: the rule every path that creates a hearing checks."""
    return bool(kind == "hearing" and is_plan_hearing and opens_dt and closes_dt
                and closes_dt - opens_dt < PLAN_HEARING_MINIMUM)


ACTIVITY_FIELDS = ("kind", "title", "description", "opens_dt", "closes_dt", "audience", "is_plan_hearing", "location")


def _activity_values(session: Session, process: Process, data: dict[str, Any]) -> tuple[dict[str, Any], list[StakeholderGroup]]:
    values = {k: data[k] for k in ACTIVITY_FIELDS if k in data}
    values["description"] = values.get("description") or ""
    values["location"] = values.get("location") or ""
    phase_id = data.get("phase_id")
    if phase_id and session.get(Phase, phase_id) not in process.phases:
        raise ServiceError(_l("Fasen hører ikke til denne prosessen."))
    values["phase_id"] = phase_id or None
    group_ids = set(data.get("group_ids") or [])
    groups = [g for g in process.groups if g.id in group_ids]
    if values.get("audience") == "invited" and not groups:
        raise ServiceError(_l("Velg minst én invitert gruppe, eller gjør aktiviteten åpen for alle."))
    return values, groups


def create_activity(session: Session, actor: User, process: Process, data: dict[str, Any]) -> Activity:
    values, groups = _activity_values(session, process, data)
    activity = Activity(process=process, groups=groups, **values)
    session.add(activity)
    session.flush()
    audit.record(session, actor, "activity.create", activity, title=activity.title, kind=activity.kind)
    return activity


def update_activity(session: Session, actor: User, activity: Activity, data: dict[str, Any]) -> Activity:
    values, groups = _activity_values(session, activity.process, data)
    changed = _apply(activity, values)
    if set(activity.groups) != set(groups):
        changed["groups"] = [[g.name for g in activity.groups], [g.name for g in groups]]
        activity.groups = groups
    audit.record(session, actor, "activity.update", activity, changed=changed)
    return activity


def _prompt_values(data: dict[str, Any]) -> dict[str, Any]:
    qtype = data["question_type"]
    options = [o.strip() for o in data.get("options") or [] if o.strip()]
    if qtype in (QuestionType.SINGLE_CHOICE, QuestionType.MULTIPLE_CHOICE):
        if len(options) < 2:
            raise ServiceError(_l("Et flervalgsspørsmål trenger minst to svaralternativer, ett per linje."))
        if len(set(options)) != len(options):
            raise ServiceError(_l("Svaralternativene må være forskjellige."))
    else:
        options = []
    return {
        "text": data["text"].strip(),
        "help_text": (data.get("help_text") or "").strip(),
        "question_type": qtype,
        "options": options,
        "is_required": bool(data.get("is_required")),
    }


def add_prompt(session: Session, actor: User, activity: Activity, data: dict[str, Any]) -> Prompt:
    values = _prompt_values(data)
    position = max((p.position for p in activity.prompts), default=0) + 1
    prompt = Prompt(activity=activity, position=position, **values)
    session.add(prompt)
    session.flush()
    audit.record(session, actor, "prompt.create", prompt, process_id=activity.process_id, text=prompt.text)
    return prompt


def update_prompt(session: Session, actor: User, prompt: Prompt, data: dict[str, Any]) -> Prompt:
    changed = _apply(prompt, _prompt_values(data))
    audit.record(session, actor, "prompt.update", prompt, process_id=prompt.activity.process_id, changed=changed)
    return prompt


def delete_prompt(session: Session, actor: User, prompt: Prompt) -> None:
    answered = session.scalar(sa.select(sa.func.count(Input.id)).where(Input.prompt_id == prompt.id))
    if answered:
        raise ServiceError(_l("Spørsmålet har %(answered)s svar og kan ikke slettes.", answered=answered))
    activity = prompt.activity
    audit.record(session, actor, "prompt.delete", prompt, process_id=activity.process_id, text=prompt.text)
    activity.prompts.remove(prompt)
    session.flush()
    _renumber(session, activity)


def move_prompt(session: Session, actor: User, prompt: Prompt, direction: int) -> None:
    prompts = list(prompt.activity.prompts)
    i = prompts.index(prompt)
    j = i + direction
    if not 0 <= j < len(prompts):
        return
    prompts[i], prompts[j] = prompts[j], prompts[i]
    _renumber(session, prompt.activity, prompts)
    audit.record(session, actor, "prompt.move", prompt, process_id=prompt.activity.process_id, position=j + 1)


def _renumber(session: Session, activity: Activity, ordered: list[Prompt] | None = None) -> None:
    ordered = ordered or list(activity.prompts)
    # Two steps so the unique (activity, position) constraint holds after each flush.
    for n, p in enumerate(ordered, start=1):
        p.position = -n
    session.flush()
    for n, p in enumerate(ordered, start=1):
        p.position = n
    session.flush()
    session.expire(activity, ["prompts"])


def generate_password(seed: bytes | None = None) -> str:
    """A temporary password that is easy to read aloud: four groups of letters and digits.

    From ``seed`` (at least 16 random bytes) it is always the same, so a form sent twice makes one password.
    """
    alphabet = "abcdefghjkmnpqrstuvwxyz23456789"
    picks = [b % len(alphabet) for b in seed[:16]] if seed else [secrets.randbelow(len(alphabet)) for _ in range(16)]
    chars = "".join(alphabet[i] for i in picks)
    return "-".join(chars[i:i + 4] for i in range(0, 16, 4))


def create_user(session: Session, actor: User | None, data: dict[str, Any]) -> User:
    email = data["email"].strip().lower()
    if session.scalar(sa.select(User.id).where(User.email == email)):
        raise ServiceError(_l("Det finnes allerede en bruker med denne e-postadressen."))
    user = User(email=email, name=data["name"].strip(), role=data["role"], session_version=0,
                lang=_mail_lang(data.get("lang")))
    user.set_password(data["password"])
    # A password an administrator set (or the form made) is known to someone else: the user replaces it.
    user.must_change_password = actor is not None
    session.add(user)
    session.flush()
    audit.record(session, actor, "user.create", user, email=email, role=user.role)
    return user


def _mail_lang(lang: str | None) -> str | None:
    """A staff member's e-mail language: one of the four, or None (the installation's default)."""
    return lang if lang in ("nb", "nn", "en", "da") else None


def update_user(session: Session, actor: User, user: User, data: dict[str, Any]) -> User:
    if user.id == actor.id and (data.get("role") != user.role or not data.get("is_active_user", True)):
        raise ServiceError(_l("Du kan ikke endre din egen rolle eller deaktivere deg selv."))
    values = {"name": data["name"].strip(), "role": data["role"], "is_active_user": bool(data.get("is_active_user", True))}
    if "lang" in data:
        values["lang"] = _mail_lang(data["lang"])
    changed = _apply(user, values)
    if "is_active_user" in changed or "role" in changed:
        user.session_version += 1  # a changed role or a deactivation ends the user's sessions
    audit.record(session, actor, "user.update", user, changed=changed)
    return user


def reset_password(session: Session, actor: User, user: User, password: str | None = None) -> str:
    """Set a new password (generated when none is given) and end the user's other sessions."""
    password = password or generate_password()
    user.set_password(password)
    user.must_change_password = True  # known to the administrator: the user replaces it at next login
    user.failed_logins = 0
    user.locked_until_dt = None
    audit.record(session, actor, "user.reset_password", user)
    return password


@dataclass
class PhaseOverview:
    phase: Phase | None
    activities: list[tuple[Activity, int, int]] = field(default_factory=list)  # (activity, inputs, submissions)

    @property
    def input_count(self) -> int:
        return sum(n for _, n, _ in self.activities)


def process_overview(session: Session, process: Process) -> list[PhaseOverview]:
    """Phases in order with their activities and input and submission counts; unphased last."""
    inputs = Counter(
        dict(
            session.execute(
                sa.select(Input.activity_id, sa.func.count(Input.id))
                .join(Activity, Activity.id == Input.activity_id)
                .where(Activity.process_id == process.id)
                .group_by(Input.activity_id)
            ).all()
        )
    )
    submissions = Counter(
        dict(
            session.execute(
                sa.select(Submission.activity_id, sa.func.count(Submission.id))
                .join(Activity, Activity.id == Submission.activity_id)
                .where(Activity.process_id == process.id, Submission.is_withdrawn.is_(False))
                .group_by(Submission.activity_id)
            ).all()
        )
    )
    rows = [PhaseOverview(phase) for phase in process.phases]
    by_phase = {row.phase.id: row for row in rows}
    loose = PhaseOverview(None)
    for activity in process.activities:
        row = by_phase.get(activity.phase_id, loose)
        row.activities.append((activity, inputs[activity.id], submissions[activity.id]))
    if loose.activities:
        rows.append(loose)
    return rows
