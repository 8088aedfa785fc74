"""The answer form's cached activity: each visitor's page carries their own secrets, and changes show."""

from __future__ import annotations

import re

import sqlalchemy as sa
from flask import Flask

from hearing.extensions import db
from hearing.models import Input, Section, Submission
from hearing.participation import form_cache
from tests.conftest import Client, hidden_fields
from tests.test_participation import world  # noqa: F401  (fixture)

SECRETS = re.compile(r'name="(csrf_token|submission_key)" value="[^"]*"')


def _fresh_client(app: Flask) -> Client:
    return Client(app.test_client())


def test_each_visitor_gets_own_token_and_key(app, world):  # noqa: F811
    url = f"/delta/{world['hearing'].id}"
    one, two = _fresh_client(app), _fresh_client(app)
    page_one, page_two = one.get(url).get_data(as_text=True), two.get(url).get_data(as_text=True)
    assert SECRETS.sub("", page_one) == SECRETS.sub("", page_two)  # the same page…
    fields_one, fields_two = hidden_fields(page_one), hidden_fields(page_two)
    assert fields_one["csrf_token"] != fields_two["csrf_token"]  # …with each visitor's own secrets
    assert fields_one["submission_key"] != fields_two["submission_key"]
    assert "csrf" not in fields_one["submission_key"] and len(fields_one["submission_key"]) >= 32
    section = world["doc"].sections[1]
    for client, fields in ((one, fields_one), (two, fields_two)):
        r = client.post(url, data={**fields, f"section-{section.id}": "Flere faste stillinger.", "consent": "without_name"})
        assert r.status_code == 302 and "/svar/" in r.location
    # Another visitor's token is refused: the page looks the same, the session's CSRF secret is not shared.
    fresh = _fresh_client(app)
    r = fresh.post(url, data={**fields_one, "submission_key": "other-key-123", f"section-{section.id}": "Tekst", "consent": "without_name"})
    assert r.status_code == 400 and "Tekst" in r.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(Submission.id))) == 2
    stored = db.session.scalars(sa.select(Input)).all()
    assert len(stored) == 2
    # Stored through the ORM: the column defaults and the masking apply.
    assert {(i.source, i.section_id, i.text_masked) for i in stored} == {("web", section.id, "Flere faste stillinger.")}
    assert all(i.created_dt is not None for i in stored)


def test_staff_and_visitors_with_messages_get_their_own_page(app, world, make_user):  # noqa: F811
    url = f"/delta/{world['hearing'].id}"
    anonymous = _fresh_client(app)
    assert "Logg ut" not in anonymous.get(url).get_data(as_text=True)
    staff = _fresh_client(app)
    user = make_user("reviewer")
    assert staff.login(user.email).status_code == 302
    assert f"Logg ut ({user.name})" in staff.get(url).get_data(as_text=True)
    with anonymous.raw.session_transaction() as s:
        s["_flashes"] = [("success", "Melding til akkurat denne personen")]
    assert "Melding til akkurat denne personen" in anonymous.get(url).get_data(as_text=True)
    assert "Melding til akkurat denne personen" not in _fresh_client(app).get(url).get_data(as_text=True)


def test_a_change_in_this_process_shows_at_once(app, world):  # noqa: F811
    url = f"/delta/{world['hearing'].id}"
    client = _fresh_client(app)
    assert "Heltid" in client.get(url).get_data(as_text=True)
    section = db.session.get(Section, world["doc"].sections[1].id)
    section.title = "Heltid og faste stillinger"
    db.session.commit()
    assert "Heltid og faste stillinger" in client.get(url).get_data(as_text=True)
    world["process"].is_public = False
    db.session.commit()
    assert client.get(url).status_code == 404


def test_a_change_in_another_process_shows_within_max_age(app, world, monkeypatch):  # noqa: F811
    url = f"/delta/{world['hearing'].id}"
    client = _fresh_client(app)
    assert "Offentlig høring" in client.get(url).get_data(as_text=True)
    # As another app process would: straight to the database, no flush in this process.
    db.session.execute(sa.text("UPDATE activities SET title = 'Ny tittel' WHERE id = :id"), {"id": world["hearing"].id})
    db.session.commit()
    db.session.expire_all()
    assert "Ny tittel" not in client.get(url).get_data(as_text=True)  # still the cached form
    now = form_cache.time.monotonic()
    monkeypatch.setattr(form_cache.time, "monotonic", lambda: now + app.config["PUBLIC_FORM_CACHE_SECONDS"] + 1)
    assert "Ny tittel" in client.get(url).get_data(as_text=True)


