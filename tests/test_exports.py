"""Exports: inputs as CSV/XLSX through a background job, and a whole process as JSON with its import."""

from __future__ import annotations

import csv
import gzip
import io
import json
import secrets
from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from hearing import create_app, jobs
from hearing.content import content
from hearing.exports import backup, services
from hearing.extensions import db
from hearing.models import (
    Activity,
    Answer,
    Assessment,
    AuditEvent,
    Base,
    ContentTranslation,
    Draft,
    ExportFile,
    FocusArea,
    Goal,
    HearingReport,
    Indicator,
    Input,
    Invitation,
    Job,
    Measure,
    Process,
    Prompt,
    StakeholderGroup,
    Strategy,
    Submission,
    ThemeAssignment,
    ThemeRun,
    User,
    utcnow,
)
from tests.conftest import PASSWORD, Client, hidden_fields, text_of
from tests.test_translations import compiled  # noqa: F401  (fixture: the .mo files are current)

SECRET_PHONE = "912 34 567"


@pytest.fixture
def world(make_process, make_activity, make_submission, make_themes, make_user):
    """A process with a bit of everything: phases, groups, activities, a document, responses, themes, a draft."""
    admin = db.session.scalar(sa.select(User).where(User.role == "admin")) or make_user("admin")
    process = make_process(name="Strategiplan Mestring og helse", retention_months=24)
    phase = process.phases[0]
    survey = make_activity("survey", process=process, phase=phase, title="Spørreundersøkelse",
                           opens_dt=utcnow() - timedelta(days=30), closes_dt=utcnow() - timedelta(days=1),
                           groups=[("Eldrerådet", "council"), ("Innbyggere", "citizens")],
                           prompts=["Hva er viktigst for deg?", {"text": "Hvor fornøyd er du?", "question_type": "rating"}])
    (council, citizens), (prompt, rating) = process.groups, survey.prompts
    survey.groups = [citizens]
    hearing_act = make_activity(process=process, phase=phase, title="Høring på utkast 1", sections=[("Hjemmetjenesten", "Tekst")],
                                opens_dt=None, closes_dt=None)
    doc, (section,) = hearing_act.document, hearing_act.document.sections
    doc.title, section.number = "Utkast 1", "2.1"
    workshop = make_activity("workshop", process=process, phase=process.phases[1], title="Verksted")
    invitation = Invitation(activity_id=hearing_act.id, group_id=council.id, body_name="Eldrerådet",
                            token_hash=secrets.token_hex(32), created_by_id=admin.id)
    db.session.add(invitation)
    db.session.flush()
    late = make_submission(survey, [{"text": f"Ring meg på {SECRET_PHONE} om hjemmetjenesten og ventetid",
                                     "prompt_id": prompt.id, "lang": "nb"}],
                           group_id=citizens.id, respondent_name="Kari Nordmann", is_late=True, consent="without_name")
    body = make_submission(hearing_act, [{"text": '=HYPERLINK("http://x") Eldrerådet vil ha flere dagsenterplasser', "lang": "nb"}],
                           section=section, invitation_id=invitation.id, group_id=council.id, on_behalf_of="Eldrerådet",
                           meeting_date=date(2026, 3, 2), case_reference="26/123", consent="not_published")
    db.session.add(Answer(submission_id=late.id, prompt_id=rating.id, rating=4))
    (i1,), (i2,) = late.inputs, body.inputs
    i3 = Input(activity_id=workshop.id, source="workshop", table_label="Bord 3", author_id=admin.id, lang="nn",
               text="Meir tid til kvar brukar i heimetenesta")
    i4 = Input(activity_id=workshop.id, source="workshop", table_label="Bord 1", lang="nb", text="+ flere hender i helsa")
    db.session.add_all([i3, i4])
    db.session.flush()
    i4.duplicate_of_id = i3.id
    run = make_themes(process, [({"auto_label": "hjemmetjeneste tid", "name": "Tid i hjemmetjenesten", "terms": ["tid"],
                                  "quote_input_ids": [i1.id, i3.id]}, [i1, i3, i4]),
                                ({"auto_label": "dagsenter", "terms": ["dagsenter"], "quote_input_ids": [i2.id]}, [i2])])
    run.created_by_id, run.params, run.stats = admin.id, {"n_themes": 2}, {"n_inputs": 4}
    t1, _t2 = run.themes
    placed = {a.input_id: a for a in db.session.scalars(sa.select(ThemeAssignment))}
    placed[i3.id].source, placed[i3.id].is_pinned, placed[i3.id].assigned_by_id = "manual", True, admin.id  # put there by hand
    placed[i2.id].suggested_theme_id = t1.id
    draft1 = Draft(process_id=process.id, number=1, title="Strategiutkast 1", created_by_id=admin.id)
    db.session.add(draft1)
    db.session.flush()
    draft2 = Draft(
        process_id=process.id,
        number=2,
        title="Strategiutkast 2",
        based_on_id=draft1.id,
        hearing_activity_id=hearing_act.id,
    )
    db.session.add(draft2)
    db.session.flush()
    doc.draft_id = draft2.id
    area = FocusArea(
        draft_id=draft2.id, position=1, title="Mestring hjemme", current_state="Her er vi", theme_id=t1.id
    )
    db.session.add(area)
    db.session.flush()
    goal = Goal(focus_area_id=area.id, position=1, text="Flere bor trygt hjemme")
    strategy = Strategy(focus_area_id=area.id, position=1, text="Mer tid hos brukeren")
    db.session.add_all([goal, strategy])
    db.session.flush()
    db.session.add(
        Indicator(goal_id=goal.id, name="Andel hjemmeboende", baseline="62 %", target="70 %", source="SSB")
    )
    measure = Measure(
        strategy_id=strategy.id,
        position=1,
        text="Faste team i hjemmetjenesten",
        owner="Enhetsleder",
        deadline=date(2027, 6, 1),
    )
    strategy.inputs = [i1, i3]
    measure.inputs = [i1, i3]
    db.session.add(measure)
    db.session.flush()
    db.session.add_all(
        [
            Assessment(
                input_id=i1.id,
                decision="adopted",
                reason="Tatt inn i satsningsområde 1",
                draft_id=draft2.id,
                focus_area_id=area.id,
                theme_id=t1.id,
                assessed_by_id=admin.id,
            ),
            Assessment(input_id=i2.id, decision="partly", reason="Delvis"),
            HearingReport(
                process_id=process.id,
                activity_id=hearing_act.id,
                run_id=run.id,
                draft_id=draft2.id,
                title="Vi spurte – dere svarte – vi gjorde",
                introduction="Vi spurte",
            ),
        ]
    )
    # titles written in other languages (content_translations: keyed by object type and id)
    db.session.add_all(
        [
            ContentTranslation(object_type="process", object_id=process.id, field="name", lang="en",
                               text="Strategy plan for coping and health"),
            ContentTranslation(object_type="phase", object_id=phase.id, field="description", lang="da",
                               text="Hvor står vi i dag?"),
            ContentTranslation(object_type="group", object_id=council.id, field="name", lang="nn", text="Eldrerådet (nn)"),
            ContentTranslation(object_type="activity", object_id=survey.id, field="title", lang="en", text="Survey"),
            ContentTranslation(object_type="document", object_id=doc.id, field="title", lang="da", text="Udkast 1"),
        ]
    )
    db.session.commit()
    return process


