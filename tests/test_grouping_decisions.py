"""The review group's decisions are data, and every later run obeys all of them."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from hearing.extensions import db
from hearing.grouping import decisions, service
from hearing.jobs import run_pending_jobs
from hearing.models import Activity, Input, Theme, ThemeAssignment, ThemeDecision, ThemeRun
from hearing.review import board
from tests.conftest import hidden_fields, text_of
from tests.test_theme_runs import BUS, FOOD, WALK

NEW = ["Bussen bør gå hver halvtime", "Mer frukt til frokost", "Strø trappene ved sykehjemmet"]


@pytest.fixture
def world(app, make_process, make_user):
    app.config["THEMES_EMBEDDINGS"] = False
    process = make_process()
    activity = Activity(process=process, kind="workshop", title="Verksted")
    db.session.add(activity)
    db.session.flush()
    for text in FOOD + BUS + WALK:
        db.session.add(Input(activity_id=activity.id, text=text, source="workshop"))
    db.session.commit()
    return process, activity, make_user("reviewer")


def run_now(process, reviewer, **kw):
    run = service.start_run(db.session, reviewer, process, **kw)
    db.session.commit()
    run_pending_jobs()
    db.session.expire_all()
    run = db.session.get(ThemeRun, run.id)
    assert run.job.status == "done", run.job.error
    return run


def placed(run, text):
    iid = db.session.scalar(sa.select(Input.id).where(Input.text == text))
    return db.session.scalar(sa.select(ThemeAssignment).where(ThemeAssignment.run_id == run.id,
                                                                ThemeAssignment.input_id == iid))


def continues(run, theme_id):
    """The theme of ``run`` whose lineage goes back to ``theme_id``."""
    found = {t.id: t for t in db.session.scalars(sa.select(Theme))}
    for t in db.session.get(ThemeRun, run.id).themes:
        ident = t.id
        while ident is not None:
            if ident == theme_id:
                return t
            ident = found[ident].previous_theme_id
    return None


def test_rerun_keeps_every_decision(world, client):
    process, activity, reviewer = world
    run1 = run_now(process, reviewer, n_themes=3)
    bus = db.session.get(Theme, placed(run1, BUS[0]).theme_id)
    food = db.session.get(Theme, placed(run1, FOOD[0]).theme_id)
    walk = db.session.get(Theme, placed(run1, WALK[0]).theme_id)
    assert len({bus.id, food.id, walk.id}) == 3
    service.rename_theme(db.session, reviewer, bus, "Kollektivtransport")
    service.rename_theme(db.session, reviewer, walk, "Vinterdrift")
    # the reviewers' placements, some against what the engine would do
    chosen = {BUS[5]: food, FOOD[2]: walk, WALK[3]: bus}
    for text, theme in chosen.items():
        service.move_input(db.session, reviewer, placed(run1, text), theme)
    for text in (WALK[0], BUS[1]):  # pinned where they are
        service.pin_input(db.session, reviewer, placed(run1, text))
        chosen[text] = db.session.get(Theme, placed(run1, text).theme_id)
    a = placed(run1, FOOD[3])  # a confirmed suggestion, against the engine
    a.suggested_theme_id, a.suggested_confidence = bus.id, 0.9
    service.accept_suggestion(db.session, reviewer, a)
    chosen[FOOD[3]] = bus
    db.session.commit()
    kinds = sorted(db.session.scalars(sa.select(ThemeDecision.kind)))
    assert kinds == sorted(["guidance", "rename", "rename", "move", "move", "move", "pin", "pin", "confirm"])

    for text in NEW:
        db.session.add(Input(activity_id=activity.id, text=text, source="web"))
    db.session.commit()
    # guidance typed again with a reviewer's name: no second theme of that name
    run2 = run_now(process, reviewer, n_themes=3, guidance="Vinterdrift: is, snø\nParkering: bil, parkering")
    assert run2.previous_run_id == run1.id

    for theme, name in ((bus, "Kollektivtransport"), (walk, "Vinterdrift")):
        now = continues(run2, theme.id)
        assert now is not None and now.name == name and now.previous_theme_id == theme.id
    names = [t.label for t in run2.themes if not t.merged_into_id]
    assert names.count("Vinterdrift") == 1 and "Parkering" in names
    for text, theme in chosen.items():
        a = placed(run2, text)
        assert a.theme_id == continues(run2, theme.id).id, text
    assert placed(run2, WALK[0]).is_pinned and placed(run2, BUS[1]).is_pinned
    assert placed(run2, BUS[5]).source == "manual" and placed(run2, FOOD[3]).source == "suggested"
    for text in NEW:
        assert placed(run2, text) is not None

    stats = run2.stats
    assert stats["decisions_total"] == stats["decisions_kept"] == len(chosen) == 6
    assert stats["names_total"] == stats["names_kept"] == 2
    assert stats["new_inputs"] == len(NEW)
    assert stats["decisions_total"] + stats["stayed"] + stats["moved"] + stats["new_inputs"] == stats["n_inputs"] == 39
    # the counts are true: recount them from the stored placements
    before = dict(db.session.execute(sa.select(ThemeAssignment.input_id, ThemeAssignment.theme_id)
                                     .where(ThemeAssignment.run_id == run1.id)).all())
    chosen_ids = {db.session.scalar(sa.select(Input.id).where(Input.text == t)) for t in chosen}
    stayed = sum(1 for a in db.session.scalars(sa.select(ThemeAssignment).where(ThemeAssignment.run_id == run2.id))
                 if a.input_id in before and a.input_id not in chosen_ids
                 and db.session.get(Theme, a.theme_id).previous_theme_id == before[a.input_id])
    assert stayed == stats["stayed"]

    client.login(reviewer.email)
    page = text_of(client.get(f"/review/runs/{run2.id}"))
    assert "6 av 6 innspill dere har flyttet, festet eller bekreftet står der dere plasserte dem" in page
    assert "2 av 2 temanavn dere har gitt er beholdt" in page
    assert f"{stats['moved']} andre innspill havnet i et annet tema" in page
    assert "3 nye innspill" in page and "Ord og ordbiter (TF-IDF)" in page
    # the guidance typed is the default of the next run's form
    form = client.get(f"/review/processes/{process.id}").get_data(as_text=True)
    assert "Parkering: bil, parkering" in form

    # a third run still obeys decisions made in the first (followed through the lineage), and new ones
    service.move_input(db.session, reviewer, placed(run2, NEW[0]), continues(run2, bus.id))
    chosen[NEW[0]] = bus
    db.session.commit()
    run3 = run_now(process, reviewer, n_themes=3, guidance=decisions.guidance_default(db.session, process.id))
    for text, theme in chosen.items():
        assert placed(run3, text).theme_id == continues(run3, theme.id).id, text
    assert continues(run3, bus.id).name == "Kollektivtransport"
    assert run3.stats["decisions_kept"] == run3.stats["decisions_total"] == 7


def test_merge_split_and_unpin_are_decisions(world):
    process, activity, reviewer = world
    run1 = run_now(process, reviewer, n_themes=3)
    bus = db.session.get(Theme, placed(run1, BUS[0]).theme_id)
    food = db.session.get(Theme, placed(run1, FOOD[0]).theme_id)
    new = board.split_theme(db.session, reviewer, bus, [placed(run1, BUS[2]).id, placed(run1, BUS[3]).id], "Billetter")
    service.pin_input(db.session, reviewer, placed(run1, FOOD[1]))
    service.pin_input(db.session, reviewer, placed(run1, FOOD[1]), False)
    db.session.commit()
    kinds = set(db.session.scalars(sa.select(ThemeDecision.kind)))
    assert {"split", "move", "pin", "unpin"} <= kinds
    held = decisions.placements(db.session, process.id)
    food1 = db.session.scalar(sa.select(Input.id).where(Input.text == FOOD[1]))
    assert food1 not in held  # unpinned and never moved: the engine may place it again
    run2 = run_now(process, reviewer, n_themes=3)
    split_now = continues(run2, new.id)
    assert split_now.name == "Billetter"
    assert placed(run2, BUS[2]).theme_id == split_now.id == placed(run2, BUS[3]).theme_id
    untouched = [t for t in BUS if placed(run2, t).theme_id == continues(run2, bus.id).id
                 and placed(run2, t).source == "auto"]
    assert untouched
    n_decisions = db.session.scalar(sa.select(sa.func.count()).select_from(ThemeDecision))
    board.merge_themes(db.session, reviewer, continues(run2, new.id), continues(run2, bus.id))
    board.merge_themes(db.session, reviewer, continues(run2, bus.id), continues(run2, food.id))
    db.session.commit()
    # two merges are two decisions about themes, not a confirmation of every input they moved
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ThemeDecision)) == n_decisions + 2
    assert [placed(run2, t).source for t in untouched] == ["auto"] * len(untouched)
    assert placed(run2, BUS[2]).source == "manual"  # split off by a reviewer: still the reviewer's placement
    run3 = run_now(process, reviewer, n_themes=3)
    # the merges are obeyed: the split inputs, decided in run 1 in a theme that run 2 merged away and
    # whose target was merged again, still live in the theme everything was merged into
    food3 = continues(run3, food.id)
    assert placed(run3, BUS[2]).theme_id == food3.id == placed(run3, BUS[3]).theme_id
    assert run3.stats["decisions_kept"] == run3.stats["decisions_total"] and run3.stats["decisions_lost"] == 0
    # the merged themes do not come back, and the inputs nobody confirmed are still unconfirmed
    assert continues(run3, bus.id) is None and continues(run3, new.id) is None
    assert all(placed(run3, t).source not in ("manual", "suggested") and not placed(run3, t).is_pinned
               for t in untouched)
    # and a run after that still follows them (the merge was made two runs back)
    run4 = run_now(process, reviewer, n_themes=3)
    assert placed(run4, BUS[2]).theme_id == continues(run4, food.id).id == placed(run4, BUS[3]).theme_id
    assert run4.stats["decisions_lost"] == 0 and run4.stats["decisions_kept"] == run4.stats["decisions_total"]


def themes_of(run) -> dict[int, int]:
    """Input id -> id of the theme of the first run it continues (its lineage root)."""
    found = {t.id: t for t in db.session.scalars(sa.select(Theme))}

    def root(theme_id):
        while found[theme_id].previous_theme_id is not None:
            theme_id = found[theme_id].previous_theme_id
        return theme_id

    return {a.input_id: root(a.theme_id) for a in db.session.scalars(
        sa.select(ThemeAssignment).where(ThemeAssignment.run_id == run.id))}


def test_rerun_keeps_the_themes_nobody_touched(world, client):
    """A re-run with nothing decided keeps every theme and where every input was; new inputs join."""
    process, activity, reviewer = world
    run1 = run_now(process, reviewer)
    misc = {t.id for t in run1.themes if t.is_misc}
    before = {i: t for i, t in themes_of(run1).items() if t not in misc}  # "Diverse" may be placed anew
    assert len(before) > 30
    for text in NEW:
        db.session.add(Input(activity_id=activity.id, text=text, source="web"))
    db.session.commit()
    run2 = run_now(process, reviewer)  # the form's default: keep the themes
    assert run2.params["keep_themes"] is True
    # nobody named these themes: their inputs are still the engine's ("Automatisk"), not "Forventet tema"
    assert set(db.session.scalars(sa.select(ThemeAssignment.source).where(ThemeAssignment.run_id == run2.id))) == {"auto"}
    after = themes_of(run2)
    stayed = sum(after[i] == t for i, t in before.items())
    assert stayed == len(before) == run2.stats["stayed"]
    placed_from_misc = sum(1 for i, t in themes_of(run1).items() if t in misc and after[i] not in misc)
    assert run2.stats["moved"] == placed_from_misc
    assert run2.stats["n_themes"] >= run1.stats["n_themes"]
    assert {t.label for t in run1.themes if not t.is_misc} <= {t.label for t in run2.themes}
    new_ids = set(db.session.scalars(sa.select(Input.id).where(Input.text.in_(NEW))))
    assert new_ids <= set(after)

    # "Grupper alt på nytt" from the form: undecided inputs are grouped afresh, and the page offers both
    client.login(reviewer.email)
    page = client.get(f"/review/processes/{process.id}").get_data(as_text=True)
    assert "Behold temaene og plasser nye innspill i dem" in page and "Grupper alt på nytt" in page
    client.submit(f"/review/processes/{process.id}", {"scope": "process", "keep_themes": "fresh", "n_themes": ""})
    run_pending_jobs()
    db.session.expire_all()
    run3 = db.session.scalars(sa.select(ThemeRun).order_by(ThemeRun.id.desc())).first()
    assert run3.id != run2.id and run3.params["keep_themes"] is False and run3.job.status == "done"


def test_first_run_offers_no_choice_of_keeping(world, client):
    process, _activity, reviewer = world
    client.login(reviewer.email)
    page = client.get(f"/review/processes/{process.id}").get_data(as_text=True)
    assert "Behold temaene" not in page


def test_inputs_placed_automatically_after_a_run_count_as_new_in_the_next(world, client):
    """The walkthrough: 30 imported inputs were placed in the current run by the background job (as every
    import does), then a re-run said "0 nye innspill" and counted them among those that stayed or moved."""
    process, activity, reviewer = world
    run1 = run_now(process, reviewer, n_themes=3)
    service.pin_input(db.session, reviewer, placed(run1, BUS[0]))
    for text in NEW:
        db.session.add(Input(activity_id=activity.id, text=text, source="web"))
    db.session.commit()
    assert service.place_new_inputs(db.session, run1) == len(NEW)  # what the import's placement job does
    service.pin_input(db.session, reviewer, placed(run1, NEW[0]))  # a reviewer's decision on a new one
    db.session.commit()

    run2 = run_now(process, reviewer, n_themes=3)
    stats = run2.stats
    assert stats["decisions_total"] == stats["decisions_kept"] == 2
    assert stats["new_inputs"] == len(NEW) - 1  # the pinned new one is counted as a decision
    assert stats["decisions_total"] + stats["stayed"] + stats["moved"] + stats["new_inputs"] == stats["n_inputs"] == 39
    old = set(db.session.scalars(sa.select(ThemeAssignment.input_id).where(
        ThemeAssignment.run_id == run1.id, ThemeAssignment.is_new.is_(False))))
    assert stats["stayed"] + stats["moved"] == len(old) - 1  # every old input but the pinned one

    client.login(reviewer.email)
    page = text_of(client.get(f"/review/runs/{run2.id}"))
    assert f"{len(NEW) - 1} nye innspill" in page


def test_a_guide_typed_with_a_themes_automatic_name_is_that_theme(world, client):
    """The walkthrough typed "Transport: buss, TT-kort" as guidance while the board had a theme the engine
    had named "Transport": the re-run kept it and made a second, empty "Transport (tom)" beside it, and
    counted that as a new theme proposed."""
    process, activity, reviewer = world
    run1 = run_now(process, reviewer, n_themes=3)
    bus = db.session.get(Theme, placed(run1, BUS[0]).theme_id)
    assert bus.name is None
    service.pin_input(db.session, reviewer, placed(run1, BUS[0]))
    db.session.commit()
    typed = f"{bus.auto_label}: buss, rute\nHelt ukjent tema: xyzzy, quux"

    run2 = run_now(process, reviewer, n_themes=3, guidance=typed)
    labels = [t.label for t in run2.themes if not t.merged_into_id]
    assert labels.count(bus.auto_label) == 1, labels
    assert continues(run2, bus.id).label == bus.auto_label
    sizes = dict(db.session.execute(sa.select(ThemeAssignment.theme_id, sa.func.count())
                                    .where(ThemeAssignment.run_id == run2.id).group_by(ThemeAssignment.theme_id)).all())
    proposed = [t for t in run2.themes if not t.is_misc and t.previous_theme_id is None and sizes.get(t.id)]
    assert run2.stats["new_themes"] == len(proposed)


def test_no_two_themes_of_a_run_share_a_name():
    """The walkthrough's regrouping (guides kept, everything else grouped again) showed "Transport",
    "Velferdsteknologi" and "Pårørende og avlastning" twice each, and twice in every move list."""
    from hearing.grouping.service import _distinct_labels

    def theme(position, auto, terms=(), name=None, guide=None, misc=False):
        return Theme(position=position, auto_label=auto, terms=list(terms), name=name, guide_name=guide, is_misc=misc)

    kept = theme(1, "Velferdsteknologi", ["trygghetsalarm"])
    named = theme(2, "Transport", ["buss"], name="Transport")
    typed = theme(3, "Kosthold", ["mat"], guide="Kosthold")
    again = theme(4, "Velferdsteknologi", ["pasienter", "velferdsteknologi", "epikrisen", "alarmer"])
    transport = theme(5, "transport", ["bestillingstransport", "bussen"])
    bare = theme(6, "Kosthold", [])
    misc = theme(7, "Diverse", misc=True)
    early = theme(0, "Aktivitet", ["trim"])  # an automatic name before a guide typed with the same name
    guided = theme(8, "Aktivitet", ["trim"], guide="Aktivitet")
    _distinct_labels([again, kept, named, typed, transport, bare, misc, guided, early])
    every = (early, kept, named, typed, again, transport, bare, misc, guided)
    assert [t.label for t in every] == [
        "Aktivitet (trim)", "Velferdsteknologi", "Transport", "Kosthold", "Velferdsteknologi (pasienter, epikrisen)",
        "transport (bestillingstransport, bussen)", "Kosthold (2)", "Diverse", "Aktivitet"]
    labels = [t.label.casefold() for t in every]
    assert len(set(labels)) == len(labels)


def test_no_change_is_taken_while_a_newer_run_computes(world, client):
    """The walkthrough moved an input while the next run was computing: the move was stored, but the new run
    had read the decisions before it and put the input back where the engine had it."""
    from hearing.grouping import confirm

    process, activity, reviewer = world
    run1 = run_now(process, reviewer, n_themes=3)
    bus = db.session.get(Theme, placed(run1, BUS[0]).theme_id)
    food = db.session.get(Theme, placed(run1, FOOD[0]).theme_id)
    run2 = service.start_run(db.session, reviewer, process, n_themes=3)  # queued, not run yet
    db.session.commit()
    with pytest.raises(service.ThemeServiceError, match="En ny gruppering kjører nå"):
        service.move_input(db.session, reviewer, placed(run1, BUS[1]), food)
    with pytest.raises(service.ThemeServiceError, match="En ny gruppering kjører nå"):
        service.rename_theme(db.session, reviewer, bus, "Kollektivtransport")
    with pytest.raises(service.ThemeServiceError, match="En ny gruppering kjører nå"):
        board.merge_themes(db.session, reviewer, bus, food)
    with pytest.raises(service.ThemeServiceError, match="En ny gruppering kjører nå"):
        confirm.accept_confident(db.session, reviewer, run1, 0.5)
    from hearing.grouping import bulk

    with pytest.raises(bulk.BulkError, match="En ny gruppering kjører nå"):
        bulk.apply(db.session, reviewer, run1, "move", [placed(run1, BUS[1]).id], target=food)
    db.session.rollback()
    assert not db.session.scalars(sa.select(ThemeDecision).where(ThemeDecision.kind != "guidance")).all()

    client.login(reviewer.email)
    page = text_of(client.get(f"/review/runs/{run1.id}"))
    assert "En ny gruppering kjører nå." in page and "Følg den nye grupperingen" in page
    r = client.post(f"/review/themes/{bus.id}/rename",
                    data=hidden_fields(client.get(f"/review/themes/{bus.id}").get_data(as_text=True),
                                       action=f"/review/themes/{bus.id}/rename") | {"name": "Kollektivtransport"})
    db.session.expire_all()
    assert db.session.get(Theme, bus.id).name is None
    assert "En ny gruppering kjører nå" in text_of(client.get(r.headers["Location"])) if r.status_code == 302 \
        else "En ny gruppering kjører nå" in text_of(r)

    # the board's bulk form says so too (it answered 500: only its own errors were caught)
    board_url = f"/review/runs/{run1.id}/inputs"
    fields = hidden_fields(client.get(board_url).get_data(as_text=True), action=board_url)
    r = client.post(board_url, data=fields | {"assignment_ids": str(placed(run1, BUS[1]).id), "action": "move",
                                              "theme_id": str(food.id)})
    assert r.status_code in (302, 400, 422), r.status_code
    db.session.expire_all()
    assert placed(run1, BUS[1]).theme_id == bus.id

    run_pending_jobs()
    db.session.expire_all()
    run2 = db.session.get(ThemeRun, run2.id)
    service.move_input(db.session, reviewer, placed(run2, BUS[1]), continues(run2, food.id))  # now it is taken
    db.session.commit()
    assert "En ny gruppering kjører nå." not in text_of(client.get(f"/review/runs/{run2.id}"))
