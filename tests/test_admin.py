"""Administrator flows through the test client: processes, phases, groups, activities, prompts, users."""

from __future__ import annotations

import re
from datetime import date, timedelta

import sqlalchemy as sa

from hearing.extensions import db
from hearing.models import (
    STANDARD_PHASES,
    Activity,
    AuditEvent,
    Input,
    Process,
    Prompt,
    RequestKey,
    StakeholderGroup,
    User,
    utcnow,
)
from tests.conftest import PASSWORD, hidden_fields, text_of


def actions() -> list[str]:
    return list(db.session.scalars(sa.select(AuditEvent.action).order_by(AuditEvent.id)))


def process_form(**overrides):
    data = {
        "name": "Strategiplan Mestring og helse 2026–2037",
        "service_area": "Helse og mestring",
        "owner": "Kommunalsjef",
        "description": "",
        "start_date": "2026-01-01",
        "end_date": "2037-12-31",
        "retention_months": "24",
        "is_public": "y",
    }
    for i, name in enumerate(STANDARD_PHASES):
        data[f"phases-{i}-name"] = name
    data.update(overrides)
    return data


def test_new_process_offers_the_four_standard_phases(admin_client):
    html = admin_client.get("/admin/processes/new").get_data(as_text=True)
    for name in STANDARD_PHASES:
        assert f'value="{name}"' in html


def test_create_process_with_phases_and_dates(admin_client):
    data = process_form(**{"phases-0-start_date": "2026-01-01", "phases-0-end_date": "2026-03-31", "phases-3-name": "Tiltak og handling"})
    r = admin_client.submit("/admin/processes/new", data)
    assert r.status_code == 302
    process = db.session.scalar(sa.select(Process))
    assert process.slug == "strategiplan-mestring-og-helse-2026-2037"
    assert [p.name for p in process.phases] == ["Her er vi", "Slik vil vi ha det", "Slik kommer vi dit", "Tiltak og handling"]
    assert str(process.phases[0].end_date) == "2026-03-31"
    assert process.retention_months == 24
    assert "process.create" in actions()
    overview = text_of(admin_client.get(r.location))
    assert "Tidslinje" in overview and "Tiltak og handling" in overview


def test_bad_process_input_shows_norwegian_errors_and_keeps_text(admin_client):
    data = process_form(name="", owner="Ola Nordmann", start_date="2026-05-01", end_date="2026-01-01", retention_months="0")
    r = admin_client.submit("/admin/processes/new", data)
    assert r.status_code == 200
    html = r.get_data(as_text=True)
    page = text_of(r)
    assert "Fyll ut feltet." in page
    assert "Sluttdatoen kan ikke være før startdatoen." in page
    assert "Oppgi et tall mellom 1 og 240." in page
    assert 'value="Ola Nordmann"' in html  # what was typed is kept
    assert 'aria-invalid="true"' in html and "data-error-summary" in html
    assert 'href="#name">Navn på prosessen: Fyll ut feltet.</a>' in html  # our own (lazy) messages in the summary too
    assert db.session.scalar(sa.select(sa.func.count(Process.id))) == 0


def test_bad_phase_date_gets_a_norwegian_message_by_the_field_and_in_the_summary(admin_client):
    data = process_form(owner="Ola Nordmann", **{"phases-1-start_date": "31.02.2026", "phases-1-name": "Slik vil vi ha det"})
    r = admin_client.submit("/admin/processes/new", data)
    assert r.status_code == 200
    html = r.get_data(as_text=True)
    assert "Not a valid" not in html
    summary = re.search(r'<div class="ds-error-summary".*?</div>', html, re.S).group(0)
    link = re.search(r'<a class="ds-link" href="#phases-1-start_date">Fase 2 – Fra dato: ([^<]+)</a>', summary)
    assert link, summary
    message = link.group(1)
    assert "dato" in message.lower()  # WTForms' own message, in Norwegian
    by_field = re.search(r'id="phases-1-start_date-error">\s*<p>([^<]+)</p>', html)
    assert by_field and by_field.group(1) == message
    assert 'id="phases-1-start_date"' in html and 'aria-invalid="true"' in html
    assert 'value="Ola Nordmann"' in html and 'value="31.02.2026"' in html and 'value="Slik vil vi ha det"' in html
    assert db.session.scalar(sa.select(sa.func.count(Process.id))) == 0


