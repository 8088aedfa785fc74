"""One rule for who commits: services raise a DomainError (with field errors) and flush; views commit
through one helper, and one helper shows any service error on a form, keeping what was typed."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from flask_wtf import FlaskForm
from wtforms import StringField

from hearing.actions import refuse_form, save
from hearing.auth.services import LoginError
from hearing.core.errors import DomainError, ServiceError
from hearing.exports.backup import BackupError
from hearing.exports.jobs import ExportError
from hearing.extensions import db
from hearing.grouping.bulk import BulkError
from hearing.grouping.confirm import ConfirmError
from hearing.grouping.service import ThemeServiceError
from hearing.imports.files import ImportFileError
from hearing.imports.services import MappingError
from hearing.jobs import JobError
from hearing.models import Process
from hearing.participation.services import ResponseError
from hearing.participation.uploads import UploadError
from hearing.review.board import BoardError
from hearing.workshop.services import NoteError


@pytest.mark.parametrize("error", [ServiceError, LoginError, BackupError, ExportError, BulkError, ConfirmError,
                                   ThemeServiceError, ImportFileError, MappingError, JobError, UploadError,
                                   BoardError, NoteError])
def test_every_service_error_is_a_domain_error(error):
    exc = error("Skriv en tittel.")
    assert isinstance(exc, DomainError) and str(exc) == "Skriv en tittel." and exc.errors == {}


def test_errors_that_were_value_errors_still_are():
    for error in (ServiceError, LoginError, ImportFileError, MappingError, UploadError, NoteError, ResponseError):
        assert issubclass(error, ValueError)


def test_field_errors_and_the_message():
    exc = ResponseError({"consent": "Velg om svaret kan publiseres.", "statement": "Skriv forslaget ditt."})
    assert isinstance(exc, DomainError) and exc.errors["consent"] == "Velg om svaret kan publiseres."
    assert str(exc) == "Velg om svaret kan publiseres.; Skriv forslaget ditt."
    assert DomainError("Alt", errors={"title": "Tittel"}).message == "Alt"


class _Form(FlaskForm):
    name = StringField()
    title = StringField()


def test_refuse_form_puts_each_message_by_its_field_and_keeps_the_typed_text(app, make_process):
    with app.test_request_context(method="POST", data={"name": "Strategiplan", "title": "Utkast"}):
        form = _Form(meta={"csrf": False})
        form.validate()
        make_process(name="Rullet tilbake")  # committed by the factory
        db.session.add(Process(name="Ikke lagret", slug="ikke-lagret", service_area="x", owner="y"))
        refuse_form(form, DomainError(errors={"title": "Tittelen er brukt.", "other": "Noe annet er galt."}))
        assert form.title.errors == ["Tittelen er brukt."] and form.form_errors == ["Noe annet er galt."]
        assert form.name.data == "Strategiplan" and form.title.data == "Utkast"
        refuse_form(form, ServiceError("Prosessen er arkivert."))
        assert form.form_errors[-1] == "Prosessen er arkivert."
    assert db.session.scalars(sa.select(Process.name)).all() == ["Rullet tilbake"]  # the refused change is gone


def test_save_commits_or_shows_the_error(app):
    with app.test_request_context(method="POST", data={"name": "x"}):
        form = _Form(meta={"csrf": False})

        def good():
            db.session.add(Process(name="Lagret", slug="lagret", service_area="x", owner="y"))
            db.session.flush()

        def bad():
            db.session.add(Process(name="Avvist", slug="avvist", service_area="x", owner="y"))
            db.session.flush()
            raise ServiceError("Navnet er i bruk.")

        assert save(form, good) is True
        assert save(form, bad) is False and form.form_errors == ["Navnet er i bruk."]
    db.session.remove()
    assert db.session.scalars(sa.select(Process.name)).all() == ["Lagret"]
