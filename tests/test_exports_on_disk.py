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
    data = backup.loads(r.get_data())
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
    data = backup.loads(raw)
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


def test_a_backup_in_json_lines_is_restored_as_a_stream_with_its_attachment(app, make_process, monkeypatch, tmp_path):
    from hearing.models import Activity, Attachment, Submission

    process = make_process(name="Prosess med vedlegg")
    activity = Activity(process=process, kind="hearing", title="Høring")
    sub = Submission(activity=activity, reference="H-2026-000901", submission_key="k" * 64, edit_token_hash="e" * 64)
    folder = Path(app.config["UPLOAD_FOLDER"])
    folder.mkdir(parents=True, exist_ok=True)
    content = bytes(range(256)) * 3000  # 768 kB: several base64 pieces
    (folder / "vedlegg-original").write_bytes(content)
    db.session.add_all([activity, sub, Attachment(submission=sub, filename="uttalelse.pdf", size=len(content),
                                                  sha256="0" * 64, content_type="application/pdf",
                                                  storage_name="vedlegg-original")])
    db.session.commit()
    path = tmp_path / "backup.json.gz"
    counts = backup.write_gzip(db.session, process, path, upload_folder=str(folder))
    with gzip.open(path, "rt", encoding="utf-8") as f:
        lines = f.read().splitlines()
    assert json.loads(lines[0])["layout"] == backup.LINES and len(lines) > sum(counts.values()) + 2
    # moved to another installation: the uid is new (the line holding it is the head)
    head = json.loads(lines[0]) | {"process_uid": "c" * 32}
    lines[0] = json.dumps(head)
    lines = [line.replace('"prosess-med-vedlegg"', '"prosess-med-vedlegg-kopi"') for line in lines]
    with gzip.open(path, "wt", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")

    def whole(*_a, **_k):
        raise AssertionError("a backup in JSON lines is never read whole by a restore")

    monkeypatch.setattr(backup, "loads_text", whole)
    seen: dict = {}
    copy = backup.import_path(db.session, None, path, upload_folder=str(folder), counts=seen)
    db.session.commit()
    assert copy.id != process.id and seen["attachments"] == 1 and seen["submissions"] == 1
    att = db.session.scalar(sa.select(Attachment).join(Submission).join(Activity).where(Activity.process_id == copy.id))
    assert att.storage_name != "vedlegg-original" and (folder / att.storage_name).read_bytes() == content


def test_a_damaged_line_stops_the_restore_before_anything_is_stored(app, make_process, tmp_path):
    process = make_process(name="Skadet")
    path = tmp_path / "backup.json.gz"
    backup.write_gzip(db.session, process, path)
    with gzip.open(path, "rt", encoding="utf-8") as f:
        lines = f.read().splitlines()
    lines[0] = json.dumps(json.loads(lines[0]) | {"process_uid": "d" * 32})
    lines.insert(2, '{"t": "phases", "r": {"id": 1, "na')
    with gzip.open(path, "wt", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")
    before = db.session.scalar(sa.select(sa.func.count()).select_from(Process))
    try:
        backup.import_path(db.session, None, path)
    except backup.BackupError as exc:
        assert "linje 3" in str(exc)
    else:
        raise AssertionError("a damaged line must be refused")
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Process)) == before


def test_a_restore_reports_its_progress_table_by_table(app, make_process, tmp_path):
    from hearing.models import Activity, Input

    process = make_process(name="Prosess med fremdrift")
    activity = Activity(process=process, kind="suggestions", title="Forslag")
    db.session.add(activity)
    db.session.flush()
    db.session.add_all(Input(activity_id=activity.id, text=f"Forslag {n}", source="web") for n in range(30))
    db.session.commit()
    path = tmp_path / "backup.json.gz"
    backup.write_gzip(db.session, process, path, upload_folder=app.config["UPLOAD_FOLDER"])
    with gzip.open(path, "rt", encoding="utf-8") as f:
        lines = f.read().splitlines()
    lines[0] = json.dumps(json.loads(lines[0]) | {"process_uid": "d" * 32})
    lines = [line.replace(f'"{process.slug}"', f'"{process.slug}-kopi"') for line in lines]
    with gzip.open(path, "wt", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")
    seen: list[tuple[int, str]] = []
    backup.import_path(db.session, None, path, upload_folder=app.config["UPLOAD_FOLDER"],
                       progress=lambda p, m="": seen.append((p, str(m))))
    db.session.commit()
    messages = [m for _p, m in seen]
    assert messages[0] == "Kontrollerer radene" and "Legger inn inputs" in messages and messages[-1] == "Kobler sammen"
    assert [p for p, _m in seen] == sorted(p for p, _m in seen)


def test_the_restore_job_stores_its_progress(app, admin_client, make_process, monkeypatch):
    """The job commits a batch at a time, so its progress is stored on SQLite (one writer) as on PostgreSQL;
    tests/test_exports_restore_batches.py reads it back while the restore runs."""
    import hearing.jobs as jobs_module

    process = make_process(name="Stor prosess med fremdrift")
    job, _stored = _backup(admin_client, process)
    raw = admin_client.get(f"/files/jobs/{job.id}/download").get_data()
    data = backup.loads(raw)
    data["process_uid"] = "e" * 32
    data["tables"]["processes"][0]["slug"] = "stor-prosess-med-fremdrift-kopi"
    stored_messages: list[str] = []
    real = jobs_module._store

    def recording(job_id, *, wait=True, **values):
        if "message" in values:
            stored_messages.append(jobs_module.readable(values["message"]))
        return real(job_id, wait=wait, **values)

    monkeypatch.setattr(jobs_module, "_store", recording)
    r = admin_client.submit("/files/import", {"file": (io.BytesIO(gzip.compress(json.dumps(data).encode())), "p.json.gz")},
                            content_type="multipart/form-data")
    assert r.status_code == 302, text_of(r)
    run_pending_jobs()
    assert "Kontrollerer radene" in stored_messages and any(m.startswith("Legger inn") for m in stored_messages)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Process)) == 2
