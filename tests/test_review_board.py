"""The reviewers' themes board: spread, filters, search, an input in context, merge, split, drag-and-drop move,
duplicates, history, and re-runs that keep the reviewers' work."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from hearing.extensions import db
from hearing.grouping import service
from hearing.jobs import run_pending_jobs
from hearing.models import (
    Activity,
    AuditEvent,
    Input,
    StakeholderGroup,
    Submission,
    Theme,
    ThemeAssignment,
    ThemeRun,
)
from hearing.review import board
from tests.conftest import Client, hidden_fields, text_of

FOOD = [
    "Maten på sykehjemmet er kald",
    "Bedre middag til de eldre",
    "Middagen smaker ikke godt",
    "Mer varm mat og frukt",
    "Maten kommer for sent",
    "Ønsker hjemmelaget middag",
    "Kald mat hver dag",
    "Frokosten er for liten",
    "Bedre kosthold og mat",
    "Middag med fisk oftere",
    "Maten må smake bedre",
    "Varm middag hver dag",
]
BUS = [
    "Bussen går for sjelden",
    "Flere busser om kvelden",
    "Bussen kommer aldri i tide",
    "Billigere buss for pensjonister",
    "Bussholdeplassen mangler benk",
    "Ingen buss i helgene",
    "Bussen er full om morgenen",
    "Flere bussavganger til sentrum",
    "Buss til legekontoret",
    "Bussen stopper for langt unna",
    "Trenger buss til sykehuset",
    "Bussjåføren kjører for fort",
]
WALK = [
    "Fortauet er glatt om vinteren",
    "Strø fortauene når det er is",
    "Brøyt gangveien tidligere",
    "Glatte fortau er farlige",
    "Snø på fortauet hele vinteren",
    "Isen på gangveien gjør at jeg faller",
    "Måk snøen fra fortauet",
    "Strøing av gangveier for eldre",
    "Fortauet er islagt",
    "Brøyting av fortau",
    "Glatt og is på fortauet",
    "Sand og strøing på glatte veier",
]
#: A citizen's phone number: masked before any reviewer sees it.
PHONE = "41234567"


@pytest.fixture
def world(app, make_process, make_user, client):
    """Food from employees at a workshop (bokmål), bus from the elderly council at a hearing (nynorsk,
    one submission with two inputs), walking from employees at the workshop; a finished run of 3 themes."""
    app.config["THEMES_EMBEDDINGS"] = False
    process = make_process()
    p1, p2 = process.phases[0], process.phases[1]
    staff = StakeholderGroup(process_id=process.id, name="Ansatte", category="employees")
    council = StakeholderGroup(process_id=process.id, name="Eldrerådet", category="council")
    workshop = Activity(process=process, kind="workshop", title="Verksted", phase_id=p1.id)
    hearing = Activity(process=process, kind="hearing", title="Høring i rådene", phase_id=p2.id)
    db.session.add_all([staff, council, workshop, hearing])
    db.session.flush()
    sub = Submission(
        activity_id=hearing.id,
        group_id=council.id,
        reference="H-2026-000001",
        submission_key="k1",
        edit_token_hash="h1",
        on_behalf_of="Eldrerådet",
    )
    db.session.add(sub)
    db.session.flush()
    for text in FOOD:
        db.session.add(
            Input(activity_id=workshop.id, group_id=staff.id, text=text, lang="nb", source="workshop")
        )
    for n, text in enumerate(BUS):
        db.session.add(
            Input(
                activity_id=hearing.id,
                group_id=council.id,
                text=text,
                lang="nn",
                submission_id=sub.id if n < 2 else None,
            )
        )
    for text in WALK:
        db.session.add(
            Input(activity_id=workshop.id, group_id=staff.id, text=text, lang="nb", source="workshop")
        )
    db.session.commit()
    reviewer = make_user("reviewer")
    run = service.start_run(db.session, reviewer, process, n_themes=3)
    db.session.commit()
    run_pending_jobs()
    db.session.expire_all()
    run = db.session.get(ThemeRun, run.id)
    main = {
        db.session.scalar(
            sa.select(ThemeAssignment.theme_id)
            .join(Input)
            .where(ThemeAssignment.run_id == run.id, Input.text == texts[0])
        )
        for texts in (FOOD, BUS, WALK)
    }
    assert len(main) == 3, "the three clear topics should make three themes"
    assert client.login(reviewer.email).status_code == 302
    return {
        "process": process,
        "run": db.session.get(ThemeRun, run.id),
        "reviewer": reviewer,
        "staff": staff,
        "council": council,
        "workshop": workshop,
        "hearing": hearing,
        "phases": (p1, p2),
        "sub": sub,
    }


def inp(text) -> Input:
    return db.session.scalar(sa.select(Input).where(Input.text == text))


def placed(run, text) -> ThemeAssignment:
    return db.session.scalar(
        sa.select(ThemeAssignment).where(
            ThemeAssignment.run_id == run.id, ThemeAssignment.input_id == inp(text).id
        )
    )


def theme_of(run, text) -> Theme:
    return db.session.get(Theme, placed(run, text).theme_id)


def card(html: str, theme_id: int) -> str:
    """The run page's section for one theme."""
    m = re.search(rf'<section[^>]*id="theme-{theme_id}".*?</section>', html, re.S)
    assert m, theme_id
    return m.group(0)


