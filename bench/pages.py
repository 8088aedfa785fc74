"""Reviewer and admin pages as a process grows: one process with N inputs, each page timed.

Builds one process per size (default 1k, 10k and 50k inputs) in a fresh database: stakeholder
groups, a survey activity whose submissions hold the inputs (and a rating answer each; nine in ten
approved for publication, so the report counts them), a finished
grouping run placing every input in a theme (some confirmed), assessments of a third of the inputs,
a draft whose strategy cites inputs, and a report. Rows go in with bulk Core inserts, so building
50k inputs takes seconds. Then it logs in as an administrator with Flask's test client, fetches
every page once to warm up and five times more, and prints a markdown table of the median wall
time, the median CPU time (this process, plus a PostgreSQL server on this machine) and the response size.

    .venv/bin/python bench/pages.py [--sizes 1000,10000,50000] [--repeat 5] [--pages assess-theme,run]

SQLite in a temporary directory by default; with DATABASE_URL (a PostgreSQL server URL) a database
``hearing_bench_pages`` is made there (dropped first). Nothing is asserted: the script only prints.
"""

from __future__ import annotations

import argparse
import logging
import os
import random
import re
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from html import unescape
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PASSWORD = "bench-password-long-enough"  # noqa: S105 (a throwaway database)
GROUPS = ["Eldrerådet", "Ansatte", "Innbyggere", "Pårørende", "Brukerrådet", "Tillitsvalgte", "Frivillige", "Ungdomsrådet"]
#: Share of inputs per group (the largest group holds about a third).
GROUP_WEIGHTS = [8, 30, 20, 12, 8, 6, 6, 4]
WORDS = {
    "eldre": "Eldre trenger flere plasser i sykehjem og bedre hjemmetjeneste om kvelden.",
    "bemanning": "Bemanningen i hjemmetjenesten er for lav, vi trenger flere hele stillinger.",
    "transport": "Bussavganger til helsehuset må gå oftere, særlig i helgene.",
    "velferd": "Velferdsteknologi kan gi tryggere hverdag, men må følges opp av ansatte.",
    "frivillig": "Frivillige organisasjoner bør få faste møteplasser og støtte til aktiviteter.",
    "rus": "Tilbudet innen rus og psykisk helse må samles og bli lettere å finne.",
    "boliger": "Det trengs flere tilrettelagte boliger nær sentrum for eldre og unge med behov.",
    "digital": "Digitale tjenester må være enkle, og det må alltid finnes et menneske å ringe.",
    "kompetanse": "Ansatte trenger kompetanseheving i demens og lindrende behandling.",
    "pårørende": "Pårørende blir slitne og trenger avlastning og informasjon i tide.",
    "mat": "Maten på institusjonene bør lages lokalt og serveres når folk er sultne.",
    "aktivitet": "Dagaktivitetstilbud gir mening i hverdagen og bør finnes i alle bydeler.",
}
THEME_WEIGHTS = [22, 14, 11, 9, 8, 7, 7, 6, 5, 5, 4, 2]  # the largest theme: about a fifth of the inputs


