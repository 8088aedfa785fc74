"""Typed SQLAlchemy 2 models, one module per aggregate. Import from here."""

from hearing.models.accessibility import AccessibilityCriterion, AccessibilityReply, AccessibilityStatement
from hearing.models.api import ApiScope, ApiToken
from hearing.models.archive import ArchiveKind, ArchiveMessage, ArchiveStatus
from hearing.models.audit import AccessibilityReport, AuditEvent, RateLimit, RequestKey
from hearing.models.base import Base, utcnow
from hearing.models.content import ContentTranslation
from hearing.models.documents import Document, Section
from hearing.models.drafts import (
    Assessment,
    Decision,
    Draft,
    FocusArea,
    Goal,
    HearingReport,
    Indicator,
    Measure,
    ReportStatement,
    ReportTheme,
    ReportVersion,
    Strategy,
)
from hearing.models.exports import ExportFile, ProcessIdentity
from hearing.models.followup import (
    MeasureStatus,
    MeasureUpdate,
    ParticipationTarget,
    Plan,
    PlanMeasure,
    PlanRevision,
    Unit,
    UpdateSource,
)
from hearing.models.imports import GroupValue, ImportChange, ImportedRow, ImportRun, ImportStatus
from hearing.models.jobs import Job, JobStatus
from hearing.models.mail import MailMessage, MailStatus, ProcessAccess, TokenPurpose, UserToken
from hearing.models.processes import (
    STANDARD_PHASES,
    Activity,
    ActivityKind,
    Audience,
    GroupCategory,
    Phase,
    Process,
    Prompt,
    QuestionType,
    StakeholderGroup,
)
from hearing.models.submissions import (
    PUBLIC_MODERATION,
    Answer,
    Attachment,
    Consent,
    Input,
    InputSource,
    Invitation,
    Moderation,
    Submission,
)
from hearing.models.themes import (
    DecisionKind,
    DuplicateCandidate,
    InputEmbedding,
    PlacementSource,
    Theme,
    ThemeAssignment,
    ThemeDecision,
    ThemeRun,
)
from hearing.models.users import Role, User

__all__ = [
    "ApiScope", "ApiToken", "ArchiveKind", "ArchiveMessage", "ArchiveStatus",
    "STANDARD_PHASES", "AccessibilityCriterion", "AccessibilityReply", "AccessibilityReport", "AccessibilityStatement", "Activity", "ActivityKind", "Answer", "Assessment", "Attachment", "AuditEvent",
    "Audience", "Base", "Consent", "ContentTranslation", "Decision", "Document", "DuplicateCandidate", "Draft", "ExportFile", "FocusArea", "Goal", "GroupCategory",
    "HearingReport", "Indicator", "Input", "InputEmbedding", "InputSource", "Invitation", "Job", "JobStatus", "DecisionKind", "ThemeDecision",
    "Measure", "Moderation", "PUBLIC_MODERATION", "Phase", "PlacementSource", "Process", "ProcessIdentity", "Prompt", "QuestionType", "RateLimit", "ReportStatement", "ReportTheme", "ReportVersion", "RequestKey", "Role", "Section",
    "StakeholderGroup", "Strategy", "Submission", "Theme", "ThemeAssignment", "ThemeRun", "User", "utcnow",
    "MeasureStatus", "MeasureUpdate", "ParticipationTarget", "Plan", "PlanMeasure", "PlanRevision", "Unit", "UpdateSource",
    "MailMessage", "MailStatus", "ProcessAccess", "TokenPurpose", "UserToken",
    "GroupValue", "ImportChange", "ImportedRow", "ImportRun", "ImportStatus",
]
