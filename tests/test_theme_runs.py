"""Theme runs in the platform: background run, placement of new input, re-run keeping reviewers' work."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from hearing.extensions import db
from hearing.grouping import service
from hearing.jobs import run_pending_jobs
from hearing.models import AuditEvent, Input, Job, Theme, ThemeAssignment, ThemeRun

FOOD = [
    "Maten på sykehjemmet er kald", "Bedre middag til de eldre", "Middagen smaker ikke godt",
    "Mer varm mat og frukt", "Maten kommer for sent", "Ønsker hjemmelaget middag",
    "Kald mat hver dag", "Frokosten er for liten", "Bedre kosthold og mat", "Middag med fisk oftere",
    "Maten må smake bedre", "Varm middag hver dag",
]
BUS = [
    "Bussen går for sjelden", "Flere busser om kvelden", "Bussen kommer aldri i tide",
    "Billigere buss for pensjonister", "Bussholdeplassen mangler benk", "Ingen buss i helgene",
    "Bussen er full om morgenen", "Flere bussavganger til sentrum", "Buss til legekontoret",
    "Bussen stopper for langt unna", "Trenger buss til sykehuset", "Bussjåføren kjører for fort",
]
WALK = [
    "Fortauet er glatt om vinteren", "Strø fortauene når det er is", "Brøyt gangveien tidligere",
    "Glatte fortau er farlige", "Snø på fortauet hele vinteren", "Isen på gangveien gjør at jeg faller",
    "Måk snøen fra fortauet", "Strøing av gangveier for eldre", "Fortauet er islagt", "Brøyting av fortau",
    "Glatt og is på fortauet", "Sand og strøing på glatte veier",
]


@pytest.fixture
def world(app, make_activity, make_user):
    app.config["THEMES_EMBEDDINGS"] = False
    activity = make_activity("workshop")  # "Verksted"
    process = activity.process
    for text in FOOD + BUS + WALK:
        db.session.add(Input(activity_id=activity.id, text=text, source="workshop"))
    db.session.commit()
    reviewer = make_user("reviewer")
    return process, activity, reviewer


def themes_of(run):
    db.session.expire_all()
    run = db.session.get(ThemeRun, run.id)
    return run, {t.id: t for t in run.themes}


def members(run, theme):
    return set(db.session.scalars(sa.select(ThemeAssignment.input_id).where(ThemeAssignment.run_id == run.id,
                                                                         ThemeAssignment.theme_id == theme.id)))


def input_id(text):
    return db.session.scalar(sa.select(Input.id).where(Input.text == text))


def theme_with(run, text):
    iid = input_id(text)
    a = db.session.scalar(sa.select(ThemeAssignment).where(ThemeAssignment.run_id == run.id, ThemeAssignment.input_id == iid))
    return a


def start_and_run(world, **kw):
    process, activity, reviewer = world
    run = service.start_run(db.session, reviewer, process, **kw)
    db.session.commit()
    assert run.job.status == "queued"
    assert run_pending_jobs() >= 1
    db.session.expire_all()
    return db.session.get(ThemeRun, run.id)


def test_background_run_with_progress(world):
    run = start_and_run(world, n_themes=3)
    job = db.session.get(Job, run.job_id)
    assert job.status == "done", job.error
    assert job.progress == 100 and job.attempts == 1 and job.finished_dt
    assert run.stats["n_inputs"] == 36
    regular = [t for t in run.themes if not t.is_misc]
    assert len(regular) == 3
    for t in regular:
        assert t.terms and t.auto_label and len(t.quote_input_ids) == 3
    n = db.session.scalar(sa.select(sa.func.count()).select_from(ThemeAssignment).where(ThemeAssignment.run_id == run.id))
    assert n == 36
    # each clear theme ends up mostly together
    bus_theme = theme_with(run, BUS[0]).theme_id
    assert sum(theme_with(run, t).theme_id == bus_theme for t in BUS) >= 9
    assert db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "theme.run_start"))


def test_placement_of_new_input(world):
    process, activity, reviewer = world
    run = start_and_run(world, n_themes=3)
    bus_theme = theme_with(run, BUS[0]).theme_id
    new = Input(activity_id=activity.id, text="Bussen går for sjelden om kvelden", source="web")
    db.session.add(new)
    db.session.commit()
    assert [i.id for i in service.unplaced_inputs(db.session, run)] == [new.id]
    service.schedule_placement(db.session, run, reviewer)
    db.session.commit()
    run_pending_jobs()
    db.session.expire_all()
    a = theme_with(run, "Bussen går for sjelden om kvelden")
    assert a.is_new and a.source == "placed"
    assert a.theme_id == bus_theme
    # the themes were not refitted
    assert theme_with(run, BUS[0]).source == "auto"


def test_rerun_keeps_renamed_theme_and_moved_input(world):
    process, activity, reviewer = world
    run = start_and_run(world, n_themes=3)
    bus = db.session.get(Theme, theme_with(run, BUS[0]).theme_id)
    food = db.session.get(Theme, theme_with(run, FOOD[0]).theme_id)
    service.rename_theme(db.session, reviewer, bus, "Kollektivtransport")
    moved = theme_with(run, BUS[5])
    service.move_input(db.session, reviewer, moved, food)
    pinned = theme_with(run, WALK[0])
    service.pin_input(db.session, reviewer, pinned)
    pinned_theme = pinned.theme_id
    db.session.commit()

    run2 = start_and_run(world, n_themes=3)
    assert run2.previous_run_id == run.id
    bus2 = db.session.get(Theme, theme_with(run2, BUS[0]).theme_id)
    assert bus2.name == "Kollektivtransport" and bus2.previous_theme_id == bus.id
    moved2 = theme_with(run2, BUS[5])
    assert moved2.source == "manual"
    assert db.session.get(Theme, moved2.theme_id).previous_theme_id == food.id
    pinned2 = theme_with(run2, WALK[0])
    assert pinned2.is_pinned and db.session.get(Theme, pinned2.theme_id).previous_theme_id == pinned_theme
    assert run2.stats["carried_over"] == 2
    actions = set(db.session.scalars(sa.select(AuditEvent.action)))
    assert {"theme.rename", "theme.move_input", "theme.pin"} <= actions


def test_accept_suggestions(world):
    process, activity, reviewer = world
    run = start_and_run(world, n_themes=3)
    themes = {name: db.session.get(Theme, theme_with(run, texts[0]).theme_id)
              for name, texts in (("food", FOOD), ("bus", BUS), ("walk", WALK))}
    for name, texts in (("food", FOOD), ("bus", BUS), ("walk", WALK)):
        for text in texts[:3]:
            service.move_input(db.session, reviewer, theme_with(run, text), themes[name])
    db.session.commit()
    with pytest.raises(service.ThemeServiceError):
        service.accept_suggestions(db.session, reviewer, run, 1.5)
    n = service.suggest_for_unplaced(db.session, run)
    assert n == 27
    accepted = service.accept_suggestions(db.session, reviewer, run, 0.0)
    db.session.commit()
    assert accepted == 27
    a = theme_with(run, BUS[8])
    assert a.source == "suggested" and a.theme_id == themes["bus"].id and 0 <= a.confidence <= 1
    assert theme_with(run, BUS[0]).source == "manual"


def test_suggestions_need_confirmed_inputs(world):
    run = start_and_run(world, n_themes=3)
    with pytest.raises(service.ThemeServiceError):
        service.suggest_for_unplaced(db.session, run)


def test_withdrawn_submission_is_left_out(world):
    from hearing.models import Submission, utcnow

    process, activity, reviewer = world
    sub = Submission(activity_id=activity.id, reference="H-1", submission_key="k1", edit_token_hash="e1",
                     is_withdrawn=True, withdrawn_dt=utcnow())
    db.session.add(sub)
    db.session.flush()
    db.session.add(Input(activity_id=activity.id, submission_id=sub.id, text="Trukket innspill om buss"))
    db.session.commit()
    run = service.start_run(db.session, reviewer, process)
    db.session.commit()
    assert len(service.run_inputs(db.session, run)) == 36


def test_guidance_is_parsed():
    assert service.parse_guidance("Mat: middag, frokost\n\nTransport") == [
        {"name": "Mat", "keywords": ["middag", "frokost"], "examples": []},
        {"name": "Transport", "keywords": [], "examples": []},
    ]


def test_guided_run(world):
    run = start_and_run(world, guidance="Kollektivtransport: buss, bussen, busser")
    guided = [t for t in run.themes if t.guide_name]
    assert guided and guided[0].auto_label == "Kollektivtransport"
    assert theme_with(run, BUS[0]).theme_id == guided[0].id


# --- pages ---------------------------------------------------------------------------------------

from tests.conftest import text_of  # noqa: E402


@pytest.fixture
def reviewer_client(client, world):
    process, activity, reviewer = world
    assert client.login(reviewer.email).status_code == 302
    return client


def test_facilitator_is_refused(client, world, make_user):
    process, activity, reviewer = world
    facilitator = make_user("facilitator")
    client.login(facilitator.email)
    assert client.get("/review/").status_code == 403
    assert client.get(f"/review/processes/{process.id}").status_code == 403


def test_reviewer_starts_a_run_and_follows_it(reviewer_client, world):
    process, activity, reviewer = world
    page = f"/review/processes/{process.id}"
    r = reviewer_client.get("/review/")
    assert r.status_code == 200 and process.name in text_of(r)
    r = reviewer_client.get(page)
    assert r.status_code == 200 and "Start gruppering" in text_of(r)
    r = reviewer_client.submit(page, {"scope": f"activity:{activity.id}", "n_themes": "3",
                                      "guidance": ""})
    assert r.status_code == 302
    run = db.session.scalars(sa.select(ThemeRun)).one()
    assert r.location.endswith(f"/review/runs/{run.id}")
    assert run.activity_id == activity.id and run.params["n_themes"] == 3

    # while queued: a progress bar, a plain link to refresh, the JSON status
    r = reviewer_client.get(f"/review/runs/{run.id}")
    html = r.get_data(as_text=True)
    assert "<progress" in html and 'value="0"' in html and "Oppdater" in html and "progress.js" in html
    status = reviewer_client.get(f"/review/runs/{run.id}/status").get_json()
    assert status["status"] == "queued" and status["finished"] is False

    run_pending_jobs()
    status = reviewer_client.get(f"/review/runs/{run.id}/status").get_json()
    assert status == {**status, "status": "done", "progress": 100, "finished": True}
    r = reviewer_client.get(f"/review/runs/{run.id}")
    text = text_of(r)
    assert "<progress" not in r.get_data(as_text=True)
    db.session.expire_all()
    run = db.session.get(ThemeRun, run.id)
    for t in run.themes:
        if not t.is_misc:
            assert t.label in text
    assert "Typiske innspill" in text


def test_invalid_start_form_shows_errors(reviewer_client, world):
    process, activity, reviewer = world
    page = f"/review/processes/{process.id}"
    r = reviewer_client.submit(page, {"scope": "process", "n_themes": "99", "guidance": ""})
    assert r.status_code == 200 and "mellom 2 og 30" in text_of(r)
    r = reviewer_client.submit(page, {"scope": "process", "n_themes": "", "guidance": ": uten navn"})
    assert r.status_code == 200 and "Kunne ikke lese linjen" in text_of(r)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ThemeRun)) == 0


def test_rename_move_pin_and_accept_through_pages(reviewer_client, world):
    run = start_and_run(world, n_themes=3)
    bus = db.session.get(Theme, theme_with(run, BUS[0]).theme_id)
    food = db.session.get(Theme, theme_with(run, FOOD[0]).theme_id)
    run_page = f"/review/runs/{run.id}"
    r = reviewer_client.submit(run_page, {"name": "Buss og transport"},
                               action=f"/review/themes/{bus.id}/rename")
    assert r.status_code == 302
    db.session.expire_all()
    assert db.session.get(Theme, bus.id).name == "Buss og transport"

    theme_page = f"/review/themes/{bus.id}"
    r = reviewer_client.get(theme_page)
    assert r.status_code == 200 and "Buss og transport" in text_of(r)
    # A name that is too long is refused on the theme page, with what was typed still in the field.
    too_long = "Kollektivtilbud " + "x" * 300
    r = reviewer_client.submit(theme_page, {"name": too_long}, action=f"/review/themes/{bus.id}/rename")
    html = r.get_data(as_text=True)
    assert r.status_code == 422 and "data-error-summary" in html and f'href="#rename-{bus.id}"' in html
    assert f'value="{too_long}"' in html and 'aria-invalid="true"' in html
    db.session.expire_all()
    assert db.session.get(Theme, bus.id).name == "Buss og transport"
    a = theme_with(run, BUS[1])
    r = reviewer_client.submit(theme_page, {"theme_id": str(food.id)},
                               action=f"/review/assignments/{a.id}/move")
    assert r.status_code == 302 and r.location.startswith("/review/themes/")
    db.session.expire_all()
    a = theme_with(run, BUS[1])
    assert a.theme_id == food.id and a.source == "manual"

    b = theme_with(run, BUS[2])
    r = reviewer_client.submit(theme_page, {"pinned": "1"}, action=f"/review/assignments/{b.id}/pin")
    assert r.status_code == 302
    db.session.expire_all()
    assert theme_with(run, BUS[2]).is_pinned

    r = reviewer_client.submit(run_page, {"min_percent": "0"}, action=f"/review/runs/{run.id}/accept", follow=True)
    assert "Lag forslag først" in text_of(r)
    # too few confirmed: the suggestion job fails with a reason shown on the page
    r = reviewer_client.submit(run_page, {}, action=f"/review/runs/{run.id}/suggest")
    assert r.status_code == 302
    assert "Forslagene lages nå" in text_of(reviewer_client.get(run_page))
    run_pending_jobs()
    assert "minst to temaer" in text_of(reviewer_client.get(run_page))
    for text in FOOD[:3]:
        service.move_input(db.session, None, theme_with(run, text), food)
    db.session.commit()
    reviewer_client.submit(run_page, {}, action=f"/review/runs/{run.id}/suggest")
    run_pending_jobs()
    db.session.expire_all()
    assert theme_with(run, BUS[8]).suggested_theme_id is not None
    r = reviewer_client.submit(run_page, {"min_percent": "0"}, action=f"/review/runs/{run.id}/accept")
    assert r.status_code == 302
    db.session.expire_all()
    sources = set(db.session.scalars(sa.select(ThemeAssignment.source).where(ThemeAssignment.run_id == run.id)))
    assert "suggested" in sources

    # a move to a theme of another run is refused
    a = theme_with(run, BUS[1])
    other = start_and_run(world, n_themes=3)
    foreign = next(t for t in other.themes if not t.is_misc)
    r = reviewer_client.post(f"/review/assignments/{a.id}/move",
                             data={"theme_id": str(foreign.id), "csrf_token": _csrf(reviewer_client, theme_page)})
    assert r.status_code == 302
    db.session.expire_all()
    assert theme_with(run, BUS[1]).theme_id == food.id
    # and the older run can be read but not changed: a change there would reach no later run
    assert "Dette er en eldre gruppering" in text_of(reviewer_client.get(run_page))
    r = reviewer_client.submit(theme_page, {"pinned": "1"}, action=f"/review/assignments/{a.id}/pin", follow=True)
    assert "endringer her ville ikke blitt med videre" in text_of(r)
    db.session.expire_all()
    assert not theme_with(run, BUS[1]).is_pinned


def test_new_inputs_are_offered_for_placement(reviewer_client, world):
    process, activity, reviewer = world
    run = start_and_run(world, n_themes=3)
    db.session.add(Input(activity_id=activity.id, text="Maten er kald og smaker lite", source="web"))
    db.session.commit()
    page = f"/review/runs/{run.id}"
    assert "1 innspill har kommet etter grupperingen" in text_of(reviewer_client.get(page))
    r = reviewer_client.submit(page, {}, action=f"/review/runs/{run.id}/place")
    assert r.status_code == 302
    run_pending_jobs()
    r = reviewer_client.get(page)
    assert "nytt innspill er plassert" in text_of(r)


def _csrf(client, page):
    from tests.conftest import hidden_fields

    return hidden_fields(client.get(page).get_data(as_text=True))["csrf_token"]


def test_run_uses_stored_embeddings_and_embeds_only_the_rest(app, world):
    from hearing.models import InputEmbedding

    process, activity, reviewer = world
    app.config["THEMES_EMBEDDINGS"] = True
    service.schedule_embedding(db.session)
    db.session.commit()
    run_pending_jobs()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(InputEmbedding)) == 36
    db.session.add(Input(activity_id=activity.id, text="Bussen går ikke om søndagen", source="web"))
    db.session.commit()
    run = service.start_run(db.session, reviewer, process, n_themes=3)
    db.session.commit()
    kinds = [j.kind for j in db.session.scalars(sa.select(Job).where(Job.status == "queued").order_by(Job.id))]
    assert kinds == ["themes.run"]  # the run computes what it lacks itself, with progress
    run_pending_jobs(limit=1)
    db.session.expire_all()
    run = db.session.get(ThemeRun, run.id)
    assert run.job.status == "done", run.job.error
    assert run.stats["method"] == "embeddings" and run.stats["n_embedded"] == 37
    assert run.stats["n_embedded_before"] == 36 and run.stats["n_embedded_in_run"] == 1
    # the one missing was embedded by the run and stored for the next
    assert db.session.scalar(sa.select(sa.func.count()).select_from(InputEmbedding)) == 37
    assert all(theme_with(run, t) is not None for t in BUS + FOOD + WALK)
    bus_theme = theme_with(run, BUS[0]).theme_id
    assert sum(theme_with(run, t).theme_id == bus_theme for t in BUS) >= 9


def test_new_inputs_are_placed_in_the_newest_run_by_themselves(world):
    process, activity, reviewer = world
    old = start_and_run(world, n_themes=3)
    run = start_and_run(world, n_themes=3)
    db.session.add(Input(activity_id=activity.id, text="Strø fortauet før folk går på jobb", source="web"))
    db.session.commit()
    job = service.schedule_new_inputs(db.session)
    assert service.schedule_new_inputs(db.session) is job
    db.session.commit()
    run_pending_jobs()
    db.session.expire_all()
    a = theme_with(run, "Strø fortauet før folk går på jobb")
    assert a is not None and a.is_new and a.theme_id == theme_with(run, WALK[1]).theme_id
    assert theme_with(old, "Strø fortauet før folk går på jobb") is None
    assert db.session.get(Job, job.id).result == {"placed": {str(run.id): 1}}


def test_run_without_inputs_fails_with_its_reason(reviewer_client, make_process, world):
    process, activity, reviewer = world
    empty = make_process(name="Tom prosess")
    run = service.start_run(db.session, reviewer, empty)
    db.session.commit()
    run_pending_jobs()
    r = reviewer_client.get(f"/review/runs/{run.id}")
    assert "Grupperingen feilet" in text_of(r) and "ingen innspill" in text_of(r)
    assert reviewer_client.get(f"/review/runs/{run.id}/status").get_json()["status"] == "failed"


def test_rerun_keeps_an_input_moved_to_diverse(world):
    process, activity, reviewer = world
    run = start_and_run(world, n_themes=3)
    misc = service._misc_theme(db.session, run)
    service.move_input(db.session, reviewer, theme_with(run, FOOD[0]), misc)
    db.session.commit()
    run2 = start_and_run(world, n_themes=3)
    moved = theme_with(run2, FOOD[0])
    theme = db.session.get(Theme, moved.theme_id)
    assert theme.is_misc and theme.previous_theme_id == misc.id and moved.source == "manual"
