"""Follow-up of the adopted plan: adoption, updates (form and unit spreadsheets), matrix, public page."""

from __future__ import annotations

import io
from datetime import date

import openpyxl
import pytest
import sqlalchemy as sa

from hearing.extensions import db
from hearing.followup import services, spreadsheet
from hearing.models import (
    AuditEvent,
    Draft,
    FocusArea,
    HearingReport,
    Input,
    Measure,
    MeasureUpdate,
    Plan,
    PlanMeasure,
    StakeholderGroup,
    Strategy,
    Unit,
    utcnow,
)
from tests.conftest import text_of
from tests.test_mail import smtp_server  # noqa: F401  (the real SMTP server fixture)
from tests.test_translations import compiled  # noqa: F401  (fixture: the .mo files are current)


@pytest.fixture
def world(make_activity, make_themes, make_user):
    activity = make_activity("workshop", title="Oppstartsverksted", groups=[("Eldrerådet", "council")])
    process, group = activity.process, db.session.scalar(sa.select(StakeholderGroup).filter_by(name="Eldrerådet"))
    inputs = [Input(activity_id=activity.id, group_id=group.id, text=t, source="workshop")
              for t in ("Varm middag hver dag", "Bedre kosthold for eldre", "Bussen går for sjelden")]
    db.session.add_all(inputs)
    db.session.flush()
    food, bus = make_themes(process, [({"auto_label": "mat", "name": "Mat og måltider"}, inputs[:2]),
                                      ({"auto_label": "buss", "name": "Transport"}, inputs[2:])]).themes
    draft = Draft(process_id=process.id, number=1, title="Strategiutkast 1")
    meals = FocusArea(position=1, title="Gode måltider", theme_id=food.id)
    travel = FocusArea(position=2, title="Komme seg ut")
    s1 = Strategy(position=1, text="Vi lager mat der folk bor")
    s2 = Strategy(position=1, text="Vi gjør det lett å reise")
    s1.inputs = inputs[:2]
    s2.inputs = [inputs[2]]
    s1.measures = [Measure(position=1, text="Kjøkken på hvert sykehjem", owner="Sykehjemmene", deadline=date(2027, 6, 30)),
                   Measure(position=2, text="Felles måltider i nærmiljøet", owner="Frivilligsentralen")]
    s2.measures = [Measure(position=1, text="Felles måltider i nærmiljøet", owner="Frivilligsentralen"),
                   Measure(position=2, text="Kveldsbuss til senteret", owner="Sykehjemmene", deadline=date(2028, 1, 1))]
    meals.strategies = [s1]
    travel.strategies = [s2]
    draft.focus_areas = [meals, travel]
    db.session.add(draft)
    db.session.commit()
    reviewer = make_user("reviewer")
    return {"process": process, "draft": draft, "s1": s1, "s2": s2, "inputs": inputs, "reviewer": reviewer,
            "food": food, "bus": bus}


def _adopt(world) -> Plan:
    plan = services.adopt_draft(db.session, world["reviewer"], world["draft"],
                                {"adopted_on": date(2026, 12, 1), "decision_reference": "PS 45/26"})
    db.session.commit()
    return plan


def _login(client, user):
    assert client.login(user.email).status_code == 302


def test_adopting_a_draft_makes_tracked_measures_owned_by_units(world):
    plan = _adopt(world)
    assert [m.text for m in plan.measures] == ["Kjøkken på hvert sykehjem", "Felles måltider i nærmiljøet",
                                              "Kveldsbuss til senteret"]
    shared = plan.measures[1]
    # the same measure under two strategies is one measure serving both (the matrix shows it twice)
    assert {s.id for s in shared.strategies} == {world["s1"].id, world["s2"].id}
    assert sorted(u.name for u in services.units_of(db.session, plan.process_id)) == ["Frivilligsentralen", "Sykehjemmene"]
    first = plan.measures[0]
    assert (first.status, first.progress, first.due_date, first.start_date) == ("not_started", 0, date(2027, 6, 30), date(2026, 12, 1))
    assert [(u.source, u.update_date) for u in first.updates] == [("adoption", date(2026, 12, 1))]
    assert db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "plan.adopt")).data["measures"] == 3
    m = services.matrix(db.session, plan)
    assert len(m.cells) == 4 and (shared.id, world["s2"].id) in m.cells
    with pytest.raises(services.ServiceError, match="allerede"):
        services.adopt_draft(db.session, None, world["draft"], {"adopted_on": date(2026, 12, 2)})


