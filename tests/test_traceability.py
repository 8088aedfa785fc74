"""Traceability both ways: the input page shows its theme, confirmation, assessment and every draft
section that cites it; a whole-theme assessment reaches only confirmed inputs and says how many it left out."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from hearing.drafting import services as drafting
from hearing.extensions import db
from hearing.grouping import service as grouping
from hearing.models import Assessment, AuditEvent, Input, ThemeAssignment
from hearing.review import assessments
from tests.conftest import hidden_fields, text_of


@pytest.fixture
def world(make_activity, make_themes, make_user):
    activity = make_activity("workshop")
    process = activity.process
    texts = ["Varm middag hver dag", "Mer frukt til frokost", "Maten er kald", "Bussen går sjelden"]
    inputs = [Input(activity_id=activity.id, text=t, source="workshop") for t in texts]
    db.session.add_all(inputs)
    db.session.flush()
    run = make_themes(process, [({"auto_label": "mat, middag", "name": "Mat og måltider"}, inputs[:3], {"confidence": 0.8}),
                                ({"auto_label": "buss"}, inputs[3:])])
    food, bus = run.themes
    placed = db.session.scalars(sa.select(ThemeAssignment).order_by(ThemeAssignment.id)).all()
    reviewer = make_user("reviewer", name="Kari Nordmann")
    db.session.commit()
    return {"process": process, "inputs": inputs, "food": food, "bus": bus, "run": run, "reviewer": reviewer,
            "placed": placed}


def test_input_page_shows_theme_confirmation_assessment_and_citing_sections(world, client):
    process, reviewer, inp, food = world["process"], world["reviewer"], world["inputs"][0], world["food"]
    grouping.pin_input(db.session, reviewer, world["placed"][0])
    assessments.assess_input(db.session, reviewer, inp, "partly", "Delvis med i strategi 1")
    draft = drafting.create_draft(db.session, reviewer, process, {"title": ""}, themes=[food])
    area = draft.focus_areas[0]
    strategy = drafting.add_part(db.session, reviewer, "strategy", area, {"text": "Varm mat hver dag på sykehjem"})
    measure = drafting.add_part(db.session, reviewer, "measure", strategy, {"text": "Nytt kjøkken", "owner": ""})
    drafting.link_inputs(db.session, reviewer, strategy, [inp.id])
    drafting.link_inputs(db.session, reviewer, measure, [inp.id])
    db.session.commit()

    client.login(reviewer.email)
    r = client.get(f"/review/inputs/{inp.id}?run={world['run'].id}")
    assert r.status_code == 200
    html, text = r.get_data(as_text=True), text_of(r)
    assert "Tema Mat og måltider" in text
    assert "Bekreftet Ja, av Kari Nordmann" in text and "(festet)" in text
    assert "Vurdering Delvis tatt til følge: Delvis med i strategi 1" in text
    assert f"/review/themes/{food.id}#input-{inp.id}" in html
    assert f"/drafts/part/strategy/{strategy.id}/sources" in html
    assert f"/drafts/part/measure/{measure.id}/sources" in html
    assert f"/drafts/{draft.id}#fa-{area.id}" in html
    assert "Varm mat hver dag på sykehjem" in text and "Nytt kjøkken" in text
    assert f"Strategiutkast {draft.number}" in text

    other = client.get(f"/review/inputs/{world['inputs'][1].id}?run={world['run'].id}")
    text = text_of(other)
    assert "Nei, temaet er foreslått av grupperingen." in text
    assert "Ikke vurdert ennå" in text and "Ingen avsnitt i utkastene viser til dette innspillet ennå." in text


def test_whole_theme_assessment_skips_unconfirmed_inputs(world):
    reviewer, food, placed, inputs = world["reviewer"], world["food"], world["placed"], world["inputs"]
    with pytest.raises(assessments.ServiceError, match="Ingen av innspillene i temaet er bekreftet"):
        assessments.assess_theme(db.session, reviewer, food, "adopted")
    grouping.pin_input(db.session, reviewer, placed[0])  # pinned
    grouping.move_input(db.session, reviewer, placed[1], food)  # moved there by a reviewer
    db.session.commit()
    done = assessments.assess_theme(db.session, reviewer, food, "adopted")
    db.session.commit()
    assert [i.id for i in done] == [inputs[0].id, inputs[1].id] and done.left_out == 1
    assert db.session.scalar(sa.select(Assessment).where(Assessment.input_id == inputs[2].id)) is None
    event = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "assessment.theme")).one()
    assert event.data["left_out"] == 1


def test_theme_assessment_page_says_how_many_it_left_out(world, client):
    reviewer, food, placed = world["reviewer"], world["food"], world["placed"]
    grouping.pin_input(db.session, reviewer, placed[0])
    db.session.commit()
    client.login(reviewer.email)
    url = f"/review/themes/{food.id}/assessments"
    page = client.get(url).get_data(as_text=True)
    fields = hidden_fields(page, action=url)
    fields.update({"theme-decision": "adopted", "theme-reason": ""})
    r = client.post(url, data=fields, follow_redirects=True)
    text = text_of(r)
    assert "1 innspill i «Mat og måltider» er vurdert" in text
    assert "2 innspill i temaet er ikke bekreftet og ble ikke vurdert. Bekreft eller flytt dem først." in text
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Assessment)) == 1
    # the same form again (a double click) assesses nothing more
    client.post(url, data=fields)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Assessment)) == 1
