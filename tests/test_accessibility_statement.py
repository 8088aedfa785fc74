"""The accessibility statement an administrator keeps (issue 22): organisation, organisation number,
covered address, uustatus.no link, reply time, complaint route, status per WCAG criterion with
deviations and consequences, and replies to reported problems with a trail."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from hearing.accessibility import COMPLAINT_BODIES, DANISH_ONLY, NUMBERS, criteria
from hearing.accessibility import statement as a11y_statement
from hearing.extensions import db
from hearing.models import (
    AccessibilityCriterion,
    AccessibilityReply,
    AccessibilityReport,
    AccessibilityStatement,
    AuditEvent,
    MailMessage,
)
from tests.conftest import text_of
from tests.test_translations import compiled  # noqa: F401  (fixture)


def _form(statement: dict | None = None, overrides: dict | None = None, status: str = "met") -> dict:
    data = {"organisation": "Eksempel kommune", "org_number": "964 123 456", "covered_url": "https://medvirkning.eksempel.kommune.no",
            "uustatus_url": "https://uustatus.no/nb/erklaringer/publisert/0a1b2c", "contact_email": "uu@eksempel.kommune.no",
            "reply_days": "5", "complaint_body": "diskrimineringsnemnda", "last_tested": "2026-11-30", "test_notes": ""}
    data.update(statement or {})
    for number in NUMBERS:
        field = "c-" + number.replace(".", "-")
        data[f"{field}-status"] = status
        data[f"{field}-deviation"] = ""
        data[f"{field}-consequence"] = ""
        data[f"{field}-plan"] = ""
    data.update(overrides or {})
    return data


@pytest.mark.usefixtures("compiled")
def test_the_default_statement_claims_nothing_that_is_not_checked(client):
    page = text_of(client.get("/tilgjengelighet"))
    assert "oppfyller de 47 kravene" not in page and "oppfyller alle" not in page
    assert "Løsningen oppfyller ikke alle kravene." in page
    assert "ikke kontrollert" in page
    assert "3.1.2 Språk på deler av innhold" in page  # a known deviation, with what it means for users
    assert "En skjermleser kan lese et kort innspill med feil uttale." in page
    assert "Diskrimineringsnemnda" in page and "svarer vi innen 10 virkedager" in page
    assert "Tilsynet for universell utforming av IKT" in page
    assert "Kommunen har ikke fylt ut erklæringen ennå" in page  # no date fixed in code claims a review


@pytest.mark.usefixtures("compiled")
def test_administrator_keeps_the_statement_and_the_public_page_shows_it(admin_client):
    deviation = {"c-1-4-3-status": "not_met", "c-1-4-3-deviation": "Grå tekst i bunnteksten har for svak kontrast.",
                 "c-1-4-3-consequence": "Svaksynte kan ha vansker med å lese bunnteksten.", "c-1-4-3-plan": "Rettes innen mars 2027."}
    r = admin_client.submit("/admin/accessibility", _form(overrides=deviation))
    assert r.status_code == 302
    page = text_of(admin_client.get("/tilgjengelighet"))
    for text in ("Eksempel kommune", "964123456", "https://medvirkning.eksempel.kommune.no", "30. november 2026",
                 "Av de 47 kravene er 46 oppfylt, 0 delvis oppfylt og 1 ikke oppfylt",
                 "Grå tekst i bunnteksten har for svak kontrast.", "Svaksynte kan ha vansker med å lese bunnteksten.",
                 "Rettes innen mars 2027.", "svarer vi innen 5 virkedager", "Diskrimineringsnemnda"):
        assert text in page, text
    html = admin_client.get("/tilgjengelighet").get_data(as_text=True)
    assert 'href="https://uustatus.no/nb/erklaringer/publisert/0a1b2c"' in html
    assert 'href="https://www.diskrimineringsnemnda.no/"' in html
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "accessibility.statement"))
    assert event is not None and event.data["criteria"]["1.4.3"] == "not_met"

    # Every criterion met: then, and only then, the page says so.
    assert admin_client.submit("/admin/accessibility", _form()).status_code == 302
    assert "Løsningen oppfyller alle de 47 kravene." in text_of(admin_client.get("/tilgjengelighet"))
    # In English too.
    assert "The service meets all 47 requirements." in text_of(admin_client.get("/tilgjengelighet?lang=en"))


@pytest.mark.usefixtures("compiled")
def test_bad_statement_input_gets_messages_and_keeps_what_was_typed(admin_client):
    bad = _form({"org_number": "12-34", "uustatus_url": "https://example.org/erklaring", "reply_days": "0"},
                {"c-3-1-2-status": "partly", "c-3-1-2-deviation": ""})
    r = admin_client.submit("/admin/accessibility", bad)
    assert r.status_code == 422
    page = text_of(r)
    assert "Skriv organisasjonsnummeret med 9 sifre" in page
    assert "må begynne med https://uustatus.no/" in page
    assert "mellom 1 og 60" in page
    assert "Beskriv avviket for 3.1.2." in page
    html = r.get_data(as_text=True)
    assert 'value="https://example.org/erklaring"' in html and 'value="Eksempel kommune"' in html
    assert 'href="#c-3-1-2-deviation"' in html and 'id="c-3-1-2-deviation"' in html
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent).where(AuditEvent.action == "accessibility.statement")) == 0


@pytest.mark.usefixtures("compiled")
def test_a_reported_problem_gets_a_reply_in_the_reporters_language_with_a_trail(client, make_user):
    r = client.submit("/tilgjengelighet?lang=en", {"page": "/delta/3", "description": "The comment box cannot be opened with the keyboard.",
                                                  "email": "reader@example.org"})
    assert r.status_code == 302
    report = db.session.scalar(sa.select(AccessibilityReport))
    assert report.lang == "en"

    admin = make_user("admin")
    assert client.login(admin.email).status_code == 302
    client.get("/?lang=nb")  # the staff member reads bokmål (the reporter's choice was English)
    url = f"/admin/accessibility-reports/{report.id}"
    empty = client.submit(url, {"body": "", "send": "1"})
    assert empty.status_code == 422 and "Skriv svaret." in text_of(empty)
    r = client.submit(url, {"body": "Thank you. We have fixed the comment box; it opens with Enter.", "send": "1", "handled": "1"})
    assert r.status_code == 302
    client.submit(url, {"body": "Intern merknad: testet med NVDA.", "send": ""})
    replies = db.session.scalars(sa.select(AccessibilityReply).order_by(AccessibilityReply.id)).all()
    assert [x.emailed for x in replies] == [True, False]
    mail = db.session.scalar(sa.select(MailMessage).where(MailMessage.kind == "accessibility_reply"))
    assert mail.to_address == "reader@example.org" and mail.lang == "en"
    assert mail.subject == "Reply to your report about accessibility"
    assert "We have fixed the comment box" in mail.body_text and "cannot be opened with the keyboard" in mail.body_text
    db.session.refresh(report)
    assert report.handled_dt is not None
    page = text_of(client.get(url))
    assert "We have fixed the comment box" in page and "Intern merknad: testet med NVDA." in page
    assert "sendt på e-post" in page and "bare lagret" in page
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent).where(AuditEvent.action == "accessibility_report.reply")) == 2
    listing = text_of(client.get("/admin/accessibility-reports"))
    assert "2 svar" in listing


def test_only_administrators_edit_the_statement(client, make_user):
    reviewer = make_user("reviewer")
    assert client.login(reviewer.email).status_code == 302
    assert client.get("/admin/accessibility").status_code == 403
    assert client.post("/admin/accessibility", data={}).status_code in (400, 403)


def _danish_form(overrides: dict | None = None) -> dict:
    data = _form({"country": "dk", "organisation": "Eksempel Kommune", "org_number": "29 18 97 64",
                  "covered_url": "https://borgerinddragelse.eksempel.dk", "uustatus_url": "https://was.digst.dk/borgerinddragelse-eksempel-dk",
                  "complaint_body": "digitaliseringsstyrelsen", "contact_phone": "+45 33 66 33 66"})
    for number, _level, _name in DANISH_ONLY:
        field = "c-" + number.replace(".", "-")
        data.update({f"{field}-status": "not_applicable", f"{field}-deviation": "", f"{field}-consequence": "", f"{field}-plan": ""})
    data.update(overrides or {})
    return data


@pytest.mark.usefixtures("compiled")
def test_a_danish_municipality_states_danish_rules_and_the_danish_complaint_body(admin_client):
    assert admin_client.submit("/admin/accessibility", _danish_form()).status_code == 302
    statement = db.session.scalar(sa.select(AccessibilityStatement))
    assert (statement.country, statement.org_number, statement.complaint_body) == ("dk", "29189764", "digitaliseringsstyrelsen")
    page = text_of(admin_client.get("/tilgjengelighet"))
    for text in ("CVR-nummer", "29189764", "webtilgængelighedsloven", "EN 301 549",
                 "Av de 50 kravene er 47 oppfylt",  # Denmark: all 50 criteria at A and AA, 1.2.3-1.2.5 included
                 "3 er ikke relevante", "klage til Digitaliseringsstyrelsen", "Digitaliseringsstyrelsens løsning"):
        assert text in page, text
    assert "Diskrimineringsnemnda" not in page and "uutilsynet" not in page and "Tilsynet for universell utforming" not in page
    assert "ringe oss på +45 33 66 33 66" in page
    html = admin_client.get("/tilgjengelighet").get_data(as_text=True)
    assert 'href="tel:+4533663366"' in html
    assert 'href="https://was.digst.dk/borgerinddragelse-eksempel-dk"' in html
    assert f'href="{COMPLAINT_BODIES["digitaliseringsstyrelsen"][1]}"' in html
    # The page in Danish, for the municipality's citizens.
    danish = text_of(admin_client.get("/tilgjengelighet?lang=da"))
    assert "Tilgængelighedserklæring" in danish and "Digitaliseringsstyrelsen" in danish and "CVR-nummer" in danish
    # The admin form shows the Danish criteria, 1.2.4 live captions among them.
    assert 'id="c-1-2-4-status"' in admin_client.get("/admin/accessibility?lang=nb").get_data(as_text=True)


@pytest.mark.usefixtures("compiled")
def test_danish_statement_rejects_norwegian_numbers_links_and_complaint_bodies(admin_client):
    bad = _danish_form({"org_number": "964 123 456", "uustatus_url": "https://uustatus.no/nb/erklaringer/publisert/0a1b2c",
                        "complaint_body": "diskrimineringsnemnda"})
    r = admin_client.submit("/admin/accessibility", bad)
    assert r.status_code == 422
    page = text_of(r)
    assert "Skriv CVR-nummeret med 8 sifre." in page
    assert "må begynne med https://was.digst.dk/" in page
    assert "Klager på danske nettsteder går til Digitaliseringsstyrelsen." in page
    html = r.get_data(as_text=True)
    assert '<option value="dk" selected>' in html and 'value="964 123 456"' in html  # what was typed is kept
    assert db.session.scalar(sa.select(AccessibilityStatement)) is None


@pytest.mark.usefixtures("compiled")
def test_switching_to_denmark_adds_the_three_criteria_as_not_tested(admin_client):
    data = _form({"country": "dk", "org_number": "29189764", "uustatus_url": "", "complaint_body": "digitaliseringsstyrelsen",
                  "contact_phone": "33 66 33 66"})
    assert admin_client.submit("/admin/accessibility", data).status_code == 302
    stored = dict(db.session.execute(sa.select(AccessibilityCriterion.number, AccessibilityCriterion.status)).all())
    assert len(stored) == 50 and stored["1.2.4"] == "not_tested" and stored["1.1.1"] == "met"
    assert "Av de 50 kravene er 47 oppfylt" in text_of(admin_client.get("/tilgjengelighet"))


def test_a_danish_installation_starts_with_the_danish_rules(app):
    app.config["BABEL_DEFAULT_LOCALE"] = "da"
    with app.test_request_context():
        statement = a11y_statement(db.session)
        assert (statement.country, statement.complaint_body) == ("dk", "digitaliseringsstyrelsen")
        assert len(criteria(db.session)) == 50
    app.config["BABEL_DEFAULT_LOCALE"] = "nb"
    with app.test_request_context():
        assert a11y_statement(db.session).country == "no" and len(criteria(db.session)) == 47


@pytest.mark.usefixtures("compiled")
def test_a_danish_statement_needs_a_telephone_and_an_email_a_norwegian_one_not(admin_client):
    r = admin_client.submit("/admin/accessibility", _danish_form({"contact_phone": ""}))
    assert r.status_code == 422
    assert "må ha både et telefonnummer og en e-postadresse" in text_of(r)
    assert 'href="#contact_phone"' in r.get_data(as_text=True)
    bad = admin_client.submit("/admin/accessibility", _danish_form({"contact_phone": "ring oss"}))
    assert bad.status_code == 422 and "Skriv telefonnummeret med sifre" in text_of(bad)
    assert 'value="ring oss"' in bad.get_data(as_text=True)
    assert db.session.scalar(sa.select(AccessibilityStatement)) is None
    assert admin_client.submit("/admin/accessibility", _form({"contact_phone": ""})).status_code == 302  # Norway: optional
