"""Load and faults on a production-like setup: gunicorn workers, PostgreSQL and Redis on loopback.

Many simulated citizens fetch a hearing form, send a response with a section comment and open the
receipt page. A third of the way through, one gunicorn worker is killed; two thirds of the way,
PostgreSQL is restarted. At the end every receipt shown must match exactly one stored submission.

    .venv/bin/python bench/load.py [--clients 50] [--requests 3000] [--workers 2] [--threads 4]

Without TEST_DATABASE_URL the script runs itself under scripts/with-postgres.sh (a private server
in a temporary directory). Only 127.0.0.1 is contacted; the run stops after --requests submissions
or --seconds, whichever comes first.

Besides throughput and latency it prints the CPU each citizen cost gunicorn, this client, PostgreSQL
and Redis, and the load average: on a shared machine the throughput says how busy the others were,
the CPU per citizen (2000 ms per second on two cores, divided by it) says what two idle cores allow.
CPU per citizen grows too when the machine is very busy (caches are shared), so compare figures taken
at similar load.
"""

from __future__ import annotations

import argparse
import hashlib
import http.client
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def prepare_database(base_url: str) -> tuple[str, int, int]:
    import sqlalchemy as sa

    url = sa.engine.make_url(base_url)
    admin = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text('DROP DATABASE IF EXISTS "hearing_load" WITH (FORCE)'))
        conn.execute(sa.text('CREATE DATABASE "hearing_load"'))
    admin.dispose()
    db_url = url.set(database="hearing_load").render_as_string(hide_password=False)
    from hearing import create_app
    from hearing.demo import seed_demo
    from hearing.extensions import db
    from hearing.models import Activity

    app = create_app({"SQLALCHEMY_DATABASE_URI": db_url, "JOBS_LOCAL_WORKER": False})
    with app.app_context():
        from flask_migrate import upgrade

        upgrade()
        seed_demo(db.session, None)
        db.session.commit()
        hearing = db.session.scalar(sa.select(Activity).where(Activity.title.like("Offentlig høring%")))
        section_id = hearing.document.sections[1].id
        hearing_id = hearing.id
        db.engine.dispose()
    return db_url, hearing_id, section_id


def _durability(db_url: str) -> str:
    """The server's fsync and synchronous_commit, as the bench's sessions see them."""
    import sqlalchemy as sa

    engine = sa.create_engine(db_url)
    with engine.connect() as conn:
        found = " / ".join(conn.execute(sa.text(f"SHOW {name}")).scalar() for name in ("fsync", "synchronous_commit"))
    engine.dispose()
    return found


