"""The report back as DOCX (real headings), tagged PDF (WeasyPrint) and Markdown, from ``ReportView``.

Pure builders, no request: background jobs (``export.report``, ``export.report_public``) call them.

The table and paragraph helpers and the formats are :mod:`hearing.documents`'; only the report's shape is here.
(Was ``hearing.reporting.exports``.)
"""

from __future__ import annotations

import io

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext

from hearing.core.text import slugify
from hearing.documents import FORMATS, LANG_TAGS, docx_bytes, docx_table, headers, md_table, paragraphs, pdf
from hearing.i18n import long_date
from hearing.reporting.services import ReportView, build_report

__all__ = ["FORMATS", "build_report", "file_name", "render", "to_docx", "to_html", "to_markdown", "to_pdf"]

# Lazy: a file is written in the language the job renders it in (force_locale), the reader's choice.
ASKED, ANSWERED, DID = _l("Vi spurte"), _l("Dere svarte"), _l("Vi gjorde")
GROUP_HEADERS = (_l("Gruppe"), _l("Innspill"))
DECISION_HEADERS = (_l("Vurdering"), _l("Innspill"))


def _got(total: int) -> str:
    return ngettext("Vi fikk %(num)d innspill.", "Vi fikk %(num)d innspill.", total)


def _count(n: int) -> str:
    return ngettext("%(num)d innspill.", "%(num)d innspill.", n)


def _period(asked) -> str:
    """When the activity was open, on the local clock and as the reader's language writes dates, as the page
    shows it (a deadline at 00:30 in Oslo was the day before in UTC)."""
    if asked.opens_dt and asked.closes_dt:
        return f"{long_date(asked.opens_dt)}–{long_date(asked.closes_dt)}"
    if asked.closes_dt:
        return _("frist %(when)s", when=long_date(asked.closes_dt))
    return ""


def _asked_line(asked) -> str:
    extra = [asked.kind, _period(asked), ", ".join(asked.groups)]
    return f"{asked.title} ({', '.join(e for e in extra if e)})"


def _count_rows(pairs) -> list[tuple[str, str]]:
    return [(name, str(n)) for name, n in pairs]


def _decision_rows(theme) -> list[tuple[str, str]]:
    rows = _count_rows(theme.decisions)
    if theme.unassessed:
        rows.append((_("Ikke vurdert ennå"), str(theme.unassessed)))
    return rows


def _reason_line(reason) -> str:
    label, text, n = reason
    return f"{label}: {text}" + (" (" + _("%(n)d innspill", n=n) + ")" if n > 1 else "")


def _change_line(change) -> str:
    return f"{change.kind}: {change.text}" + (f" ({change.where})" if change.where else "")


def _quote_line(quote) -> str:
    return f"«{quote.text}»" + (f" – {quote.attribution}" if quote.attribution else "")


def _draft_lines(view: ReportView) -> list[str]:
    """What changed in the draft, as plain lines."""
    if view.draft_changes:
        out = []
        for area in view.draft_changes:
            out.append(f"{area.title} ({area.status.lower()})")
            out += [f"  {status}: {text}" for status, text in area.items]
        return out
    if view.first_draft_areas:
        return [
            _("%(draft)s er det første utkastet.", draft=view.draft_title) + " "
            + _("Satsningsområder: %(areas)s.", areas=", ".join(view.first_draft_areas))
        ]
    return []


def _draft_heading(view: ReportView) -> str:
    if view.previous_title:
        return _("Endringer fra %(old)s til %(new)s", old=view.previous_title, new=view.draft_title)
    return _("Utkastet: %(draft)s", draft=view.draft_title)


# --- charts and the merknadsskjema -------------------------------------------------------------------

STATEMENT_HEADERS = (_l("Fra"), _l("Uttalelsen"), _l("Kommunens svar"), _l("Hvor i planen"))


def _charts(view: ReportView) -> dict:
    from hearing.reporting.services import charts_of

    return charts_of(view)


