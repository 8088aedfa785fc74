"""Re-import, dry run, group values, undo and the background import, with files shaped like real exports.

Microsoft Forms (.xlsx and Excel's semicolon CSV with BOM), Google Forms (CSV with "Tidsmerke", and the
same answers downloaded from Sheets as .xlsx), Questback (Windows-1252 semicolon CSV with "Respondent ID"),
Nettskjema (CSV with "$submission_id" and "Innsendt") and SurveyXact (Danish .xlsx with "respondentid" and
"closetime").
"""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from flask import current_app
from openpyxl import Workbook, load_workbook

from hearing.extensions import db
from hearing.imports import files, services
from hearing.imports.views import _guess
from hearing.jobs import recover_stale_jobs, run_pending_jobs
from hearing.models import (
    Activity,
    Answer,
    AuditEvent,
    GroupValue,
    ImportChange,
    ImportedRow,
    ImportRun,
    Input,
    Job,
    Prompt,
    StakeholderGroup,
    Submission,
)
from tests.conftest import hidden_fields, text_of
from tests.test_imports import dry_run

ZONE = ZoneInfo("Europe/Oslo")
RATING_Q = "Hvor godt dekker strategiene utfordringene i din enhet?"
TEXT_Q = "Hva mangler i strategiene?"
GOOD_Q = "Hva fungerer godt i dag?"

FORMS_HEADER = ["ID", "Starttidspunkt", "Fullføringstidspunkt", "E-post", "Navn", "Rolle", RATING_Q, TEXT_Q, GOOD_Q]
FORMS_ROWS = [
    [1, datetime(2026, 1, 15, 9, 1, 10), datetime(2026, 1, 15, 9, 5, 12), "anonymous", "Åse Ødegård", "Leder", 4,
     "Mer tid til pårørende", "Samarbeidet med fastlegene"],
    [2, datetime(2026, 1, 15, 10, 0, 0), datetime(2026, 1, 15, 10, 2, 0), "anonymous", "Per Ås", "Ansatt", 2,
     "Flere hender i helgene.\nOg bedre opplæring.", ""],
    [3, datetime(2026, 1, 15, 11, 0, 0), datetime(2026, 1, 15, 11, 1, 0), "anonymous", "Kari", "Tillitsvalgt", 5,
     "Heltidskultur", "Turnusen"],
]