def _login(client, user):
    assert client.login(user.email).status_code == 302
    return client


def _request_export(client, process, data) -> Job:
    url = f"/files/processes/{process.id}"
    response = client.submit(url, data)
    assert response.status_code == 302, text_of(response)
    return db.session.scalar(sa.select(Job).order_by(Job.id.desc()))


def _download(client, job: Job):
    response = client.get(f"/files/jobs/{job.id}/download")
    assert response.status_code == 200, response.status_code
    return response


# --- inputs as CSV and XLSX -------------------------------------------------------------------


def test_reviewer_exports_csv_and_xlsx_with_the_same_masked_rows(world, client, make_user):
    reviewer = make_user("reviewer")
    _login(client, reviewer)
    page = client.get(f"/files/processes/{world.id}")
    assert page.status_code == 200
    assert "originalteksten" not in text_of(page)  # reviewers are not offered the original text

    csv_job = _request_export(client, world, {"format": "csv", "include_original": "y"})
    xlsx_job = _request_export(client, world, {"format": "xlsx"})
    assert csv_job.kind == "exports.inputs" and csv_job.payload["include_original"] is False
    # the file is made by the worker, not in the request: the page shows the progress meanwhile
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ExportFile)) == 0
    page = text_of(client.get(f"/files/processes/{world.id}"))
    assert "Fremdrift" in page and "Oppdater" in page
    status = client.get(f"/files/jobs/{csv_job.id}/status").get_json()
    assert status["status"] == "queued" and status["finished"] is False
    assert jobs.run_pending_jobs() == 2
    assert client.get(f"/files/jobs/{csv_job.id}/status").get_json()["finished"] is True

    raw_csv = _download(client, csv_job)
    assert raw_csv.mimetype == "text/csv"
    assert (
        "attachment" in raw_csv.headers["Content-Disposition"]
        and ".csv" in raw_csv.headers["Content-Disposition"]
    )
    data = raw_csv.get_data()
    assert data.startswith(b"\xef\xbb\xbf")  # BOM: Excel reads UTF-8
    csv_rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline=""), delimiter=";"))
    header, body = csv_rows[0], csv_rows[1:]
    assert tuple(header) == services.HEADERS and len(body) == 4
    text_col = header.index("Tekst")
    texts = [r[text_col] for r in body]
    assert not any(SECRET_PHONE in t for t in texts) and any("[telefon]" in t for t in texts)
    # formula injection neutralised
    assert any(t.startswith("'=HYPERLINK") for t in texts) and any(t.startswith("'+ flere") for t in texts)
    by_id = {int(r[0]): dict(zip(header, r, strict=True)) for r in body}
    first = by_id[min(by_id)]
    assert first["For sent"] == "Ja" and first["Tema"] == "Tid i hjemmetjenesten"
    assert first["Vurdering"] == "Tatt til følge" and first["Begrunnelse"] == "Tatt inn i satsningsområde 1"
    assert (
        first["Spørsmål eller avsnitt"] == "Hva er viktigst for deg?"
        and first["Interessentgruppe"] == "Innbyggere"
    )
    assert first["Fase"] == world.phases[0].name and first["Respondent"] == "Privatperson"
    council = next(r for r in by_id.values() if r["Interessentgruppe"] == "Eldrerådet")
    assert (
        council["Spørsmål eller avsnitt"] == "2.1 Hjemmetjenesten"
        and council["Respondent"] == "På vegne av et organ"
    )
    assert council["Vurdering"] == "Delvis tatt til følge" and council["Tema"] == "dagsenter"
    note = next(r for r in by_id.values() if r["Bord/gruppe"] == "Bord 3")
    assert note["Kilde"] == "Verksted og møter" and note["Språk"] == "Nynorsk" and note["Svar-ID"] == ""

    raw_xlsx = _download(client, xlsx_job).get_data()
    sheet = load_workbook(io.BytesIO(raw_xlsx)).active
    assert sheet.freeze_panes == "A2" and sheet["A1"].font.bold
    assert sheet.column_dimensions["S"].width == 80  # the text column is wide
    xlsx_rows = [["" if v is None else str(v) for v in row] for row in sheet.iter_rows(values_only=True)]
    assert xlsx_rows == csv_rows  # the XLSX round-trips with the same rows as the CSV
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)  # no formulas at all