def build(db_url: str, n_inputs: int, seed: int = 7) -> dict:
    """Migrate a fresh database at ``db_url`` and fill one process with ``n_inputs`` inputs."""
    import sqlalchemy as sa

    from hearing import create_app
    from hearing.extensions import db
    from hearing.grouping.search import search_stems
    from hearing.models import (
        Activity,
        Answer,
        Assessment,
        Draft,
        FocusArea,
        HearingReport,
        Input,
        Prompt,
        StakeholderGroup,
        Strategy,
        Submission,
        Theme,
        ThemeAssignment,
        ThemeRun,
    )
    from hearing.models.drafts import strategy_inputs

    rnd = random.Random(seed)
    app = create_app({"SQLALCHEMY_DATABASE_URI": db_url, "JOBS_LOCAL_WORKER": False, "SECRET_KEY": "bench"})
    with app.app_context():
        from flask_migrate import upgrade

        upgrade()
        from hearing.admin.services import create_process, create_user

        admin = create_user(db.session, None, {"email": "admin@bench.kommune.no", "name": "Admin", "role": "admin",
                                               "password": PASSWORD})
        create_user(db.session, None, {"email": "reviewer@bench.kommune.no", "name": "Reviewer", "role": "reviewer",
                                       "password": PASSWORD})
        process = create_process(db.session, admin, {"name": "Strategiplan Mestring og helse", "service_area": "Helse",
                                                     "owner": "Kommunalsjef", "retention_months": 24})
        db.session.flush()
        pid = process.id
        now = datetime.now(UTC)
        conn = db.session.connection()
        group_ids = [conn.execute(sa.insert(StakeholderGroup).values(process_id=pid, name=name, category="citizens",
                                                                    description="")).inserted_primary_key[0]
                     for name in GROUPS]
        aid = conn.execute(sa.insert(Activity).values(
            process_id=pid, kind="survey", title="Spørreundersøkelse om helse og mestring", description="",
            opens_dt=now - timedelta(days=60), closes_dt=now - timedelta(days=1), audience="public",
            is_plan_hearing=False, location="", created_dt=now)).inserted_primary_key[0]
        free_id = conn.execute(sa.insert(Prompt).values(activity_id=aid, position=1, text="Hva er viktigst for deg?",
                                                        help_text="", question_type="free_text", options=[],
                                                        is_required=False)).inserted_primary_key[0]
        rating_id = conn.execute(sa.insert(Prompt).values(activity_id=aid, position=2, text="Hvor fornøyd er du?",
                                                          help_text="", question_type="rating", options=[],
                                                          is_required=False)).inserted_primary_key[0]
        stems = {k: search_stems(v, "nb") for k, v in WORDS.items()}
        keys = list(WORDS)
        n_subs = max(1, n_inputs // 2)
        sub_rows, answer_rows = [], []
        for s in range(n_subs):
            gid = rnd.choices(group_ids, GROUP_WEIGHTS)[0]
            # most responses approved in the moderation queue (the report counts only those), some waiting
            moderation = "approved" if s % 10 else "pending"
            sub_rows.append({"id": s + 1, "activity_id": aid, "group_id": gid, "reference": f"B-{s + 1:07d}",
                             "moderation": moderation,
                             "submission_key": f"k{s}", "edit_token_hash": f"{s:064d}", "source": "web",
                             "consent": "without_name", "is_late": False, "is_withdrawn": False,
                             "submitted_dt": now - timedelta(minutes=s)})
            answer_rows.append({"submission_id": s + 1, "prompt_id": rating_id, "rating": rnd.randint(1, 5), "choices": []})
        conn.execute(sa.insert(Submission), sub_rows)
        conn.execute(sa.insert(Answer), answer_rows)
        input_rows, topics = [], []
        for i in range(n_inputs):
            sub = sub_rows[i % n_subs]
            key = keys[rnd.choices(range(len(keys)), THEME_WEIGHTS)[0]]
            topics.append(keys.index(key))
            text = f"{WORDS[key]} (svar {i + 1})"
            input_rows.append({"id": i + 1, "activity_id": aid, "submission_id": sub["id"], "prompt_id": free_id,
                               "group_id": sub["group_id"], "source": "web", "text": text, "text_masked": text,
                               "lang": "nb", "search_stems": stems[key], "created_dt": sub["submitted_dt"]})
        for start in range(0, n_inputs, 5000):
            conn.execute(sa.insert(Input), input_rows[start:start + 5000])
        run_id = conn.execute(sa.insert(ThemeRun).values(
            process_id=pid, params={"n_themes": "auto"}, stats={"n_inputs": n_inputs, "method": "tfidf"},
            created_dt=now)).inserted_primary_key[0]
        theme_ids = []
        for pos, key in enumerate(keys):
            members = [n + 1 for n, t in enumerate(topics) if t == pos][:5]
            theme_ids.append(conn.execute(sa.insert(Theme).values(
                run_id=run_id, position=pos, auto_label=key.title(), name=None, terms=[key, "helse"],
                quote_input_ids=members, is_misc=pos == len(keys) - 1)).inserted_primary_key[0])
        assign_rows, assess_rows = [], []
        for i, t in enumerate(topics):
            manual = rnd.random() < 0.15
            assign_rows.append({"run_id": run_id, "input_id": i + 1, "theme_id": theme_ids[t],
                                "source": "manual" if manual else "auto", "is_pinned": False, "is_new": False,
                                "confidence": round(rnd.uniform(0.3, 0.99), 3), "assigned_dt": now})
            if rnd.random() < 0.3:
                assess_rows.append({"input_id": i + 1, "decision": "adopted", "reason": "", "assessed_dt": now})
        for start in range(0, n_inputs, 10000):
            conn.execute(sa.insert(ThemeAssignment), assign_rows[start:start + 10000])
        if assess_rows:
            conn.execute(sa.insert(Assessment), assess_rows)
        draft_id = conn.execute(sa.insert(Draft).values(process_id=pid, number=1, title="Strategiutkast 1", note="",
                                                        created_dt=now)).inserted_primary_key[0]
        area_id = conn.execute(sa.insert(FocusArea).values(draft_id=draft_id, position=1, title="Trygg hverdag",
                                                           current_state="", desired_state="",
                                                           theme_id=theme_ids[0])).inserted_primary_key[0]
        strategy_id = conn.execute(sa.insert(Strategy).values(focus_area_id=area_id, position=1,
                                                              text="Flere hele stillinger")).inserted_primary_key[0]
        cited = [n + 1 for n, t in enumerate(topics) if t == 0][: max(20, n_inputs // 100)]
        conn.execute(sa.insert(strategy_inputs), [{"strategy_id": strategy_id, "input_id": i} for i in cited])
        report_id = conn.execute(sa.insert(HearingReport).values(
            process_id=pid, run_id=run_id, draft_id=draft_id, title="Vi spurte – dere svarte – vi gjorde",
            introduction="", is_published=False, created_dt=now)).inserted_primary_key[0]
        db.session.commit()
        # the near-duplicates the run's job stores (the texts here repeat one sentence per theme with a number
        # after it, so nearly every input is one: the largest load the board's duplicates section meets)
        from hearing.grouping import duplicates

        stored_run = db.session.get(ThemeRun, run_id)
        stored_run.stats = {**stored_run.stats, "near_duplicates": duplicates.store_for_run(db.session, stored_run)}
        db.session.commit()
        if db.engine.dialect.name == "postgresql":  # statistics, as autovacuum gathers soon after a bulk load
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as analyze:
                analyze.execute(sa.text("ANALYZE"))
        group_sizes = dict(db.session.execute(sa.select(Input.group_id, sa.func.count()).group_by(Input.group_id)).all())
        db.engine.dispose()
    return {"process": pid, "activity": aid, "run": run_id, "theme": theme_ids[0], "report": report_id,
            "strategy": strategy_id, "group": max(group_sizes, key=group_sizes.get)}


def pages(ids: dict) -> list[tuple[str, str, str]]:
    """(key, label, URL) of every page measured."""
    return [
        ("assess-theme", "assessment page of the largest theme", f"/review/themes/{ids['theme']}/assessments"),
        ("assess-group", "assessment page of the largest group",
         f"/review/processes/{ids['process']}/assessments/groups/{ids['group']}"),
        ("responses", "admin responses of an activity", f"/admin/activities/{ids['activity']}/responses"),
        ("report", "report preview", f"/reports/{ids['report']}"),
        ("sources", "draft sources of a strategy", f"/drafts/part/strategy/{ids['strategy']}/sources"),
        ("run", "run board", f"/review/runs/{ids['run']}"),
        ("inputs", "all inputs of the run (filters, bulk actions, duplicates)", f"/review/runs/{ids['run']}/inputs"),
        ("search", 'search "eldre"', f"/review/processes/{ids['process']}/search?q=eldre"),
        ("theme", "theme page of the largest theme", f"/review/themes/{ids['theme']}"),
        ("overview", "assessment overview", f"/review/processes/{ids['process']}/assessments"),
    ]


def _login(client) -> None:
    html = client.get("/login").get_data(as_text=True)
    form = next(f for f in re.findall(r"<form\b.*?</form>", html, re.S) if 'name="email"' in f)
    data = {}
    for tag in re.findall(r'<input\b[^>]*type="hidden"[^>]*>', form):
        name, value = re.search(r'name="([^"]+)"', tag), re.search(r'value="([^"]*)"', tag)
        data[name.group(1)] = unescape(value.group(1)) if value else ""
    data.update({"email": "admin@bench.kommune.no", "password": PASSWORD})
    resp = client.post("/login", data=data)
    if resp.status_code != 302:
        raise SystemExit(f"login failed: {resp.status_code}")


def _sql_profile(engine, client, url: str) -> None:
    """Print the statements of one fetch of ``url``, slowest first (for finding what to make cheaper)."""
    import sqlalchemy as sa

    spent: list[tuple[float, str]] = []
    started: list[float] = []

    def before(*_args) -> None:
        started.append(time.perf_counter())

    def after(_conn, _cursor, statement, *_rest) -> None:
        spent.append((time.perf_counter() - started.pop(), " ".join(statement.split())))

    sa.event.listen(engine, "before_cursor_execute", before)
    sa.event.listen(engine, "after_cursor_execute", after)
    t0 = time.perf_counter()
    client.get(url)
    wall = time.perf_counter() - t0
    sa.event.remove(engine, "before_cursor_execute", before)
    sa.event.remove(engine, "after_cursor_execute", after)
    print(f"\n{url}: {wall * 1000:.0f} ms, {len(spent)} statements, {sum(t for t, _ in spent) * 1000:.0f} ms in SQL",
          file=sys.stderr)
    for t, statement in sorted(spent, reverse=True)[:8]:
        print(f"  {t * 1000:7.1f} ms  {statement[:300]}", file=sys.stderr)


def _server_cpu(engine):
    """A function giving the CPU seconds spent so far by the PostgreSQL server's processes, when the server
    runs on this machine (``scripts/with-postgres.sh``); else None. On a machine shared with other work, wall
    time grows with the load; the CPU a page costs (this process plus the database's) does not."""
    if engine.dialect.name != "postgresql":
        return None
    import sqlalchemy as sa

    with engine.connect() as conn:
        backend = conn.execute(sa.text("SELECT pg_backend_pid()")).scalar()
    try:
        postmaster = int(Path(f"/proc/{backend}/stat").read_text().rsplit(")", 1)[1].split()[1])
    except (OSError, ValueError, IndexError):
        return None  # another machine
    tick = os.sysconf("SC_CLK_TCK")

    def spent() -> float:
        total = 0
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == postmaster:  # the server's backends and workers
                total += int(fields[11]) + int(fields[12])
        return total / tick

    return spent


def measure(db_url: str, ids: dict, repeat: int, only: set[str] | None,
            profile: bool = False) -> dict[str, tuple[float, int, int, float]]:
    """Per page key: (median seconds, response bytes, status, median CPU seconds of this process and a local
    PostgreSQL server)."""
    from hearing import create_app
    from hearing.extensions import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": db_url, "JOBS_LOCAL_WORKER": False, "SECRET_KEY": "bench",
                      "TESTING": False})
    out = {}
    with app.app_context():
        client = app.test_client()
        _login(client)
        server_cpu = _server_cpu(db.engine)
        for key, _label, url in pages(ids):
            if only and key not in only:
                continue
            resp = client.get(url)  # warm up: templates compiled, caches filled
            times, cpu = [], []
            for _ in range(repeat):
                t0, c0, s0 = time.perf_counter(), time.process_time(), server_cpu() if server_cpu else 0.0
                resp = client.get(url)
                body = resp.get_data()
                times.append(time.perf_counter() - t0)
                cpu.append(time.process_time() - c0 + ((server_cpu() - s0) if server_cpu else 0.0))
            out[key] = (statistics.median(times), len(body), resp.status_code, statistics.median(cpu))
            if profile:
                _sql_profile(db.engine, client, url)
        db.engine.dispose()
    return out


def _fresh_url(base: str | None, folder: str, n: int) -> str:
    if not base:
        return f"sqlite:///{folder}/bench-{n}.sqlite"
    import sqlalchemy as sa

    url = sa.engine.make_url(base)
    admin = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text('DROP DATABASE IF EXISTS "hearing_bench_pages" WITH (FORCE)'))
        conn.execute(sa.text('CREATE DATABASE "hearing_bench_pages"'))
    admin.dispose()
    return url.set(database="hearing_bench_pages").render_as_string(hide_password=False)