def test_update_validation_and_nothing_twice(world):
    plan = _adopt(world)
    pm = plan.measures[0]
    for data, message in (
        ({"status": "ferdig", "progress": 10}, "Ukjent status"),
        ({"status": "i gang", "progress": 101}, "mellom 0 og 100"),
        ({"status": "i gang", "progress": "-5"}, "mellom 0 og 100"),
        ({"status": "i gang", "progress": "mye"}, "tall fra 0 til 100"),
        ({"status": "gjennomført", "progress": 90}, "100"),
        ({"status": "utsatt", "progress": 10}, "hvorfor"),
    ):
        with pytest.raises(services.ServiceError, match=message):
            services.record_update(db.session, None, pm, data)
    first = services.record_update(db.session, None, pm, {"status": "I gang", "progress": "40 %", "text": "Utstyr bestilt",
                                                         "update_date": date(2027, 2, 1)})
    assert first is not None and (pm.status, pm.progress) == ("in_progress", 40)
    assert services.record_update(db.session, None, pm, {"status": "in_progress", "progress": 40, "text": "Utstyr bestilt",
                                                         "update_date": date(2027, 2, 1)}) is None
    assert services.record_update(db.session, None, pm, {"status": "in_progress", "progress": 40}) is None
    assert len(pm.updates) == 2


def test_staff_adopt_update_and_see_the_matrix(client, world):
    _login(client, world["reviewer"])
    url = f"/followup/process/{world['process'].id}"
    page = client.get(url)
    assert page.status_code == 200 and "Vedta planen" in text_of(page)
    refused = client.submit(url, {"draft_id": world["draft"].id, "adopted_on": ""})
    assert refused.status_code == 200 and "Fyll ut vedtaksdatoen" in text_of(refused)
    done = client.submit(url, {"draft_id": world["draft"].id, "adopted_on": "2026-12-01", "decision_reference": "PS 45/26"})
    assert done.status_code == 302
    plan = db.session.scalar(sa.select(Plan))
    assert plan is not None and len(plan.measures) == 3
    overview = text_of(client.get(url))
    assert "Kjøkken på hvert sykehjem" in overview and "Sykehjemmene" in overview and "0 % gjennomført" in overview
    pm = plan.measures[0]
    murl = f"/followup/measure/{pm.id}"
    bad = client.submit(murl, {"u-status": "in_progress", "u-progress": "120"}, action=f"{murl}/update")
    assert bad.status_code == 422 and "mellom 0 og 100" in text_of(bad)
    assert "120" in bad.get_data(as_text=True)  # what was typed stays
    ok = client.submit(murl, {"u-status": "postponed", "u-progress": "20", "u-text": "Venter på budsjett"}, action=f"{murl}/update")
    assert ok.status_code == 302
    db.session.refresh(pm)
    assert (pm.status, pm.progress, pm.updates[-1].text) == ("postponed", 20, "Venter på budsjett")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent).where(AuditEvent.action == "plan.measure.progress")) == 1
    strategies = client.submit(murl, {"s-strategy_ids": [str(world["s1"].id), str(world["s2"].id)]}, action=f"{murl}/strategies")
    assert strategies.status_code == 302
    matrix = client.get(f"/followup/plan/{plan.id}/matrix")
    assert matrix.status_code == 200 and text_of(matrix).count("Ja") == 5
    details = client.submit(murl, {"d-text": pm.text, "d-unit": "Kjøkkentjenesten", "d-start_date": "2027-01-01",
                                   "d-due_date": "2026-01-01"}, action=f"{murl}/details")
    assert details.status_code == 422 and "før startdatoen" in text_of(details)


