"""A grouping run over inputs that have no embeddings yet: does its stored progress move from start to end?

Builds one process in a fresh database with N inputs (default 10 000, texts of ``../shared/data/dev.tsv`` made
distinct) and no stored embeddings, starts a run with :func:`hearing.grouping.service.start_run` (what the
reviewer's "Start grouping" button calls), and runs its job in a worker thread as the local worker does. The main
thread reads the job's stored progress (``jobs.progress`` and ``jobs.message``, what the run page shows) from the
database every ``--poll`` seconds, in its own connection, and prints a table of every change: seconds since the
start, percent and message; then the longest time the stored progress stood still, and the method used.

    python bench/run_progress.py [--inputs 10000] [--poll 2] [--tfidf]

``--tfidf`` turns embeddings off (the run then says it uses the weaker method), to see the other stages quickly.
SQLite in a temporary directory by default; DATABASE_URL (a PostgreSQL server URL) uses a database
``hearing_bench_progress`` there, dropped first. Nothing is asserted: the script only prints.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DEV = (ROOT / ".." / "shared" / "data" / "dev.tsv").resolve()


def _pg_url(url: str) -> str:
    import sqlalchemy as sa

    base = sa.make_url(url)
    engine = sa.create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(sa.text("DROP DATABASE IF EXISTS hearing_bench_progress WITH (FORCE)"))
        conn.execute(sa.text("CREATE DATABASE hearing_bench_progress"))
    engine.dispose()
    return base.set(database="hearing_bench_progress").render_as_string(hide_password=False)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--inputs", type=int, default=10000)
    parser.add_argument("--poll", type=float, default=2.0, help="seconds between reads of the stored progress")
    parser.add_argument("--tfidf", action="store_true", help="embeddings off: the weaker method, named on the run")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="hearing-bench-progress-") as folder:
        url = _pg_url(os.environ["DATABASE_URL"]) if os.environ.get("DATABASE_URL") else f"sqlite:///{folder}/bench.db"
        run(url, args)


def run(url: str, args) -> None:
    import sqlalchemy as sa

    from hearing import create_app
    from hearing.extensions import db
    from hearing.grouping import service
    from hearing.grouping.search import search_stems
    from hearing.jobs import readable, run_job
    from hearing.models import Activity, Input, InputEmbedding, Job, ThemeRun

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "JOBS_LOCAL_WORKER": False, "SECRET_KEY": "bench",
                      "THEMES_EMBEDDINGS": not args.tfidf})
    rows = [line.rstrip("\n").split("\t") for line in DEV.open(encoding="utf-8")][1:]
    with app.app_context():
        from flask_migrate import upgrade

        upgrade()
        from hearing.admin.services import create_process, create_user

        admin = create_user(db.session, None, {"email": "admin@bench.kommune.no", "name": "Admin", "role": "admin",
                                               "password": "bench-password-long-enough"})
        reviewer = create_user(db.session, None, {"email": "reviewer@bench.kommune.no", "name": "Reviewer",
                                                  "role": "reviewer", "password": "bench-password-long-enough"})
        process = create_process(db.session, admin, {"name": "Strategiplan Mestring og helse", "service_area": "Helse",
                                                     "owner": "Kommunalsjef", "retention_months": 24})
        db.session.flush()
        now = datetime.now(UTC)
        conn = db.session.connection()
        aid = conn.execute(sa.insert(Activity).values(
            process_id=process.id, kind="workshop", title="Verksted", description="", audience="public",
            is_plan_hearing=False, location="", created_dt=now)).inserted_primary_key[0]
        stems = {}
        batch = []
        for i in range(args.inputs):
            r = rows[i % len(rows)]
            text = r[5] if i < len(rows) else f"{r[5]} ({i // len(rows)})"
            key = (r[5], r[3])
            if key not in stems:
                stems[key] = search_stems(r[5], r[3])
            batch.append({"activity_id": aid, "source": "workshop", "text": text, "text_masked": text, "lang": r[3],
                          "search_stems": stems[key], "created_dt": now})
            if len(batch) == 5000:
                conn.execute(sa.insert(Input), batch)
                batch = []
        if batch:
            conn.execute(sa.insert(Input), batch)
        db.session.commit()
        assert db.session.scalar(sa.select(sa.func.count()).select_from(InputEmbedding)) == 0
        started_run = service.start_run(db.session, reviewer, process)
        db.session.commit()
        job_id, run_id = started_run.job_id, started_run.id
        print(f"{args.inputs} inputs, none embedded; run {run_id} queued as job {job_id} "
              f"({'embeddings off' if args.tfidf else 'embeddings on'}, {sa.make_url(url).get_backend_name()})\n")

    done = threading.Event()

    def work() -> None:
        try:
            run_job(job_id, app)
        finally:
            done.set()

    t0 = time.monotonic()
    worker = threading.Thread(target=work, name="bench-run-job")
    worker.start()
    engine = sa.create_engine(url)
    seen: list[tuple[float, int, str, str]] = []
    print("| seconds | percent | message | status |")
    print("|---|---|---|---|")
    while True:
        with engine.connect() as c:
            status, percent, message = c.execute(sa.select(Job.status, Job.progress, Job.message)
                                                 .where(Job.id == job_id)).one()
        now_s = time.monotonic() - t0
        if not seen or (percent, message, status) != seen[-1][1:]:
            seen.append((now_s, percent, message, status))
            with app.app_context():
                text = readable(message)
            print(f"| {now_s:.0f} | {percent} | {text} | {status} |", flush=True)
        if done.is_set() and status in ("done", "failed"):
            break
        time.sleep(args.poll)
    worker.join()
    with engine.connect() as c:
        stats = c.execute(sa.select(ThemeRun.stats).where(ThemeRun.id == run_id)).scalar_one()
        embedded = c.execute(sa.select(sa.func.count()).select_from(InputEmbedding)).scalar_one()
    engine.dispose()
    times = [s[0] for s in seen]
    still = max((b - a for a, b in zip(times, times[1:], strict=False)), default=0.0)
    print(f"\n{len(seen)} changes of the stored progress in {times[-1]:.0f} s; it stood still at most {still:.0f} s "
          f"(read every {args.poll:g} s).")
    print(f"Method: {(stats or {}).get('method')}, inputs embedded now: {embedded}, themes: {(stats or {}).get('n_themes')}, "
          f"near-duplicates: {(stats or {}).get('near_duplicates')}.")


if __name__ == "__main__":
    main()