def _time(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms" if seconds < 1 else f"{seconds:.1f} s"


def _size(n: int) -> str:
    if n >= 1_000_000:
        return f"{n / 1_000_000:.1f} MB"
    return f"{n / 1000:.0f} kB" if n >= 1000 else f"{n} B"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="1000,10000,50000", help="inputs per process, comma separated")
    parser.add_argument("--repeat", type=int, default=5, help="timed fetches per page (the median is shown)")
    parser.add_argument("--pages", default="", help="only these page keys, comma separated: "
                        + ", ".join(k for k, _, _ in pages(dict.fromkeys(("theme", "process", "group", "activity", "report", "strategy", "run"), 0))))
    parser.add_argument("--sql", action="store_true", help="also print each page's slowest SQL statements")
    args = parser.parse_args()
    logging.disable(logging.INFO)  # the migrations' and the app's log lines
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    only = {p.strip() for p in args.pages.split(",") if p.strip()} or None
    base = os.environ.get("DATABASE_URL")
    results: dict[int, dict] = {}
    with tempfile.TemporaryDirectory(prefix="hearing-bench-pages-") as folder:
        for n in sizes:
            url = _fresh_url(base, folder, n)
            t0 = time.perf_counter()
            ids = build(url, n)
            print(f"built {n} inputs in {time.perf_counter() - t0:.1f} s", file=sys.stderr)
            results[n] = measure(url, ids, args.repeat, only, args.sql)
    engine = "PostgreSQL" if base else "SQLite"
    print(f"\n{engine}, median of {args.repeat}, wall time per page (status other than 200 in brackets); in "
          f"parentheses the CPU time it cost (this process{' and the database server' if base else ''}), which "
          f"the machine's load does not inflate\n")
    print("| page | " + " | ".join(f"{n // 1000}k" if n >= 1000 else str(n) for n in sizes) + f" | {sizes[-1] // 1000}k size |")
    print("|---|" + "---|" * (len(sizes) + 1))
    for key, label, _url in pages(ids):
        if only and key not in only:
            continue
        cells = []
        for n in sizes:
            secs, _nbytes, status, cpu = results[n][key]
            cells.append(_time(secs) + f" ({_time(cpu)} CPU)" + ("" if status == 200 else f" [{status}]"))
        print(f"| {label} | " + " | ".join(cells) + f" | {_size(results[sizes[-1]][key][1])} |")


if __name__ == "__main__":
    main()
