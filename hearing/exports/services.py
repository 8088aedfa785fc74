"""All inputs of a process as a table: CSV for Excel in Norway, and XLSX.

Plain functions without Flask: :func:`input_rows` collects one row per input with its submission,
activity, phase, prompt or section, stakeholder group, theme (from the newest finished grouping)
and assessment; :func:`to_csv` and :func:`to_xlsx` write the same rows.

CSV choice: UTF-8 with a byte order mark, ``;`` between fields and CRLF line ends, which is what
Excel with Norwegian regional settings opens correctly by a double click.

Spreadsheet formula injection: a cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage
return gets a leading apostrophe (OWASP's advice), in both formats, so Excel shows the text and
never runs it.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from sqlalchemy.orm import Session, selectinload

from hearing.grouping import current_run, visible_inputs
from hearing.labels import DECISIONS, INPUT_SOURCES, KINDS, LANGUAGES
from hearing.models import (
    Activity,
    Input,
    Process,
    Section,
    Submission,
    Theme,
    ThemeAssignment,
    ThemeRun,
)
from hearing.privacy import mask_submission_fields

CSV_MIMETYPE = "text/csv; charset=utf-8"
XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
#: Times in the files are local time (the process's clock, :func:`hearing.localtime.zone_of`; this by default).
LOCAL = ZoneInfo("Europe/Oslo")

# Lazy: the worker writes the file under ``force_locale`` of the language of the page that asked for it
# (``Job.payload["lang"]``), so headers and the words in the cells are in the reader's language.
#: Column headers, in the language of the page that asked for the file.
HEADERS = (
    _l("Innspill-ID"),
    _l("Svar-ID"),
    _l("Referanse"),
    _l("Innsendt"),
    _l("For sent"),
    _l("Respondent"),
    _l("På vegne av"),
    _l("Aktivitet"),
    _l("Aktivitetstype"),
    _l("Fase"),
    _l("Spørsmål eller avsnitt"),
    _l("Interessentgruppe"),
    _l("Kilde"),
    _l("Bord/gruppe"),
    _l("Språk"),
    _l("Tema"),
    _l("Vurdering"),
    _l("Begrunnelse"),
    _l("Tekst"),
)
#: Extra column when an administrator asks for the original text.
ORIGINAL_HEADER = _l("Originaltekst (med personopplysninger)")
#: Width in characters per column in the XLSX file (text columns are wrapped); compared as text in the
#: file's language.
WIDTHS = {
    _l("Tekst"): 80,
    ORIGINAL_HEADER: 80,
    _l("Begrunnelse"): 50,
    _l("Spørsmål eller avsnitt"): 40,
    _l("Tema"): 30,
    _l("Aktivitet"): 30,
}
WRAPPED = (_l("Tekst"), ORIGINAL_HEADER, _l("Begrunnelse"), _l("Spørsmål eller avsnitt"))

_DANGEROUS_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> object:
    """A cell value no spreadsheet runs as a formula, without characters XLSX cannot hold."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return _("Ja") if value else _("Nei")
    if isinstance(value, int | float):
        return value
    text = ILLEGAL_CHARACTERS_RE.sub("", str(value))
    if text.startswith(_DANGEROUS_START):
        return "'" + text
    return text


def _local(value: datetime | None, zone: ZoneInfo = LOCAL) -> str:
    return value.astimezone(zone).strftime("%Y-%m-%d %H:%M") if value else ""


def newest_finished_run(session: Session, process_id: int) -> ThemeRun | None:
    """The run whose themes an export shows: :func:`hearing.grouping.current_run`, as everywhere."""
    return current_run(session, process_id)


def theme_labels(session: Session, run: ThemeRun | None) -> dict[int, str]:
    """Input id -> label of its theme in ``run`` (a merged theme gives the label it was merged into)."""
    if run is None:
        return {}
    themes = {t.id: t for t in session.scalars(sa.select(Theme).where(Theme.run_id == run.id))}

    def label(theme_id: int) -> str:
        seen = set()
        theme = themes.get(theme_id)
        while (
            theme is not None
            and theme.merged_into_id
            and theme.merged_into_id in themes
            and theme.id not in seen
        ):
            seen.add(theme.id)
            theme = themes[theme.merged_into_id]
        return theme.label if theme else ""

    rows = session.execute(
        sa.select(ThemeAssignment.input_id, ThemeAssignment.theme_id).where(ThemeAssignment.run_id == run.id)
    )
    return {input_id: label(theme_id) for input_id, theme_id in rows}


def respondent_kind(inp: Input) -> str:
    """Who gave the input, without naming a person."""
    sub = inp.submission
    if sub is None:
        return _("Verkstednotat") if inp.source == "workshop" else _("Uten svar")
    if sub.on_behalf_of or sub.invitation_id:
        return _("På vegne av et organ")
    if sub.source == "import":
        return _("Importert svar")
    return _("Privatperson") if sub.respondent_name else _("Anonym")


