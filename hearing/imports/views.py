"""Upload an export, map its columns to prompts, import. Reviewers only."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.exc import IntegrityError

from hearing.auth import role_required
from hearing.extensions import db
from hearing.forms import choices, local_zone
from hearing.grouping.service import schedule_after_commit
from hearing.idempotency import once
from hearing.imports import bp, forms, services
from hearing.imports.files import ImportFileError, Table
from hearing.models import Activity, utcnow
from hearing.models.processes import QuestionType
from hearing.privacy import mask

PREVIEW_ROWS = 5


def _activity(activity_id: int) -> Activity:
    return db.session.get(Activity, activity_id) or abort(404)


@bp.route("/activities/<int:activity_id>", methods=["GET", "POST"])
@role_required("reviewer")
def upload(activity_id: int):
    activity = _activity(activity_id)
    form = forms.UploadForm()
    if form.validate_on_submit():
        storage = form.file.data
        try:
            file_id, _table = services.store_upload(current_app.config["UPLOAD_FOLDER"], storage.read(), storage.filename or "")
        except ImportFileError as exc:
            form.file.errors.append(str(exc))
        else:
            return redirect(url_for("imports.mapping", activity_id=activity.id, file_id=file_id))
    return render_template("imports/upload.html", activity=activity, process=activity.process, form=form)


#: Words in a column name that say it is the time of the answer, best first (Forms has start and completion).
TIME_WORDS = ("fullføringstidspunkt", "completion time", "innsendt", "tidsstempel", "timestamp", "tidspunkt", "dato")


def _guess(table: Table, activity: Activity) -> dict[int, str]:
    """A first suggestion for each column, from its name; the reviewer changes what is wrong."""
    guesses: dict[int, str] = {}
    prompts = list(activity.prompts)
    times: list[tuple[int, int]] = []
    for index, column in enumerate(table.columns):
        name = column.casefold()
        target = ""
        for prompt in prompts:
            text = prompt.text.casefold().strip()
            if text and (text == name or text in name or (len(name) > 8 and name in text)):
                target = f"prompt:{prompt.id}"
                break
        if not target:
            if name in ("navn", "name", "fullt navn", "respondent") or name.endswith(" navn"):
                target = services.NAME
            elif name in ("gruppe", "respondentgruppe", "group", "interessentgruppe"):
                target = services.GROUP
            elif (rank := next((i for i, w in enumerate(TIME_WORDS) if w in name), None)) is not None:
                times.append((rank, index))
        if target in (services.NAME, services.GROUP) and target in guesses.values():
            target = ""
        if target:
            guesses[index] = target
    if times:
        guesses[min(times)[1]] = services.TIME
    return guesses


def _report(result: services.ImportResult) -> None:
    flash(_("Importert: %(rows)d svar med %(inputs)d innspill og %(answers)d vurderinger og valg. "
            "Hoppet over %(dup)d rader som var importert før og %(empty)d tomme rader.",
            rows=result.rows, inputs=result.inputs, answers=result.answers,
            dup=result.duplicates, empty=result.empty), "success")
    if result.warnings:
        flash(_("Merknader: %(list)s", list=" · ".join(result.warnings)), "warning")


def _examples(table: Table) -> list[str]:
    return [mask(next((r.cells[i] for r in table.rows if r.cells[i]), "")) for i in range(len(table.columns))]


def _preview(table: Table) -> list[list[str]]:
    """The first rows as reviewers may see them: personal data masked, as everywhere else."""
    return [[mask(cell) for cell in row] for row in table.preview(PREVIEW_ROWS)]


def _targets_from(form_data, n_columns: int) -> dict[int, str]:
    return {i: form_data.get(f"col-{i}", "") for i in range(n_columns)}


def _target_choices(activity: Activity) -> list[tuple[str, str]]:
    kinds = {
        QuestionType.FREE_TEXT: _("fritekst blir innspill"),
        QuestionType.RATING: _("vurdering 1–5"),
        QuestionType.SINGLE_CHOICE: _("ett valg"),
        QuestionType.MULTIPLE_CHOICE: _("flere valg, skilt med semikolon"),
    }
    out = [("", _("Ikke importer"))]
    out += [(f"prompt:{p.id}", f"{p.position}. {p.text} ({kinds.get(p.question_type, p.question_type)})") for p in activity.prompts]
    out += [(services.NAME, _("Navn på respondenten")), (services.TIME, _("Tidspunkt for svaret")),
            (services.GROUP, _("Respondentgruppe (navnet på gruppen)"))]
    return out


@bp.route("/activities/<int:activity_id>/files/<file_id>", methods=["GET", "POST"])
@role_required("reviewer")
def mapping(activity_id: int, file_id: str):
    activity = _activity(activity_id)
    try:
        loaded = services.load_upload(current_app.config["UPLOAD_FOLDER"], file_id)
    except ImportFileError:
        loaded = None
    if loaded is None:
        abort(404)
    filename, table = loaded
    form = forms.MappingForm()
    form.default_group.choices = choices([(0, _("Ingen gruppe"))] + [(g.id, g.name) for g in activity.process.groups])
    targets = _targets_from(request.form, len(table.columns)) if request.method == "POST" else _guess(table, activity)
    if form.validate_on_submit():
        try:
            plan = services.build_mapping(activity, table, targets, form.default_group.data or None)
        except services.MappingError as exc:
            form.form_errors.append(str(exc))
        else:
            results: list[services.ImportResult] = []

            def run() -> str:
                results.append(services.import_rows(db.session, current_user, activity, table, file_id, plan,
                                                    zone=local_zone(), now=utcnow()))
                return url_for("imports.upload", activity_id=activity.id)

            try:
                done = once(form.form_key.data, run)
            except IntegrityError:
                db.session.rollback()  # another import of the same rows won the race
                form.form_errors.append(services.IMPORTED_MEANWHILE)
            else:
                services.discard_upload(current_app.config["UPLOAD_FOLDER"], file_id)  # the rows are stored
                if results:
                    schedule_after_commit(db.session)
                for result in results:  # empty when the same form was sent before
                    _report(result)
                return done
    return render_template(
        "imports/mapping.html", activity=activity, process=activity.process, form=form, table=table,
        filename=filename, preview=_preview(table), targets=targets, examples=_examples(table),
        target_choices=_target_choices(activity),
    )
