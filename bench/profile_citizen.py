"""Where one citizen's time goes: the form, the answer and the receipt, in process, on PostgreSQL.

Prints app time and SQL statements per request, then the functions that take most of the time
(cProfile). It finds what to make cheaper for bench/load.py's throughput.

    .venv/bin/python bench/profile_citizen.py [--citizens 300] [--top 25] [--only receipt] [--sort cumulative]
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.load import prepare_database, start_redis  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--citizens", type=int, default=300)
    parser.add_argument("--top", type=int, default=25, help="functions to list; 0: no cProfile run")
    parser.add_argument("--sort", default="tottime", help="cProfile order: tottime or cumulative")
    parser.add_argument("--sql", action="store_true", help="also print the SQL of one citizen")
    parser.add_argument("--only", choices=["form", "answer", "receipt"], help="cProfile this request only")
    parser.add_argument("--redis", action="store_true", help="rate-limit counters in a private Redis, as bench/load.py has")
    args = parser.parse_args()
    if not os.environ.get("TEST_DATABASE_URL"):
        os.execvp(str(ROOT / "scripts/with-postgres.sh"), [str(ROOT / "scripts/with-postgres.sh"), sys.executable, *sys.argv])
    import sqlalchemy as sa

    from hearing import create_app
    from hearing.extensions import db

    db_url, hearing_id, section_id = prepare_database(os.environ["TEST_DATABASE_URL"])
    config = {"SQLALCHEMY_DATABASE_URI": db_url, "JOBS_LOCAL_WORKER": False, "SECRET_KEY": "profile",
              "PUBLIC_RATE_LIMIT": "100000/minute", "TESTING": False}
    redis_proc = None
    if args.redis:
        import tempfile

        redis_proc, redis_url = start_redis(tempfile.mkdtemp(prefix="hearing-redis-"))
        config.update(REDIS_URL=redis_url)  # the limiter then counts in Redis, as in production
    app = create_app(config)
    statements = {"form": 0, "answer": 0, "receipt": 0}
    seconds = {"form": 0.0, "answer": 0.0, "receipt": 0.0}
    cpu_seconds = {"form": 0.0, "answer": 0.0, "receipt": 0.0}
    step = ["form"]
    profiling: list = [None]  # the cProfile.Profile while the profiled run goes (with --only: on in that step only)

    def begin(name: str) -> None:
        step[0] = name
        if profiling[0] is not None and args.only == name:
            profiling[0].enable()

    def end(name: str) -> None:
        if profiling[0] is not None and args.only == name:
            profiling[0].disable()
    shown: list[tuple[str, str]] = []  # with --sql: the statements of one citizen

    def count(_conn, _cursor, statement, *_rest) -> None:
        statements[step[0]] += 1
        if args.sql and show[0]:
            shown.append((step[0], statement))

    show = [False]
    with app.app_context():
        sa.event.listen(db.engine, "before_cursor_execute", count)

    def citizen(client, n: int) -> None:
        begin("form")
        t0, c0 = time.perf_counter(), time.process_time()
        html = client.get(f"/delta/{hearing_id}").get_data(as_text=True)
        end("form")
        seconds["form"] += time.perf_counter() - t0
        cpu_seconds["form"] += time.process_time() - c0
        begin("answer")
        t0, c0 = time.perf_counter(), time.process_time()
        resp = client.post(f"/delta/{hearing_id}", data={
            "csrf_token": re.search(r'name="csrf_token" value="([^"]+)"', html).group(1),
            "submission_key": re.search(r'name="submission_key" value="([^"]+)"', html).group(1),
            f"section-{section_id}": f"Kommentar {n} om heltid og bemanning.", "statement": "Samlet uttalelse.",
            "consent": "without_name", "website": ""})
        end("answer")
        seconds["answer"] += time.perf_counter() - t0
        cpu_seconds["answer"] += time.process_time() - c0
        assert resp.status_code == 302, resp.status_code
        begin("receipt")
        t0, c0 = time.perf_counter(), time.process_time()
        assert client.get(resp.headers["Location"]).status_code == 200
        end("receipt")
        seconds["receipt"] += time.perf_counter() - t0
        cpu_seconds["receipt"] += time.process_time() - c0

    for n in range(20):  # warm up: templates compiled, pool filled
        citizen(app.test_client(), n)
    if args.sql:
        show[0] = True
        citizen(app.test_client(), 0)
        show[0] = False
        for name, stmt in shown:
            print(f"{name:8} {' '.join(stmt.split())[:230]}")
    for k in statements:
        statements[k], seconds[k], cpu_seconds[k] = 0, 0.0, 0.0
    cpu = time.process_time()
    for n in range(args.citizens):
        citizen(app.test_client(), n)
    cpu = time.process_time() - cpu
    print(f"\n{'request':8} | {'ms each':>7} | {'CPU ms':>6} | SQL statements each")
    for k in statements:
        print(f"{k:8} | {seconds[k] / args.citizens * 1000:7.2f} | {cpu_seconds[k] / args.citizens * 1000:6.2f} | "
              f"{statements[k] / args.citizens:.1f}")
    print(f"{'citizen':8} | {sum(seconds.values()) / args.citizens * 1000:7.2f} | "
          f"{sum(cpu_seconds.values()) / args.citizens * 1000:6.2f} | {sum(statements.values()) / args.citizens:.1f}")
    print(f"app CPU per citizen: {cpu / args.citizens * 1000:.2f} ms (wall includes waiting for PostgreSQL)\n")
    print("load average 1/5/15 min: {:.1f} / {:.1f} / {:.1f}".format(*os.getloadavg()))
    # --top 0: figures only (e.g. under py-spy, which samples without slowing calls down).
    if args.top > 0:
        # CPU time, not wall time: waiting for PostgreSQL or Redis is not work this process does.
        profiler = profiling[0] = cProfile.Profile(time.process_time)
        if not args.only:
            profiler.enable()
        for n in range(args.citizens):
            citizen(app.test_client(), n)
        profiler.disable()
        if os.environ.get("PROFILE_CALLERS"):  # who calls these functions, and how often
            pstats.Stats(profiler).sort_stats(args.sort).print_callers(os.environ["PROFILE_CALLERS"], 40)
        pstats.Stats(profiler).sort_stats(args.sort).print_stats(*([os.environ["PROFILE_FILTER"]] if os.environ.get("PROFILE_FILTER") else []), args.top)
    if redis_proc:
        redis_proc.terminate()
        redis_proc.wait(timeout=10)


if __name__ == "__main__":
    main()
