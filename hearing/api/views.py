"""Routes of the JSON API (``/api/v1``): thin views that check the token, read arguments, call the
services and return data that flask-smorest dumps with the documented schema (and an ETag)."""

from __future__ import annotations

import sqlalchemy as sa
from flask import current_app, g
from flask_smorest import Blueprint

from hearing import audit
from hearing.actions import commit
from hearing.api import schemas as s
from hearing.api import services
from hearing.api.auth import api_user, has_scope, not_found, rate_limit_key, token_required
from hearing.api.problems import Problem, problem_response
from hearing.extensions import csrf, db, limiter
from hearing.grouping.queries import current_run
from hearing.models import (
    Activity,
    ApiScope,
    Draft,
    HearingReport,
    Input,
    Process,
    StakeholderGroup,
    Submission,
    ThemeAssignment,
)

blp = Blueprint("api", __name__, url_prefix="/api/v1",
                description="Høringsplattformens JSON-API / The hearing platform's JSON API")

READ = ApiScope.READ

# Once, when the module loads (the blueprint serves every app made in this process).
limiter.limit(lambda: current_app.config["API_RATE_LIMIT"], key_func=rate_limit_key)(blp)
csrf.exempt(blp)  # no cookies: a token in a header cannot be sent by another site


@blp.errorhandler(sa.exc.OperationalError)
def _database_down(exc):
    current_app.logger.warning("API request without a database: %s", exc)
    db.session.rollback()
    return problem_response(Problem("unavailable", headers={"Retry-After": "30"}))

ProcessPage = s.page_of(s.ProcessSchema, "ProcessPage")
ActivityPage = s.page_of(s.ActivitySchema, "ActivityPage")
GroupPage = s.page_of(s.GroupSchema, "GroupPage")
SubmissionPage = s.page_of(s.SubmissionSchema, "SubmissionPage")
InputPage = s.page_of(s.InputSchema, "InputPage")
PlacementPage = s.page_of(s.PlacementSchema, "PlacementPage")
AssessmentPage = s.page_of(s.AssessmentSchema, "AssessmentPage")
DraftPage = s.page_of(s.DraftSchema, "DraftPage")
ReportPage = s.page_of(s.ReportSchema, "ReportPage")


def _process(process_id: int) -> Process:
    return services.get_or_404(db.session, Process, process_id, "Prosess", "Process")


def _originals() -> bool:
    """Does this request show original texts? Each such read is audited."""
    return has_scope(ApiScope.ORIGINALS)


def _audit_originals(what: str, process_id: int | None, count: int) -> None:
    if count:
        audit.record(db.session, api_user(), "api.read_originals", g.api_token, process_id=process_id, what=what,
                     count=count)
        commit()


def _page(query, id_column, args) -> services.CursorPage:
    return services.cursor_page(db.session, query, id_column, cursor=args["cursor"], limit=args["limit"])


# --- processes ------------------------------------------------------------------------------------


@blp.route("/processes", tags=["Prosesser / Processes"])
@token_required(READ)
@blp.etag
@blp.arguments(s.PageArgs, location="query", as_kwargs=True)
@blp.response(200, ProcessPage)
def processes(**args):
    """Prosessene / The processes

    Every strategy process with its phases, oldest first.
    """
    from hearing.auth.access import filter_processes

    page = _page(filter_processes(db.session, api_user(), services.processes_query(), Process.id), Process.id, args)
    return page.dump(lambda p: p)


@blp.route("/processes/<int:process_id>", tags=["Prosesser / Processes"])
@token_required(READ)
@not_found
@blp.etag
@blp.response(200, s.ProcessSchema)
def process(process_id: int):
    """Én prosess / One process"""
    return _process(process_id)


@blp.route("/processes/<int:process_id>/activities", tags=["Aktiviteter / Activities"])
@token_required(READ)
@not_found
@blp.etag
@blp.arguments(s.PageArgs, location="query", as_kwargs=True)
@blp.response(200, ActivityPage)
def activities(process_id: int, **args):
    """Aktivitetene i en prosess / A process's activities

    Workshops, hearings, surveys and suggestion boxes with their prompts (questions).
    """
    page = _page(services.activities_query(_process(process_id), args["changed_since"]), Activity.id, args)
    return {"items": services.activity_dicts(db.session, page.items), "next_cursor": page.next_cursor,
            "limit": page.limit}


@blp.route("/activities/<int:activity_id>", tags=["Aktiviteter / Activities"])
@token_required(READ)
@not_found
@blp.etag
@blp.response(200, s.ActivitySchema)
def activity(activity_id: int):
    """Én aktivitet / One activity"""
    row = services.get_or_404(db.session, Activity, activity_id, "Aktivitet", "Activity")
    return services.activity_dicts(db.session, [row])[0]