def test_admin_may_include_the_original_text_and_it_is_audited(world, admin_client):
    page = text_of(admin_client.get(f"/files/processes/{world.id}"))
    assert "Ta med originalteksten" in page and "Sikkerhetskopi" in page
    job = _request_export(admin_client, world, {"format": "csv", "include_original": "y"})
    jobs.run_pending_jobs()
    data = _download(admin_client, job).get_data().decode("utf-8-sig")
    assert str(services.ORIGINAL_HEADER) in data and SECRET_PHONE in data
    actions = set(db.session.scalars(sa.select(AuditEvent.action)))
    assert {"export.inputs_original", "export.download"} <= actions


def test_only_the_person_who_asked_or_an_admin_downloads(world, client, make_user, app):
    owner, other = make_user("reviewer"), make_user("reviewer")
    _login(client, owner)
    job = _request_export(client, world, {"format": "xlsx"})
    jobs.run_pending_jobs()
    other_client = Client(app.test_client())
    _login(other_client, other)
    assert other_client.get(f"/files/jobs/{job.id}/download").status_code == 404
    assert other_client.get(f"/files/jobs/{job.id}/status").status_code == 404
    assert f"/files/jobs/{job.id}/download" not in other_client.get(f"/files/processes/{world.id}").get_data(
        as_text=True
    )
    admin = make_user("admin")
    admin_client = Client(app.test_client())
    _login(admin_client, admin)
    assert admin_client.get(f"/files/jobs/{job.id}/download").status_code == 200
    facilitator = Client(app.test_client())
    _login(facilitator, make_user("facilitator"))
    assert facilitator.get(f"/files/processes/{world.id}").status_code == 403


