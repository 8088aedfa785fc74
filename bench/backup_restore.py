"""Memory and time of restoring a large process backup: the whole file in memory (as before) vs. streamed.

Builds a process with N responses of one free-text input each (about 400 characters, as hearing
statements run), writes its backup twice, as the backup job now writes it (gzip JSON lines) and in the
older layout (one gzip JSON document), and restores each in a fresh child process on a copy of the
database, reporting the child's peak resident memory above what it had before the restore began.

    .venv/bin/python bench/backup_restore.py [--inputs 50000] [--modes whole,stream,job]

Mode "job" restores as the restore job does: a batch per commit into a process hidden until it is complete,
each progress step stored on a connection of its own as the job stores it; the table then says how many
steps were stored, how many found the database busy, and the longest time between two stored steps.

SQLite in a temporary directory. Nothing is asserted: the script prints a markdown table.
"""

from __future__ import annotations

import argparse
import gzip
import json
import logging
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TEXT = ("Vi i eldrerådet mener at kommunen må prioritere flere plasser i sykehjem og en hjemmetjeneste som "
        "har tid til den enkelte. Mange eldre bor alene og trenger trygghet om kvelden og i helgene. "
        "Velferdsteknologi kan hjelpe, men den må følges opp av ansatte som kjenner brukerne. Svar {i}.")


def _app(url: str, folder: str):
    from hearing import create_app

    return create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "JOBS_LOCAL_WORKER": False,
                       "UPLOAD_FOLDER": f"{folder}/uploads", "THEMES_EMBEDDINGS": False})


def build(url: str, folder: str, n: int) -> int:
    import sqlalchemy as sa
    from flask_migrate import upgrade

    from hearing.admin.services import create_process, create_user
    from hearing.extensions import db
    from hearing.models import Activity, Input, Prompt, Submission

    app = _app(url, folder)
    with app.app_context():
        upgrade()
        admin = create_user(db.session, None, {"email": "bench@test.kommune.no", "name": "Bench", "role": "admin",
                                               "password": "bench-password-long-enough"})
        process = create_process(db.session, admin, {"name": "Strategiplan", "service_area": "Helse",
                                                     "owner": "Kommunalsjef", "retention_months": 24})
        activity = Activity(process=process, kind="hearing", title="Høring")
        activity.prompts = [Prompt(position=1, text="Uttalelse", question_type="free_text")]
        db.session.add(activity)
        db.session.commit()
        prompt_id = activity.prompts[0].id
        subs = Submission.__table__
        for start in range(0, n, 5000):
            rows = [{"activity_id": activity.id, "reference": f"H-2026-{i:07d}", "submission_key": f"k{i:063d}",
                     "edit_token_hash": f"e{i:063d}", "source": "web", "consent": "not_published"}
                    for i in range(start, min(start + 5000, n))]
            ids = list(db.session.execute(sa.insert(subs).returning(subs.c.id, sort_by_parameter_order=True),
                                          rows).scalars())
            text = [TEXT.format(i=start + k) for k in range(len(ids))]
            db.session.execute(sa.insert(Input.__table__), [
                {"activity_id": activity.id, "submission_id": sid, "prompt_id": prompt_id, "source": "web", "text": t,
                 "text_masked": t, "lang": "nb", "search_stems": ""} for sid, t in zip(ids, text, strict=True)])
            db.session.commit()
        pid = process.id
        db.session.remove()
        db.engine.dispose()
    return pid


def write(url: str, folder: str, pid: int, lines_path: Path, doc_path: Path) -> dict:
    from hearing.exports import backup
    from hearing.extensions import db
    from hearing.models import Process

    app = _app(url, folder)
    with app.app_context():
        process = db.session.get(Process, pid)
        t0 = time.perf_counter()
        counts = backup.write_gzip(db.session, process, lines_path)
        t_lines = time.perf_counter() - t0
        with gzip.open(doc_path, "wt", encoding="utf-8", compresslevel=6) as out:
            backup.write_process(db.session, process, out)
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    return {"counts": counts, "write_s": t_lines}


def _rss_kb() -> int:
    """Resident memory now (VmRSS), in kB."""
    with open("/proc/self/status", encoding="ascii") as f:
        return next(int(line.split()[1]) for line in f if line.startswith("VmRSS:"))


