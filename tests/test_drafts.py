"""Drafts in the plan format: create, deep copy, diff, traceability, hearing, exports and roles."""

from __future__ import annotations

import io
import re
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import docx
import pytest
import sqlalchemy as sa
from pypdf import PdfReader

from hearing.documents import drafts as exports
from hearing.drafting import services
from hearing.extensions import db
from hearing.models import (
    Activity,
    AuditEvent,
    Document,
    Draft,
    FocusArea,
    Input,
    Job,
    Measure,
    StakeholderGroup,
    Strategy,
)
from hearing.models.drafts import strategy_inputs
from tests.conftest import export_via_page, hidden_fields, text_of


@pytest.fixture
def world(make_activity, make_themes, make_user):
    activity = make_activity("workshop", title="Oppstartsverksted", groups=[("Eldrerådet", "council")])
    process, group = activity.process, db.session.scalar(sa.select(StakeholderGroup).filter_by(name="Eldrerådet"))
    texts = ["Varm middag hver dag på sykehjemmet", "Ring meg på 91234567 om maten", "Bedre kosthold for eldre",
             "Bussen går for sjelden", "Flere busser om kvelden"]
    inputs = [Input(activity_id=activity.id, group_id=group.id, text=t, source="workshop") for t in texts]
    db.session.add_all(inputs)
    db.session.flush()
    run = make_themes(process, [({"auto_label": "mat, middag", "name": "Mat og måltider",
                                  "quote_input_ids": [inputs[0].id, inputs[1].id]}, inputs[:3]),
                                ({"auto_label": "buss, kveld"}, inputs[3:])])
    food, bus = run.themes
    reviewer = make_user("reviewer")
    return {"process": process, "activity": activity, "inputs": inputs, "food": food, "bus": bus, "reviewer": reviewer}


def fill(world) -> Draft:
    """Draft 1 with one focus area from a theme, a goal with an indicator, a strategy and a measure with inputs."""
    reviewer, inputs = world["reviewer"], world["inputs"]
    draft = services.create_draft(db.session, reviewer, world["process"], {"title": ""}, themes=[world["food"]])
    area = draft.focus_areas[0]
    services.update_part(db.session, reviewer, area, {"title": "Mat og måltider", "current_state": "Mange får kald mat.",
                                                      "desired_state": "Alle får god mat."})
    goal = services.add_part(db.session, reviewer, "goal", area, {"text": "Eldre spiser godt"})
    services.add_part(db.session, reviewer, "indicator", goal,
                      {"name": "Andel fornøyde beboere", "baseline": "62 %", "target": "80 %", "source": "Brukerundersøkelsen"})
    strategy = services.add_part(db.session, reviewer, "strategy", area, {"text": "Lage mat nær beboerne"})
    services.link_inputs(db.session, reviewer, strategy, [inputs[2].id])
    measure = services.add_part(db.session, reviewer, "measure", strategy,
                                {"text": "Varmmatkjøkken på hvert sykehjem", "owner": "Enhetsleder", "deadline": date(2027, 6, 1)})
    services.link_inputs(db.session, reviewer, measure, [inputs[0].id, inputs[1].id])
    services.add_part(db.session, reviewer, "focus_area", draft, {"title": "Transport"})
    db.session.commit()
    return draft


# --- services ---------------------------------------------------------------------------------


def test_create_first_draft_from_a_theme(world):
    draft = services.create_draft(db.session, world["reviewer"], world["process"], {"title": ""}, themes=[world["food"]])
    db.session.commit()
    assert draft.number == 1 and draft.title == "Strategiutkast 1" and draft.based_on_id is None
    assert [a.title for a in draft.focus_areas] == ["Mat og måltider"]
    assert draft.focus_areas[0].theme_id == world["food"].id
    quotes = services.theme_quotes(db.session, world["food"])
    assert [q.display_text for q in quotes][0] == "Varm middag hver dag på sykehjemmet"
    assert "91234567" not in quotes[1].display_text
    assert len(services.theme_inputs(db.session, world["food"])) == 3
    assert services.focus_area_warning(draft)  # 1 focus area: warned, not refused
    actions = set(db.session.scalars(sa.select(AuditEvent.action)))
    assert {"draft.create", "draft.focus_area.from_theme"} <= actions


