"""The yearly revision (rullering) of a plan as DOCX (real headings, header rows, the status chart with its
text and table) and tagged PDF, from :class:`hearing.followup.revision.RevisionView`.

(Was the second half of ``hearing.followup.revision``.)
"""

from __future__ import annotations

import io
from datetime import date

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from hearing import charts
from hearing.core.text import slugify
from hearing.documents import FORMATS as ALL_FORMATS
from hearing.documents import LANG_TAGS, docx_bytes, docx_table, headers, pdf
from hearing.followup import services
from hearing.followup.revision import Item, RevisionView

#: Format -> (MIME type, file extension): Word and PDF.
FORMATS = {fmt: ALL_FORMATS[fmt] for fmt in ("docx", "pdf")}

# Lazy: a file is written in the language of the page that asked for it (the job's force_locale).
DONE_HEADERS = (_l("Tiltak"), _l("Satsningsområde"), _l("Ansvarlig enhet"), _l("Gjennomført"), _l("Kommentar"))
DELAYED_HEADERS = (_l("Tiltak"), _l("Ansvarlig enhet"), _l("Frist"), _l("Status"), _l("Fremdrift"), _l("Hvorfor"))
ONGOING_HEADERS = (_l("Tiltak"), _l("Ansvarlig enhet"), _l("Frist"), _l("Status"), _l("Fremdrift"))


def _d(value: date | None) -> str:
    return value.strftime("%d.%m.%Y") if value else ""


def _unit(item: Item) -> str:
    return item.measure.unit.name if item.measure.unit else ""


def done_rows(view: RevisionView) -> list[tuple[str, ...]]:
    return [(i.measure.text, i.areas, _unit(i), _d(i.when), i.text) for i in view.done]


def delayed_rows(view: RevisionView) -> list[tuple[str, ...]]:
    return [(i.measure.text, _unit(i), _d(i.measure.due_date), services.status_label(i.status),
             charts.format_value(i.progress, unit="%"), i.text or _("Ingen begrunnelse er gitt."))
            for i in view.delayed]


def ongoing_rows(view: RevisionView) -> list[tuple[str, ...]]:
    return [(i.measure.text, _unit(i), _d(i.measure.due_date), services.status_label(i.status),
             charts.format_value(i.progress, unit="%")) for i in view.ongoing + view.not_started]


def to_docx(view: RevisionView, lang: str = "nb") -> bytes:
    """Word document: Heading 1 per part, tables with header rows, the status chart with its text and table;
    tagged with ``lang`` (call it under ``force_locale(lang)``)."""
    import docx
    from docx.shared import Cm

    document = docx.Document()
    document.core_properties.title = view.title
    document.core_properties.language = LANG_TAGS.get(lang, lang)
    document.add_heading(view.title, level=0)
    plan = view.plan
    document.add_paragraph(_("Planen ble vedtatt %(date)s.", date=_d(plan.adopted_on))
                           + (f" ({plan.decision_reference})" if plan.decision_reference else ""))
    document.add_heading(_("Slik gikk året"), level=1)
    for p in view.summary or [_("Den kreative gruppen har ikke skrevet en oppsummering for året.")]:
        document.add_paragraph(p)
    document.add_heading(_("Årets tall"), level=1)
    docx_table(document, (_("Tall"), _("Verdi")), view.figure_rows())
    chart = view.status_chart()
    document.add_picture(io.BytesIO(chart.png), width=Cm(15))
    document.add_paragraph(chart.text)
    docx_table(document, tuple(chart.table.headers), [tuple(r) for r in chart.table.rows])
    document.add_heading(_("Gjennomført i %(year)d", year=view.year), level=1)
    if rows := done_rows(view):
        docx_table(document, headers(DONE_HEADERS), rows)
    else:
        document.add_paragraph(_("Ingen tiltak ble gjennomført i året."))
    document.add_heading(_("Utsatt eller forsinket, og hvorfor"), level=1)
    if rows := delayed_rows(view):
        docx_table(document, headers(DELAYED_HEADERS), rows)
    else:
        document.add_paragraph(_("Ingen tiltak er utsatt eller forsinket."))
    document.add_heading(_("Pågår eller ikke startet"), level=1)
    if rows := ongoing_rows(view):
        docx_table(document, headers(ONGOING_HEADERS), rows)
    else:
        document.add_paragraph(_("Ingen."))
    document.add_heading(_("Forslag til endringer i neste handlingsprogram"), level=1)
    for line in view.proposals or [_("Ingen forslag er skrevet inn.")]:
        document.add_paragraph(line, style="List Bullet")
    return docx_bytes(document)


def to_html(view: RevisionView, lang: str = "nb") -> str:
    return current_app.jinja_env.get_template("followup/export_pdf.html").render(
        view=view, chart=view.status_chart(), done_rows=done_rows(view), delayed_rows=delayed_rows(view),
        ongoing_rows=ongoing_rows(view), done_headers=headers(DONE_HEADERS), delayed_headers=headers(DELAYED_HEADERS),
        ongoing_headers=headers(ONGOING_HEADERS), d=_d, lang=lang,
    )


def to_pdf(view: RevisionView, lang: str = "nb") -> bytes:
    """PDF/UA-1 (tagged, in ``lang``), as the drafting export makes it."""
    return pdf(to_html(view, lang))


def render(view: RevisionView, fmt: str, *, lang: str = "nb") -> bytes:
    """The file in ``fmt``; call it under ``force_locale(lang)`` so its words are in that language too."""
    return to_docx(view, lang) if fmt == "docx" else to_pdf(view, lang)


def file_name(view: RevisionView, fmt: str) -> str:
    """"rullering-2026-<plan>.docx", the first word in the language being written ("revision-2026-…" in English)."""
    word = slugify(_("rullering")) or "rullering"
    return f"{word}-{view.year}-{slugify(view.plan.title)[:60].strip('-') or 'plan'}.{FORMATS[fmt][1]}"
