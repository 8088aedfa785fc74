"""The published responses of an activity, as the public reads them: search, filters, pages, a stable
link per response, formal statements with their body, meeting date and case reference, and the export
of the published set. No request inside.

Which responses is never decided here: every query starts from
:func:`hearing.grouping.public_submissions` (approved by staff, allowed by the respondent, after the
activity's publication time). What is shown of them is masked (and redacted where staff redacted).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session, aliased, selectinload

from hearing.grouping import public_submissions
from hearing.models import Activity, Attachment, Input, Prompt, Section, StakeholderGroup, Submission, utcnow
from hearing.pagination import Page, paginate
from hearing.privacy import mask_submission_fields

__all__ = ["KINDS", "PublicResponse", "export_rows", "find_published", "public_attachment", "published_activity",
           "published_responses", "sections_of"]

#: Filter by type: formal statements of councils and organisations, or responses of private persons.
KINDS = {"statement": _l("Uttalelser fra råd og organisasjoner"), "private": _l("Svar fra privatpersoner")}
#: Responses per page of the public list.
PER_PAGE = 25


def published_activity(session: Session, activity_id: int) -> Activity | None:
    """An activity whose published responses may be read: of a public process, not a workshop (invited
    hearings too: councils' statements are public records)."""
    activity = session.get(Activity, activity_id)
    if activity is None or activity.kind == "workshop" or not activity.process.is_public:
        return None
    return activity


@dataclass
class PublicText:
    where: str | None
    text: str
    lang: str | None = None


@dataclass
class PublicResponse:
    """One published response: only what the public may see."""

    submission: Submission
    reference: str
    submitted_dt: datetime
    is_late: bool
    #: Name (or body) shown with consent to publish with name, masked; None otherwise.
    name: str | None
    #: A formal statement of a council or organisation (sent by invitation or on behalf of a body).
    is_statement: bool
    body: str | None
    meeting_date: date | None
    case_reference: str | None
    group: str | None
    texts: list[PublicText] = field(default_factory=list)
    attachments: list[Attachment] = field(default_factory=list)


def _fields(sub: Submission) -> tuple[str | None, str | None, str | None]:
    """(name, body, case reference) as the public may see them: the privacy package's one rule."""
    m = mask_submission_fields(sub, audience="public")
    return m.attribution, m.on_behalf_of, m.case_reference


def _public(sub: Submission) -> PublicResponse:
    name, body, case = _fields(sub)
    is_statement = bool(sub.invitation_id or sub.on_behalf_of)
    texts = [PublicText(inp.section.title if inp.section else inp.prompt.text if inp.prompt else None,
                        inp.public_text, inp.lang)
             for inp in sub.inputs]
    return PublicResponse(
        submission=sub, reference=sub.reference, submitted_dt=sub.submitted_dt, is_late=sub.is_late, name=name,
        is_statement=is_statement, body=body if is_statement else None,
        meeting_date=sub.meeting_date if is_statement else None, case_reference=case if is_statement else None,
        group=sub.group.name if sub.group else None, texts=texts,
        attachments=[a for a in sub.attachments if a.is_public],
    )


def _filtered(activity: Activity, now: datetime, *, search: str = "", group_id: int | None = None,
              section_id: int | None = None, kind: str = "") -> sa.Select:
    q = public_submissions(now, activity_id=activity.id)
    if group_id:
        q = q.where(Submission.group_id == group_id)
    if kind == "statement":
        q = q.where(sa.or_(Submission.invitation_id.is_not(None), Submission.on_behalf_of.is_not(None)))
    elif kind == "private":
        q = q.where(Submission.invitation_id.is_(None), Submission.on_behalf_of.is_(None))
    texts = aliased(Input)  # its own name: the export joins Input as well
    if section_id:
        q = q.where(sa.exists().where(texts.submission_id == Submission.id, texts.section_id == section_id))
    if search := (search or "").strip()[:200]:
        pattern = "%" + search.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        # The public text only: a word staff redacted (or the masking hid) must not be found.
        public_text = sa.func.coalesce(texts.text_redacted, texts.text_masked)
        q = q.where(sa.exists().where(texts.submission_id == Submission.id,
                                      public_text.ilike(pattern, escape="\\")))
    return q


def _loaded(q: sa.Select) -> sa.Select:
    return q.options(selectinload(Submission.inputs).selectinload(Input.section),
                     selectinload(Submission.inputs).selectinload(Input.prompt),
                     selectinload(Submission.attachments), selectinload(Submission.group))


def published_responses(session: Session, activity: Activity, *, now: datetime | None = None, page: int = 1,
                        per_page: int = PER_PAGE, **filters) -> Page:
    """One page of the activity's published responses (filters: search, group_id, section_id, kind)."""
    now = now or utcnow()
    out = paginate(session, _loaded(_filtered(activity, now, **filters)), page, per_page)
    out.items = [_public(s) for s in out.items]
    return out


def find_published(session: Session, activity: Activity, reference: str, *,
                   now: datetime | None = None) -> PublicResponse | None:
    """One published response by its reference (its stable link), or None when it is not public."""
    sub = session.scalar(_loaded(public_submissions(now or utcnow(), activity_id=activity.id)
                                 .where(Submission.reference == reference[:32])))
    return _public(sub) if sub is not None else None


def public_attachment(session: Session, activity: Activity, reference: str, attachment_id: int) -> Attachment | None:
    """An attachment staff approved, of a published response; None otherwise."""
    found = find_published(session, activity, reference)
    return next((a for a in found.attachments if a.id == attachment_id), None) if found else None


#: Columns of the export of the published set (in the language of the page it is downloaded from).
EXPORT_HEADERS = (_l("Referanse"), _l("Mottatt"), _l("Type"), _l("Navn eller organ"), _l("Møtedato"),
                  _l("Saksnummer"), _l("Gruppe"), _l("Kom etter fristen"), _l("Del eller spørsmål"), _l("Tekst"),
                  _l("Lenke"))


def export_rows(session: Session, activity: Activity, link_of, *, now: datetime | None = None,
                **filters) -> list[list]:
    """One row per published text (the same filters as the page); ``link_of(reference)`` gives each stable link.

    Plain columns in one query (no objects): the whole published set of a large hearing is written at once.
    """
    now = now or utcnow()
    q = (_filtered(activity, now, **filters).with_only_columns(
            Submission.id, Submission.reference, Submission.submitted_dt, Submission.invitation_id,
            Submission.respondent_name, Submission.on_behalf_of, Submission.case_reference, Submission.consent,
            Submission.meeting_date, Submission.is_late, StakeholderGroup.name.label("group_name"),
            Section.title.label("section"), Prompt.text.label("prompt"),
            sa.func.coalesce(Input.text_redacted, Input.text_masked).label("text"))
         .outerjoin(StakeholderGroup, StakeholderGroup.id == Submission.group_id)
         .outerjoin(Input, Input.submission_id == Submission.id)
         .outerjoin(Section, Section.id == Input.section_id).outerjoin(Prompt, Prompt.id == Input.prompt_id)
         .order_by(Submission.submitted_dt, Submission.id, Input.id))
    from hearing.localtime import zone_of

    zone = zone_of(activity.process)
    rows = []
    for r in session.execute(q):
        m = mask_submission_fields(r, audience="public")
        statement = bool(r.invitation_id or r.on_behalf_of)
        rows.append([r.reference, r.submitted_dt.astimezone(zone).strftime("%Y-%m-%d %H:%M"), _("Uttalelse") if statement else _("Privatperson"),
                     m.attribution or "", r.meeting_date.isoformat() if statement and r.meeting_date else "",
                     (m.case_reference or "") if statement else "", r.group_name or "", _("Ja") if r.is_late else _("Nei"),
                     r.section or r.prompt or "", r.text or "", link_of(r.reference)])
    return rows


def sections_of(activity: Activity) -> list:
    document = getattr(activity, "document", None)
    return list(document.sections) if document else []