def test_new_draft_is_a_deep_independent_copy(world):
    first = fill(world)
    second = services.create_draft(db.session, world["reviewer"], world["process"], {"title": "Etter dialogmøtet"})
    db.session.commit()
    assert second.number == 2 and second.based_on_id == first.id
    a1, a2 = first.focus_areas[0], second.focus_areas[0]
    assert a2.id != a1.id and a2.title == a1.title and a2.current_state == a1.current_state and a2.theme_id == a1.theme_id
    assert a2.goals[0].id != a1.goals[0].id
    assert a2.goals[0].indicators[0].target == "80 %" and a2.goals[0].indicators[0].id != a1.goals[0].indicators[0].id
    m1, m2 = a1.strategies[0].measures[0], a2.strategies[0].measures[0]
    assert m2.id != m1.id and m2.owner == "Enhetsleder" and m2.deadline == date(2027, 6, 1)
    assert {i.id for i in m2.inputs} == {i.id for i in m1.inputs}
    assert {i.id for i in a2.strategies[0].inputs} == {i.id for i in a1.strategies[0].inputs}

    # Changing the copy leaves draft 1 alone.
    services.update_part(db.session, world["reviewer"], m2, {"text": "Nytt tiltak", "owner": "", "deadline": None})
    services.unlink_input(db.session, world["reviewer"], m2, world["inputs"][0].id)
    services.delete_part(db.session, world["reviewer"], a2.goals[0])
    db.session.commit()
    db.session.expire_all()
    m1 = db.session.get(Measure, m1.id)
    assert m1.text == "Varmmatkjøkken på hvert sykehjem" and len(m1.inputs) == 2
    assert len(db.session.get(FocusArea, a1.id).goals) == 1
    assert services.previous_draft(db.session, second).id == first.id


def test_move_keeps_positions_unique(world):
    draft = fill(world)
    services.add_part(db.session, world["reviewer"], "focus_area", draft, {"title": "Bolig"})
    titles = lambda: [a.title for a in draft.focus_areas]  # noqa: E731
    assert titles() == ["Mat og måltider", "Transport", "Bolig"]
    services.move_part(db.session, world["reviewer"], draft.focus_areas[2], -1)
    db.session.commit()
    assert titles() == ["Mat og måltider", "Bolig", "Transport"]
    services.move_part(db.session, world["reviewer"], draft.focus_areas[0], -1)  # already first: nothing
    assert titles()[0] == "Mat og måltider"
    assert services.focus_area_warning(draft) is None
    goal = draft.focus_areas[0].goals[0]
    services.add_part(db.session, world["reviewer"], "indicator", goal, {"name": "Antall klager"})
    services.move_part(db.session, world["reviewer"], goal.indicators[1], -1)
    assert [i.name for i in goal.indicators] == ["Antall klager", "Andel fornøyde beboere"]
    assert goal.indicators[1].target == "80 %"


def test_diff_section_by_section(world):
    first = fill(world)
    second = services.create_draft(db.session, world["reviewer"], world["process"], {})
    area = second.focus_areas[0]
    services.update_part(db.session, world["reviewer"], area, {"title": "Mat og måltider", "current_state": "Mange får kald mat om kvelden.",
                                                               "desired_state": "Alle får god mat."})
    services.add_part(db.session, world["reviewer"], "strategy", area, {"text": "Samarbeid med frivillige"})
    services.delete_part(db.session, world["reviewer"], second.focus_areas[1])
    services.add_part(db.session, world["reviewer"], "focus_area", second, {"title": "Aktivitet og fellesskap"})
    db.session.commit()
    diff = services.diff_drafts(first, second)
    by_title = {d.new_title or d.old_title: d for d in diff}
    food = by_title["Mat og måltider"]
    assert food.status == "changed"
    assert ("insert", " om kvelden") in food.current_state.pieces or any(
        op == "insert" and "kvelden" in t for op, t in food.current_state.pieces)
    assert not food.desired_state.changed
    assert [c.status for c in food.strategies] == ["unchanged", "added"]
    assert food.strategies[1].new == "Samarbeid med frivillige"
    # "Transport" was replaced at the same place by a new title: shown as a changed title
    renamed = by_title["Aktivitet og fellesskap"]
    assert renamed.status == "changed" and renamed.old_title == "Transport"