def _filled(client, plan, unit, rows):
    """Download the unit's sheet, write ``rows`` {measure_id: (status, progress, comment)} and return the bytes."""
    r = client.get(f"/followup/plan/{plan.id}/units/{unit.id}/xlsx")
    assert r.status_code == 200 and r.mimetype == spreadsheet.MIMETYPE
    wb = openpyxl.load_workbook(io.BytesIO(r.data))
    ws = wb[spreadsheet.SHEET]
    for row in ws.iter_rows(min_row=4):
        ident = row[0].value
        if ident in rows:
            row[4].value, row[5].value, row[6].value = rows.pop(ident)
    for ident, values in rows.items():  # rows the file did not have (unknown ids)
        ws.append([ident, "", "", None, *values])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _upload(client, plan, unit, raw):
    url = f"/followup/plan/{plan.id}/units/{unit.id}/upload"
    return client.submit(url, {"file": (io.BytesIO(raw), "tiltak.xlsx")}, content_type="multipart/form-data")


def test_unit_spreadsheet_round_trip(client, world):
    plan = _adopt(world)
    _login(client, world["reviewer"])
    homes = db.session.scalar(sa.select(Unit).where(Unit.name == "Sykehjemmene"))
    kitchen, bus = (m for m in plan.measures if m.unit_id == homes.id)
    raw = _filled(client, plan, homes, {kitchen.id: ("I gang", 30, "Tegninger klare"), bus.id: ("Utsatt", 0, "Ingen sjåfør")})
    r = _upload(client, plan, homes, raw)
    assert r.status_code == 302, text_of(r)
    db.session.refresh(kitchen)
    db.session.refresh(bus)
    assert (kitchen.status, kitchen.progress, kitchen.updates[-1].text) == ("in_progress", 30, "Tegninger klare")
    assert (bus.status, bus.updates[-1].source) == ("postponed", "xlsx")
    count = db.session.scalar(sa.select(sa.func.count()).select_from(MeasureUpdate))
    again = _upload(client, plan, homes, raw)  # the same file again: nothing stored twice
    assert again.status_code == 302
    assert db.session.scalar(sa.select(sa.func.count()).select_from(MeasureUpdate)) == count
    event = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "plan.unit_upload").order_by(AuditEvent.id)).all()
    assert [(e.data["applied"], e.data["unchanged"]) for e in event] == [(2, 0), (0, 2)]


def test_bad_rows_are_refused_one_by_one_and_nothing_changes(client, world):
    plan = _adopt(world)
    _login(client, world["reviewer"])
    homes = db.session.scalar(sa.select(Unit).where(Unit.name == "Sykehjemmene"))
    volunteers = db.session.scalar(sa.select(Unit).where(Unit.name == "Frivilligsentralen"))
    kitchen, bus = (m for m in plan.measures if m.unit_id == homes.id)
    shared = next(m for m in plan.measures if m.unit_id == volunteers.id)
    raw = _filled(client, plan, homes, {kitchen.id: ("Ferdig", 30, ""), bus.id: ("I gang", 140, ""),
                                        9999: ("I gang", 10, ""), shared.id: ("I gang", 10, "")})
    before = db.session.scalar(sa.select(sa.func.count()).select_from(MeasureUpdate))
    r = _upload(client, plan, homes, raw)
    assert r.status_code == 422
    page = text_of(r)
    assert "Ingenting er lagret" in page
    assert "ukjent status «Ferdig»" in page
    assert "fremdrift må være mellom 0 og 100" in page
    assert "tiltak 9999 finnes ikke i planen" in page
    assert f"tiltak {shared.id} hører ikke til enheten «Sykehjemmene»" in page
    assert db.session.scalar(sa.select(sa.func.count()).select_from(MeasureUpdate)) == before
    db.session.refresh(kitchen)
    assert kitchen.status == "not_started"
    # a unit's file uploaded on another unit's page is refused as a whole
    good = _filled(client, plan, homes, {kitchen.id: ("I gang", 10, "")})
    wrong = _upload(client, plan, volunteers, good)
    assert wrong.status_code == 422 and "laget for enheten «Sykehjemmene», ikke «Frivilligsentralen»" in text_of(wrong)
    # not a spreadsheet at all
    junk = _upload(client, plan, homes, b"not a spreadsheet")
    assert junk.status_code == 422 and "Excel-regneark" in text_of(junk)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(MeasureUpdate)) == before


