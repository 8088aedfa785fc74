"""The board for thousands of inputs: filters, pages counted in the database, checkboxes and "all matching
the filter", bulk move / confirm / assess stored as decisions, the way back to #input-N, empty themes,
merge and split at each theme's heading, and likely duplicates confirmed with one click."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from hearing.extensions import db
from hearing.grouping import bulk, decisions, duplicates
from hearing.models import (
    Activity,
    Assessment,
    AuditEvent,
    DecisionKind,
    Input,
    StakeholderGroup,
    Theme,
    ThemeAssignment,
    ThemeDecision,
    ThemeRun,
)
from tests.conftest import hidden_fields, text_of

N_A, N_B = 80, 40


@pytest.fixture
def board(app, make_process, make_user, client):
    """A finished run (no engine needed): theme A has 80 inputs (staff by workshop notes, half of them
    certain), theme B 40 (the council's web answers, nynorsk), theme C is empty."""
    process = make_process()
    staff = StakeholderGroup(process_id=process.id, name="Ansatte", category="employees")
    council = StakeholderGroup(process_id=process.id, name="Eldrerådet", category="council")
    activity = Activity(process=process, kind="workshop", title="Verksted")
    db.session.add_all([staff, council, activity])
    db.session.flush()
    run = ThemeRun(process_id=process.id, params={}, stats={})
    db.session.add(run)
    db.session.flush()
    a = Theme(run_id=run.id, position=0, auto_label="Mat", terms=["mat", "middag"], quote_input_ids=[])
    b = Theme(run_id=run.id, position=1, auto_label="Buss", terms=["buss"], quote_input_ids=[])
    c = Theme(run_id=run.id, position=2, auto_label="Gammelt", terms=["gammel", "ord"], quote_input_ids=[])
    db.session.add_all([a, b, c])
    db.session.flush()
    inputs = []
    for n in range(N_A):
        inputs.append((Input(activity_id=activity.id, group_id=staff.id, source="workshop", lang="nb",
                             text=f"Maten på sykehjem {n} er kald"), a, 0.9 if n % 2 else 0.3))
    for n in range(N_B):
        inputs.append((Input(activity_id=activity.id, group_id=council.id, source="web", lang="nn",
                             text=f"Bussen går for sjeldan til stopp {n}"), b, None))
    db.session.add_all([i for i, _t, _c in inputs])
    db.session.flush()
    db.session.add_all([ThemeAssignment(run_id=run.id, input_id=i.id, theme_id=t.id, confidence=c)
                        for i, t, c in inputs])
    db.session.commit()
    reviewer = make_user("reviewer")
    assert client.login(reviewer.email).status_code == 302
    return {"process": process, "run": run, "a": a, "b": b, "c": c, "staff": staff, "council": council,
            "reviewer": reviewer, "url": f"/review/runs/{run.id}/inputs"}


def _view(**kw) -> bulk.View:
    return bulk.View(**kw)


def _ids(html: str) -> list[int]:
    return [int(n) for n in re.findall(r'<tr id="input-(\d+)"', html)]


def test_pages_and_counts_come_from_the_database(board, client):
    run, a, b = board["run"], board["a"], board["b"]
    page = bulk.page_of(db.session, run, _view())
    assert page.total == N_A + N_B and page.pages == 3 and len(page.rows) == 50
    assert page.per_theme == {a.id: N_A, b.id: N_B}
    last = bulk.page_of(db.session, run, _view(page=3))
    assert len(last.rows) == N_A + N_B - 100
    assert bulk.page_of(db.session, run, _view(page=99)).page == 3  # past the end: the last page
    html = client.get(board["url"] + "?page=2").get_data(as_text=True)
    assert len(_ids(html)) == 50
    assert "Side 2 av 3." in text_of(client.get(board["url"] + "?page=2"))
    assert 'page=3' in html and 'page=1' in html  # previous and next keep to the board


def test_filters_by_theme_certainty_group_channel_language_status_and_words(board, client):
    run, a, b, staff, council = board["run"], board["a"], board["b"], board["staff"], board["council"]

    def total(**kw):
        return bulk.page_of(db.session, run, _view(**kw)).total

    assert total(theme_id=b.id) == N_B
    assert total(band="high") == N_A // 2 and total(band="low") == N_A // 2 and total(band="none") == N_B
    assert total(band="mid") == 0
    assert total(group_id=staff.id) == N_A and total(group_id=council.id) == N_B
    assert total(channel="web") == N_B and total(channel="workshop") == N_A
    assert total(lang="nn") == N_B
    assert total(status="confirmed") == 0 and total(status="unconfirmed") == N_A + N_B
    assert total(q="bussene") == N_B  # word forms
    assert total(q="sykehjemmet", theme_id=a.id) == N_A
    # the filters are read from the page's query string and kept in its links
    html = client.get(f"{board['url']}?theme={a.id}&band=high&lang_filter=nb&status=unconfirmed&channel=workshop"
                      f"&group={staff.id}").get_data(as_text=True)
    assert len(_ids(html)) == N_A // 2
    assert "40 innspill passer til filteret" in re.sub(r"\s+", " ", html)
    # nonsense values are ignored, not an error
    assert client.get(f"{board['url']}?band=x&status=y&channel=z&theme=abc&page=-3").status_code == 200


def _post(client, board, data: dict, query: str = ""):
    page = client.get(board["url"] + query)
    fields = hidden_fields(page.get_data(as_text=True), action=board["url"])
    fields.update(data)
    return fields, client.post(board["url"], data=fields)


def _decisions(kind: str) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(ThemeDecision).where(ThemeDecision.kind == kind))


