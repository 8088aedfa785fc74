"""gunicorn settings, read by `make serve-prod` and bench/load.py.

The app is imported once in the master and the workers are forked from it: a worker that dies is
replaced in milliseconds instead of seconds of importing numpy and scikit-learn, and the workers
share that memory.
"""

import os

preload_app = True

# The master only forks, so it must not run threads: a thread holding a lock at the moment of the
# fork leaves that lock held for ever in the worker. The local job worker (used without Redis)
# therefore starts in each worker after the fork, as the person running the server chose.
_LOCAL_WORKER = os.environ.get("HEARING_JOBS_LOCAL_WORKER")
os.environ["HEARING_JOBS_LOCAL_WORKER"] = "false"


def post_fork(server, worker):
    from hearing import jobs
    from hearing.config import _coerce
    from hearing.extensions import db

    app = server.app.wsgi()
    with app.app_context():
        # Each worker opens its own database connections; any inherited from the master are
        # dropped without closing them (closing would cut them for the other processes too).
        for engine in db.engines.values():
            engine.dispose(close=False)
    app.config["JOBS_LOCAL_WORKER"] = None if _LOCAL_WORKER is None else _coerce(_LOCAL_WORKER)
    if jobs._wants_local_worker(app):
        jobs.start_local_worker(app)