def test_public_page_filters_and_links_to_the_report(client, world):
    plan = _adopt(world)
    report = HearingReport(process_id=world["process"].id, title="Vi spurte – dere svarte", is_published=True,
                           published_dt=utcnow())
    db.session.add(report)
    db.session.commit()
    services.record_update(db.session, None, plan.measures[0], {"status": "in_progress", "progress": 50, "text": "Halvveis"})
    db.session.commit()
    page = client.get(f"/oppfolging/{plan.id}")
    assert page.status_code == 200
    text = text_of(page)
    assert "Gode måltider" in text and "Kjøkken på hvert sykehjem" in text
    assert "50 % gjennomført" in text and "Halvveis" in text
    assert "Hva dere sa som ledet hit" in text and "Mat og måltider – 2 innspill" in text
    assert f"/reports/public/{report.id}" in page.get_data(as_text=True) or f"report_id={report.id}" in page.get_data(as_text=True) \
        or f"/{report.id}" in page.get_data(as_text=True)
    assert "Bygger på Mat og måltider (2 innspill)" in text
    front = client.get("/")
    assert f"/oppfolging/{plan.id}" in front.get_data(as_text=True) and "følg tiltakene" in text_of(front)
    only = text_of(client.get(f"/oppfolging/{plan.id}?status=in_progress"))
    assert "Kjøkken på hvert sykehjem" in only and "Kveldsbuss til senteret" not in only
    unit = db.session.scalar(sa.select(Unit).where(Unit.name == "Frivilligsentralen"))
    by_unit = text_of(client.get(f"/oppfolging/{plan.id}?enhet={unit.id}"))
    assert "Felles måltider i nærmiljøet" in by_unit and "Kjøkken på hvert sykehjem" not in by_unit
    plan.is_public = False
    db.session.commit()
    assert client.get(f"/oppfolging/{plan.id}").status_code == 404


def test_public_page_obeys_the_process_flag_as_well_as_the_plans(client, world):
    """A process taken off the public site takes its follow-up page with it: the page, the front page's
    list and the staff page's link all follow one rule (services.public_plan)."""
    plan = _adopt(world)
    process = world["process"]
    assert client.get(f"/oppfolging/{plan.id}").status_code == 200
    process.is_public = False
    db.session.commit()
    assert client.get(f"/oppfolging/{plan.id}").status_code == 404
    assert services.public_plans(db.session) == [] and services.public_plan(db.session, plan.id) is None
    assert f"/oppfolging/{plan.id}" not in client.get("/").get_data(as_text=True)
    _login(client, world["reviewer"])
    staff = text_of(client.get(f"/followup/process/{process.id}"))
    assert "Ikke offentlig: prosessen er ikke synlig for publikum." in staff
    client.post("/logout")
    process.is_public = True
    plan.is_public = False
    db.session.commit()
    assert client.get(f"/oppfolging/{plan.id}").status_code == 404
    plan.is_public = True
    db.session.commit()
    assert client.get(f"/oppfolging/{plan.id}").status_code == 200
    assert [p.id for p in services.public_plans(db.session)] == [plan.id]


def test_facilitators_may_not_follow_up(client, world, make_user):
    plan = _adopt(world)
    _login(client, make_user("facilitator"))
    assert client.get(f"/followup/process/{world['process'].id}").status_code == 403
    assert client.get(f"/followup/measure/{plan.measures[0].id}").status_code == 403


