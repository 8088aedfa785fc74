"""Long reviewer and admin lists come in pages of 50: page 2 shows the next items, counts are of the whole
list, filters survive paging, and the page links are a labelled nav with the current page marked."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from hearing.drafting import services as drafting
from hearing.extensions import db
from hearing.models import (
    Activity,
    Assessment,
    Input,
    StakeholderGroup,
    Submission,
)
from hearing.pagination import PER_PAGE, Page
from tests.conftest import text_of

N = 120  # inputs in the big theme: three pages of 50
ASSESSED = 30  # of them already assessed


@pytest.fixture
def world(make_process, make_themes, make_user):
    """Built by hand in one flush: make_submission commits each of the 120 answers, which took 8 s per test
    on PostgreSQL on a busy machine."""
    process = make_process()
    council = StakeholderGroup(process=process, name="Eldrerådet", category="council")
    activity = Activity(process=process, kind="hearing", title="Høring")
    db.session.add_all([council, activity])
    db.session.flush()
    subs = [
        Submission(activity_id=activity.id, group_id=council.id, reference=f"P-{n:04d}", submission_key=f"k{n}",
                   edit_token_hash=f"{n:064d}", consent="without_name")
        for n in range(N)
    ]
    db.session.add_all(subs)
    db.session.flush()
    inputs = [Input(activity_id=activity.id, submission_id=s.id, group_id=council.id, text=f"Innspill om mat {n:03d}")
              for n, s in enumerate(subs)]
    db.session.add_all(inputs)
    db.session.flush()
    run = make_themes(process, [({"auto_label": "mat", "name": "Mat"}, inputs), ({"auto_label": "buss"}, [])], source="manual")
    food = run.themes[0]
    for i in inputs[:ASSESSED]:
        db.session.add(Assessment(input_id=i.id, decision="adopted"))
    reviewer = make_user("reviewer")
    draft = drafting.create_draft(db.session, reviewer, process, {"title": ""}, themes=[food])
    area = draft.focus_areas[0]
    strategy = drafting.add_part(db.session, reviewer, "strategy", area, {"text": "Flere kjøkken"})
    db.session.commit()
    return {"process": process, "activity": activity, "inputs": inputs, "food": food, "run": run,
            "council": council, "strategy": strategy, "subs": subs}


@pytest.fixture
def admin(admin_client, world):
    return admin_client


def _cards(html: str) -> list[int]:
    return [int(n) for n in re.findall(r'<article class="ds-card stack assessment-card" id="input-(\d+)"', html)]


def _nav(html: str) -> str:
    match = re.search(r'<nav class="pagination" aria-label="[^"]+">(.*?)</nav>', html, re.S)
    assert match, "no page links"
    return match.group(1)


def test_page_numbers_keep_first_last_and_neighbours():
    page = Page(total=1000, page=10, per_page=50)
    assert page.pages == 20 and (page.first, page.last) == (451, 500)
    assert page.numbers == [1, None, 8, 9, 10, 11, 12, None, 20]
    assert Page(total=0).numbers == [1] and Page(total=0).first == 0


def test_theme_assessment_page_two_shows_the_next_inputs(admin, world):
    ids = [i.id for i in world["inputs"]]
    unassessed = ids[ASSESSED:]
    url = f"/review/themes/{world['food'].id}/assessments"
    first = admin.get(url).get_data(as_text=True)
    assert _cards(first) == unassessed[:PER_PAGE]
    text = text_of(admin.get(url))
    assert f"{N} innspill i temaet" in text and f"{N - ASSESSED} er ikke vurdert" in text
    assert f"Viser 1–{PER_PAGE} av {N - ASSESSED}" in text
    second = admin.get(url + "?page=2").get_data(as_text=True)
    assert _cards(second) == unassessed[PER_PAGE:2 * PER_PAGE]
    nav = _nav(second)
    assert re.search(r'aria-current="page" href="[^"]*page=2"', nav)
    # saving one card leads to the next card on the same page
    assert f'value="{url}?page=2#input-{unassessed[PER_PAGE + 1]}"' in second
    # past the end: the last page
    assert _cards(admin.get(url + "?page=99").get_data(as_text=True)) == unassessed[PER_PAGE:]  # 90: two pages


def test_show_all_filter_survives_paging(admin, world):
    ids = [i.id for i in world["inputs"]]
    url = f"/review/themes/{world['food'].id}/assessments?alle=1"
    html = admin.get(url).get_data(as_text=True)
    assert _cards(html) == ids[:PER_PAGE]
    links = re.findall(r'href="([^"]+)"', _nav(html))
    assert links and all("alle=1" in link for link in links)
    nxt = re.search(r'rel="next" href="([^"]+)"', _nav(html)).group(1).replace("&amp;", "&")
    assert _cards(admin.get(nxt).get_data(as_text=True)) == ids[PER_PAGE:2 * PER_PAGE]


def test_group_assessment_page_counts_all_and_pages(admin, world):
    unassessed = [i.id for i in world["inputs"]][ASSESSED:]
    url = f"/review/processes/{world['process'].id}/assessments/groups/{world['council'].id}"
    assert f"{N - ASSESSED} innspill" in text_of(admin.get(url))
    assert _cards(admin.get(url).get_data(as_text=True)) == unassessed[:PER_PAGE]
    html = admin.get(url + "?page=2").get_data(as_text=True)
    assert _cards(html) == unassessed[PER_PAGE:2 * PER_PAGE]
    assert 'aria-current="page"' in _nav(html)


def test_admin_responses_in_pages(admin, world):
    url = f"/admin/activities/{world['activity'].id}/responses"
    newest_first = sorted(world["subs"], key=lambda s: (s.submitted_dt, s.id), reverse=True)
    first = admin.get(url).get_data(as_text=True)
    refs = re.findall(r"<td>(P-\d{4})</td>", first)
    assert refs == [s.reference for s in newest_first[:PER_PAGE]]
    assert f"Innsendte svar ({N})" in text_of(admin.get(url))
    second = re.findall(r"<td>(P-\d{4})</td>", admin.get(url + "?page=2").get_data(as_text=True))
    assert second == [s.reference for s in newest_first[PER_PAGE:2 * PER_PAGE]]


def test_draft_sources_offer_the_theme_in_pages_and_keep_the_theme(admin, world):
    strategy, food = world["strategy"], world["food"]
    ids = [i.id for i in world["inputs"]]
    drafting.link_inputs(db.session, None, strategy, ids[:3])
    db.session.commit()
    url = f"/drafts/part/strategy/{strategy.id}/sources?theme={food.id}"
    html = admin.get(url).get_data(as_text=True)
    offered = [int(n) for n in re.findall(r'name="theme_input_ids" type="checkbox" value="(\d+)"', html)
               or re.findall(r'type="checkbox"[^>]*value="(\d+)"', html)]
    assert offered == ids[3:3 + PER_PAGE]  # the linked ones are not offered again
    nav = _nav(html)
    assert f"theme={food.id}" in nav.replace("&amp;", "&")
    html2 = admin.get(url + "&page=2").get_data(as_text=True)
    offered2 = [int(n) for n in re.findall(r'type="checkbox"[^>]*value="(\d+)"', html2)]
    assert offered2 == ids[3 + PER_PAGE:3 + 2 * PER_PAGE]
    # ticking an input of page 2 links it
    from tests.conftest import hidden_fields

    fields = hidden_fields(html2, action=url + "&page=2")
    fields.update({"theme_input_ids": [str(offered2[0])], "input_ids": ""})
    resp = admin.post(url + "&page=2", data=fields)
    assert resp.status_code == 302
    linked = db.session.scalars(sa.select(Input.id).join(Input.__table__.metadata.tables["strategy_inputs"])).all()
    assert offered2[0] in linked and len(linked) == 4