def test_traceability_from_a_measure_to_its_inputs(world):
    draft = fill(world)
    measure = draft.focus_areas[0].strategies[0].measures[0]
    found = services.sources(measure)
    assert [(s.id, s.via) for s in found] == [(world["inputs"][0].id, ""), (world["inputs"][1].id, ""),
                                              (world["inputs"][2].id, "strategy")]
    assert all(s.group == "Eldrerådet" and s.activity == "Oppstartsverksted" for s in found)
    assert "91234567" not in found[1].text  # masked text only


def test_link_refuses_inputs_of_other_processes(world, make_process):
    draft = fill(world)
    other = make_process(name="Annen plan")
    activity = Activity(process=other, kind="workshop", title="Annet")
    db.session.add(activity)
    db.session.flush()
    foreign = Input(activity_id=activity.id, text="Fremmed innspill", source="workshop")
    db.session.add(foreign)
    db.session.commit()
    strategy = draft.focus_areas[0].strategies[0]
    with pytest.raises(services.ServiceError):
        services.link_inputs(db.session, world["reviewer"], strategy, [foreign.id])
    assert services.parse_input_ids("#12, 15 19") == [12, 15, 19]


def test_send_on_hearing(world):
    draft = fill(world)
    activity = services.send_on_hearing(db.session, world["reviewer"], draft)
    db.session.commit()
    assert draft.hearing_activity_id == activity.id
    assert activity.kind == "hearing" and activity.audience == "public" and activity.phase.name == "Slik kommer vi dit"
    assert activity.closes_dt - activity.opens_dt == timedelta(weeks=6)
    document = db.session.scalar(sa.select(Document).where(Document.activity_id == activity.id))
    assert document.draft_id == draft.id
    titles = [(s.number, s.title) for s in document.sections]
    assert titles[:5] == [("1", "Mat og måltider"), ("1.1", "Her er vi"), ("1.2", "Slik vil vi ha det"),
                          ("1.3", "Slik kommer vi dit"), ("1.4", "Slik gjør vi det")]
    assert ("2", "Transport") in titles
    assert "Varmmatkjøkken på hvert sykehjem" in document.sections[4].body
    assert "Andel fornøyde beboere" in document.sections[2].body
    with pytest.raises(services.ServiceError):
        services.send_on_hearing(db.session, world["reviewer"], draft)
    with pytest.raises(services.ServiceError):  # a sent draft is kept as sent
        services.add_part(db.session, world["reviewer"], "focus_area", draft, {"title": "Sent"})


# --- exports ----------------------------------------------------------------------------------


def test_docx_export_has_real_headings_and_tables(world):
    draft = fill(world)
    document = docx.Document(io.BytesIO(exports.to_docx(draft)))
    headings = [(p.style.name, p.text) for p in document.paragraphs if p.style.name.startswith(("Heading", "Title"))]
    assert ("Title", "Strategiutkast 1") in headings
    assert ("Heading 1", "1. Mat og måltider") in headings and ("Heading 1", "2. Transport") in headings
    assert [t for s, t in headings if s == "Heading 2"][:4] == ["Her er vi", "Slik vil vi ha det", "Slik kommer vi dit", "Slik gjør vi det"]
    tables = [[[c.text for c in row.cells] for row in t.rows] for t in document.tables]
    assert ["Eldre spiser godt", "Andel fornøyde beboere", "62 %", "80 %", "Brukerundersøkelsen"] in tables[0]
    assert ["Varmmatkjøkken på hvert sykehjem", "Lage mat nær beboerne", "Enhetsleder", "01.06.2027"] in tables[1]


