"""The six-week rule wherever a plan hearing is made, and "send på høring" reads only what was sent."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from hearing.admin.services import short_plan_hearing
from hearing.drafting import services
from hearing.extensions import db
from hearing.models import Activity, Draft
from tests.conftest import text_of
from tests.test_drafts import fill, reviewer_client, world  # noqa: F401  (fixtures)


def test_the_rule_itself():
    opens = datetime(2026, 3, 2, tzinfo=UTC)
    assert short_plan_hearing("hearing", True, opens, opens + timedelta(weeks=3))
    assert not short_plan_hearing("hearing", True, opens, opens + timedelta(weeks=6))
    assert not short_plan_hearing("hearing", False, opens, opens + timedelta(weeks=3))  # an internal hearing
    assert not short_plan_hearing("survey", True, opens, opens + timedelta(weeks=1))


def test_a_public_hearing_of_a_draft_for_three_weeks_is_refused_unless_confirmed(world):  # noqa: F811
    draft = fill(world)
    opens = datetime(2026, 3, 2, tzinfo=UTC)
    data = {"audience": "public", "opens_dt": opens, "closes_dt": opens + timedelta(weeks=3)}
    with pytest.raises(services.ServiceError, match="kortere enn seks uker"):
        services.send_on_hearing(db.session, world["reviewer"], draft, data)
    db.session.rollback()
    activity = services.send_on_hearing(db.session, world["reviewer"], db.session.get(Draft, draft.id),
                                        {**data, "short_period_confirmed": True})
    assert activity.is_plan_hearing and activity.closes_dt - activity.opens_dt == timedelta(weeks=3)


def test_the_send_page_warns_and_keeps_what_was_typed(reviewer_client, world):  # noqa: F811
    draft = fill(world)
    typed = {"title": "Høring av strategiplanen", "audience": "public", "opens_dt": "2026-04-01T08:00",
             "closes_dt": "2026-04-22T15:00", "phase_id": "0"}
    r = reviewer_client.submit(f"/drafts/{draft.id}/send", typed)
    assert r.status_code == 200 and "kortere enn seks uker" in text_of(r)
    html = r.get_data(as_text=True)
    assert 'value="Høring av strategiplanen"' in html and 'value="2026-04-22T15:00"' in html
    assert db.session.scalar(sa.select(sa.func.count(Activity.id)).where(Activity.kind == "hearing")) == 0
    r = reviewer_client.submit(f"/drafts/{draft.id}/send", {**typed, "short_period_confirmed": "y"})
    assert r.status_code == 302
    assert db.session.scalar(sa.select(Activity).where(Activity.kind == "hearing")).title == "Høring av strategiplanen"


def test_an_empty_post_creates_no_hearing(reviewer_client, world):  # noqa: F811
    draft = fill(world)
    r = reviewer_client.submit(f"/drafts/{draft.id}/send", {})  # only the CSRF token and the one-time key
    page = text_of(r)
    assert r.status_code == 200 and "Skjemaet har feil som må rettes" in page
    assert "Tittel: Fyll ut feltet." in page and "Frist (stenger): Fyll ut feltet." in page
    assert db.session.scalar(sa.select(sa.func.count(Activity.id)).where(Activity.kind == "hearing")) == 0
    assert db.session.get(Draft, draft.id).hearing_activity_id is None


def test_the_admin_form_warns_with_the_same_rule(client, make_user, make_process):
    client.login(make_user("admin").email)
    process = make_process()
    r = client.submit(f"/admin/processes/{process.id}/activities/new", {
        "kind": "hearing", "title": "Høring", "audience": "public", "is_plan_hearing": "y",
        "opens_dt": "2026-04-01T08:00", "closes_dt": "2026-04-22T15:00", "phase_id": "0"}, follow=True)
    assert "kortere enn seks uker" in text_of(r)
