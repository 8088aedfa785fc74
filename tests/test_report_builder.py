"""The report builder: "dere sa"/"vi gjorde" prefilled per theme and written by staff, chosen quotes, themes hidden,
renamed and ordered, the merknadsskjema, charts with text and numbers, in the page and in every export."""

from __future__ import annotations

import io
from datetime import date

import pytest
import sqlalchemy as sa

from hearing.documents import reports as exports
from hearing.extensions import db
from hearing.models import AuditEvent, Invitation, ReportTheme, Submission
from hearing.reporting import builder, services
from tests.conftest import hidden_fields, text_of
from tests.test_reporting import FNR, make_report, reviewer_client, world  # noqa: F401  (fixtures)


def _statement(world):  # noqa: F811
    """A council's formal statement, approved, in the report's hearing."""
    invitation = Invitation(activity_id=world["hearing"].id, body_name="Eldrerådet", token_hash="i" * 64)
    db.session.add(invitation)
    db.session.flush()
    sub = Submission(activity_id=world["hearing"].id, invitation_id=invitation.id, reference="H-council",
                     submission_key="k-council", edit_token_hash="h-council", consent="with_name",
                     respondent_name="Leder", on_behalf_of="Eldrerådet", meeting_date=date(2026, 3, 20),
                     case_reference="2026/45", moderation="approved")
    db.session.add(sub)
    db.session.flush()
    from hearing.models import Input

    db.session.add(Input(activity_id=world["hearing"].id, submission_id=sub.id, text="Rådet ber om flere dagsenterplasser."))
    db.session.commit()
    return sub


def test_builder_prefills_and_stores_what_staff_write(reviewer_client, world):  # noqa: F811
    report = make_report(world)
    themes = builder.themes_of(db.session, report)
    food = next(t for t in themes if t.theme_id == world["food"].id)
    assert "innspill, fra" in food.said and "Vurderingene:" in food.did  # prefilled from size, groups, assessments
    url = f"/reports/{report.id}/builder"
    page = reviewer_client.get(url).get_data(as_text=True)
    assert "Merknadsskjema" in page and "Dere sa" in page
    transport = next(t for t in themes if t.theme_id != world["food"].id)
    quote = food.candidates[0]
    fields = hidden_fields(page)
    data = {
        **fields,
        f"t{food.theme_id}-shown": "1", f"t{food.theme_id}-position": "2", f"t{food.theme_id}-label": "Maten på sykehjemmet",
        f"t{food.theme_id}-said": f"Mange ønsket varm middag. Ring {FNR}.", f"t{food.theme_id}-did": "Vi la inn varmmat i strategi 1.",
        f"t{food.theme_id}-quotes": str(quote.input_id),
        f"t{transport.theme_id}-position": "1", f"t{transport.theme_id}-said": "", f"t{transport.theme_id}-did": "",
    }  # transport: the box "Vis temaet" left unticked: hidden
    r = reviewer_client.post(url, data={**data, f"t{food.theme_id}-position": "første"})
    assert r.status_code == 422 and "Skriv et helt tall fra 1 til 999" in text_of(r)
    assert "Mange ønsket varm middag" in r.get_data(as_text=True)  # what was typed is kept
    assert reviewer_client.post(url, data=data).status_code == 302
    row = db.session.scalar(sa.select(ReportTheme).where(ReportTheme.theme_id == food.theme_id))
    assert (row.label, row.position, row.quote_input_ids) == ("Maten på sykehjemmet", 2, [quote.input_id])
    assert db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "report.builder")) is not None
    view = services.build_report(db.session, report)
    assert [t.label for t in view.themes] == ["Maten på sykehjemmet"]  # transport hidden
    theme = view.themes[0]
    assert theme.said.startswith("Mange ønsket varm middag") and FNR not in theme.said and "[fødselsnummer]" in theme.said
    assert theme.did == "Vi la inn varmmat i strategi 1." and [q.text for q in theme.quotes] == [quote.text]
    preview = text_of(reviewer_client.get(f"/reports/{report.id}"))
    assert "Maten på sykehjemmet" in preview and "Vi la inn varmmat" in preview