def test_without_cache_every_request_reads_the_database(app, world):  # noqa: F811
    app.config["PUBLIC_FORM_CACHE_SECONDS"] = 0
    url = f"/delta/{world['hearing'].id}"
    client = _fresh_client(app)
    assert "Offentlig høring" in client.get(url).get_data(as_text=True)
    db.session.execute(sa.text("UPDATE activities SET title = 'Ny tittel' WHERE id = :id"), {"id": world["hearing"].id})
    db.session.commit()
    assert "Ny tittel" in client.get(url).get_data(as_text=True)


def test_receipt_names_the_section_and_question_from_the_cached_activity(app, world):  # noqa: F811
    client = _fresh_client(app)
    url = f"/delta/{world['hearing'].id}"
    section = world["doc"].sections[1]
    r = client.submit(url, {f"section-{section.id}": "Flere faste stillinger.", "statement": "Bra plan.", "consent": "without_name"})
    page = client.get(r.location).get_data(as_text=True)
    assert "2 Heltid" in page and "Flere faste stillinger." in page and "Samlet uttalelse" in page
    survey = world["survey"]
    p = {pr.position: pr for pr in survey.prompts}
    r = client.submit(f"/delta/{survey.id}", {f"prompt-{p[1].id}": "4", f"prompt-{p[4].id}": "Mer tid", "consent": "without_name"})
    page = client.get(r.location).get_data(as_text=True)
    assert "Hvor fornøyd er du?:</span> 4" in page and "Hva mangler?" in page and "Mer tid" in page


def test_personal_data_is_masked_on_the_busy_path(app, world):  # noqa: F811
    client = _fresh_client(app)
    r = client.submit(f"/delta/{world['box'].id}", {"statement": "Ring meg på 912 34 567 om benken.",
                                                      "place_name": "Ved huset til ola@example.no", "consent": "without_name"})
    assert r.status_code == 302
    item = db.session.scalar(sa.select(Input))
    assert "912 34 567" in item.text and "912 34 567" not in item.text_masked
    assert "ola@example.no" not in item.place_name


# --- the plain form's shared parts (form_cache.fragments) -----------------------------------------------------


def test_shared_parts_are_rendered_once_and_hold_no_visitor_secret(app, world):  # noqa: F811
    from flask import template_rendered

    url = f"/delta/{world['hearing'].id}"
    seen: list[str] = []

    def note(_app, template, context, **_kw):
        seen.append(template.name)

    template_rendered.connect(note, app)
    try:
        one, two = _fresh_client(app), _fresh_client(app)
        pages = [one.get(url).get_data(as_text=True), two.get(url).get_data(as_text=True)]
    finally:
        template_rendered.disconnect(note, app)
    assert seen.count("participation/_respond_fields.html") == 1  # the second visitor's page reused it
    assert seen.count("participation/respond.html") == 2  # …inside a page rendered for each visitor
    assert len(form_cache._fragments) == 1
    (view, parts), = form_cache._fragments._items.values()
    assert set(parts) == {"head", "fields"} and "Heltid" in parts["fields"]
    for page in pages:
        secrets = hidden_fields(page)
        for part in parts.values():
            assert secrets["csrf_token"] not in part and secrets["submission_key"] not in part
            assert "csrf_token" not in part and "submission_key" not in part


def test_shared_parts_change_after_an_edit_of_the_form(app, world, monkeypatch):  # noqa: F811
    url = f"/delta/{world['hearing'].id}"
    client = _fresh_client(app)
    assert "Flere heltidsstillinger." in client.get(url).get_data(as_text=True)
    section = db.session.get(Section, world["doc"].sections[1].id)
    section.body = "Flere faste stillinger i alle enheter."
    db.session.commit()  # in this process: the snapshot and its parts go at once
    page = client.get(url).get_data(as_text=True)
    assert "Flere faste stillinger i alle enheter." in page and "Flere heltidsstillinger." not in page
    # Changed by another app process: shown when the snapshot is older than max_age, parts and all.
    db.session.execute(sa.text("UPDATE sections SET body = 'Tekst fra en annen prosess.' WHERE id = :id"), {"id": section.id})
    db.session.commit()
    db.session.expire_all()
    assert "Tekst fra en annen prosess." not in client.get(url).get_data(as_text=True)
    now = form_cache.time.monotonic()
    monkeypatch.setattr(form_cache.time, "monotonic", lambda: now + app.config["PUBLIC_FORM_CACHE_SECONDS"] + 1)
    assert "Tekst fra en annen prosess." in client.get(url).get_data(as_text=True)


def test_shared_parts_are_kept_per_language(app, world):  # noqa: F811
    url = f"/delta/{world['hearing'].id}"
    norwegian, english = _fresh_client(app), _fresh_client(app)
    assert "Send svaret" in norwegian.get(url).get_data(as_text=True)
    page = english.get(url + "?lang=en").get_data(as_text=True)
    assert "Send response" in page and "Send svaret" not in page
    assert "Send svaret" in norwegian.get(url).get_data(as_text=True)
    assert "Send response" in english.get(url).get_data(as_text=True)  # the choice is remembered
    assert len(form_cache._fragments) == 2


