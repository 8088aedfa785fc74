"""Thin views: check the role, read the form, call one service function, render or redirect."""

from __future__ import annotations

from flask import abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import escape

from hearing.actions import apply, commit, refuse_form, save, save_once
from hearing.auth import role_required
from hearing.content import content, in_lang, lang_kw, theme_name
from hearing.extensions import db
from hearing.forms import choices
from hearing.grouping import board, decisions, service
from hearing.grouping.queries import current_run, is_newest_of_its_scope, newer_run_in_progress
from hearing.jobs import progress_view
from hearing.labels import INPUT_SOURCES, job_status_label
from hearing.models import Activity, Input, JobStatus, Phase, Process, Theme, ThemeAssignment, ThemeRun
from hearing.review import bp, forms, services

#: Inputs shown per page on a theme page.
PAGE_SIZE = 100


def _scope_choices(process: Process) -> dict[str, list[tuple[str, str, dict]]]:
    """The choices in groups (``<optgroup>`` "Fase", "Aktivitet"), each option only a name carrying its own
    ``lang`` when it is not in the page's language (an option half page language, half title could not)."""
    def named(value: str, name) -> tuple[str, str, dict]:
        return (value, name, lang_kw(name))

    out = {_("Alle innspill"): [("process", _("Hele prosessen"), {})]}
    if process.phases:
        out[_("Fase")] = [named(f"phase:{p.id}", content(p, "name")) for p in process.phases]
    if process.activities:
        out[_("Aktivitet")] = [named(f"activity:{a.id}", content(a, "title")) for a in process.activities]
    return out


def _scope(process: Process, value: str) -> dict:
    kind, _sep, ident = (value or "process").partition(":")
    if kind == "phase":
        phase = db.session.get(Phase, int(ident)) if ident.isdigit() else None
        if phase is None or phase.process_id != process.id:
            abort(400)
        return {"phase": phase}
    if kind == "activity":
        activity = db.session.get(Activity, int(ident)) if ident.isdigit() else None
        if activity is None or activity.process_id != process.id:
            abort(400)
        return {"activity": activity}
    return {}


def _scope_label(run: ThemeRun) -> str:
    """What a run grouped; the name of its phase or activity in the reader's language, marked with ``lang``
    when it is not the page's."""
    if run.activity_id:
        activity = db.session.get(Activity, run.activity_id)
        return escape(_("Aktivitet: %(name)s")) % {"name": in_lang(content(activity, "title"))} if activity else _("Aktivitet")
    if run.phase_id:
        phase = db.session.get(Phase, run.phase_id)
        return escape(_("Fase: %(name)s")) % {"name": in_lang(content(phase, "name"))} if phase else _("Fase")
    return _("Hele prosessen")


def _back(run: ThemeRun, anchor: str = ""):
    target = request.form.get("next") or ""
    if target.startswith("/review/") and not target.startswith("//"):
        return redirect(target)
    return redirect(url_for("review.run", run_id=run.id) + anchor)


def _done(run: ThemeRun) -> bool:
    return run.job is None or run.job.status == JobStatus.DONE


@bp.get("/")
@role_required("reviewer")
def runs():
    seen = services.overview(db.session, current_user)
    return render_template("review/index.html", processes=seen.processes, latest=seen.latest, counts=seen.counts,
                           status_label=job_status_label)