def post_form(client, page_url, action, data):
    """Post the form that ``page_url`` renders for ``action``, its hidden fields included."""
    return client.submit(page_url, data, action=action)


# --- seeing the board ---------------------------------------------------------------------------


def test_run_page_shows_spread_over_groups_activities_and_phases(world, client):
    run = world["run"]
    bus = theme_of(run, BUS[0])
    page = client.get(f"/review/runs/{run.id}")
    assert page.status_code == 200
    section = card(page.get_data(as_text=True), bus.id)
    # a real table with a caption per dimension, numbers in cells, bars hidden from screen readers
    assert "<caption>Grupper" in section and "<caption>Aktiviteter" in section and "<caption>Faser" in section
    n_bus = service.theme_sizes(db.session, run)[bus.id]
    rows = dict(re.findall(r'<th scope="row">([^<]+)</th>\s*<td class="num">(\d+)</td>', section))
    spread = board.spread(db.session, run)[bus.id]
    assert spread.groups[0].label == "Eldrerådet" and spread.groups[0].n >= 9
    assert sum(b.n for b in spread.groups) == n_bus
    assert {b.label for b in spread.phases} <= {world["phases"][0].name, world["phases"][1].name}
    assert rows["Eldrerådet"] == str(spread.groups[0].n)
    assert 'aria-hidden="true"' in section and "<svg" in section
    # representative quotes are there, masked text only
    assert "Typiske innspill" in section


def test_filters_narrow_counts_and_keep_state_in_the_url(world, client):
    run = world["run"]
    food, bus = theme_of(run, FOOD[0]), theme_of(run, BUS[0])
    page = client.get(f"/review/runs/{run.id}?group={world['council'].id}")
    html = page.get_data(as_text=True)
    # the filter form shows what is chosen
    assert f'<option value="{world["council"].id}" selected>' in html
    # only themes with council inputs remain, with filtered counts ("n av m")
    council_sizes = board.theme_sizes(db.session, run, board.Filters(group_id=world["council"].id))
    assert sum(council_sizes.values()) == len(BUS)
    assert f'id="theme-{bus.id}"' in html
    if food.id not in council_sizes:
        assert f'id="theme-{food.id}"' not in html
    assert f"{len(BUS)} innspill passer til filteret" in text_of(page)
    assert f"av {service.theme_sizes(db.session, run)[bus.id]}" in card(html, bus.id)
    # the link to a theme keeps the filter
    assert f"/review/themes/{bus.id}?group={world['council'].id}" in html

    # language, phase and activity filters
    assert sum(board.theme_sizes(db.session, run, board.Filters(lang="nn")).values()) == len(BUS)
    assert (
        sum(board.theme_sizes(db.session, run, board.Filters(phase_id=world["phases"][0].id)).values()) == 24
    )
    assert (
        sum(board.theme_sizes(db.session, run, board.Filters(activity_id=world["hearing"].id)).values()) == 12
    )
    assert "Fjern filtrene" in client.get(f"/review/runs/{run.id}?lang_filter=nn").get_data(as_text=True)
    # nonsense values are ignored, not errors
    assert client.get(f"/review/runs/{run.id}?group=x&lang_filter=zz&phase=-1").status_code == 200

    # theme page: rows follow the filter
    theme_page = client.get(f"/review/themes/{bus.id}?lang_filter=nb")
    rows = re.findall(r'<tr id="input-(\d+)"', theme_page.get_data(as_text=True))
    nb_in_bus = [i for i in rows if db.session.get(Input, int(i)).lang == "nb"]
    assert rows == nb_in_bus


