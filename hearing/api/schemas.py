"""Resources of the JSON API, built on the stored rows' descriptions (:mod:`hearing.api.rows`).

Output schemas dump model objects (or dicts) as they are; texts with personal data (an input's text,
a respondent's name and e-mail) are filled in by the views from the masked or the original value
depending on the token's scopes, never by a schema on its own.
"""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from hearing.api.rows import row_fields
from hearing.models import ApiScope, Consent, Decision


def based_on(table: str, *names: str, name: str) -> type[Schema]:
    """A schema with the stored fields ``names`` of ``table``."""
    return Schema.from_dict(row_fields(table, *names), name=name)


# --- common ----------------------------------------------------------------------------------------


class ProblemSchema(Schema):
    """RFC 9457 problem details, with the texts in bokmål and English."""

    type = fields.String(required=True, metadata={"description": "URI of the problem type (on the reference page)"})
    title = fields.String(required=True, metadata={"description": "In the language asked for (Accept-Language)"})
    status = fields.Integer(required=True)
    detail = fields.String(required=True)
    instance = fields.String(required=True)
    i18n = fields.Dict(keys=fields.String(), values=fields.Dict(keys=fields.String(), values=fields.Raw()),
                       metadata={"description": "title, detail and errors (when there are) per language: nb and en"})
    errors = fields.Raw(metadata={"description": "Field errors of invalid data, by location and field, "
                                                 "in the language asked for"})


class PageArgs(Schema):
    cursor = fields.String(load_default=None, metadata={"description": "next_cursor of the previous page"})
    limit = fields.Integer(load_default=100, validate=validate.Range(min=1, max=500))
    changed_since = fields.AwareDateTime(
        load_default=None, default_timezone=None,
        metadata={"description": "Only what was created or changed at or after this time (ISO 8601 with zone)"})


class ActivityPageArgs(PageArgs):
    activity = fields.Integer(load_default=None, metadata={"description": "Only this activity's"})


class FilteredPageArgs(ActivityPageArgs):
    theme = fields.Integer(load_default=None, metadata={"description": "Only inputs placed in this theme of the current run"})


def page_of(item: type[Schema], name: str) -> type[Schema]:
    return Schema.from_dict({
        "items": fields.List(fields.Nested(item), required=True),
        "next_cursor": fields.String(allow_none=True, required=True,
                                     metadata={"description": "Pass as cursor for the next page; null on the last"}),
        "limit": fields.Integer(required=True),
    }, name=name)


# --- processes -------------------------------------------------------------------------------------


class PhaseSchema(based_on("phases", "id", "position", "name", "description", "start_date", "end_date",
                           name="PhaseBase")):
    pass


class ProcessSchema(based_on("processes", "id", "slug", "name", "service_area", "owner", "description",
                             "start_date", "end_date", "retention_months", "is_public", "created_dt",
                             name="ProcessBase")):
    phases = fields.List(fields.Nested(PhaseSchema), required=True)


class PromptSchema(based_on("prompts", "id", "position", "text", "help_text", "question_type", "options",
                            "is_required", name="PromptBase")):
    pass


class ActivitySchema(based_on("activities", "id", "process_id", "phase_id", "kind", "title", "description",
                              "opens_dt", "closes_dt", "audience", "is_plan_hearing", "location", "created_dt",
                              name="ActivityBase")):
    group_ids = fields.List(fields.Integer(), required=True)
    prompts = fields.List(fields.Nested(PromptSchema), required=True)


class GroupSchema(based_on("stakeholder_groups", "id", "process_id", "name", "category", "description",
                           name="GroupBase")):
    pass


# --- submissions and inputs ------------------------------------------------------------------------


class AnswerSchema(based_on("answers", "prompt_id", "rating", "choices", name="AnswerBase")):
    pass


class AttachmentSchema(based_on("attachments", "id", "filename", "content_type", "size", "sha256",
                                name="AttachmentBase")):
    pass