def test_merknadsskjema_and_charts_reach_page_and_every_export(reviewer_client, world, app):  # noqa: F811
    from docx import Document
    from pypdf import PdfReader

    sub = _statement(world)
    world["inputs"]["note"].source = "workshop"  # the note from the workshop table came in by another channel
    db.session.commit()
    report = make_report(world)
    url = f"/reports/{report.id}/builder"
    fields = hidden_fields(reviewer_client.get(url).get_data(as_text=True))
    themes = builder.themes_of(db.session, report)
    keep = {f"t{t.theme_id}-shown": "1" for t in themes}
    r = reviewer_client.post(url, data={**fields, **keep, f"s{sub.id}-answer": "Tas til følge: to nye dagsentre.",
                                        f"s{sub.id}-plan": "Satsningsområde 2, strategi 2.3"})
    assert r.status_code == 302
    view = services.build_report(db.session, report)
    rows = {s.reference: (s.body, s.meeting_date, s.case_reference, s.answer, s.plan_ref) for s in view.statements}
    assert rows["H-council"] == ("Eldrerådet", "20.03.2026", "2026/45", "Tas til følge: to nye dagsentre.",
                                 "Satsningsområde 2, strategi 2.3")
    assert len(rows) == 2  # the world's other statement on behalf of the council, not answered yet
    page = reviewer_client.get(f"/reports/{report.id}").get_data(as_text=True)
    assert 'role="img"' in page and "Vis tallene som tabell" in page and "Utfallet av vurderingene" in page
    assert "Deltakelse: innspill per kanal" in page  # the form and the workshop (one phase only: no phase chart)
    assert dict(view.channels) == {"Skjema på nett": view.total - 1, "Verksted og møter": 1}
    assert "Merknadsskjema" in page and "to nye dagsentre" in page
    md = exports.to_markdown(view)
    assert "## Merknadsskjema" in md and "to nye dagsentre" in md and "**Innspill per tema**" in md
    d = Document(io.BytesIO(exports.to_docx(view)))
    assert len(d.inline_shapes) == 5  # the charts (group, channel, invited bodies, theme, outcome) as pictures
    assert d.inline_shapes[0]._inline.docPr.get("descr")  # each with its text alternative
    assert any("to nye dagsentre" in c.text for t in d.tables for row in t.rows for c in row.cells)
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(exports.to_pdf(view))).pages)
    assert "Merknadsskjema" in text and "Utfallet av vurderingene" in text


def test_the_report_shows_inputs_per_week_and_the_answers_of_invited_bodies(reviewer_client, world):  # noqa: F811
    """#21: the report's charts get the weeks (on the municipality's clock, quiet weeks included) and the share
    of invited bodies that answered, in the page, every export and a frozen version."""
    from datetime import UTC, datetime

    from docx import Document

    _statement(world)  # Eldrerådet, invited, has answered
    db.session.add(Invitation(activity_id=world["hearing"].id, body_name="Ungdomsrådet", token_hash="u" * 64))
    inputs = sorted(world["inputs"].values(), key=lambda i: i.id)
    inputs[0].created_dt = datetime(2026, 3, 1, 23, 30, tzinfo=UTC)  # Monday 2 March 00:30 in Oslo: week 10, not week 9
    for i in inputs[1:]:
        i.created_dt = datetime(2026, 3, 18, 10, 0, tzinfo=UTC)  # week 12; week 11 had none
    db.session.commit()
    report = make_report(world)
    view = services.build_report(db.session, report)
    assert [w for w, _n in view.weeks] == ["Uke 10 2026", "Uke 11 2026", "Uke 12 2026"]
    assert view.weeks[1][1] == 0 and sum(n for _w, n in view.weeks) == view.total
    assert view.invited == [(world["hearing"].title, 1, 2)]
    charts = services.charts_of(view)
    assert charts["weeks"].table.rows[1] == ["Uke 11 2026", "0"]
    assert charts["invited"].table.rows == [[world["hearing"].title, "50\xa0%"]]
    assert "1 av 2 inviterte har svart" in charts["invited"].text
    page = reviewer_client.get(f"/reports/{report.id}").get_data(as_text=True)
    assert "Deltakelse: innspill per uke" in page and "Svar fra inviterte råd og organisasjoner" in page
    md = exports.to_markdown(view)
    assert "Uke 11 2026" in md and "50\xa0%" in md
    assert len(Document(io.BytesIO(exports.to_docx(view))).inline_shapes) >= 4
    again = services.view_from_data(services.view_to_data(view))  # a frozen version keeps them
    assert again.weeks == view.weeks and again.invited == view.invited