def child(mode: str, url: str, folder: str, path: str) -> None:
    """Restore ``path`` (mode "whole": read whole then import, as the job did before; "stream": streamed in one
    transaction; "job": streamed a batch per commit with progress stored as the job stores it); print JSON."""
    import sqlalchemy as sa

    from hearing.exports import backup
    from hearing.extensions import db
    from hearing.jobs import _store, enqueue
    from hearing.models import ProcessIdentity

    app = _app(url, folder)
    with app.app_context():
        db.session.execute(sa.delete(ProcessIdentity))  # the copy restores as if it came from elsewhere
        db.session.commit()
        before = _rss_kb()
        t0 = time.perf_counter()
        steps = {"stored": 0, "busy": 0, "gap": 0.0, "last": time.perf_counter()}
        if mode == "whole":
            data = backup.load_path(Path(path))
            process = backup.import_process(db.session, None, data)
        elif mode == "job":
            job = enqueue(db.session, "exports.process_import", {})  # a row only: no worker runs here
            db.session.commit()
            job_id = job.id

            def progress(percent: int, message: str = "") -> None:
                try:
                    _store(job_id, wait=False, progress=percent, message=str(message)[:300])
                except sa.exc.OperationalError:
                    steps["busy"] += 1
                    return
                now = time.perf_counter()
                steps.update(stored=steps["stored"] + 1, gap=max(steps["gap"], now - steps["last"]), last=now)

            t0 = steps["last"] = time.perf_counter()
            process = backup.import_path(db.session, None, Path(path), progress=progress, restoring_job_id=job_id)
        else:
            process = backup.import_path(db.session, None, Path(path))
        db.session.commit()
        seconds = time.perf_counter() - t0
        steps["gap"] = max(steps["gap"], time.perf_counter() - steps["last"])
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        print(json.dumps({"mode": mode, "seconds": seconds, "rss_before_mb": before / 1024,  # peak: whole life
                          "peak_mb": peak / 1024, "process_id": process.id, "steps": steps}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--inputs", type=int, default=50_000)
    parser.add_argument("--modes", default="whole,stream,job", help="which restores to measure")
    parser.add_argument("--child", nargs=4, metavar=("MODE", "URL", "FOLDER", "PATH"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    logging.disable(logging.WARNING)
    if args.child:
        child(*args.child)
        return
    with tempfile.TemporaryDirectory(prefix="hearing-bench-restore-") as folder:
        db_path = Path(folder) / "bench.sqlite"
        url = f"sqlite:///{db_path}"
        t0 = time.perf_counter()
        pid = build(url, folder, args.inputs)
        print(f"built {args.inputs} inputs in {time.perf_counter() - t0:.0f} s", file=sys.stderr)
        lines_path, doc_path = Path(folder) / "lines.json.gz", Path(folder) / "document.json.gz"
        written = write(url, folder, pid, lines_path, doc_path)
        results = []
        modes = args.modes.split(",")
        for mode, layout, path in (("whole", "one JSON document (older layout)", doc_path),
                                   ("stream", "one JSON document (older layout)", doc_path),
                                   ("stream", "JSON lines (written now)", lines_path),
                                   ("job", "JSON lines (written now)", lines_path)):
            if mode not in modes:
                continue
            copy = Path(folder) / f"copy-{mode}-{path.stem}.sqlite"
            shutil.copy(db_path, copy)
            out = subprocess.run([sys.executable, __file__, "--child", mode, f"sqlite:///{copy}", folder, str(path)],
                                 capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(ROOT)}, check=False)
            if out.returncode:
                print(out.stderr[-3000:], file=sys.stderr)
                continue
            data = json.loads(out.stdout.strip().splitlines()[-1])
            results.append((mode, layout, path.stat().st_size, data))
            copy.unlink()
    print(f"\nSQLite, {args.inputs} inputs; backup written as JSON lines in {written['write_s']:.1f} s\n")
    print("| restore | file layout | file (gzip) | time | peak memory (process) | memory before the restore "
          "| progress steps stored / busy | longest time without a stored step |")
    print("|---|---|---|---|---|---|---|---|")
    labels = {"whole": "whole file in memory (before)", "stream": "streamed, one transaction",
              "job": "streamed, a commit per batch (the job)"}
    for mode, layout, size, d in results:
        steps = d["steps"]
        stored = f"{steps['stored']} / {steps['busy']}" if mode == "job" else "–"
        gap = f"{steps['gap']:.1f} s" if mode == "job" else "–"
        print(f"| {labels[mode]} | {layout} | {size / 1e6:.1f} MB | {d['seconds']:.1f} s | {d['peak_mb']:.0f} MB "
              f"| {d['rss_before_mb']:.0f} MB | {stored} | {gap} |")


if __name__ == "__main__":
    main()