def test_double_click_makes_one_export_and_reviewer_cannot_back_up(world, client, make_user):
    _login(client, make_user("reviewer"))
    url = f"/files/processes/{world.id}"
    fields = hidden_fields(client.get(url).get_data(as_text=True))
    fields["format"] = "csv"
    assert client.post(url, data=fields).status_code == 302
    assert client.post(url, data=fields).status_code == 302
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Job)) == 1
    assert client.post(f"/files/processes/{world.id}/backup", data=fields).status_code == 403
    bad = client.submit(url, {"format": "pdf"})
    assert bad.status_code == 200 and "Filformat" in text_of(bad)


def test_old_files_are_purged(world, admin_client, runner_app=None):
    job = _request_export(admin_client, world, {"format": "csv"})
    jobs.run_pending_jobs()
    stored = db.session.scalar(sa.select(ExportFile))
    stored.created_dt = utcnow() - timedelta(days=30)
    db.session.commit()
    result = admin_client.raw.application.test_cli_runner().invoke(args=["privacy", "purge"])
    assert result.exit_code == 0, result.output
    assert "1" in result.output and db.session.scalar(sa.select(sa.func.count()).select_from(ExportFile)) == 0
    response = admin_client.get(f"/files/jobs/{job.id}/download", follow_redirects=True)
    assert "Filen finnes ikke" in text_of(response)
    assert "Filen er slettet" in text_of(admin_client.get(f"/files/processes/{world.id}"))


# --- whole process as JSON --------------------------------------------------------------------


def canonical(data: dict) -> dict:
    """The backup with every id replaced by the row's place in its table, so two installations compare."""
    tables = data["tables"]
    rank = {
        name: {row["id"]: n for n, row in enumerate(rows)}
        for name, rows in tables.items()
        if rows and "id" in rows[0]
    }
    out = {}
    for name, rows in tables.items():
        table = Base.metadata.tables[name]
        fks = {c.name: next(iter(c.foreign_keys)).column.table.name for c in table.columns if c.foreign_keys}
        canon = []
        for row in rows:
            item = {}
            for key, value in row.items():
                if key == "id":
                    continue
                if key in fks and fks[key] in rank and value is not None:
                    value = rank[fks[key]][value]
                if name in backup.KEYED_TABLES and key == backup.KEYED_TABLES[name][1]:
                    type_column, _id_column, targets = backup.KEYED_TABLES[name]
                    value = (row[type_column], rank[targets[row[type_column]]][value])
                if (name, key) in backup.ID_LISTS:
                    value = [rank["inputs"][v] for v in value]
                if (name, key) == ("attachments", "storage_name"):
                    value = "*"
                item[key] = value
            canon.append(item)
        out[name] = (
            sorted(canon, key=lambda r: json.dumps(r, sort_keys=True)) if "id" not in table.c else canon
        )
    return out


def _backup_via_ui(admin_client, process) -> dict:
    response = admin_client.submit(
        f"/files/processes/{process.id}", action=f"/files/processes/{process.id}/backup"
    )
    assert response.status_code == 302
    job = db.session.scalar(sa.select(Job).order_by(Job.id.desc()))
    assert job.kind == "exports.process_json"
    jobs.run_pending_jobs()
    db.session.refresh(job)
    assert job.status == "done", job.error
    raw = _download(admin_client, job)
    assert raw.mimetype == "application/gzip"  # compressed, and kept on disk rather than in the database
    stored = db.session.scalar(sa.select(ExportFile).where(ExportFile.job_id == job.id))
    assert stored.data is None and stored.storage_name and stored.size == len(raw.get_data())
    return backup.loads(raw.get_data())  # JSON lines, read whole here


def test_every_table_is_in_the_backup_or_deliberately_left_out():
    assert set(Base.metadata.tables) == set(backup.ALL_TABLE_NAMES) | backup.NOT_IN_BACKUP


