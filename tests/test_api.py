"""The JSON API: the OpenAPI document is valid, every route in it answers as it says, tokens and scopes,
masking, cursor pages, filters, ETags, problem details, and the two writes (import, placements)."""

from __future__ import annotations

import re
import secrets
from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from openapi_schema_validator import OAS31Validator
from openapi_spec_validator import validate as validate_spec

from hearing.api import tokens
from hearing.api.problems import errors_nb, field_message_nb
from hearing.drafting import services as drafting
from hearing.extensions import db
from hearing.followup import services as followup
from hearing.models import (
    Activity,
    ApiToken,
    Assessment,
    AuditEvent,
    HearingReport,
    Input,
    Measure,
    ProcessIdentity,
    Strategy,
    Submission,
    ThemeAssignment,
    ThemeDecision,
    utcnow,
)

EMAIL_TEXT = "Ring meg på 912 34 567 om bussen, hilsen Kari"


@pytest.fixture
def world(make_activity, make_submission, make_themes, make_user):
    activity = make_activity(title="Høring på utkast 1", groups=[("Eldrerådet", "council")],
                             prompts=["Hva mener du?", {"text": "Hvor fornøyd er du?", "question_type": "rating"}])
    process, (council,), (free, rating) = activity.process, activity.process.groups, activity.prompts
    texts = ["Flere busser om kvelden", EMAIL_TEXT, "Bedre mat på sykehjemmet", "Middag sammen med andre"]
    submission = make_submission(activity, [{"text": t, "prompt_id": free.id, "source": "web"} for t in texts[:2]],
                                 reference="H-2026-000001", respondent_name="Kari Nordmann", respondent_email="kari@example.no",
                                 on_behalf_of="Eldrerådet", group_id=council.id)
    db.session.add_all(Input(activity_id=activity.id, prompt_id=free.id, text=t, source="web") for t in texts[2:])
    inputs = list(db.session.scalars(sa.select(Input).order_by(Input.id)))  # the statement's two, then two without one
    run = make_themes(process, [({"auto_label": "buss, kveld", "name": "Buss", "terms": ["buss"]}, inputs[:2], {"confidence": 0.7}),
                                ({"auto_label": "mat, middag"}, inputs[2:], {"suggested_confidence": 0.4})], source="auto")
    bus, food = run.themes
    db.session.execute(sa.update(ThemeAssignment).where(ThemeAssignment.theme_id == food.id)
                       .values(suggested_theme_id=bus.id))  # the engine's second choice for the food inputs: bus
    db.session.add(Assessment(input_id=inputs[0].id, decision="adopted", reason="Tas inn i strategi 2"))
    reviewer = make_user("reviewer")
    admin = make_user("admin")
    draft = drafting.create_draft(db.session, reviewer, process, {"title": "Utkast 1"}, themes=[food])
    strategy = Strategy(focus_area=draft.focus_areas[0], position=1, text="Flere måltider sammen", inputs=[inputs[3]])
    db.session.add(Measure(strategy=strategy, position=1, text="Middagsklubb på bydelshuset", owner="Hjemmetjenesten"))
    report = HearingReport(process_id=process.id, run_id=run.id, title="Vi spurte – dere svarte")
    db.session.add(report)
    db.session.flush()
    plan = followup.adopt_draft(db.session, reviewer, draft, {"adopted_on": date(2026, 11, 1)})
    followup.record_update(db.session, reviewer, plan.measures[0], {"status": "in_progress", "progress": 40,
                                                                     "text": "Startet i januar"})
    db.session.commit()
    return {"process": process, "activity": activity, "free": free, "rating": rating, "council": council,
            "submission": submission, "inputs": inputs, "run": run, "bus": bus, "food": food, "draft": draft,
            "report": report, "reviewer": reviewer, "admin": admin}


def make_token(user, scopes=("read",), days=30, name="Analyse"):
    token = tokens.PREFIX + secrets.token_urlsafe(32)
    tokens.create_token(db.session, None, user, name=name, scopes=list(scopes), expires_dt=utcnow() + timedelta(days=days),
                        token=token)
    db.session.commit()
    return token


def auth(token: str, **headers) -> dict:
    return {"Authorization": f"Bearer {token}", **headers}


