"""Reviewers' assessment pages: the overview per process, a theme's inputs, one input and a stakeholder group."""

from __future__ import annotations

from flask import abort, flash, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, RadioField, SelectField
from wtforms.validators import ValidationError

from hearing.actions import save_once
from hearing.auth import role_required
from hearing.extensions import db
from hearing.forms import choices, required, text_field
from hearing.idempotency import FormKeyMixin
from hearing.labels import DECISIONS
from hearing.models import Activity, Input, Process, StakeholderGroup, Theme
from hearing.pagination import page_arg, paginate
from hearing.review import assessments as service
from hearing.review import bp

# --- forms --------------------------------------------------------------------------------------


def _optional_int(value):
    return int(value) if value not in (None, "", "None") else None


class AssessmentForm(FormKeyMixin, FlaskForm):
    decision = RadioField(
        _l("Vurdering"), choices=choices(DECISIONS), validators=[required(_l("Velg en vurdering."))]
    )
    reason = text_field(
        _l("Begrunnelse"),
        service.REASON_MAX,
        optional=True,
        area=True,
        description=_l("Kort og klart. Må fylles ut når innspillet ikke er tatt til følge i sin helhet."),
    )
    focus_area_id = SelectField(_l("Påvirket del av utkastet (valgfritt)"), coerce=_optional_int, choices=[])
    next = HiddenField()

    def validate_reason(self, field):
        if self.decision.data in service.NEEDS_REASON and not (field.data or "").strip():
            raise ValidationError(
                _("Skriv en kort begrunnelse. Den trengs når innspillet ikke er tatt til følge i sin helhet.")
            )


class ThemeAssessmentForm(AssessmentForm):
    replace = BooleanField(_l("Erstatt også vurderinger som allerede er gitt i temaet"))


def _focus_choices(process: Process) -> list:
    """Choices of the focus-area field: computed once per page, shared by every form on it."""
    return choices(
        [("", _("Ingen kobling"))]
        + [
            (area.id, f"{draft.title}: {area.title}")
            for draft, areas in service.focus_areas(db.session, process)
            for area in areas
        ]
    )


def _form(cls, process: Process, prefix: str = "", focus_choices: list | None = None, **kwargs):
    form = cls(prefix=prefix, **kwargs)
    form.focus_area_id.choices = focus_choices if focus_choices is not None else _focus_choices(process)
    return form


def _input_form(process: Process, item: Input, next_url: str = "", focus_choices: list | None = None):
    kwargs = {}
    if request.method == "GET" and item.assessment is not None:
        kwargs = {
            "decision": item.assessment.decision,
            "reason": item.assessment.reason,
            "focus_area_id": item.assessment.focus_area_id,
        }
    form = _form(AssessmentForm, process, prefix=f"i{item.id}", focus_choices=focus_choices, **kwargs)
    if not form.next.data:
        form.next.data = next_url
    return form


def _card_forms(process: Process, items: list[Input], page_url: str, last_anchor: str = "",
                focus_choices: list | None = None) -> dict:
    """One assessment form per input card; saving one leads to the next card on the same page."""
    if focus_choices is None:
        focus_choices = _focus_choices(process)
    forms = {}
    for n, item in enumerate(items):
        after = items[n + 1] if n + 1 < len(items) else None
        anchor = f"#input-{after.id}" if after else last_anchor
        forms[item.id] = _input_form(process, item, page_url + anchor, focus_choices)
    return forms


#: Prefix of the one form a page of cards renders for every card without an assessment: its fields are
#: written once and each card takes them with its own prefix (50 cards' radios, text box and select were
#: two thirds of the page's time). See ``input_card`` in ``review/assessment_macros.html``.
BLANK_PREFIX = "xcardx"


def _blank_form(process: Process, focus_choices: list):
    """The form the cards without an assessment share on a page read with GET (None on a POST: each card
    then shows what was sent)."""
    if request.method != "GET":
        return None
    return _form(AssessmentForm, process, prefix=BLANK_PREFIX, focus_choices=focus_choices)


def _safe_next(url: str | None, fallback: str) -> str:
    if url and url.startswith("/review/") and not url.startswith("//"):
        return url
    return fallback


# --- overview -----------------------------------------------------------------------------------


@bp.get("/processes/<int:process_id>/assessments")
@role_required("reviewer")
def assessments(process_id: int):
    process = db.get_or_404(Process, process_id)
    run = service.latest_run(db.session, process)
    themes = service.by_theme(db.session, run) if run else []
    groups = service.by_group(db.session, process)
    return render_template("review/assessments.html", process=process, run=run, themes=themes, groups=groups)


# --- a theme: every input, and the whole theme at once ------------------------------------------