def test_select_all_matching_moves_every_input_of_the_filter_across_pages_once(board, client):
    a, c = board["a"], board["c"]
    query = f"?theme={a.id}&band=high"  # 40 inputs; the page shows 50 per page, so use a smaller page
    fields, response = _post(client, board, {"all_matching": "y", "action": "move", "theme_id": str(c.id)}, query)
    assert response.status_code == 302
    db.session.expire_all()
    moved = db.session.scalars(sa.select(ThemeAssignment).where(ThemeAssignment.theme_id == c.id)).all()
    assert len(moved) == N_A // 2 and all(x.confidence is None and x.source == "manual" for x in moved)
    # stored as decisions that a re-run obeys
    assert _decisions(DecisionKind.MOVE) == N_A // 2
    placed = decisions.placements(db.session, board["process"].id)
    assert {p.theme_id for i, p in placed.items() if i in {x.input_id for x in moved}} == {c.id}
    # the same POST again (a double click) does nothing twice
    again = client.post(board["url"], data=fields)
    assert again.status_code == 302 and again.location == response.location
    assert _decisions(DecisionKind.MOVE) == N_A // 2
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)
                             .where(AuditEvent.action == "board.bulk_move")) == 1
    # back to the same filter (now empty: the moved inputs left theme A's high band)
    assert f"theme={a.id}" in response.location and "band=high" in response.location
    assert response.location.endswith("#board-list")


def test_select_all_matching_spans_pages(board, client, monkeypatch):
    monkeypatch.setattr(bulk, "PER_PAGE", 10)
    run = board["run"]
    monkeypatch.setattr(bulk.page_of, "__defaults__", (10,))
    page = bulk.page_of(db.session, run, _view(theme_id=board["a"].id))
    assert page.pages == 8 and len(page.rows) == 10
    ids = bulk.selected_ids(db.session, run, _view(theme_id=board["a"].id, page=3), all_matching=True)
    assert len(ids) == N_A  # the filter's query, not the page shown
    result = bulk.apply(db.session, board["reviewer"], run, "confirm", ids)
    db.session.commit()
    assert result.done == N_A
    assert bulk.page_of(db.session, run, _view(status="confirmed")).total == N_A
    assert _decisions(DecisionKind.PIN) == N_A
    assert bulk.apply(db.session, board["reviewer"], run, "confirm", ids).unchanged == N_A


