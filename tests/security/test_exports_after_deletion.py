"""ASVS V8.3.1/V8.3.8 (personal data deleted on request and at retention): an export made before a
response was deleted or purged does not keep its text.

Before the fix a stored CSV/XLSX of the inputs kept the deleted text until the export retention (7 days).
"""

from __future__ import annotations

from datetime import date, timedelta

import sqlalchemy as sa

from hearing.extensions import db
from hearing.models import ExportFile, Submission
from hearing.privacy.records import delete_submission, purge_expired
from tests.security.conftest import post_response

SECRET_TEXT = "Min sønn har fått feil medisin på Solbakken"


def _export(admin_client, world) -> int:
    from hearing.jobs import run_pending_jobs
    from hearing.models import Job

    r = admin_client.submit(f"/files/processes/{world['process'].id}", {"format": "csv"})
    assert r.status_code == 302
    run_pending_jobs()
    job_id = db.session.scalar(sa.select(Job.id).order_by(Job.id.desc()))
    download = admin_client.get(f"/files/jobs/{job_id}/download")
    assert download.status_code == 200 and SECRET_TEXT in download.get_data().decode("utf-8-sig")
    download.close()
    return job_id


def test_a_deleted_response_leaves_no_export_behind(app, client, admin_client, world):
    post_response(client, f"/delta/{world['box'].id}", {"statement": SECRET_TEXT, "consent": "without_name"})
    job_id = _export(admin_client, world)
    sub = db.session.scalar(sa.select(Submission))
    delete_submission(db.session, None, sub, app.config["UPLOAD_FOLDER"], reason="person request")
    db.session.commit()
    assert db.session.scalar(sa.select(sa.func.count(ExportFile.id))) == 0
    r = admin_client.get(f"/files/jobs/{job_id}/download")
    assert r.status_code == 302  # "Filen finnes ikke (lenger). Eksporter på nytt."


def test_a_purged_process_leaves_no_export_behind(app, client, admin_client, world):
    post_response(client, f"/delta/{world['box'].id}", {"statement": SECRET_TEXT, "consent": "without_name"})
    _export(admin_client, world)
    process = world["process"]
    process.end_date = date.today() - timedelta(days=800)
    db.session.commit()
    purge_expired(db.session, app.config["UPLOAD_FOLDER"])
    db.session.commit()
    assert db.session.scalar(sa.select(sa.func.count(ExportFile.id))) == 0
