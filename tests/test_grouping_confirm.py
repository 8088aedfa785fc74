"""«Bekreft neste 20»: the review group teaches the engine, and every answer is a decision a re-run obeys."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from hearing.extensions import db
from hearing.grouping import confirm, service
from hearing.jobs import run_pending_jobs
from hearing.models import (
    DecisionKind,
    Input,
    Job,
    RequestKey,
    Theme,
    ThemeAssignment,
    ThemeDecision,
    ThemeRun,
)
from tests.conftest import hidden_fields, text_of
from tests.test_grouping_decisions import continues, placed, run_now
from tests.test_grouping_decisions import world as world  # noqa: F401  (the fixture)
from tests.test_theme_runs import BUS, FOOD, WALK


def _batch(run, reviewer):
    confirm.schedule_batch(db.session, run, reviewer)
    db.session.commit()
    run_pending_jobs()
    db.session.expire_all()
    run = db.session.get(ThemeRun, run.id)
    job = confirm.latest_job(db.session, run)
    assert job.status == "done", job.error
    return confirm.current_batch(db.session, run)


def _page(client, run):
    return client.get(f"/review/runs/{run.id}/confirm")


def _answer(client, run, input_id, action, theme_id=None):
    """Press a button of the input's form on the page, as a keyboard user would (one form per input)."""
    url = f"/review/runs/{run.id}/confirm/inputs/{input_id}"
    html = _page(client, run).get_data(as_text=True)
    fields = hidden_fields(html, action=url)
    select = re.search(rf'<select[^>]*name="c{input_id}-theme_id"[^>]*>(.*?)</select>', html, re.S)
    chosen = re.search(r'<option selected value="(\d+)"|<option value="(\d+)" selected', select.group(1))
    fields[f"c{input_id}-theme_id"] = str(theme_id or next(g for g in chosen.groups() if g))
    fields["action"] = action
    return client.post(url, data=fields), fields


def test_the_batch_is_unconfirmed_distinct_and_stable(world, client):
    process, activity, reviewer = world
    run = run_now(process, reviewer, n_themes=3)
    # cold start: nothing confirmed, the run's own themes with the model's certainty
    first = _batch(run, reviewer)
    assert not first.learned and len(first.items) == confirm.BATCH_SIZE
    assert len({i.input.id for i in first.items}) == confirm.BATCH_SIZE
    for item in first.items:
        assert item.state == "open" and item.suggested.id == item.assignment.theme_id
    # the reviewers confirm some: pinned, moved, accepted
    confirmed_ids = set()
    for text in (FOOD[0], BUS[0], WALK[0]):
        a = placed(run, text)
        service.pin_input(db.session, reviewer, a)
        confirmed_ids.add(a.input_id)
    bus = db.session.get(Theme, placed(run, BUS[1]).theme_id)
    a = placed(run, FOOD[5])
    service.move_input(db.session, reviewer, a, bus)
    confirmed_ids.add(a.input_id)
    db.session.commit()

    batch = _batch(run, reviewer)
    ids = [i.input.id for i in batch.items]
    assert batch.learned and batch.n_confirmed == 4
    assert len(ids) == len(set(ids)) == confirm.BATCH_SIZE
    assert not set(ids) & confirmed_ids
    assert all(i.state == "open" and not confirm.is_confirmed(i.assignment) for i in batch.items)
    assert all(i.certainty is not None and 0 <= i.certainty <= 1 for i in batch.items)
    # every unconfirmed input has a stored suggestion (the board shows it; bulk accept uses it)
    open_count = db.session.scalar(sa.select(sa.func.count()).select_from(ThemeAssignment).where(
        ThemeAssignment.run_id == run.id, ~confirm.confirmed_clause()))
    assert confirm.count_suggestions(db.session, run) == open_count == 36 - 4

    client.login(reviewer.email)
    pages = [_page(client, run) for _ in range(2)]
    assert all(p.status_code == 200 for p in pages)
    shown = [re.findall(r'<article id="input-(\d+)"', p.get_data(as_text=True)) for p in pages]
    assert shown[0] == shown[1] == [str(i) for i in ids]  # the same batch on reload
    text = text_of(pages[0])
    assert "Bekreft neste 20" in text and "Foreslått tema" in text
    assert re.search(r"Sikkerhet \d+ % \((høy|middels|lav) sikkerhet\)", text)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Job).where(Job.kind == confirm.KIND)) == 2


