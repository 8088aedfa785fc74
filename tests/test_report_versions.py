"""Frozen report versions: publishing stores what the report says; what happens afterwards (a response
approved, the settings edited) is public only in a new version; earlier versions stay readable; a
withdrawn response's quote leaves every stored version; downloads come in the reader's language."""

from __future__ import annotations

import io

import pytest
import sqlalchemy as sa

from hearing.extensions import db
from hearing.jobs import run_pending_jobs
from hearing.models import AuditEvent, Input, ReportVersion, Submission, ThemeAssignment
from hearing.reporting import services
from tests.conftest import Client, hidden_fields, text_of
from tests.test_reporting import make_report, world  # noqa: F401  (fixture)


def _pending_quote(world):  # noqa: F811
    """A quotable response on the food theme, still waiting for staff's decision."""
    sub = Submission(activity_id=world["hearing"].id, reference="H-late", submission_key="k-late", edit_token_hash="h-late",
                     consent="with_name", respondent_name="Sigrid")
    db.session.add(sub)
    db.session.flush()
    item = Input(activity_id=world["hearing"].id, submission_id=sub.id, text="Middag klokka fem er for tidlig")
    db.session.add(item)
    db.session.flush()
    db.session.add(ThemeAssignment(run_id=world["run"].id, input_id=item.id, theme_id=world["food"].id))
    world["food"].quote_input_ids = [item.id, *world["food"].quote_input_ids]
    db.session.commit()
    return sub


def test_a_response_approved_after_publishing_waits_for_a_new_version(world, app):  # noqa: F811
    sub = _pending_quote(world)
    report = make_report(world)
    v1 = services.publish_version(db.session, world["reviewer"], report)
    db.session.commit()
    anonymous = Client(app.test_client())
    page = text_of(anonymous.get(f"/tilbakemelding/{report.id}"))
    assert "Middag klokka fem" not in page and "versjon 1" in page  # not approved: not in the report at all
    total_v1 = services.view_of(v1, "nb").total
    sub.moderation = "approved"
    db.session.commit()
    page = text_of(anonymous.get(f"/tilbakemelding/{report.id}"))
    assert "Middag klokka fem" not in page  # the published version does not change live
    assert services.view_of(services.latest_version(db.session, report), "nb").total == total_v1
    v2 = services.publish_version(db.session, world["reviewer"], report)
    db.session.commit()
    assert v2.number == 2 and services.view_of(v2, "nb").total == total_v1 + 1
    assert "Middag klokka fem" in text_of(anonymous.get(f"/tilbakemelding/{report.id}"))
    old = text_of(anonymous.get(f"/tilbakemelding/{report.id}/versjon/1"))
    assert "Middag klokka fem" not in old and "tidligere versjon" in old and "Versjon 2" in old
    assert anonymous.get(f"/tilbakemelding/{report.id}/versjon/3").status_code == 404
    events = db.session.scalars(sa.select(AuditEvent.data).where(AuditEvent.action == "report.publish").order_by(AuditEvent.id)).all()
    assert [e["version"] for e in events] == [1, 2]


def test_publishing_an_unchanged_report_again_is_refused_with_a_reason(world, client):  # noqa: F811
    report = make_report(world)
    services.publish_version(db.session, world["reviewer"], report)
    db.session.commit()
    with pytest.raises(services.ServiceError, match="Ingenting er endret siden versjon 1"):
        services.publish_version(db.session, world["reviewer"], report)
    db.session.rollback()
    client.login(world["reviewer"].email)
    page = client.get(f"/reports/{report.id}").get_data(as_text=True)
    fields = hidden_fields(page, action=f"/reports/{report.id}/publish")
    r = client.post(f"/reports/{report.id}/publish", data=fields, follow_redirects=True)
    assert "Ingenting er endret siden versjon 1" in text_of(r)
    assert db.session.scalar(sa.select(sa.func.count(ReportVersion.id))) == 1


def test_a_withdrawn_response_leaves_the_stored_versions(world, app):  # noqa: F811
    from hearing.participation import services as participation

    report = make_report(world)
    named = world["inputs"]["named"]
    version = services.publish_version(db.session, world["reviewer"], report)
    db.session.commit()
    assert "Varm middag hver dag" in str(version.snapshot)
    sub = db.session.get(Submission, named.submission_id)
    sub.activity.closes_dt = None  # still open, so the respondent may withdraw
    db.session.commit()
    participation.withdraw_response(db.session, sub)
    db.session.expire_all()
    version = db.session.get(ReportVersion, version.id)
    assert "Varm middag hver dag" not in str(version.snapshot)
    assert db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "report.version_scrub")) is not None
    assert "Varm middag hver dag" not in text_of(Client(app.test_client()).get(f"/tilbakemelding/{report.id}"))