def test_yearly_revision_report_docx_and_pdf(client, world):
    import docx
    from pypdf import PdfReader

    from hearing.followup import revision
    from tests.conftest import export_via_page

    plan = _adopt(world)
    kitchen, shared, bus = plan.measures
    services.record_update(db.session, None, kitchen, {"status": "i gang", "progress": 50, "update_date": date(2027, 2, 1)})
    services.record_update(db.session, None, kitchen, {"status": "gjennomført", "progress": 100, "text": "Kjøkkenet er åpnet",
                                                       "update_date": date(2027, 5, 2)})
    services.record_update(db.session, None, bus, {"status": "utsatt", "progress": 10, "text": "Ingen sjåfør å få",
                                                   "update_date": date(2027, 3, 1)})
    services.record_update(db.session, None, shared, {"status": "i gang", "progress": 30, "update_date": date(2028, 1, 5)})
    db.session.commit()
    view = revision.revision_view(db.session, plan, 2027)
    assert [i.measure.id for i in view.done] == [kitchen.id] and view.done[0].text == "Kjøkkenet er åpnet"
    assert [(i.measure.id, i.text) for i in view.delayed] == [(bus.id, "Ingen sjåfør å få")]
    assert [i.measure.id for i in view.not_started] == [shared.id]  # its update came in 2028
    assert (view.due_in_year, view.done_on_time, view.updates_in_year) == (1, 1, 3)
    assert view.status_counts == {"not_started": 1, "in_progress": 0, "done": 1, "postponed": 1, "closed": 0}
    _login(client, world["reviewer"])
    url = f"/followup/plan/{plan.id}/revision/2027"
    saved = client.submit(url, {"summary": "Et år med god fremdrift.", "proposals": "- Flytt kveldsbussen til 2028\n- Nytt tiltak for pårørende"})
    assert saved.status_code == 302
    page = text_of(client.get(url))
    assert "Kjøkkenet er åpnet" in page and "Ingen sjåfør å få" in page and "Gjennomført innen fristen" in page
    assert client.get(f"/followup/plan/{plan.id}/revision/2031").status_code == 404
    _job, docx_file = export_via_page(client, url, f"/followup/plan/{plan.id}/revision/2027/export/docx")
    assert docx_file.status_code == 200 and docx_file.headers["Content-Disposition"].endswith(".docx")
    document = docx.Document(io.BytesIO(docx_file.data))
    headings = [p.text for p in document.paragraphs if p.style.name.startswith("Heading")]
    assert "Utsatt eller forsinket, og hvorfor" in headings and "Forslag til endringer i neste handlingsprogram" in headings
    body = "\n".join(p.text for p in document.paragraphs)
    assert "Flytt kveldsbussen til 2028" in body and "Et år med god fremdrift." in body
    assert len(document.inline_shapes) == 1  # the status chart
    cells = [c.text for t in document.tables for row in t.rows for c in row.cells]
    assert "Ingen sjåfør å få" in cells
    _job, pdf_file = export_via_page(client, url, f"/followup/plan/{plan.id}/revision/2027/export/pdf")
    text = " ".join(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf_file.data)).pages).split())
    assert "Rullering 2027" in text and "Kjøkkenet er åpnet" in text and "Nytt tiltak for pårørende" in text


def test_measures_and_their_history_travel_in_the_process_backup(world):
    from hearing.exports import backup

    plan = _adopt(world)
    shared = plan.measures[1]
    services.record_update(db.session, None, shared, {"status": "i gang", "progress": 25, "text": "Første måltid holdt"})
    from hearing.followup import revision

    revision.save_revision(db.session, None, plan, 2026, {"summary": "Godt i gang", "proposals": "Mer frivillighet"})
    from hearing.dashboard import services as dashboard

    dashboard.set_targets(db.session, None, world["process"], {world["process"].groups[0].id: 40})
    db.session.commit()
    data = backup.export_process(db.session, world["process"])
    for table, count in (("plans", 1), ("plan_measures", 3), ("plan_measure_strategies", 4), ("measure_updates", 4),
                         ("plan_revisions", 1), ("units", 2), ("participation_targets", 1)):
        assert len(data["tables"][table]) == count, table
    # into an installation without the process: everything comes back, linked to the new rows
    db.session.delete(world["process"])
    db.session.commit()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(PlanMeasure)) == 0
    process = backup.import_process(db.session, None, backup.loads(backup.dumps(data)))
    db.session.commit()
    plan = services.plan_of(db.session, process)
    assert plan.draft.process_id == process.id and plan.decision_reference == "PS 45/26"
    shared = plan.measures[1]
    assert (shared.status, shared.progress, shared.unit.name) == ("in_progress", 25, "Frivilligsentralen")
    assert [u.text for u in shared.updates] == ["Vedtatt i planen.", "Første måltid holdt"]
    assert {s.focus_area.draft_id for s in shared.strategies} == {plan.draft_id} and len(shared.strategies) == 2
    assert revision.revision_of(db.session, plan, 2026).proposals == "Mer frivillighet"
    assert dashboard.targets_of(db.session, process) == {process.groups[0].id: 40}