def test_pdf_export_has_pages_and_text(world):
    draft = fill(world)
    reader = PdfReader(io.BytesIO(exports.to_pdf(draft)))
    assert len(reader.pages) >= 1
    text = " ".join(page.extract_text() for page in reader.pages)
    for words in ("Strategiutkast 1", "Mat og måltider", "Slik gjør vi det", "Varmmatkjøkken", "Andel fornøyde beboere"):
        assert words in text
    assert "/StructTreeRoot" in str(reader.trailer["/Root"].keys())  # tagged


def test_markdown_export_has_the_headings(world):
    text = exports.to_markdown(fill(world))
    lines = text.splitlines()
    for heading in ("# Strategiutkast 1", "## 1. Mat og måltider", "### Her er vi", "### Slik vil vi ha det",
                    "### Slik kommer vi dit", "### Slik gjør vi det", "## 2. Transport"):
        assert heading in lines
    assert "| Varmmatkjøkken på hvert sykehjem | Lage mat nær beboerne | Enhetsleder | 01.06.2027 |" in lines


# --- pages ------------------------------------------------------------------------------------


@pytest.fixture
def reviewer_client(client, world):
    assert client.login(world["reviewer"].email).status_code == 302
    return client


def test_facilitator_gets_403(app, client, world, make_user):
    draft = fill(world)
    facilitator = make_user("facilitator")
    client.login(facilitator.email)
    for url in (f"/drafts/process/{world['process'].id}", f"/drafts/{draft.id}", f"/drafts/{draft.id}/diff",
                f"/drafts/part/measure/{draft.focus_areas[0].strategies[0].measures[0].id}/sources"):
        assert client.get(url).status_code == 403, url
    app.config["WTF_CSRF_ENABLED"] = False  # so that the POST reaches the role check
    assert client.post(f"/drafts/{draft.id}/send").status_code == 403
    assert client.post(f"/drafts/{draft.id}/export/docx").status_code == 403
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Job)) == 0
    assert client.post(f"/drafts/part/focus_area/{draft.focus_areas[0].id}/delete").status_code == 403


