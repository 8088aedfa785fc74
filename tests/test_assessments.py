"""Assessments of inputs: one input, a whole theme, what is still unassessed, the pages and their rules."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from hearing.drafting import services as drafting
from hearing.extensions import db
from hearing.models import (
    Assessment,
    AuditEvent,
    Input,
    RequestKey,
    StakeholderGroup,
    Submission,
    ThemeAssignment,
)
from hearing.review import assessments as service
from tests.conftest import Client, hidden_fields, text_of


@pytest.fixture
def world(make_activity, make_themes, make_user):
    activity = make_activity("workshop", title="Oppstartsverksted", groups=[("Eldrerådet", "council"), ("Ansatte", "employees")])
    process = activity.process
    council, staff = (db.session.scalar(sa.select(StakeholderGroup).filter_by(name=n)) for n in ("Eldrerådet", "Ansatte"))
    texts = [
        ("Varm middag hver dag", council),
        ("Ring meg på 91234567 om maten", council),
        ("Bedre kosthold", staff),
        ("Bussen går for sjelden", staff),
        ("Flere busser om kvelden", None),
    ]
    inputs = [
        Input(activity_id=activity.id, group_id=g.id if g else None, text=t, source="workshop")
        for t, g in texts
    ]
    db.session.add_all(inputs)
    db.session.flush()
    # placed by a reviewer: a whole-theme assessment reaches confirmed inputs only
    run = make_themes(process, [({"auto_label": "mat, middag", "name": "Mat og måltider"}, inputs[:3]),
                                ({"auto_label": "buss, kveld"}, inputs[3:])], source="manual")
    food, bus = run.themes
    reviewer = make_user("reviewer")
    draft = drafting.create_draft(db.session, reviewer, process, {"title": ""}, themes=[food])
    db.session.commit()
    return {
        "process": process,
        "activity": activity,
        "inputs": inputs,
        "food": food,
        "bus": bus,
        "run": run,
        "reviewer": reviewer,
        "council": council,
        "staff": staff,
        "area": draft.focus_areas[0],
    }


@pytest.fixture
def reviewer_client(client, world):
    assert client.login(world["reviewer"].email).status_code == 302
    return client


# --- services -----------------------------------------------------------------------------------


def test_assess_one_input_and_replace_it(world):
    item, reviewer, area = world["inputs"][0], world["reviewer"], world["area"]
    first = service.assess_input(db.session, reviewer, item, "adopted", "", area.id)
    db.session.commit()
    assert (first.decision, first.focus_area_id, first.draft_id, first.assessed_by_id) == (
        "adopted",
        area.id,
        area.draft_id,
        reviewer.id,
    )
    second = service.assess_input(db.session, reviewer, item, "not_adopted", "  For dyrt nå.  ")
    db.session.commit()
    assert second.id == first.id  # replaced, still one per input
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Assessment)) == 1
    assert (second.decision, second.reason, second.focus_area_id) == ("not_adopted", "For dyrt nå.", None)
    events = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "assessment.set").order_by(AuditEvent.id)
    ).all()
    assert [(e.data["decision"], e.data["previous"], e.actor_id) for e in events] == [
        ("adopted", None, reviewer.id),
        ("not_adopted", "adopted", reviewer.id),
    ]
    assert all(e.created_dt for e in events) and events[0].process_id == world["process"].id


@pytest.mark.parametrize("decision", ["partly", "not_adopted", "not_relevant"])
def test_a_reason_is_needed_unless_adopted(world, decision):
    with pytest.raises(service.ServiceError, match="begrunnelse"):
        service.assess_input(db.session, world["reviewer"], world["inputs"][0], decision, "   ")
    with pytest.raises(service.ServiceError, match="Velg en vurdering"):
        service.assess_input(db.session, world["reviewer"], world["inputs"][0], "maybe", "Fordi")
    with pytest.raises(service.ServiceError, match="høyst 2000"):
        service.assess_input(db.session, world["reviewer"], world["inputs"][0], decision, "x" * 2001)


def test_focus_area_must_belong_to_the_process(world, make_process):
    other = make_process(name="Annen plan")
    draft = drafting.create_draft(db.session, world["reviewer"], other, {"title": ""})
    area = drafting.add_part(db.session, world["reviewer"], "focus_area", draft, {"title": "Fremmed"})
    db.session.commit()
    with pytest.raises(service.ServiceError, match="satsningsområde"):
        service.assess_input(db.session, world["reviewer"], world["inputs"][0], "adopted", "", area.id)


def test_assess_a_whole_theme_skips_assessed_inputs_unless_replacing(world):
    reviewer, food, inputs = world["reviewer"], world["food"], world["inputs"]
    service.assess_input(db.session, reviewer, inputs[0], "adopted")
    done = service.assess_theme(db.session, reviewer, food, "partly", "Delvis med i strategi 1")
    db.session.commit()
    assert [i.id for i in done] == [inputs[1].id, inputs[2].id]
    assert inputs[0].assessment.decision == "adopted" and inputs[0].assessment.theme_id is None
    assert {inputs[1].assessment.decision, inputs[2].assessment.decision} == {"partly"}
    assert inputs[1].assessment.theme_id == food.id
    with pytest.raises(service.ServiceError, match="allerede vurdert"):
        service.assess_theme(db.session, reviewer, food, "adopted")
    done = service.assess_theme(db.session, reviewer, food, "not_relevant", "Utenfor planen", replace=True)
    db.session.commit()
    assert len(done) == 3 and {i.assessment.decision for i in inputs[:3]} == {"not_relevant"}
    event = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "assessment.theme").order_by(AuditEvent.id.desc())
    ).first()
    assert event.data["replaced"] == 3 and event.object_id == food.id and event.actor_id == reviewer.id


def test_unassessed_counts_per_theme_and_group(world):
    service.assess_input(db.session, world["reviewer"], world["inputs"][0], "adopted")
    service.assess_input(
        db.session, world["reviewer"], world["inputs"][3], "not_relevant", "Gjelder samferdsel"
    )
    # A withdrawn response counts nowhere.
    sub = Submission(
        activity_id=world["activity"].id,
        reference="H-1",
        submission_key="k1",
        edit_token_hash="h1",
        is_withdrawn=True,
        withdrawn_dt=sa.func.now(),
    )
    db.session.add(sub)
    db.session.flush()
    gone = Input(
        activity_id=world["activity"].id, submission_id=sub.id, group_id=world["council"].id, text="Trukket"
    )
    db.session.add(gone)
    db.session.flush()
    db.session.add(ThemeAssignment(run_id=world["run"].id, input_id=gone.id, theme_id=world["food"].id))
    db.session.commit()
    themes = {p.label: (p.total, p.unassessed) for p in service.by_theme(db.session, world["run"])}
    assert themes == {"Mat og måltider": (3, 2), "buss, kveld": (2, 1)}
    groups = [(p.label, p.total, p.unassessed) for p in service.by_group(db.session, world["process"])]
    assert groups == [("Ansatte", 2, 1), ("Eldrerådet", 2, 1), ("Uten gruppe", 1, 1)]
    assert [i.id for i in service.group_inputs(db.session, world["process"], world["council"].id)] == [
        world["inputs"][1].id
    ]
    assert [i.id for i in service.group_inputs(db.session, world["process"], None)] == [world["inputs"][4].id]


# --- pages --------------------------------------------------------------------------------------


def test_overview_shows_progress_with_links(reviewer_client, world):
    service.assess_input(db.session, world["reviewer"], world["inputs"][0], "adopted")
    db.session.commit()
    r = reviewer_client.get(f"/review/processes/{world['process'].id}/assessments")
    assert r.status_code == 200
    text = text_of(r)
    assert "Mat og måltider 3 1 2" in text and "Uten gruppe 1 0 1" in text
    html = r.get_data(as_text=True)
    assert f"/review/themes/{world['food'].id}/assessments" in html
    assert f"/assessments/groups/{world['council'].id}" in html and "/assessments/groups/0" in html


def test_theme_page_lists_unassessed_inputs_masked_with_a_form_each(reviewer_client, world):
    service.assess_input(db.session, world["reviewer"], world["inputs"][0], "adopted")
    db.session.commit()
    r = reviewer_client.get(f"/review/themes/{world['food'].id}/assessments")
    html = r.get_data(as_text=True)
    assert r.status_code == 200
    assert "91234567" not in html and "Ring meg på" in html
    assert "Varm middag hver dag" not in html  # already assessed
    assert html.count(f'action="/review/inputs/{world["inputs"][1].id}/assessment"') == 1
    assert f'for="i{world["inputs"][2].id}-reason"' in html
    assert "Varm middag hver dag" in reviewer_client.get(
        f"/review/themes/{world['food'].id}/assessments?alle=1"
    ).get_data(as_text=True)


def test_assess_an_input_from_the_theme_page(reviewer_client, world):
    item, area = world["inputs"][1], world["area"]
    page = f"/review/themes/{world['food'].id}/assessments"
    fields = hidden_fields(
        reviewer_client.get(page).get_data(as_text=True), action=f"/review/inputs/{item.id}/assessment"
    )
    p = f"i{item.id}-"
    data = {
        **fields,
        p + "decision": "partly",
        p + "reason": "Tas med i strategi 1",
        p + "focus_area_id": str(area.id),
    }
    r = reviewer_client.post(f"/review/inputs/{item.id}/assessment", data=data)
    assert (
        r.status_code == 302
        and r.location.startswith(page)
        and r.location.endswith(f"#input-{world['inputs'][2].id}")
    )
    db.session.expire_all()
    a = db.session.get(Input, item.id).assessment
    assert (a.decision, a.reason, a.focus_area_id) == ("partly", "Tas med i strategi 1", area.id)
    # A double click: the same key creates no second audit event.
    reviewer_client.post(f"/review/inputs/{item.id}/assessment", data=data)
    assert (
        db.session.scalar(
            sa.select(sa.func.count()).select_from(AuditEvent).where(AuditEvent.action == "assessment.set")
        )
        == 1
    )


def test_a_missing_reason_is_explained_and_what_was_typed_is_kept(reviewer_client, world):
    item = world["inputs"][1]
    url = f"/review/inputs/{item.id}/assessment"
    p = f"i{item.id}-"
    r = reviewer_client.submit(url, {p + "decision": "not_adopted", p + "reason": " "})
    assert r.status_code == 400
    assert "Skriv en kort begrunnelse" in text_of(r)
    assert re.search(r'<input checked[^>]*value="not_adopted"', r.get_data(as_text=True))
    assert db.session.get(Input, item.id).assessment is None
    r = reviewer_client.submit(url, {p + "decision": ""})
    assert r.status_code == 400 and "Velg en vurdering." in text_of(r)


def test_the_single_input_page_shows_and_replaces_the_current_assessment(reviewer_client, world):
    item = world["inputs"][0]
    service.assess_input(db.session, world["reviewer"], item, "not_adopted", "For dyrt")
    db.session.commit()
    url = f"/review/inputs/{item.id}/assessment"
    page = reviewer_client.get(url).get_data(as_text=True)
    assert "For dyrt" in page and "Ikke tatt til følge" in page
    r = reviewer_client.submit(url, {f"i{item.id}-decision": "adopted", f"i{item.id}-reason": ""})
    assert r.status_code == 302 and r.location.endswith(url)
    db.session.expire_all()
    assert db.session.get(Input, item.id).assessment.decision == "adopted"


def test_assess_the_whole_theme_from_its_page(reviewer_client, world):
    food, inputs = world["food"], world["inputs"]
    service.assess_input(db.session, world["reviewer"], inputs[0], "adopted")
    db.session.commit()
    url = f"/review/themes/{food.id}/assessments"
    r = reviewer_client.submit(url, {"theme-decision": "not_relevant", "theme-reason": ""}, action=url)
    assert r.status_code == 400 and "Skriv en kort begrunnelse" in text_of(r)
    r = reviewer_client.submit(
        url, {"theme-decision": "not_relevant", "theme-reason": "Gjelder ikke planen"}, action=url
    )
    assert r.status_code == 302
    db.session.expire_all()
    assert [db.session.get(Input, i.id).assessment.decision for i in inputs[:3]] == [
        "adopted",
        "not_relevant",
        "not_relevant",
    ]
    # Everything is assessed now: without the confirm box nothing is replaced and the reviewer is told why.
    r = reviewer_client.submit(url, {"theme-decision": "adopted"}, action=url)
    assert r.status_code == 400 and "allerede vurdert" in text_of(r)
    r = reviewer_client.submit(url, {"theme-decision": "adopted", "theme-replace": "y"}, action=url)
    assert r.status_code == 302
    db.session.expire_all()
    assert {db.session.get(Input, i.id).assessment.decision for i in inputs[:3]} == {"adopted"}
    assert db.session.scalar(sa.select(sa.func.count()).select_from(RequestKey)) >= 2


def test_group_page_lists_the_groups_unassessed_inputs(reviewer_client, world):
    r = reviewer_client.get(
        f"/review/processes/{world['process'].id}/assessments/groups/{world['council'].id}"
    )
    text = text_of(r)
    assert r.status_code == 200 and "Varm middag hver dag" in text and "Bussen" not in text
    r = reviewer_client.get(f"/review/processes/{world['process'].id}/assessments/groups/0")
    assert r.status_code == 200 and "Flere busser om kvelden" in text_of(r)
    assert (
        reviewer_client.get(f"/review/processes/{world['process'].id + 99}/assessments/groups/0").status_code
        == 404
    )


def test_only_reviewers_may_assess(app, world, make_user):
    facilitator = make_user("facilitator")
    client = Client(app.test_client())
    item = world["inputs"][0]
    assert client.get(f"/review/inputs/{item.id}/assessment").status_code == 302  # to the login page
    client.login(facilitator.email)
    assert client.get(f"/review/processes/{world['process'].id}/assessments").status_code == 403
    app.config["WTF_CSRF_ENABLED"] = False  # so that the POST reaches the role check
    assert (
        client.post(
            f"/review/inputs/{item.id}/assessment", data={f"i{item.id}-decision": "adopted"}
        ).status_code
        == 403
    )
    assert db.session.get(Input, item.id).assessment is None


def test_a_post_without_csrf_token_changes_nothing(app, world):
    client = Client(app.test_client())
    client.login(world["reviewer"].email)
    item = world["inputs"][0]
    r = client.post(f"/review/inputs/{item.id}/assessment", data={f"i{item.id}-decision": "adopted"})
    assert r.status_code == 400
    assert db.session.get(Input, item.id).assessment is None


def test_the_themes_board_links_to_the_assessments(reviewer_client, world):
    run_page = reviewer_client.get(f"/review/runs/{world['run'].id}").get_data(as_text=True)
    assert f'href="/review/processes/{world["process"].id}/assessments"' in run_page
    theme_page = reviewer_client.get(f"/review/themes/{world['food'].id}").get_data(as_text=True)
    assert f'href="/review/themes/{world["food"].id}/assessments"' in theme_page
