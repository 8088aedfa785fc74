"""The JSON API and the archive filing as a process grows: one process with N inputs, each call timed.

Builds the same process as ``bench/pages.py`` (a survey whose submissions hold the inputs, a finished
grouping run, assessments, a draft and a report) for each size, makes a personal API token, and with
Flask's test client times (median of ``--repeat``):

- the first page of inputs (500 per page), and walking every page of inputs with ``next_cursor``;
- the first page of placements of the current run, filtered to the largest theme;
- a repeated GET with ``If-None-Match`` (304);
- building one archive message for a submission (the response as PDF/A-2b, the arkivmelding
  checked against the schema, the zip).

    .venv/bin/python bench/api.py [--sizes 1000,10000] [--repeat 3]

SQLite in a temporary directory; nothing is asserted, the script prints a markdown table.
"""

from __future__ import annotations

import argparse
import logging
import secrets
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))


def _median(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def _time(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms" if seconds < 1 else f"{seconds:.1f} s"


def measure(db_url: str, ids: dict, repeat: int) -> list[tuple[str, str, str]]:
    import sqlalchemy as sa

    from hearing import create_app
    from hearing.api import tokens
    from hearing.archive import services as archive
    from hearing.extensions import db
    from hearing.models import ArchiveMessage, Process, Submission, User, utcnow

    app = create_app({"SQLALCHEMY_DATABASE_URI": db_url, "SECRET_KEY": "bench", "JOBS_LOCAL_WORKER": False,
                      "API_RATE_LIMIT": "100000/minute", "UPLOAD_FOLDER": tempfile.mkdtemp()})
    rows = []
    with app.app_context():
        admin = db.session.scalar(sa.select(User).where(User.role == "admin"))
        token = tokens.PREFIX + secrets.token_urlsafe(32)
        tokens.create_token(db.session, None, admin, name="bench", scopes=["read"], token=token,
                            expires_dt=utcnow() + timedelta(days=1))
        db.session.commit()
        client = app.test_client()
        headers = {"Authorization": f"Bearer {token}"}
        base = f"/api/v1/processes/{ids['process']}"

        def first_page():
            r = client.get(f"{base}/inputs?limit=500", headers=headers)
            assert r.status_code == 200, r.data[:300]
            return r

        def walk():
            cursor, n = None, 0
            while True:
                r = client.get(f"{base}/inputs?limit=500" + (f"&cursor={cursor}" if cursor else ""), headers=headers)
                body = r.get_json()
                n += len(body["items"])
                cursor = body["next_cursor"]
                if cursor is None:
                    return n

        first_page()  # warm up
        n = walk()
        rows.append(("inputs, first page of 500", _time(_median(first_page, repeat)), ""))
        rows.append((f"inputs, all {n} by cursor", _time(_median(walk, repeat)), f"{-(-n // 500)} pages"))
        theme = ids["theme"]
        rows.append(("placements of the largest theme, first page", _time(_median(
            lambda: client.get(f"{base}/placements?limit=500&theme={theme}", headers=headers), repeat)), ""))
        etag = first_page().headers["ETag"]
        rows.append(("inputs, first page again with If-None-Match (304)", _time(_median(
            lambda: client.get(f"{base}/inputs?limit=500", headers={**headers, "If-None-Match": etag}), repeat)), ""))
        process = db.session.get(Process, ids["process"])
        submission = db.session.scalar(sa.select(Submission).order_by(Submission.id).limit(1))

        def build_one():
            msg = ArchiveMessage(process_id=process.id, submission_id=submission.id, kind="journalpost")
            msg.process, msg.submission = process, submission
            return archive.build_registration(db.session, msg, upload_folder=app.config["UPLOAD_FOLDER"])

        data, _name = build_one()
        rows.append(("archive message for one response (PDF/A + XSD check + zip)", _time(_median(build_one, repeat)),
                     f"{len(data) / 1000:.0f} kB"))
        db.session.rollback()
        db.session.remove()
        db.engine.dispose()
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="1000,10000", help="inputs per process, comma separated")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    logging.disable(logging.WARNING)
    import pages

    print("| inputs | call | median | note |")
    print("|---:|---|---:|---|")
    with tempfile.TemporaryDirectory() as folder:
        for n in (int(s) for s in args.sizes.split(",")):
            url = f"sqlite:///{folder}/bench-api-{n}.sqlite"
            ids = pages.build(url, n)
            for call, median, note in measure(url, ids, args.repeat):
                print(f"| {n} | {call} | {median} | {note} |", flush=True)


if __name__ == "__main__":
    main()