def _context(inp: Input) -> str:
    if inp.prompt is not None:
        return inp.prompt.text
    if inp.section is not None:
        return " ".join(p for p in (inp.section.number, inp.section.title) if p)
    return ""


@dataclass
class InputTable:
    headers: tuple[str, ...]
    rows: list[tuple]
    run: ThemeRun | None


def input_rows(
    session: Session, process: Process, *, include_original: bool = False, progress=None
) -> InputTable:
    """One row per input of the process (withdrawn responses left out), oldest first.

    ``include_original`` adds the unmasked text (administrators only; the caller checks and audits).
    """
    from flask_babel import get_locale

    from hearing.content import content
    from hearing.localtime import zone_of

    locale = get_locale()
    lang = locale.language if locale is not None else "nb"  # titles and names as written in the file's language, when staff wrote them
    zone = zone_of(process)  # the process's clock (Europe/Copenhagen for a Danish process)
    run = newest_finished_run(session, process.id)
    themes = theme_labels(session, run)
    query = (
        visible_inputs(process)
        .options(
            selectinload(Input.activity).selectinload(Activity.phase),
            selectinload(Input.submission).selectinload(Submission.group),
            selectinload(Input.prompt),
            selectinload(Input.section).selectinload(Section.document),
            selectinload(Input.group),
            selectinload(Input.assessment),
        )
        .order_by(None).order_by(Input.created_dt, Input.id)
    )
    inputs = session.scalars(query).all()
    headers = HEADERS + ((ORIGINAL_HEADER,) if include_original else ())
    rows = []
    for n, inp in enumerate(inputs):
        sub, activity, assessment = inp.submission, inp.activity, inp.assessment
        group = inp.group or (sub.group if sub else None)
        row = [
            inp.id,
            sub.id if sub else "",
            sub.reference if sub else "",
            _local(sub.submitted_dt if sub else inp.created_dt, zone),
            bool(sub and sub.is_late),
            respondent_kind(inp),
            (mask_submission_fields(sub, audience="reviewer").on_behalf_of or "") if sub else "",
            content(activity, "title", lang),
            KINDS.get(activity.kind, activity.kind),
            content(activity.phase, "name", lang) if activity.phase else "",
            _context(inp),
            content(group, "name", lang) if group else "",
            INPUT_SOURCES.get(inp.source, inp.source),
            inp.table_label or "",
            LANGUAGES.get(inp.lang or "", inp.lang or ""),
            themes.get(inp.id, ""),
            DECISIONS.get(assessment.decision, assessment.decision) if assessment else "",
            assessment.reason if assessment else "",
            inp.display_text,
        ]
        if include_original:
            row.append(inp.text)
        rows.append(tuple(safe_cell(v) for v in row))
        if progress and n % 500 == 0:
            progress(10 + int(60 * n / max(len(inputs), 1)), _l("%(done)d av %(total)d innspill", done=n, total=len(inputs)))
    return InputTable(headers=headers, rows=rows, run=run)


def to_csv(headers: Sequence[str], rows: Iterable[Sequence]) -> bytes:
    """UTF-8 with BOM, ``;`` separated, CRLF: opens right in Excel with Norwegian settings."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow([safe_cell(h) for h in headers])
    for row in rows:
        writer.writerow([safe_cell(v) for v in row])
    return out.getvalue().encode("utf-8-sig")


def to_xlsx(headers: Sequence[str], rows: Iterable[Sequence], *, title: str | None = None) -> bytes:
    """One sheet: bold, frozen header row with a filter, sensible column widths, wrapped text columns.

    Headers, title and the words in the cells may be lazy texts: they are written in the current language."""
    headers = [str(h) for h in headers]
    widths = {str(k): v for k, v in WIDTHS.items()}
    wrapped = {str(k) for k in WRAPPED}
    wb = Workbook()
    ws = wb.active
    ws.title = ILLEGAL_CHARACTERS_RE.sub("", str(title or _("Innspill")))[:31] or "Innspill"
    ws.append([safe_cell(h) for h in headers])
    bold = Font(bold=True)
    for cell in ws[1]:
        cell.font = bold
    count = 0
    for row in rows:
        ws.append([safe_cell(v) for v in row])
        count += 1
    wrap = Alignment(wrap_text=True, vertical="top")
    for index, header in enumerate(headers, start=1):
        letter = get_column_letter(index)
        ws.column_dimensions[letter].width = widths.get(header, max(12, min(len(header) + 2, 30)))
        if header in wrapped and count:
            for (cell,) in ws.iter_rows(min_row=2, min_col=index, max_col=index):
                cell.alignment = wrap
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = f"A1:{get_column_letter(len(headers))}{count + 1}"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