@blp.route("/processes/<int:process_id>/groups", tags=["Respondentgrupper / Stakeholder groups"])
@token_required(READ)
@not_found
@blp.etag
@blp.arguments(s.PageArgs, location="query", as_kwargs=True)
@blp.response(200, GroupPage)
def groups(process_id: int, **args):
    """Respondentgruppene / Stakeholder groups"""
    return _page(services.groups_query(_process(process_id)), StakeholderGroup.id, args).dump(lambda x: x)


# --- submissions and inputs -----------------------------------------------------------------------


@blp.route("/processes/<int:process_id>/submissions", tags=["Svar og innspill / Submissions and inputs"])
@token_required(READ)
@not_found
@blp.etag
@blp.arguments(s.ActivityPageArgs, location="query", as_kwargs=True)
@blp.response(200, SubmissionPage)
def submissions(process_id: int, **args):
    """Svarene (høringssvar, uttalelser) / Submissions

    Respondents' names and e-mail addresses are given only to tokens with the scope `originals`.
    A withdrawn submission is listed (is_withdrawn) without its inputs, answers and attachments.
    """
    process_ = _process(process_id)
    activity_ = services.activity_of(db.session, process_, args["activity"])
    page = _page(services.submissions_query(process_, activity=activity_, since=args["changed_since"]),
                 Submission.id, args)
    originals = _originals()
    items = services.submission_dicts(db.session, page.items, originals=originals)
    if originals:
        _audit_originals("submissions", process_.id, len(items))
    return {"items": items, "next_cursor": page.next_cursor, "limit": page.limit}


@blp.route("/submissions/<int:submission_id>", tags=["Svar og innspill / Submissions and inputs"])
@token_required(READ)
@not_found
@blp.etag
@blp.response(200, s.SubmissionSchema)
def submission(submission_id: int):
    """Ett svar / One submission"""
    row = services.get_or_404(db.session, Submission, submission_id, "Svar", "Submission")
    originals = _originals()
    if originals:
        _audit_originals("submission", row.activity.process_id, 1)
    return services.submission_dicts(db.session, [row], originals=originals)[0]


@blp.route("/processes/<int:process_id>/inputs", tags=["Svar og innspill / Submissions and inputs"])
@token_required(READ)
@not_found
@blp.etag
@blp.arguments(s.FilteredPageArgs, location="query", as_kwargs=True)
@blp.response(200, InputPage)
def inputs(process_id: int, **args):
    """Innspillene / Inputs

    Texts with personal data masked, unless the token has the scope `originals`. Inputs of withdrawn
    submissions are left out. `theme` narrows to the inputs placed in a theme of the current run.
    """
    process_ = _process(process_id)
    activity_ = services.activity_of(db.session, process_, args["activity"])
    _run, theme = services.theme_of_current_run(db.session, process_, args["theme"])
    query = services.inputs_query(db.session, process_, activity=activity_, theme=theme, since=args["changed_since"])
    page = _page(query, Input.id, args)
    originals = _originals()
    if originals:
        _audit_originals("inputs", process_.id, len(page.items))
    return page.dump(lambda i: services.input_dict(i, originals=originals))


@blp.route("/inputs/<int:input_id>", tags=["Svar og innspill / Submissions and inputs"])
@token_required(READ)
@not_found
@blp.etag
@blp.response(200, s.InputSchema)
def input_(input_id: int):
    """Ett innspill / One input"""
    row = services.get_or_404(db.session, Input, input_id, "Innspill", "Input")
    if not services.input_is_visible(db.session, row):
        raise Problem("not-found", f"Innspill {input_id} er trukket tilbake.", f"Input {input_id} was withdrawn.")
    originals = _originals()
    if originals:
        _audit_originals("input", row.activity.process_id, 1)
    return services.input_dict(row, originals=originals)


# --- themes, placements, assessments --------------------------------------------------------------


@blp.route("/processes/<int:process_id>/themes", tags=["Temaer / Themes"])
@token_required(READ)
@not_found
@blp.etag
@blp.response(200, s.ThemesSchema)
def themes(process_id: int):
    """Temaene i gjeldende gruppering / Themes of the current grouping run

    The run everyone works on (the newest finished run of the whole process). A theme merged into
    another has merged_into_id set and keeps no inputs.
    """
    process_ = _process(process_id)
    return services.theme_dicts(db.session, current_run(db.session, process_))