def start_redis(folder: str) -> tuple[subprocess.Popen, str]:
    """A private Redis on loopback, as production has: rate-limit counters and the RQ queue live there."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen(["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--dir", folder,
                             "--save", "", "--appendonly", "no"], stdout=subprocess.DEVNULL, start_new_session=True)
    time.sleep(0.5)
    return proc, f"redis://127.0.0.1:{port}/0"


def start_gunicorn(db_url: str, workers: int, port: int, redis_url: str | None, threads: int = 1) -> subprocess.Popen:
    env = {**os.environ, "DATABASE_URL": db_url, "HEARING_JOBS_LOCAL_WORKER": "false",
           "HEARING_PUBLIC_RATE_LIMIT": '"100000/minute"', "HEARING_SECRET_KEY": "load-test-secret",
           "HEARING_SQLALCHEMY_ENGINE_OPTIONS": '{"pool_size": 5}'}
    if redis_url:
        env["REDIS_URL"] = redis_url
    proc = subprocess.Popen(
        [str(Path(sys.executable).parent / "gunicorn"), "--config", str(ROOT / "gunicorn.conf.py"), "--workers", str(workers), "--threads", str(threads), "--bind", f"127.0.0.1:{port}",
         "--log-level", "warning", "hearing:create_app()"],
        cwd=ROOT, env=env, start_new_session=True,
    )
    deadline = time.monotonic() + 120  # generous: a busy machine is slow, not broken
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            c.request("GET", "/healthz")
            if c.getresponse().status == 200:
                return proc
        except OSError:
            time.sleep(0.2)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    raise SystemExit("gunicorn did not start within 120 s")


def tree_cpu_seconds(pid: int, part: str = "all") -> float:
    """CPU used so far by a process and its children: live ones, and those it has waited for (a killed
    gunicorn worker, PostgreSQL's ended backends). ``part``: "all", "user" or "system"."""
    def stat(p) -> list[str]:
        return Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()

    # utime, stime, and cutime, cstime: the children it has waited for, in clock ticks
    own, waited = {"all": (11, 12), "user": (11,), "system": (12,)}[part], {"all": (13, 14), "user": (13,), "system": (14,)}[part]
    try:
        fields = stat(pid)
    except OSError:
        return 0.0
    total = sum(int(fields[i]) for i in own + waited)
    for child in subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout.split():
        try:
            child_fields = stat(child)
        except OSError:
            continue
        total += sum(int(child_fields[i]) for i in own)
    return total / os.sysconf("SC_CLK_TCK")


def server_cpu_seconds(server: subprocess.Popen) -> float:
    """CPU used so far by gunicorn's master and its workers, a killed worker's share included."""
    return tree_cpu_seconds(server.pid)


def postgres_pid() -> int | None:
    """The private PostgreSQL server's postmaster (scripts/with-postgres.sh), read from its data folder."""
    restart = os.environ.get("PG_TEST_RESTART", "").split()
    if "-D" not in restart:
        return None
    try:
        return int((Path(restart[restart.index("-D") + 1]) / "postmaster.pid").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None


def postgres_cpu_seconds() -> float:
    pid = postgres_pid()
    return tree_cpu_seconds(pid) if pid else 0.0


class Stats:
    def __init__(self):
        self.lock = threading.Lock()
        self.request_ms: list[float] = []  # every HTTP request
        self.submission_ms: list[float] = []  # form, answer and receipt together
        self.receipt_failures = 0  # stored (302) but the receipt page did not come after retries
        self.receipt_statuses: dict[int, int] = {}  # what came instead
        self.receipts: list[str] = []
        self.error_pages = 0  # clear error page (503 with the typed text kept)
        self.other_errors = 0
        self.other_statuses: dict[int, int] = {}
        self.form_failures = 0  # the form could not be fetched (nothing typed yet, nothing lost)
        self.done = 0


CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
KEY = re.compile(r'name="submission_key" value="([^"]+)"')


class Connection:
    """A keep-alive HTTP/1.1 connection that reads only what the bench needs (status, Location, Set-Cookie,
    the body by Content-Length or chunks): http.client parses every response's headers with the e-mail
    parser, which cost this client as much CPU as a tenth of the server's."""

    def __init__(self, port: int, timeout: float = 10):
        self.port, self.timeout = port, timeout
        self.sock: socket.socket | None = None
        self.buffer = b""

    def close(self) -> None:
        if self.sock is not None:
            self.sock.close()
        self.sock, self.buffer = None, b""

    def _fill(self) -> None:
        chunk = self.sock.recv(65536)
        if not chunk:
            raise ConnectionResetError("the server closed the connection")
        self.buffer += chunk

    def _read_until(self, marker: bytes) -> bytes:
        while (end := self.buffer.find(marker)) < 0:
            self._fill()
        found, self.buffer = self.buffer[:end], self.buffer[end + len(marker):]
        return found

    def _read(self, size: int) -> bytes:
        while len(self.buffer) < size:
            self._fill()
        found, self.buffer = self.buffer[:size], self.buffer[size:]
        return found

    def request(self, method: str, path: str, body: bytes | None = None, headers: dict[str, str] | None = None
                ) -> tuple[int, dict[str, list[str]], bytes]:
        if self.sock is None:
            self.sock = socket.create_connection(("127.0.0.1", self.port), timeout=self.timeout)
            self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        lines = [f"{method} {path} HTTP/1.1", f"Host: 127.0.0.1:{self.port}"]
        lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
        if body is not None:
            lines.append(f"Content-Length: {len(body)}")
        self.sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode() + (body or b""))
        head = self._read_until(b"\r\n\r\n").decode("latin-1").split("\r\n")
        parts = head[0].split(" ", 2)
        if len(parts) < 2 or not parts[1].isdigit():
            raise ConnectionError(f"not an HTTP response: {head[0]!r}")
        found: dict[str, list[str]] = {}
        for line in head[1:]:
            name, _, value = line.partition(":")
            found.setdefault(name.strip().lower(), []).append(value.strip())
        if "content-length" in found:
            content = self._read(int(found["content-length"][0]))
        elif "chunked" in found.get("transfer-encoding", [""])[0].lower():
            pieces = []
            while size := int(self._read_until(b"\r\n").split(b";")[0], 16):
                pieces.append(self._read(size))
                self._read_until(b"\r\n")
            self._read_until(b"\r\n")  # no trailers are sent
            content = b"".join(pieces)
        else:  # the body ends with the connection
            while True:
                try:
                    self._fill()
                except ConnectionResetError:
                    break
            content, self.buffer = self.buffer, b""
            self.close()
        if "close" in found.get("connection", [""])[0].lower():
            self.close()
        return int(parts[1]), found, content


def _request(box: list, method: str, path: str, stats: Stats, body: str | None = None, cookie: str = "",
             retry_statuses: tuple[int, ...] = (502, 503)) -> tuple[int, str, str, str]:
    """One request, timed; on a reset connection or a 502/503 the very same request again, as a person would
    (after 0.5 s, then less and less patiently: 8 tries over about 8 s, longer than a PostgreSQL restart)."""
    headers = {"Cookie": cookie} if cookie else {}
    if body is not None:
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    payload = body.encode() if body is not None else None
    for attempt in range(8):
        t0 = time.perf_counter()
        try:
            status, found, content = box[0].request(method, path, payload, headers)
            html = content.decode()
            with stats.lock:
                stats.request_ms.append((time.perf_counter() - t0) * 1000)
            if status in retry_statuses and attempt < 7:
                time.sleep(0.5 + 0.25 * attempt)
                continue
            set_cookie = next((c.split(";")[0] for c in found.get("set-cookie", []) if c.startswith("session=")), "")
            return status, (found.get("location") or [""])[0], html, set_cookie
        except (OSError, ValueError):
            box[0].close()
            time.sleep(0.5 + 0.25 * attempt)
    return 0, "", "", ""


def citizen(port: int, hearing_id: int, section_id: int, stats: Stats, budget: list[int], deadline: float, n: int) -> None:
    """Fetch the form, send it with a section comment, open the receipt: the three steps of a real citizen."""
    box = [Connection(port)]
    path = f"/delta/{hearing_id}"
    while time.time() < deadline:
        with stats.lock:
            if budget[0] <= 0:
                return
            budget[0] -= 1
        t0 = time.perf_counter()
        status, _, html, cookie = _request(box, "GET", path, stats)
        if status != 200:
            with stats.lock:
                stats.form_failures += 1  # nothing typed yet, nothing lost
            continue
        body = urllib.parse.urlencode({
            "csrf_token": CSRF.search(html).group(1), "submission_key": KEY.search(html).group(1),
            f"section-{section_id}": f"Kommentar {n} om heltid og bemanning.", "statement": "Samlet uttalelse.",
            "consent": "without_name", "website": "",
        })
        status, location, _, _ = _request(box, "POST", path, stats, body, cookie)
        receipt = ""
        if status == 302 and "/svar/" in location:
            page_status, _, page, _ = _request(box, "GET", location, stats)
            if page_status == 200 and "Referansenummer" in page:
                receipt = location.split("/svar/")[1].split("?")[0]
            else:
                with stats.lock:
                    stats.receipt_statuses[page_status] = stats.receipt_statuses.get(page_status, 0) + 1
        with stats.lock:
            stats.submission_ms.append((time.perf_counter() - t0) * 1000)
            stats.done += 1
            if receipt:
                stats.receipts.append(receipt)
            elif status == 302:
                stats.receipt_failures += 1
            elif status == 503:
                stats.error_pages += 1
            else:
                stats.other_errors += 1
                stats.other_statuses[status] = stats.other_statuses.get(status, 0) + 1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--seconds", type=float, default=90)
    # 2 workers of 4 threads (gthread, keep-alive) measured best on 2 cores with PostgreSQL, Redis and this client on
    # the same machine: 48-53 submissions/s against 15 for 3 sync workers at the same load (10-12, 2026-12-04), and
    # less CPU per citizen (a thread waiting for PostgreSQL leaves the core to another request).
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4, help="threads per worker (more than 1: gthread, with keep-alive)")
    parser.add_argument("--no-faults", action="store_true")
    parser.add_argument("--no-redis", action="store_true", help="without Redis: rate-limit counters in PostgreSQL")
    args = parser.parse_args()
    if not os.environ.get("TEST_DATABASE_URL"):
        # A durable server, as in production: a commit returns when its WAL is on disk (no fsync=off,
        # synchronous_commit=off as the tests run it), so "nothing lost" holds for what was committed.
        os.environ.setdefault("PGTEST_DURABLE", "1")
        os.execvp(str(ROOT / "scripts/with-postgres.sh"), [str(ROOT / "scripts/with-postgres.sh"), sys.executable, *sys.argv])

    db_url, hearing_id, section_id = prepare_database(os.environ["TEST_DATABASE_URL"])
    durability = _durability(db_url)
    port = 18000 + os.getpid() % 1000
    redis_proc = redis_url = None
    if not args.no_redis and shutil.which("redis-server"):
        redis_proc, redis_url = start_redis(tempfile.mkdtemp(prefix="hearing-redis-"))
    server = start_gunicorn(db_url, args.workers, port, redis_url, args.threads)
    stats, budget = Stats(), [args.requests]
    deadline = time.time() + args.seconds
    threads = [threading.Thread(target=citizen, args=(port, hearing_id, section_id, stats, budget, deadline, i)) for i in range(args.clients)]
    load_before = os.getloadavg()
    start = time.perf_counter()
    client_cpu, server_cpu = time.process_time(), server_cpu_seconds(server)
    server_system = tree_cpu_seconds(server.pid, "system")
    pg_cpu = -postgres_cpu_seconds()
    redis_cpu = tree_cpu_seconds(redis_proc.pid) if redis_proc else 0.0
    for t in threads:
        t.start()
    faults = []
    if not args.no_faults:
        while stats.done < args.requests // 3 and time.time() < deadline:
            time.sleep(0.05)
        children = subprocess.run(["pgrep", "-P", str(server.pid)], capture_output=True, text=True).stdout.split()
        if children:
            os.kill(int(children[0]), signal.SIGKILL)
            faults.append(f"killed gunicorn worker {children[0]} after {stats.done} submissions")
        while stats.done < 2 * args.requests // 3 and time.time() < deadline:
            time.sleep(0.05)
        restart = os.environ.get("PG_TEST_RESTART")
        if restart:
            pg_cpu += postgres_cpu_seconds()  # the old server's share, before it goes
            subprocess.run(restart.split(), check=True, capture_output=True)
            pg_cpu -= postgres_cpu_seconds()
            faults.append(f"restarted PostgreSQL after {stats.done} submissions")
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - start
    client_cpu = time.process_time() - client_cpu
    server_cpu = server_cpu_seconds(server) - server_cpu
    server_system = tree_cpu_seconds(server.pid, "system") - server_system
    pg_cpu += postgres_cpu_seconds()
    redis_cpu = (tree_cpu_seconds(redis_proc.pid) if redis_proc else 0.0) - redis_cpu
    load_after = os.getloadavg()
    os.killpg(server.pid, signal.SIGTERM)
    server.wait(timeout=20)
    if redis_proc:
        redis_proc.terminate()
        redis_proc.wait(timeout=10)

    import sqlalchemy as sa

    engine = sa.create_engine(db_url)
    with engine.connect() as conn:
        stored = conn.execute(sa.text("SELECT edit_token_hash FROM submissions WHERE reference NOT LIKE 'DEMO-%'")).scalars().all()
    engine.dispose()
    stored_set = set(stored)
    receipt_hashes = [hashlib.sha256(t.encode()).hexdigest() for t in stats.receipts]
    missing = [h for h in receipt_hashes if h not in stored_set]
    def pct(values: list[float], p: float) -> float:
        values = sorted(values)
        return values[min(len(values) - 1, int(p / 100 * len(values)))] if values else float("nan")

    def spread(values: list[float]) -> str:
        return f"{pct(values, 50):.0f} / {pct(values, 95):.0f} / {pct(values, 99):.0f}"

    rows = [
        ("clients / gunicorn workers / threads", f"{args.clients} / {args.workers} / {args.threads}"),
        ("Redis (rate limits, RQ)", "yes" if redis_url else "no (counters in PostgreSQL)"),
        ("PostgreSQL fsync / synchronous_commit", durability),
        ("citizens served (form, answer, receipt)", stats.done),
        ("elapsed s", f"{elapsed:.1f}"),
        ("submissions stored per s", f"{len(stored) / elapsed:.1f}"),
        ("requests (form, answer, receipt) per s", f"{len(stats.request_ms) / elapsed:.1f}"),
        ("request latency p50 / p95 / p99 ms", spread(stats.request_ms)),
        ("whole submission p50 / p95 / p99 ms", spread(stats.submission_ms)),
        ("CPU ms per citizen: gunicorn / load client", f"{server_cpu * 1000 / max(stats.done, 1):.1f} / {client_cpu * 1000 / max(stats.done, 1):.1f}"),
        ("  of gunicorn's: in the kernel (system)", f"{server_system * 1000 / max(stats.done, 1):.1f}"),
        ("CPU ms per citizen: PostgreSQL / Redis", f"{pg_cpu * 1000 / max(stats.done, 1):.1f} / {redis_cpu * 1000 / max(stats.done, 1):.1f}"),
        ("CPU ms per citizen, all of it", f"{(server_cpu + client_cpu + pg_cpu + redis_cpu) * 1000 / max(stats.done, 1):.1f}"),
        ("citizens/s 2 idle cores would allow (2000 / all)",
         f"{2000 / max((server_cpu + client_cpu + pg_cpu + redis_cpu) * 1000 / max(stats.done, 1), 0.001):.0f}"),
        ("load average 1 min, before / after (others' work too)", f"{load_before[0]:.1f} / {load_after[0]:.1f}"),
        ("receipt pages shown", len(stats.receipts)),
        ("submissions stored", len(stored)),
        ("stored twice", len(stored) - len(stored_set)),
        ("receipts without a stored submission", len(missing)),
        ("clear error pages (503, text kept)", stats.error_pages),
        ("stored, receipt page failed after retries", f"{stats.receipt_failures} {stats.receipt_statuses or ''}"),
        ("POSTs without an answer after retries", f"{stats.other_errors} {stats.other_statuses or ''}"),
        ("form fetches that failed (retried)", stats.form_failures),
        ("stored but receipt not seen", len(stored_set - set(receipt_hashes))),
        ("faults", "; ".join(faults) or "none"),
    ]
    width = max(len(k) for k, _ in rows)
    print(f"\n{'measure'.ljust(width)} | value\n{'-' * width}-+------")
    for k, v in rows:
        print(f"{k.ljust(width)} | {v}")
    ok = not missing and len(stored) == len(stored_set) and stats.other_errors == 0
    print("\nnothing lost, nothing twice:", "yes" if ok else "NO")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