def test_new_since_last_run_filter(world, client):
    run = world["run"]
    new = Input(
        activity_id=world["hearing"].id, group_id=world["council"].id, text="Bussen går for sjelden om natta"
    )
    db.session.add(new)
    db.session.commit()
    service.place_new_inputs(db.session, run)
    db.session.commit()
    assert board.theme_sizes(db.session, run, board.Filters(new_only=True)) == {
        placed(run, new.text).theme_id: 1
    }
    page = client.get(f"/review/runs/{run.id}?new=1")
    assert "1 innspill passer til filteret" in text_of(page)
    theme_page = client.get(f"/review/themes/{placed(run, new.text).theme_id}?new=1")
    assert re.findall(r'<tr id="input-(\d+)"', theme_page.get_data(as_text=True)) == [str(new.id)]


def test_a_theme_page_is_chosen_from_the_placements_in_the_boards_order(world):
    """#16: the theme page picks its placements before reading their inputs; the rows and their order are the
    ones a single joined query gives (new first, most certain first with unknown certainty last, then id), with
    and without a filter that needs the inputs."""
    run = world["run"]
    theme = max(board.board_themes(run), key=lambda t: board.theme_total(db.session, t))
    rows = db.session.scalars(sa.select(ThemeAssignment).where(ThemeAssignment.theme_id == theme.id)
                              .order_by(ThemeAssignment.id)).all()
    assert len(rows) >= 5
    for n, a in enumerate(rows):  # ties, unknown certainty and new ones among them
        a.confidence = None if n % 4 == 0 else round(0.5 + (n % 3) / 10, 2)
        a.is_new = n % 5 == 1
    db.session.commit()
    order = (ThemeAssignment.is_new.desc(), ThemeAssignment.confidence.desc().nulls_last(), ThemeAssignment.id)
    for filters in (board.Filters(), board.Filters(group_id=world["council"].id), board.Filters(new_only=True)):
        joined = filters.apply(sa.select(ThemeAssignment.id).join(Input, Input.id == ThemeAssignment.input_id)
                               .join(Activity, Activity.id == Input.activity_id)
                               .where(ThemeAssignment.theme_id == theme.id)).order_by(*order)
        expected = db.session.scalars(joined).all()
        got = [a.id for page in (1, 2, 3, 4) for a in board.assignments_page(db.session, theme, filters, page, 2)]
        assert got == expected[:8]
        assert all(a.input is not None for a in board.assignments_page(db.session, theme, filters, 1, 2))
    assert board.assignments_page(db.session, theme, board.Filters(), 99, 2) == []


# --- search and one input -----------------------------------------------------------------------