@bp.route("/processes/<int:process_id>", methods=["GET", "POST"])
@role_required("reviewer")
def process_runs(process_id: int):
    process = db.get_or_404(Process, process_id)
    form = forms.StartRunForm()
    form.scope.choices = _scope_choices(process)
    if request.method == "GET":  # the guidance last used is the default (the reviewers' themes carry over anyway)
        form.guidance.data = decisions.guidance_default(db.session, process.id)
    if form.validate_on_submit():

        def start() -> str:
            run = service.start_run(
                db.session,
                current_user,
                process,
                n_themes=form.n_themes.data or "auto",
                guidance=form.guidance.data,
                keep_themes=form.keep_themes.data != "fresh",
                **_scope(process, form.scope.data),
            )
            flash(_("Grupperingen er startet. Den kjører i bakgrunnen."), "success")
            return url_for("review.run", run_id=run.id)

        if done := save_once(form, start):
            return done
    return render_template(
        "review/runs.html",
        process=process,
        runs=services.runs_of(db.session, process),
        form=form,
        can_continue=current_run(db.session, process) is not None,
        scope_label=_scope_label,
        status_label=job_status_label,
    )


@bp.get("/runs/<int:run_id>")
@role_required("reviewer")
def run(run_id: int):
    run = db.get_or_404(ThemeRun, run_id)
    if run.job is not None:
        db.session.refresh(run.job)
    process = db.session.get(Process, run.process_id)
    ctx = {
        "run": run,
        "process": process,
        "job": run.job,
        "scope_label": _scope_label(run),
        "status_label": job_status_label,
        "newest": None if is_newest_of_its_scope(db.session, run) else service.latest_done_run(
            db.session, run.process_id, run.phase_id, run.activity_id),
        "running_newer": newer_run_in_progress(db.session, run),
    }
    if not _done(run):
        return render_template("review/run.html", **ctx)
    filters = board.Filters.from_args(request.args)
    spreads = board.spread(db.session, run, filters)
    sizes = {theme_id: s.total for theme_id, s in spreads.items()}
    all_sizes = service.theme_sizes(db.session, run) if filters.active else sizes
    themes = [t for t in board.board_themes(run) if sizes.get(t.id) or not (t.is_misc or filters.active)]
    quotes = service.inputs_by_id(db.session, [i for t in themes for i in t.quote_input_ids[:3]])
    counts = services.assignment_counts(db.session, run)
    unplaced = service.count_unplaced(db.session, run)
    side = service.run_side_jobs(db.session, run)
    for job in side.values():
        db.session.refresh(job)
    pending = {kind: job for kind, job in side.items() if job.status in (JobStatus.QUEUED, JobStatus.RUNNING)}
    failed = {kind: job for kind, job in side.items() if job.status == JobStatus.FAILED}
    return render_template(
        "review/run.html",
        themes=themes,
        sizes=sizes,
        all_sizes=all_sizes,
        quotes=quotes,
        new_count=counts["new"],
        unplaced=unplaced,
        suggested=counts["suggested"],
        confirmed=counts["confirmed"],
        pending=pending,
        failed=failed,
        filters=filters,
        # unfiltered, the spread has every language of the run's inputs (its themes hold them all)
        options=board.filter_options(db.session, run, None if filters.active else set().union(
            *(s.langs for s in spreads.values()))),
        spreads=spreads,
        rename_form=forms.RenameForm(),
        accept_form=forms.AcceptForm(),
        confirm=forms.ConfirmForm(),
        **ctx,
    )


@bp.get("/runs/<int:run_id>/status")
@role_required("reviewer")
def run_status(run_id: int):
    run = db.get_or_404(ThemeRun, run_id)
    job = run.job
    if job is not None:
        db.session.refresh(job)  # always what the worker last stored
    return jsonify({"run_id": run.id, **progress_view(job)})


