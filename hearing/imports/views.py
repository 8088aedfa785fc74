"""Upload an export, map its columns, see the dry run, import in the background, undo.

Reviewers import into every activity; facilitators into workshops (they run the workshops).
"""

from __future__ import annotations

import hashlib
import json

from flask import abort, current_app, flash, jsonify, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user

from hearing.auth import role_required
from hearing.extensions import db
from hearing.forms import choices, local_zone
from hearing.idempotency import once
from hearing.imports import bp, forms, services, template
from hearing.imports.files import ImportFileError, Table
from hearing.jobs import progress_view
from hearing.labels import job_status_label
from hearing.models import Activity, ImportRun, Role
from hearing.models.processes import ActivityKind, QuestionType
from hearing.privacy import mask

PREVIEW_ROWS = 5


def may_import(user, activity: Activity) -> bool:
    """Reviewers and administrators import into every activity, facilitators into workshops."""
    if user.has_role("reviewer"):
        return True
    return user.role == Role.FACILITATOR and activity.kind == ActivityKind.WORKSHOP


def _activity(activity_id: int) -> Activity:
    activity = db.session.get(Activity, activity_id) or abort(404)
    if not may_import(current_user, activity):
        abort(403)
    return activity


def _run(run_id: int) -> ImportRun:
    run = db.session.get(ImportRun, run_id) or abort(404)
    if not may_import(current_user, run.activity):
        abort(403)
    return run


@bp.route("/activities/<int:activity_id>", methods=["GET", "POST"])
@role_required("reviewer", "facilitator")
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
    return render_template("imports/upload.html", activity=activity, process=activity.process, form=form,
                           runs=services.runs_of(db.session, activity))


#: Words in a column name that say it is the time of the answer, best first: completion before start.
#: Microsoft Forms (nb/da/en), Google Forms ("Tidsmerke", "Tidsstempel", "Timestamp"), Questback/Enalyzer,
#: Nettskjema ("Innsendt", "Levert"), SurveyXact ("closetime", "starttime").
TIME_WORDS = (
    "fullføringstidspunkt", "fuldførelsestidspunkt", "gennemførelsestidspunkt", "completion time", "closetime",
    "innsendt", "indsendt", "levert", "submitted", "completed", "fullført", "gennemført", "besvart", "svartidspunkt",
    "sluttidspunkt", "end date", "tidsmerke", "tidsstempel", "timestamp", "tidspunkt", "date submitted",
    "response date", "svardato", "created", "starttidspunkt", "start time", "starttime", "start date", "dato", "date",
)
NAME_WORDS = ("navn", "name", "fullt navn", "fulde navn", "full name", "ditt navn", "dit navn", "your name")
GROUP_WORDS = ("gruppe", "respondentgruppe", "group", "interessentgruppe", "interessegruppe", "målgruppe",
               "stakeholder group", "rolle", "role")
TABLE_WORDS = ("bord", "table", "bordnummer", "arbeidsgruppe", "gruppebord")
LANG_WORDS = ("språk", "sprog", "language", "målform", "lang")


def _guess(table: Table, activity: Activity) -> dict[int, str]:
    """A first suggestion for each column, from its name; the person changes what is wrong."""
    guesses: dict[int, str] = {}
    prompts = list(activity.prompts)
    times: list[tuple[int, int]] = []
    for index, column in enumerate(table.columns):
        name = " ".join(column.split()).casefold()
        target = ""
        for prompt in prompts:
            text = " ".join(prompt.text.split()).casefold()
            if text and (text == name or text in name or (len(name) > 8 and name in text)):
                target = f"prompt:{prompt.id}"
                break
        if not target:
            if name in NAME_WORDS or name.endswith(" navn"):
                target = services.NAME
            elif name in GROUP_WORDS:
                target = services.GROUP
            elif name in TABLE_WORDS:
                target = services.TABLE
            elif name in LANG_WORDS:
                target = services.LANG
            elif (rank := next((i for i, w in enumerate(TIME_WORDS) if w in name), None)) is not None:
                times.append((rank, index))
        if target in (services.NAME, services.GROUP, services.TABLE, services.LANG) and target in guesses.values():
            target = ""
        if target:
            guesses[index] = target
    if times:
        guesses[min(times)[1]] = services.TIME
    return guesses


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
    out += [(services.NEW, _("Nytt spørsmål med kolonnenavnet (fritekst)")),
            (services.NAME, _("Navn på respondenten")), (services.TIME, _("Tidspunkt for svaret")),
            (services.GROUP, _("Respondentgruppe (verdiene kobles til grupper under)")),
            (services.TABLE, _("Bord eller gruppe i verkstedet")), (services.LANG, _("Språk (nb, nn, da, en)"))]
    return out


