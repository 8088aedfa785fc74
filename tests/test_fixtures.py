"""The shared fixtures: every test starts on an empty database with the default settings, although the
app is made once per session; the factories make worlds in one line."""

from __future__ import annotations

import sqlalchemy as sa

from hearing.extensions import db
from hearing.models import Activity, Input, Process, Submission, ThemeAssignment, User


def test_a_test_changes_data_and_settings(app, make_process):
    make_process(name="Etterlatt prosess")
    app.config["PUBLIC_RATE_LIMIT"] = "1/hour"
    app.config["A_SETTING_OF_ONE_TEST"] = True
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Process)) == 1


def test_the_next_test_starts_empty_with_the_defaults(app, make_process):
    # runs after the test above (same file, in order; with xdist in the same worker or in a fresh one)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Process)) == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 0
    assert "A_SETTING_OF_ONE_TEST" not in app.config and app.config.get("PUBLIC_RATE_LIMIT") != "1/hour"
    assert make_process().id == 1  # ids start again as in a new database


def test_each_test_has_its_own_upload_folder(app, tmp_path):
    assert app.config["UPLOAD_FOLDER"] == str(tmp_path / "uploads")


def test_passwords_are_still_hashed_and_checked(make_user, client):
    user = make_user("reviewer")
    assert user.password_hash.startswith("pbkdf2:") and user.check_password("correct-horse-battery")
    assert not user.check_password("feil")
    assert client.login(user.email).status_code == 302


def test_make_activity_kinds(make_activity, make_process):
    process = make_process()
    hearing = make_activity(process=process, sections=["Innledning", "Heltid"], groups=["Eldrerådet"])
    survey = make_activity("survey", process=process, prompts=["Hva mangler?", {"text": "Hvor fornøyd?", "question_type": "rating"}])
    workshop = make_activity("workshop", process=process)
    assert [s.title for s in hearing.document.sections] == ["Innledning", "Heltid"]
    assert [g.name for g in process.groups] == ["Eldrerådet"]
    assert [p.question_type for p in survey.prompts] == ["free_text", "rating"]
    assert hearing.status(hearing.opens_dt) == "open" and workshop.opens_dt is None
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Activity)) == 3


def test_make_submission_masks_its_texts(make_submission):
    sub = make_submission(texts=["Ring meg på 41234567", "Flere benker"], consent="with_name", respondent_name="Kari")
    db.session.expire_all()
    sub = db.session.get(Submission, sub.id)
    assert [i.text for i in sub.inputs] == ["Ring meg på 41234567", "Flere benker"]
    assert "41234567" not in sub.inputs[0].text_masked
    assert make_submission(sub.activity).reference != sub.reference
    nynorsk = make_submission(sub.activity, [{"text": "Meir tid til kvar brukar", "lang": "nn", "source": "import"}])
    assert [(i.text, i.lang, i.source) for i in nynorsk.inputs] == [("Meir tid til kvar brukar", "nn", "import")]


def test_make_run_groups_the_inputs(make_activity, make_submission, make_run):
    activity = make_activity("suggestions")
    texts = ["Bussen går for sjelden", "Flere busser om kvelden", "Bussen kommer aldri",
             "Maten er kald", "Maten smaker ikke", "Varm mat til middag"]
    make_submission(activity, texts=texts)
    run = make_run(activity.process, n_themes=2)
    assert run.job.status == "done" and len(run.themes) == 2
    placed = db.session.scalar(sa.select(sa.func.count()).select_from(ThemeAssignment).where(ThemeAssignment.run_id == run.id))
    assert placed == db.session.scalar(sa.select(sa.func.count()).select_from(Input)) == len(texts)


def test_a_test_may_add_a_route_after_requests(app, client):
    assert client.get("/").status_code == 200

    @app.get("/only-in-this-test")
    def only_here():
        return "her"

    assert client.get("/only-in-this-test").get_data(as_text=True) == "her"


def test_the_next_test_gets_an_app_without_that_route(app, client):
    assert client.get("/only-in-this-test").status_code == 404