def test_reviewer_builds_a_draft_through_pages(reviewer_client, world):
    client = reviewer_client
    index = f"/drafts/process/{world['process'].id}"
    assert f'href="{index}"' in client.get(f"/admin/processes/{world['process'].id}").get_data(as_text=True)
    page = client.get(index)
    assert "Mat og måltider" in text_of(page)  # themes offered for draft 1
    r = client.submit(index, {"title": "", "theme_ids": [world["food"].id]}, action=index)
    assert r.status_code == 302
    draft = db.session.scalar(sa.select(Draft))
    assert draft.number == 1 and [a.title for a in draft.focus_areas] == ["Mat og måltider"]
    area = draft.focus_areas[0]
    draft_page = text_of(client.get(f"/drafts/{draft.id}"))
    assert "Fra temaet «Mat og måltider»" in draft_page and "Varm middag hver dag på sykehjemmet" in draft_page
    assert "91234567" not in draft_page
    assert "Utkastet har 1 satsningsområde." in draft_page

    # A replayed form (same one-time key) creates nothing more.
    add_goal = f"/drafts/add/goal/{area.id}"
    fields = {**hidden_fields(client.get(add_goal).get_data(as_text=True)), "text": "Eldre spiser godt"}
    assert client.post(add_goal, data=fields).status_code == 302
    assert client.post(add_goal, data=fields).status_code == 302
    assert len(db.session.get(FocusArea, area.id).goals) == 1
    goal = db.session.get(FocusArea, area.id).goals[0]
    client.submit(f"/drafts/add/indicator/{goal.id}", {"name": "Andel fornøyde", "baseline": "62 %", "target": "80 %", "source": "Undersøkelse"})
    client.submit(f"/drafts/add/strategy/{area.id}", {"text": "Lage mat nær beboerne"})
    strategy = db.session.get(FocusArea, area.id).strategies[0]
    r = client.submit(f"/drafts/add/measure/{strategy.id}", {"text": "Varmmatkjøkken", "owner": "Enhetsleder", "deadline": "2027-06-01"})
    assert r.status_code == 302
    measure = db.session.get(Strategy, strategy.id).measures[0]
    assert measure.deadline == date(2027, 6, 1)

    # Link from the theme's checkbox list and by number; then see where it comes from.
    sources_url = f"/drafts/part/measure/{measure.id}/sources"
    page = text_of(client.get(sources_url))
    assert "Bedre kosthold for eldre" in page
    r = client.submit(sources_url, {"theme_input_ids": [world["inputs"][0].id], "input_ids": f"#{world['inputs'][3].id}"}, action=sources_url)
    assert r.status_code == 302
    page = text_of(client.get(sources_url))
    assert "Varm middag hver dag på sykehjemmet" in page and "Bussen går for sjelden" in page and "Eldrerådet" in page
    r = client.submit(sources_url, {"input_ids": "999999"}, action=sources_url)
    assert r.status_code == 200 and "Fant ikke innspill nummer 999999" in text_of(r)

    # Edit, draft 2 as a copy, diff page with <ins>/<del> and words.
    r = client.submit(f"/drafts/part/focus_area/{area.id}/edit", {"title": "Mat og måltider", "current_state": "Mange får kald mat.", "desired_state": ""})
    assert r.status_code == 302
    r = client.submit(index, {"title": "", "copy": "y"}, action=index)
    second = db.session.scalar(sa.select(Draft).where(Draft.number == 2))
    area2 = second.focus_areas[0]
    client.submit(f"/drafts/part/focus_area/{area2.id}/edit", {"title": "Mat og måltider", "current_state": "Mange får varm mat.", "desired_state": ""})
    diff = client.get(f"/drafts/{second.id}/diff")
    html = diff.get_data(as_text=True)
    assert "<del>" in html and "<ins>" in html and "fjernet:" in html and "lagt til:" in html
    assert "Endret" in text_of(diff)

    # Move, delete, exports as attachments.
    client.submit(f"/drafts/add/focus_area/{second.id}", {"title": "Transport"})
    transport = db.session.get(Draft, second.id).focus_areas[1]
    r = client.submit(f"/drafts/{second.id}", {"direction": "up"}, action=f"/drafts/part/focus_area/{transport.id}/move")
    assert r.status_code == 302
    assert [a.title for a in db.session.get(Draft, second.id).focus_areas] == ["Transport", "Mat og måltider"]
    # Exports are made in the background: button, job page, download; the file reads back.
    for fmt, kind in (("docx", "wordprocessingml"), ("pdf", "application/pdf"), ("md", "text/markdown")):
        job_id, r = export_via_page(client, f"/drafts/{second.id}", f"/drafts/{second.id}/export/{fmt}")
        assert r.status_code == 200 and kind in r.content_type
        assert r.headers["Content-Disposition"] == f"attachment; filename=strategiutkast-2.{fmt}"
        job = db.session.get(Job, job_id)
        assert (job.kind, job.payload["draft_id"], job.payload["fmt"]) == ("export.draft", second.id, fmt)
        if fmt == "docx":
            document = docx.Document(io.BytesIO(r.data))
            assert [p.text for p in document.paragraphs if p.style.name == "Heading 1"] == ["1. Transport", "2. Mat og måltider"]
        elif fmt == "pdf":
            text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(r.data)).pages)
            assert "Transport" in text and "Mange får varm mat." in text
        else:
            assert r.data.decode().startswith("# Strategiutkast 2\n") and "## 2. Mat og måltider" in r.data.decode()
    assert client.get(f"/drafts/{second.id}/export/md").status_code == 405  # never rendered inside a request
    r = client.submit(f"/drafts/{second.id}", {}, action=f"/drafts/part/focus_area/{transport.id}/delete")
    assert [a.title for a in db.session.get(Draft, second.id).focus_areas] == ["Mat og måltider"]

    # Send on hearing through the page, with what the prefilled form sends (an empty POST is refused)
    r = client.submit(f"/drafts/{second.id}/send", {"title": "Høring: Strategiutkast 2", "audience": "public",
                                                     "opens_dt": "2026-04-01T08:00", "closes_dt": "2026-05-13T08:00",
                                                     "phase_id": "0"})
    assert r.status_code == 302
    db.session.expire_all()
    second = db.session.get(Draft, second.id)
    assert second.hearing_activity_id
    assert db.session.scalar(sa.select(sa.func.count(Activity.id)).where(Activity.kind == "hearing")) == 1
    assert "sendt på høring" in text_of(client.get(f"/drafts/{second.id}"))