def test_double_posted_process_form_creates_one_process(admin_client):
    page = admin_client.get("/admin/processes/new").get_data(as_text=True)
    from tests.conftest import hidden_fields

    fields = {**hidden_fields(page), **process_form()}
    first = admin_client.post("/admin/processes/new", data=fields)
    second = admin_client.post("/admin/processes/new", data=fields)
    assert first.status_code == second.status_code == 302
    assert first.location == second.location
    assert db.session.scalar(sa.select(sa.func.count(Process.id))) == 1
    assert db.session.scalar(sa.select(sa.func.count(RequestKey.id))) == 1


def test_edit_process_renames_adds_and_removes_phases(admin_client, make_process):
    process = make_process()
    url = f"/admin/processes/{process.id}/edit"
    data = process_form(name="Ny tittel", **{"phases-1-name": "Slik vil vi ha det i 2037", "phases-3-name": ""})
    r = admin_client.submit(url, data)
    assert r.status_code == 302
    db.session.expire_all()
    process = db.session.get(Process, process.id)
    assert process.name == "Ny tittel"
    assert [p.name for p in process.phases] == ["Her er vi", "Slik vil vi ha det i 2037", "Slik kommer vi dit"]
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "process.update"))
    assert event.data["changed"]["name"] == ["Strategiplan Mestring og helse", "Ny tittel"]
    # "Legg til en fase" keeps what was typed and adds an empty row.
    r = admin_client.submit(url, process_form(name="Skrevet, ikke lagret", add_phase="1"))
    assert r.status_code == 200
    assert 'value="Skrevet, ikke lagret"' in r.get_data(as_text=True)
    assert "phases-4-name" in r.get_data(as_text=True)


def test_phase_with_activities_cannot_be_removed(admin_client, make_process):
    process = make_process()
    db.session.add(Activity(process=process, phase=process.phases[3], kind="workshop", title="Verksted"))
    db.session.commit()
    r = admin_client.submit(f"/admin/processes/{process.id}/edit", process_form(**{"phases-3-name": ""}))
    assert r.status_code == 200
    assert "har aktiviteter og kan ikke fjernes" in text_of(r)
    db.session.expire_all()
    assert len(db.session.get(Process, process.id).phases) == 4


def test_groups_create_standard_duplicate_edit_delete(admin_client, make_process):
    process = make_process()
    url = f"/admin/processes/{process.id}/groups"
    r = admin_client.submit(url, {"name": "Eldrerådet", "category": "council"})
    assert r.status_code == 302
    r = admin_client.submit(url, {"name": "Eldrerådet", "category": "council"})
    assert r.status_code == 200 and "finnes allerede" in text_of(r)
    admin_client.submit(url, action=f"/admin/processes/{process.id}/groups/standard")
    names = set(db.session.scalars(sa.select(StakeholderGroup.name).filter_by(process_id=process.id)))
    assert {"Eldrerådet", "Rådet for personer med funksjonsnedsettelse", "Ungdomsrådet", "Ansatte", "Ledere", "Tillitsvalgte",
            "Verneombud", "Innbyggere", "Pårørende", "Brukerråd", "Eksterne partnere"} <= names
    assert len(names) == 11  # Eldrerådet is not added twice
    group = db.session.scalar(sa.select(StakeholderGroup).filter_by(name="Verneombud"))
    r = admin_client.submit(f"/admin/groups/{group.id}/edit", {"name": "Verneombud (HVO)", "category": "employees"})
    assert r.status_code == 302
    assert db.session.get(StakeholderGroup, group.id).name == "Verneombud (HVO)"
    r = admin_client.submit(url, action=f"/admin/groups/{group.id}/delete")
    assert r.status_code == 302
    assert db.session.get(StakeholderGroup, group.id) is None
    assert {"group.create", "group.update", "group.delete"} <= set(actions())