class SubmissionSchema(based_on("submissions", "id", "activity_id", "group_id", "reference", "source",
                                "on_behalf_of", "meeting_date", "case_reference", "consent", "is_late",
                                "is_withdrawn", "withdrawn_dt", "submitted_dt", "updated_dt",
                                "respondent_name", "respondent_email", "archive_reference",
                                name="SubmissionBase")):
    # respondent_name and respondent_email are null unless the token has the "originals" scope
    input_ids = fields.List(fields.Integer(), required=True)
    answers = fields.List(fields.Nested(AnswerSchema), required=True)
    attachments = fields.List(fields.Nested(AttachmentSchema), required=True)


class InputSchema(based_on("inputs", "id", "activity_id", "submission_id", "prompt_id", "section_id", "group_id",
                           "source", "table_label", "place_name", "lang", "duplicate_of_id", "created_dt",
                           "updated_dt", name="InputBase")):
    text = fields.String(required=True, metadata={
        "description": "Personal data masked, unless the token has the originals scope (then as given)"})
    is_original = fields.Boolean(required=True, metadata={"description": "text is the unmasked original"})


# --- themes ----------------------------------------------------------------------------------------


class RunSchema(based_on("theme_runs", "id", "process_id", "phase_id", "activity_id", "created_dt",
                         name="RunBase")):
    pass


class ThemeSchema(based_on("themes", "id", "run_id", "position", "auto_label", "name", "terms",
                           "quote_input_ids", "is_misc", "merged_into_id", name="ThemeBase")):
    label = fields.String(required=True, metadata={"description": "The reviewers' name, else the engine's label"})
    size = fields.Integer(required=True, metadata={"description": "Inputs placed in the theme"})


class ThemesSchema(Schema):
    run = fields.Nested(RunSchema, allow_none=True, required=True,
                        metadata={"description": "The current run (null before the first grouping)"})
    items = fields.List(fields.Nested(ThemeSchema), required=True)


class PlacementSchema(based_on("theme_assignments", "input_id", "theme_id", "source", "is_pinned", "is_new",
                               "confidence", "suggested_theme_id", "suggested_confidence", "assigned_dt",
                               name="PlacementBase")):
    run_id = fields.Integer(required=True)
    is_confirmed = fields.Boolean(required=True, metadata={"description": "A reviewer moved, pinned or confirmed it"})


class AssessmentSchema(based_on("assessments", "id", "input_id", "decision", "reason", "draft_id", "focus_area_id",
                                "theme_id", "assessed_dt", name="AssessmentBase")):
    pass


# --- drafts and reports ----------------------------------------------------------------------------


class MeasureSchema(based_on("measures", "id", "strategy_id", "position", "text", "owner", "deadline",
                             name="MeasureBase")):
    input_ids = fields.List(fields.Integer(), required=True)


class StrategySchema(based_on("strategies", "id", "position", "text", name="StrategyBase")):
    input_ids = fields.List(fields.Integer(), required=True)
    measures = fields.List(fields.Nested(MeasureSchema), required=True)


class IndicatorSchema(based_on("indicators", "id", "name", "baseline", "target", "source", name="IndicatorBase")):
    pass


class GoalSchema(based_on("goals", "id", "position", "text", name="GoalBase")):
    indicators = fields.List(fields.Nested(IndicatorSchema), required=True)


class FocusAreaSchema(based_on("focus_areas", "id", "position", "title", "current_state", "desired_state",
                               "theme_id", name="FocusAreaBase")):
    goals = fields.List(fields.Nested(GoalSchema), required=True)
    strategies = fields.List(fields.Nested(StrategySchema), required=True)


class DraftSchema(based_on("drafts", "id", "process_id", "number", "title", "note", "based_on_id",
                           "hearing_activity_id", "created_dt", name="DraftBase")):
    pass


class DraftDetailSchema(DraftSchema):
    focus_areas = fields.List(fields.Nested(FocusAreaSchema), required=True)


class ReportSchema(based_on("hearing_reports", "id", "process_id", "activity_id", "run_id", "draft_id", "title",
                            "introduction", "is_published", "published_dt", "created_dt", name="ReportBase")):
    pass


class ReportDetailSchema(ReportSchema):
    markdown = fields.String(required=True, metadata={
        "description": "The report as Markdown («Vi spurte – dere svarte – vi gjorde»), masked texts only"})


# --- the adopted plan's measures (follow-up) ------------------------------------------------------