def test_reviewer_never_meets_a_server_error(app, reviewer_client, world):
    """Every drafting route, with made-up ids and kinds, answers without a 500 (empty POSTs included)."""
    draft = fill(world)
    app.config["WTF_CSRF_ENABLED"] = False
    raw = reviewer_client.raw
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith("drafting."):
            continue
        for values in ({"kind": "goal", "fmt": "txt"}, {"kind": "nonsense", "fmt": "md"}, {"kind": "measure", "fmt": "docx"}):
            url = rule.rule
            for arg in rule.arguments:
                value = values.get(arg, {"process_id": world["process"].id, "draft_id": draft.id}.get(arg, 1))
                url = url.replace(f"<int:{arg}>", str(value)).replace(f"<{arg}>", str(value))
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                r = raw.open(url, method=method)
                assert r.status_code < 500, (method, url, r.status_code)


# --- sending on hearing: public or invited, when, which phase ------------------------------------

OSLO = ZoneInfo("Europe/Oslo")


def _local(dt: datetime) -> str:
    """A stored time as Norwegian local time, as the form shows it (SQLite gives it back without zone)."""
    return (dt if dt.tzinfo else dt.replace(tzinfo=UTC)).astimezone(OSLO).strftime("%Y-%m-%dT%H:%M")


def _phase(process, name):
    return next(p for p in process.phases if p.name == name)


def test_send_invited_hearing_with_groups_times_phase_and_title(world):
    draft = fill(world)
    process = world["process"]
    council = db.session.scalar(sa.select(StakeholderGroup).where(StakeholderGroup.name == "Eldrerådet"))
    opens = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
    phase = _phase(process, "Fra ord til handling")
    activity = services.send_on_hearing(db.session, world["reviewer"], draft, {
        "title": "Intern høring for råd", "audience": "invited", "group_ids": [council.id],
        "opens_dt": opens, "closes_dt": opens + timedelta(weeks=3), "phase_id": phase.id})
    db.session.commit()
    assert (activity.title, activity.audience, activity.is_plan_hearing) == ("Intern høring for råd", "invited", False)
    assert [g.name for g in activity.groups] == ["Eldrerådet"] and activity.phase_id == phase.id
    assert _local(activity.opens_dt) == "2026-03-02T09:00" and _local(activity.closes_dt) == "2026-03-23T09:00"
    document = db.session.scalar(sa.select(Document).where(Document.activity_id == activity.id))
    assert document.draft_id == draft.id and document.sections[0].title == "Mat og måltider"


def test_send_public_hearing_ignores_groups_and_may_have_no_phase(world):
    draft = fill(world)
    council = db.session.scalar(sa.select(StakeholderGroup))
    activity = services.send_on_hearing(db.session, world["reviewer"], draft,
                                        {"audience": "public", "group_ids": [council.id], "phase_id": 0})
    assert activity.audience == "public" and activity.groups == [] and activity.phase is None and activity.is_plan_hearing


@pytest.mark.parametrize(("data", "message"), [
    ({"opens_dt": datetime(2026, 3, 2, tzinfo=UTC), "closes_dt": datetime(2026, 3, 1, tzinfo=UTC)}, "etter åpningstidspunktet"),
    ({"opens_dt": datetime(2026, 3, 2, tzinfo=UTC), "closes_dt": datetime(2026, 3, 2, tzinfo=UTC)}, "etter åpningstidspunktet"),
    ({"audience": "invited", "group_ids": []}, "minst én gruppe"),
    ({"audience": "invited", "group_ids": [999_999]}, "minst én gruppe"),
    ({"audience": "secret"}, "hvem som kan svare"),
    ({"phase_id": 999_999}, "Fasen hører ikke"),
])
def test_send_refuses_bad_choices(world, data, message):
    draft = fill(world)
    with pytest.raises(services.ServiceError, match=message):
        services.send_on_hearing(db.session, world["reviewer"], draft, data)
    db.session.rollback()
    assert db.session.get(Draft, draft.id).hearing_activity_id is None