def test_downloads_come_in_the_readers_language_tagged_with_it(world, app):  # noqa: F811
    import docx

    app.config["REPORT_FILE_LANGUAGES"] = ()  # the default: every interface language
    report = make_report(world)
    services.publish_version(db.session, world["reviewer"], report)
    db.session.commit()
    run_pending_jobs()
    reader = Client(app.test_client())
    assert "Vi spurte" in reader.get(f"/tilbakemelding/{report.id}/export.md").data.decode()
    reader.get(f"/tilbakemelding/{report.id}?lang=en")  # the reader chooses English
    assert "We asked" in text_of(reader.get(f"/tilbakemelding/{report.id}"))
    # made in every language at publication: ready for the first English reader, no waiting page
    r = reader.get(f"/tilbakemelding/{report.id}/export.md")
    assert r.status_code == 200 and r.headers["Content-Language"] == "en"
    assert "## We asked" in r.data.decode() and "## Vi spurte" not in r.data.decode()
    d = docx.Document(io.BytesIO(reader.get(f"/tilbakemelding/{report.id}/export.docx").data))
    assert d.core_properties.language == "en"
    reader.get(f"/tilbakemelding/{report.id}?lang=nn")
    r = reader.get(f"/tilbakemelding/{report.id}/export.md")
    assert r.headers["Content-Language"] == "nn-NO" and "## Vi spurde" in r.data.decode()


def test_a_language_left_out_of_report_file_languages_is_made_when_first_asked_for(world, app):  # noqa: F811
    app.config["REPORT_FILE_LANGUAGES"] = ("nb",)
    report = make_report(world)
    services.publish_version(db.session, world["reviewer"], report)
    db.session.commit()
    run_pending_jobs()
    reader = Client(app.test_client())
    reader.get(f"/tilbakemelding/{report.id}?lang=en")
    assert reader.get(f"/tilbakemelding/{report.id}/export.md").status_code == 503  # made in the background
    run_pending_jobs()
    r = reader.get(f"/tilbakemelding/{report.id}/export.md")
    assert r.status_code == 200 and r.headers["Content-Language"] == "en"


def test_a_page_in_another_language_marks_what_staff_wrote_and_gives_the_default_title_in_its_own(world, app):  # noqa: F811
    import re

    report = make_report(world)  # no title: the default title
    services.publish_version(db.session, world["reviewer"], report)
    db.session.commit()
    reader = Client(app.test_client())
    norwegian = reader.get(f"/tilbakemelding/{report.id}").get_data(as_text=True)
    assert "Vi spurte – dere svarte – vi gjorde</h1>" in norwegian
    assert ' lang="' not in norwegian.split("<main", 1)[1].split("</main>")[0]  # nothing marked: all in bokmål
    reader.get(f"/tilbakemelding/{report.id}?lang=en")
    english = reader.get(f"/tilbakemelding/{report.id}").get_data(as_text=True)
    assert re.search(r'<h1 class="ds-heading" data-size="lg">We asked – you said – we did</h1>', english)
    assert '<p class="ds-paragraph" lang="nb">Vi spurte om mat.</p>' in english  # the introduction
    assert re.search(r'<h3 [^>]*lang="nb">Mat og måltider</h3>', english)  # the theme's name
    # and so does the PDF made for English readers
    from flask_babel import force_locale

    from hearing.documents.reports import to_html

    with force_locale("en"):
        pdf_html = to_html(services.view_of(services.latest_version(db.session, report), "en"), "en")
    assert '<p lang="nb">Vi spurte om mat.</p>' in pdf_html and '<h3 lang="nb">Mat og måltider</h3>' in pdf_html
    assert "<h1>We asked – you said – we did</h1>" in pdf_html
    # a title staff wrote is theirs, in their language
    services.update_report(db.session, world["reviewer"], report, {"title": "Hva vi gjorde med maten"})
    services.publish_version(db.session, world["reviewer"], report)
    db.session.commit()
    english = reader.get(f"/tilbakemelding/{report.id}").get_data(as_text=True)
    assert '<h1 class="ds-heading" data-size="lg" lang="nb">Hva vi gjorde med maten</h1>' in english