def _statement_rows(view: ReportView) -> list[tuple[str, str, str, str]]:
    rows = []
    for r in view.statements:
        who = ", ".join(x for x in (r.body, _("møte %(when)s", when=r.meeting_date) if r.meeting_date else "",
                                    _("sak %(ref)s", ref=r.case_reference) if r.case_reference else "") if x)
        rows.append((who, r.summary, r.answer or _("Ikke besvart ennå"), r.plan_ref or "–"))
    return rows


def _md_chart(chart) -> list[str]:
    """A chart in Markdown: its text and its numbers (no picture)."""
    return [f"**{_md(chart.title)}**", "", _md(chart.text), ""] + md_table(
        tuple(chart.table.headers), [tuple(r) for r in chart.table.rows]) + [""]


def _docx_chart(document, chart) -> None:
    """The chart as a picture with its text alternative, the text under it, and its numbers as a table."""
    from docx.shared import Cm

    document.add_paragraph(chart.title, style="Caption")
    document.add_picture(io.BytesIO(chart.png), width=Cm(15))
    picture = document.inline_shapes[-1]._inline.docPr
    picture.set("descr", chart.text)
    picture.set("title", chart.title)
    document.add_paragraph(chart.text)
    docx_table(document, tuple(chart.table.headers), [tuple(r) for r in chart.table.rows])


# --- Markdown -----------------------------------------------------------------------------------


def _md(text: str) -> str:
    """Text that Markdown shows as typed (no headings, lists or links from participants' words)."""
    for ch in "\\`*_[]<>#|":
        text = text.replace(ch, "\\" + ch)
    return text.replace("\n", " ")


def to_markdown(view: ReportView) -> str:
    out = [f"# {_md(view.title)}", "", _md(view.scope), "", f"## {ASKED!s}", ""]
    out += [_md(p) + "\n" for p in view.introduction]
    for asked in view.asked:
        out.append(f"- {_md(_asked_line(asked))}")
        out += [f"  - {_md(p)}" for p in asked.prompts]
    out += ["", f"## {ANSWERED!s}", "", _got(view.total), ""]
    if view.groups:
        out += md_table(headers(GROUP_HEADERS), _count_rows(view.groups)) + [""]
    charts = _charts(view)
    for key in ("groups", "channels", "phases", "weeks", "invited", "themes"):
        if key in charts:
            out += _md_chart(charts[key])
    for theme in view.themes:
        out += [f"### {_md(theme.label)}", "", _count(theme.count), ""]
        out += [_md(p) + "\n" for p in paragraphs(theme.said)]
        out += md_table(headers(GROUP_HEADERS), _count_rows(theme.groups)) + [""]
        out += [f"> {_md(_quote_line(q))}\n" for q in theme.quotes]
    out += [f"## {DID!s}", ""]
    if "decisions" in charts:
        out += _md_chart(charts["decisions"])
    for theme in view.themes:
        out += [f"### {_md(theme.label)}", ""]
        out += [_md(p) + "\n" for p in paragraphs(theme.did)]
        out += md_table(headers(DECISION_HEADERS), _decision_rows(theme)) + [""]
        out += [f"- {_md(_reason_line(r))}" for r in theme.reasons]
        out += [f"- {_md(_change_line(c))}" for c in theme.changes]
        out.append("")
    if view.draft_title:
        out += [f"### {_md(_draft_heading(view))}", ""]
        out += [
            ("  - " if line.startswith("  ") else "- ") + _md(line.strip()) for line in _draft_lines(view)
        ] + [""]
    if view.statements:
        out += [f"## {_('Merknadsskjema')}", ""]
        out += md_table(headers(STATEMENT_HEADERS), [tuple(_md(c) for c in row) for row in _statement_rows(view)]) + [""]
    return "\n".join(out).rstrip() + "\n"


# --- DOCX ---------------------------------------------------------------------------------------