def _group_values(form_data, group_rows: list[services.GroupChoice], group_ids: set[int]) -> dict[str, int | None]:
    """The group chosen for each distinct value (the suggestion when the form has none yet)."""
    out: dict[str, int | None] = {}
    for i, choice in enumerate(group_rows):
        raw = form_data.get(f"gv-{i}")
        if raw is None:
            value = choice.group_id
        else:
            value = int(raw) if raw.isdigit() and int(raw) in group_ids else None
        out[" ".join(choice.value.split()).casefold()] = value
    return out


def _fingerprint(targets: dict[int, str], default_group: int | None, group_values: dict) -> str:
    data = json.dumps([sorted((k, v) for k, v in targets.items() if v), default_group or 0, sorted(group_values.items(), key=str)])
    return hashlib.sha256(data.encode()).hexdigest()[:32]


@bp.route("/activities/<int:activity_id>/files/<file_id>", methods=["GET", "POST"])
@role_required("reviewer", "facilitator")
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
    groups = list(activity.process.groups)
    form.default_group.choices = choices([(0, _("Ingen gruppe"))] + [(g.id, g.name) for g in groups])
    posted = request.method == "POST"
    targets = _targets_from(request.form, len(table.columns)) if posted else _guess(table, activity)
    group_column = next((i for i, t in targets.items() if t == services.GROUP), None)
    group_rows = services.group_choices(db.session, activity, table, group_column)
    group_values = _group_values(request.form if posted else {}, group_rows, {g.id for g in groups})
    for row in group_rows:  # show what was chosen
        row.group_id = group_values.get(" ".join(row.value.split()).casefold())
    dry_run = None
    if form.validate_on_submit():
        action = request.form.get("action", "preview")
        fingerprint = _fingerprint(targets, form.default_group.data, group_values)
        try:
            plan = services.build_mapping(activity, table, targets, form.default_group.data or None, group_values)
        except services.MappingError as exc:
            form.form_errors.append(str(exc))
        else:
            if action == "run" and form.checked.data == fingerprint:
                settings = services.settings_of(targets, form.default_group.data or None, group_values)

                def start() -> str:
                    run = services.start_run(db.session, current_user, activity, file_id, filename, table, plan,
                                             settings, remember=bool(form.remember_groups.data))
                    flash(_("Importen er startet og går i bakgrunnen. Du kan følge den her."), "success")
                    return url_for("imports.run_page", run_id=run.id)

                return once(form.form_key.data, start)
            if action == "run":
                form.form_errors.append(_("Koblingen er endret etter forhåndsvisningen. Se over forhåndsvisningen og importer igjen."))
            dry_run = services.preview(db.session, activity, table, plan, zone=local_zone())
            form.checked.data = fingerprint
    return render_template(
        "imports/mapping.html", activity=activity, process=activity.process, form=form, table=table,
        filename=filename, preview=_preview(table), targets=targets, examples=_examples(table),
        target_choices=_target_choices(activity), group_rows=group_rows, groups=groups, dry_run=dry_run,
        table_warnings=table.warnings, id_column=services.id_column(table),
    )


def _run_context(run: ImportRun) -> dict:
    job = run.job
    if job is not None:
        db.session.refresh(job)
    return {"run": run, "activity": run.activity, "process": run.activity.process, "job": job,
            "active": job is not None and job.status in ("queued", "running"),
            "undo_blocker": services.undo_blocker(db.session, run), "confirm": forms.ConfirmForm(),
            "status_label": job_status_label}


@bp.get("/runs/<int:run_id>")
@role_required("reviewer", "facilitator")
def run_page(run_id: int):
    run = _run(run_id)
    db.session.refresh(run)
    return render_template("imports/run.html", **_run_context(run))


@bp.get("/runs/<int:run_id>/status")
@role_required("reviewer", "facilitator")
def run_status(run_id: int):
    run = _run(run_id)
    if run.job is not None:
        db.session.refresh(run.job)
    return jsonify({"run_id": run.id, **progress_view(run.job)})


@bp.post("/runs/<int:run_id>/undo")
@role_required("reviewer", "facilitator")
def run_undo(run_id: int):
    run = _run(run_id)
    form = forms.ConfirmForm()
    if not form.validate_on_submit():
        flash(_("Skjemaet var utløpt. Prøv igjen."), "danger")
        return redirect(url_for("imports.run_page", run_id=run.id))
    try:
        counts = services.undo_run(db.session, current_user, run)
    except services.UndoError as exc:
        flash(str(exc), "danger")
        return redirect(url_for("imports.run_page", run_id=run.id))
    db.session.commit()
    flash(_("Importen er angret: %(deleted)d svar er slettet og %(restored)d er satt tilbake slik de var.",
            deleted=counts["deleted"], restored=counts["restored"]), "success")
    return redirect(url_for("imports.run_page", run_id=run.id))


@bp.get("/activities/<int:activity_id>/template.xlsx")
@role_required("reviewer", "facilitator")
def excel_template(activity_id: int):
    activity = _activity(activity_id)
    data = template.build(activity)
    return send_file(template.as_stream(data), mimetype=template.XLSX, as_attachment=True,
                     download_name=template.file_name(activity), max_age=0)