def test_search_is_case_insensitive_masked_and_paginated(world, client):
    run = world["run"]
    secret = Input(
        activity_id=world["workshop"].id, text=f"Ring meg om bussen på {PHONE}", group_id=world["staff"].id
    )
    db.session.add(secret)
    db.session.commit()
    page = client.get(f"/review/processes/{world['process'].id}/search?q=BUSSEN&run={run.id}")
    assert page.status_code == 200
    text = text_of(page)
    assert "innspill inneholder «BUSSEN»" in text
    hits, total = board.search_inputs(db.session, world["process"], "bussen", run=run)
    # every input containing the word, and other forms of it (stemmed search: busser, bussholdeplassen)
    assert total >= sum("bussen" in i.text_masked.lower() for i in db.session.scalars(sa.select(Input)))
    assert all("buss" in h.input.text_masked.lower() for h in hits)
    assert total >= 5
    # each hit shows its theme, group and activity
    assert theme_of(run, BUS[0]).label in text and "Eldrerådet" in text and "Høring i rådene" in text
    # personal data is masked in the hit, and cannot be found by searching for it
    assert PHONE not in page.get_data(as_text=True)
    assert board.search_inputs(db.session, world["process"], PHONE)[1] == 0
    # LIKE wildcards are plain characters
    assert board.search_inputs(db.session, world["process"], "%")[1] == 0
    # pages
    first, total = board.search_inputs(db.session, world["process"], "buss", per_page=5)
    second, _ = board.search_inputs(db.session, world["process"], "buss", page=2, per_page=5)
    assert len(first) == 5 and not {h.input.id for h in first} & {h.input.id for h in second}
    # an empty search shows the form only
    assert "Treff" not in text_of(client.get(f"/review/processes/{world['process'].id}/search"))


def test_input_page_shows_context_theme_and_history(world, client):
    run = world["run"]
    first, second = inp(BUS[0]), inp(BUS[1])
    second.text = f"Flere busser om kvelden, ring {PHONE}"
    db.session.commit()
    page = client.get(f"/review/inputs/{first.id}?run={run.id}")
    assert page.status_code == 200
    text = text_of(page)
    html = page.get_data(as_text=True)
    assert BUS[0] in text and "Høring i rådene" in text and "Eldrerådet" in text and "H-2026-000001" in text
    assert world["phases"][1].name in text
    # the other input of the same submission, masked
    assert f"Nr. {second.id}" in text and PHONE not in html
    assert theme_of(run, BUS[0]).label in text
    # after a move, the history says who moved it where
    food, before = theme_of(run, FOOD[0]), theme_of(run, BUS[0])
    a = placed(run, BUS[0])
    resp = post_form(
        client, f"/review/themes/{a.theme_id}", f"/review/assignments/{a.id}/move", {"theme_id": food.id}
    )
    assert resp.status_code == 302
    text = text_of(client.get(f"/review/inputs/{first.id}?run={run.id}"))
    assert f"Flyttet fra «{before.label}» til «{food.label}»" in text
    assert world["reviewer"].name in text
    # the theme's history lists the move too
    assert f"til «{food.label}»" in text_of(client.get(f"/review/themes/{food.id}"))


# --- merge, split, move, duplicates -------------------------------------------------------------


def test_merge_moves_inputs_and_removes_the_theme_from_the_board(world, client):
    run = world["run"]
    bus, food = theme_of(run, BUS[0]), theme_of(run, FOOD[0])
    n_bus = service.theme_sizes(db.session, run)[bus.id]
    n_food = service.theme_sizes(db.session, run)[food.id]
    page = client.get(f"/review/themes/{bus.id}")
    fields = hidden_fields(page.get_data(as_text=True), action=f"/review/themes/{bus.id}/merge")
    fields["target_id"] = str(food.id)
    resp = client.post(f"/review/themes/{bus.id}/merge", data=fields)
    assert resp.status_code == 302 and resp.headers["Location"].endswith(f"/review/themes/{food.id}")
    # a double click changes nothing more
    again = client.post(f"/review/themes/{bus.id}/merge", data=fields)
    assert again.status_code == 302 and again.headers["Location"].endswith(f"/review/themes/{food.id}")
    db.session.expire_all()
    assert db.session.get(Theme, bus.id).merged_into_id == food.id
    assert service.theme_sizes(db.session, run).get(food.id) == n_bus + n_food
    # a merge is a decision about the themes: no input it moved counts as confirmed by it
    assert placed(run, BUS[0]).source == "auto" and not placed(run, BUS[0]).is_pinned
    html = client.get(f"/review/runs/{run.id}").get_data(as_text=True)
    assert f'id="theme-{bus.id}"' not in html
    # the merged theme's page leads to where its inputs went; it is no target for moves any more
    assert client.get(f"/review/themes/{bus.id}").headers["Location"].endswith(f"/review/themes/{food.id}")
    selects = re.findall(
        r'name="(?:theme_id|target_id)"[^>]*>(.*?)</select>',
        client.get(f"/review/themes/{food.id}").get_data(as_text=True),
        re.S,
    )
    assert selects and all(f'value="{bus.id}"' not in options for options in selects)
    events = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "theme.merge")).all()
    assert (
        len(events) == 1 and events[0].actor_id == world["reviewer"].id and events[0].data["count"] == n_bus
    )
    assert "ble slått sammen med dette temaet" in text_of(client.get(f"/review/themes/{food.id}"))


