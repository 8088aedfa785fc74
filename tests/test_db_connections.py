"""Pooled PostgreSQL connections are checked before use without a round trip per request, and a connection
the server ended (a restart) is replaced before a request meets it."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from hearing.extensions import db


@pytest.fixture
def pings(app, monkeypatch):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("the check is for PostgreSQL connections (SQLite has no server to lose)")
    assert not db.engine.pool._pre_ping  # the default: no SELECT 1 before every use
    calls: list[object] = []
    real = type(db.engine.dialect).do_ping

    def counting(dialect, dbapi_connection):
        calls.append(dbapi_connection)
        return real(dialect, dbapi_connection)

    monkeypatch.setattr(type(db.engine.dialect), "do_ping", counting)
    db.session.remove()
    db.engine.dispose()  # one connection in the pool from here on (earlier tests may have left several)
    return calls


def _backend_pid() -> int:
    pid = db.session.execute(sa.text("SELECT pg_backend_pid()")).scalar()
    db.session.remove()  # back to the pool
    return pid


def test_a_connection_in_use_is_not_pinged(app, pings):
    first = _backend_pid()
    for _ in range(5):
        assert app.test_client().get("/readyz").status_code == 200
    assert _backend_pid() == first and pings == []  # the same connection, and no SELECT 1 before each use


def test_a_connection_the_server_ended_is_replaced_before_use(app, pings):
    import time

    first = _backend_pid()
    other = sa.create_engine(db.engine.url, poolclass=sa.pool.NullPool)
    with other.connect() as conn:  # as a restart of the server does to every connection
        assert conn.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": first}).scalar()
        for _ in range(600):  # generous: the server process ends in a moment on a quiet machine
            if not conn.execute(sa.text("SELECT count(*) FROM pg_stat_activity WHERE pid = :pid"), {"pid": first}).scalar():
                break
            time.sleep(0.05)
    other.dispose()
    r = app.test_client().get("/readyz")
    assert r.status_code == 200 and "error" not in r.get_data(as_text=True)
    assert _backend_pid() != first and pings == []


def test_a_connection_idle_for_long_is_pinged(app, pings, monkeypatch):
    import time

    _backend_pid()
    now = time.monotonic()
    monkeypatch.setattr(time, "monotonic", lambda: now + app.config["DB_PING_AFTER_IDLE_SECONDS"] + 1)
    assert app.test_client().get("/readyz").status_code == 200
    assert len(pings) == 1