def test_unit_leaders_update_through_their_units_secret_link(app, client, world):
    import re

    from tests.conftest import Client

    plan = _adopt(world)
    homes = db.session.scalar(sa.select(Unit).where(Unit.name == "Sykehjemmene"))
    volunteers = db.session.scalar(sa.select(Unit).where(Unit.name == "Frivilligsentralen"))
    kitchen = next(m for m in plan.measures if m.unit_id == homes.id)
    shared = next(m for m in plan.measures if m.unit_id == volunteers.id)
    _login(client, world["reviewer"])
    index = f"/followup/process/{world['process'].id}"
    made = client.submit(index, action=f"/followup/plan/{plan.id}/units/{homes.id}/link")
    assert made.status_code == 302
    secret_page = client.get(made.location)
    assert secret_page.status_code == 200
    link = re.search(r'value="(http[^"]+/enhet/[^"]+)"', secret_page.get_data(as_text=True)).group(1)
    assert client.submit(index, action=f"/followup/plan/{plan.id}/units/{homes.id}/link").status_code == 302
    path = link.split("localhost", 1)[1]
    db.session.refresh(homes)
    assert homes.link_token_hash and path.rsplit("/", 1)[1] not in homes.link_token_hash  # only the hash is kept
    # a new link replaced the first one
    assert Client(app.test_client()).get(path).status_code == 404
    fresh = client.get(client.submit(index, action=f"/followup/plan/{plan.id}/units/{homes.id}/link").location)
    path = re.search(r'value="http://localhost(/enhet/[^"]+)"', fresh.get_data(as_text=True)).group(1)

    leader = Client(app.test_client())  # no account
    page = leader.get(path)
    assert page.status_code == 200 and page.headers["Referrer-Policy"] == "same-origin"
    assert "Kjøkken på hvert sykehjem" in text_of(page) and "Felles måltider" not in text_of(page)
    action = f"{path}/tiltak/{kitchen.id}"
    bad = leader.submit(path, {f"m{kitchen.id}-status": "in_progress", f"m{kitchen.id}-progress": "300"}, action=action)
    assert bad.status_code == 422 and "mellom 0 og 100" in text_of(bad)
    ok = leader.submit(path, {f"m{kitchen.id}-status": "in_progress", f"m{kitchen.id}-progress": "60",
                              f"m{kitchen.id}-text": "Benkene er på plass"}, action=action)
    assert ok.status_code == 302
    db.session.refresh(kitchen)
    assert (kitchen.status, kitchen.progress, kitchen.updates[-1].author_id) == ("in_progress", 60, None)
    event = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "plan.measure.progress")).all()[-1]
    assert event.data["via_unit_link"] == homes.id
    # another unit's measure is not reachable through this link
    assert leader.submit(path, {f"m{shared.id}-status": "done", f"m{shared.id}-progress": "100"},
                         action=f"{path}/tiltak/{shared.id}").status_code == 404
    sheet = leader.get(f"{path}/regneark.xlsx")
    assert sheet.status_code == 200 and sheet.mimetype == spreadsheet.MIMETYPE
    revoked = client.submit(index, action=f"/followup/plan/{plan.id}/units/{homes.id}/link/revoke")
    assert revoked.status_code == 302
    assert leader.get(path).status_code == 404


def test_the_adopted_draft_is_kept_as_adopted(client, world):
    from hearing.drafting import services as drafting

    plan = _adopt(world)
    with pytest.raises(services.ServiceError, match="vedtatt som plan"):
        drafting.delete_part(db.session, None, world["s2"])
    db.session.rollback()
    _login(client, world["reviewer"])
    page = client.get(f"/drafts/{plan.draft_id}")
    assert page.status_code == 200 and "vedtatt som plan" in text_of(page) and "Rediger tittel" not in text_of(page)
    assert len(services.matrix(db.session, plan).cells) == 4  # nothing was taken from the plan


