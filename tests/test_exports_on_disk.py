"""Export files on the upload volume, backups gzip-compressed and streamed, restores at their real size."""

from __future__ import annotations

import gzip
import io
import json
from datetime import timedelta
from pathlib import Path

import sqlalchemy as sa

from hearing.exports import backup, storage
from hearing.exports import jobs as exports
from hearing.extensions import db
from hearing.jobs import run_pending_jobs
from hearing.models import ExportFile, Job, Process, utcnow
from tests.conftest import text_of


def _backup(admin_client, process) -> tuple[Job, ExportFile]:
    r = admin_client.submit(f"/files/processes/{process.id}", action=f"/files/processes/{process.id}/backup")
    assert r.status_code == 302
    run_pending_jobs()
    job = db.session.scalar(sa.select(Job).where(Job.kind == exports.BACKUP).order_by(Job.id.desc()))
    db.session.refresh(job)
    assert job.status == "done", job.error
    return job, db.session.scalar(sa.select(ExportFile).where(ExportFile.job_id == job.id))


def test_backup_is_gzip_on_disk_and_streamed_back(app, admin_client, make_process):
    process = make_process(name="Strategiplan for helse")
    job, stored = _backup(admin_client, process)
    path = Path(app.config["UPLOAD_FOLDER"]) / "exports" / stored.storage_name
    assert stored.data is None and path.is_file() and stored.size == path.stat().st_size
    assert stored.filename.endswith(".json.gz") and stored.mimetype == "application/gzip"
    r = admin_client.get(f"/files/jobs/{job.id}/download")
    assert r.status_code == 200 and r.headers["Content-Disposition"].startswith("attachment")
    data = json.loads(gzip.decompress(r.get_data()))
    assert data["format"] == backup.FORMAT and data["process_name"] == "Strategiplan for helse"
    assert data["counts"]["processes"] == 1 and len(data["tables"]["processes"]) == 1
    # the streamed writer gives the same content as the whole-dict export
    assert data["tables"] == backup.export_process(db.session, process)["tables"]


def test_purged_export_files_leave_the_disk(app, admin_client, make_process):
    process = make_process()
    _job, stored = _backup(admin_client, process)
    path = Path(app.config["UPLOAD_FOLDER"]) / "exports" / stored.storage_name
    stored.created_dt = utcnow() - timedelta(days=365)
    db.session.commit()
    assert exports.purge_expired_files(db.session) == 1
    db.session.commit()
    assert not path.exists()


def test_restore_accepts_a_backup_larger_than_other_uploads(app, admin_client, make_process):
    process = make_process(name="Stor prosess")
    job, _stored = _backup(admin_client, process)
    raw = admin_client.get(f"/files/jobs/{job.id}/download").get_data()
    data = json.loads(gzip.decompress(raw))
    data["process_uid"] = "b" * 32  # as if it came from another installation
    data["tables"]["processes"][0]["slug"] = "stor-prosess-kopi"
    data["note"] = "x" * 400_000  # incompressible enough to pass the small limit below
    packed = gzip.compress(json.dumps(data).encode(), compresslevel=1)
    app.config["MAX_CONTENT_LENGTH"] = 50_000  # every other form: 413 above this
    assert len(packed) > app.config["MAX_CONTENT_LENGTH"] or len(json.dumps(data)) > 50_000
    r = admin_client.submit("/files/import", {"file": (io.BytesIO(packed), "prosess.json.gz")},
                            content_type="multipart/form-data")
    assert r.status_code == 302, text_of(r)
    upload = db.session.scalar(sa.select(ExportFile).where(ExportFile.storage_name.is_not(None))
                               .order_by(ExportFile.id.desc()))
    assert upload.data is None and upload.mimetype == "application/gzip"
    run_pending_jobs()
    done = db.session.scalar(sa.select(Job).where(Job.kind == exports.IMPORT))
    assert done.status == "done", done.error
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Process)) == 2
    assert not (Path(app.config["UPLOAD_FOLDER"]) / "exports" / upload.storage_name).exists()
    app.config["BACKUP_MAX_MB"] = 0  # and above the restore limit there is a clear message
    again = admin_client.submit("/files/import", {"file": (io.BytesIO(packed), "prosess.json.gz")},
                                content_type="multipart/form-data")
    assert again.status_code == 413 and "For stor fil" in text_of(again)


def test_a_large_backup_is_checked_by_its_head_and_read_whole_by_the_job(app, admin_client, make_process, monkeypatch):
    process = make_process(name="Prosess med hode")
    job, _stored = _backup(admin_client, process)
    raw = admin_client.get(f"/files/jobs/{job.id}/download").get_data()
    kept = set(storage.folder().iterdir())
    monkeypatch.setattr(exports, "CHECK_WHOLE_BYTES", 0)
    same = admin_client.submit("/files/import", {"file": (io.BytesIO(raw), "prosess.json.gz")},
                               content_type="multipart/form-data")
    assert same.status_code == 200 and "finnes allerede" in text_of(same)  # the head names the process
    assert set(storage.folder().iterdir()) == kept  # the refused upload is not kept
    notabackup = gzip.compress(b'{"format": "noe annet"}')
    bad = admin_client.submit("/files/import", {"file": (io.BytesIO(notabackup), "x.json.gz")},
                              content_type="multipart/form-data")
    assert bad.status_code == 200 and "ikke en sikkerhetskopi" in text_of(bad)