def test_group_with_inputs_is_not_deleted(admin_client, make_process):
    process = make_process()
    group = StakeholderGroup(process=process, name="Ansatte", category="employees")
    activity = Activity(process=process, kind="workshop", title="Verksted")
    db.session.add_all([group, activity, Input(activity=activity, group=group, text="Flere hender", source="workshop")])
    db.session.commit()
    r = admin_client.submit(f"/admin/processes/{process.id}/groups", action=f"/admin/groups/{group.id}/delete", follow=True)
    assert "har 1 innspill og kan ikke slettes" in text_of(r)
    assert db.session.get(StakeholderGroup, group.id) is not None


def activity_form(process, **overrides):
    data = {
        "kind": "hearing",
        "title": "Offentlig høring",
        "description": "Les utkastet",
        "phase_id": str(process.phases[2].id),
        "opens_dt": "2026-03-01T09:00",
        "closes_dt": "2026-04-20T23:59",
        "audience": "public",
        "location": "",
    }
    data.update(overrides)
    return data


def test_create_each_kind_of_activity(admin_client, make_process):
    process = make_process()
    for kind in ("workshop", "hearing", "survey", "suggestions"):
        r = admin_client.submit(f"/admin/processes/{process.id}/activities/new", activity_form(process, kind=kind, title=f"Aktivitet {kind}"))
        assert r.status_code == 302, text_of(r)
    kinds = sorted(db.session.scalars(sa.select(Activity.kind)))
    assert kinds == ["hearing", "suggestions", "survey", "workshop"]
    hearing = db.session.scalar(sa.select(Activity).filter_by(kind="hearing"))
    # Entered as Norwegian local time (CET, UTC+1 in March), stored as UTC.
    assert hearing.opens_dt.hour == 8 and hearing.opens_dt.utcoffset() == timedelta(0)
    assert hearing.phase == process.phases[2]


def test_invited_activity_needs_groups_and_keeps_them(admin_client, make_process):
    process = make_process()
    council = StakeholderGroup(process=process, name="Eldrerådet", category="council")
    db.session.add(council)
    db.session.commit()
    url = f"/admin/processes/{process.id}/activities/new"
    r = admin_client.submit(url, activity_form(process, audience="invited"))
    assert r.status_code == 200 and "Velg minst én invitert gruppe" in text_of(r)
    r = admin_client.submit(url, activity_form(process, audience="invited", group_ids=[str(council.id)]))
    assert r.status_code == 302
    activity = db.session.scalar(sa.select(Activity))
    assert activity.groups == [council]


def test_deadline_before_opening_is_refused(admin_client, make_process):
    process = make_process()
    r = admin_client.submit(f"/admin/processes/{process.id}/activities/new", activity_form(process, closes_dt="2026-02-01T10:00"))
    assert r.status_code == 200
    assert "Fristen må være etter åpningstidspunktet." in text_of(r)
    assert 'value="2026-02-01T10:00"' in r.get_data(as_text=True)


def test_short_plan_hearing_is_warned_about(admin_client, make_process):
    process = make_process()
    data = activity_form(process, is_plan_hearing="y", opens_dt="2026-03-01T09:00", closes_dt="2026-03-20T12:00")
    r = admin_client.submit(f"/admin/processes/{process.id}/activities/new", data, follow=True)
    assert "kortere enn seks uker" in text_of(r)
    long = activity_form(process, title="Lang", is_plan_hearing="y", closes_dt="2026-04-20T12:00")
    r = admin_client.submit(f"/admin/processes/{process.id}/activities/new", long, follow=True)
    assert "kortere enn seks uker" not in text_of(r)


def test_edit_activity(admin_client, make_process):
    process = make_process()
    admin_client.submit(f"/admin/processes/{process.id}/activities/new", activity_form(process))
    activity = db.session.scalar(sa.select(Activity))
    r = admin_client.submit(f"/admin/activities/{activity.id}/edit", activity_form(process, title="Høring, endret", kind="survey"))
    assert r.status_code == 302
    db.session.expire_all()
    assert db.session.get(Activity, activity.id).title == "Høring, endret"
    assert "activity.update" in actions()


