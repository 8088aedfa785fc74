"""A unit's measures as an XLSX to fill in (status, progress, comment), and reading it back.

The file says which plan and unit it was made for (sheet "Om filen", with a check value made from the
app's secret), so a unit's file uploaded on another unit's page is refused. Every row is checked before
anything is stored: one bad row (unknown status, progress outside 0–100, a measure that is not the
unit's) refuses the whole file with a message per row, and nothing changes. A row already stored (the
same status, progress, comment and date for that measure) is not stored again, however often the file
comes back.
"""

from __future__ import annotations

import hashlib
import hmac
import io
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from hearing import audit
from hearing.followup import services
from hearing.models import Plan, PlanMeasure, Unit, UpdateSource, User

MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SHEET = "Tiltak"
META_SHEET = "Om filen"
#: Column headers, in the language of the page the file is downloaded from (read back in any language).
HEADERS = (_l("Tiltak-id"), _l("Tiltak"), _l("Satsningsområde"), _l("Frist"), _l("Status"), _l("Fremdrift (%)"),
           _l("Kommentar"), _l("Dato"))
#: Largest file accepted (a unit's measures are a few dozen rows).
MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 2000


def _id_headers() -> set[str]:
    """The first column's header in every language of the site (a file made in one is read in any)."""
    found = {str(HEADERS[0]).casefold(), "tiltak-id"}
    for lang in current_app.config.get("LANGUAGES", ()):
        with force_locale(lang):
            found.add(str(HEADERS[0]).casefold())
    return found


def _check_value(plan_id: int, unit_id: int) -> str:
    key = str(current_app.config["SECRET_KEY"]).encode()
    return hmac.new(key, f"followup:{plan_id}:{unit_id}".encode(), hashlib.sha256).hexdigest()[:16]


def unit_measures(plan: Plan, unit: Unit) -> list[PlanMeasure]:
    return [m for m in plan.measures if m.unit_id == unit.id]


def file_name(plan: Plan, unit: Unit) -> str:
    from hearing.core.text import slugify

    word = slugify(_("tiltak"))  # in the reader's language
    return f"{word}-{slugify(unit.name) or unit.id}-{date.today():%Y-%m-%d}.xlsx"