def test_backup_import_into_a_fresh_installation_and_back(world, admin_client, databases, tmp_path):
    first = _backup_via_ui(admin_client, world)
    assert first["format"] == backup.FORMAT and first["format_version"] == backup.FORMAT_VERSION
    assert first["counts"]["inputs"] == 4 and first["counts"]["measure_inputs"] == 2
    # the backup holds the original text (it is for administrators)
    assert any(SECRET_PHONE in row["text"] for row in first["tables"]["inputs"])
    admin_email = admin_client.user.email
    staff = [(u.email, u.name, u.role) for u in db.session.scalars(sa.select(User))]
    world_name = world.name  # read here: inside the other app a lazy load would borrow the other app's engine
    source_texts = {m.text: sorted(i.text for i in m.inputs) for m in db.session.scalars(sa.select(Measure))}

    other_url = databases.new(tmp_path)
    other = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": other_url,
            "SECRET_KEY": "other",
            "UPLOAD_FOLDER": str(tmp_path / "other-uploads"),
            "JOBS_LOCAL_WORKER": False,
        }
    )
    with other.app_context():
        from hearing.admin.services import create_user

        for email, name, role in staff:  # the same staff accounts, so references to people carry over
            create_user(db.session, None, {"email": email, "name": name, "role": role, "password": PASSWORD})
        db.session.commit()
        client = Client(other.test_client())
        assert client.login(admin_email).status_code == 302
        page = client.get("/files/import")
        assert page.status_code == 200 and "personopplysninger" in text_of(page)
        response = client.submit(
            "/files/import",
            {"file": (io.BytesIO(json.dumps(first).encode()), "prosess.json")},
            content_type="multipart/form-data",
        )
        assert response.status_code == 302, text_of(response)
        assert jobs.run_pending_jobs(other) == 1
        job = db.session.scalar(sa.select(Job).where(Job.kind == "exports.process_import"))
        assert job.status == "done", job.error
        imported = db.session.get(Process, job.result["process_id"])
        assert imported.name == world_name
        assert (
            db.session.scalar(sa.select(sa.func.count()).select_from(ExportFile)) == 0
        )  # the upload is gone
        assert imported.name in text_of(client.get("/files/import"))
        # a measure still links to the same input texts; the masked text travelled too
        assert {
            m.text: sorted(i.text for i in m.inputs) for m in db.session.scalars(sa.select(Measure))
        } == source_texts
        assert (
            db.session.scalar(sa.select(Input).where(Input.text.contains(SECRET_PHONE))).text_masked.count(
                "[telefon]"
            )
            == 1
        )
        second = backup.export_process(db.session, imported)
        db.session.commit()

        # importing the same backup again is refused with a clear message, before anything is queued
        again = client.submit(
            "/files/import",
            {"file": (io.BytesIO(json.dumps(first).encode()), "prosess.json")},
            content_type="multipart/form-data",
        )
        assert again.status_code == 200 and "finnes allerede" in text_of(again)
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Process)) == 1
        db.session.remove()
        db.engine.dispose()
    databases.drop(other_url)

    assert second["counts"] == first["counts"]
    assert second["process_uid"] == first["process_uid"]
    assert canonical(second) == canonical(first)


def test_content_translations_travel_with_the_backup_and_point_at_the_new_rows(world, app, make_process):
    other = make_process(name="Annen prosess")
    db.session.add(ContentTranslation(object_type="process", object_id=other.id, field="name", lang="en",
                                      text="Another process"))
    db.session.commit()
    data = backup.export_process(db.session, world)
    db.session.commit()
    rows = data["tables"]["content_translations"]
    assert data["counts"]["content_translations"] == len(rows) >= 5
    owned = {("process", world.id)} | {("phase", p.id) for p in world.phases} | {("group", g.id) for g in world.groups}
    owned |= {("activity", a.id) for a in world.activities} | {("document", a.document.id) for a in world.activities if a.document}
    assert {(r["object_type"], r["object_id"]) for r in rows} <= owned  # another process's titles stay out
    assert "Another process" not in {r["text"] for r in rows}
    before = db.session.scalar(sa.select(sa.func.count()).select_from(ContentTranslation))

    data["process_uid"] = "d" * 32  # a second copy in the same installation: every id is new
    copy = backup.import_process(db.session, None, data)
    db.session.commit()
    phase = copy.phases[0]
    council = next(g for g in copy.groups if g.name == "Eldrerådet")
    survey = next(a for a in copy.activities if a.kind == "survey")
    doc = next(a for a in copy.activities if a.kind == "hearing").document
    assert content(copy, "name", "en") == "Strategy plan for coping and health"
    assert content(phase, "description", "da") == "Hvor står vi i dag?"
    assert content(phase, "name", "en") == "Where we are"  # the standard phase names came along too
    assert content(council, "name", "nn") == "Eldrerådet (nn)"
    assert content(survey, "title", "en") == "Survey"
    assert content(doc, "title", "da") == "Udkast 1"
    assert content(copy, "name", "da") == copy.name  # none written: the process's own, as before
    # the original's rows are untouched, and the copy has its own
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ContentTranslation)) == before + len(rows)
    again = backup.export_process(db.session, copy)
    assert canonical(again)["content_translations"] == canonical(data)["content_translations"]

    # a backup made before translations travelled (no such table) still imports
    del data["tables"]["content_translations"]
    data["process_uid"] = "c" * 32
    backup.import_process(db.session, None, data)
    db.session.commit()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ContentTranslation)) == before + len(rows)