@blp.route("/processes/<int:process_id>/placements", tags=["Temaer / Themes"])
@token_required(READ)
@not_found
@blp.etag
@blp.arguments(s.FilteredPageArgs, location="query", as_kwargs=True)
@blp.response(200, PlacementPage)
def placements(process_id: int, **args):
    """Plasseringene i gjeldende gruppering / Placements in the current run

    Where each input sits, whether a reviewer confirmed it, and the engine's suggestion if any.
    """
    process_ = _process(process_id)
    activity_ = services.activity_of(db.session, process_, args["activity"])
    run, theme = services.theme_of_current_run(db.session, process_, args["theme"])
    if run is None:
        return {"items": [], "next_cursor": None, "limit": args["limit"]}
    query = services.placements_query(run, activity=activity_, theme=theme, since=args["changed_since"])
    return _page(query, ThemeAssignment.id, args).dump(services.placement_dict)


@blp.route("/processes/<int:process_id>/assessments", tags=["Vurderinger / Assessments"])
@token_required(READ)
@not_found
@blp.etag
@blp.arguments(s.FilteredPageArgs, location="query", as_kwargs=True)
@blp.response(200, AssessmentPage)
def assessments(process_id: int, **args):
    """Kommunens vurderinger av innspillene / The municipality's assessments

    decision is one of adopted (tatt til følge), partly, not_adopted, not_relevant.
    """
    from hearing.models import Assessment

    process_ = _process(process_id)
    activity_ = services.activity_of(db.session, process_, args["activity"])
    _run, theme = services.theme_of_current_run(db.session, process_, args["theme"])
    query = services.assessments_query(db.session, process_, activity=activity_, theme=theme,
                                       since=args["changed_since"])
    return _page(query, Assessment.id, args).dump(lambda x: x)


# --- drafts and reports ---------------------------------------------------------------------------


@blp.route("/processes/<int:process_id>/drafts", tags=["Utkast og rapporter / Drafts and reports"])
@token_required(READ)
@not_found
@blp.etag
@blp.arguments(s.PageArgs, location="query", as_kwargs=True)
@blp.response(200, DraftPage)
def drafts(process_id: int, **args):
    """Strategiutkastene / Drafts"""
    return _page(services.drafts_query(_process(process_id)), Draft.id, args).dump(lambda x: x)


@blp.route("/drafts/<int:draft_id>", tags=["Utkast og rapporter / Drafts and reports"])
@token_required(READ)
@not_found
@blp.etag
@blp.response(200, s.DraftDetailSchema)
def draft(draft_id: int):
    """Ett utkast med delene / One draft with its parts

    Focus areas ("Her er vi", "Slik vil vi ha det"), goals with indicators, strategies ("Slik kommer vi
    dit") and their measures ("Slik gjør vi det"), each with the inputs it answers.
    """
    row = services.get_or_404(db.session, Draft, draft_id, "Utkast", "Draft")
    return services.draft_dict(db.session, row)


@blp.route("/processes/<int:process_id>/reports", tags=["Utkast og rapporter / Drafts and reports"])
@token_required(READ)
@not_found
@blp.etag
@blp.arguments(s.PageArgs, location="query", as_kwargs=True)
@blp.response(200, ReportPage)
def reports(process_id: int, **args):
    """Tilbakemeldingsrapportene / Reports back («Vi spurte – dere svarte – vi gjorde»)"""
    return _page(services.reports_query(_process(process_id)), HearingReport.id, args).dump(lambda x: x)


@blp.route("/reports/<int:report_id>", tags=["Utkast og rapporter / Drafts and reports"])
@token_required(READ)
@not_found
@blp.etag
@blp.response(200, s.ReportDetailSchema)
def report(report_id: int):
    """Én rapport med innholdet / One report with its content"""
    row = services.get_or_404(db.session, HearingReport, report_id, "Rapport", "Report")
    return services.report_dict(db.session, row)


# --- the adopted plan's measures ------------------------------------------------------------------

PlanMeasurePage = s.page_of(s.PlanMeasureSchema, "PlanMeasurePage")


@blp.route("/processes/<int:process_id>/plan", tags=["Tiltak / Measures"])
@token_required(READ)
@not_found
@blp.etag
@blp.response(200, s.PlanOfProcessSchema)
def plan(process_id: int):
    """Den vedtatte planen / The adopted plan

    null until a reviewer adopts a draft as the final plan.
    """
    return {"plan": services.plan_of(db.session, _process(process_id))}


@blp.route("/processes/<int:process_id>/measures", tags=["Tiltak / Measures"])
@token_required(READ)
@not_found
@blp.etag
@blp.arguments(s.PageArgs, location="query", as_kwargs=True)
@blp.response(200, PlanMeasurePage)
def measures(process_id: int, **args):
    """Tiltakene i den vedtatte planen / Measures of the adopted plan

    Owner unit, dates, status and progress with the dated timeline of updates; changed_since gives the
    measures updated at or after that time. Empty until a plan is adopted.
    """
    from hearing.models.followup import PlanMeasure

    query = services.plan_measures_query(_process(process_id), args["changed_since"])
    return _page(query, PlanMeasure.id, args).dump(services.plan_measure_dict)
