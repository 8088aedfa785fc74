"""The participation dashboard as a process grows: counting, charts and the whole page, timed.

Builds one process per size with ``bench/pages.py``'s builder (survey submissions holding the inputs,
eight stakeholder groups), then measures, each as the median of ``--repeat`` runs after one warm-up:
``participation()`` (the counts by group, channel, phase and week), ``participation_charts()`` with
every chart drawn as SVG and as PNG, and the page ``/dashboard/process/<id>`` through Flask's test
client, once with the charts drawn and once again with the same numbers (charts from the cache).
Prints a markdown table; nothing is asserted.

    .venv/bin/python bench/dashboard.py [--sizes 1000,10000,50000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import logging
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))


def _median(fn, repeat: int) -> float:
    fn()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000,50000")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    logging.disable(logging.WARNING)
    import pages  # bench/pages.py

    from hearing import charts, create_app
    from hearing.dashboard import services
    from hearing.extensions import db
    from hearing.models import Process

    print("| inputs | participation() s | charts drawn (SVG+PNG) s | page, charts drawn s | page again s | page KB |")
    print("|---:|---:|---:|---:|---:|---:|")
    for size in (int(s) for s in args.sizes.split(",")):
        with tempfile.TemporaryDirectory() as tmp:
            url = f"sqlite:///{tmp}/bench.sqlite"
            ids = pages.build(url, size)
            app = create_app({"SQLALCHEMY_DATABASE_URI": url, "JOBS_LOCAL_WORKER": False, "SECRET_KEY": "bench",
                              "TESTING": False})
            with app.app_context():
                process = db.session.get(Process, ids["process"])
                t_count = _median(lambda p=process: services.participation(db.session, p), args.repeat)
                data = services.participation(db.session, process)

                def draw(d=data):
                    charts._drawn.clear()  # drawn anew, not from the cache
                    for chart in services.participation_charts(d).values():
                        _ = chart.svg, chart.png

                t_charts = _median(draw, args.repeat)
                client = app.test_client()
                pages._login(client)
                page_url = f"/dashboard/process/{process.id}"
                response = client.get(page_url)
                assert response.status_code == 200, response.status_code

                def first(c=client, u=page_url):
                    charts._drawn.clear()
                    c.get(u)

                t_first = _median(first, args.repeat)
                t_again = _median(lambda c=client, u=page_url: c.get(u), args.repeat)
                print(f"| {size} | {t_count:.3f} | {t_charts:.3f} | {t_first:.3f} | {t_again:.3f} | "
                      f"{len(response.data) / 1024:.0f} |")
                db.session.remove()
                db.engine.dispose()


if __name__ == "__main__":
    main()
