"""Imports of Forms, Google Forms and Questback exports: encodings, separators, merged headers, duplicates."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from flask import current_app

from hearing.extensions import db
from hearing.imports import files, services
from hearing.jobs import run_pending_jobs
from hearing.models import Activity, Answer, Input, Job, Prompt, StakeholderGroup, Submission, User
from tests.conftest import hidden_fields, text_of

RATING_Q = "Hvor godt dekker strategiene utfordringene i din enhet?"
TEXT_Q = "Hva mangler i strategiene?"
CHOICE_Q = "Hvilket satsningsområde er viktigst?"

#: Microsoft Forms as saved by Norwegian Excel: UTF-8 with BOM, semicolons, a quoted line break, an empty row.
FORMS_CSV = (
    "ID;Starttidspunkt;Fullføringstidspunkt;E-post;Navn;" + RATING_Q + ";" + TEXT_Q + ";" + CHOICE_Q + "\r\n"
    "1;15.01.2026 09:01:10;15.01.2026 09:05:12;anonymous;Åse Ødegård;4;Mer tid til pårørende;Pårørende\r\n"
    ";;;;;;;\r\n"
    '2;15.01.2026 10:00:00;15.01.2026 10:02:00;anonymous;Per Ås;2;"Flere hender i helgene.\r\nOg bedre opplæring.";Heltidskultur\r\n'
    "3;15.01.2026 11:00:00;15.01.2026 11:01:00;anonymous;Kari;5;;Forebygging\r\n"
).encode("utf-8-sig")

#: Google Forms downloaded and saved again in old Excel: Windows-1252 and commas.
GOOGLE_CSV = (
    "Tidsstempel,Gruppe," + RATING_Q + "," + TEXT_Q + "\r\n"
    '2026/01/20 14:03:11,Ledere,3,"Økt bemanning, særlig på natt"\r\n'
    "2026/01/20 14:10:00,Ukjent gruppe,svært godt,Velferdsteknologi må følges opp\r\n"
    ",,,\r\n"
).encode("cp1252")


@pytest.fixture
def survey(app, make_process):
    process = make_process()
    leaders = StakeholderGroup(process=process, name="Ledere", category="employees")
    staff = StakeholderGroup(process=process, name="Ansatte", category="employees")
    activity = Activity(process=process, kind="survey", title="Spørreundersøkelse til enhetsledere")
    activity.prompts = [
        Prompt(position=1, text=RATING_Q, question_type="rating"),
        Prompt(position=2, text=TEXT_Q, question_type="free_text"),
        Prompt(position=3, text=CHOICE_Q, question_type="single_choice", options=["Heltidskultur", "Velferdsteknologi", "Forebygging", "Pårørende"]),
    ]
    db.session.add_all([leaders, staff, activity])
    db.session.commit()
    return activity


def prompt(activity, text) -> Prompt:
    return next(p for p in activity.prompts if p.text == text)


def count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


# --- reading files -------------------------------------------------------------------------------


def test_reads_utf8_bom_with_semicolons_and_drops_empty_rows():
    table = files.read_table(FORMS_CSV, "svar.csv")
    assert (table.delimiter, table.encoding) == (";", "UTF-8 med BOM")
    assert table.columns[0] == "ID" and table.columns[2] == "Fullføringstidspunkt" and table.columns[5] == RATING_Q
    assert [r.number for r in table.rows] == [2, 4, 5]  # row 3 was empty; numbers stay those of the file
    assert table.rows[0].cells[4] == "Åse Ødegård"
    assert table.rows[1].cells[6] == "Flere hender i helgene.\r\nOg bedre opplæring."


def test_reads_windows_1252_with_commas():
    table = files.read_table(GOOGLE_CSV, "google.csv")
    assert (table.delimiter, table.encoding) == (",", "Windows-1252")
    assert table.rows[0].cells == ["2026/01/20 14:03:11", "Ledere", "3", "Økt bemanning, særlig på natt"]
    assert len(table.rows) == 2


def test_reads_utf8_without_bom_and_tabs():
    data = f"Navn\t{TEXT_Q}\nÅse\tMer tid\n".encode()
    table = files.read_table(data, "svar.txt")
    assert (table.delimiter, table.encoding, table.columns) == ("\t", "UTF-8", ["Navn", TEXT_Q])


def questback_xlsx() -> bytes:
    """Questback-like sheet: a title-less header merged over sub-questions, a vertical merge, empty rows."""
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws["A1"], ws["B1"], ws["D1"], ws["E1"] = "Respondent", "Strategiene", "Innsendt", None
    ws.merge_cells("A1:A2")  # "Respondent" spans both header rows
    ws.merge_cells("B1:C1")  # "Strategiene" over two sub-questions
    ws.merge_cells("D1:D2")
    ws["B2"], ws["C2"] = RATING_Q, TEXT_Q
    ws.append([])  # empty row 3
    ws.append(["Liv Lie", 4, "Bedre samarbeid med frivillige", datetime(2026, 2, 3, 12, 30)])
    ws.append([None, None, None, None])
    ws.append(["Ola Nordmann", 3.0, None, datetime(2026, 2, 4, 8, 0)])
    ws.append(["", None, "Flere lærlinger", "04.02.2026 09:15"])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def test_reads_xlsx_with_merged_header_cells_and_empty_rows():
    table = files.read_table(questback_xlsx(), "questback.xlsx")
    assert table.kind == "xlsx"
    assert table.columns == ["Respondent", f"Strategiene – {RATING_Q}", f"Strategiene – {TEXT_Q}", "Innsendt"]
    assert [r.number for r in table.rows] == [4, 6, 7]
    assert table.rows[0].cells == ["Liv Lie", "4", "Bedre samarbeid med frivillige", "2026-02-03 12:30:00"]
    assert table.rows[1].cells[1] == "3"


@pytest.mark.parametrize(("data", "name", "message"), [
    (b"", "tom.csv", "er tom"),
    (b"\x00\x01\x02\x03" * 200, "data.csv", "ser ikke ut som en CSV-fil"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "gammel.xls", "eldre Excel-fil (.xls)"),
    (b"PK\x03\x04 dette er ikke en ekte arbeidsbok", "ødelagt.xlsx", "kunne ikke leses som Excel-fil"),
    (b"%PDF-1.7 hei", "svar.pdf", "filtype som ikke kan importeres"),
])
def test_unreadable_files_get_a_norwegian_message(data, name, message):
    with pytest.raises(files.ImportFileError, match=re.escape(message)):
        files.read_table(data, name)


def test_times_in_export_formats():
    oslo = ZoneInfo("Europe/Oslo")
    expected = datetime(2026, 1, 15, 8, 5, 12, tzinfo=UTC)
    for value in ("15.01.2026 09:05:12", "2026-01-15 09:05:12", "1/15/2026 9:05:12 AM", "2026-01-15T08:05:12Z",
                  "2026/01/15 09:05:12", "2026/01/15 9:05:12 AM GMT+1", "2026/01/15 8:05:12 AM GMT", "15.01.2026 09.05.12",
                  "2026/01/15 10:05:12 GMT+02:00"):
        assert services.parse_time(value, oslo) == expected, value
    assert services.parse_time("i går", oslo) is None


@pytest.mark.parametrize("value", [
    "15.01.2026 09:01:10", "15.01.2026  09:01", "15.01.2026 KL. 09:01", "15.01.2026 kl.  9:01", "1.2.2026",
    "2024/03/14 22:22:33", "14.03.2024 22.22.33", "14-03-2024 22.22", "3/14/2024 10:22:33 PM", "2026-1-5",
    "31.02.2026 10:00", "2026-01-15 24:00", "15.01.26 09:01", "15.01.2026 09:01:10x", "99.99.9999",
])
def test_times_are_read_as_strptime_reads_them(value):
    """The import reads times with patterns made from the formats (strptime costs ~35 µs, three times a row):
    the same result as the first format strptime reads, and None where none fits."""
    expected = None
    for fmt in services._TIME_FORMATS:
        try:
            expected = datetime.strptime(value, fmt)  # noqa: DTZ007
            break
        except ValueError:
            continue
    services._FORMAT_OF_SHAPE.clear()
    assert services._strptime(value) == expected
    assert services._strptime(value) == expected  # again, with the format remembered for the shape


@pytest.mark.parametrize(("value", "rating"), [
    ("4", 4), ("4.0", 4), ("5 – Svært godt", 5), ("1", 1), ("4,5", None), ("45", None), ("0", None), ("godt", None),
])
def test_ratings_from_export_cells(value, rating):
    assert services._rating(value) == rating


# --- importing -----------------------------------------------------------------------------------


def run_import(activity, data, name, targets, default_group_id=None):
    table = files.read_table(data, name)
    file_id = __import__("hashlib").sha256(data).hexdigest()
    mapping = services.build_mapping(activity, table, targets, default_group_id)
    result = services.import_rows(db.session, None, activity, table, file_id, mapping,
                                  zone=ZoneInfo("Europe/Oslo"), now=datetime(2026, 3, 1, tzinfo=UTC))
    db.session.commit()
    return result


def test_import_forms_csv_makes_submissions_inputs_and_answers_once(survey):
    rating, text, choice = (prompt(survey, q) for q in (RATING_Q, TEXT_Q, CHOICE_Q))
    targets = {2: services.TIME, 4: services.NAME, 5: f"prompt:{rating.id}", 6: f"prompt:{text.id}", 7: f"prompt:{choice.id}"}
    staff = next(g for g in survey.process.groups if g.name == "Ansatte")
    result = run_import(survey, FORMS_CSV, "svar.csv", targets, staff.id)
    assert (result.rows, result.inputs, result.answers, result.duplicates, result.empty) == (3, 2, 6, 0, 0)

    subs = db.session.scalars(sa.select(Submission).order_by(Submission.id)).all()
    assert [s.respondent_name for s in subs] == ["Åse Ødegård", "Per Ås", "Kari"]
    assert {s.source for s in subs} == {"import"} and {s.group_id for s in subs} == {staff.id}
    assert subs[0].submitted_dt == datetime(2026, 1, 15, 8, 5, 12, tzinfo=UTC)
    inputs = db.session.scalars(sa.select(Input).order_by(Input.id)).all()
    assert [i.text for i in inputs] == ["Mer tid til pårørende", "Flere hender i helgene.\r\nOg bedre opplæring."]
    assert all(i.source == "import" and i.prompt_id == text.id and i.import_key for i in inputs)
    ratings = sorted(db.session.scalars(sa.select(Answer.rating).where(Answer.prompt_id == rating.id)))
    assert ratings == [2, 4, 5]
    assert db.session.scalar(sa.select(Answer.choices).where(Answer.prompt_id == choice.id, Answer.submission_id == subs[0].id)) == ["Pårørende"]

    again = run_import(survey, FORMS_CSV, "svar-kopi.csv", targets, staff.id)
    assert (again.rows, again.duplicates, again.inputs, again.answers) == (0, 3, 0, 0)
    assert (count(Submission), count(Input), count(Answer)) == (3, 2, 6)


def test_import_windows_1252_with_group_column_and_warnings(survey):
    rating, text = prompt(survey, RATING_Q), prompt(survey, TEXT_Q)
    result = run_import(survey, GOOGLE_CSV, "google.csv",
                        {0: services.TIME, 1: services.GROUP, 2: f"prompt:{rating.id}", 3: f"prompt:{text.id}"})
    assert (result.rows, result.inputs, result.answers) == (2, 2, 1)
    assert any("«svært godt» er ikke et tall fra 1 til 5" in w for w in result.warnings)
    assert any("Rad 3: Gruppen «Ukjent gruppe» er ikke koblet til en gruppe" in w for w in result.warnings)
    first = db.session.scalars(sa.select(Submission).order_by(Submission.id)).first()
    assert first.group.name == "Ledere"
    assert db.session.scalar(sa.select(Input.text).where(Input.submission_id == first.id)) == "Økt bemanning, særlig på natt"


def test_import_xlsx_with_merged_headers(survey):
    rating, text = prompt(survey, RATING_Q), prompt(survey, TEXT_Q)
    data = questback_xlsx()
    targets = {0: services.NAME, 1: f"prompt:{rating.id}", 2: f"prompt:{text.id}", 3: services.TIME}
    result = run_import(survey, data, "questback.xlsx", targets)
    assert (result.rows, result.inputs, result.answers) == (3, 2, 2)
    assert sorted(db.session.scalars(sa.select(Answer.rating))) == [3, 4]
    assert run_import(survey, data, "questback.xlsx", targets).duplicates == 3
    assert count(Submission) == 3


def test_mapping_errors_are_in_norwegian(survey):
    table = files.read_table(FORMS_CSV, "svar.csv")
    rating = prompt(survey, RATING_Q)
    with pytest.raises(services.MappingError, match="Koble minst én kolonne til et spørsmål"):
        services.build_mapping(survey, table, {4: services.NAME}, None)
    with pytest.raises(services.MappingError, match="Bare én kolonne kan brukes som navn"):
        services.build_mapping(survey, table, {3: services.NAME, 4: services.NAME, 5: f"prompt:{rating.id}"}, None)
    with pytest.raises(services.MappingError, match="kan bare få svar fra én kolonne"):
        services.build_mapping(survey, table, {5: f"prompt:{rating.id}", 0: f"prompt:{rating.id}"}, None)


# --- through the pages ---------------------------------------------------------------------------


def selected(html: str, column: int) -> str:
    select = re.search(rf'<select[^>]*name="col-{column}"[^>]*>(.*?)</select>', html, re.S).group(1)
    found = re.search(r'<option value="([^"]*)" selected>', select)
    return found.group(1) if found else ""


def test_reviewer_uploads_maps_and_imports_twice(client, make_user, survey):
    reviewer = make_user("reviewer")
    client.login(reviewer.email)
    url = f"/imports/activities/{survey.id}"
    fields = hidden_fields(client.get(url).get_data(as_text=True))
    r = client.post(url, data={**fields, "file": (io.BytesIO(FORMS_CSV), "Skjema for ledere.csv")},
                    content_type="multipart/form-data")
    assert r.status_code == 302, text_of(r)
    mapping_url = r.location
    waiting = client.get(mapping_url)  # the file is read in the background, never in the request
    assert "leses nå i bakgrunnen" in text_of(waiting) and 'aria-live="polite"' in waiting.get_data(as_text=True)
    run_pending_jobs(current_app._get_current_object())
    page = client.get(mapping_url)
    html, text = page.get_data(as_text=True), text_of(page)
    assert "Skjema for ledere.csv" in text and "Åse Ødegård" in text and "semikolon" in text
    # Columns named like the prompts, name and time are suggested.
    rating, free = prompt(survey, RATING_Q), prompt(survey, TEXT_Q)
    assert selected(html, 5) == f"prompt:{rating.id}"
    assert (selected(html, 4), selected(html, 2), selected(html, 1)) == ("name", "time", "")

    choice = {"col-2": "time", "col-4": "name", "col-5": f"prompt:{rating.id}", "col-6": f"prompt:{free.id}", "default_group": "0"}
    dry = dry_run(client, mapping_url, choice)
    assert "3 nye svar legges til" in text_of(dry) and "Ingenting er lagret ennå" in text_of(dry)
    assert count(Submission) == 0  # the dry run stores nothing
    started = client.post(mapping_url, data={**hidden_fields(dry.get_data(as_text=True)), **choice, "action": "run"})
    assert started.status_code == 302 and "/imports/runs/" in started.location
    assert count(Submission) == 0  # the import runs in the background
    run_pending_jobs(current_app._get_current_object(), limit=1)
    done = client.get(started.location)
    assert "3 nye svar" in text_of(done) and "2 innspill og 3 vurderinger og valg" in text_of(done)
    assert client.get(mapping_url).status_code == 404  # the raw export is not kept after the import
    queued = db.session.scalars(sa.select(Job.kind).where(Job.status == "queued")).all()
    assert queued in (["themes.embed"], ["themes.place"])  # the imported inputs get grouped in the background
    # The same file uploaded and imported again adds nothing.
    r = client.post(url, data={**fields, "file": (io.BytesIO(FORMS_CSV), "kopi.csv")}, content_type="multipart/form-data")
    assert r.location == mapping_url
    run_pending_jobs(current_app._get_current_object())
    again = dry_run(client, mapping_url, choice)
    assert "0 nye svar legges til" in text_of(again) and "3 rader er importert før og hoppes over" in text_of(again)
    assert (count(Submission), count(Input)) == (3, 2)


def test_bad_upload_shows_the_message_on_the_form(client, make_user, survey):
    client.login(make_user("reviewer").email)
    url = f"/imports/activities/{survey.id}"
    fields = hidden_fields(client.get(url).get_data(as_text=True))
    r = client.post(url, data={**fields, "file": (io.BytesIO(b"\xd0\xcf\x11\xe0" + b"\x00" * 64), "gammel.xls")},
                    content_type="multipart/form-data")
    assert r.status_code == 302
    run_pending_jobs(current_app._get_current_object())
    page = client.get(r.location)
    assert "eldre Excel-fil (.xls) som ikke kan leses" in text_of(page) and "Last opp en annen fil" in text_of(page)
    assert "eldre Excel-fil" in text_of(client.get(r.location))  # shown again, not read again
    missing = client.submit(url, {})
    assert "Velg en fil å laste opp" in text_of(missing)


def test_imports_are_for_reviewers_and_facilitators_of_workshops(client, make_user, survey):
    client.login(make_user("facilitator").email)
    assert client.get(f"/imports/activities/{survey.id}").status_code == 403
    workshop = Activity(process=survey.process, kind="workshop", title="Verksted")
    db.session.add(workshop)
    db.session.commit()
    assert client.get(f"/imports/activities/{workshop.id}").status_code == 200
    assert db.session.scalar(sa.select(sa.func.count(User.id))) >= 1


def test_the_mapping_preview_masks_personal_data(client, make_user, survey):
    client.login(make_user("reviewer").email)
    url = f"/imports/activities/{survey.id}"
    data = (f"Tidspunkt;{TEXT_Q}\r\n15.01.2026 09:01;Ring meg på 912 34 567 eller skriv til ola@example.no\r\n").encode()
    fields = hidden_fields(client.get(url).get_data(as_text=True))
    r = client.post(url, data={**fields, "file": (io.BytesIO(data), "svar.csv")}, content_type="multipart/form-data")
    run_pending_jobs(current_app._get_current_object())
    page = client.get(r.location).get_data(as_text=True)
    assert "912 34 567" not in page and "ola@example.no" not in page
    assert "Ring meg på" in page  # the rest of the text is there to recognise the column


def test_the_mapping_page_reads_what_the_read_job_kept_not_every_row(client, make_user, survey, monkeypatch):
    """The read job keeps a summary beside the rows (columns, first rows, examples, id column, group values);
    the mapping page opens that, never the whole file, and an upload read before summaries gets one."""
    client.login(make_user("reviewer").email)
    url = f"/imports/activities/{survey.id}"
    rows = "".join(f"{n};2026/01/20 14:{n % 60:02d};{'Leder' if n % 3 else 'Ansatt'};Svar nummer {n}\r\n"
                   for n in range(1, 41))
    data = f"ID;Tidsmerke;Gruppe;{TEXT_Q}\r\n{rows}".encode()
    fields = hidden_fields(client.get(url).get_data(as_text=True))
    r = client.post(url, data={**fields, "file": (io.BytesIO(data), "svar.csv")}, content_type="multipart/form-data")
    run_pending_jobs(current_app._get_current_object())
    file_id = r.location.rsplit("/", 1)[1]
    folder = current_app.config["UPLOAD_FOLDER"]
    _name, summary = services.load_summary(folder, file_id)
    assert (summary.total_rows, len(summary.rows), summary.id_column) == (40, services.SUMMARY_ROWS, 0)
    assert summary.values[2] == [("Ansatt", 13), ("Leder", 27)]

    def every_row(*_args, **_kw):
        raise AssertionError("the mapping page opened every row of the upload")

    monkeypatch.setattr(services, "_load_table", every_row)
    page = client.get(r.location)
    text = text_of(page)
    assert page.status_code == 200 and "Filen har 40 rader med svar" in text and "Svar nummer 5" in text
    assert "Svar nummer 6" not in text and "kolonnen «ID»" in text
    # the group column's values with their counts, from the summary
    chosen = client.post(r.location, data={**hidden_fields(page.get_data(as_text=True)), "col-0": "", "col-1": "time",
                                           "col-2": "group", "col-3": f"prompt:{prompt(survey, TEXT_Q).id}",
                                           "default_group": "0", "action": "preview"})
    assert chosen.status_code == 302, text_of(chosen)
    values = text_of(client.get(chosen.location))
    assert "Leder" in values and "Ansatt" in values and "27" in values and "13" in values
    monkeypatch.undo()
    # an upload read before summaries were kept: the first page view makes one from the rows
    (services._folder(folder) / f"{file_id}.summary.json").unlink()
    assert "Filen har 40 rader med svar" in text_of(client.get(r.location))
    assert (services._folder(folder) / f"{file_id}.summary.json").exists()


def test_a_later_export_with_more_rows_adds_only_the_new_ones(survey):
    """Forms and Google Forms give a new file each time; rows already imported are known by what they say."""
    rating, text, choice = (prompt(survey, q) for q in (RATING_Q, TEXT_Q, CHOICE_Q))
    targets = {2: services.TIME, 4: services.NAME, 5: f"prompt:{rating.id}", 6: f"prompt:{text.id}", 7: f"prompt:{choice.id}"}
    first = run_import(survey, FORMS_CSV, "svar-mandag.csv", targets)
    assert (first.rows, first.inputs) == (3, 2)
    later = FORMS_CSV.decode("utf-8-sig") + "4;16.01.2026 12:00:00;16.01.2026 12:03:00;anonymous;Ny;3;Mer kveldsmat;Mat\r\n"
    second = run_import(survey, later.encode("utf-8"), "svar-onsdag.csv", targets)  # other bytes: no BOM, one row more
    assert (second.rows, second.duplicates, second.inputs) == (1, 3, 1)
    assert (count(Submission), count(Input)) == (4, 3)
    assert sorted(db.session.scalars(sa.select(Input.text)))[-1] == "Mer tid til pårørende"


def dry_run(client, mapping_url, choice):
    """Ask for the dry run (a background job), let the worker run it, and open the page it leads to."""
    asked = client.submit(mapping_url, {**choice, "action": "preview"})
    assert asked.status_code == 302 and "dry_run=" in asked.location, text_of(asked)
    run_pending_jobs(current_app._get_current_object())
    return client.get(asked.location)


def test_a_double_submitted_upload_and_dry_run_each_make_one_job(client, make_user, survey):
    client.login(make_user("reviewer").email)
    url = f"/imports/activities/{survey.id}"
    fields = hidden_fields(client.get(url).get_data(as_text=True))
    first = client.post(url, data={**fields, "file": (io.BytesIO(FORMS_CSV), "svar.csv")}, content_type="multipart/form-data")
    second = client.post(url, data={**fields, "file": (io.BytesIO(FORMS_CSV), "svar.csv")}, content_type="multipart/form-data")
    assert first.status_code == second.status_code == 302 and first.location == second.location
    # the same file sent again in a new form is read once too
    fresh = hidden_fields(client.get(url).get_data(as_text=True))
    third = client.post(url, data={**fresh, "file": (io.BytesIO(FORMS_CSV), "svar.csv")}, content_type="multipart/form-data")
    assert third.location == first.location
    client.get(first.location)
    assert db.session.scalars(sa.select(Job.kind)).all() == ["imports.read"]
    run_pending_jobs(current_app._get_current_object())
    rating, free = prompt(survey, RATING_Q), prompt(survey, TEXT_Q)
    choice = {"col-2": "time", "col-5": f"prompt:{rating.id}", "col-6": f"prompt:{free.id}", "default_group": "0"}
    page = client.get(first.location)
    fields = hidden_fields(page.get_data(as_text=True))
    a = client.post(first.location, data={**fields, **choice, "action": "preview"})
    b = client.post(first.location, data={**fields, **choice, "action": "preview"})
    assert a.status_code == b.status_code == 302 and a.location == b.location
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Job).where(Job.kind == "imports.preview")) == 1
    waiting = client.get(a.location)
    assert "Forhåndsvisningen lages" in text_of(waiting) and 'aria-live="polite"' in waiting.get_data(as_text=True)
    assert count(Submission) == 0
    job_id = int(a.location.split("dry_run=")[1].split("#")[0])
    status = client.get(f"/imports/activities/{survey.id}/jobs/{job_id}/status").get_json()
    assert status["finished"] is False
    run_pending_jobs(current_app._get_current_object())
    assert client.get(f"/imports/activities/{survey.id}/jobs/{job_id}/status").get_json()["finished"] is True
    done = client.get(a.location)
    assert "3 nye svar legges til" in text_of(done)
    # the chosen mapping is shown again with the result
    assert selected(done.get_data(as_text=True), 6) == f"prompt:{free.id}"