def test_accept_correct_and_skip_are_decisions_a_rerun_obeys(world, client):
    process, activity, reviewer = world
    run = run_now(process, reviewer, n_themes=3)
    batch = _batch(run, reviewer)
    client.login(reviewer.email)
    items = batch.items
    first, second, third = items[0], items[1], items[2]
    other = next(t for t in run.themes if not t.is_misc and t.id != second.assignment.theme_id)

    r, fields = _answer(client, run, first.input.id, "accept")
    assert r.status_code == 302 and r.headers["Location"].endswith(f"#input-{second.input.id}")
    # a double click sends the same form again: nothing is stored twice
    again = client.post(f"/review/runs/{run.id}/confirm/inputs/{first.input.id}", data=fields)
    assert again.status_code == 302 and again.headers["Location"] == r.headers["Location"]
    r, _f = _answer(client, run, second.input.id, "correct", other.id)
    assert r.headers["Location"].endswith(f"#input-{third.input.id}")
    r, _f = _answer(client, run, third.input.id, "skip")
    assert r.headers["Location"].endswith(f"#input-{items[3].input.id}")

    rows = db.session.execute(sa.select(ThemeDecision.kind, ThemeDecision.input_id, ThemeDecision.theme_id).where(
        ThemeDecision.input_id.is_not(None))).all()
    assert sorted(rows) == sorted([(DecisionKind.CONFIRM, first.input.id, first.suggested.id),
                                   (DecisionKind.MOVE, second.input.id, other.id)])
    page = _page(client, run)
    states = dict(re.findall(r'<article id="input-(\d+)"[^>]*data-state="(\w+)"', page.get_data(as_text=True)))
    assert (states[str(first.input.id)], states[str(second.input.id)], states[str(third.input.id)]) == (
        "confirmed", "confirmed", "skipped")
    assert "Hoppet over" in text_of(page)

    # the next batch does not ask about the answered ones, nor at once about the skipped one
    nxt = client.post(f"/review/runs/{run.id}/confirm/next", data=hidden_fields(
        page.get_data(as_text=True), action=f"/review/runs/{run.id}/confirm/next"))
    assert nxt.status_code == 302
    run_pending_jobs()
    db.session.expire_all()
    new_ids = {i.input.id for i in confirm.current_batch(db.session, run).items}
    assert not new_ids & {first.input.id, second.input.id, third.input.id}

    run2 = run_now(process, reviewer, n_themes=3)
    a1 = db.session.scalar(sa.select(ThemeAssignment).where(ThemeAssignment.run_id == run2.id,
                                                            ThemeAssignment.input_id == first.input.id))
    a2 = db.session.scalar(sa.select(ThemeAssignment).where(ThemeAssignment.run_id == run2.id,
                                                            ThemeAssignment.input_id == second.input.id))
    assert a1.theme_id == continues(run2, first.suggested.id).id and a1.source == "suggested"
    assert a2.theme_id == continues(run2, other.id).id and a2.source == "manual"
    assert run2.stats["decisions_total"] == run2.stats["decisions_kept"] == 2


def test_bulk_accept_takes_exactly_the_suggestions_above_the_threshold(world, client):
    process, activity, reviewer = world
    run = run_now(process, reviewer, n_themes=3)
    for text in (FOOD[0], BUS[0], WALK[0]):
        service.pin_input(db.session, reviewer, placed(run, text))
    db.session.commit()
    _batch(run, reviewer)
    rows = db.session.scalars(sa.select(ThemeAssignment).where(
        ThemeAssignment.run_id == run.id, ThemeAssignment.suggested_theme_id.is_not(None))).all()
    # spread the certainties so the threshold splits them
    for n, a in enumerate(rows):
        a.suggested_confidence = (n % 10) / 10 + 0.05
    db.session.commit()
    expected = {a.input_id: a.suggested_theme_id for a in rows if a.suggested_confidence >= 0.7}
    assert 0 < len(expected) < len(rows)

    client.login(reviewer.email)
    url = f"/review/runs/{run.id}/confirm/accept"
    fields = hidden_fields(_page(client, run).get_data(as_text=True), action=url)
    fields["min_percent"] = "70"
    r = client.post(url, data=fields, follow_redirects=True)
    assert f"{len(expected)} forslag med sikkerhet på minst 70 % er godtatt." in text_of(r)
    client.post(url, data=fields)  # the same form again: nothing more
    confirms = db.session.execute(sa.select(ThemeDecision.input_id, ThemeDecision.theme_id).where(
        ThemeDecision.kind == DecisionKind.CONFIRM)).all()
    assert dict(confirms) == expected and len(confirms) == len(expected)
    for input_id, theme_id in expected.items():
        a = db.session.scalar(sa.select(ThemeAssignment).where(ThemeAssignment.run_id == run.id,
                                                               ThemeAssignment.input_id == input_id))
        assert a.theme_id == theme_id and a.source == "suggested"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(RequestKey)) >= 1
    # a threshold outside 0..100 is refused on the form
    fields = hidden_fields(_page(client, run).get_data(as_text=True), action=url)
    fields["min_percent"] = "120"
    bad = client.post(url, data=fields)
    assert bad.status_code == 400 and "Oppgi et tall mellom 0 og 100." in text_of(bad)


@pytest.mark.parametrize("role", ["facilitator", None])
def test_the_confirm_pages_are_for_reviewers(world, client, make_user, role):
    process, activity, reviewer = world
    run = run_now(process, reviewer, n_themes=3)
    if role:
        client.login(make_user(role).email)
    r = client.get(f"/review/runs/{run.id}/confirm")
    assert r.status_code in (302, 403)
    assert client.post(f"/review/runs/{run.id}/confirm/next").status_code in (302, 400, 403)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Job).where(Job.kind == confirm.KIND)) == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Input)) == 36


def test_certainty_is_on_the_board_and_the_run_page_links_to_the_confirm_page(world, client):
    process, activity, reviewer = world
    run = run_now(process, reviewer, n_themes=3)
    a = placed(run, FOOD[0])
    a.confidence = 0.82
    db.session.commit()
    client.login(reviewer.email)
    assert "82 % sikkerhet" in text_of(client.get(f"/review/themes/{a.theme_id}"))
    assert f"/review/runs/{run.id}/confirm" in client.get(f"/review/runs/{run.id}").get_data(as_text=True)