def problem(response, status: int) -> dict:
    assert response.status_code == status, (response.status_code, response.get_data(as_text=True)[:500])
    assert response.mimetype == "application/problem+json"
    body = response.get_json()
    assert body["status"] == status and body["title"] and body["detail"]
    assert set(body["i18n"]) == {"nb", "en"} and body["i18n"]["nb"]["detail"] != body["i18n"]["en"]["detail"]
    assert body["type"].endswith(body["type"].rsplit("#", 1)[-1]) and "#problem-" in body["type"]
    return body


# --- the document -------------------------------------------------------------------------------


def test_the_document_is_valid_openapi_3_1(app, client):
    r = client.get("/api/v1/openapi.json")
    assert r.status_code == 200
    doc = r.get_json()
    assert doc["openapi"] == "3.1.0"
    validate_spec(doc)
    paths = set(doc["paths"])
    for path in ("/api/v1/processes", "/api/v1/processes/{process_id}/inputs", "/api/v1/processes/{process_id}/themes",
                 "/api/v1/processes/{process_id}/placements", "/api/v1/processes/{process_id}/assessments",
                 "/api/v1/drafts/{draft_id}", "/api/v1/reports/{report_id}", "/api/v1/activities/{activity_id}/imports",
                 "/api/v1/processes/{process_id}/placements/confirm", "/api/v1/processes/{process_id}/submissions",
                 "/api/v1/processes/{process_id}/groups", "/api/v1/processes/{process_id}/activities",
                 "/api/v1/processes/{process_id}/plan", "/api/v1/processes/{process_id}/measures"):
        assert path in paths
    assert doc["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"


def test_the_reference_page_is_made_from_the_document(app, client):
    r = client.get("/api/v1/reference")
    assert r.status_code == 200
    html = r.get_data(as_text=True)
    assert "GET /api/v1/processes/{process_id}/inputs" in html
    assert 'id="problem-unauthorized"' in html and 'id="schema-Input"' in html
    assert "cdn" not in html.lower() and "<script" not in html.replace('<script src="/static', "")


def _fill(path: str, ids: dict) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: str(ids[m.group(1)]), path)


def _bodies(world) -> dict:
    return {
        "/api/v1/activities/{activity_id}/imports": {"responses": [
            {"submitted_dt": "2026-05-01T10:00:00+02:00", "group": "Eldrerådet",
             "answers": [{"prompt_id": world["free"].id, "value": "Mer aktivitet for eldre"},
                         {"prompt_id": world["rating"].id, "value": "4"}]}]},
        "/api/v1/processes/{process_id}/placements/confirm": {"placements": [{"input_id": world["inputs"][2].id}]},
    }


def _validator(doc: dict, schema: dict) -> OAS31Validator:
    return OAS31Validator({**schema, "components": doc["components"]})


def test_every_route_in_the_document_answers_as_documented(app, client, world):
    """Walk the document: each operation with a token of every scope it needs answers with a documented
    status and a body of the documented shape; without a token it is a 401 problem."""
    doc = client.get("/api/v1/openapi.json").get_json()
    token = make_token(world["admin"], scopes=("read", "import", "placements"))
    ids = {"process_id": world["process"].id, "activity_id": world["activity"].id,
           "submission_id": world["submission"].id, "input_id": world["inputs"][0].id,
           "draft_id": world["draft"].id, "report_id": world["report"].id}
    bodies = _bodies(world)
    checked = 0
    for path, item in doc["paths"].items():
        for method, op in item.items():
            if method not in ("get", "post"):
                continue
            url = _fill(path, ids)
            anonymous = client.raw.open(url, method=method.upper(), json=bodies.get(path))
            problem(anonymous, 401)
            r = client.raw.open(url, method=method.upper(), json=bodies.get(path), headers=auth(token))
            code = str(r.status_code)
            assert code in op["responses"], (method, path, code, r.get_data(as_text=True)[:300])
            assert code.startswith("2"), (method, path, code, r.get_data(as_text=True)[:300])
            schema = op["responses"][code]["content"]["application/json"]["schema"]
            errors = sorted(_validator(doc, schema).iter_errors(r.get_json()), key=str)
            assert not errors, (method, path, [e.message for e in errors[:3]])
            if "{" in path:  # an id that does not exist: the documented 404 problem
                missing = client.raw.open(_fill(path, dict.fromkeys(ids, 999999)), method=method.upper(),
                                          json=bodies.get(path), headers=auth(token))
                assert "404" in op["responses"], path
                problem(missing, 404)
            if method == "get":
                assert r.headers.get("ETag"), path
                again = client.raw.get(url, headers=auth(token, **{"If-None-Match": r.headers["ETag"]}))
                assert again.status_code == 304, path
            checked += 1
    assert checked >= 20


