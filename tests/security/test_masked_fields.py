"""ASVS V8 (data protection): every field a participant types is masked wherever others see it.

Before the fix the name, "på vegne av", case reference and attachment name were shown as typed on
the public answers page, the reviewers' pages and in the masked CSV export.
"""

from __future__ import annotations

import io
from datetime import timedelta

import sqlalchemy as sa

from hearing.exports.services import input_rows
from hearing.extensions import db
from hearing.models import Input, Submission, utcnow
from hearing.participation import services
from hearing.privacy import mask_input_fields, mask_submission_fields
from tests.conftest import text_of
from tests.security.conftest import post_response

FNR = "15108695088"
PHONE = "912 34 567"
EMAIL = "ola.hansen@example.no"


def test_the_one_masking_rule_masks_every_typed_field_and_keeps_names_to_consent():
    class Typed:
        respondent_name = f"Ola Hansen {PHONE}"
        on_behalf_of = f"Eldrerådet v/ {EMAIL}"
        case_reference = f"fnr {FNR}"
        consent = "with_name"

    public = mask_submission_fields(Typed())
    assert public.name == "Ola Hansen [telefon]"
    assert public.on_behalf_of == "Eldrerådet v/ [e-post]" and public.case_reference == "fnr [fødselsnummer]"
    assert public.attribution == "Eldrerådet v/ [e-post]"
    reviewer = mask_submission_fields(Typed(), audience="reviewer")
    assert reviewer.name is None and reviewer.case_reference == "fnr [fødselsnummer]"
    Typed.consent = "without_name"
    assert mask_submission_fields(Typed()) == mask_submission_fields(Typed()).__class__(None, None, None, None)

    class Note:
        text = f"Ring {PHONE}"
        text_masked = ""
        place_name = f"Benken ved {EMAIL}"

    masked = mask_input_fields(Note())
    assert masked.text == "Ring [telefon]" and masked.place == "Benken ved [e-post]"


def test_a_name_with_an_identity_number_is_masked_on_the_public_answers_page(client, world):
    box = world["box"]
    post_response(client, f"/delta/{box.id}", {"statement": "Benk ved kirka", "consent": "with_name",
                                              "respondent_name": f"Ola Hansen {FNR}"})
    box.closes_dt = utcnow() - timedelta(minutes=1)
    db.session.scalar(sa.select(Submission)).moderation = "approved"  # staff approved it for publication
    db.session.commit()
    page = text_of(client.get(f"/delta/{box.id}/svar"))
    assert "Ola Hansen [fødselsnummer]" in page
    assert FNR not in page


def _council_statement(client, world):
    # "På vegne av" is the invited body's name (locked to it since invitations are tracked); whoever typed
    # it, a contact written into it is personal data.
    inv, token = services.create_invitation(db.session, None, world["hearing"], body_name=f"Eldrerådet v/ {EMAIL} {PHONE}",
                                            group=world["council"])
    db.session.commit()
    r, _ = post_response(client, f"/invitasjon/{token}", {
        "statement": "Eldrerådet støtter planen.", "meeting_date": "2026-11-20", "case_reference": f"fnr {FNR}",
        "consent": "with_name", "respondent_name": "Per Leder", "on_behalf_of": f"Eldrerådet v/ {EMAIL} {PHONE}",
    }, files=[(io.BytesIO(b"%PDF-1.4\n1 0 obj\n"), f"uttalelse {FNR}.pdf")])
    assert r.status_code == 302, r.get_data(as_text=True)[:2000]
    return db.session.scalar(sa.select(Submission))


def test_on_behalf_of_case_reference_and_file_name_are_masked_for_reviewers(client, world, make_user):
    sub = _council_statement(client, world)
    inp = db.session.scalar(sa.select(Input).where(Input.submission_id == sub.id))
    reviewer = make_user("reviewer")
    assert client.login(reviewer.email).status_code == 302
    for url in (f"/admin/activities/{world['hearing'].id}/responses", f"/review/inputs/{inp.id}"):
        page = client.get(url)
        assert page.status_code == 200, url
        html = text_of(page)
        assert FNR not in html and EMAIL not in html and PHONE not in html, url
        assert "Eldrerådet v/ [e-post] [telefon]" in html, url
    responses = text_of(client.get(f"/admin/activities/{world['hearing'].id}/responses"))
    assert "fnr [fødselsnummer]" in responses and "uttalelse [fødselsnummer].pdf" in responses
    assert "Per Leder" not in responses  # the private name is for administrators only


def test_the_masked_csv_export_masks_on_behalf_of(client, world):
    _council_statement(client, world)
    table = input_rows(db.session, world["process"])
    flat = " ".join(str(v) for row in table.rows for v in row)
    assert EMAIL not in flat and PHONE not in flat and FNR not in flat
    assert "Eldrerådet v/ [e-post] [telefon]" in flat