def test_a_chart_of_one_category_says_so_in_the_singular(app):
    from hearing import charts

    with app.test_request_context():
        assert charts.bar_chart("Innspill per kanal", [("Verksted", 3)]).text.startswith("Innspill per kanal, 1 kategori.")
        line = charts.line_chart("Innspill per uke", ["Uke 1"], {"Innspill": [3]})
        assert line.text.startswith("Innspill per uke, én periode: Uke 1.")
        two = charts.line_chart("Innspill per uke", ["Uke 1", "Uke 2", "Uke 3"], {"Innspill": [3, 0, 1]})
        assert two.text.startswith("Innspill per uke, 3 perioder fra Uke 1 til Uke 3.")


@pytest.mark.parametrize("zone", [None, "UTC", "Asia/Kolkata"])
def test_weeks_counted_per_utc_hour_match_every_input_on_the_local_clock_across_the_dst_change(world, zone):  # noqa: F811
    """The report counts its inputs per UTC hour in the database and finds each hour's local week in Python
    (#16: converting every row to local time cost 300 ms at 50k inputs on PostgreSQL). The weeks are the same as
    converting each input, around midnight and the change back to winter time on Sunday 25 October 2026, and per
    minute in a zone whose offset is not whole hours (UTC+5:30: 18:45 UTC on a Sunday is Monday 00:15)."""
    from collections import Counter
    from datetime import UTC, datetime, timedelta

    from flask import current_app

    from hearing import localtime
    from hearing.dashboard.services import week_label
    from hearing.models import Input

    current_app.config["TIMEZONE"] = zone
    moments = {
        "named": datetime(2026, 10, 18, 21, 30, tzinfo=UTC),  # Sunday 23:30 in Oslo (summer time): week 42
        "anon": datetime(2026, 10, 18, 22, 30, tzinfo=UTC),   # Monday 19 Oct 00:30 in Oslo: week 43
        "secret": datetime(2026, 10, 25, 0, 30, tzinfo=UTC),  # Sunday 25 Oct 02:30 summer time, before the change
        "note": datetime(2026, 10, 25, 22, 59, tzinfo=UTC),   # Sunday 23:59 winter time, after the change: week 43
        "bus": datetime(2026, 10, 25, 23, 0, tzinfo=UTC),     # Monday 26 Oct 00:00 winter time: week 44
        "gone": datetime(2026, 11, 30, 12, 0, tzinfo=UTC),    # withdrawn: never counted
    }
    if zone == "Asia/Kolkata":
        moments["note"] = datetime(2026, 10, 18, 18, 45, tzinfo=UTC)  # Monday 19 Oct 00:15 there
    for key, moment in moments.items():
        world["inputs"][key].created_dt = moment
    db.session.commit()
    view = services.build_report(db.session, make_report(world))

    tz = localtime.zone_of(world["process"])
    expected: Counter = Counter()
    for key, moment in moments.items():
        if key != "gone":
            day = moment.astimezone(tz).date()
            expected[day - timedelta(days=day.weekday())] += 1
    assert view.weeks == [(week_label(m), n) for m, n in localtime.every_week(expected, int)]
    # the same as the database's own conversion of every row (how the report counted before)
    day = localtime.local_date(Input.created_dt, localtime.zone_name(world["process"]))
    ids = [world["inputs"][k].id for k in moments if k != "gone"]
    per_row: Counter = Counter()
    for d, n in db.session.execute(sa.select(day, sa.func.count()).where(Input.id.in_(ids)).group_by(day)):
        per_row[localtime.monday_of(d)] += n
    assert per_row == expected
    if zone is None:
        assert view.weeks == [("Uke 42 2026", 1), ("Uke 43 2026", 3), ("Uke 44 2026", 1)]
    if zone == "Asia/Kolkata":
        assert not localtime.whole_hours("Asia/Kolkata") and localtime.whole_hours("Europe/Oslo")
        assert ("Uke 43 2026", 4) in view.weeks