def test_ticked_inputs_are_confirmed_and_the_page_returns_to_them(board, client):
    run = board["run"]
    html = client.get(board["url"] + "?page=2").get_data(as_text=True)
    shown = _ids(html)
    assignments = dict(db.session.execute(
        sa.select(ThemeAssignment.input_id, ThemeAssignment.id).where(ThemeAssignment.run_id == run.id)).all())
    ticked = shown[10:13]
    fields = hidden_fields(html, action=board["url"])
    fields.update({"action": "confirm", "assignment_ids": [str(assignments[i]) for i in ticked]})
    response = client.post(board["url"], data=fields)
    assert response.status_code == 302
    assert "page=2" in response.location and response.location.endswith(f"#input-{ticked[0]}")
    db.session.expire_all()
    pinned = db.session.scalars(sa.select(ThemeAssignment.input_id).where(ThemeAssignment.is_pinned.is_(True))).all()
    assert sorted(pinned) == sorted(ticked)
    page = client.get(response.location.split("#")[0])
    assert f'id="input-{ticked[0]}" tabindex="-1"' in page.get_data(as_text=True)
    assert "3 innspill er bekreftet der de står." in text_of(page)
    # inputs of another run cannot be ticked in this one
    other = ThemeRun(process_id=board["process"].id, params={}, stats={})
    db.session.add(other)
    db.session.commit()
    assert bulk.selected_ids(db.session, other, _view(), all_matching=False,
                             assignment_ids=list(assignments.values())) == []


def test_after_a_move_out_of_the_filter_the_page_returns_to_the_next_row(board, client):
    a, c = board["a"], board["c"]
    html = client.get(f"{board['url']}?theme={a.id}").get_data(as_text=True)
    shown = _ids(html)
    assignment = db.session.scalar(sa.select(ThemeAssignment.id).where(ThemeAssignment.input_id == shown[4]))
    fields = hidden_fields(html, action=board["url"])
    fields.update({"action": "move", "theme_id": str(c.id), "assignment_ids": str(assignment)})
    response = client.post(board["url"], data=fields)
    assert response.location.endswith(f"#input-{shown[5]}") and f"theme={a.id}" in response.location


def test_bulk_assessment_and_refusals(board, client):
    b = board["b"]
    fields, response = _post(client, board, {"all_matching": "y", "action": "assess", "decision": "not_adopted",
                                             "reason": ""}, f"?theme={b.id}")
    assert response.status_code == 400
    assert "Skriv en kort begrunnelse" in text_of(response)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Assessment)) == 0
    fields, response = _post(client, board, {"all_matching": "y", "action": "assess", "decision": "adopted"},
                             f"?theme={b.id}")
    assert response.status_code == 302
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Assessment)) == N_B
    # nothing chosen, or no theme to move to: a message, nothing changed
    _fields, response = _post(client, board, {"action": "confirm"})
    assert response.status_code == 400 and "Velg minst ett innspill" in text_of(response)
    _fields, response = _post(client, board, {"action": "move", "all_matching": "y"})
    assert response.status_code == 400 and "Velg et tema å flytte innspillene til" in text_of(response)
    assert _decisions(DecisionKind.PIN) == 0 and _decisions(DecisionKind.MOVE) == 0
    # CSRF on the POST
    fields = hidden_fields(client.get(board["url"]).get_data(as_text=True), action=board["url"])
    fields.pop("csrf_token")
    fields.update({"action": "confirm", "all_matching": "y"})
    assert client.post(board["url"], data=fields).status_code == 400
    assert _decisions(DecisionKind.PIN) == 0


def test_only_reviewers_see_and_change_the_board(board, client, make_user):
    client.raw.get("/logout")
    client.raw.post("/logout")
    participant = make_user("facilitator")
    client.login(participant.email)
    assert client.get(board["url"]).status_code in (302, 403)
    assert client.post(board["url"], data={"action": "confirm", "all_matching": "y"}).status_code in (302, 400, 403)
    assert _decisions(DecisionKind.PIN) == 0