def test_every_api_view_says_which_scopes_it_needs(app):
    api_views = [rule.endpoint for rule in app.url_map.iter_rules() if rule.rule.startswith("/api/")]
    assert len(api_views) >= 20
    for endpoint in api_views:
        view = app.view_functions[endpoint]
        assert getattr(view, "required_scopes", None) or getattr(view, "is_public", False), endpoint


# --- tokens -------------------------------------------------------------------------------------


def test_tokens_are_stored_hashed_and_refused_when_expired_revoked_or_unknown(app, client, world):
    token = make_token(world["reviewer"])
    row = db.session.scalar(sa.select(ApiToken))
    assert row.token_hash == tokens.token_hash(token) and token not in str(row.__dict__)
    assert client.raw.get("/api/v1/processes", headers=auth(token)).status_code == 200
    assert db.session.get(ApiToken, row.id).last_used_dt is not None
    body = problem(client.raw.get("/api/v1/processes", headers=auth(token + "x")), 401)
    assert body["i18n"]["nb"]["detail"] == "API-nøkkelen er ukjent."
    r = client.raw.get("/api/v1/processes", headers=auth("hrg_nope", **{"Accept-Language": "en"}))
    assert problem(r, 401)["detail"] == "The API token is unknown." and r.headers["WWW-Authenticate"].startswith("Bearer")
    tokens.revoke_token(db.session, world["admin"], row)
    db.session.commit()
    problem(client.raw.get("/api/v1/processes", headers=auth(token)), 401)
    expired = make_token(world["reviewer"], days=1, name="Kort")
    db.session.execute(sa.update(ApiToken).where(ApiToken.token_hash == tokens.token_hash(expired))
                       .values(expires_dt=utcnow() - timedelta(seconds=1), created_dt=utcnow() - timedelta(days=2)))
    db.session.commit()
    assert "utløpt" in problem(client.raw.get("/api/v1/processes", headers=auth(expired)), 401)["detail"]
    actions = set(db.session.scalars(sa.select(AuditEvent.action)))
    assert {"api_token.create", "api_token.revoke"} <= actions


def test_scopes_and_roles_limit_a_token(app, client, world, make_user):
    reader = make_token(world["reviewer"])
    body = problem(client.raw.post(f"/api/v1/processes/{world['process'].id}/placements/confirm",
                                   json={"placements": [{"input_id": world["inputs"][0].id}]}, headers=auth(reader)), 403)
    assert "placements" in body["detail"]
    facilitator = make_user("facilitator")
    from hearing.core.errors import ServiceError

    with pytest.raises(ServiceError):
        make_token(facilitator, scopes=("read", "placements"))
    db.session.rollback()
    with pytest.raises(ServiceError):  # originals only for administrators
        make_token(world["reviewer"], scopes=("read", "originals"))
    db.session.rollback()
    with pytest.raises(ServiceError):
        make_token(world["reviewer"], days=400)
    db.session.rollback()


# --- reading ------------------------------------------------------------------------------------


def test_inputs_are_masked_unless_the_token_has_originals(app, client, world):
    url = f"/api/v1/processes/{world['process'].id}/inputs"
    masked = client.raw.get(url, headers=auth(make_token(world["reviewer"]))).get_json()["items"]
    texts = [i["text"] for i in masked]
    assert not any("912 34 567" in t for t in texts) and all(not i["is_original"] for i in masked)
    sub = client.raw.get(f"/api/v1/submissions/{world['submission'].id}", headers=auth(make_token(world["reviewer"], name="b"))).get_json()
    assert sub["respondent_name"] is None and sub["respondent_email"] is None and sub["on_behalf_of"] == "Eldrerådet"
    admin_token = make_token(world["admin"], scopes=("read", "originals"))
    originals = client.raw.get(url, headers=auth(admin_token)).get_json()["items"]
    assert EMAIL_TEXT in [i["text"] for i in originals]
    sub = client.raw.get(f"/api/v1/submissions/{world['submission'].id}", headers=auth(admin_token)).get_json()
    assert sub["respondent_name"] == "Kari Nordmann"
    reads = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "api.read_originals").order_by(AuditEvent.id)).all()
    assert [e.data["what"] for e in reads] == ["inputs", "submission"]


