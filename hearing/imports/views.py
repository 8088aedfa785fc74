"""Upload an export, map its columns, see the dry run, import in the background, undo.

Reviewers import into every activity; facilitators into workshops (they run the workshops).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from flask import abort, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from hearing.actions import commit
from hearing.auth import role_required
from hearing.content import content
from hearing.core.web import download
from hearing.extensions import db
from hearing.forms import choices, local_zone
from hearing.idempotency import once
from hearing.imports import bp, forms, services, template
from hearing.jobs import enqueue, progress_view
from hearing.labels import job_status_label
from hearing.models import Activity, ImportRun, Job, Role
from hearing.models.processes import ActivityKind, QuestionType
from hearing.privacy import mask

PREVIEW_ROWS = 5


def may_import(user, activity: Activity) -> bool:
    """Reviewers and administrators import into every activity, facilitators into workshops."""
    if user.has_role("reviewer"):
        return True
    return user.role == Role.FACILITATOR and activity.kind == ActivityKind.WORKSHOP


def _activity(activity_id: int) -> Activity:
    activity = db.get_or_404(Activity, activity_id)
    if not may_import(current_user, activity):
        abort(403)
    return activity


def _run(run_id: int) -> ImportRun:
    run = db.get_or_404(ImportRun, run_id)
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
        data = storage.read()
        if not data:
            form.file.errors.append(_("Filen er tom."))
        else:
            def start() -> str:
                # The file is kept as it came; reading it is background work (imports.read), so a large or
                # hostile file never holds a request. The same file twice, or a double click, reads it once.
                file_id = services.keep_upload(current_app.config["UPLOAD_FOLDER"], data, storage.filename or "")
                _read_job(file_id, activity, create=True, again=True)
                return url_for("imports.mapping", activity_id=activity.id, file_id=file_id)

            # A double click sends the same form and file: one job. The same file in a new form goes to its
            # upload (read once); after an import the file is gone and is kept and read again.
            file_id = hashlib.sha256(data).hexdigest()
            gone = services.upload_state(current_app.config["UPLOAD_FOLDER"], file_id) == "gone"
            return once(None if gone else f"{form.form_key.data[:40]}:u:{file_id[:20]}", start)
    return render_template("imports/upload.html", activity=activity, process=activity.process, form=form,
                           runs=services.runs_of(db.session, activity))


#: Words in a column name that say it is the time of the answer, best first: completion before start.
#: Microsoft Forms (nb/da/en), Google Forms ("Tidsmerke", "Tidsstempel", "Timestamp"), Questback/Enalyzer,
#: Nettskjema ("Innsendt", "Levert"), SurveyXact ("closetime", "starttime"); an end date before a start date.
TIME_WORDS = (
    "fullføringstidspunkt", "fuldførelsestidspunkt", "gennemførelsestidspunkt", "completion time", "closetime",
    "innsendt", "indsendt", "levert", "submitted", "completed", "fullført", "gennemført", "besvart", "svartidspunkt",
    "sluttidspunkt", "end date", "slutdato", "sluttdato", "afsluttet", "avsluttet", "tidsmerke", "tidsstempel", "timestamp", "tidspunkt", "date submitted",
    "response date", "svardato", "created", "starttidspunkt", "start time", "starttime", "start date", "dato", "date",
)
NAME_WORDS = ("navn", "name", "fullt navn", "fulde navn", "full name", "ditt navn", "dit navn", "your name")
GROUP_WORDS = ("gruppe", "respondentgruppe", "group", "interessentgruppe", "interessegruppe", "målgruppe",
               "stakeholder group", "rolle", "role")
TABLE_WORDS = ("bord", "table", "bordnummer", "arbeidsgruppe", "gruppebord")
LANG_WORDS = ("språk", "sprog", "language", "målform", "lang")


def _guess(table: services.TableSummary, activity: Activity) -> dict[int, str]:
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


def _read_job(file_id: str, activity: Activity, *, create: bool = False, again: bool = False) -> Job | None:
    """The job that reads (or read) the upload ``file_id`` for ``activity``; a new one when asked and there is
    none (or it failed, or it was another activity's: a job belongs to one process)."""
    from hearing.imports.jobs import READ

    marker = Path(current_app.config["UPLOAD_FOLDER"]) / "imports" / f"{file_id}.read"
    job = None
    if marker.exists():
        text = marker.read_text(encoding="utf-8").strip()
        job = db.session.get(Job, int(text)) if text.isdigit() else None
    if job is not None and (job.payload or {}).get("activity_id") != activity.id:
        job = None
    if create and (job is None or (again and job.status == "failed")):
        job = enqueue(db.session, READ, {"file_id": file_id, "activity_id": activity.id,
                                         "process_id": activity.process_id}, created_by=current_user)
        db.session.flush()
        marker.write_text(str(job.id), encoding="utf-8")
    return job


def _examples(table: services.TableSummary) -> list[str]:
    return [mask(example) for example in table.examples]


def _preview(table: services.TableSummary) -> list[list[str]]:
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


def _dry_run_job(file_id: str, activity: Activity) -> Job | None:
    """The dry-run job named by ?dry_run= when it is this upload's and activity's."""
    from hearing.imports.jobs import PREVIEW

    raw = request.args.get("dry_run", "")
    job = db.session.get(Job, int(raw)) if raw.isdigit() else None
    if job is None or job.kind != PREVIEW:
        return None
    payload = job.payload or {}
    if payload.get("file_id") != file_id or payload.get("activity_id") != activity.id:
        return None
    db.session.refresh(job)
    return job


@bp.route("/activities/<int:activity_id>/files/<file_id>", methods=["GET", "POST"])
@role_required("reviewer", "facilitator")
def mapping(activity_id: int, file_id: str):
    activity = _activity(activity_id)
    folder = current_app.config["UPLOAD_FOLDER"]
    state = services.upload_state(folder, file_id)
    if state == "gone":
        abort(404)
    if state == "unread":
        # The file is read in the background: wait here (progress, then this page reloads itself).
        job = _read_job(file_id, activity) or _read_job(file_id, activity, create=True)
        commit()
        db.session.refresh(job)
        return render_template("imports/reading.html", activity=activity, process=activity.process, job=job,
                               filename=services.upload_name(folder, file_id),
                               status_label=job_status_label, status_url=url_for("imports.job_status", activity_id=activity.id, job_id=job.id))
    loaded = services.load_summary(folder, file_id)  # what the read job kept for this page, not every row
    if loaded is None:
        abort(404)
    filename, table = loaded
    form = forms.MappingForm()
    groups = list(activity.process.groups)
    form.default_group.choices = choices([(0, _("Ingen gruppe"))] + [(g.id, content(g, "name")) for g in groups])
    posted = request.method == "POST"
    dry_job = None if posted else _dry_run_job(file_id, activity)
    if dry_job is not None:  # the mapping that dry run was made for
        settings = dry_job.payload.get("settings") or {}
        targets = {int(k): v for k, v in (settings.get("targets") or {}).items()}
        form.default_group.data = settings.get("default_group_id") or 0
    else:
        targets = _targets_from(request.form, len(table.columns)) if posted else _guess(table, activity)
    group_column = next((i for i, t in targets.items() if t == services.GROUP), None)
    group_rows = services.group_choices(db.session, activity, table, group_column)
    if dry_job is not None:
        chosen = (dry_job.payload.get("settings") or {}).get("group_values") or {}
        group_values = {" ".join(r.value.split()).casefold(): chosen.get(" ".join(r.value.split()).casefold(), r.group_id)
                        for r in group_rows}
    else:
        group_values = _group_values(request.form if posted else {}, group_rows, {g.id for g in groups})
    for row in group_rows:  # show what was chosen
        row.group_id = group_values.get(" ".join(row.value.split()).casefold())
    dry_run = None
    if dry_job is not None and dry_job.status == "done":
        dry_run = services.preview_from_data(dry_job.result or {})
        form.checked.data = dry_job.payload.get("fingerprint", "")
    if form.validate_on_submit():
        action = request.form.get("action", "preview")
        fingerprint = _fingerprint(targets, form.default_group.data, group_values)
        try:
            plan = services.build_mapping(activity, table, targets, form.default_group.data or None, group_values)
        except services.MappingError as exc:
            form.form_errors.append(str(exc))
        else:
            settings = services.settings_of(targets, form.default_group.data or None, group_values)
            if action == "run" and form.checked.data == fingerprint:
                def start() -> str:
                    run = services.start_run(db.session, current_user, activity, file_id, filename, table, plan,
                                             settings, remember=bool(form.remember_groups.data))
                    flash(_("Importen er startet og går i bakgrunnen. Du kan følge den her."), "success")
                    return url_for("imports.run_page", run_id=run.id)

                return once(form.form_key.data, start)
            if action == "run":
                form.form_errors.append(_("Koblingen er endret etter forhåndsvisningen. Se over forhåndsvisningen og importer igjen."))
            else:
                from hearing.imports.jobs import PREVIEW

                def start_preview() -> str:
                    job = enqueue(db.session, PREVIEW, {
                        "activity_id": activity.id, "file_id": file_id, "settings": settings,
                        "fingerprint": fingerprint, "zone": local_zone().key,
                        "process_id": activity.process_id}, created_by=current_user)
                    db.session.flush()
                    return url_for("imports.mapping", activity_id=activity.id, file_id=file_id, dry_run=job.id,
                                   _anchor="dry-run")

                # a double click on "Forhåndsvis" starts one dry run
                return once(f"{form.form_key.data[:40]}:p:{fingerprint[:16]}", start_preview)
    return render_template(
        "imports/mapping.html", activity=activity, process=activity.process, form=form, table=table,
        filename=filename, preview=_preview(table), targets=targets, examples=_examples(table),
        target_choices=_target_choices(activity), group_rows=group_rows, groups=groups, dry_run=dry_run,
        dry_job=dry_job, status_label=job_status_label,
        dry_status_url=url_for("imports.job_status", activity_id=activity.id, job_id=dry_job.id) if dry_job else None,
        table_warnings=table.warnings, id_column=table.id_column,
    )


@bp.get("/activities/<int:activity_id>/jobs/<int:job_id>/status")
@role_required("reviewer", "facilitator")
def job_status(activity_id: int, job_id: int):
    """Progress of a file being read or a dry run (polled by progress.js)."""
    from hearing.imports.jobs import PREVIEW, READ

    activity = _activity(activity_id)
    job = db.session.get(Job, job_id)
    if job is None or job.kind not in (READ, PREVIEW):
        abort(404)
    if (job.payload or {}).get("activity_id") != activity.id:
        abort(404)
    db.session.refresh(job)
    return jsonify({"job_id": job.id, **progress_view(job)})


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
    commit()
    flash(_("Importen er angret: %(deleted)d svar er slettet og %(restored)d er satt tilbake slik de var.",
            deleted=counts["deleted"], restored=counts["restored"]), "success")
    return redirect(url_for("imports.run_page", run_id=run.id))


@bp.get("/activities/<int:activity_id>/template.xlsx")
@role_required("reviewer", "facilitator")
def excel_template(activity_id: int):
    activity = _activity(activity_id)
    data = template.build(activity)
    return download(data, mimetype=template.XLSX, filename=template.file_name(activity))