def test_merge_refuses_itself_with_a_message(world, client):
    run = world["run"]
    bus = theme_of(run, BUS[0])
    fields = hidden_fields(
        client.get(f"/review/themes/{bus.id}").get_data(as_text=True), action=f"/review/themes/{bus.id}/merge"
    )
    resp = client.post(f"/review/themes/{bus.id}/merge", data={**fields, "target_id": str(bus.id)})
    assert resp.status_code == 400
    assert "Skjemaet har feil" in text_of(resp)
    with pytest.raises(board.BoardError, match="annet tema"):
        board.merge_themes(db.session, None, bus, bus)


def test_split_makes_a_new_theme_of_the_chosen_inputs(world, client):
    run = world["run"]
    walk = theme_of(run, WALK[0])
    chosen = [placed(run, t) for t in WALK[:4] if placed(run, t).theme_id == walk.id]
    assert chosen
    url = f"/review/themes/{walk.id}"
    fields = hidden_fields(client.get(url).get_data(as_text=True), action=f"{url}/split")
    # no inputs chosen: a clear message, the name is kept
    resp = client.post(f"{url}/split", data={**fields, "name": "Strøing"})
    assert resp.status_code == 400
    assert "Velg minst ett innspill" in text_of(resp) and 'value="Strøing"' in resp.get_data(as_text=True)
    # chosen and named
    data = {**fields, "name": "Strøing", "assignment_ids": [str(a.id) for a in chosen]}
    resp = client.post(f"{url}/split", data=data)
    assert resp.status_code == 302
    assert client.post(f"{url}/split", data=data).status_code == 302  # double click
    db.session.expire_all()
    new = db.session.scalars(sa.select(Theme).where(Theme.run_id == run.id, Theme.name == "Strøing")).all()
    assert len(new) == 1
    assert resp.headers["Location"].endswith(f"/review/themes/{new[0].id}")
    moved = [db.session.get(ThemeAssignment, a.id) for a in chosen]
    assert {a.theme_id for a in moved} == {new[0].id} and {a.source for a in moved} == {"manual"}
    assert db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "theme.split")).data[
        "count"
    ] == len(chosen)
    assert "Laget ved deling" in text_of(client.get(f"/review/themes/{new[0].id}"))
    # both themes get distinctive terms of their own
    assert new[0].terms and db.session.get(Theme, walk.id).terms
    assert set(new[0].terms) != set(db.session.get(Theme, walk.id).terms)
    # choosing every input is refused (rename instead)
    everyone = [
        str(a.id)
        for a in db.session.scalars(sa.select(ThemeAssignment).where(ThemeAssignment.theme_id == new[0].id))
    ]
    fields = hidden_fields(
        client.get(f"/review/themes/{new[0].id}").get_data(as_text=True),
        action=f"/review/themes/{new[0].id}/split",
    )
    resp = client.post(
        f"/review/themes/{new[0].id}/split", data={**fields, "name": "X", "assignment_ids": everyone}
    )
    assert resp.status_code == 400 and "alle innspillene" in text_of(resp)


def test_move_form_is_what_drag_and_drop_posts(world, client):
    run = world["run"]
    bus, food = theme_of(run, BUS[0]), theme_of(run, FOOD[0])
    html = client.get(f"/review/themes/{bus.id}").get_data(as_text=True)
    a = placed(run, BUS[0])
    # each row names its move form; the other themes are drop targets; the script is an external file
    assert f'data-move-row="move-form-{a.id}"' in html and f'id="move-form-{a.id}"' in html
    assert f'data-drop-theme="{food.id}"' in html and "js/review.js" in html
    resp = post_form(
        client, f"/review/themes/{bus.id}", f"/review/assignments/{a.id}/move", {"theme_id": food.id}
    )
    assert resp.status_code == 302
    db.session.expire_all()
    assert placed(run, BUS[0]).theme_id == food.id and placed(run, BUS[0]).source == "manual"


