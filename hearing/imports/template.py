"""An Excel template made from an activity's questions, for answers given on paper or offline.

The header row uses the names the import recognises ("Tidspunkt", "Navn", "Gruppe", "Bord", "Språk" and
each question's text), so a filled-in template maps itself when it is uploaded.
"""

from __future__ import annotations

import io
import re

from flask_babel import gettext as _

from hearing.core.text import slugify
from hearing.models import Activity
from hearing.models.processes import ActivityKind, QuestionType

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def headers(activity: Activity) -> list[str]:
    fixed = [_("Tidspunkt"), _("Navn"), _("Gruppe")]
    if activity.kind == ActivityKind.WORKSHOP:
        fixed.append(_("Bord"))
    return fixed + [p.text for p in activity.prompts]


def build(activity: Activity) -> bytes:
    from openpyxl import Workbook
    from openpyxl.comments import Comment
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    wb = Workbook()
    ws = wb.active
    ws.title = _("Svar")[:31]
    names = headers(activity)
    ws.append(names)
    fixed = len(names) - len(activity.prompts)
    for col in range(1, len(names) + 1):
        cell = ws.cell(1, col)
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        ws.column_dimensions[get_column_letter(col)].width = 18 if col <= fixed else 45
    ws.freeze_panes = "A2"
    groups = [g.name for g in activity.process.groups]
    lists = [(3, groups, _("Velg en av gruppene i prosessen."))] if groups else []
    for offset, prompt in enumerate(activity.prompts):
        col = fixed + 1 + offset
        if prompt.question_type == QuestionType.RATING:
            dv = DataValidation(type="whole", operator="between", formula1="1", formula2="5", allow_blank=True,
                                error=_("Skriv et tall fra 1 til 5."), errorTitle=_("Vurdering 1–5"), showErrorMessage=True)
            ws.add_data_validation(dv)
            dv.add(f"{get_column_letter(col)}2:{get_column_letter(col)}1000")
            ws.cell(1, col).comment = Comment(_("Et tall fra 1 til 5."), "hearing")
        elif prompt.question_type == QuestionType.SINGLE_CHOICE:
            lists.append((col, list(prompt.options or []), _("Velg ett av svarene.")))
        elif prompt.question_type == QuestionType.MULTIPLE_CHOICE:
            ws.cell(1, col).comment = Comment(
                _("Flere valg skilles med semikolon: %(options)s", options="; ".join(prompt.options or [])), "hearing")
    for col, options, message in lists:
        formula = ",".join(re.sub(r'[",]', " ", o) for o in options)
        if not options or len(formula) > 250:
            continue
        dv = DataValidation(type="list", formula1=f'"{formula}"', allow_blank=True, error=message, showErrorMessage=True)
        ws.add_data_validation(dv)
        dv.add(f"{get_column_letter(col)}2:{get_column_letter(col)}1000")
    guide = wb.create_sheet(_("Veiledning")[:31])
    for line in (
        _("Mal for svar til «%(title)s»", title=activity.title),
        "",
        _("Skriv ett svar (én person, én lapp eller ett bord) per rad i arket «Svar». Første rad må stå som den er."),
        _("Tidspunkt: dato og gjerne klokkeslett, for eksempel 14.03.2026 10:30. Tomt: tidspunktet for importen."),
        _("Gruppe: navnet på en av gruppene i prosessen (%(groups)s).", groups=", ".join(groups) or "–"),
        _("Last opp filen under «Importer svar» på aktiviteten. Kolonnene kobles av seg selv."),
        _("Filen kan lastes opp på nytt når flere svar er skrevet inn: rader som er importert før, hoppes over."),
    ):
        guide.append([line])
    guide.column_dimensions["A"].width = 110
    guide["A1"].font = Font(bold=True, size=13)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def as_stream(data: bytes) -> io.BytesIO:
    return io.BytesIO(data)


def file_name(activity: Activity) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", activity.title.lower()).strip("-")[:50] or "aktivitet"
    word = slugify(_("mal"))  # "template" in English
    return f"{word}-{slug}.xlsx"