def test_withdrawn_submissions_keep_their_inputs_out(app, client, world):
    s = world["submission"]
    s.is_withdrawn, s.withdrawn_dt = True, utcnow()
    db.session.commit()
    token = make_token(world["reviewer"])
    items = client.raw.get(f"/api/v1/processes/{world['process'].id}/inputs", headers=auth(token)).get_json()["items"]
    assert len(items) == 2
    sub = client.raw.get(f"/api/v1/submissions/{s.id}", headers=auth(token)).get_json()
    assert sub["is_withdrawn"] and sub["input_ids"] == []
    problem(client.raw.get(f"/api/v1/inputs/{world['inputs'][0].id}", headers=auth(token)), 404)
    themes = client.raw.get(f"/api/v1/processes/{world['process'].id}/themes", headers=auth(token)).get_json()
    assert {t["name"] or t["auto_label"]: t["size"] for t in themes["items"]} == {"Buss": 0, "mat, middag": 2}


def test_cursor_pages_walk_the_whole_list_once(app, client, world):
    activity = world["activity"]
    db.session.add_all([Input(activity_id=activity.id, text=f"Innspill {n}", source="web") for n in range(7)])
    db.session.commit()
    token = make_token(world["reviewer"])
    url = f"/api/v1/processes/{world['process'].id}/inputs?limit=3"
    seen, cursor, pages = [], None, 0
    while True:
        page = client.raw.get(url + (f"&cursor={cursor}" if cursor else ""), headers=auth(token)).get_json()
        seen += [i["id"] for i in page["items"]]
        pages += 1
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert pages == 4 and len(seen) == len(set(seen)) == 11 and seen == sorted(seen)
    body = problem(client.raw.get(url + "&cursor=bogus!", headers=auth(token)), 400)
    assert "cursor" in body["errors"]["query"]
    assert "limit" in problem(client.raw.get(url.replace("limit=3", "limit=0"), headers=auth(token)), 422)["errors"]["query"]


def test_filters_by_activity_theme_and_time(app, client, world):
    token = make_token(world["reviewer"])
    base = f"/api/v1/processes/{world['process'].id}"
    in_bus = client.raw.get(f"{base}/inputs?theme={world['bus'].id}", headers=auth(token)).get_json()["items"]
    assert [i["id"] for i in in_bus] == [i.id for i in world["inputs"][:2]]
    placed = client.raw.get(f"{base}/placements?theme={world['food'].id}", headers=auth(token)).get_json()["items"]
    assert {p["input_id"] for p in placed} == {i.id for i in world["inputs"][2:]}
    later = (utcnow() + timedelta(minutes=5)).isoformat()
    assert client.raw.get(f"{base}/inputs", query_string={"changed_since": later}, headers=auth(token)).get_json()["items"] == []
    other = Activity(process=world["process"], kind="survey", title="Annen")
    db.session.add(other)
    db.session.commit()
    assert client.raw.get(f"{base}/inputs?activity={other.id}", headers=auth(token)).get_json()["items"] == []
    problem(client.raw.get(f"{base}/inputs?theme=999999", headers=auth(token)), 422)
    problem(client.raw.get(f"{base}/inputs?activity=999999", headers=auth(token)), 422)
    problem(client.raw.get(f"{base}/inputs?changed_since=igår", headers=auth(token)), 422)
    problem(client.raw.get("/api/v1/processes/999999/inputs", headers=auth(token)), 404)
    problem(client.raw.get("/api/v1/no-such-thing", headers=auth(token)), 404)
    problem(client.raw.delete(f"{base}/inputs", headers=auth(token)), 405)