def test_mark_and_unmark_duplicates(world, client):
    run = world["run"]
    original, copy, third = inp(BUS[0]), inp(BUS[2]), inp(BUS[3])
    url = f"/review/inputs/{copy.id}"
    action = f"/review/inputs/{copy.id}/duplicate"
    # bad input: a clear message, what was typed is kept
    resp = post_form(client, url, action, {"original_id": "abc"})
    assert (
        resp.status_code == 400 and "sifre" in text_of(resp) and 'value="abc"' in resp.get_data(as_text=True)
    )
    resp = post_form(client, url, action, {"original_id": str(copy.id)})
    assert resp.status_code == 400 and "seg selv" in text_of(resp)
    resp = post_form(client, url, action, {"original_id": "999999"})
    assert resp.status_code == 400 and "Fant ikke" in text_of(resp)
    # marked: shown on both inputs and on the theme page
    resp = post_form(client, url, action, {"original_id": str(original.id)})
    assert resp.status_code == 302
    db.session.expire_all()
    assert db.session.get(Input, copy.id).duplicate_of_id == original.id
    assert f"duplikat av nr. {original.id}" in text_of(client.get(url))
    orig_page = text_of(client.get(f"/review/inputs/{original.id}"))
    assert f"Nr. {copy.id}" in orig_page and "markert som duplikat av dette" in orig_page
    assert f"Duplikat av nr. {original.id}" in text_of(
        client.get(f"/review/themes/{placed(run, BUS[2]).theme_id}")
    )
    # a duplicate of the duplicate points at the original (no chains)
    post_form(
        client,
        f"/review/inputs/{third.id}",
        f"/review/inputs/{third.id}/duplicate",
        {"original_id": str(copy.id)},
    )
    db.session.expire_all()
    assert db.session.get(Input, third.id).duplicate_of_id == original.id
    # the original cannot become a duplicate of its duplicate (a ring)
    with pytest.raises(board.BoardError):
        board.mark_duplicate(
            db.session, None, db.session.get(Input, original.id), db.session.get(Input, copy.id)
        )
    db.session.rollback()
    # unmark from the original's page
    resp = post_form(client, f"/review/inputs/{original.id}", f"/review/inputs/{copy.id}/unduplicate", {})
    assert resp.status_code == 302
    db.session.expire_all()
    assert db.session.get(Input, copy.id).duplicate_of_id is None
    history = text_of(client.get(url))
    assert (
        f"Markert som duplikat av nr. {original.id}" in history
        and f"Ikke lenger duplikat av nr. {original.id}" in history
    )
    actions = [
        e.action
        for e in db.session.scalars(
            sa.select(AuditEvent).where(AuditEvent.object_id == copy.id, AuditEvent.object_type == "inputs")
        )
    ]
    assert actions.count("input.mark_duplicate") == 1 and actions.count("input.unmark_duplicate") == 1


# --- re-runs keep the reviewers' work -------------------------------------------------------------