def test_empty_themes_are_marked_without_old_keywords_and_merge_split_are_at_the_heading(board, client):
    run, a, c = board["run"], board["a"], board["c"]
    html = client.get(f"/review/runs/{run.id}").get_data(as_text=True)
    section = html[html.index(f'id="theme-{c.id}"'):]
    section = section[:section.index("</section>")]
    assert "(tom)" in section and "gammel, ord" not in section
    assert "gammel, ord" not in html
    heading = html[html.index(f'id="theme-{a.id}-heading"'):]
    heading = heading[:heading.index("</h2>") + 400]
    assert f"/review/themes/{a.id}#merge-heading" in heading and f"/review/themes/{a.id}#split-heading" in heading
    assert f"/review/runs/{run.id}/inputs" in html
    # on the theme page, merge and split are linked above the list of inputs
    page = client.get(f"/review/themes/{a.id}").get_data(as_text=True)
    assert page.index('href="#merge-heading"') < page.index('id="inputs-heading"')
    assert page.index('href="#split-heading"') < page.index('id="inputs-heading"')


def test_likely_duplicates_are_suggested_and_confirmed_with_one_click(board, client):
    run, b = board["run"], board["b"]
    first, second, third = (Input(activity_id=db.session.scalar(sa.select(Activity.id)), text=t, lang="nb",
                                  group_id=board["council"].id)
                            for t in ("Bussen går for sjelden!", "bussen går for sjelden", "Bussene går for sjelden."))
    db.session.add_all([first, second, third])
    db.session.flush()
    db.session.add_all([ThemeAssignment(run_id=run.id, input_id=i.id, theme_id=b.id) for i in (first, second, third)])
    db.session.commit()
    found = duplicates.suggestions(db.session, run)
    group = next(s for s in found if s.original.id == first.id)
    assert [d.id for d in group.duplicates] == [second.id, third.id]
    html = client.get(board["url"]).get_data(as_text=True)
    assert f'data-duplicate-group="{first.id}"' in html
    action = f"/review/runs/{run.id}/duplicates"
    forms = re.findall(r'<form method="post" action="' + re.escape(action) + r'".*?</form>', html, re.S)
    form = next(f for f in forms if f'name="original_id" value="{first.id}"' in f)
    fields = dict(re.findall(r'name="(csrf_token|form_key|original_id)" value="([^"]*)"', form))
    fields["duplicate_ids"] = re.findall(r'name="duplicate_ids" value="(\d+)"', form)
    response = client.post(action, data=fields)
    assert response.status_code == 302 and response.location.endswith("#duplicates")
    db.session.expire_all()
    assert db.session.get(Input, second.id).duplicate_of_id == first.id
    assert db.session.get(Input, third.id).duplicate_of_id == first.id
    assert not any(s.original.id == first.id for s in duplicates.suggestions(db.session, run))
    assert client.post(action, data=fields).location == response.location  # once only


def test_bulk_assessment_keeps_assessments_given_before_unless_told_to_replace(board, client):
    """The walkthrough filtered a theme's confirmed inputs and assessed them all "Tatt til følge": seven that
    had been assessed before ("Delvis tatt til følge", with a reason) were replaced without a word."""
    b = board["b"]
    fields, response = _post(client, board, {"all_matching": "y", "action": "assess", "decision": "partly",
                                             "reason": "Delvis med i planen."}, f"?theme={b.id}")
    assert response.status_code == 302
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Assessment)) == N_B
    fields, response = _post(client, board, {"all_matching": "y", "action": "assess", "decision": "adopted"},
                             f"?theme={b.id}")
    assert response.status_code == 302
    db.session.expire_all()
    assert set(db.session.scalars(sa.select(Assessment.decision))) == {"partly"}
    page = text_of(client.get(response.location))
    assert f"{N_B} hadde en vurdering fra før og ble ikke endret" in page
    fields, response = _post(client, board, {"all_matching": "y", "action": "assess", "decision": "adopted",
                                             "replace": "y"}, f"?theme={b.id}")
    db.session.expire_all()
    assert set(db.session.scalars(sa.select(Assessment.decision))) == {"adopted"}
