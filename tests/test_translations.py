"""Nynorsk, English and Danish are complete, and the language switch works and is remembered.

Messages are extracted from the sources the way ``make extract`` does (babel.cfg, keywords ``_l`` and
``lazy_gettext``), so a new bokmål string without nn and en translations fails here, even when
messages.pot and the .po files have not been updated yet.
"""

from __future__ import annotations

import ast
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask_babel import lazy_gettext as _l

from hearing.extensions import db
from hearing.models import Activity
from tests.conftest import hidden_fields

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "hearing" / "translations"
LANGUAGES = ("nn", "en", "da")
PLACEHOLDER = re.compile(r"%\(\w+\)[sdif]|%%")


def _extracted() -> dict:
    """msgid (str, or (singular, plural)) -> first location, as ``pybabel extract -F babel.cfg -k _l -k lazy_gettext``."""
    with (ROOT / "babel.cfg").open() as fh:
        method_map, options_map = parse_mapping_cfg(fh, "babel.cfg")
    keywords = {**DEFAULT_KEYWORDS, "_l": None, "lazy_gettext": None}
    found = {}
    for filename, lineno, message, _comments, _context in extract_from_dir(
        str(ROOT), method_map, options_map, keywords=keywords
    ):
        if not message or (isinstance(message, (tuple, list)) and not message[0]):
            continue
        key = tuple(message) if isinstance(message, (tuple, list)) else message
        found.setdefault(key, f"{filename}:{lineno}")
    return found


@pytest.fixture(scope="module")
def extracted() -> dict:
    messages = _extracted()
    assert len(messages) > 100, "extraction found suspiciously few messages"
    return messages


def _catalog(lang: str):
    with (TRANSLATIONS / lang / "LC_MESSAGES" / "messages.po").open("rb") as fh:
        return read_po(fh, locale=lang)


def _placeholders(text: str) -> list[str]:
    return sorted(PLACEHOLDER.findall(text))


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_message_is_translated(lang, extracted):
    catalog = _catalog(lang)
    assert catalog.num_plurals == 2
    problems = []
    for key, where in sorted(extracted.items(), key=lambda kv: kv[1]):
        msgid = key[0] if isinstance(key, tuple) else key
        message = catalog.get(msgid)
        if message is None or not message.id:
            problems.append(f"{where}: missing {msgid!r}")
            continue
        if message.fuzzy:
            problems.append(f"{where}: fuzzy {msgid!r}")
        if isinstance(key, tuple):
            strings = message.string if isinstance(message.string, (tuple, list)) else (message.string,)
            if len(strings) != 2 or not all(strings):
                problems.append(f"{where}: plural forms not translated {msgid!r}")
                continue
            if not isinstance(message.id, (tuple, list)) or message.id[1] != key[1]:
                problems.append(f"{where}: plural msgid changed {key[1]!r}")
            expected = _placeholders(key[1])
            for s in strings:
                if _placeholders(s) != expected:
                    problems.append(f"{where}: placeholders differ in {s!r} (expected {expected})")
        else:
            if not message.string or not isinstance(message.string, str):
                problems.append(f"{where}: untranslated {msgid!r}")
                continue
            if _placeholders(message.string) != _placeholders(msgid):
                problems.append(f"{where}: placeholders differ in {message.string!r} for {msgid!r}")
            if "<" in message.string and "<" not in msgid:
                problems.append(f"{where}: HTML in translation {message.string!r}")
    assert not problems, f"{lang}: {len(problems)} problem(s), run `make extract` and translate:\n" + "\n".join(problems)


@pytest.fixture
def compiled():
    """The app reads .mo files; compile any that are missing or older than their .po (as `make translations`)."""
    for lang in LANGUAGES:
        po = TRANSLATIONS / lang / "LC_MESSAGES" / "messages.po"
        mo = po.with_suffix(".mo")
        if not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime:
            catalog = _catalog(lang)
            with mo.open("wb") as fh:
                write_mo(fh, catalog, use_fuzzy=True)


