"""Import of a large Microsoft Forms export: read, dry run, background import, re-import.

Makes a Forms-shaped export of N rows (default 50 000: ID, start and completion time, e-mail, name,
role, a rating, two free-text answers and a choice) as Excel's semicolon CSV and as .xlsx, then times
each step as a user meets it:

- reading and keeping the upload (``store_upload``: parse once, keep the parsed rows and the summary the
  mapping page opens);
- the dry run on the mapping page (``preview``);
- the import as the background job runs it (``imports.run`` through ``run_pending_jobs``, batches of
  ``BATCH_ROWS`` rows, each committed);
- the same export again as .xlsx (dry run and job: every row is known, nothing is added).

    .venv/bin/python bench/imports.py [--rows 50000] [--no-xlsx]

SQLite in a temporary directory by default; with DATABASE_URL (a PostgreSQL server URL) a database
``hearing_bench_imports`` is made there (dropped first). Nothing is asserted: the script only prints
a markdown table.
"""

from __future__ import annotations

import argparse
import csv
import io
import logging
import os
import random
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

RATING_Q = "Hvor godt dekker strategiene utfordringene i din enhet?"
TEXT_Q = "Hva mangler i strategiene?"
GOOD_Q = "Hva fungerer godt i dag?"
CHOICE_Q = "Hvilket satsningsområde er viktigst?"
OPTIONS = ["Heltidskultur", "Velferdsteknologi", "Forebygging", "Pårørende"]
ROLES = ["Leder", "Ansatt", "Tillitsvalgt", "Verneombud"]
TEXTS = [
    "Eldre trenger flere plasser i sykehjem og bedre hjemmetjeneste om kvelden.",
    "Bemanningen i hjemmetjenesten er for lav, vi trenger flere hele stillinger.",
    "Bussavganger til helsehuset må gå oftere, særlig i helgene.",
    "Velferdsteknologi kan gi tryggere hverdag, men må følges opp av ansatte.",
    "Pårørende blir slitne og trenger avlastning og informasjon i tide.",
]
HEADER = ["ID", "Starttidspunkt", "Fullføringstidspunkt", "E-post", "Navn", "Rolle", RATING_Q, TEXT_Q, GOOD_Q, CHOICE_Q]


def rows(n: int, seed: int = 7) -> list[list]:
    rnd = random.Random(seed)
    start = datetime(2026, 1, 15, 8, 0, 0)
    out = []
    for i in range(1, n + 1):
        begun = start + timedelta(seconds=37 * i)
        out.append([i, begun, begun + timedelta(seconds=rnd.randint(60, 900)), "anonymous", f"Person {i}",
                    rnd.choice(ROLES), rnd.randint(1, 5), f"{rnd.choice(TEXTS)} (svar {i})",
                    rnd.choice(TEXTS) if rnd.random() < 0.6 else "", rnd.choice(OPTIONS)])
    return out