def test_send_page_is_prefilled(reviewer_client, world):
    draft = fill(world)
    before = datetime.now(UTC).replace(second=0, microsecond=0)
    html = reviewer_client.get(f"/drafts/{draft.id}/send").get_data(as_text=True)
    after = datetime.now(UTC).replace(second=0, microsecond=0)
    # The page shows the minute of the request, whichever minute (of those the request spanned) that was.
    minutes = [before + timedelta(minutes=i) for i in range(int((after - before) / timedelta(minutes=1)) + 1)]
    assert 'value="Høring: Strategiutkast 1"' in html
    assert any(f'value="{_local(m)}"' in html for m in minutes)
    assert any(f'value="{_local(m + timedelta(weeks=6))}"' in html for m in minutes)
    phase = _phase(world["process"], "Slik kommer vi dit")
    assert re.search(rf'<option selected value="{phase.id}">|<option value="{phase.id}" selected>', html)
    assert re.search(r'<input[^>]*checked[^>]*value="public"|<input[^>]*value="public"[^>]*checked', html)
    assert "Eldrerådet" in text_of(reviewer_client.get(f"/drafts/{draft.id}/send"))


def _send(client, draft, data):
    return client.submit(f"/drafts/{draft.id}/send", data)


def test_send_page_public_hearing_with_own_title_and_times(reviewer_client, world):
    draft = fill(world)
    phase = _phase(world["process"], "Fra ord til handling")
    r = _send(reviewer_client, draft, {"title": "Offentlig høring av strategiplanen", "audience": "public",
                                       "opens_dt": "2026-04-01T08:00", "closes_dt": "2026-05-15T15:00", "phase_id": phase.id})
    assert r.status_code == 302
    activity = db.session.scalar(sa.select(Activity).where(Activity.kind == "hearing"))
    assert (activity.title, activity.audience, activity.phase_id) == ("Offentlig høring av strategiplanen", "public", phase.id)
    assert _local(activity.opens_dt) == "2026-04-01T08:00" and _local(activity.closes_dt) == "2026-05-15T15:00"
    assert db.session.get(Draft, draft.id).hearing_activity_id == activity.id


def test_send_page_invited_hearing_for_chosen_groups(reviewer_client, world):
    draft = fill(world)
    process = world["process"]
    employees = StakeholderGroup(process=process, name="Ansatte", category="employees")
    db.session.add(employees)
    db.session.commit()
    council = db.session.scalar(sa.select(StakeholderGroup).where(StakeholderGroup.name == "Eldrerådet"))
    r = _send(reviewer_client, draft, {"title": "Intern høring", "audience": "invited", "group_ids": [council.id, employees.id],
                                       "opens_dt": "2026-04-01T08:00", "closes_dt": "2026-04-22T15:00", "phase_id": 0})
    assert r.status_code == 302
    activity = db.session.scalar(sa.select(Activity).where(Activity.kind == "hearing"))
    assert activity.audience == "invited" and sorted(g.name for g in activity.groups) == ["Ansatte", "Eldrerådet"]
    assert activity.phase_id is None and not activity.is_plan_hearing