def test_a_units_link_is_emailed_to_its_leader_in_their_language(client, world, app, smtp_server):  # noqa: F811
    """The link a reviewer just made goes to the unit's leader by e-mail (real SMTP), in nynorsk, opening the
    unit's page in nynorsk; a double click sends one; a bad address is refused with the text kept; an old
    page (the link replaced) sends nothing."""
    import re

    from hearing.mail import send_due
    from hearing.models import MailMessage
    from tests.test_mail import use_smtp

    inbox = smtp_server()
    use_smtp(app, inbox.port)
    plan = _adopt(world)
    homes = db.session.scalar(sa.select(Unit).where(Unit.name == "Sykehjemmene"))
    _login(client, world["reviewer"])
    page = client.get(f"/followup/process/{world['process'].id}").get_data(as_text=True)
    from tests.conftest import hidden_fields

    link_action = f"/followup/plan/{plan.id}/units/{homes.id}/link"
    made = client.post(link_action, data=hidden_fields(page, action=link_action))
    assert made.status_code == 302 and "key=" in made.location
    secret_page = client.get(made.location)
    assert secret_page.status_code == 200 and "Send lenken til enhetens leder" in text_of(secret_page)
    send_url = re.search(r'action="([^"]*/link/send\?key=[^"]+)"', secret_page.get_data(as_text=True)).group(1).replace("&amp;", "&")
    fields = hidden_fields(secret_page.get_data(as_text=True), action=send_url.replace("&", "&amp;"))
    bad = client.post(send_url, data={**fields, "email": "ikke en adresse", "lang": "nn"})
    assert bad.status_code == 422 and "Skriv en gyldig e-postadresse" in text_of(bad) and 'value="ikke en adresse"' in bad.get_data(as_text=True)
    for _twice in range(2):
        sent = client.post(send_url, data={**fields, "email": "Leder@Sykehjem.no", "lang": "nn"})
        assert sent.status_code == 302
    assert "allerede sendt til leder@sykehjem.no" in text_of(client.get(sent.location))
    assert db.session.scalar(sa.select(sa.func.count(MailMessage.id)).where(MailMessage.kind == "unit_link")) == 1
    assert send_due(db.session)["sent"] == 1
    [(rcpt, message)] = inbox.messages
    assert rcpt == ["leder@sykehjem.no"] and message["Content-Language"] == "nn"
    assert "Sykehjemmene" in message["Subject"]  # (its nynorsk words come with the next translation round)
    link = re.search(r"http://\S+/enhet/\S+", message.get_body(("plain",)).get_content()).group(0)
    assert link.endswith("?lang=nn")
    from tests.conftest import Client

    leader = Client(app.test_client())
    unit_page = leader.get(link.removeprefix("http://localhost"))
    assert unit_page.status_code == 200 and '<html lang="nn"' in unit_page.get_data(as_text=True)
    assert "Kjøkken på hvert sykehjem" in text_of(unit_page)
    audit = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "plan.unit_link.send"))
    assert audit.data["to"] == "le•••@sykehjem.no" and audit.data["lang"] == "nn"


@pytest.mark.usefixtures("compiled")
def test_a_unit_sheet_downloaded_in_english_is_read_back(client, world):
    plan = _adopt(world)
    _login(client, world["reviewer"])
    homes = db.session.scalar(sa.select(Unit).where(Unit.name == "Sykehjemmene"))
    kitchen, _bus = (m for m in plan.measures if m.unit_id == homes.id)
    client.get(f"/followup/plan/{plan.id}?lang=en")
    sheet = openpyxl.load_workbook(io.BytesIO(client.get(f"/followup/plan/{plan.id}/units/{homes.id}/xlsx").data))
    header = [c.value for c in sheet[spreadsheet.SHEET][3]]
    assert header[0] == "Measure ID" and "Progress (%)" in header and "Comment" in header
    raw = _filled(client, plan, homes, {kitchen.id: ("In progress", 40, "Drawings ready")})
    client.get(f"/followup/plan/{plan.id}?lang=nb")  # uploaded from a bokmål page: still read
    assert _upload(client, plan, homes, raw).status_code == 302
    db.session.refresh(kitchen)
    assert (kitchen.status, kitchen.progress) == ("in_progress", 40)