def test_field_messages_are_in_bokmaal_and_english(app, client, world):
    token = make_token(world["reviewer"], scopes=("read", "import"))
    base = f"/api/v1/processes/{world['process'].id}/inputs"
    body = problem(client.raw.get(f"{base}?changed_since=yesterday&limit=0&cursor=bogus!", headers=auth(token)), 422)
    assert body["errors"]["query"]["changed_since"] == [
        "Ikke et gyldig tidspunkt (ISO 8601, for eksempel 2026-05-01T10:00:00+02:00)."]
    assert body["errors"]["query"]["limit"] == ["Må være fra og med 1 til og med 500."]
    assert body["i18n"]["en"]["errors"]["query"]["limit"] == ["Must be greater than or equal to 1 and less than or equal to 500."]
    english = problem(client.raw.get(f"{base}?changed_since=yesterday", headers=auth(token, **{"Accept-Language": "en"})), 422)
    assert english["errors"]["query"]["changed_since"] == ["Not a valid datetime."]
    assert english["i18n"]["nb"]["errors"] == errors_nb(english["errors"])
    url = f"/api/v1/activities/{world['activity'].id}/imports"
    bad = {"responses": [{"group": "Finnes ikke", "surprise": 1,
                          "answers": [{"prompt_id": world["rating"].id, "value": "fem"}, {"prompt_id": 999999, "value": "x"}]},
                         {"answers": []}]}
    first = problem(client.raw.post(url, json=bad, headers=auth(token)), 422)
    second = {"responses": bad["responses"][:1]}
    second["responses"][0].pop("surprise")
    second = problem(client.raw.post(url, json=second, headers=auth(token)), 422)
    for body in (first, second):
        assert _messages(body["errors"]) == _messages(body["i18n"]["nb"]["errors"])
        untranslated = [t for t in _messages(body["i18n"]["en"]["errors"]) if field_message_nb(t) == t]
        assert untranslated == [], untranslated  # every message has its bokmål text
    assert "Ukjent felt." in _messages(first["errors"]) and "Lengden må være mellom 1 og 200." in _messages(first["errors"])
    assert {"Ikke en respondentgruppe i prosessen.", "En vurdering må være et helt tall fra 1 til 5.",
            "Ikke et spørsmål i aktiviteten."} <= set(_messages(second["errors"]))


def _messages(errors) -> list[str]:
    if isinstance(errors, dict):
        return [m for value in errors.values() for m in _messages(value)]
    if isinstance(errors, list):
        return [m for value in errors for m in _messages(value)]
    return [errors]


def test_etag_changes_when_the_data_changes(app, client, world):
    token = make_token(world["reviewer"])
    url = f"/api/v1/processes/{world['process'].id}/themes"
    first = client.raw.get(url, headers=auth(token))
    world["food"].name = "Mat og måltider"
    db.session.commit()
    second = client.raw.get(url, headers=auth(token, **{"If-None-Match": first.headers["ETag"]}))
    assert second.status_code == 200 and second.headers["ETag"] != first.headers["ETag"]


def test_draft_has_its_parts_and_the_plan_its_measures(app, client, world):
    token = make_token(world["reviewer"])
    draft = client.raw.get(f"/api/v1/drafts/{world['draft'].id}", headers=auth(token)).get_json()
    assert draft["title"] == "Utkast 1" and len(draft["focus_areas"]) == 1
    area = draft["focus_areas"][0]
    assert area["theme_id"] == world["food"].id
    assert area["strategies"][0]["input_ids"] == [world["inputs"][3].id]
    assert area["strategies"][0]["measures"][0]["text"] == "Middagsklubb på bydelshuset"
    base = f"/api/v1/processes/{world['process'].id}"
    assert client.raw.get(f"{base}/plan", headers=auth(token)).get_json()["plan"]["adopted_on"] == "2026-11-01"
    measures = client.raw.get(f"{base}/measures", headers=auth(token)).get_json()["items"]
    assert [(m["status"], m["progress"]) for m in measures] == [("in_progress", 40)]
    assert measures[0]["updates"][-1]["text"] == "Startet i januar"
    later = (utcnow() + timedelta(minutes=5)).isoformat()
    assert client.raw.get(f"{base}/measures", query_string={"changed_since": later}, headers=auth(token)).get_json()["items"] == []
    report = client.raw.get(f"/api/v1/reports/{world['report'].id}", headers=auth(token)).get_json()
    assert report["markdown"].startswith("#")