def test_import_remaps_and_avoids_taken_values_in_the_same_installation(world, app):
    data = backup.export_process(db.session, world)
    db.session.commit()
    with pytest.raises(backup.BackupError, match="finnes allerede"):
        backup.import_process(db.session, None, data)
    data["process_uid"] = "f" * 32  # pretend it is another process with the same rows
    copy = backup.import_process(db.session, None, data)
    db.session.commit()
    assert copy.id != world.id and copy.slug != world.slug and copy.slug.startswith(world.slug)
    old_ids = {
        i.id
        for i in db.session.scalars(sa.select(Input).join(Activity).where(Activity.process_id == world.id))
    }
    new_inputs = db.session.scalars(
        sa.select(Input).join(Activity).where(Activity.process_id == copy.id)
    ).all()
    assert len(new_inputs) == 4 and not old_ids & {i.id for i in new_inputs}
    new_ids = {i.id for i in new_inputs}
    dup = next(i for i in new_inputs if i.duplicate_of_id)
    assert dup.duplicate_of_id in new_ids
    run = db.session.scalar(sa.select(ThemeRun).where(ThemeRun.process_id == copy.id))
    assert all(set(t.quote_input_ids) <= new_ids for t in run.themes)
    draft2 = db.session.scalar(sa.select(Draft).where(Draft.process_id == copy.id, Draft.number == 2))
    assert draft2.based_on_id and db.session.get(Draft, draft2.based_on_id).process_id == copy.id
    assert db.session.get(Activity, draft2.hearing_activity_id).process_id == copy.id
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Submission)) == 4


@pytest.mark.parametrize(
    "content, message",
    [
        (b"not json", "ikke gyldig JSON"),
        (b"\xff\xfe\x00", "UTF-8"),
        (json.dumps({"format": "something"}).encode(), "ikke en sikkerhetskopi"),
        (
            json.dumps(
                {"format": backup.FORMAT, "format_version": 99, "process_uid": "a" * 32, "tables": {}}
            ).encode(),
            "formatversjon 99",
        ),
        (
            json.dumps(
                {
                    "format": backup.FORMAT,
                    "format_version": 1,
                    "process_uid": "a" * 32,
                    "tables": {"processes": []},
                }
            ).encode(),
            "nøyaktig én prosess",
        ),
    ],
)
def test_a_bad_file_gets_a_clear_norwegian_message(admin_client, content, message):
    response = admin_client.submit(
        "/files/import", {"file": (io.BytesIO(content), "x.json")}, content_type="multipart/form-data"
    )
    assert response.status_code == 200
    assert message in text_of(response)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Job)) == 0


def test_import_is_for_administrators_only(client, make_user):
    _login(client, make_user("reviewer"))
    assert client.get("/files/import").status_code == 403


def _inputs_of(process_id: int) -> list[tuple]:
    """What a process holds of each input: its texts, language, channel, group, question and activity."""
    q = (sa.select(Input.text, Input.text_masked, Input.lang, Input.source, StakeholderGroup.name, Prompt.text,
                   Activity.title)
         .join(Activity, Activity.id == Input.activity_id)
         .outerjoin(StakeholderGroup, StakeholderGroup.id == Input.group_id)
         .outerjoin(Prompt, Prompt.id == Input.prompt_id)
         .where(Activity.process_id == process_id))
    return sorted(db.session.execute(q).all(), key=repr)