def forms_xlsx(rows=FORMS_ROWS) -> bytes:
    """Microsoft Forms' own download: one sheet, real dates and numbers."""
    wb = Workbook()
    ws = wb.active
    ws.title = "Sheet1"
    ws.append(FORMS_HEADER)
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def forms_csv(rows=FORMS_ROWS) -> bytes:
    """The same download opened in Norwegian Excel and saved as CSV: BOM, semicolons, dates as shown."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(FORMS_HEADER)
    for row in rows:
        writer.writerow([v.strftime("%d.%m.%Y %H:%M:%S") if isinstance(v, datetime) else v for v in row])
    return out.getvalue().encode("utf-8-sig")


@pytest.fixture
def survey(app, make_process):
    process = make_process()
    for name in ("Ledere", "Ansatte", "Tillitsvalgte"):
        db.session.add(StakeholderGroup(process=process, name=name, category="employees"))
    activity = Activity(process=process, kind="survey", title="Spørreundersøkelse til enhetsledere")
    activity.prompts = [
        Prompt(position=1, text=RATING_Q, question_type="rating"),
        Prompt(position=2, text=TEXT_Q, question_type="free_text"),
        Prompt(position=3, text=GOOD_Q, question_type="free_text"),
    ]
    db.session.add(activity)
    db.session.commit()
    return activity


def prompt(activity, text) -> Prompt:
    return next(p for p in activity.prompts if p.text == text)


def count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def run(activity, data, name, targets, *, group_values=None, default_group_id=None):
    table = files.read_table(data, name)
    mapping = services.build_mapping(activity, table, targets, default_group_id, group_values)
    return services.import_rows(db.session, None, activity, table, name, mapping, zone=ZONE,
                                now=datetime(2026, 3, 1, tzinfo=UTC))


def forms_targets(activity, *, good=False):
    targets = {2: services.TIME, 4: services.NAME, 6: f"prompt:{prompt(activity, RATING_Q).id}",
               7: f"prompt:{prompt(activity, TEXT_Q).id}"}
    if good:
        targets[8] = f"prompt:{prompt(activity, GOOD_Q).id}"
    return targets


# --- identity --------------------------------------------------------------------------------------


def test_csv_then_xlsx_of_the_same_forms_export_stores_each_response_once(survey):
    first = run(survey, forms_csv(), "svar.csv", forms_targets(survey))
    assert (first.rows, first.inputs, first.answers) == (3, 3, 3)
    source = db.session.scalars(sa.select(ImportedRow).order_by(ImportedRow.id)).all()
    assert [r.row_id for r in source] == ["ID=1", "ID=2", "ID=3"] and {r.file_kind for r in source} == {"csv"}
    again = run(survey, forms_xlsx(), "svar.xlsx", forms_targets(survey))
    assert (again.rows, again.updated, again.duplicates) == (0, 0, 3)
    assert (count(Submission), count(Input), count(Answer)) == (3, 3, 3)


def test_one_more_column_mapped_adds_its_answers_to_the_same_responses(survey):
    run(survey, forms_xlsx(), "svar.xlsx", forms_targets(survey))
    more = run(survey, forms_xlsx(), "svar.xlsx", forms_targets(survey, good=True))
    assert (more.rows, more.updated, more.duplicates) == (0, 2, 1)  # row 2 has no answer in the new column
    assert count(Submission) == 3
    good = prompt(survey, GOOD_Q)
    assert sorted(db.session.scalars(sa.select(Input.text).where(Input.prompt_id == good.id))) == [
        "Samarbeidet med fastlegene", "Turnusen"]


def test_an_answer_edited_in_forms_updates_its_response_audited_and_undoable(survey):
    run(survey, forms_xlsx(), "mandag.xlsx", forms_targets(survey))
    edited = [list(r) for r in FORMS_ROWS]
    edited[1][7] = "Flere hender i helgene, særlig om natta."
    edited[1][2] = datetime(2026, 1, 16, 8, 0, 0)  # Forms moves the completion time of an edited answer
    later = run(survey, forms_csv(edited), "onsdag.csv", forms_targets(survey))
    assert (later.rows, later.updated, later.duplicates) == (0, 1, 2)
    assert count(Submission) == 3
    sub = db.session.scalar(sa.select(Submission).where(Submission.respondent_name == "Per Ås"))
    assert [i.text for i in sub.inputs] == ["Flere hender i helgene, særlig om natta."]
    audit = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "import.update")).all()
    assert len(audit) == 1 and audit[0].data["submission_id"] == sub.id and TEXT_Q in audit[0].data["changed"]
    assert count(ImportChange) == 1

    last = db.session.scalar(sa.select(ImportRun).order_by(ImportRun.id.desc()))
    first = db.session.scalar(sa.select(ImportRun).order_by(ImportRun.id))
    with pytest.raises(services.UndoError, match="senere import"):
        services.undo_run(db.session, None, first)
    assert services.undo_run(db.session, None, last) == {"deleted": 0, "restored": 1}
    db.session.commit()
    db.session.expire_all()
    sub = db.session.get(Submission, sub.id)
    assert [i.text for i in sub.inputs] == ["Flere hender i helgene.\nOg bedre opplæring."]
    assert sub.submitted_dt == datetime(2026, 1, 15, 9, 2, tzinfo=UTC)
    assert services.undo_run(db.session, None, db.session.get(ImportRun, first.id)) == {"deleted": 3, "restored": 0}
    db.session.commit()
    assert (count(Submission), count(Input), count(Answer), count(ImportedRow)) == (0, 0, 0, 0)


def test_google_forms_csv_and_the_sheets_xlsx_download_match_without_an_id(survey):
    text = prompt(survey, TEXT_Q)
    header = ["Tidsmerke", "Hvilken gruppe tilhører du?", TEXT_Q]
    rows = [["2026/01/20 14:03:11", "Leder", "Økt bemanning, særlig på natt"],
            ["2026/01/20 14:10:00", "Ansatt", "Velferdsteknologi må følges opp"]]
    data = ("\r\n".join(",".join(f'"{c}"' for c in r) for r in [header, *rows]) + "\r\n").encode("utf-8")
    table = files.read_table(data, "google.csv")
    assert _guess(table, survey)[0] == services.TIME
    targets = {0: services.TIME, 2: f"prompt:{text.id}"}
    assert run(survey, data, "Skjema (svar).csv", targets).rows == 2
    wb = Workbook()
    wb.active.append(header)
    for stamp, group, answer in rows:
        wb.active.append([datetime.strptime(stamp, "%Y/%m/%d %H:%M:%S"), group, answer])
    out = io.BytesIO()
    wb.save(out)
    groups = {g.name: g.id for g in survey.process.groups}
    again = run(survey, out.getvalue(), "Skjema (svar).xlsx", {0: services.TIME, 1: services.GROUP, 2: f"prompt:{text.id}"},
                group_values={"leder": groups["Ledere"], "ansatt": groups["Ansatte"]})
    assert (again.rows, again.duplicates, again.updated) == (0, 0, 2)  # only the group is new
    assert count(Submission) == 2


def test_questback_respondent_id_in_windows_1252_finds_changed_rows(survey):
    text = prompt(survey, TEXT_Q)
    header = "Respondent ID;Fullført;Kjønn;" + TEXT_Q
    data = (header + "\r\n4711;14.03.2026 10:22;Kvinne;Økt bemanning\r\n4712;14.03.2026 10:30;Mann;Færre skjema\r\n").encode("cp1252")
    table = files.read_table(data, "questback.csv")
    assert services.id_column(table) == 0 and _guess(table, survey)[1] == services.TIME
    assert run(survey, data, "questback.csv", {1: services.TIME, 3: f"prompt:{text.id}"}).rows == 2
    changed = data.replace("Færre skjema".encode("cp1252"), "Færre skjema å fylle ut".encode("cp1252"))
    changed += "4713;15.03.2026 08:00;Kvinne;Mer tid\r\n".encode("cp1252")
    result = run(survey, changed, "questback.csv", {1: services.TIME, 3: f"prompt:{text.id}"})
    assert (result.rows, result.updated, result.duplicates) == (1, 1, 1)
    assert sorted(db.session.scalars(sa.select(Input.text))) == ["Færre skjema å fylle ut", "Mer tid", "Økt bemanning"]


def test_nettskjema_and_surveyxact_ids_and_time_columns(survey):
    text = prompt(survey, TEXT_Q)
    nettskjema = ("$submission_id;$created;Innsendt;" + TEXT_Q + "\n"
                  "9001;2026-03-14 10:00:00;2026-03-14 10:05:00;Bedre kollektivtilbud\n").encode("utf-8")
    table = files.read_table(nettskjema, "nettskjema.csv")
    assert services.id_column(table) == 0 and _guess(table, survey)[2] == services.TIME
    wb = Workbook()
    wb.active.append(["respondentid", "starttime", "closetime", "Hvad mangler i strategierne?"])
    wb.active.append([123, "14-03-2026 10:00:00", "14-03-2026 10:07:00", "Mere tid til borgerne"])
    out = io.BytesIO()
    wb.save(out)
    sx = files.read_table(out.getvalue(), "surveyxact.xlsx")
    assert services.id_column(sx) == 0 and _guess(sx, survey)[2] == services.TIME
    result = run(survey, out.getvalue(), "surveyxact.xlsx", {2: services.TIME, 3: f"prompt:{text.id}"})
    assert result.rows == 1
    sub = db.session.scalar(sa.select(Submission))
    assert sub.submitted_dt == datetime(2026, 3, 14, 9, 7, tzinfo=UTC)  # 10:07 in Oslo
    assert db.session.scalar(sa.select(ImportedRow.row_id)) == "respondentid=123"


@pytest.mark.parametrize("header", ["Tidsmerke", "Tidsstempel", "Timestamp", "Starttidspunkt", "Completion time",
                                    "Fuldførelsestidspunkt", "Innsendt", "closetime"])
def test_time_columns_of_the_tools_are_recognised(survey, header):
    table = files.read_table(f"{header};{TEXT_Q}\n2026-03-14 10:00;Tekst\n".encode(), "x.csv")
    assert _guess(table, survey)[0] == services.TIME


@pytest.mark.parametrize("header, time_column", [
    # Microsoft Forms in English, Danish and Norwegian (with the time of the last change, which is not the answer's)
    ("Id,Start time,Completion time,Email,Name,Last modified time", 2),
    ("Id;Starttidspunkt;Fuldførelsestidspunkt;Mail;Navn;Tidspunkt for seneste ændring", 2),
    ("ID;Starttidspunkt;Fullføringstidspunkt;E-post;Navn;Tidspunkt for siste endring", 2),
    # Enalyzer (Danish) and Questback (Norwegian, English): the end, not the start
    ("Respondent ID;Startdato;Slutdato;Status", 2),
    ("Respondent ID;Startdato;Sluttdato;Status", 2),
    ("RespondentID;Start date;End date;Status", 2),
    # Nettskjema in English and Norwegian
    ("Submission ID;Submitted;Language", 1),
    ("Svar-ID;Innsendt;Språk", 1),
])
def test_whole_headers_of_the_tools_in_three_languages_give_id_and_time(survey, header, time_column):
    sep = "," if header.count(",") > header.count(";") else ";"
    n = len(header.split(sep))
    data = f"{header}{sep}{TEXT_Q}\n" + sep.join(["17"] + ["2026-03-14 10:00"] * (n - 1) + ["Tekst"]) + "\n"
    table = files.read_table(data.encode(), "eksport.csv")
    assert services.id_column(table) == 0
    assert [i for i, t in _guess(table, survey).items() if t == services.TIME] == [time_column]


def test_forms_completion_time_wins_over_start_time(survey):
    assert _guess(files.read_table(forms_xlsx(), "svar.xlsx"), survey)[2] == services.TIME


def test_the_same_row_twice_without_an_id_is_two_responses_and_stays_two(survey):
    text = prompt(survey, TEXT_Q)
    data = f"{TEXT_Q}\nJa takk\nJa takk\n".encode()
    assert run(survey, data, "papir.csv", {0: f"prompt:{text.id}"}).rows == 2
    assert run(survey, data, "papir.csv", {0: f"prompt:{text.id}"}).duplicates == 2


# --- reading problems ------------------------------------------------------------------------------


def test_an_unclosed_quote_is_a_warning_with_its_line():
    data = f'Navn;{TEXT_Q}\nÅse;"Mer tid\nPer;Flere hender\nKari;Bedre opplæring\n'.encode()
    table = files.read_table(data, "svar.csv")
    assert len(table.rows) == 1  # csv reads on to the end: three respondents merged
    assert any("Linje 2 har et anførselstegn" in str(w) for w in table.warnings)


def test_a_header_only_file_is_refused_with_a_message():
    with pytest.raises(files.ImportFileError, match="bare overskriftsraden"):
        files.read_table(f"Tidsmerke;{TEXT_Q}\r\n".encode(), "tom.csv")


def test_the_parsed_upload_is_kept_and_read_once(survey, app, monkeypatch):
    file_id, table = services.store_upload(app.config["UPLOAD_FOLDER"], forms_xlsx(), "svar.xlsx")
    monkeypatch.setattr(services, "read_table", lambda *a, **k: pytest.fail("read again"))
    name, again = services.load_upload(app.config["UPLOAD_FOLDER"], file_id)
    assert name == "svar.xlsx" and again.columns == table.columns and again.rows[1].cells == table.rows[1].cells


# --- group values ----------------------------------------------------------------------------------


def test_group_values_are_suggested_by_similarity_and_remembered_per_process(survey, make_user):
    table = files.read_table(forms_xlsx(), "svar.xlsx")
    groups = {g.name: g.id for g in survey.process.groups}
    found = services.group_choices(db.session, survey, table, 5)
    assert [(c.value, c.group_id, c.how) for c in found] == [
        ("Ansatt", groups["Ansatte"], "similar"), ("Leder", groups["Ledere"], "similar"),
        ("Tillitsvalgt", groups["Tillitsvalgte"], "similar")]
    values = {"ansatt": groups["Ansatte"], "leder": groups["Ledere"], "tillitsvalgt": None}  # corrected by hand
    mapping = services.build_mapping(survey, table, {**forms_targets(survey), 5: services.GROUP}, None, values)
    actor = make_user("reviewer")
    services.start_run(db.session, actor, survey, "f" * 64, "svar.xlsx", table, mapping,
                       services.settings_of({}, None, values))
    db.session.commit()
    assert {g.value: g.group_id for g in db.session.scalars(sa.select(GroupValue))} == values
    again = services.group_choices(db.session, survey, table, 5)
    assert [(c.group_id, c.how) for c in again][2] == (None, "remembered")


def test_rows_get_the_groups_their_values_were_mapped_to(survey):
    groups = {g.name: g.id for g in survey.process.groups}
    values = {"ansatt": groups["Ansatte"], "leder": groups["Ledere"], "tillitsvalgt": groups["Tillitsvalgte"]}
    result = run(survey, forms_xlsx(), "svar.xlsx", {**forms_targets(survey), 5: services.GROUP}, group_values=values)
    assert result.warnings == []
    names = dict(db.session.execute(sa.select(Submission.respondent_name, Submission.group_id)).all())
    assert names == {"Åse Ødegård": groups["Ledere"], "Per Ås": groups["Ansatte"], "Kari": groups["Tillitsvalgte"]}
    assert {i.group_id for i in db.session.scalars(sa.select(Input))} == set(groups.values())


# --- targets: new questions, language, table -------------------------------------------------------


def test_new_questions_from_columns_language_and_table(app, make_process):
    process = make_process()
    workshop = Activity(process=process, kind="workshop", title="Dialogmøte med eldrerådet")
    db.session.add(workshop)
    db.session.commit()
    data = ("Bord;Språk;Hva er viktigst for deg?\nBord 1;nynorsk;Eg vil bu heime lenge\nBord 2;dansk;Mere tid\n").encode()
    table = files.read_table(data, "lapper.csv")
    guessed = _guess(table, workshop)
    assert guessed == {0: services.TABLE, 1: services.LANG}
    result = run(workshop, data, "lapper.csv", {**guessed, 2: services.NEW})
    assert result.rows == 2
    created = db.session.scalar(sa.select(Prompt).where(Prompt.activity_id == workshop.id))
    assert created.text == "Hva er viktigst for deg?" and created.question_type == "free_text"
    notes = db.session.scalars(sa.select(Input).order_by(Input.id)).all()
    assert [(n.table_label, n.lang, n.prompt_id) for n in notes] == [("Bord 1", "nn", created.id), ("Bord 2", "da", created.id)]


# --- the background job ----------------------------------------------------------------------------


def _start(survey, make_user, data=None, name="svar.xlsx"):
    table_data = data or forms_xlsx()
    file_id, table = services.store_upload(current_app.config["UPLOAD_FOLDER"], table_data, name)
    targets = forms_targets(survey)
    mapping = services.build_mapping(survey, table, targets, None)
    actor = make_user("reviewer")
    started = services.start_run(db.session, actor, survey, file_id, name, table, mapping,
                                 services.settings_of(targets, None, {}))
    db.session.commit()
    return started


def test_the_import_runs_as_a_job_in_batches_and_goes_on_after_a_worker_restart(survey, make_user, monkeypatch):
    monkeypatch.setattr(services, "BATCH_ROWS", 1)
    started = _start(survey, make_user)
    job = started.job
    # A worker took the job, stored the first batch and died.
    monkeypatch.setattr(services, "execute_run", _one_batch_then_die)
    assert run_pending_jobs(current_app._get_current_object(), limit=1) == 1
    db.session.expire_all()
    assert (db.session.get(ImportRun, started.id).next_row, count(Submission)) == (1, 1)
    db.session.execute(sa.update(Job).where(Job.id == job.id).values(
        status="running", heartbeat_dt=datetime(2020, 1, 1, tzinfo=UTC), error=None))
    db.session.commit()
    monkeypatch.undo()
    assert recover_stale_jobs(db.session)["requeued"] == [job.id]
    run_pending_jobs(current_app._get_current_object())
    db.session.expire_all()
    done = db.session.get(ImportRun, started.id)
    assert (done.status, done.next_row, done.counts["new"], done.counts["unchanged"]) == ("done", 3, 3, 0)
    assert (count(Submission), count(ImportedRow)) == (3, 3)
    assert db.session.get(Job, job.id).status == "done"


def _one_batch_then_die(session, run, table, *, zone, progress=None, batch_rows=1):
    from hearing.models import ImportStatus

    run.status = ImportStatus.RUNNING
    mapping = services.mapping_of(run.activity, table, run.settings)
    idents = services.identities(table)
    counts = services.import_batch(session, None, run, run.activity, table, idents, mapping, 0, 1, zone=zone,
                                   now=run.created_dt)
    run.counts, run.next_row = counts, 1
    session.commit()
    raise RuntimeError("worker killed")  # stands for the process ending here


def test_a_failing_batch_undoes_the_whole_import(survey, make_user, monkeypatch):
    monkeypatch.setattr(services, "BATCH_ROWS", 1)
    started = _start(survey, make_user)
    real = services.import_batch
    calls = []

    def flaky(*args, **kwargs):
        calls.append(1)
        if len(calls) == 3:
            raise RuntimeError("database went away")
        return real(*args, **kwargs)

    monkeypatch.setattr(services, "import_batch", flaky)
    run_pending_jobs(current_app._get_current_object(), limit=1)
    db.session.expire_all()
    assert db.session.get(ImportRun, started.id).status == "failed"
    assert db.session.get(Job, started.job_id).status == "failed"
    assert (count(Submission), count(Input), count(ImportedRow)) == (0, 0, 0)


def test_progress_message_counts_rows(survey, make_user, monkeypatch):
    monkeypatch.setattr(services, "BATCH_ROWS", 2)
    started = _start(survey, make_user)
    messages = []
    table = services.load_upload(current_app.config["UPLOAD_FOLDER"], started.file_id)[1]
    services.execute_run(db.session, started, table, zone=ZONE, progress=lambda p, m: messages.append(str(m)),
                         batch_rows=2)
    assert messages == ["Importerer rad 1 av 3", "Importerer rad 3 av 3"]


# --- pages -----------------------------------------------------------------------------------------


def _upload(client, activity, data, name):
    url = f"/imports/activities/{activity.id}"
    fields = hidden_fields(client.get(url).get_data(as_text=True))
    r = client.post(url, data={**fields, "file": (io.BytesIO(data), name)}, content_type="multipart/form-data")
    assert r.status_code == 302, text_of(r)
    run_pending_jobs(current_app._get_current_object())  # the file is read in the background
    return r.location


def test_dry_run_page_shows_group_table_and_run_page_undoes(client, make_user, survey):
    client.login(make_user("reviewer").email)
    mapping_url = _upload(client, survey, forms_xlsx(), "Ledersamling.xlsx")
    page = client.get(mapping_url)
    assert "Radene kjennes igjen på kolonnen «ID»" in text_of(page)
    groups = {g.name: g.id for g in survey.process.groups}
    choice = {f"col-{i}": t for i, t in forms_targets(survey).items()} | {"col-5": "group", "default_group": "0"}
    dry = dry_run(client, mapping_url, choice)
    body, html = text_of(dry), dry.get_data(as_text=True)
    assert "3 nye svar legges til" in body and "Likt navn" in body
    assert re.search(rf'name="gv-1".*?<option value="{groups["Ledere"]}" selected>Ledere</option>', html, re.S)
    # Correct one value by hand and import what was previewed.
    corrected = {**choice, "gv-2": "0"}
    dry = dry_run(client, mapping_url, corrected)
    started = client.post(mapping_url, data={**hidden_fields(dry.get_data(as_text=True)), **corrected, "action": "run",
                                             "remember_groups": "y"})
    assert "/imports/runs/" in started.location
    run_page = client.get(started.location)
    assert "Importerer" in text_of(run_page) or "I kø" in text_of(run_page)
    run_pending_jobs(current_app._get_current_object(), limit=1)
    done = text_of(client.get(started.location))
    assert "3 nye svar" in done and "Angre hele importen" in done
    kari = db.session.scalar(sa.select(Submission).where(Submission.respondent_name == "Kari"))
    assert kari.group_id is None and db.session.scalar(sa.select(Submission.group_id).where(
        Submission.respondent_name == "Per Ås")) == groups["Ansatte"]
    undone = client.submit(started.location, {}, action=started.location + "/undo", follow=True)
    assert "Importen er angret: 3 svar er slettet" in text_of(undone)
    assert count(Submission) == 0


def test_a_double_clicked_import_starts_one_run_and_stores_each_row_once(client, make_user, survey):
    client.login(make_user("reviewer").email)
    mapping_url = _upload(client, survey, forms_csv(), "svar.csv")
    choice = {f"col-{i}": t for i, t in forms_targets(survey).items()} | {"default_group": "0"}
    dry = dry_run(client, mapping_url, choice)
    form = {**hidden_fields(dry.get_data(as_text=True)), **choice, "action": "run"}
    first, second = client.post(mapping_url, data=form), client.post(mapping_url, data=form)
    assert first.status_code == second.status_code == 302 and first.location == second.location
    assert count(ImportRun) == 1
    run_pending_jobs(current_app._get_current_object())
    assert (count(Submission), count(ImportedRow)) == (3, 3)


def test_run_needs_a_preview_of_the_same_mapping(client, make_user, survey):
    client.login(make_user("reviewer").email)
    mapping_url = _upload(client, survey, forms_xlsx(), "svar.xlsx")
    choice = {f"col-{i}": t for i, t in forms_targets(survey).items()} | {"default_group": "0"}
    dry = dry_run(client, mapping_url, choice)
    changed = {**choice, "col-8": f"prompt:{prompt(survey, GOOD_Q).id}"}
    r = client.post(mapping_url, data={**hidden_fields(dry.get_data(as_text=True)), **changed, "action": "run"})
    assert r.status_code == 200 and "Koblingen er endret etter forhåndsvisningen" in text_of(r)
    assert count(ImportRun) == 0


def test_excel_template_from_the_activity_maps_itself(client, make_user, survey):
    client.login(make_user("reviewer").email)
    r = client.get(f"/imports/activities/{survey.id}/template.xlsx")
    assert r.status_code == 200 and r.headers["Content-Disposition"].startswith("attachment")
    wb = load_workbook(io.BytesIO(r.data))
    ws = wb.worksheets[0]
    header = [c.value for c in ws[1]]
    assert header == ["Tidspunkt", "Navn", "Gruppe", RATING_Q, TEXT_Q, GOOD_Q]
    assert wb.sheetnames[1] == "Veiledning"
    ws.append(["14.03.2026 10:30", "Ola", "Ledere", 4, "Mer tid", ""])
    out = io.BytesIO()
    wb.save(out)
    table = files.read_table(out.getvalue(), "mal.xlsx")
    guessed = _guess(table, survey)
    assert guessed == {0: services.TIME, 1: services.NAME, 2: services.GROUP,
                       3: f"prompt:{prompt(survey, RATING_Q).id}", 4: f"prompt:{prompt(survey, TEXT_Q).id}",
                       5: f"prompt:{prompt(survey, GOOD_Q).id}"}


# --- responses imported before import identity ------------------------------------------------------


def _import_as_before_identity(activity, data, name, targets):
    """What the importer of 23 November until import identity stored (commit dfc3fee): a response keyed
    ``imp<activity>:<sha256(time text, answers by question)[:40]>:<n>``, its inputs ``<key>:<n>:<column>``,
    no source row."""
    import hashlib

    table = files.read_table(data, name)
    mapping = services.build_mapping(activity, table, targets, None)
    seen: dict[str, int] = {}
    for number, row in enumerate(table.rows):
        cells = row.cells
        if not any(cells[i].strip() for i in mapping.prompts):
            continue
        parts = [cells[mapping.time].strip() if mapping.time is not None else ""]
        parts += [f"{p.id}={cells[i].strip()}" for i, p in sorted(mapping.prompts.items(), key=lambda p: p[1].id)]
        content = hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:40]
        seen[content] = seen.get(content, 0) + 1
        key = f"{content}:{seen[content]}"
        sub = Submission(activity=activity, reference=f"S-2026-9{number:05d}", submission_key=f"imp{activity.id}:{key}",
                         edit_token_hash=f"{number:064d}", source="import",
                         respondent_name=cells[mapping.name].strip() if mapping.name is not None else None,
                         submitted_dt=services.parse_time(cells[mapping.time], ZONE))
        db.session.add(sub)
        for index, p in mapping.prompts.items():
            value = cells[index].strip()
            if not value:
                continue
            if p.question_type == "free_text":
                db.session.add(Input(activity=activity, submission=sub, prompt=p, source="import",
                                     import_key=f"{key}:{index}", text=value, created_dt=sub.submitted_dt))
            else:
                db.session.add(Answer(submission=sub, prompt=p, rating=int(value)))
    db.session.commit()


def test_responses_imported_before_import_identity_are_found_again_not_duplicated(survey):
    _import_as_before_identity(survey, forms_csv(), "svar.csv", forms_targets(survey))
    assert (count(Submission), count(Input), count(Answer), count(ImportedRow)) == (3, 3, 3, 0)

    # the dry run already knows them
    table = files.read_table(forms_csv(), "svar.csv")
    mapping = services.build_mapping(survey, table, forms_targets(survey), None)
    assert services.preview(db.session, survey, table, mapping, zone=ZONE).counts == {
        "new": 0, "updated": 0, "unchanged": 3, "empty": 0}

    more = [list(r) for r in FORMS_ROWS] + [
        [4, datetime(2026, 1, 16, 9, 0, 0), datetime(2026, 1, 16, 9, 3, 0), "anonymous", "Nils", "Ansatt", 3,
         "Bedre oppfølging av nyansatte", ""]]
    more[2][7] = "Heltidskultur og faste stillinger"  # edited in Forms since
    again = run(survey, forms_csv(more), "svar2.csv", forms_targets(survey))
    # only row 3 cannot be found by its old key (its answer changed): like any changed row without source, it is new
    assert (again.rows, again.updated, again.duplicates) == (2, 0, 2)
    assert count(Submission) == 5  # 3 old + row 4 + the edited row 3 (no id was kept to know it by)
    assert count(ImportedRow) == 4  # two adopted old responses, two new
    # the adopted responses are known by the new identity: the same export as .xlsx adds nothing
    last = run(survey, forms_xlsx(more), "svar2.xlsx", forms_targets(survey))
    assert (last.rows, last.updated, last.duplicates) == (0, 0, 4)
    assert count(Submission) == 5 and count(Input) == 5
    texts = sorted(db.session.scalars(sa.select(Input.text)))
    assert texts.count("Mer tid til pårørende") == 1


def test_an_old_import_once_found_again_takes_a_newly_mapped_column_as_an_update(survey):
    _import_as_before_identity(survey, forms_xlsx(), "svar.xlsx", forms_targets(survey))
    same = run(survey, forms_xlsx(), "svar.xlsx", forms_targets(survey))
    assert (same.rows, same.updated, same.duplicates) == (0, 0, 3)
    more = run(survey, forms_csv(), "svar.csv", forms_targets(survey, good=True))
    assert (more.rows, more.updated, more.duplicates) == (0, 2, 1)
    assert count(Submission) == 3 and count(Input) == 5
    # undoing the re-import keeps the old responses (it only named them) and takes back the new column
    last = db.session.scalar(sa.select(ImportRun).order_by(ImportRun.id.desc()))
    assert services.undo_run(db.session, None, last) == {"deleted": 0, "restored": 2}
    db.session.commit()
    assert (count(Submission), count(Input)) == (3, 3)
