"""Participation dashboard: counts by group, channel, phase and week, invited bodies' response rate,
under-represented groups against the process's expectations, charts with tables; roles."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from hearing.dashboard import services
from hearing.extensions import db
from hearing.models import (
    AuditEvent,
    Input,
    Invitation,
    ParticipationTarget,
    StakeholderGroup,
)
from tests.conftest import text_of

NOV_30 = datetime(2026, 11, 30, 10, tzinfo=UTC)  # Monday, week 49
DEC_14 = datetime(2026, 12, 14, 10, tzinfo=UTC)  # Monday, week 51


@pytest.fixture
def world(make_process, make_activity, make_submission, make_user):
    process = make_process()
    workshop = make_activity("workshop", process=process, phase=process.phases[0], title="Oppstartsverksted",
                             groups=[("Eldrerådet", "council"), ("Ansatte", "employees"), ("Innbyggere", "citizens")])
    hearing = make_activity(process=process, phase=process.phases[2], title="Høring av utkast 2", audience="invited")
    survey = make_activity("survey", process=process, title="Undersøkelse")
    council, staff, citizens = (db.session.scalar(sa.select(StakeholderGroup).filter_by(name=name))
                                for name in ("Eldrerådet", "Ansatte", "Innbyggere"))
    db.session.add_all(Input(activity_id=workshop.id, group_id=staff.id, text=f"Notat {n}", source="workshop",
                             created_dt=NOV_30) for n in range(6))  # workshop notes from employees in week 49
    invitations = [Invitation(activity_id=hearing.id, group_id=council.id, body_name=name, token_hash=f"{n:064d}")
                   for n, name in enumerate(["Eldrerådet", "Rådet for personer med funksjonsnedsettelse", "Ungdomsrådet"])]
    db.session.add_all(invitations)
    db.session.flush()
    for n, inv in enumerate(invitations[:2]):  # two bodies answered, the second withdrew its statement
        make_submission(hearing, [{"text": "Uttalelse", "created_dt": DEC_14}], invitation_id=inv.id, group_id=council.id,
                        submitted_dt=DEC_14, is_withdrawn=n == 1, withdrawn_dt=DEC_14 if n == 1 else None)
    make_submission(survey, [{"text": "Svar", "source": "import", "created_dt": DEC_14}], group_id=citizens.id,
                    source="import", submitted_dt=DEC_14)
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


def _weeks_of(process) -> list[tuple[str, int]]:
    return [(r.label, r.inputs) for r in services.participation(db.session, process).weeks if r.inputs]


@pytest.mark.parametrize("zone_setting", [None, "UTC"])
def test_weeks_are_counted_on_the_municipalitys_clock_around_midnight_and_dst(app, make_activity, zone_setting):
    """Weeks on Norwegian time, on SQLite and PostgreSQL: a note typed at 00:30 on a Monday counts in that
    Monday's week, in winter (UTC+1) and in summer (UTC+2), and across the change back to winter time
    (Sunday 25 October 2026); HEARING_TIMEZONE changes the clock."""
    app.config["TIMEZONE"] = zone_setting
    workshop = make_activity("workshop", title="Verksted")
    moments = [
        datetime(2026, 10, 18, 21, 30, tzinfo=UTC),  # Sunday 23:30 in Oslo (summer time): week 42
        datetime(2026, 10, 18, 22, 30, tzinfo=UTC),  # Monday 19 Oct 00:30 in Oslo (summer time): week 43
        datetime(2026, 10, 25, 0, 30, tzinfo=UTC),   # Sunday 25 Oct 02:30 summer time, before the change: week 43
        datetime(2026, 10, 25, 22, 59, tzinfo=UTC),  # Sunday 23:59 winter time, after the change: week 43
        datetime(2026, 10, 25, 23, 0, tzinfo=UTC),   # Monday 26 Oct 00:00 winter time: week 44
        datetime(2026, 11, 29, 23, 30, tzinfo=UTC),  # Monday 30 Nov 00:30 in Oslo (winter time): week 49
    ]
    db.session.add_all(Input(activity_id=workshop.id, text=f"Notat {n}", source="workshop", created_dt=moment)
                       for n, moment in enumerate(moments))
    db.session.commit()
    weeks = _weeks_of(workshop.process)
    if zone_setting == "UTC":
        assert weeks == [("Uke 42 2026", 2), ("Uke 43 2026", 3), ("Uke 48 2026", 1)]
    else:
        assert weeks == [("Uke 42 2026", 1), ("Uke 43 2026", 3), ("Uke 44 2026", 1), ("Uke 49 2026", 1)]


def test_the_zone_follows_the_process_language_unless_set(app, make_process):
    from hearing import localtime

    app.config["TIMEZONE"] = None
    danish, norwegian = make_process(name="Sundhedspolitik", language="da"), make_process(name="Helseplan")
    assert localtime.zone_name(danish) == "Europe/Copenhagen" and localtime.zone_name(norwegian) == "Europe/Oslo"
    app.config["TIMEZONE"] = "Europe/Copenhagen"
    assert localtime.zone_name(norwegian) == "Europe/Copenhagen"
    app.config["TIMEZONE"] = "Europe/Oslo'; DROP TABLE inputs; --"  # a typo or worse: logged, Oslo used
    assert localtime.zone_name(danish) == "Europe/Oslo"
    with pytest.raises(ValueError):
        localtime.local_date(Input.created_dt, "Europe/Oslo'; --")
    app.config["TIMEZONE"] = None


def test_the_local_day_agrees_with_zoneinfo_inside_and_outside_the_fast_years(app, make_activity):
    """SQLite counts recent years with date(ts, offset) per daylight-saving piece and older or later times with
    zoneinfo; PostgreSQL with its own zone database. All three agree, minute by minute around each change."""
    from datetime import timedelta
    from zoneinfo import ZoneInfo

    from hearing import localtime

    workshop = make_activity("workshop", title="Verksted")
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    moments = []
    for change in (datetime(2026, 3, 29, 1, tzinfo=UTC), datetime(2026, 10, 25, 1, tzinfo=UTC),
                   datetime(2003, 10, 26, 1, tzinfo=UTC), now + timedelta(days=400)):
        moments += [change + timedelta(minutes=m) for m in (-61, -60, -1, 0, 1, 59, 60, 61)]
        moments += [change + timedelta(hours=h, microseconds=1) for h in range(-26, 26, 5)]
    inputs = [Input(activity_id=workshop.id, text="x", source="workshop", created_dt=m) for m in moments]
    db.session.add_all(inputs)
    db.session.commit()
    for zone in ("Europe/Oslo", "Europe/Copenhagen", "Asia/Kolkata"):
        days = dict(db.session.execute(
            sa.select(Input.id, localtime.local_date(Input.created_dt, zone)).where(Input.activity_id == workshop.id)).all())
        for i in inputs:
            assert localtime.as_date(days[i.id]) == i.created_dt.astimezone(ZoneInfo(zone)).date(), (zone, i.created_dt)
