"""Fixtures: an app on a fresh migrated SQLite copy per test, factories, and a form-aware client."""

from __future__ import annotations

import os
import re
import shutil
import uuid
from html import unescape
from pathlib import Path

import pytest
import sqlalchemy as sa

from hearing import create_app
from hearing.extensions import db
from hearing.models import User

PASSWORD = "correct-horse-battery"


def _migrate(url: str) -> None:
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "t", "JOBS_LOCAL_WORKER": False})
    with app.app_context():
        from flask_migrate import upgrade

        upgrade()
        db.engine.dispose()


class SQLiteDatabases:
    """The embedded default: migrate one file, copy it for every test."""

    def __init__(self, folder: Path):
        self.template = folder / "template.sqlite"
        _migrate(f"sqlite:///{self.template}")

    def new(self, folder: Path) -> str:
        path = folder / f"test-{uuid.uuid4().hex[:8]}.sqlite"
        shutil.copy(self.template, path)
        return f"sqlite:///{path}"

    def drop(self, url: str) -> None:
        pass


class PostgresDatabases:
    """TEST_DATABASE_URL set (make test does it): migrate a template database, clone it per test."""

    def __init__(self, url: str):
        self.base = sa.engine.make_url(url)
        self.admin = sa.create_engine(self.base, isolation_level="AUTOCOMMIT")
        self.template = f"hearing_template_{os.getpid()}"
        self._execute(f'DROP DATABASE IF EXISTS "{self.template}"')
        self._execute(f'CREATE DATABASE "{self.template}"')
        _migrate(self._url(self.template))

    def _url(self, name: str) -> str:
        return self.base.set(database=name).render_as_string(hide_password=False)

    def _execute(self, sql: str) -> None:
        with self.admin.connect() as conn:
            conn.execute(sa.text(sql))

    def new(self, folder: Path) -> str:
        name = f"hearing_test_{uuid.uuid4().hex[:12]}"
        self._execute(f'CREATE DATABASE "{name}" TEMPLATE "{self.template}"')
        return self._url(name)

    def drop(self, url: str) -> None:
        self._execute(f'DROP DATABASE IF EXISTS "{sa.engine.make_url(url).database}" WITH (FORCE)')

    def close(self) -> None:
        self._execute(f'DROP DATABASE IF EXISTS "{self.template}" WITH (FORCE)')
        self.admin.dispose()


@pytest.fixture(scope="session")
def databases(tmp_path_factory):
    if url := os.environ.get("TEST_DATABASE_URL"):
        dbs = PostgresDatabases(url)
        yield dbs
        dbs.close()
    else:
        yield SQLiteDatabases(tmp_path_factory.mktemp("template"))


@pytest.fixture
def app(databases, tmp_path):
    url = databases.new(tmp_path)
    app = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": url,
            "SECRET_KEY": "test-secret",
            "UPLOAD_FOLDER": str(tmp_path / "uploads"),
            "DEMO_DATA_PATH": str(tmp_path / "missing.tsv"),
            "JOBS_LOCAL_WORKER": False,
        }
    )

    def fresh_g():
        # The fixture keeps one app context open for the whole test so tests can use db.session;
        # Flask then reuses it for requests, so g must start empty as it would in a real request.
        from flask import g

        for key in list(vars(g)):
            delattr(g, key)

    app.before_request_funcs.setdefault(None, []).insert(0, fresh_g)
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()
    databases.drop(url)


class Client:
    """Wraps Flask's test client: fetches a page's form fields (CSRF token, one-time key) before posting."""

    def __init__(self, client):
        self.raw = client

    def get(self, url, **kw):
        return self.raw.get(url, **kw)

    def post(self, url, data=None, **kw):
        return self.raw.post(url, data=data, **kw)

    def submit(self, page_url, data=None, *, action=None, follow=False, form_index=0, **kw):
        """GET ``page_url``, take the hidden fields of its form (or the form posting to ``action``), POST."""
        page = self.raw.get(page_url)
        assert page.status_code == 200, (page_url, page.status_code)
        fields = hidden_fields(page.get_data(as_text=True), action=action, index=form_index)
        fields.update(data or {})
        return self.raw.post(action or page_url, data=fields, follow_redirects=follow, **kw)

    def login(self, email, password=PASSWORD):
        return self.submit("/login", {"email": email, "password": password})


FORM_RE = re.compile(r"<form\b([^>]*)>(.*?)</form>", re.S)
HIDDEN_RE = re.compile(r'<input\b[^>]*type="hidden"[^>]*>', re.S)


def hidden_fields(html: str, *, action: str | None = None, index: int = 0) -> dict[str, str]:
    forms = [(attrs, body) for attrs, body in FORM_RE.findall(html) if 'method="post"' in attrs]
    if action:
        forms = [(a, b) for a, b in forms if f'action="{action}"' in a] or forms
    else:
        forms = [(a, b) for a, b in forms if "logout" not in a]
    attrs, body = forms[index]
    out = {}
    for tag in HIDDEN_RE.findall(body):
        name = re.search(r'name="([^"]+)"', tag)
        value = re.search(r'value="([^"]*)"', tag)
        if name:
            out[name.group(1)] = unescape(value.group(1)) if value else ""
    return out


@pytest.fixture
def client(app) -> Client:
    return Client(app.test_client())


@pytest.fixture
def make_user(app):
    counter = iter(range(1, 10_000))

    def make(role: str = "admin", **overrides) -> User:
        from hearing.admin.services import create_user

        n = next(counter)
        data = {"email": f"{role}{n}@test.kommune.no", "name": f"{role.title()} {n}", "role": role, "password": PASSWORD}
        data.update(overrides)
        user = create_user(db.session, None, data)
        db.session.commit()
        return user

    return make


@pytest.fixture
def make_process(app, make_user):
    def make(**overrides):
        from hearing.admin.services import create_process

        actor = db.session.query(User).filter_by(role="admin").first() or make_user("admin")
        data = {"name": "Strategiplan Mestring og helse", "service_area": "Helse og mestring", "owner": "Kommunalsjef", "retention_months": 24}
        data.update(overrides)
        process = create_process(db.session, actor, data)
        db.session.commit()
        return process

    return make


@pytest.fixture
def admin_client(client, make_user):
    user = make_user("admin")
    assert client.login(user.email).status_code == 302
    client.user = user
    return client


def text_of(response) -> str:
    """Page text with tags removed and whitespace collapsed, for readable assertions."""
    html = response.get_data(as_text=True)
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html)))


def export_via_page(client: Client, page_url: str, action: str):
    """Press an export button on ``page_url``, let the worker run, and download the file from the job page.

    Returns (job id, the download response).
    """
    from hearing.jobs import run_pending_jobs

    response = client.submit(page_url, action=action)
    assert response.status_code == 302, response.status_code
    match = re.search(r"/files/jobs/(\d+)$", response.location)
    assert match, response.location
    job_id = int(match.group(1))
    waiting = client.get(response.location)
    assert waiting.status_code == 200 and "<progress" in waiting.get_data(as_text=True)
    run_pending_jobs()
    done = client.get(response.location).get_data(as_text=True)
    link = f"/files/jobs/{job_id}/download"
    assert link in done and "<progress" not in done
    return job_id, client.get(link)
