"""The public answers page of a hearing as it grows: N approved responses, each page timed.

Builds one public hearing with N responses (approved, published with or without name, one input each)
in a fresh SQLite database, closes it, then fetches with Flask's test client (warm-up, then --repeat
times) the first page, a later page, a search, a filter by group and one answer's own page, and prints a
markdown table of the median wall time and the response size. The CSV and XLSX of the published set and the
hearing document's PDF are made by a worker: the request that queues the job, the job (run here, in this
process) and the kept file served afterwards are timed each.

    .venv/bin/python bench/published.py [--sizes 209,2000,10000] [--repeat 5]

Nothing is asserted: the script only prints.
"""

from __future__ import annotations

import argparse
import logging
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TEXTS = ["Bussen til helsehuset må gå oftere i helgene.", "Flere plasser i sykehjem, og bedre hjemmetjeneste om kvelden.",
         "Pårørende trenger avlastning og informasjon i tide.", "Maten på institusjonene bør lages lokalt."]


def build(url: str, n: int):
    import sqlalchemy as sa

    from hearing import create_app
    from hearing.extensions import db
    from hearing.models import Activity, Input, Process, StakeholderGroup, Submission

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "JOBS_LOCAL_WORKER": False,
                      "PUBLIC_FORM_CACHE_SECONDS": 0, "RATELIMIT_ENABLED": False})
    with app.app_context():
        from flask_migrate import upgrade

        upgrade()
        process = Process(slug="bench", name="Bench", service_area="Helse", owner="Eier")
        groups = [StakeholderGroup(process=process, name=f"Gruppe {i}", category="citizens") for i in range(6)]
        now = datetime.now(UTC)
        hearing = Activity(process=process, kind="hearing", title="Høring", opens_dt=now - timedelta(days=60),
                           closes_dt=now - timedelta(days=1))
        from hearing.models import Document, Section

        doc = Document(activity=hearing, title="Helseplanen")
        doc.sections = [Section(position=i, number=str(i), title=f"Kapittel {i}", body=" ".join(TEXTS) * 20)
                        for i in range(1, 13)]
        db.session.add_all([process, hearing, doc, *groups])
        db.session.flush()
        subs = [{"activity_id": hearing.id, "group_id": groups[i % 6].id, "reference": f"H-2026-{i:06d}",
                 "submission_key": f"k{i}", "edit_token_hash": f"h{i}", "source": "web",
                 "consent": "with_name" if i % 2 else "without_name", "respondent_name": f"Person {i}",
                 "moderation": "approved", "is_late": False, "is_withdrawn": False,
                 "submitted_dt": (now - timedelta(days=30, minutes=i))} for i in range(n)]
        db.session.execute(sa.insert(Submission.__table__), subs)
        ids = db.session.scalars(sa.select(Submission.id).order_by(Submission.id)).all()
        db.session.execute(sa.insert(Input.__table__), [
            Input.insert_values(activity_id=hearing.id, submission_id=sid, group_id=groups[k % 6].id, source="web",
                                text=f"{TEXTS[k % 4]} Svar nummer {k}.", created_dt=now)
            for k, sid in enumerate(ids)])
        db.session.commit()
        return app, hearing.id, groups[2].id


def export(app, client, n: int, name: str, url: str, repeat: int) -> None:
    """A public file: the request that queues its job (nothing built in it), the worker's job, the kept file."""
    from hearing.jobs import run_pending_jobs

    start = time.perf_counter()
    r = client.get(url)
    asked = (time.perf_counter() - start) * 1000
    assert r.status_code == 303, (url, r.status_code)
    start = time.perf_counter()
    assert run_pending_jobs(app) == 1
    made = (time.perf_counter() - start) * 1000
    times, size = [], 0
    for _ in range(repeat):
        start = time.perf_counter()
        r = client.get(url)
        times.append((time.perf_counter() - start) * 1000)
        size = len(r.data)
        assert r.status_code == 200, (url, r.status_code)
    print(f"| {n} | {name}: request that queues the job | {asked:.0f} | |")
    print(f"| {n} | {name}: job in the worker | {made:.0f} | {size / 1024:.0f} |")
    print(f"| {n} | {name}: kept file served | {statistics.median(times):.0f} | {size / 1024:.0f} |")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="209,2000,10000")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    logging.disable(logging.WARNING)
    print("| answers | page | median ms | KiB |")
    print("|---:|---|---:|---:|")
    for n in (int(s) for s in args.sizes.split(",")):
        with tempfile.TemporaryDirectory() as folder:
            app, aid, gid = build(f"sqlite:///{folder}/bench.sqlite", n)
            client = app.test_client()
            pages = [("first page", f"/delta/{aid}/svar"), ("page 5", f"/delta/{aid}/svar?page=5"),
                     ("search", f"/delta/{aid}/svar?q=avlastning"), ("filter group", f"/delta/{aid}/svar?gruppe={gid}"),
                     ("one answer", f"/delta/{aid}/svar/H-2026-000007")]
            for name, url in pages:
                client.get(url)
                times, size = [], 0
                for _ in range(args.repeat):
                    start = time.perf_counter()
                    r = client.get(url)
                    times.append((time.perf_counter() - start) * 1000)
                    size = len(r.data)
                    assert r.status_code == 200, (url, r.status_code)
                print(f"| {n} | {name} | {statistics.median(times):.0f} | {size / 1024:.0f} |")
            for name, url in (("CSV", f"/delta/{aid}/svar.csv"), ("XLSX", f"/delta/{aid}/svar.xlsx"),
                              ("document PDF", f"/delta/{aid}/dokument.pdf")):
                export(app, client, n, name, url, args.repeat)
            with app.app_context():
                from hearing.extensions import db

                db.engine.dispose()


if __name__ == "__main__":
    main()