def test_prompts_of_every_type_edit_move_delete(admin_client, make_process):
    process = make_process()
    admin_client.submit(f"/admin/processes/{process.id}/activities/new", activity_form(process, kind="survey"))
    activity = db.session.scalar(sa.select(Activity))
    page = f"/admin/activities/{activity.id}"
    action = f"/admin/activities/{activity.id}/prompts"
    r = admin_client.submit(page, {"text": "Hvilket område er viktigst?", "question_type": "single_choice", "options_text": "Bare ett"}, action=action)
    assert r.status_code == 422 and "minst to svaralternativer" in text_of(r)
    assert "Hvilket område er viktigst?" in r.get_data(as_text=True)
    for text, qtype, options in [
        ("Hva er viktigst for deg?", "free_text", ""),
        ("Hvor fornøyd er du?", "rating", ""),
        ("Hvilket område er viktigst?", "single_choice", "Heltid\nVelferdsteknologi\n"),
        ("Hva bruker du?", "multiple_choice", "Trygghetsalarm\nMedisindispenser"),
    ]:
        r = admin_client.submit(page, {"text": text, "question_type": qtype, "options_text": options, "is_required": "y"}, action=action)
        assert r.status_code == 302
    prompts = db.session.scalars(sa.select(Prompt).order_by(Prompt.position)).all()
    assert [p.question_type for p in prompts] == ["free_text", "rating", "single_choice", "multiple_choice"]
    assert prompts[2].options == ["Heltid", "Velferdsteknologi"]
    assert prompts[0].options == []
    last = prompts[3]
    admin_client.submit(page, {"direction": "up"}, action=f"/admin/prompts/{last.id}/move")
    db.session.expire_all()
    assert [p.text for p in db.session.scalars(sa.select(Prompt).order_by(Prompt.position))][2] == "Hva bruker du?"
    r = admin_client.submit(f"/admin/prompts/{last.id}/edit", {"text": "Hvilke hjelpemidler bruker du?", "question_type": "multiple_choice", "options_text": "A\nB\nC"})
    assert r.status_code == 302
    assert db.session.get(Prompt, last.id).options == ["A", "B", "C"]
    admin_client.submit(page, action=f"/admin/prompts/{prompts[0].id}/delete")
    db.session.expire_all()
    assert [p.position for p in db.session.scalars(sa.select(Prompt).order_by(Prompt.position))] == [1, 2, 3]
    assert {"prompt.create", "prompt.move", "prompt.update", "prompt.delete"} <= set(actions())


def test_process_overview_counts_inputs_per_activity_and_phase(admin_client, make_process):
    process = make_process()
    workshop = Activity(process=process, phase=process.phases[0], kind="workshop", title="Oppstartsverksted",
                        opens_dt=utcnow() - timedelta(days=3), closes_dt=utcnow() - timedelta(days=2))
    db.session.add(workshop)
    db.session.add_all([Input(activity=workshop, text=f"Innspill {i}", source="workshop") for i in range(7)])
    db.session.commit()
    page = text_of(admin_client.get(f"/admin/processes/{process.id}"))
    assert "Oppstartsverksted" in page and "7 innspill" in page and "Avsluttet" in page
    assert "Ingen aktiviteter i denne fasen ennå." in page


def _link_in_outbox(email: str) -> str:
    from hearing.models import MailMessage

    msg = db.session.scalars(sa.select(MailMessage).where(MailMessage.to_address == email).order_by(MailMessage.id.desc())).first()
    return re.search(r"http://localhost(/nytt-passord/[\w-]+)", msg.body_text).group(1)