def test_a_form_with_typed_text_or_errors_is_never_shared(app, world):  # noqa: F811
    url = f"/delta/{world['hearing'].id}"
    client = _fresh_client(app)
    section = world["doc"].sections[1]
    r = client.submit(url, {f"section-{section.id}": "Min egen tekst om turnus.", "respondent_name": "Kari"})
    assert r.status_code == 422  # no consent chosen
    page = r.get_data(as_text=True)
    assert "Min egen tekst om turnus." in page and "Velg om svaret kan publiseres." in page
    assert len(form_cache._fragments) == 1  # only the plain form the GET showed
    (_view, parts), = form_cache._fragments._items.values()
    assert all("Min egen tekst" not in part and "Kari" not in part for part in parts.values())
    other = _fresh_client(app).get(url).get_data(as_text=True)
    assert "Min egen tekst om turnus." not in other and "Velg om svaret kan publiseres." not in other


def test_shared_parts_are_bounded_and_go_with_the_cache(app, world, monkeypatch):  # noqa: F811
    monkeypatch.setattr(form_cache._fragments, "size", 2)
    client = _fresh_client(app)
    for activity in (world["hearing"], world["survey"], world["box"]):
        assert client.get(f"/delta/{activity.id}").status_code == 200
    assert len(form_cache._fragments) == 2
    form_cache.clear()
    assert len(form_cache._fragments) == 0
    client.get(f"/delta/{world['hearing'].id}?lang=en")
    client.get(f"/delta/{world['hearing'].id}/svar")  # not a form: nothing kept for it
    assert len(form_cache._fragments) == 1


def test_static_addresses_are_built_once_per_site_root_and_language_links_keep_the_query(app, make_activity):
    """Templates' url_for keeps a static file's address per site root (a page asks for five); the language
    links of a page without a query are written without urlencode, with one as before."""
    from hearing.core import web

    web._STATIC_URLS.clear()
    client = app.test_client()
    html = client.get("/").get_data(as_text=True)
    version = web._static_version("css/app.css")
    assert f'href="/static/css/app.css?v={version}"' in html and 'href="/?lang=nn"' in html
    prefixed = client.get("/", base_url="http://localhost/medvirkning/").get_data(as_text=True)
    assert f'href="/medvirkning/static/css/app.css?v={version}"' in prefixed
    assert {("", "css/app.css"), ("/medvirkning", "css/app.css")} <= set(web._STATIC_URLS)
    activity = make_activity("suggestions")
    page = client.get(f"/delta/{activity.id}/svar?q=benk&gruppe=2").get_data(as_text=True)
    assert f'href="/delta/{activity.id}/svar?q=benk&amp;gruppe=2&amp;lang=en"' in page


def test_a_static_file_is_kept_by_the_browser_under_its_versioned_address(app, tmp_path, monkeypatch):
    """Every page names five static files: with a version in their addresses a browser keeps them (a year,
    not asked again on reload) instead of asking for each again on every page. A changed file gets a new
    address; an address without a version is asked again every time, as before."""
    import re

    from hearing.core import web

    web._STATIC_URLS.clear()
    client = app.test_client()
    addresses = re.findall(r'(?:href|src)="(/static/[^"]+)"', client.get("/login").get_data(as_text=True))
    assert len(addresses) >= 5 and all(re.search(r"\?v=[0-9a-f]{10}$", a) for a in addresses), addresses
    for address in addresses:
        response = client.get(address)
        assert response.status_code == 200
        assert response.headers["Cache-Control"] == f"public, max-age={365 * 24 * 3600}, immutable"
        response.close()
    plain = client.get("/static/css/app.css")
    assert plain.status_code == 200 and "max-age" not in plain.headers.get("Cache-Control", "")
    plain.close()
    # Another content, another address (in debug mode the version is read again for every page).
    folder = tmp_path / "static"
    (folder / "css").mkdir(parents=True)
    (folder / "css" / "app.css").write_text("body { color: black }")
    monkeypatch.setattr(app, "static_folder", str(folder))
    monkeypatch.setattr(app, "debug", True)
    with app.test_request_context("/"):
        first = web.template_url_for("static", filename="css/app.css")
        (folder / "css" / "app.css").write_text("body { color: navy }")
        assert web.template_url_for("static", filename="css/app.css") != first
    monkeypatch.undo()
    app.config["STATIC_MAX_AGE_SECONDS"] = 0  # turned off: asked again every time
    response = client.get(addresses[0])
    assert "max-age" not in response.headers.get("Cache-Control", "")
    response.close()
