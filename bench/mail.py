"""Measure the outbox (hearing/mail): what queueing a message costs the request that causes it, and how fast
the worker sends, to the local sink and over SMTP to a real server (aiosmtpd) on loopback.

A fresh migrated SQLite database in a temporary folder (or DATABASE_URL's PostgreSQL, which it writes to);
prints a markdown table. Run: ``python bench/mail.py`` (``--n 1000 3000`` to vary).
"""

from __future__ import annotations

import argparse
import os
import socket
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Counter:
    def __init__(self):
        self.n = 0

    async def handle_DATA(self, server, session, envelope):
        self.n += 1
        return "250 OK"


def run(n: int, transport: str, folder: Path) -> dict:
    import sqlalchemy as sa
    from aiosmtpd.controller import Controller
    from flask_migrate import upgrade

    from hearing import create_app, mail
    from hearing.extensions import db
    from hearing.models import MailMessage

    url = os.environ.get("DATABASE_URL") or f"sqlite:///{folder / f'mail-{transport}-{n}.sqlite'}"
    config = {"TESTING": True, "SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "JOBS_LOCAL_WORKER": False,
              "BASE_URL": "https://medvirkning.kommune.no"}
    controller = counter = None
    if transport == "smtp":
        counter = Counter()
        controller = Controller(counter, hostname="127.0.0.1", port=free_port(), ready_timeout=30)
        controller.start()
        config.update(MAIL_HOST="127.0.0.1", MAIL_PORT=controller.port, MAIL_SECURITY="none")
    app = create_app(config)
    try:
        with app.app_context():
            upgrade()
            db.session.execute(sa.delete(MailMessage))
            db.session.commit()
            queued = committed = 0.0
            for i in range(n):
                start = time.perf_counter()
                mail.queue_mail(db.session, to=f"person{i}@example.no", template="receipt", lang=("nb", "nn", "en")[i % 3],
                                ref=f"bench:{transport}:{i}", reference=f"H-2026-{i:06d}", activity_title="Høring",
                                link=f"https://medvirkning.kommune.no/svar/{i:064d}")
                middle = time.perf_counter()
                db.session.commit()  # one action, one transaction, as a request does
                queued += middle - start
                committed += time.perf_counter() - middle
            start = time.perf_counter()
            result = mail.send_all_due(db.session)
            sent = time.perf_counter() - start
            assert result["sent"] == n, result
            if counter is not None:
                assert counter.n == n, counter.n
            return {"n": n, "transport": transport, "queue_ms": 1000 * queued / n, "commit_ms": 1000 * committed / n,
                    "send_per_s": n / sent}
    finally:
        if controller is not None:
            controller.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, nargs="+", default=[1000, 3000])
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for n in args.n:
            for transport in ("sink", "smtp"):
                rows.append(run(n, transport, Path(tmp)))
    print("| messages | transport | queue_mail per message (ms) | its commit (ms) | sent per second by the worker |")
    print("|---:|---|---:|---:|---:|")
    for r in rows:
        print(f"| {r['n']} | {r['transport']} | {r['queue_ms']:.2f} | {r['commit_ms']:.2f} | {r['send_per_s']:.0f} |")


if __name__ == "__main__":
    main()