def unit_workbook(plan: Plan, unit: Unit) -> bytes:
    """The unit's measures with today's status and progress, ready to fill in."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.worksheet.datavalidation import DataValidation

    wb = Workbook()
    ws = wb.active
    ws.title = SHEET
    ws.append([_("Oppfølging av tiltak: %(unit)s – %(plan)s", unit=unit.name, plan=plan.title)])
    ws.append([_("Fyll ut status, fremdrift og kommentar, lagre og last opp filen igjen. "
                 "Ikke endre kolonnene Tiltak-id og Tiltak.")])
    ws.append([str(h) for h in HEADERS])
    for cell in ws[3]:
        cell.font = Font(bold=True)
    ws["A1"].font = Font(bold=True, size=13)
    for pm in unit_measures(plan, unit):
        areas = ", ".join(a.title for a in services.focus_areas_of(pm))
        ws.append([pm.id, pm.text, areas, pm.due_date, services.status_label(pm.status), pm.progress, "", None])
        ws.cell(row=ws.max_row, column=4).number_format = "DD.MM.YYYY"
        ws.cell(row=ws.max_row, column=8).number_format = "DD.MM.YYYY"
        ws.cell(row=ws.max_row, column=2).alignment = Alignment(wrap_text=True, vertical="top")
    last = max(ws.max_row, 4)
    statuses = DataValidation(type="list", formula1='"' + ",".join(str(services.STATUS_LABELS[s]) for s in services.MeasureStatus) + '"',
                              allow_blank=False, showErrorMessage=True, errorTitle=_("Ukjent status"),
                              error=_("Velg en status fra listen."))
    progress = DataValidation(type="whole", operator="between", formula1="0", formula2="100", showErrorMessage=True,
                              errorTitle=_("Fremdrift"), error=_("Fremdrift må være et helt tall fra 0 til 100."))
    ws.add_data_validation(statuses)
    ws.add_data_validation(progress)
    statuses.add(f"E4:E{last}")
    progress.add(f"F4:F{last}")
    for col, width in zip("ABCDEFGH", (10, 60, 28, 12, 16, 14, 60, 12), strict=True):
        ws.column_dimensions[col].width = width
    ws.freeze_panes = "C4"
    meta = wb.create_sheet(META_SHEET)
    for row in (("Plan-id", plan.id), ("Plan", plan.title), ("Enhet-id", unit.id), ("Enhet", unit.name),
                ("Kontroll", _check_value(plan.id, unit.id)), ("Laget", datetime.now().strftime("%d.%m.%Y %H:%M"))):
        meta.append(list(row))
    meta.protection.sheet = True
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


class FileRefused(services.ServiceError):
    """The file as a whole cannot be read or belongs elsewhere."""


@dataclass
class Row:
    number: int
    measure: PlanMeasure
    data: dict
    key: str


@dataclass
class UploadResult:
    errors: list[str] = field(default_factory=list)
    rows: list[Row] = field(default_factory=list)
    applied: int = 0
    unchanged: int = 0


def _date(value) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str) and value.strip():
        for fmt in ("%d.%m.%Y", "%Y-%m-%d", "%d.%m.%y"):
            try:
                return datetime.strptime(value.strip(), fmt).date()
            except ValueError:
                continue
        raise services.ServiceError(_("Datoen «%(value)s» er ikke en dato (skriv dd.mm.åååå).", value=value.strip()))
    return None


def read_upload(session: Session, plan: Plan, unit: Unit, raw: bytes) -> UploadResult:
    """Check every row of a unit's filled-in file; nothing is stored here."""
    from openpyxl import load_workbook

    from hearing.core.archives import XLSX_LIMITS, ArchiveError, check_zip

    if len(raw) > MAX_BYTES:
        raise FileRefused(_("Filen er for stor (mer enn 5 MB)."))
    try:
        check_zip(raw, XLSX_LIMITS)  # a zip bomb is refused before openpyxl unpacks anything
    except ArchiveError as exc:
        if exc.reason != "broken":
            raise FileRefused(_("Filen pakker seg ut til mer enn vi kan lese. Bruk regnearket du lastet ned her.")) from None
    try:
        wb = load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError):
        raise FileRefused(_("Filen kan ikke leses som et Excel-regneark (XLSX). Bruk regnearket du lastet ned her.")) from None
    try:
        if META_SHEET not in wb.sheetnames or SHEET not in wb.sheetnames:
            raise FileRefused(_("Filen er ikke et oppfølgingsark fra denne løsningen. Last ned enhetens regneark og fyll ut det."))
        meta = {str(r[0]).strip(): r[1] for r in wb[META_SHEET].iter_rows(values_only=True) if r and r[0] is not None}
        try:
            file_plan, file_unit = int(meta.get("Plan-id")), int(meta.get("Enhet-id"))
        except (TypeError, ValueError):
            raise FileRefused(_("Filen mangler opplysningene om plan og enhet (arket «Om filen»). Last ned regnearket på nytt.")) from None
        if not hmac.compare_digest(str(meta.get("Kontroll", "")), _check_value(file_plan, file_unit)):
            raise FileRefused(_("Arket «Om filen» er endret. Last ned enhetens regneark på nytt."))
        if file_plan != plan.id:
            raise FileRefused(_("Filen er laget for en annen plan («%(name)s»).", name=meta.get("Plan", file_plan)))
        if file_unit != unit.id:
            raise FileRefused(_("Filen er laget for enheten «%(other)s», ikke «%(unit)s». Last den opp på siden til «%(other)s».",
                                other=meta.get("Enhet", file_unit), unit=unit.name))
        return _read_rows(session, plan, unit, wb[SHEET])
    finally:
        wb.close()