def test_requests_are_rate_limited_per_token(app, client, world):
    app.config["API_RATE_LIMIT"] = "3/minute"
    token = make_token(world["reviewer"])
    codes = [client.raw.get("/api/v1/processes", headers=auth(token)).status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    other = make_token(world["admin"])
    assert client.raw.get("/api/v1/processes", headers=auth(other)).status_code == 200
    problem(client.raw.get("/api/v1/processes", headers=auth(token)), 429)


# --- writing ------------------------------------------------------------------------------------


def test_import_adds_responses_once_and_refuses_bad_ones_whole(app, client, world):
    token = make_token(world["reviewer"], scopes=("read", "import"))
    url = f"/api/v1/activities/{world['activity'].id}/imports"
    body = _bodies(world)["/api/v1/activities/{activity_id}/imports"]
    body["responses"].append({"respondent_name": "Ola", "answers": [{"prompt_id": world["free"].id,
                                                                       "value": "Benker langs turveien"}]})
    before = db.session.scalar(sa.select(sa.func.count()).select_from(Submission))
    r = client.raw.post(url, json=body, headers=auth(token))
    assert r.status_code == 201, r.get_data(as_text=True)
    result = r.get_json()
    assert result["rows"] == 2 and result["inputs"] == 2 and result["answers"] == 1 and len(result["submission_ids"]) == 2
    first = db.session.get(Submission, result["submission_ids"][0])
    assert first.source == "import" and first.group_id == world["council"].id
    assert first.submitted_dt.isoformat().startswith("2026-05-01T08:00")
    again = client.raw.post(url, json=body, headers=auth(token)).get_json()
    assert again["rows"] == 0 and again["duplicates"] == 2 and again["submission_ids"] == []
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Submission)) == before + 2
    bad = {"responses": [
        {"answers": [{"prompt_id": world["free"].id, "value": "Helt greit svar"}]},
        {"group": "Finnes ikke", "answers": [{"prompt_id": world["rating"].id, "value": "fem"},
                                              {"prompt_id": 999999, "value": "x"}]},
    ]}
    errors = problem(client.raw.post(url, json=bad, headers=auth(token)), 422)["errors"]["json"]["responses"]
    assert set(errors) == {"1"} and set(errors["1"]) == {"group", "answers"} and set(errors["1"]["answers"]) == {"0", "1"}
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Submission)) == before + 2  # nothing half-written
    problem(client.raw.post(url, json={"responses": []}, headers=auth(token)), 422)
    problem(client.raw.post(url, data="ikke json", headers=auth(token, **{"Content-Type": "application/json"})), 400)
    assert "api.import" in set(db.session.scalars(sa.select(AuditEvent.action)))


def test_confirming_placements_uses_the_review_groups_decisions(app, client, world):
    token = make_token(world["reviewer"], scopes=("read", "placements"))
    url = f"/api/v1/processes/{world['process'].id}/placements/confirm"
    inputs, bus, food = world["inputs"], world["bus"], world["food"]
    r = client.raw.post(url, headers=auth(token), json={"placements": [
        {"input_id": inputs[0].id},  # confirmed where it is: a pin
        {"input_id": inputs[2].id, "theme_id": bus.id},  # the engine's suggestion: accepted
        {"input_id": inputs[3].id, "theme_id": food.id},  # where it is, named: a pin
        {"input_id": inputs[1].id, "theme_id": food.id},  # somewhere else: a move
    ]})
    assert r.status_code == 200, r.get_data(as_text=True)
    result = r.get_json()
    assert (result["confirmed"], result["moved"], result["unchanged"]) == (3, 1, 0)
    assert all(p["is_confirmed"] for p in result["placements"])
    kinds = [d.kind for d in db.session.scalars(sa.select(ThemeDecision).order_by(ThemeDecision.id))]
    assert kinds == ["pin", "confirm", "pin", "move"]
    again = client.raw.post(url, headers=auth(token), json={"placements": [{"input_id": inputs[0].id}]}).get_json()
    assert again["unchanged"] == 1
    bad = client.raw.post(url, headers=auth(token), json={"placements": [
        {"input_id": inputs[0].id, "theme_id": bus.id}, {"input_id": 999999}, {"input_id": inputs[1].id, "theme_id": 999999}]})
    errors = problem(bad, 422)["errors"]["json"]["placements"]
    assert set(errors) == {"1", "2"}
    assert len(db.session.scalars(sa.select(ThemeDecision)).all()) == 4  # nothing half-written


# --- the administrators' page -------------------------------------------------------------------


