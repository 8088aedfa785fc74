"""Walk every registered route with every role: anonymous and wrong roles are refused."""

from __future__ import annotations

import re

import pytest

from hearing.extensions import db
from hearing.models import Activity, Prompt, StakeholderGroup, User
from tests.conftest import Client

#: Endpoints anyone may open without logging in.
PUBLIC = {"static", "public.index", "auth.login", "auth.logout"}
ROLES = ("admin", "facilitator", "reviewer")
#: Views a role may call whose object check refuses the world's activity (facilitators import into workshops only).
OBJECT_CHECKED = {("facilitator", "imports.upload"), ("facilitator", "imports.mapping"), ("facilitator", "imports.excel_template")}


@pytest.fixture
def world(app, make_user, make_process):
    users = {role: make_user(role) for role in ROLES}
    process = make_process()
    group = StakeholderGroup(process=process, name="Eldrerådet", category="council")
    activity = Activity(process=process, kind="survey", title="Undersøkelse")
    prompt = Prompt(activity=activity, position=1, text="Hva tenker du?")
    db.session.add_all([group, activity, prompt])
    db.session.commit()
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