def _read_rows(session: Session, plan: Plan, unit: Unit, ws) -> UploadResult:
    result = UploadResult()
    header_row = None
    seen: dict[int, int] = {}
    for number, values in enumerate(ws.iter_rows(values_only=True), start=1):
        if number > MAX_ROWS:
            result.errors.append(_("Filen har mer enn %(n)d rader.", n=MAX_ROWS))
            break
        values = list(values) + [None] * (len(HEADERS) - len(values))
        if header_row is None:
            if str(values[0] or "").strip().casefold() in _id_headers():
                header_row = number
            continue
        if all(v is None or (isinstance(v, str) and not v.strip()) for v in values[: len(HEADERS)]):
            continue
        ident, _text, _area, _due, status, progress, comment, when = values[: len(HEADERS)]
        problems = []
        try:
            measure_id = int(ident)
            if isinstance(ident, float) and ident != measure_id:
                raise ValueError
        except (TypeError, ValueError):
            result.errors.append(_("Rad %(row)d: «%(value)s» er ikke et tiltaksnummer.", row=number, value=ident if ident is not None else ""))
            continue
        pm = services.measure_in_plan(session, plan, measure_id)
        if pm is None:
            result.errors.append(_("Rad %(row)d: tiltak %(id)d finnes ikke i planen.", row=number, id=measure_id))
            continue
        if pm.unit_id != unit.id:
            result.errors.append(_("Rad %(row)d: tiltak %(id)d hører ikke til enheten «%(unit)s».", row=number, id=measure_id, unit=unit.name))
            continue
        if measure_id in seen:
            result.errors.append(_("Rad %(row)d: tiltak %(id)d står også i rad %(other)d.", row=number, id=measure_id, other=seen[measure_id]))
            continue
        seen[measure_id] = number
        parsed = services.parse_status(status)
        if parsed is None:
            problems.append(_("ukjent status «%(value)s» (bruk ikke startet, i gang, gjennomført, utsatt eller avsluttet)",
                              value=status if status is not None else ""))
        try:
            progress_value = services.check_progress(progress)
        except services.ServiceError as exc:
            problems.append(str(exc).rstrip(".").lower() if str(exc) else "")
            progress_value = None
        text = str(comment).strip() if comment is not None else ""
        try:
            update_date = _date(when)
        except services.ServiceError as exc:
            problems.append(str(exc).rstrip("."))
            update_date = None
        if parsed == services.MeasureStatus.DONE and progress_value is not None and progress_value != 100:
            problems.append(_("et gjennomført tiltak har fremdrift 100"))
        if parsed == services.MeasureStatus.POSTPONED and not text:
            problems.append(_("skriv i Kommentar hvorfor tiltaket er utsatt"))
        if problems:
            result.errors.append(_("Rad %(row)d (tiltak %(id)d): %(problems)s.", row=number, id=measure_id, problems="; ".join(problems)))
            continue
        key = hashlib.sha256(f"{parsed}|{progress_value}|{text}|{update_date or ''}".encode()).hexdigest()[:40]
        result.rows.append(Row(number, pm, {"status": parsed, "progress": progress_value, "text": text,
                                            "update_date": update_date}, "xlsx:" + key))
    if header_row is None:
        result.errors.append(_("Fant ikke overskriftsraden (kolonnen «Tiltak-id»). Bruk regnearket du lastet ned her."))
    elif not result.rows and not result.errors:
        result.errors.append(_("Filen har ingen tiltak å oppdatere."))
    return result


def apply_upload(session: Session, actor: User | None, plan: Plan, unit: Unit, result: UploadResult, *,
                 via_unit_link: bool = False) -> UploadResult:
    """Store the rows of a checked file (none when it had errors); the caller commits."""
    if result.errors:
        return result
    for row in result.rows:
        stored = services.record_update(session, actor, row.measure, row.data, source=UpdateSource.XLSX, import_key=row.key,
                                        via_unit_link=via_unit_link)
        if stored is None:
            result.unchanged += 1
        else:
            result.applied += 1
    audit.record(session, actor, "plan.unit_upload", unit, process_id=plan.process_id, plan_id=plan.id,
                 rows=len(result.rows), applied=result.applied, unchanged=result.unchanged, via_unit_link=via_unit_link)
    return result