@pytest.mark.parametrize("name", ["prosess.json", "prosess.json.gz"])
def test_cli_export_writes_what_the_import_reads(world, app, tmp_path, name):
    """``flask process export`` writes the backup job's layout (JSON lines, gzip for .gz) that a restore reads a
    row at a time, and exporting then importing gives the same inputs."""
    runner = app.test_cli_runner()
    before = _inputs_of(world.id)
    out = tmp_path / name
    result = runner.invoke(args=["process", "export", str(world.id), "-o", str(out)])
    assert result.exit_code == 0, result.output
    opened = gzip.open(out, "rt", encoding="utf-8") if name.endswith(".gz") else open(out, encoding="utf-8")  # noqa: SIM115
    with opened as f:
        lines = f.read().splitlines()
    head = json.loads(lines[0])
    assert head["layout"] == backup.LINES and head["format_version"] == backup.FORMAT_VERSION
    assert sum(json.loads(line).get("t") == "inputs" for line in lines[1:]) == len(before) == 4
    result = runner.invoke(args=["process", "import", str(out)])
    assert result.exit_code != 0 and "finnes allerede" in result.output
    # the same file in another installation: there the process is new
    head["process_uid"] = "e" * 32
    text = "\n".join([json.dumps(head, ensure_ascii=False), *lines[1:]]) + "\n"
    if name.endswith(".gz"):
        out.write_bytes(gzip.compress(text.encode("utf-8")))
    else:
        out.write_text(text, "utf-8")
    result = runner.invoke(args=["process", "import", str(out)])
    assert result.exit_code == 0, result.output
    copy = db.session.scalar(sa.select(Process).order_by(Process.id.desc()))
    assert copy.id != world.id and _inputs_of(copy.id) == before
    bad = tmp_path / "bad.json"
    bad.write_text("{}", "utf-8")
    result = runner.invoke(args=["process", "import", str(bad)])
    assert result.exit_code != 0 and "ikke en sikkerhetskopi" in result.output


def test_safe_cell():
    assert services.safe_cell("=1+1") == "'=1+1"
    assert services.safe_cell("@SUM(A1)") == "'@SUM(A1)"
    assert services.safe_cell("-5 grader") == "'-5 grader"
    assert services.safe_cell("Vanlig tekst") == "Vanlig tekst"
    assert services.safe_cell("kontroll\x01tegn") == "kontrolltegn"
    assert services.safe_cell(True) == "Ja" and services.safe_cell(None) == "" and services.safe_cell(7) == 7


def test_export_time_is_local(world):
    stamp = services._local(datetime(2026, 6, 1, 10, 0, tzinfo=UTC))
    assert stamp == "2026-06-01 12:00"


@pytest.mark.usefixtures("compiled")
def test_the_inputs_file_is_written_in_the_language_of_the_page_that_asked(world, client, make_user):
    _login(client, make_user("reviewer"))
    client.get(f"/files/processes/{world.id}?lang=en")
    en_job = _request_export(client, world, {"format": "csv"})
    assert en_job.payload["lang"] == "en"
    client.get(f"/files/processes/{world.id}?lang=da")
    da_job = _request_export(client, world, {"format": "xlsx"})
    assert da_job.payload["lang"] == "da"
    jobs.run_pending_jobs()

    rows = list(csv.reader(io.StringIO(_download(client, en_job).get_data().decode("utf-8-sig"), newline=""), delimiter=";"))
    header = rows[0]
    assert header[:3] == ["Input ID", "Response ID", "Reference"] and "Text" in header and "Tekst" not in header
    by_id = {int(r[0]): dict(zip(header, r, strict=True)) for r in rows[1:]}
    first = by_id[min(by_id)]
    assert first["Late"] == "Yes" and first["Respondent"] == "Private individual"
    assert first["Activity"] == "Survey"  # the title staff wrote in English (content_translations)
    assert first["Assessment"] == "Accepted"
    note = next(r for r in by_id.values() if r["Table/group"] == "Bord 3")
    assert note["Source"] == "Workshops and meetings" and note["Language"] == "Nynorsk"

    sheet = load_workbook(io.BytesIO(_download(client, da_job).get_data())).active
    da_rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert da_rows[0][:2] == ["Input-ID", "Svar-ID"] and "Spørgsmål eller afsnit" in da_rows[0]
    assert sheet.column_dimensions["S"].width == 80  # the wide text column found in Danish too
    assert sheet.title != "Innspill"
