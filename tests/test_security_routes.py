"""Walk every registered route with every role: anonymous and wrong roles are refused."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from hearing.extensions import db
from hearing.models import Activity, Prompt, StakeholderGroup, User
from tests.conftest import Client

#: Endpoints anyone may open without logging in.
PUBLIC = {"static", "public.index", "auth.login", "auth.logout"}
ROLES = ("admin", "facilitator", "reviewer")
#: Views a role may call whose object check refuses the world's activity (facilitators import into workshops only).
OBJECT_CHECKED = {("facilitator", "imports.upload"), ("facilitator", "imports.mapping"), ("facilitator", "imports.excel_template"),
                  ("facilitator", "imports.job_status")}


@pytest.fixture
def world(app, make_user, make_activity):
    users = {role: make_user(role) for role in ROLES}
    activity = make_activity("survey", groups=[("Eldrerådet", "council")], prompts=["Hva tenker du?"],
                             opens_dt=None, closes_dt=None)  # "Undersøkelse"
    process, prompt = activity.process, activity.prompts[0]
    group = db.session.scalar(sa.select(StakeholderGroup).filter_by(name="Eldrerådet"))
    ids = {"process_id": process.id, "group_id": group.id, "activity_id": activity.id, "prompt_id": prompt.id,
           "user_id": users["reviewer"].id}
    return users, ids


def is_public(app, endpoint: str) -> bool:
    return endpoint in PUBLIC or getattr(app.view_functions[endpoint], "is_public", False)


def is_token_api(app, endpoint: str) -> bool:
    """JSON API views check a personal token instead of a login (tests/test_api.py walks them)."""
    return bool(getattr(app.view_functions[endpoint], "required_scopes", None))


def routes(app, ids):
    for rule in app.url_map.iter_rules():
        if is_public(app, rule.endpoint) or is_token_api(app, rule.endpoint):
            continue
        url = rule.rule
        for arg in rule.arguments:
            url = re.sub(rf"<(?:\w+:)?{arg}>", str(ids.get(arg, 1)), url)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield rule.endpoint, method, url


def test_every_non_public_view_declares_its_roles(app):
    missing = [
        rule.endpoint for rule in app.url_map.iter_rules()
        if not is_public(app, rule.endpoint) and not is_token_api(app, rule.endpoint)
        and not hasattr(app.view_functions[rule.endpoint], "required_roles")
    ]
    assert missing == []


def test_anonymous_users_are_sent_to_login(app, world):
    client = app.test_client()
    _, ids = world
    app.config["WTF_CSRF_ENABLED"] = False  # so that a POST reaches the role check
    checked = 0
    for endpoint, method, url in routes(app, ids):
        r = client.open(url, method=method)
        assert r.status_code == 302 and "/login" in r.location, (endpoint, method, r.status_code)
        checked += 1
    assert checked > 20


@pytest.mark.parametrize("role", ROLES)
def test_wrong_roles_get_403(app, world, role):
    users, ids = world
    browser = Client(app.test_client())
    assert browser.login(users[role].email).status_code == 302
    client = browser.raw
    app.config["WTF_CSRF_ENABLED"] = False
    for endpoint, method, url in routes(app, ids):
        allowed = app.view_functions[endpoint].required_roles
        r = client.open(url, method=method)
        if (role, endpoint) in OBJECT_CHECKED:
            assert r.status_code == 403, (endpoint, method, r.status_code)
        elif role == "admin" or role in allowed:
            assert r.status_code != 403, (endpoint, method)
        else:
            assert r.status_code == 403, (endpoint, method, r.status_code)
    db.session.rollback()
    assert db.session.get(User, users[role].id) is not None


def test_post_without_csrf_token_is_refused(client, make_user):
    user = make_user("admin")
    client.login(user.email)
    r = client.post("/admin/users/new", data={"name": "X", "email": "x@kommune.no", "role": "reviewer"})
    assert r.status_code == 400
    assert "Skjemaet var utløpt eller ugyldig" in r.get_data(as_text=True)
    assert db.session.query(User).filter_by(email="x@kommune.no").count() == 0


# --- roles per process: a second process the restricted staff may not see ------------------------------


def _process_world(make_process, name: str) -> dict:
    """A process with one of everything a URL can name, and the ids of those things."""
    from hearing.models import (
        Draft,
        FocusArea,
        HearingReport,
        Input,
        Invitation,
        Job,
        Submission,
        Theme,
        ThemeAssignment,
        ThemeRun,
        utcnow,
    )

    process = make_process(name=name)
    with db.session.no_autoflush:
        group = StakeholderGroup(process=process, name="Eldrerådet", category="council")
        activity = Activity(process=process, kind="hearing", title="Høring")
        prompt = Prompt(activity=activity, position=1, text="Hva tenker du?")
        invitation = Invitation(activity=activity, body_name="Eldrerådet", token_hash=f"{name}-hash".ljust(64, "0")[:64])
        submission = Submission(activity=activity, reference=f"H-{name}", submission_key=f"k-{name}",
                                edit_token_hash=f"e-{name}".ljust(64, "0")[:64], consent="not_published", submitted_dt=utcnow())
        inp = Input(activity=activity, submission=submission, text="Mer heltid")
        draft = Draft(process=process, number=1, title="Utkast 1")
        area = FocusArea(draft=draft, position=1, title="Heltid")
        run = ThemeRun(process_id=process.id)
        theme = Theme(run=run, position=1, auto_label="Heltid")
        db.session.add_all([group, activity, prompt, invitation, submission, inp, draft, area, run, theme])
    db.session.flush()
    assignment = ThemeAssignment(run_id=run.id, input_id=inp.id, theme_id=theme.id)
    report = HearingReport(process_id=process.id, title="Tilbakemelding")
    job = Job(kind="export.draft_docx", payload={"draft_id": draft.id}, status="done")
    from hearing.models import ArchiveMessage

    archived = ArchiveMessage(process_id=process.id, kind="saksmappe")
    # the adopted plan of the follow-up (#21): a unit and a tracked measure
    from datetime import date

    from hearing.models import Plan, PlanMeasure, Unit

    unit = Unit(process_id=process.id, name="Hjemmetjenesten")
    plan = Plan(process_id=process.id, draft_id=draft.id, title=f"Plan {name}", adopted_on=date(2026, 1, 15))
    measure = PlanMeasure(plan=plan, position=1, text="Heltid for alle", unit=unit)
    db.session.add_all([assignment, report, job, archived, unit, plan, measure])
    db.session.commit()
    return {"process_id": process.id, "group_id": group.id, "activity_id": activity.id, "prompt_id": prompt.id,
            "invitation_id": invitation.id, "submission_id": submission.id, "input_id": inp.id, "note_id": inp.id,
            "draft_id": draft.id, "run_id": run.id, "theme_id": theme.id, "assignment_id": assignment.id,
            "report_id": report.id, "job_id": job.id, "part_id": area.id, "kind": "focus_area", "parent_id": draft.id,
            "message_id": archived.id, "plan_id": plan.id, "unit_id": unit.id, "measure_id": measure.id, "year": 2026,
            "fmt": "docx"}


@pytest.fixture
def two_processes(app, make_user, make_process):
    from hearing.auth.access import set_access

    ours, theirs = _process_world(make_process, "Vår"), _process_world(make_process, "Deres")
    admin = db.session.scalar(sa.select(User).where(User.role == "admin"))
    users = {}
    for role in ("facilitator", "reviewer"):
        users[role] = make_user(role)
        set_access(db.session, admin, users[role], all_processes=False, process_ids=[ours["process_id"]])
    db.session.commit()
    return users, ours, theirs


#: URL arguments that name something of a process (the rest, such as kind or fmt, name nothing).
PROCESS_ARGS = {"process_id", "group_id", "activity_id", "prompt_id", "invitation_id", "submission_id", "input_id",
                "note_id", "draft_id", "run_id", "theme_id", "assignment_id", "report_id", "job_id", "part_id", "parent_id",
                "message_id", "plan_id", "unit_id", "measure_id"}


@pytest.mark.parametrize("role", ("facilitator", "reviewer"))
def test_staff_given_one_process_are_refused_every_route_of_another(app, two_processes, role):
    users, ours, theirs = two_processes
    from tests.conftest import PASSWORD

    browser, everything = Client(app.test_client()), Client(app.test_client())
    assert browser.login(users[role].email).status_code == 302
    unrestricted = User(email=f"alle-{role}@test.kommune.no", name="Alle", role=role, session_version=0)
    unrestricted.set_password(PASSWORD)
    db.session.add(unrestricted)
    db.session.commit()
    assert everything.login(unrestricted.email).status_code == 302
    client = browser.raw
    app.config["WTF_CSRF_ENABLED"] = False
    refused = allowed = 0
    walked: set[str] = set()
    for endpoint, method, _url in routes(app, theirs):
        rule = next(r for r in app.url_map.iter_rules(endpoint=endpoint))
        needed = app.view_functions[endpoint].required_roles if hasattr(app.view_functions[endpoint], "required_roles") else ()
        if role not in needed or not (set(rule.arguments) & PROCESS_ARGS) or endpoint.startswith("imports.run"):
            continue  # another role's page, a page of no process, or an import run (none made here)
        if rule.arguments - set(theirs):
            continue  # an argument this world does not fill (e.g. a plan of the follow-up)
        url = rule.build({a: theirs[a] for a in rule.arguments}, append_unknown=False)[1]
        r = client.open(url, method=method)
        assert r.status_code == 403, (endpoint, method, url, r.status_code)
        refused += 1
        walked.add(endpoint)
        # the same page of their own process answers as it does for a colleague who sees every process
        own = rule.build({a: ours[a] for a in rule.arguments}, append_unknown=False)[1]
        if method == "GET":
            expected = everything.raw.open(own, method=method).status_code
            assert client.open(own, method=method).status_code == expected, (endpoint, own)
            allowed += expected != 403
        db.session.rollback()
    assert refused > (50 if role == "reviewer" else 10) and allowed > 5, (refused, allowed)
    if role == "reviewer":  # the follow-up of the adopted plan is walked too (its plan, unit and measure ids)
        assert {"followup.matrix", "followup.measure", "followup.revision", "followup.unit_xlsx", "followup.plan_edit",
                "dashboard.process_dashboard"} <= walked, sorted(e for e in walked if e.startswith(("followup", "dashboard")))
    # lists show only their own process
    home = client.get("/staff").get_data(as_text=True)
    assert "Vår" in home and "Deres" not in home
    if role == "reviewer":
        runs = client.get("/review/").get_data(as_text=True)
        assert "Vår" in runs and "Deres" not in runs


def test_an_administrator_gives_access_to_chosen_processes(app, two_processes, admin_client):
    from hearing.models import AuditEvent, ProcessAccess

    users, ours, theirs = two_processes
    reviewer = users["reviewer"]
    page = admin_client.get(f"/admin/users/{reviewer.id}/edit").get_data(as_text=True)
    assert "Tilgang til prosesser" in page
    r = admin_client.submit(f"/admin/users/{reviewer.id}/edit", {"name": reviewer.name, "role": "reviewer",
                                                                    "is_active_user": "y", "all_processes": "0",
                                                                    "process_ids": [str(theirs["process_id"])]})
    assert r.status_code == 302
    assert set(db.session.scalars(sa.select(ProcessAccess.process_id).where(ProcessAccess.user_id == reviewer.id))) == {theirs["process_id"]}
    assert db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "user.process_access")) is not None
    r = admin_client.submit(f"/admin/users/{reviewer.id}/edit", {"name": reviewer.name, "role": "reviewer",
                                                                    "is_active_user": "y", "all_processes": "0"})
    assert r.status_code == 200 and "Kryss av minst én prosess" in r.get_data(as_text=True)
    r = admin_client.submit(f"/admin/users/{reviewer.id}/edit", {"name": reviewer.name, "role": "reviewer",
                                                                    "is_active_user": "y", "all_processes": "1"})
    db.session.expire_all()
    assert db.session.get(User, reviewer.id).all_processes is True


def test_every_id_in_a_staff_url_is_traced_to_its_process(app):
    """Roles per process are closed by default: every ``*_id`` argument of a staff route is either traced to its
    process (hearing.auth.access.RESOLVERS) or declared as naming nothing of a process, for its blueprint."""
    from hearing.auth import access

    unknown = sorted({(rule.endpoint, arg) for rule in app.url_map.iter_rules() for arg in rule.arguments
                      if not is_public(app, rule.endpoint) and not access.knows_argument(arg, rule.endpoint)})
    assert unknown == []


def test_an_unknown_id_is_refused_to_staff_with_chosen_processes(app, make_user, make_process):
    from hearing.auth import access

    process = make_process()
    limited, everyone = make_user("reviewer"), make_user("reviewer")
    access.set_access(db.session, None, limited, all_processes=False, process_ids=[process.id])
    db.session.commit()
    # a route added tomorrow with a new kind of id: refused until the policy knows it, not open
    assert access.check(db.session, limited, "review.widget", {"widget_id": 1}) is False
    assert access.check(db.session, everyone, "review.widget", {"widget_id": 1}) is True
    # a declared argument outside its blueprint is unknown there too
    assert access.check(db.session, limited, "review.person", {"user_id": 1}) is False
    assert access.check(db.session, limited, "review.theme", {"process_id": process.id, "year": 2026}) is True