def _theme_page(theme: Theme, *, merge_form=None, split_form=None, rename_form=None, status: int = 200):
    run = theme.run
    rename_form = rename_form or forms.RenameForm(obj=theme)
    rename_form.name.id = f"rename-{theme.id}"  # the error summary links to the field as the page names it
    filters = board.Filters.from_args(request.args)
    page = max(1, request.args.get("page", 1, type=int))
    spread = board.spread(db.session, run, filters, [theme.id]).get(theme.id)
    total = spread.total if spread else 0  # the theme's inputs that pass the filters
    all_total = board.theme_total(db.session, theme) if filters.active else total
    rows = board.assignments_page(db.session, theme, filters, page, PAGE_SIZE)
    targets = board.board_themes(run)
    others = [t for t in targets if t.id != theme.id]
    names = {t.id: t.label for t in run.themes}
    if merge_form is None:
        merge_form = forms.MergeForm()
    merge_form.target_id.choices = choices((t.id, theme_name(t)) for t in others)
    history = board.theme_history(db.session, theme)
    labels = board.theme_labels(db.session, history, run.themes)
    return render_template(
        "review/theme.html",
        theme=theme,
        run=run,
        process=db.session.get(Process, run.process_id),
        rows=rows,
        total=total,
        all_total=all_total,
        page=page,
        pages=max(1, -(-total // PAGE_SIZE)),
        targets=targets,
        others=others,
        names=names,
        filters=filters,
        options=board.filter_options(db.session, run, board.theme_langs(db.session, theme) if filters.active
                                     else (spread.langs if spread else set())),
        spread=spread,
        rename_form=rename_form,
        merge_form=merge_form,
        split_form=split_form or forms.SplitForm(),
        history=[_describe(e, labels) for e in history],
        actors=board.actors(db.session, history),
        confirm=forms.ConfirmForm(),
    ), status


@bp.get("/themes/<int:theme_id>")
@role_required("reviewer")
def theme(theme_id: int):
    theme = db.get_or_404(Theme, theme_id)
    if theme.merged_into_id:
        target = db.session.get(Theme, theme.merged_into_id)
        flash(_("Temaet «%(old)s» er slått sammen med «%(new)s».", old=theme.label, new=target.label), "info")
        return redirect(url_for("review.theme", theme_id=target.id))
    return _theme_page(theme)


def _theme_change(theme: Theme, form, form_arg: str, action):
    """Run ``action`` once per form key; on a broken rule show the theme page with the form's errors."""
    if form.validate_on_submit():
        if done := save_once(form, action):
            return done
    elif form.csrf_token.errors:
        form.form_errors.append(_("Skjemaet var utløpt. Send det på nytt."))
    return _theme_page(theme, status=400, **{form_arg: form})


@bp.post("/themes/<int:theme_id>/merge")
@role_required("reviewer")
def theme_merge(theme_id: int):
    theme = db.get_or_404(Theme, theme_id)
    form = forms.MergeForm()
    form.target_id.choices = choices((t.id, theme_name(t)) for t in board.board_themes(theme.run) if t.id != theme.id)

    def merge() -> str:
        target = db.session.get(Theme, form.target_id.data)
        n = board.merge_themes(db.session, current_user, theme, target)
        flash(
            _(
                "«%(old)s» er slått sammen med «%(new)s» (%(n)d innspill flyttet).",
                old=theme.label,
                new=target.label,
                n=n,
            ),
            "success",
        )
        return url_for("review.theme", theme_id=target.id)

    return _theme_change(theme, form, "merge_form", merge)


@bp.post("/themes/<int:theme_id>/split")
@role_required("reviewer")
def theme_split(theme_id: int):
    theme = db.get_or_404(Theme, theme_id)
    form = forms.SplitForm()

    def split() -> str:
        new = board.split_theme(db.session, current_user, theme, form.assignment_ids.data, form.name.data)
        flash(
            _(
                "Det nye temaet «%(name)s» har fått %(n)d innspill.",
                name=new.label,
                n=len(form.assignment_ids.data),
            ),
            "success",
        )
        return url_for("review.theme", theme_id=new.id)

    return _theme_change(theme, form, "split_form", split)


@bp.post("/themes/<int:theme_id>/rename")
@role_required("reviewer")
def theme_rename(theme_id: int):
    theme = db.get_or_404(Theme, theme_id)
    form = forms.RenameForm()
    if not form.validate_on_submit():
        # The theme page again, with the typed name and what is wrong with it.
        return _theme_page(theme, rename_form=form, status=422)
    try:
        service.rename_theme(db.session, current_user, theme, form.name.data)
    except service.ThemeServiceError as exc:
        refuse_form(form, exc)
        return _theme_page(theme, rename_form=form, status=422)
    commit()
    flash(_("Temaet heter nå «%(name)s».", name=theme.label), "success")
    return _back(theme.run, f"#theme-{theme.id}")


@bp.post("/assignments/<int:assignment_id>/move")
@role_required("reviewer")
def assignment_move(assignment_id: int):
    assignment = db.get_or_404(ThemeAssignment, assignment_id)
    run = db.session.get(ThemeRun, assignment.run_id)
    form = forms.MoveForm()
    form.theme_id.choices = choices((t.id, theme_name(t)) for t in board.board_themes(run))
    if form.validate_on_submit():
        target = db.session.get(Theme, form.theme_id.data)
        apply(lambda: service.move_input(db.session, current_user, assignment, target),
              _("Innspillet er flyttet til «%(name)s» og regnes som bekreftet der.", name=target.label))
    else:
        flash(_("Velg et tema å flytte innspillet til."), "danger")
    return _back(run)


@bp.post("/assignments/<int:assignment_id>/pin")
@role_required("reviewer")
def assignment_pin(assignment_id: int):
    assignment = db.get_or_404(ThemeAssignment, assignment_id)
    form = forms.PinForm()
    if form.validate_on_submit():
        pinned = form.pinned.data == "1"
        apply(lambda: service.pin_input(db.session, current_user, assignment, pinned),
              _("Innspillet er festet i temaet.") if pinned else _("Innspillet er ikke lenger festet."))
    return _back(db.session.get(ThemeRun, assignment.run_id))


@bp.post("/assignments/<int:assignment_id>/accept")
@role_required("reviewer")
def assignment_accept(assignment_id: int):
    assignment = db.get_or_404(ThemeAssignment, assignment_id)
    if forms.ConfirmForm().validate_on_submit():
        apply(lambda: service.accept_suggestion(db.session, current_user, assignment), _("Forslaget er godtatt."))
    return _back(db.session.get(ThemeRun, assignment.run_id))


@bp.post("/runs/<int:run_id>/suggest")
@role_required("reviewer")
def run_suggest(run_id: int):
    run = db.get_or_404(ThemeRun, run_id)
    if forms.ConfirmForm().validate_on_submit() and _done(run):
        service.schedule_suggestions(db.session, run, current_user)
        commit()
        flash(_("Forslagene lages i bakgrunnen. Oppdater siden om litt."), "success")
    return redirect(url_for("review.run", run_id=run.id) + "#suggestions")


@bp.post("/runs/<int:run_id>/accept")
@role_required("reviewer")
def run_accept(run_id: int):
    run = db.get_or_404(ThemeRun, run_id)
    form = forms.AcceptForm()
    if form.validate_on_submit() and _done(run):
        if not services.has_suggestions(db.session, run):
            flash(_("Det finnes ingen forslag ennå. Lag forslag først."), "warning")
            return redirect(url_for("review.run", run_id=run.id) + "#suggestions")
        try:
            n = service.accept_suggestions(db.session, current_user, run, form.min_percent.data / 100)
            commit()
            flash(_("%(n)d forslag er godtatt.", n=n), "success")
        except service.ThemeServiceError as exc:
            db.session.rollback()
            flash(str(exc), "danger")
    else:
        flash(_("Oppgi en grense mellom 0 og 100 prosent."), "danger")
    return redirect(url_for("review.run", run_id=run.id) + "#suggestions")


@bp.post("/runs/<int:run_id>/place")
@role_required("reviewer")
def run_place(run_id: int):
    run = db.get_or_404(ThemeRun, run_id)
    if forms.ConfirmForm().validate_on_submit() and _done(run):
        service.schedule_placement(db.session, run, current_user)
        commit()
        flash(_("De nye innspillene plasseres i bakgrunnen. Oppdater siden om litt."), "success")
    return redirect(url_for("review.run", run_id=run.id))


# --- search, one input, duplicates ---------------------------------------------------------------

#: Hits shown per page of the search.
SEARCH_PAGE_SIZE = 50


def _run_arg(process: Process) -> ThemeRun | None:
    """The run named by ``?run=`` (of this process), else the process's newest finished run."""
    ident = request.args.get("run", type=int)
    run = db.session.get(ThemeRun, ident) if ident else None
    if run is not None and run.process_id == process.id:
        return run
    return board.default_run(db.session, process)


@bp.get("/processes/<int:process_id>/search")
@role_required("reviewer")
def search(process_id: int):
    process = db.get_or_404(Process, process_id)
    run = _run_arg(process)
    text = (request.args.get("q") or "").strip()[:200]
    page = max(1, request.args.get("page", 1, type=int))
    hits, total = board.search_inputs(
        db.session, process, text, run=run, page=page, per_page=SEARCH_PAGE_SIZE
    )
    names = {t.id: t.label for t in run.themes} if run else {}
    return render_template(
        "review/search.html",
        process=process,
        run=run,
        text=text,
        hits=hits,
        total=total,
        page=page,
        pages=max(1, -(-total // SEARCH_PAGE_SIZE)),
        names=names,
    )


def _input_page(inp: Input, dup_form=None, status: int = 200, lang_form=None):
    ctx = board.input_context(db.session, inp)
    run = _run_arg(ctx.process)
    here = next((a for a in ctx.placements if run and a.run_id == run.id), None)
    history = board.input_history(db.session, inp)
    themes = [a.theme for a in ctx.placements]
    labels = board.theme_labels(db.session, history, themes)
    return render_template(
        "review/input.html",
        ctx=ctx,
        inp=inp,
        process=ctx.process,
        run=run,
        here=here,
        # a reviewer may confirm or move the input here only in a run that later runs build on
        targets=board.board_themes(run) if here is not None and is_newest_of_its_scope(db.session, run) else [],
        labels=labels,
        history=[_describe(e, labels) for e in history],
        actors=board.actors(db.session, history),
        dup_form=dup_form or forms.DuplicateForm(),
        lang_form=lang_form or forms.LanguageForm(lang=inp.lang or "nb"),
        confirm=forms.ConfirmForm(),
        source_label=INPUT_SOURCES,
        placement_label=_placement_label,
    ), status


@bp.get("/inputs/<int:input_id>")
@role_required("reviewer")
def input_detail(input_id: int):
    return _input_page(db.get_or_404(Input, input_id))


def _input_url(inp: Input) -> str:
    run = request.args.get("run", type=int)
    return url_for("review.input_detail", input_id=inp.id, **({"run": run} if run else {}))


@bp.post("/inputs/<int:input_id>/duplicate")
@role_required("reviewer")
def input_duplicate(input_id: int):
    inp = db.get_or_404(Input, input_id)
    form = forms.DuplicateForm()
    if form.validate_on_submit():
        original = []
        if save(form, lambda: original.append(board.mark_duplicate(db.session, current_user, inp,
                                                                   db.session.get(Input, form.original)))):
            flash(_("Innspill nr. %(n)d er markert som duplikat av nr. %(o)d.", n=inp.id, o=original[0].id), "success")
            return redirect(_input_url(inp))
    elif form.csrf_token.errors:
        form.form_errors.append(_("Skjemaet var utløpt. Send det på nytt."))
    return _input_page(inp, dup_form=form, status=400)


@bp.post("/inputs/<int:input_id>/language")
@role_required("reviewer")
def input_language(input_id: int):
    inp = db.get_or_404(Input, input_id)
    form = forms.LanguageForm()
    if form.validate_on_submit():
        if save(form, lambda: board.set_language(db.session, current_user, inp, form.lang.data), _("Språket er rettet.")):
            return redirect(_input_url(inp))
    elif form.csrf_token.errors:
        form.form_errors.append(_("Skjemaet var utløpt. Send det på nytt."))
    return _input_page(inp, lang_form=form, status=400)


@bp.post("/inputs/<int:input_id>/unduplicate")
@role_required("reviewer")
def input_unduplicate(input_id: int):
    inp = db.get_or_404(Input, input_id)
    if forms.ConfirmForm().validate_on_submit():
        original = board.unmark_duplicate(db.session, current_user, inp)
        commit()
        if original is not None:
            flash(
                _("Innspill nr. %(n)d er ikke lenger duplikat av nr. %(o)d.", n=inp.id, o=original.id),
                "success",
            )
    else:
        flash(_("Skjemaet var utløpt. Prøv igjen."), "danger")
    target = request.form.get("next") or ""
    if target.startswith("/review/") and not target.startswith("//"):
        return redirect(target)
    return redirect(_input_url(inp))


def _placement_label(source: str) -> str:
    return {
        "auto": _("Automatisk"),
        "guided": _("Forventet tema"),
        "placed": _("Plassert etterpå"),
        "suggested": _("Godtatt forslag"),
        "manual": _("Plassert av en fagperson"),
    }.get(source, source)


def _describe(event, labels: dict[int, str]) -> dict:
    """An audit event as a Norwegian sentence for the history lists."""
    d = event.data or {}

    def theme(key: str) -> str:
        return labels.get(d.get(key), _("et tema som er slettet")) if d.get(key) else _("et tema")

    texts = {
        "theme.move_input": lambda: _(
            "Flyttet fra «%(a)s» til «%(b)s»", a=theme("from_theme"), b=theme("to_theme")
        ),
        "theme.pin": lambda: _("Festet i «%(t)s»", t=theme("theme_id")),
        "theme.unpin": lambda: _("Løsnet fra «%(t)s»", t=theme("theme_id")),
        "theme.accept_suggestion": lambda: _("Forslaget «%(t)s» ble godtatt", t=theme("theme_id")),
        "theme.rename": lambda: _(
            "Nytt navn: «%(old)s» → «%(new)s»",
            old=d.get("old") or d.get("auto_label") or "",
            new=d.get("new") or d.get("auto_label") or "",
        ),
        "theme.merge": lambda: _(
            "«%(t)s» ble slått sammen med dette temaet (%(n)d innspill)",
            t=d.get("merged_label", ""),
            n=d.get("count", 0),
        ),
        "theme.merged_into": lambda: _("Slått sammen med «%(t)s»", t=theme("into")),
        "theme.split": lambda: _(
            "Delt: %(n)d innspill flyttet til det nye temaet «%(t)s»",
            n=d.get("count", 0),
            t=d.get("name", ""),
        ),
        "theme.create": lambda: _(
            "Laget ved deling av «%(t)s» (%(n)d innspill)", t=theme("from"), n=d.get("count", 0)
        ),
        "input.mark_duplicate": lambda: _("Markert som duplikat av nr. %(n)s", n=d.get("duplicate_of")),
        "input.unmark_duplicate": lambda: _("Ikke lenger duplikat av nr. %(n)s", n=d.get("duplicate_of")),
        "input.duplicate_added": lambda: _(
            "Nr. %(n)s ble markert som duplikat av dette", n=d.get("duplicate")
        ),
        "input.duplicate_removed": lambda: _(
            "Nr. %(n)s er ikke lenger duplikat av dette", n=d.get("duplicate")
        ),
        "input.create": lambda: _("Registrert"),
        "input.view_original": lambda: _("Den umaskerte teksten ble vist"),
    }
    make = texts.get(event.action)
    return {"event": event, "text": make() if make else event.action}
