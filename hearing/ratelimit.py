"""Rate-limit counters in the application's database, for installations without Redis.

Flask-Limiter keeps its counters in a `limits` storage. The memory storage is per process, so with
several gunicorn workers or app servers each would count on its own and a limit would be multiplied
by their number. This storage (``hearing+db://``) keeps fixed-window counters in the table
``rate_limits`` of the database every process already shares; with ``REDIS_URL`` set, Redis is used
instead (``hearing+redis://``, see :mod:`hearing.config`).

Both remember, per thread and for a moment, the count and window end an increment returned, so the
rate-limit headers of the same response cost no further round trip (Flask-Limiter reads them back).
"""

from __future__ import annotations

import random
import threading
import time

import sqlalchemy as sa
from limits.storage import RedisStorage as _LimitsRedisStorage
from limits.storage import Storage
from sqlalchemy.dialects import postgresql, sqlite

from hearing.models.audit import RateLimit

#: How long the count an increment returned answers later reads of the same key (the rate-limit
#: headers of the same response) without another round trip.
MEMO_SECONDS = 1.0
#: Share of increments that also delete expired counters, so the table stays small without a cron job.
CLEANUP_SHARE = 0.01


def _engine() -> sa.Engine:
    from hearing.extensions import db

    return db.engine


def _upsert(engine: sa.Engine):
    return (postgresql if engine.dialect.name == "postgresql" else sqlite).insert(RateLimit.__table__)


class DatabaseStorage(Storage):
    """Fixed-window counters: one row per key with its count and the time its window ends."""

    STORAGE_SCHEME = ["hearing+db"]

    def __init__(self, uri: str | None = None, wrap_exceptions: bool = False, **options):
        super().__init__(uri, wrap_exceptions, **options)
        self._memo = threading.local()

    @property
    def base_exceptions(self) -> type[Exception]:
        return sa.exc.SQLAlchemyError

    def incr(self, key: str, expiry: float, amount: int = 1) -> int:
        now = time.time()
        table = RateLimit.__table__
        engine = _engine()
        stmt = _upsert(engine).values(key=key, count=amount, expires_at=now + expiry)
        # A window that has ended starts again at this hit; one statement, so concurrent hits add up.
        expired = table.c.expires_at < now
        stmt = stmt.on_conflict_do_update(
            index_elements=[table.c.key],
            set_={
                "count": sa.case((expired, amount), else_=table.c.count + amount),
                "expires_at": sa.case((expired, now + expiry), else_=table.c.expires_at),
            },
        ).returning(table.c.count, table.c.expires_at)
        # Autocommit: one round trip for the single statement, no BEGIN/COMMIT around it.
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            count, expires_at = conn.execute(stmt).one()
            if random.random() < CLEANUP_SHARE:
                conn.execute(sa.delete(table).where(table.c.expires_at < now))
        self._memo.row = (key, now, count, expires_at)
        return count

    def _row(self, key: str) -> tuple[int, float] | None:
        memo = getattr(self._memo, "row", None)
        if memo and memo[0] == key and time.time() - memo[1] < MEMO_SECONDS:
            return memo[2], memo[3]
        table = RateLimit.__table__
        with _engine().connect() as conn:
            return conn.execute(sa.select(table.c.count, table.c.expires_at).where(table.c.key == key)).first()

    def get(self, key: str) -> int:
        row = self._row(key)
        return row[0] if row is not None and row[1] >= time.time() else 0

    def get_expiry(self, key: str) -> float:
        row = self._row(key)
        return row[1] if row is not None and row[1] >= time.time() else time.time()

    def check(self) -> bool:
        try:
            with _engine().connect() as conn:
                conn.execute(sa.text("SELECT 1"))
            return True
        except sa.exc.SQLAlchemyError:
            return False

    def reset(self) -> int | None:
        self._memo.row = None
        with _engine().begin() as conn:
            return conn.execute(sa.delete(RateLimit.__table__)).rowcount

    def clear(self, key: str) -> None:
        self._memo.row = None
        with _engine().begin() as conn:
            conn.execute(sa.delete(RateLimit.__table__).where(RateLimit.__table__.c.key == key))


#: INCRBY with the window's expiry set on the first hit (as limits' own script), returning the window's
#: remaining seconds too, so the response's headers need no TTL and GET of their own.
_INCR_TTL = """
local current = redis.call('incrby', KEYS[1], ARGV[2])
if tonumber(current) == tonumber(ARGV[2]) then
    redis.call('expire', KEYS[1], ARGV[1])
end
return {current, redis.call('ttl', KEYS[1])}
"""


class RedisStorage(_LimitsRedisStorage):
    """limits' Redis storage, where an increment also gives the window's end, kept for the same response."""

    STORAGE_SCHEME = ["hearing+redis", "hearing+rediss"]

    def __init__(self, uri: str, wrap_exceptions: bool = False, **options):
        self._memo = threading.local()
        super().__init__(uri.removeprefix("hearing+"), wrap_exceptions, **options)

    def initialize_storage(self, uri: str) -> None:
        super().initialize_storage(uri)
        self.lua_incr_ttl = self.get_connection().register_script(_INCR_TTL)

    def _remembered(self) -> dict[str, tuple[float, int, float]]:
        memo = getattr(self._memo, "rows", None)
        if memo is None or len(memo) > 16:
            memo = self._memo.rows = {}
        return memo

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        count, ttl = self.lua_incr_ttl([self.prefixed_key(key)], [expiry, amount])
        now = time.time()
        self._remembered()[key] = (now, int(count), now + max(int(ttl), 0))
        return int(count)

    def _row(self, key: str) -> tuple[int, float] | None:
        row = self._remembered().get(key)
        return (row[1], row[2]) if row and time.time() - row[0] < MEMO_SECONDS else None

    def get(self, key: str) -> int:
        row = self._row(key)
        return row[0] if row is not None else super().get(key)

    def get_expiry(self, key: str) -> float:
        row = self._row(key)
        return row[1] if row is not None else super().get_expiry(key)

    def clear(self, key: str) -> None:
        self._remembered().pop(key, None)
        super().clear(key)

    def reset(self) -> int | None:
        self._memo.rows = {}
        return super().reset()