@bp.route("/themes/<int:theme_id>/assessments", methods=["GET", "POST"])
@role_required("reviewer")
def assessment_theme(theme_id: int):
    theme = db.get_or_404(Theme, theme_id)
    process = db.session.get(Process, theme.run.process_id)
    show_all = request.args.get("alle") == "1"
    page_url = url_for("review.assessment_theme", theme_id=theme.id, **({"alle": "1"} if show_all else {}))
    focus_choices = _focus_choices(process)
    form = _form(ThemeAssessmentForm, process, prefix="theme", focus_choices=focus_choices)
    if form.validate_on_submit():

        def assess() -> str:
            done = service.assess_theme(
                db.session,
                current_user,
                theme,
                form.decision.data,
                form.reason.data,
                form.focus_area_id.data,
                replace=form.replace.data,
            )
            flash(
                _(
                    "%(n)d innspill i «%(theme)s» er vurdert: %(decision)s.",
                    n=len(done),
                    theme=theme.label,
                    decision=DECISIONS[form.decision.data],
                ),
                "success",
            )
            if done.left_out:
                flash(
                    ngettext(
                        "%(num)d innspill i temaet er ikke bekreftet og ble ikke vurdert. Bekreft eller flytt det først.",
                        "%(num)d innspill i temaet er ikke bekreftet og ble ikke vurdert. Bekreft eller flytt dem først.",
                        done.left_out,
                    ),
                    "warning",
                )
            return page_url

        if done := save_once(form, assess):
            return done
    total, unassessed = service.theme_counts(db.session, theme)
    query = service.theme_inputs_query(theme, unassessed_only=not show_all).options(*service.card_options())
    items = paginate(db.session, query, page_arg(request.args), total=total if show_all else unassessed)
    here = url_for("review.assessment_theme", theme_id=theme.id,
                   **({"alle": "1"} if show_all else {}), **({"page": items.page} if items.page > 1 else {}))
    return render_template(
        "review/assessment_theme.html",
        process=process,
        theme=theme,
        run=theme.run,
        form=form,
        items=items,
        forms=_card_forms(process, items.items, here, "#theme-form", focus_choices),
        blank_form=_blank_form(process, focus_choices),
        total=total,
        unassessed=unassessed,
        show_all=show_all,
    ), (400 if request.method == "POST" else 200)


# --- one input ----------------------------------------------------------------------------------


@bp.route("/inputs/<int:input_id>/assessment", methods=["GET", "POST"])
@role_required("reviewer")
def assessment_input(input_id: int):
    item = db.get_or_404(Input, input_id)
    activity = db.session.get(Activity, item.activity_id)
    process = db.session.get(Process, activity.process_id)
    fallback = url_for("review.assessment_input", input_id=item.id)
    form = _input_form(process, item, request.args.get("next", ""))
    if form.validate_on_submit():

        def assess() -> str:
            service.assess_input(
                db.session, current_user, item, form.decision.data, form.reason.data, form.focus_area_id.data
            )
            flash(
                _(
                    "Vurderingen av innspill %(n)d er lagret: %(decision)s.",
                    n=item.id,
                    decision=DECISIONS[form.decision.data],
                ),
                "success",
            )
            return _safe_next(form.next.data, fallback)

        if done := save_once(form, assess):
            return done
    return render_template(
        "review/assessment_input.html",
        process=process,
        item=item,
        activity=activity,
        form=form,
        back=_safe_next(form.next.data, url_for("review.assessments", process_id=process.id)),
    ), (400 if request.method == "POST" else 200)


# --- a stakeholder group ------------------------------------------------------------------------


@bp.get("/processes/<int:process_id>/assessments/groups/<int:group_id>")
@role_required("reviewer")
def assessment_group(process_id: int, group_id: int):
    """The unassessed inputs of one stakeholder group; group 0 lists the inputs without a group."""
    process = db.get_or_404(Process, process_id)
    group = None
    if group_id:
        group = db.get_or_404(StakeholderGroup, group_id)
        if group.process_id != process.id:
            abort(404)
    query = service.group_inputs_query(process, group.id if group else None).options(*service.card_options())
    items = paginate(db.session, query, page_arg(request.args))
    focus_choices = _focus_choices(process)
    page_url = url_for("review.assessment_group", process_id=process.id, group_id=group_id,
                       **({"page": items.page} if items.page > 1 else {}))
    return render_template(
        "review/assessment_group.html",
        process=process,
        group=group,
        group_name=group.name if group else _("Uten gruppe"),
        items=items,
        forms=_card_forms(process, items.items, page_url, focus_choices=focus_choices),
        blank_form=_blank_form(process, focus_choices),
    )