def to_docx(view: ReportView, lang: str = "nb") -> bytes:
    """Word document with the built-in heading styles: Heading 1 per part, Heading 2 per theme; tagged with ``lang``."""
    import docx

    document = docx.Document()
    document.core_properties.title = view.title
    document.core_properties.language = LANG_TAGS.get(lang, lang)
    document.add_heading(view.title, level=0)
    document.add_paragraph(view.scope)
    document.add_heading(str(ASKED), level=1)
    for p in view.introduction:
        document.add_paragraph(p)
    for asked in view.asked:
        document.add_paragraph(_asked_line(asked), style="List Bullet")
        for prompt in asked.prompts:
            document.add_paragraph(prompt, style="List Bullet 2")
    document.add_heading(str(ANSWERED), level=1)
    document.add_paragraph(_got(view.total))
    charts = _charts(view)
    if "groups" in charts:
        _docx_chart(document, charts["groups"])
    elif view.groups:
        docx_table(document, headers(GROUP_HEADERS), _count_rows(view.groups))
    for key in ("channels", "phases", "weeks", "invited", "themes"):
        if key in charts:
            _docx_chart(document, charts[key])
    for theme in view.themes:
        document.add_heading(theme.label, level=2)
        document.add_paragraph(_count(theme.count))
        for p in paragraphs(theme.said):
            document.add_paragraph(p)
        docx_table(document, headers(GROUP_HEADERS), _count_rows(theme.groups))
        for quote in theme.quotes:
            document.add_paragraph(_quote_line(quote), style="Quote")
    document.add_heading(str(DID), level=1)
    if "decisions" in charts:
        _docx_chart(document, charts["decisions"])
    for theme in view.themes:
        document.add_heading(theme.label, level=2)
        for p in paragraphs(theme.did):
            document.add_paragraph(p)
        docx_table(document, headers(DECISION_HEADERS), _decision_rows(theme))
        for line in [_reason_line(r) for r in theme.reasons] + [_change_line(c) for c in theme.changes]:
            document.add_paragraph(line, style="List Bullet")
    if view.draft_title:
        document.add_heading(_draft_heading(view), level=2)
        for line in _draft_lines(view):
            document.add_paragraph(
                line.strip(), style="List Bullet 2" if line.startswith("  ") else "List Bullet"
            )
    if view.statements:
        document.add_heading(_("Merknadsskjema"), level=1)
        docx_table(document, headers(STATEMENT_HEADERS), _statement_rows(view))
    return docx_bytes(document)


# --- PDF ----------------------------------------------------------------------------------------


def to_html(view: ReportView, lang: str = "nb") -> str:
    """The HTML the PDF is made from (``lang`` on its root); rendered without a request."""
    return current_app.jinja_env.get_template("reporting/export_pdf.html").render(
        view=view,
        lang=lang,
        charts=_charts(view),
        statement_headers=headers(STATEMENT_HEADERS),
        statement_rows=_statement_rows(view),
        paragraphs=paragraphs,
        got=_got,
        count_line=_count,
        parts=(str(ASKED), str(ANSWERED), str(DID)),
        asked_line=_asked_line,
        decision_rows=_decision_rows,
        reason_line=_reason_line,
        change_line=_change_line,
        quote_line=_quote_line,
        draft_heading=_draft_heading,
        draft_lines=_draft_lines,
        group_headers=headers(GROUP_HEADERS),
        decision_headers=headers(DECISION_HEADERS),
        count_rows=_count_rows,
    )


def to_pdf(view: ReportView, lang: str = "nb") -> bytes:
    """PDF/UA-1 (tagged, in ``lang``), as the drafting export makes it."""
    return pdf(to_html(view, lang))


# --- the file (made by a background job: hearing.exports.jobs) ----------------------------------


def render(view: ReportView, fmt: str, *, lang: str = "nb") -> bytes:
    """The file in ``fmt``; call it under ``force_locale(lang)`` so its own words are in that language too."""
    if fmt == "docx":
        return to_docx(view, lang)
    if fmt == "pdf":
        return to_pdf(view, lang)
    return to_markdown(view).encode()


def file_name(view: ReportView, fmt: str, *, lang: str = "nb") -> str:
    """From the report's title and scope, with ``-en``/``-nn``/``-da`` for a file not in bokmål; call it under
    ``force_locale(lang)`` (a report without a title is named by the word for it in that language)."""
    name = slugify(f"{view.title} {view.scope}")[:80].strip("-") or slugify(_("tilbakemelding")) or "tilbakemelding"
    suffix = "" if lang == "nb" else f"-{lang}"
    return f"{name}{suffix}.{FORMATS[fmt][1]}"
