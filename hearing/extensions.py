"""Flask extensions, created here and bound in create_app()."""

from __future__ import annotations

import select
import sqlite3
import time

import sqlalchemy as sa
from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect, _FlaskFormCSRF
from wtforms.csrf.core import CSRFTokenField

from hearing import ratelimit  # noqa: F401  (registers the hearing+db:// counter storage)
from hearing.localtime import sqlite_local_date
from hearing.models.base import Base

db = SQLAlchemy(model_class=Base)
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
limiter = Limiter(key_func=get_remote_address, default_limits=[])


class _CSRFTokenField(CSRFTokenField):
    """The forms' hidden CSRF token without an ``id``: a page with two forms had two elements with the id
    ``csrf_token`` (WCAG 2.1 4.1.1, found by HTML_CodeSniffer). Nothing addresses the token by id."""

    def __call__(self, **kwargs):
        kwargs.setdefault("id", False)
        return super().__call__(**kwargs)


_FlaskFormCSRF.field_class = _CSRFTokenField


#: Page cache of each SQLite connection, in KiB (SQLite's default is 2 MiB).
SQLITE_CACHE_KIB = 64 * 1024


def _lower(value):
    return value.lower() if isinstance(value, str) else value


@sa.event.listens_for(sa.Engine, "connect")
def _sqlite_like_postgresql(dbapi_connection, _record) -> None:
    """Make the embedded SQLite behave as PostgreSQL does where it matters.

    Foreign keys are enforced (ON DELETE CASCADE / SET NULL: deleting a person's response removes
    what hangs on it), and lower() — behind ILIKE searches — folds æ, ø and å, not only ASCII.
    """
    if isinstance(dbapi_connection, sqlite3.Connection):
        dbapi_connection.execute("PRAGMA foreign_keys=ON")
        # Pages that count a whole process read the inputs table in index order, not on disk order:
        # the default 2 MB page cache made each such read go to the file again (4x slower at 50k inputs).
        # A ceiling, not an allocation: pages are cached as they are read.
        dbapi_connection.execute(f"PRAGMA cache_size = -{SQLITE_CACHE_KIB}")
        dbapi_connection.create_function("lower", 1, _lower, deterministic=True)
        # The day of a stored UTC time on the municipality's clock (hearing.localtime.local_date).
        dbapi_connection.create_function("hearing_local_date", 2, sqlite_local_date, deterministic=True)


def end_sessions_quietly(app) -> None:
    """Close the request's session without turning a dead connection into a 500.

    When PostgreSQL restarts after a page was read and rendered, the closing ROLLBACK fails; the
    page is still right, so it is sent. SQLAlchemy has already invalidated the connection.
    Registered after Flask-SQLAlchemy, so it runs first (teardowns run in reverse order).
    """
    @app.teardown_appcontext
    def _remove_session(_exc) -> None:
        try:
            db.session.remove()
        except (sa.exc.OperationalError, sa.exc.InterfaceError) as exc:
            app.logger.warning("database connection lost while closing a session: %s", type(exc.orig).__name__)
            db.session.registry.clear()


def _server_hung_up(dbapi_connection) -> bool:
    """True when an idle PostgreSQL connection has something to read: the server said goodbye (a restart
    sends "terminating connection" and closes) or the socket is closed. Asks the kernel, not the server."""
    pgconn = getattr(dbapi_connection, "pgconn", None)
    if pgconn is None:
        return False
    try:
        fd = pgconn.socket
    except Exception:  # noqa: BLE001  (psycopg refuses to give the socket of a connection it knows is bad)
        return True
    poller = select.poll()
    poller.register(fd, select.POLLIN | select.POLLPRI)
    return bool(poller.poll(0))


def check_connections_on_checkout(app) -> None:
    """Make sure a pooled PostgreSQL connection is alive before a request uses it, cheaply.

    ``pool_pre_ping`` sends ``SELECT 1`` before every use: a round trip and work for the server on every
    request. Instead, a connection handed out again is checked for a close the server already sent (a
    restart ends every connection that way; no round trip), and only one unused for longer than
    ``DB_PING_AFTER_IDLE_SECONDS`` (where a firewall may have dropped it silently) is pinged. A dead one
    is replaced before the request sees it. With ``pool_pre_ping`` set, that is used as before.
    """
    idle_limit = float(app.config.get("DB_PING_AFTER_IDLE_SECONDS") or 0)
    with app.app_context():
        engines = list(db.engines.values())
    for engine in engines:
        if engine.dialect.name != "postgresql" or engine.pool._pre_ping:
            continue
        dialect = engine.dialect

        def checkout(dbapi_connection, record, _proxy, dialect=dialect) -> None:
            returned = record.info.get("hearing_returned")
            if returned is None:  # new from the server, not yet used
                return
            if _server_hung_up(dbapi_connection):
                raise sa.exc.DisconnectionError("the server closed the connection")
            if time.monotonic() - returned > idle_limit and not dialect._do_ping_w_event(dbapi_connection):
                raise sa.exc.DisconnectionError("no answer to a ping after a long idle time")

        def checkin(_dbapi_connection, record) -> None:
            if record is not None:
                record.info["hearing_returned"] = time.monotonic()

        sa.event.listen(engine, "checkout", checkout)
        sa.event.listen(engine, "checkin", checkin)