def test_rerun_keeps_merges_splits_moves_and_pins(world, client):
    run, reviewer, process = world["run"], world["reviewer"], world["process"]
    bus, food, walk = theme_of(run, BUS[0]), theme_of(run, FOOD[0]), theme_of(run, WALK[0])
    bus_inputs = {
        a.input_id
        for a in db.session.scalars(sa.select(ThemeAssignment).where(ThemeAssignment.theme_id == bus.id))
    }
    board.merge_themes(db.session, reviewer, bus, food)
    walk_rows = db.session.scalars(
        sa.select(ThemeAssignment).where(ThemeAssignment.theme_id == walk.id).order_by(ThemeAssignment.id)
    ).all()
    split_inputs = {a.input_id for a in walk_rows[:3]}
    board.split_theme(db.session, reviewer, walk, [a.id for a in walk_rows[:3]], "Strøing")
    pinned = walk_rows[5]
    service.pin_input(db.session, reviewer, pinned)
    db.session.commit()

    run2 = service.start_run(db.session, reviewer, process, n_themes=3)
    db.session.commit()
    run_pending_jobs()
    db.session.expire_all()
    run2 = db.session.get(ThemeRun, run2.id)
    assert run2.previous_run_id == run.id
    where = {
        a.input_id: a
        for a in db.session.scalars(sa.select(ThemeAssignment).where(ThemeAssignment.run_id == run2.id))
    }
    # merged inputs stay together with the target's inputs, in the theme that continues the target
    merged_to = {where[i].theme_id for i in bus_inputs}
    assert len(merged_to) == 1
    assert db.session.get(Theme, merged_to.pop()).previous_theme_id == food.id
    # split inputs stay in a theme named as the reviewer named it
    split_to = {where[i].theme_id for i in split_inputs}
    assert len(split_to) == 1 and db.session.get(Theme, split_to.pop()).label == "Strøing"
    # the pinned input stays pinned in the continuation of its theme
    assert where[pinned.input_id].is_pinned
    assert db.session.get(Theme, where[pinned.input_id].theme_id).previous_theme_id == walk.id
    # the run page of the re-run shows them
    assert "Strøing" in text_of(client.get(f"/review/runs/{run2.id}"))


# --- who may do it ------------------------------------------------------------------------------


def test_every_board_route_needs_the_reviewer_role(world, app, make_user):
    run = world["run"]
    t = theme_of(run, BUS[0])
    i = inp(BUS[0])
    gets = [
        f"/review/processes/{world['process'].id}/search?q=buss",
        f"/review/inputs/{i.id}",
        f"/review/runs/{run.id}?group=1",
        f"/review/themes/{t.id}",
    ]
    posts = [
        f"/review/themes/{t.id}/merge",
        f"/review/themes/{t.id}/split",
        f"/review/inputs/{i.id}/duplicate",
        f"/review/inputs/{i.id}/unduplicate",
    ]
    other = Client(app.test_client())
    assert other.login(make_user("facilitator").email).status_code == 302
    for url in gets:
        assert other.get(url).status_code == 403, url
    for url in posts:
        assert other.post(url, data={}).status_code in (400, 403), url
    anonymous = app.test_client()
    for url in gets:
        assert anonymous.get(url).status_code == 302, url


def test_posts_without_csrf_change_nothing(world, client):
    run = world["run"]
    bus, food = theme_of(run, BUS[0]), theme_of(run, FOOD[0])
    resp = client.post(f"/review/themes/{bus.id}/merge", data={"target_id": str(food.id)})
    assert resp.status_code in (400, 302)
    db.session.expire_all()
    assert db.session.get(Theme, bus.id).merged_into_id is None
    client.post(f"/review/inputs/{inp(BUS[1]).id}/duplicate", data={"original_id": str(inp(BUS[0]).id)})
    db.session.expire_all()
    assert inp(BUS[1]).duplicate_of_id is None


def test_search_and_theme_pages_are_paginated_keeping_words_and_filters(world, client, monkeypatch):
    from hearing.review import views

    monkeypatch.setattr(views, "SEARCH_PAGE_SIZE", 5)
    monkeypatch.setattr(views, "PAGE_SIZE", 5)
    run, process = world["run"], world["process"]
    first = client.get(f"/review/processes/{process.id}/search?q=buss&run={run.id}").get_data(as_text=True)
    assert "side 1 av" in first
    next_link = re.search(r'href="([^"]+)">Neste side', first).group(1).replace("&amp;", "&")
    assert "q=buss" in next_link and f"run={run.id}" in next_link and "page=2" in next_link
    second = client.get(next_link).get_data(as_text=True)
    ids = lambda html: set(re.findall(r"/review/inputs/(\d+)\?run=", html))  # noqa: E731
    assert ids(second) and not ids(first) & ids(second)
    bus = theme_of(run, BUS[0])
    page = client.get(f"/review/themes/{bus.id}?lang_filter=nn").get_data(as_text=True)
    next_link = re.search(r'href="([^"]+)">Neste side', page).group(1).replace("&amp;", "&")
    assert "lang_filter=nn" in next_link and "page=2" in next_link
