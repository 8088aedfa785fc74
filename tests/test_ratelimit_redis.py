"""Rate-limit counters in Redis (hearing+redis://): one round trip per counted request, headers included."""

from __future__ import annotations

import time

import pytest
from flask import Flask
from limits import parse
from limits.storage import storage_from_string
from limits.strategies import FixedWindowRateLimiter

from hearing import ratelimit
from hearing.config import load_config
from tests.test_redis_worker import redis_url  # noqa: F401  (fixture: a private redis-server)


def test_redis_url_gives_the_storage_that_answers_headers_from_the_increment(tmp_path, monkeypatch):
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:6399/0")
    app = Flask(__name__, instance_path=str(tmp_path))
    load_config(app)
    assert app.config["RATELIMIT_STORAGE_URI"] == "hearing+redis://127.0.0.1:6399/0"


@pytest.fixture
def counted(redis_url, monkeypatch):  # noqa: F811
    import redis

    storage = storage_from_string("hearing+" + redis_url)
    assert isinstance(storage, ratelimit.RedisStorage)
    storage.reset()
    commands: list[str] = []
    real = redis.Redis.execute_command

    def counting(self, *args, **options):
        commands.append(str(args[0]))
        return real(self, *args, **options)

    monkeypatch.setattr(redis.Redis, "execute_command", counting)
    return storage, commands


def test_a_hit_and_its_headers_cost_one_round_trip(counted):
    storage, commands = counted
    limiter, limit = FixedWindowRateLimiter(storage), parse("3/minute")
    limiter.hit(limit, "127.0.0.2", "answer")  # the first use loads the script into Redis
    for expected_remaining in (2, 1, 0):
        commands.clear()
        assert limiter.hit(limit, "127.0.0.1", "answer")
        reset, remaining = limiter.get_window_stats(limit, "127.0.0.1", "answer")
        assert remaining == expected_remaining and commands == ["EVALSHA"]
    assert not limiter.hit(limit, "127.0.0.1", "answer")  # the fourth in the minute is refused
    assert 0 < reset - time.time() <= 60


def test_other_processes_hits_are_read_from_redis(counted, monkeypatch):
    storage, commands = counted
    limit = parse("5/minute")
    key = limit.key_for("127.0.0.1", "answer")
    other = storage_from_string(f"hearing+redis://127.0.0.1:{storage.storage.connection_pool.connection_kwargs['port']}/0")
    FixedWindowRateLimiter(storage).hit(limit, "127.0.0.1", "answer")
    FixedWindowRateLimiter(other).hit(limit, "127.0.0.1", "answer")  # another app process
    assert storage.get(key) == 1  # what this process's increment saw, a moment ago
    now = ratelimit.time.time()
    monkeypatch.setattr(ratelimit.time, "time", lambda: now + ratelimit.MEMO_SECONDS + 0.1)
    commands.clear()
    assert storage.get(key) == 2 and commands == ["GET"]  # later: read from Redis
    assert storage.get_expiry(key) > now
    storage.clear(key)
    assert storage.get(key) == 0