@pytest.mark.usefixtures("compiled")
def test_the_public_page_marks_the_plans_own_language(client, world):
    """WCAG 3.1.2: on the English or nynorsk page the plan's bokmål text (its title, focus areas, measures,
    units, updates, and the filters' options) is marked lang="nb"; on the bokmål page nothing is marked."""
    plan = _adopt(world)
    services.record_update(db.session, None, plan.measures[0], {"status": "i gang", "progress": 50, "text": "Halvveis"})
    db.session.commit()
    english = client.get(f"/oppfolging/{plan.id}?lang=en").get_data(as_text=True)
    assert '<html lang="en"' in english
    for marked in ('<span lang="nb">Strategiutkast 1</span>' if plan.title == "Strategiutkast 1" else f'<span lang="nb">{plan.title}</span>',
                   '1. <span lang="nb">Gode måltider</span>', 'lang="nb">Kjøkken på hvert sykehjem</h3>',
                   '<dd><span lang="nb">Sykehjemmene</span></dd>', 'lang="nb">Halvveis</p>', 'lang="nb">Komme seg ut</option>',
                   'lang="nb">Frivilligsentralen</option>'):
        assert marked in english, marked
    assert 'lang="nb">Kjøkken' in client.get(f"/oppfolging/{plan.id}?lang=nn").get_data(as_text=True)
    # the platform's own line in the timeline is said in the reader's language, not quoted in the adopter's
    assert "Adopted in the plan." in english and "Vedtatt i planen." not in english
    bokmal = client.get(f"/oppfolging/{plan.id}?lang=nb").get_data(as_text=True)
    assert '<span lang="nb">' not in bokmal and 'lang="nb">Kjøkken' not in bokmal
    # the unit leader's page through the unit's link, read in English
    homes = db.session.scalar(sa.select(Unit).where(Unit.name == "Sykehjemmene"))
    services.create_unit_link(db.session, None, homes, "unit-link-for-the-language-test-0123456789")
    db.session.commit()
    leader = client.get("/enhet/unit-link-for-the-language-test-0123456789?lang=en").get_data(as_text=True)
    assert '<html lang="en"' in leader and 'lang="nb">Kjøkken på hvert sykehjem</h2>' in leader
    assert '<span lang="nb">Sykehjemmene</span>' in leader and 'lang="nb">Halvveis</p>' in leader
    # and the review group's own pages, for a member who reads them in English
    _login(client, world["reviewer"])
    index = client.get(f"/followup/process/{world['process'].id}?lang=en").get_data(as_text=True)
    assert '1. <span lang="nb">Gode måltider</span>' in index and 'lang="nb">Kjøkken på hvert sykehjem</a>' in index
    measure = client.get(f"/followup/measure/{plan.measures[0].id}?lang=en").get_data(as_text=True)
    assert 'lang="nb">Kjøkken på hvert sykehjem</h1>' in measure and 'lang="nb">Halvveis</p>' in measure


def test_measures_and_their_history_travel_in_the_command_line_export(app, world, tmp_path):
    """``flask process export`` (the whole process as JSON lines, the backup's layout) carries the plan, its
    measures, their links to strategies and every update; ``flask process import`` in another installation
    brings them back."""
    import json

    plan = _adopt(world)
    services.record_update(db.session, None, plan.measures[2], {"status": "utsatt", "progress": 10, "text": "Ingen sjåfør"})
    db.session.commit()
    runner = app.test_cli_runner()
    out = tmp_path / "prosess.json"
    result = runner.invoke(args=["process", "export", str(world["process"].id), "-o", str(out)])
    assert result.exit_code == 0, result.output
    lines = out.read_text("utf-8").splitlines()
    tables = [json.loads(line).get("t") for line in lines[1:]]
    assert (tables.count("plans"), tables.count("plan_measures"), tables.count("plan_measure_strategies"),
            tables.count("measure_updates")) == (1, 3, 4, 4)
    head = json.loads(lines[0])
    head["process_uid"] = "f" * 32  # the same file in another installation
    out.write_text("\n".join([json.dumps(head, ensure_ascii=False), *lines[1:]]) + "\n", "utf-8")
    result = runner.invoke(args=["process", "import", str(out)])
    assert result.exit_code == 0, result.output
    from hearing.models import Process

    copy = db.session.scalar(sa.select(Process).order_by(Process.id.desc()))
    copied = services.plan_of(db.session, copy)
    assert copy.id != world["process"].id and copied.id != plan.id
    bus = copied.measures[2]
    assert (bus.text, bus.status, bus.progress, [u.text for u in bus.updates]) == (
        "Kveldsbuss til senteret", "postponed", 10, ["Vedtatt i planen.", "Ingen sjåfør"])


def test_public_page_filters_by_focus_area(client, world):
    plan = _adopt(world)
    travel = next(a for a in world["draft"].focus_areas if a.title == "Komme seg ut")
    text = text_of(client.get(f"/oppfolging/{plan.id}?omrade={travel.id}"))
    assert "Kveldsbuss til senteret" in text and "Kjøkken på hvert sykehjem" not in text
    assert "Vis alle" in text
    assert client.get(f"/oppfolging/{plan.id}?omrade=99999").status_code == 200  # an unknown area shows nothing, no error