def as_csv(data: list[list]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(HEADER)
    for row in data:
        writer.writerow([v.strftime("%d.%m.%Y %H:%M:%S") if isinstance(v, datetime) else v for v in row])
    return out.getvalue().encode("utf-8-sig")


def as_xlsx(data: list[list]) -> bytes:
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("Sheet1")
    ws.append(HEADER)
    for row in data:
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _fresh_url(base: str | None, folder: str) -> str:
    if not base:
        return f"sqlite:///{folder}/bench-imports.sqlite"
    import sqlalchemy as sa

    url = sa.engine.make_url(base)
    admin = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text('DROP DATABASE IF EXISTS "hearing_bench_imports" WITH (FORCE)'))
        conn.execute(sa.text('CREATE DATABASE "hearing_bench_imports"'))
    admin.dispose()
    return url.set(database="hearing_bench_imports").render_as_string(hide_password=False)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--no-xlsx", action="store_true", help="skip the .xlsx re-import (openpyxl reads slowly)")
    args = parser.parse_args()
    logging.disable(logging.WARNING)
    from zoneinfo import ZoneInfo

    import sqlalchemy as sa
    from flask_migrate import upgrade

    from hearing import create_app
    from hearing.extensions import db
    from hearing.imports import services
    from hearing.jobs import run_job
    from hearing.models import Activity, Input, Prompt, StakeholderGroup, Submission, User

    data = rows(args.rows)
    results: list[tuple[str, int, float]] = []

    def timed(label: str, n: int, fn):
        t0 = time.perf_counter()
        value = fn()
        results.append((label, n, time.perf_counter() - t0))
        print(f"{label}: {results[-1][2]:.1f} s", file=sys.stderr)
        return value

    with tempfile.TemporaryDirectory(prefix="hearing-bench-imports-") as folder:
        url = _fresh_url(os.environ.get("DATABASE_URL"), folder)
        app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "JOBS_LOCAL_WORKER": False,
                          "UPLOAD_FOLDER": f"{folder}/uploads", "THEMES_EMBEDDINGS": False})
        with app.app_context():
            upgrade()
            from hearing.admin.services import create_process, create_user

            admin = create_user(db.session, None, {"email": "bench@test.kommune.no", "name": "Bench", "role": "admin",
                                                   "password": "bench-password-long-enough"})
            process = create_process(db.session, admin, {"name": "Strategiplan", "service_area": "Helse",
                                                         "owner": "Kommunalsjef", "retention_months": 24})
            for name in ("Ledere", "Ansatte", "Tillitsvalgte"):
                db.session.add(StakeholderGroup(process=process, name=name, category="employees"))
            activity = Activity(process=process, kind="survey", title="Spørreundersøkelse til enhetsledere")
            activity.prompts = [Prompt(position=1, text=RATING_Q, question_type="rating"),
                                Prompt(position=2, text=TEXT_Q, question_type="free_text"),
                                Prompt(position=3, text=GOOD_Q, question_type="free_text"),
                                Prompt(position=4, text=CHOICE_Q, question_type="single_choice", options=OPTIONS)]
            db.session.add(activity)
            db.session.commit()
            activity_id, admin_id = activity.id, admin.id
            csv_bytes = timed("make the CSV file (not part of an import)", args.rows, lambda: as_csv(data))
            folder_uploads = app.config["UPLOAD_FOLDER"]
            file_id, table = timed("read and keep the CSV upload", args.rows,
                                   lambda: services.store_upload(folder_uploads, csv_bytes, "svar.csv"))
            timed("open what the mapping page shows (the kept summary)", args.rows,
                  lambda: services.load_summary(folder_uploads, file_id))
            timed("open every kept row (dry run and import jobs)", args.rows,
                  lambda: services.load_upload(folder_uploads, file_id))
            p = {pr.text: pr.id for pr in activity.prompts}
            targets = {2: "time", 4: "name", 5: "group", 6: f"prompt:{p[RATING_Q]}", 7: f"prompt:{p[TEXT_Q]}",
                       8: f"prompt:{p[GOOD_Q]}", 9: f"prompt:{p[CHOICE_Q]}"}
            choices = services.group_choices(db.session, activity, table, 5)
            values = {c.value.casefold(): c.group_id for c in choices}
            mapping = services.build_mapping(activity, table, targets, None, values)
            zone = ZoneInfo("Europe/Oslo")
            dry = timed("dry run (new)", args.rows, lambda: services.preview(db.session, activity, table, mapping, zone=zone))
            print(f"dry run: {dry.counts}", file=sys.stderr)
            actor = db.session.get(User, admin_id)
            job_id = services.start_run(db.session, actor, activity, file_id, "svar.csv", table, mapping,
                                        services.settings_of(targets, None, values)).job_id
            db.session.commit()
            db.session.remove()
            timed("import as the background job", args.rows, lambda: run_job(job_id, app))
            n_sub = db.session.scalar(sa.select(sa.func.count()).select_from(Submission))
            n_inp = db.session.scalar(sa.select(sa.func.count()).select_from(Input))
            from hearing.models import Job
            job = db.session.get(Job, job_id)
            print(f"stored {n_sub} responses, {n_inp} inputs; job {job.status} {job.error or ''}", file=sys.stderr)
            if not args.no_xlsx:
                xlsx = timed("make the .xlsx file (not part of an import)", args.rows, lambda: as_xlsx(data))
                file_id2, table2 = timed("read and keep the .xlsx upload", args.rows,
                                         lambda: services.store_upload(folder_uploads, xlsx, "svar.xlsx"))
                activity = db.session.get(Activity, activity_id)
                mapping2 = services.build_mapping(activity, table2, targets, None, values)
                dry2 = timed("dry run (same answers as .xlsx)", args.rows,
                             lambda: services.preview(db.session, activity, table2, mapping2, zone=zone))
                print(f"dry run again: {dry2.counts}", file=sys.stderr)
                job_id = services.start_run(db.session, db.session.get(User, admin_id), activity, file_id2, "svar.xlsx",
                                            table2, mapping2, services.settings_of(targets, None, values)).job_id
                db.session.commit()
                db.session.remove()
                timed("re-import as the background job (nothing new)", args.rows, lambda: run_job(job_id, app))
                n_sub2 = db.session.scalar(sa.select(sa.func.count()).select_from(Submission))
                print(f"responses after the re-import: {n_sub2}", file=sys.stderr)
            db.session.remove()
            db.engine.dispose()
    engine = "PostgreSQL" if os.environ.get("DATABASE_URL") else "SQLite"
    print(f"\n{engine}, {args.rows} rows, batches of {services.BATCH_ROWS}\n")
    print("| step | rows | time | rows/s |")
    print("|---|---|---|---|")
    for label, n, secs in results:
        print(f"| {label} | {n} | {secs:.1f} s | {n / secs:,.0f} |".replace(",", " "))


if __name__ == "__main__":
    main()