def test_a_new_user_is_invited_by_email_and_chooses_a_password(admin_client, app):
    from tests.conftest import Client

    client = Client(app.test_client())  # Frida's own browser
    r = admin_client.submit("/admin/users/new", {"name": "Frida Fasilitator", "email": "Frida@Kommune.no", "role": "facilitator", "password": ""}, follow=True)
    assert "En invitasjon med lenke for å velge passord er sendt til frida@kommune.no" in text_of(r)
    user = db.session.scalar(sa.select(User).filter_by(email="frida@kommune.no"))
    assert user.role == "facilitator"
    link = _link_in_outbox("frida@kommune.no")
    page = client.get(link)
    assert page.status_code == 200 and "Velg passord" in text_of(page)
    r = client.submit(link, {"password": "Molte-Fjellbekk-Tåke-91", "confirm": "Molte-Fjellbekk-Tåke-91"})
    assert r.status_code == 302
    assert client.get("/staff").status_code == 200  # logged in
    db.session.expire_all()
    assert db.session.get(User, user.id).check_password("Molte-Fjellbekk-Tåke-91")
    assert client.get(link).status_code == 410  # once only
    # An administrator's reset with a chosen password ends the user's sessions.
    r = admin_client.submit(f"/admin/users/{user.id}/edit", {"password": "et-nytt-passord-123", "confirm": "et-nytt-passord-123"},
                            action=f"/admin/users/{user.id}/password")
    assert r.status_code == 302
    assert client.get("/staff").status_code == 302  # sent to login
    db.session.expire_all()
    assert db.session.get(User, user.id).check_password("et-nytt-passord-123")
    assert "user.reset_password" in actions()
    # Without a chosen password the user gets a reset link by e-mail instead; nothing secret is shown.
    r = admin_client.submit(f"/admin/users/{user.id}/edit", {"password": "", "confirm": ""},
                            action=f"/admin/users/{user.id}/password", follow=True)
    assert "En lenke for å lage et nytt passord er sendt til frida@kommune.no" in text_of(r)
    assert _link_in_outbox("frida@kommune.no") != link


def test_a_double_click_makes_one_user_and_one_invitation(admin_client, app):
    from hearing.models import MailMessage

    page = admin_client.get("/admin/users/new").get_data(as_text=True)
    fields = {**hidden_fields(page), "name": "Per Pleier", "email": "per@kommune.no", "role": "reviewer", "password": ""}
    first, second = (admin_client.post("/admin/users/new", data=fields) for _ in range(2))
    assert first.status_code == second.status_code == 302 and first.location == second.location
    assert db.session.scalar(sa.select(sa.func.count(User.id)).where(User.email == "per@kommune.no")) == 1
    assert db.session.scalar(sa.select(sa.func.count(MailMessage.id)).where(MailMessage.to_address == "per@kommune.no")) == 1


def test_user_form_errors_and_duplicates(admin_client, make_user):
    existing = make_user("reviewer")
    r = admin_client.submit("/admin/users/new", {"name": "", "email": "ikke-epost", "role": "reviewer", "password": "kort"})
    page = text_of(r)
    assert "Skriv en gyldig e-postadresse" in page and "Passordet må ha minst 12 tegn." in page and "Fyll ut feltet." in page
    r = admin_client.submit("/admin/users/new", {"name": "X", "email": existing.email, "role": "reviewer", "password": PASSWORD})
    assert "finnes allerede en bruker" in text_of(r)


def test_change_role_and_deactivate(admin_client, make_user):
    user = make_user("reviewer")
    r = admin_client.submit(f"/admin/users/{user.id}/edit", {"name": user.name, "email": user.email, "role": "facilitator"})
    assert r.status_code == 302
    db.session.expire_all()
    user = db.session.get(User, user.id)
    assert user.role == "facilitator" and not user.is_active_user
    r = admin_client.submit(f"/admin/users/{admin_client.user.id}/edit", {"name": "Meg", "role": "reviewer", "is_active_user": "y"})
    assert "Du kan ikke endre din egen rolle" in text_of(r)


def test_audit_log_lists_changes(admin_client, make_process):
    process = make_process()
    page = text_of(admin_client.get(f"/admin/audit?process={process.id}"))
    assert "process.create" in page


def test_a_process_without_an_end_date_warns_that_nothing_is_deleted(admin_client, make_process):
    open_ended = make_process()
    assert "blir ikke slettet automatisk" in text_of(admin_client.get(f"/admin/processes/{open_ended.id}"))
    dated = make_process(name="Med sluttdato", start_date=date(2026, 1, 1), end_date=date(2026, 12, 31))
    assert "blir ikke slettet automatisk" not in text_of(admin_client.get(f"/admin/processes/{dated.id}"))
