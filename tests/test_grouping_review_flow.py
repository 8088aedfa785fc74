"""What a reviewer meets on the theme and input pages: one input confirmed or moved where it is
read, the page back where the reviewer was, names that stay unique, and older runs read-only."""

from __future__ import annotations

import sqlalchemy as sa

from hearing.extensions import db
from hearing.models import Input, Theme, ThemeAssignment, ThemeDecision
from tests.conftest import text_of
from tests.test_grouping_decisions import placed, run_now, world  # noqa: F401 - the fixture
from tests.test_theme_runs import BUS, FOOD


def test_confirm_and_move_one_input_from_its_page(world, client):  # noqa: F811
    process, _activity, reviewer = world
    run = run_now(process, reviewer, n_themes=3)
    a = placed(run, BUS[0])
    food = db.session.get(Theme, placed(run, FOOD[0]).theme_id)
    client.login(reviewer.email)
    page_url = f"/review/inputs/{a.input_id}?run={run.id}"
    page = text_of(client.get(page_url))
    assert "Bekreft at innspillet hører hjemme her" in page and "Flytt til tema" in page

    r = client.submit(page_url, {}, action=f"/review/assignments/{a.id}/pin")
    assert r.status_code == 302 and r.location.endswith(f"/review/inputs/{a.input_id}?run={run.id}#placement")
    db.session.expire_all()
    assert db.session.get(ThemeAssignment, a.id).is_pinned
    assert "Bekreft at innspillet" not in text_of(client.get(page_url))  # confirmed: nothing left to confirm

    r = client.submit(page_url, {"theme_id": str(food.id)}, action=f"/review/assignments/{a.id}/move", follow=True)
    assert "og regnes som bekreftet der" in text_of(r)
    db.session.expire_all()
    assert db.session.get(ThemeAssignment, a.id).theme_id == food.id
    kinds = [k for (k,) in db.session.execute(sa.select(ThemeDecision.kind).where(
        ThemeDecision.input_id == a.input_id).order_by(ThemeDecision.id))]
    assert kinds == ["pin", "move"]


def test_theme_page_returns_to_the_row(world, client):  # noqa: F811
    process, _activity, reviewer = world
    run = run_now(process, reviewer, n_themes=3)
    a = placed(run, BUS[2])
    theme_url = f"/review/themes/{a.theme_id}"
    client.login(reviewer.email)
    html = client.get(theme_url).get_data(as_text=True)
    # pinning comes back to the same row; a move to the row beside it (the moved one has left)
    assert f'value="{theme_url}?#input-{a.input_id}"' in html
    r = client.submit(theme_url, {"pinned": "1"}, action=f"/review/assignments/{a.id}/pin")
    assert r.location.endswith(f"#input-{a.input_id}")
    food = db.session.get(Theme, placed(run, FOOD[0]).theme_id)
    r = client.submit(theme_url, {"theme_id": str(food.id)}, action=f"/review/assignments/{a.id}/move")
    anchor = r.location.rsplit("#", 1)[1]
    assert anchor.startswith("input-") and anchor != f"input-{a.input_id}"
    neighbour = int(anchor.removeprefix("input-"))
    assert db.session.get(Input, neighbour) is not None


def test_a_theme_name_is_not_given_twice(world, client):  # noqa: F811
    process, _activity, reviewer = world
    run = run_now(process, reviewer, n_themes=3)
    bus = db.session.get(Theme, placed(run, BUS[0]).theme_id)
    food = db.session.get(Theme, placed(run, FOOD[0]).theme_id)
    client.login(reviewer.email)
    client.submit(f"/review/themes/{bus.id}", {"name": "Kollektivtransport"}, action=f"/review/themes/{bus.id}/rename")
    r = client.submit(f"/review/themes/{food.id}", {"name": "kollektivtransport "},
                      action=f"/review/themes/{food.id}/rename")
    assert r.status_code == 422
    page = text_of(r)
    assert "Et annet tema heter allerede «kollektivtransport»" in page
    assert 'value="kollektivtransport' in r.get_data(as_text=True)  # what was typed is kept
    db.session.expire_all()
    assert db.session.get(Theme, food.id).name is None


def test_a_small_theme_a_reviewer_split_off_receives_new_inputs(world):  # noqa: F811
    from hearing.grouping import service
    from hearing.review import board

    process, activity, reviewer = world
    run = run_now(process, reviewer, n_themes=3)
    food = db.session.get(Theme, placed(run, FOOD[0]).theme_id)
    picked = [placed(run, FOOD[7]).id, placed(run, FOOD[3]).id]  # "Frokosten er for liten", "Mer varm mat og frukt"
    small = board.split_theme(db.session, reviewer, food, picked, "Frokost og frukt")
    db.session.commit()
    db.session.add(Input(activity_id=activity.id, text="Frokosten bør ha mer frukt", source="web"))
    db.session.commit()
    assert service.place_new_inputs(db.session, run, reviewer) == 1
    db.session.commit()
    assert placed(run, "Frokosten bør ha mer frukt").theme_id == small.id
