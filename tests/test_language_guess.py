"""A short text is guessed in the process's language unless it clearly reads as another (hearing.themes.text)."""

from __future__ import annotations

import pytest

from hearing.extensions import db
from hearing.models import Activity, Input
from hearing.themes.text import guess_language


@pytest.mark.parametrize(("text", "plain", "default", "guessed"), [
    ("Samme som mange andre", "da", "nb", "nb"),  # a few shared words lean Danish: the process's bokmål wins
    ("Hverdagsrehabilitering har gitt svært gode", "da", "nb", "nb"),
    ("Vi i heimesjukepleia har", "nb", "nn", "nn"),  # a nynorsk note in a nynorsk process
    ("Eldrerådet ber om at kommunen", "nb", "nn", "nn"),
    ("Bedre busser til centret", "nb", "da", "da"),
    ("Tak for mad", "da", "nb", "da"),  # clearly Danish words stay Danish in a Norwegian process
    ("We need more staff", "en", "nb", "en"),
    ("Eg meiner kommunen må gjere meir", "nn", "nb", "nn"),
])
def test_a_short_text_falls_back_to_the_process_language_only_without_clear_evidence(text, plain, default, guessed):
    assert guess_language(text) == plain
    assert guess_language(text, default=default) == guessed


def test_a_long_text_is_guessed_on_its_own_evidence():
    text = "Samme som mange andre har vi sett at hverdagsrehabilitering har gitt svært gode resultater for brukerne"
    assert guess_language(text, default="da") == "nb"
    assert guess_language("1234 !!!", default="nn") == "nn"  # no evidence at all: the process's language


def test_the_note_read_as_danish_last_session_is_bokmal():
    assert guess_language("Notat fra bord 2 hos en annen", default="nb") == "nb"
    assert guess_language("Notat fra bord 2 hos en annen") == "nb"  # "hos" is Norwegian too, "annen" bokmål


def _activity(make_process, language):
    process = make_process(language=language)
    activity = Activity(process=process, kind="workshop", title="Verksted")
    db.session.add(activity)
    db.session.flush()
    return activity


def test_stored_notes_are_guessed_in_their_process_language(make_process):
    nynorsk = _activity(make_process, "nn")
    note = Input(activity_id=nynorsk.id, text="Vi i heimesjukepleia har", source="workshop")
    given = Input(activity_id=nynorsk.id, text="Vi i heimesjukepleia har", lang="nb", source="workshop")
    long = Input(activity_id=nynorsk.id, source="workshop",
                 text="Vi trenger flere ansatte i hjemmetjenesten og bedre tid til hver bruker om kvelden")
    db.session.add_all([note, given, long])
    db.session.commit()
    assert (note.lang, given.lang, long.lang) == ("nn", "nb", "nb")
    assert note.search_stems  # the stems follow the language

    danish = _activity(make_process, "da")
    values = Input.insert_values(activity_id=danish.id, text="Bedre busser til centret", source="import",
                                 default_lang="da")
    assert values["lang"] == "da" and "default_lang" not in values
    assert Input.insert_values(activity_id=danish.id, text="Bedre busser til centret", source="import")["lang"] == "nb"


def test_an_import_guesses_short_answers_in_the_process_language(make_process):
    from hearing.imports.services import MaskMemo

    assert MaskMemo(default_lang="nn")("Vi i heimesjukepleia har", None)["lang"] == "nn"
    assert MaskMemo(default_lang="nn")("Vi i heimesjukepleia har", "nb")["lang"] == "nb"


def test_the_answer_path_reads_the_process_language_from_the_session(make_process):
    """An activity whose process the session holds needs no look-up inside the flush."""
    import sqlalchemy as sa

    activity = _activity(make_process, "nn")
    assert activity.process.language == "nn"  # loaded, as the answer path has it
    seen = []

    def count(conn, cursor, statement, *args):
        seen.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", count)
    try:
        note = Input(activity_id=activity.id, text="Vi i heimesjukepleia har", source="web")
        db.session.add(note)
        db.session.flush()
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", count)
    assert note.lang == "nn" and not [s for s in seen if "JOIN processes" in s]
    db.session.rollback()