def test_an_administrator_makes_shows_once_and_revokes_a_token(app, admin_client, world, make_user):
    from tests.conftest import text_of

    page = admin_client.get("/admin/api-tokens/")
    assert page.status_code == 200 and "Ny nøkkel" in text_of(page)
    expires = (utcnow() + timedelta(days=30)).date().isoformat()
    data = {"user_id": str(world["reviewer"].id), "name": "Power BI", "scopes": ["read", "placements"],
            "expires": expires}
    from tests.conftest import hidden_fields

    fields = hidden_fields(page.get_data(as_text=True))
    first = admin_client.raw.post("/admin/api-tokens/", data={**fields, **data})
    assert first.status_code == 302 and "/nokkel" in first.location
    second = admin_client.raw.post("/admin/api-tokens/", data={**fields, **data})  # a double click
    assert second.location == first.location
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ApiToken)) == 1
    shown = admin_client.get(first.location)
    token = re.search(r'value="(hrg_[^"]+)"', shown.get_data(as_text=True)).group(1)
    assert admin_client.raw.get("/api/v1/processes", headers=auth(token)).status_code == 200
    listing = text_of(admin_client.get("/admin/api-tokens/"))
    assert "Power BI" in listing and token not in listing and token[:12] in listing
    # a facilitator cannot be given a placements token: the form says so and keeps what was typed
    facilitator = make_user("facilitator")
    refused = admin_client.submit("/admin/api-tokens/", {**data, "user_id": str(facilitator.id), "name": "Feil"})
    assert refused.status_code == 422
    assert "har ikke en rolle som gir tilgangen" in text_of(refused) and 'value="Feil"' in refused.get_data(as_text=True)
    row = db.session.scalar(sa.select(ApiToken))
    revoke_page = admin_client.get("/admin/api-tokens/")
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', revoke_page.get_data(as_text=True)).group(1)
    assert admin_client.raw.post(f"/admin/api-tokens/{row.id}/revoke", data={"csrf_token": csrf}).status_code == 302
    problem(admin_client.raw.get("/api/v1/processes", headers=auth(token)), 401)
    assert admin_client.get(first.location).status_code == 410


def test_only_administrators_open_the_token_page(app, client, world):
    client.login(world["reviewer"].email)
    assert client.get("/admin/api-tokens/").status_code == 403


# --- one schema description for the API and the backup ------------------------------------------


def test_the_backup_is_checked_with_the_apis_field_descriptions(app, world, tmp_path):
    from hearing.api import schemas
    from hearing.api.rows import row_schema
    from hearing.exports import backup
    from hearing.models import Process

    # the API's resources are made of the stored rows' fields
    assert type(schemas.InputSchema._declared_fields["created_dt"]) is type(row_schema("inputs")._declared_fields["created_dt"])
    data = backup.export_process(db.session, world["process"], upload_folder=str(tmp_path))
    backup.check_rows(data)  # a backup made here passes
    data["tables"]["inputs"][0]["activity_id"] = "ikke et tall"
    data["tables"]["submissions"][0]["submitted_dt"] = "i går"
    db.session.delete(db.session.get(ProcessIdentity, world["process"].id))
    db.session.commit()
    before = db.session.scalar(sa.select(sa.func.count()).select_from(Process))
    with pytest.raises(backup.BackupError) as exc:
        backup.import_process(db.session, None, data, upload_folder=str(tmp_path))
    assert "inputs" in str(exc.value) or "submissions" in str(exc.value)
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Process)) == before  # nothing written


def test_import_with_source_ids_updates_a_changed_response(app, client, world):
    token = make_token(world["reviewer"], scopes=("read", "import"))
    url = f"/api/v1/activities/{world['activity'].id}/imports"
    free = world["free"].id
    first = {"responses": [{"source_id": "R-1", "answers": [{"prompt_id": free, "value": "Flere benker"}]},
                           {"source_id": "R-2", "answers": [{"prompt_id": free, "value": "Bedre lys"}]}]}
    assert client.raw.post(url, json=first, headers=auth(token)).get_json()["rows"] == 2
    changed = {"responses": [{"source_id": "R-1", "answers": [{"prompt_id": free, "value": "Flere benker ved sjøen"}]},
                             {"source_id": "R-2", "answers": [{"prompt_id": free, "value": "Bedre lys"}]}]}
    result = client.raw.post(url, json=changed, headers=auth(token)).get_json()
    assert (result["rows"], result["updated"], result["duplicates"]) == (0, 1, 1), result
    texts = set(db.session.scalars(sa.select(Input.text).where(Input.activity_id == world["activity"].id)))
    assert "Flere benker ved sjøen" in texts and "Flere benker" not in texts
    mixed = {"responses": [{"source_id": "R-3", "answers": [{"prompt_id": free, "value": "x"}]},
                           {"answers": [{"prompt_id": free, "value": "y"}]}]}
    assert "source_id" in problem(client.raw.post(url, json=mixed, headers=auth(token)), 422)["errors"]["json"]
