"""Near-duplicates: the same statement with a word or two changed, or a form letter with the sender's own
sentence added, are suggested beside identical texts; one click marks a group; a rejected suggestion is
stored as a decision and never comes back, also after a new run."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from hearing.extensions import db
from hearing.grouping import duplicates
from hearing.grouping.duplicates import find_near_duplicates, stems_in_order
from hearing.models import (
    Activity,
    AuditEvent,
    DecisionKind,
    DuplicateCandidate,
    Input,
    ThemeAssignment,
    ThemeDecision,
)

LETTER = ("Vi i velforeningen ber kommunen om å beholde dagsenteret på Haugen, fordi mange eldre i bygda "
          "bruker det hver uke og ikke har noe annet sted å møte andre.")
TEXTS = [
    "Dobbeltrom på sykehjem i dag er ikke verdig",            # 0 original
    "Dobbeltrom på sykehjem i 2026 er ikke verdig",           # 1 one word changed -> 0
    LETTER,                                                   # 2 original (a form letter)
    LETTER + " Min mor går der tre dager i uka.",              # 3 the letter with her own sentence -> 2
    "Bussen går for sjelden til Heia om kvelden",             # 4 distinct
    "Det trengs flere benker langs Strandveien",              # 5 distinct
    "Bygg flere omsorgsboliger med fellesareal",              # 6 distinct
    "Maten på sykehjemmet er for kald når den kommer",        # 7 distinct
]


def _pairs(texts, rejected=frozenset()):
    return {(i, o) for i, o, _s in find_near_duplicates(
        [(n, stems_in_order(t, "nb")) for n, t in enumerate(texts)], rejected=rejected)}


def test_a_word_changed_and_a_form_letter_with_a_sentence_added_are_found_distinct_inputs_are_not():
    assert _pairs(TEXTS) == {(1, 0), (3, 2)}


def test_a_rejected_pair_is_not_found_again_and_the_next_best_original_is_taken():
    texts = ["Flere benker langs Strandveien, takk", "Flere benker langs Strandveien", "Flere benker langs Strandveien!"]
    assert _pairs(texts) == {(1, 0), (2, 1)} or _pairs(texts) == {(1, 0), (2, 0)}
    assert (2, 0) not in _pairs(texts, rejected={(2, 0), (0, 2)})


def test_a_campaign_of_many_copies_is_one_original_without_comparing_every_pair():
    texts = [f"{LETTER} Hilsen nabo nummer {n}." for n in range(300)] + [LETTER]
    found = find_near_duplicates([(n, stems_in_order(t, "nb")) for n, t in enumerate(texts)])
    assert {o for _i, o, _s in found} == {0} and len(found) == len(texts) - 1


@pytest.fixture
def world(app, make_activity, make_themes, make_user, client):
    activity = make_activity("workshop", title="Verksted")
    process = activity.process
    inputs = [Input(activity_id=activity.id, text=t, lang="nb", source="workshop") for t in TEXTS]
    db.session.add_all(inputs)
    db.session.flush()
    run = make_themes(process, [({"auto_label": "Alt"}, inputs)])
    reviewer = make_user("reviewer")
    assert client.login(reviewer.email).status_code == 302
    return process, run, inputs, reviewer


def _form(html, action, **must):
    forms = re.findall(r'<form method="post" action="' + re.escape(action) + r'".*?</form>', html, re.S)
    form = next(f for f in forms if all(f'name="{k}" value="{v}"' in f for k, v in must.items()))
    fields = dict(re.findall(r'name="(csrf_token|form_key|original_id|input_id)" value="([^"]*)"', form))
    fields["duplicate_ids"] = re.findall(r'name="duplicate_ids" value="(\d+)"', form)
    return fields


def test_near_duplicates_are_stored_by_the_run_shown_confirmed_and_rejected_for_good(world, client):
    process, run, inputs, reviewer = world
    assert duplicates.store_for_run(db.session, run) == 2
    db.session.commit()
    found = {s.original.id: [d.id for d in s.duplicates] for s in duplicates.suggestions(db.session, run)}
    assert found == {inputs[0].id: [inputs[1].id], inputs[2].id: [inputs[3].id]}

    url = f"/review/runs/{run.id}/inputs"
    html = client.get(url).get_data(as_text=True)
    assert "nesten lik (" in html and f"Ikke duplikat: nr. {inputs[3].id}" in html
    # the letter with her own sentence is not a duplicate after all: rejected with one click
    reject = f"/review/runs/{run.id}/duplicates/reject"
    fields = _form(html, reject, input_id=inputs[3].id)
    response = client.post(reject, data=fields)
    assert response.status_code == 302 and response.location.endswith("#duplicates")
    assert client.post(reject, data=fields).location == response.location  # a double click stores one decision
    decision = db.session.scalars(sa.select(ThemeDecision).where(ThemeDecision.kind == DecisionKind.NOT_DUPLICATE)).one()
    assert decision.input_id == inputs[3].id and decision.payload["original"] == inputs[2].id
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)
                             .where(AuditEvent.action == "input.not_duplicate")) == 1
    assert {s.original.id for s in duplicates.suggestions(db.session, run)} == {inputs[0].id}
    # a new run's job finds the pair again, and obeys the decision
    assert duplicates.store_for_run(db.session, run) == 1
    db.session.commit()
    assert {s.original.id for s in duplicates.suggestions(db.session, run)} == {inputs[0].id}

    # the word-changed pair is confirmed with one click
    html = client.get(url).get_data(as_text=True)
    confirm = f"/review/runs/{run.id}/duplicates"
    response = client.post(confirm, data=_form(html, confirm, original_id=inputs[0].id))
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Input, inputs[1].id).duplicate_of_id == inputs[0].id
    assert duplicates.suggestions(db.session, run) == []
    assert "Ingen mulige duplikater funnet." in client.get(url).get_data(as_text=True)


def test_only_reviewers_reject_and_a_stale_form_changes_nothing(world, client, make_user, app):
    process, run, inputs, reviewer = world
    duplicates.store_for_run(db.session, run)
    db.session.commit()
    reject = f"/review/runs/{run.id}/duplicates/reject"
    response = client.post(reject, data={"original_id": inputs[0].id, "input_id": inputs[1].id})
    assert response.status_code == 400  # no CSRF token: refused, nothing stored
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ThemeDecision)) == 0
    client.get("/logout")
    facilitator = make_user("facilitator")
    client.login(facilitator.email)
    app.config["WTF_CSRF_ENABLED"] = False  # the role is what refuses here
    assert client.post(reject, data={"original_id": inputs[0].id, "input_id": inputs[1].id}).status_code == 403
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ThemeDecision)) == 0


def test_a_run_stores_the_near_duplicates_of_its_inputs(app, make_process, make_user):
    from tests.test_grouping_decisions import run_now

    app.config["THEMES_EMBEDDINGS"] = False
    process = make_process()
    activity = Activity(process=process, kind="workshop", title="Verksted")
    db.session.add(activity)
    db.session.flush()
    for t in TEXTS * 2:
        db.session.add(Input(activity_id=activity.id, text=t, source="workshop", lang="nb"))
    db.session.commit()
    run = run_now(process, make_user("reviewer"), n_themes=2)
    stored = db.session.scalar(sa.select(sa.func.count()).select_from(DuplicateCandidate)
                               .where(DuplicateCandidate.run_id == run.id))
    assert stored == run.stats["near_duplicates"] == len(TEXTS) + 2


def test_a_campaign_shows_a_few_copies_and_one_click_marks_all(world, client):
    """At 50k inputs a group of thousands made the board 47 MB: each group lists ten and says how many more;
    its button marks the whole group, near-duplicates and copies alike."""
    process, run, inputs, reviewer = world
    theme_id = db.session.scalar(sa.select(ThemeAssignment.theme_id).where(ThemeAssignment.run_id == run.id))
    copies = [Input(activity_id=inputs[0].activity_id, text=LETTER, lang="nb", source="web") for _ in range(20)]
    edited = [Input(activity_id=inputs[0].activity_id, text=f"{LETTER} Hilsen nabo {n}.", lang="nb", source="web")
              for n in range(5)]
    db.session.add_all(copies + edited)
    db.session.flush()
    db.session.add_all([ThemeAssignment(run_id=run.id, input_id=i.id, theme_id=theme_id) for i in copies + edited])
    duplicates.store_for_run(db.session, run)
    db.session.commit()
    group = next(s for s in duplicates.suggestions(db.session, run) if s.original.id == inputs[2].id)
    assert len(group.duplicates) == duplicates.SHOWN and group.total == 1 + 20 + 5
    html = client.get(f"/review/runs/{run.id}/inputs").get_data(as_text=True)
    assert "… og 16 til som sier det samme." in html and f"Bekreft: alle 26 er duplikater av nr. {inputs[2].id}" in html
    confirm = f"/review/runs/{run.id}/duplicates"
    fields = _form(html, confirm, original_id=inputs[2].id)
    fields["whole_group"] = "1"
    assert client.post(confirm, data=fields).status_code == 302
    db.session.expire_all()
    marked = db.session.scalar(sa.select(sa.func.count()).select_from(Input).where(Input.duplicate_of_id == inputs[2].id))
    assert marked == 26
    assert all(s.original.id != inputs[2].id for s in duplicates.suggestions(db.session, run))