class PlanSchema(based_on("plans", "id", "process_id", "draft_id", "title", "adopted_on", "decision_reference",
                          "is_public", "created_dt", name="PlanBase")):
    pass


class PlanOfProcessSchema(Schema):
    plan = fields.Nested(PlanSchema, allow_none=True, required=True,
                         metadata={"description": "The adopted plan (null until a draft is adopted)"})


class MeasureUpdateSchema(based_on("measure_updates", "id", "update_date", "status", "progress", "text", "source",
                                   "created_dt", name="MeasureUpdateBase")):
    pass


class PlanMeasureSchema(based_on("plan_measures", "id", "plan_id", "measure_id", "position", "text", "contact",
                                 "start_date", "due_date", "status", "progress", "updated_dt",
                                 name="PlanMeasureBase")):
    unit = fields.String(allow_none=True, required=True, metadata={"description": "Responsible unit"})
    strategy_ids = fields.List(fields.Integer(), required=True, metadata={"description": "Strategies it serves"})
    updates = fields.List(fields.Nested(MeasureUpdateSchema), required=True, metadata={"description": "Dated timeline"})


# --- writes ----------------------------------------------------------------------------------------


class ImportAnswerSchema(Schema):
    prompt_id = fields.Integer(required=True)
    value = fields.String(required=True, validate=validate.Length(min=1, max=20000), metadata={
        "description": "Free text; 1–5 for a rating; a choice (several separated by ';')"})


class ImportResponseSchema(Schema):
    source_id = fields.String(load_default=None, validate=validate.Length(min=1, max=150), metadata={
        "description": "The response's own id in your system. Given for every response of a batch (unique), a "
                       "response sent again with the same id replaces the earlier answers (counted as updated); "
                       "without it a response is known by its time and answers, as on the import page"})
    submitted_dt = fields.AwareDateTime(load_default=None, default_timezone=None, metadata={
        "description": "When it was answered (ISO 8601 with zone); the import time when left out"})
    respondent_name = fields.String(load_default=None, validate=validate.Length(max=200))
    group = fields.String(load_default=None, validate=validate.Length(max=200),
                          metadata={"description": "Name of a stakeholder group of the process"})
    answers = fields.List(fields.Nested(ImportAnswerSchema), required=True, validate=validate.Length(min=1, max=200))


class ImportBatchSchema(Schema):
    responses = fields.List(fields.Nested(ImportResponseSchema), required=True,
                            validate=validate.Length(min=1, max=5000))
    default_group_id = fields.Integer(load_default=None, metadata={
        "description": "Stakeholder group for responses without a group"})


class ImportResultSchema(Schema):
    rows = fields.Integer(required=True, metadata={"description": "Responses added"})
    updated = fields.Integer(required=True, metadata={"description": "Responses imported before whose answers changed"})
    duplicates = fields.Integer(required=True, metadata={"description": "Responses imported before, skipped"})
    empty = fields.Integer(required=True)
    inputs = fields.Integer(required=True)
    answers = fields.Integer(required=True)
    warnings = fields.List(fields.String(), required=True)
    submission_ids = fields.List(fields.Integer(), required=True, metadata={"description": "Of the responses added"})


class ConfirmItemSchema(Schema):
    input_id = fields.Integer(required=True)
    theme_id = fields.Integer(load_default=None, metadata={
        "description": "Theme of the current run to put the input in; left out: confirmed where it is"})


class ConfirmBatchSchema(Schema):
    placements = fields.List(fields.Nested(ConfirmItemSchema), required=True, validate=validate.Length(min=1, max=1000))


class ConfirmResultSchema(Schema):
    run_id = fields.Integer(required=True)
    confirmed = fields.Integer(required=True, metadata={"description": "Confirmed where they were (or as suggested)"})
    moved = fields.Integer(required=True, metadata={"description": "Put in another theme"})
    unchanged = fields.Integer(required=True, metadata={"description": "Already confirmed there"})
    placements = fields.List(fields.Nested(PlacementSchema), required=True)


SCOPES = [str(s) for s in ApiScope]
CONSENTS = [str(c) for c in Consent]
DECISIONS = [str(d) for d in Decision]