@pytest.fixture
def dated_activity(make_process):
    process = make_process()
    closes = datetime(datetime.now(UTC).year + 1, 12, 1, 11, 0, tzinfo=UTC)
    activity = Activity(process=process, kind="hearing", title="Offentlig høring", audience="public",
                        opens_dt=datetime.now(UTC) - timedelta(days=1), closes_dt=closes)
    db.session.add(activity)
    db.session.commit()
    return activity


def _html_lang(page: str) -> str:
    return re.search(r'<html lang="([^"]+)"', page).group(1)


@pytest.mark.parametrize(
    ("lang", "heading", "login_heading", "month"),
    [
        ("nn", "Sei meininga di", "Logg inn for tilsette", "desember"),
        ("en", "Have your say", "Staff login", "December"),
        ("da", "Sig din mening", "Log ind for medarbejdere", "december"),
    ],
)
def test_language_switch_renders_and_is_remembered(client, compiled, dated_activity, lang, heading, login_heading, month):
    page = client.get(f"/?lang={lang}").get_data(as_text=True)
    assert _html_lang(page) == lang
    assert heading in page
    assert "Si din mening" not in page
    assert month in page  # the deadline's date follows the language
    assert 'aria-current="true"' in page

    # The next page, without ?lang, stays in the chosen language.
    nxt = client.get("/login").get_data(as_text=True)
    assert _html_lang(nxt) == lang
    assert login_heading in nxt
    again = client.get("/").get_data(as_text=True)
    assert _html_lang(again) == lang and heading in again

    # And back to bokmål.
    nb = client.get("/?lang=nb").get_data(as_text=True)
    assert _html_lang(nb) == "nb"
    assert "Si din mening" in nb and "desember" in nb
    assert _html_lang(client.get("/login").get_data(as_text=True)) == "nb"


def test_unknown_language_falls_back_to_bokmal(client, compiled):
    page = client.get("/?lang=xx").get_data(as_text=True)
    assert _html_lang(page) == "nb"
    assert "Si din mening" in page


def test_dates_numbers_and_the_switch_follow_the_language(app, client, compiled, dated_activity):
    year = dated_activity.closes_dt.year
    page = client.get("/?lang=en").get_data(as_text=True)
    assert f"1 December {year}, 12:00" in page  # English order, no "kl."
    nb = client.get("/?lang=nb").get_data(as_text=True)
    assert f"1. desember {year} kl. 12:00" in nb
    da = client.get("/?lang=da").get_data(as_text=True)
    assert f"1. december {year} kl. 12.00" in da  # Danish writes the time with a full stop
    from flask import render_template_string
    from flask_babel import refresh

    with app.test_request_context("/?lang=en"):
        refresh()  # the test keeps one app context open; forget the locale of earlier requests
        assert render_template_string("{{ 3.25|num }} {{ 38|pct }}") == "3.2 38%"
    with app.test_request_context("/?lang=nb"):
        refresh()
        assert render_template_string("{{ 3.25|num }}") == "3,2"
        assert render_template_string("{{ 38|pct }}").replace("\xa0", " ") == "38 %"
    with app.test_request_context("/?lang=da"):
        refresh()
        assert render_template_string("{{ 1234.5|num }}") == "1.234,5"  # Danish: full stop for thousands, comma for decimals
    # The switch keeps the rest of the address (filters, search, page) and changes only the language.
    page = client.get("/login?next=/admin/&lang=nn").get_data(as_text=True)
    assert 'href="/login?next=%2Fadmin%2F&amp;lang=en"' in page


def test_the_language_choice_outlives_the_session(app, compiled):
    browser = app.test_client()
    browser.get("/?lang=en")
    assert browser.get_cookie("lang").value == "en"
    browser.delete_cookie("session")  # the browser was closed: the session cookie is gone, the language cookie stays
    assert _html_lang(browser.get("/").get_data(as_text=True)) == "en"


# --- messages from Python code ---------------------------------------------------------------------

