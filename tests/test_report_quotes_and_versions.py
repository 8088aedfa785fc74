"""Workshop notes quotable in reports once staff approve them (masked); a legacy published report's first
frozen version keeps its numbers; stored versions' quote references survive a backup restore."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa

from hearing.exports import backup
from hearing.extensions import db
from hearing.models import Activity, AuditEvent, HearingReport, Input, ReportVersion, Submission
from hearing.reporting import builder, moderation, services
from tests import test_reporting
from tests.conftest import Client, hidden_fields, text_of
from tests.test_reporting import make_report

#: The reporting tests' process: a hearing, a workshop with a note, a run whose food theme quotes them.
world = test_reporting.world


def _quotes(view) -> list[str]:
    return [str(q.text) for t in view.themes for q in t.quotes]


def test_a_workshop_note_is_quoted_only_once_staff_approve_it_masked(world):
    note = world["inputs"]["note"]
    note.text = "Lappen fra bord tre om mat, ring Kari på 91234567"
    db.session.commit()
    report = make_report(world)
    assert not any("Lappen fra bord tre" in q for q in _quotes(services.build_report(db.session, report)))
    food = world["food"]
    candidates = [c.input_id for c in builder._candidates(db.session, report, world["run"], food.id)]
    assert note.id not in candidates
    assert moderation.approve_notes(db.session, world["reviewer"], world["workshop"], [note.id]) == 1
    db.session.commit()
    quotes = {str(q.text): q for t in services.build_report(db.session, report).themes for q in t.quotes}
    quoted = next(q for text, q in quotes.items() if "Lappen fra bord tre" in text)
    assert "91234567" not in str(quoted.text) and "Kari" not in str(quoted.text)  # masked as reviewers see it
    assert "notat fra Verksted med ansatte" in quoted.attribution and quoted.input_id == note.id
    assert note.id in [c.input_id for c in builder._candidates(db.session, report, world["run"], food.id)]
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "input.quote_approve"))
    assert event.data["inputs"] == [note.id] and event.actor_id == world["reviewer"].id


def test_taking_the_approval_back_or_correcting_the_note_takes_the_quote_out_of_versions(world):
    from hearing.workshop import services as workshop

    note = world["inputs"]["note"]
    moderation.approve_notes(db.session, world["reviewer"], world["workshop"], [note.id])
    report = make_report(world)
    version = services.publish_version(db.session, world["reviewer"], report)
    db.session.commit()
    assert any("Lappen fra bord tre" in q for q in _quotes(services.view_of(version, "nb")))
    moderation.withdraw_notes(db.session, world["reviewer"], world["workshop"], [note.id])
    db.session.commit()
    db.session.refresh(version)
    assert not any("Lappen fra bord tre" in q for q in _quotes(services.view_of(version, "nb")))
    # approved again and published again: a correction of the text takes the approval and the quote away
    moderation.approve_notes(db.session, world["reviewer"], world["workshop"], [note.id])
    v2 = services.publish_version(db.session, world["reviewer"], report)
    db.session.commit()
    assert any("Lappen fra bord tre" in q for q in _quotes(services.view_of(v2, "nb")))
    workshop.update_note(db.session, world["reviewer"], note, text="Lappen er rettet", table_label="",
                         reason="Skrivefeil")
    db.session.commit()
    db.session.refresh(v2)
    assert note.quote_approved_dt is None and not any("Lappen" in q for q in _quotes(services.view_of(v2, "nb")))


def test_reviewers_approve_notes_for_quoting_on_their_own_page(world, client, app):
    note = world["inputs"]["note"]
    client.login(world["reviewer"].email)
    index = text_of(client.get(f"/moderation/process/{world['process'].id}"))
    assert "Notater fra verksteder til sitat" in index and "Verksted med ansatte" in index
    url = f"/moderation/workshop/{world['workshop'].id}"
    page = client.get(url)
    assert page.status_code == 200 and "Lappen fra bord tre om mat" in text_of(page)
    fields = hidden_fields(page.get_data(as_text=True), action=f"{url}?action=approve")
    r = client.post(f"{url}?action=approve", data={**fields, "one": str(note.id)}, follow_redirects=True)
    assert "1 notat er godkjent for sitat" in text_of(r)
    db.session.expire_all()
    assert db.session.get(Input, note.id).quote_approved_dt is not None
    assert client.get(f"/moderation/workshop/{world['hearing'].id}").status_code == 404  # a hearing has responses
    r = client.post(f"{url}?action=approve", data={"one": str(note.id)}, follow_redirects=True)
    assert "utløpt" in text_of(r)  # no CSRF token: nothing done
    anonymous = Client(app.test_client())
    assert anonymous.get(url).status_code in (302, 401, 403)


def test_a_legacy_published_report_keeps_its_numbers_in_its_first_version(world, app):
    report = make_report(world)
    # published before versions and moderation existed: nothing approved yet
    db.session.execute(sa.update(Submission).values(moderation="pending"))
    report.is_published, report.published_dt = True, datetime.now(UTC)
    db.session.commit()
    page = text_of(Client(app.test_client()).get(f"/tilbakemelding/{report.id}"))
    version = db.session.scalar(sa.select(ReportVersion).where(ReportVersion.report_id == report.id))
    view = services.view_of(version, "nb")
    assert view.total == 5 and view.themes and view.themes[0].count == 4  # the numbers it showed
    assert _quotes(view) == [] and "Varm middag" not in page  # quotes only from approved responses
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "report.legacy_version"))
    assert event.object_id == report.id
    # the next version is made by the ordinary rule: approved only
    db.session.execute(sa.update(Submission).values(moderation="approved"))
    db.session.commit()
    v2 = services.publish_version(db.session, world["reviewer"], report)
    assert services.view_of(v2, "nb").total == 5


def test_stored_quote_references_point_at_the_restored_rows(world):
    report = make_report(world)
    moderation.approve_notes(db.session, world["reviewer"], world["workshop"], [world["inputs"]["note"].id])
    services.publish_version(db.session, world["reviewer"], report)
    db.session.commit()
    data = backup.export_process(db.session, world["process"])
    data["process_uid"] = "e" * 32  # restored beside the original: every id is new
    copy = backup.import_process(db.session, None, data)
    db.session.commit()
    copied = db.session.scalar(sa.select(HearingReport).where(HearingReport.process_id == copy.id))
    version = services.latest_version(db.session, copied)
    subs = {s.id: s.reference for s in db.session.scalars(
        sa.select(Submission).join(Activity).where(Activity.process_id == copy.id))}
    notes = set(db.session.scalars(sa.select(Input.id).join(Activity).where(Activity.process_id == copy.id)))
    quotes = [q for view in version.snapshot.values() for t in view["themes"] for q in t["quotes"]]
    assert quotes and all(q["submission_id"] in subs for q in quotes if q["submission_id"] is not None)
    assert all(q["input_id"] in notes for q in quotes)
    assert all(r["submission_id"] in subs for view in version.snapshot.values() for r in view["statements"])
    # withdrawing the restored response takes its quote out of the restored version only
    named = next(s for s in db.session.scalars(sa.select(Submission).where(Submission.id.in_(subs)))
                 if s.reference.startswith(world["inputs"]["named"].submission.reference))
    named.is_withdrawn, named.withdrawn_dt = True, datetime.now(UTC)
    services.refresh_public_files(db.session, copy.id)
    db.session.commit()
    db.session.refresh(version)
    assert not any("Varm middag" in q["text"] for view in version.snapshot.values() for t in view["themes"]
                   for q in t["quotes"])
    original = services.latest_version(db.session, report)
    assert any("Varm middag" in q["text"] for view in original.snapshot.values() for t in view["themes"]
               for q in t["quotes"])


def test_a_report_file_being_made_shows_its_progress_and_then_its_link(world, app):
    import re

    from hearing.jobs import run_pending_jobs

    report = make_report(world)
    services.publish_version(db.session, world["reviewer"], report)
    db.session.commit()
    anonymous = Client(app.test_client())
    pending = anonymous.get(f"/tilbakemelding/{report.id}/export.pdf")
    html = pending.get_data(as_text=True)
    assert pending.status_code == 503 and "<progress" in html and "data-job-ready" in html
    status_url = re.search(r'data-job-status="([^"]+)"', html).group(1)
    assert status_url.startswith(f"/tilbakemelding/{report.id}/filer/")
    assert anonymous.get(status_url).get_json()["finished"] is False
    other = make_report(world)
    services.publish_version(db.session, world["reviewer"], other)
    db.session.commit()
    assert anonymous.get(status_url.replace(f"/tilbakemelding/{report.id}/", f"/tilbakemelding/{other.id}/")).status_code == 404
    run_pending_jobs()
    assert anonymous.get(status_url).get_json()["status"] == "done"
    assert anonymous.get(f"/tilbakemelding/{report.id}/export.pdf").status_code == 200