@pytest.mark.parametrize(("data", "message", "kept"), [
    ({"audience": "public", "opens_dt": "2026-04-10T08:00", "closes_dt": "2026-04-01T08:00"},
     "Fristen må være etter åpningstidspunktet.", ['value="2026-04-10T08:00"', 'value="2026-04-01T08:00"']),
    ({"audience": "invited", "opens_dt": "2026-04-01T08:00", "closes_dt": "2026-04-22T08:00"},
     "Velg minst én gruppe som inviteres, eller gjør høringen offentlig.", ['value="2026-04-22T08:00"']),
    ({"audience": "public", "opens_dt": "", "closes_dt": "2026-04-22T08:00"}, "Fyll ut feltet.", ['value="2026-04-22T08:00"']),
    ({"audience": "public", "title": "", "opens_dt": "2026-04-01T08:00", "closes_dt": "2026-04-22T08:00"}, "Fyll ut feltet.", []),
])
def test_send_page_errors_keep_what_was_typed(reviewer_client, world, data, message, kept):
    draft = fill(world)
    data = {"title": "Min egen tittel", "phase_id": 0, **data}
    r = _send(reviewer_client, draft, data)
    assert r.status_code == 200
    html = r.get_data(as_text=True)
    assert message in text_of(r) and 'aria-invalid="true"' in html
    for value in kept + ([f'value="{data["title"]}"'] if data["title"] else []):
        assert value in html
    if data["audience"] == "invited":
        assert re.search(r'<input[^>]*checked[^>]*value="invited"|<input[^>]*value="invited"[^>]*checked', html)
    assert db.session.scalar(sa.select(sa.func.count(Activity.id)).where(Activity.kind == "hearing")) == 0


def test_send_page_double_click_sends_once(reviewer_client, world):
    draft = fill(world)
    fields = {**hidden_fields(reviewer_client.get(f"/drafts/{draft.id}/send").get_data(as_text=True)),
              "title": "Høring", "audience": "public", "opens_dt": "2026-04-01T08:00", "closes_dt": "2026-05-15T08:00", "phase_id": "0"}
    raw = reviewer_client.raw
    first, second = raw.post(f"/drafts/{draft.id}/send", data=fields), raw.post(f"/drafts/{draft.id}/send", data=fields)
    assert first.status_code == second.status_code == 302 and first.location == second.location
    assert db.session.scalar(sa.select(sa.func.count(Activity.id)).where(Activity.kind == "hearing")) == 1


def test_a_new_draft_offers_only_themes_that_hold_inputs_and_never_diverse(reviewer_client, world, make_themes):
    """The walkthrough: the theme list of a new draft offered themes emptied by moves and "Diverse"; draft sources
    said group "ukjent" where every other page says "Uten gruppe"."""
    process, inputs = world["process"], world["inputs"]
    loose = Input(activity_id=world["activity"].id, text="Noe helt annet", source="workshop")
    db.session.add(loose)
    db.session.flush()
    run = make_themes(process, [({"auto_label": "mat"}, inputs[:3]), ({"auto_label": "buss"}, inputs[3:]),
                                ({"auto_label": "tomt"}, []), ({"auto_label": "Diverse", "is_misc": True}, [loose])])
    food, bus, empty, misc = run.themes
    html = reviewer_client.get(f"/drafts/process/{process.id}").get_data(as_text=True)
    offered = set(re.findall(r'name="theme_ids"[^>]*value="(\d+)"', html)) | set(re.findall(r'value="(\d+)"[^>]*name="theme_ids"', html))
    assert offered == {str(food.id), str(bus.id)}
    assert [t.id for t in services.themes_of(db.session, process)] == [food.id, bus.id, misc.id]  # sources may cite "Diverse"
    # draft sources: an input without a group says so as the other pages do
    r = reviewer_client.submit(f"/drafts/process/{process.id}", {"title": "", "theme_ids": [food.id]},
                               action=f"/drafts/process/{process.id}")
    draft = db.session.scalar(sa.select(Draft).order_by(Draft.id.desc()))
    strategy = Strategy(focus_area_id=draft.focus_areas[0].id, position=1, text="Mat hele dagen")
    db.session.add(strategy)
    db.session.flush()
    db.session.execute(strategy_inputs.insert().values(strategy_id=strategy.id, input_id=loose.id))
    db.session.commit()
    page = text_of(reviewer_client.get(f"/drafts/part/strategy/{strategy.id}/sources"))
    assert r.status_code == 302 and "Uten gruppe" in page and "ukjent" not in page
