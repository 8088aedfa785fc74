"""Participation dashboard: counts by group, channel, phase and week, invited bodies' response rate,
under-represented groups against the process's expectations, charts with tables; roles."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from hearing.dashboard import services
from hearing.extensions import db
from hearing.models import (
    Activity,
    AuditEvent,
    Input,
    Invitation,
    ParticipationTarget,
    StakeholderGroup,
    Submission,
)
from tests.conftest import text_of

NOV_30 = datetime(2026, 11, 30, 10, tzinfo=UTC)  # Monday, week 49
DEC_14 = datetime(2026, 12, 14, 10, tzinfo=UTC)  # Monday, week 51


@pytest.fixture
def world(app, make_process, make_user):
    process = make_process()
    phase1, phase3 = process.phases[0], process.phases[2]
    council = StakeholderGroup(process=process, name="Eldrerådet", category="council")
    staff = StakeholderGroup(process=process, name="Ansatte", category="employees")
    citizens = StakeholderGroup(process=process, name="Innbyggere", category="citizens")
    workshop = Activity(process=process, phase=phase1, kind="workshop", title="Oppstartsverksted")
    hearing = Activity(process=process, phase=phase3, kind="hearing", title="Høring av utkast 2", audience="invited")
    survey = Activity(process=process, kind="survey", title="Undersøkelse")
    db.session.add_all([council, staff, citizens, workshop, hearing, survey])
    db.session.flush()
    for n in range(6):  # workshop notes from employees in week 49
        db.session.add(Input(activity_id=workshop.id, group_id=staff.id, text=f"Notat {n}", source="workshop", created_dt=NOV_30))
    invitations = [Invitation(activity_id=hearing.id, group_id=council.id, body_name=name, token_hash=f"{n:064d}")
                   for n, name in enumerate(["Eldrerådet", "Rådet for personer med funksjonsnedsettelse", "Ungdomsrådet"])]
    db.session.add_all(invitations)
    db.session.flush()
    for n, inv in enumerate(invitations[:2]):
        sub = Submission(activity=hearing, invitation=inv, group=council, reference=f"H-{n}", submission_key=f"k{n}",
                         edit_token_hash=f"{n + 10:064d}", submitted_dt=DEC_14, is_withdrawn=n == 1,
                         withdrawn_dt=DEC_14 if n == 1 else None)
        sub.inputs = [Input(activity_id=hearing.id, group_id=council.id, text="Uttalelse", created_dt=DEC_14)]
        db.session.add(sub)
    imported = Submission(activity=survey, group=citizens, reference="S-1", submission_key="s1", edit_token_hash="1" * 64,
                          source="import", submitted_dt=DEC_14)
    imported.inputs = [Input(activity_id=survey.id, group_id=citizens.id, text="Svar", source="import", created_dt=DEC_14)]
    db.session.add(imported)
    db.session.commit()
    return {"process": process, "council": council, "staff": staff, "citizens": citizens, "reviewer": make_user("reviewer")}


def test_counts_by_group_channel_phase_and_week(world):
    data = services.participation(db.session, world["process"])
    assert (data.total_participants, data.total_inputs) == (2, 8)  # the withdrawn statement does not count
    assert [(r.label, r.participants, r.inputs) for r in data.groups] == [
        ("Ansatte", 0, 6), ("Eldrerådet", 1, 1), ("Innbyggere", 1, 1)]
    assert {r.key: (r.participants, r.inputs) for r in data.channels} == {
        "workshop": (0, 6), "survey": (0, 0), "suggestions": (0, 0), "hearing": (1, 1), "import": (1, 1)}
    phases = {r.label: (r.participants, r.inputs) for r in data.phases}
    assert phases["1. Her er vi"] == (0, 6) and phases["3. Slik kommer vi dit"] == (1, 1) and phases["Uten fase"] == (1, 1)
    assert [(r.label, r.inputs) for r in data.weeks] == [("Uke 49 2026", 6), ("Uke 50 2026", 0), ("Uke 51 2026", 2)]
    [rate] = data.invited
    assert (rate.invited, rate.answered, round(rate.rate, 1)) == (3, 1, 33.3)
    assert rate.bodies_missing == ["Rådet for personer med funksjonsnedsettelse", "Ungdomsrådet"]


def test_under_represented_against_expectations(world):
    process = world["process"]
    with pytest.raises(services.ServiceError, match="mer enn 100"):
        services.set_targets(db.session, None, process, {world["council"].id: 60, world["citizens"].id: 50})
    services.set_targets(db.session, None, process, {world["council"].id: 30, world["citizens"].id: 40, world["staff"].id: 30})
    db.session.commit()
    data = services.participation(db.session, process)
    status = {s.label: s.status for s in data.shares}
    assert status == {"Ansatte": "over", "Eldrerådet": "under", "Innbyggere": "under"}
    charts = services.participation_charts(data, locale="nb")
    assert set(charts) == {"groups", "channels", "phases", "weeks", "shares", "invited"}
    assert charts["shares"].table.rows[0] == ["Ansatte", "30\u00a0%", "75\u00a0%"]
    assert 'role="img"' in charts["weeks"].svg


def test_dashboard_page_and_expectation_form(client, world):
    assert client.login(world["reviewer"].email).status_code == 302
    url = f"/dashboard/process/{world['process'].id}"
    page = client.get(url)
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and html.count('role="img"') >= 4
    assert "Deltakere og innspill per kanal" in html and "<caption>" in html
    assert "1 av 3" in text_of(page)  # invited bodies that answered
    council = world["council"].id
    bad = client.submit(url, {f"share-{council}": "150", f"share-{world['staff'].id}": "abc"})
    assert bad.status_code == 422
    assert "Skriv et helt tall fra 0 til 100" in text_of(bad) and 'value="150"' in bad.get_data(as_text=True)
    too_much = client.submit(url, {f"share-{council}": "80", f"share-{world['staff'].id}": "40"})
    assert too_much.status_code == 422 and "mer enn 100" in text_of(too_much)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ParticipationTarget)) == 0
    ok = client.submit(url, {f"share-{council}": "50", f"share-{world['staff'].id}": "30", f"share-{world['citizens'].id}": "20 %"})
    assert ok.status_code == 302
    assert db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "participation.targets")).data["changed"]
    after = text_of(client.get(url))
    assert "Eldrerådet: 12,5 % av innspillene, forventet 50 %" in after.replace("\xa0", " ")


def test_facilitators_do_not_see_the_dashboard(client, world, make_user):
    assert client.login(make_user("facilitator").email).status_code == 302
    assert client.get(f"/dashboard/process/{world['process'].id}").status_code == 403