#: Exceptions whose messages never reach a page: for developers, in English.
DEVELOPER_ERRORS = {"ValueError", "TypeError", "RuntimeError", "KeyError", "NotImplementedError", "AssertionError", "AttributeError",
                    # their argument is a reason code ("broken", "size"), which the caller turns into a message
                    "ArchiveError", "ExtractError", "TableError",
                    # SQLAlchemy's signal to its pool to replace a connection; never shown to anyone
                    "DisconnectionError"}
#: Files whose messages are for a command line in bokmål only (``flask themes group``), never a page.
BOKMAL_ONLY_FILES = {"hearing/themes/files.py"}


def _raw_text(node) -> bool:
    """A string literal, f-string or concatenation of them: text that skips translation."""
    if isinstance(node, ast.Constant):
        return isinstance(node.value, str)
    if isinstance(node, ast.JoinedStr):
        return True
    if isinstance(node, ast.BinOp):
        return _raw_text(node.left) or _raw_text(node.right)
    return False


def test_errors_raised_with_messages_are_translatable():
    """``raise SomeError("bokmål …")`` reaches pages via str(exc); it must be ``_l("…")`` (or ``_("…")``)."""
    problems = []
    for path in sorted((ROOT / "hearing").rglob("*.py")):
        rel = path.relative_to(ROOT).as_posix()
        if rel in BOKMAL_ONLY_FILES or "/migrations/" in rel:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Raise) or not isinstance(node.exc, ast.Call):
                continue
            func = node.exc.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if not name.endswith("Error") or name in DEVELOPER_ERRORS:
                continue
            args = list(node.exc.args) + [kw.value for kw in node.exc.keywords]
            if any(_raw_text(a) for a in args):
                problems.append(f"{rel}:{node.lineno}: raise {name}(…) with untranslated text")
    assert not problems, "wrap the message in _l(\"…\") (placeholders as %(name)s):\n" + "\n".join(problems)


def test_lazy_messages_outside_a_request_are_bokmal(app):
    """Background jobs and the CLI have no reader: the message is the default bokmål, and it does not fail."""
    from hearing.core.errors import ServiceError

    with app.app_context():
        assert str(ServiceError(_l("Fasen hører ikke til denne prosessen."))) == "Fasen hører ikke til denne prosessen."


def test_service_messages_follow_the_language(client, compiled, make_process, make_user):
    """A warning made in Python (the draft's focus areas) and a response error are shown in English with ?lang=en."""
    from hearing.drafting.services import create_draft

    process = make_process()
    reviewer = make_user("reviewer")
    draft = create_draft(db.session, reviewer, process, {"title": "Utkast"}, copy=False)
    box = Activity(process=process, kind="suggestions", title="Benkeforslag", audience="public",
                   opens_dt=datetime.now(UTC) - timedelta(days=1), closes_dt=datetime.now(UTC) + timedelta(days=10))
    db.session.add(box)
    db.session.commit()
    assert not draft.focus_areas

    assert client.login(reviewer.email).status_code == 302
    page = client.get(f"/drafts/{draft.id}?lang=en").get_data(as_text=True)
    assert "The draft has 0 focus areas. A plan usually has 3–5." in page
    assert "satsningsområder" not in page

    url = f"/delta/{box.id}"
    fields = hidden_fields(client.get(url).get_data(as_text=True))
    r = client.post(url, data={**fields, "statement": "", "consent": "without_name"}, content_type="multipart/form-data")
    assert r.status_code == 422
    page = r.get_data(as_text=True)
    assert "Write your suggestion." in page and "Skriv forslaget ditt." not in page


@pytest.mark.parametrize("lang", LANGUAGES)
def test_catalogues_compile_without_format_errors(lang):
    """What `pybabel compile` (so `make run` and `make test`) refuses: a translation whose
    placeholders do not match its source, e.g. '80 % eller mer' read as the format '% e'."""
    with (TRANSLATIONS / lang / "LC_MESSAGES" / "messages.po").open("rb") as fh:
        catalog = read_po(fh)
    errors = [(message.id, str(err)) for message, errs in catalog.check() for err in errs]
    assert errors == []
