"""The report back as DOCX (real headings), tagged PDF (WeasyPrint) and Markdown, from ``ReportView``.

Pure builders, no request: background jobs (``export.report``, ``export.report_public``) call them.

The table and paragraph helpers and the formats are the drafting exports'; only the report's shape is here.
"""

from __future__ import annotations

import io

from flask import current_app

from hearing.admin.services import slugify
from hearing.drafting.exports import FORMATS, _docx_table, _table
from hearing.reporting.services import ReportView, build_report

__all__ = ["FORMATS", "build_report", "file_name", "render", "to_docx", "to_html", "to_markdown", "to_pdf"]

ASKED, ANSWERED, DID = "Vi spurte", "Dere svarte", "Vi gjorde"
GROUP_HEADERS = ("Gruppe", "Innspill")
DECISION_HEADERS = ("Vurdering", "Innspill")


def _period(asked) -> str:
    fmt = "%d.%m.%Y"
    if asked.opens_dt and asked.closes_dt:
        return f"{asked.opens_dt.strftime(fmt)}–{asked.closes_dt.strftime(fmt)}"
    if asked.closes_dt:
        return f"frist {asked.closes_dt.strftime(fmt)}"
    return ""


def _asked_line(asked) -> str:
    extra = [asked.kind, _period(asked), ", ".join(asked.groups)]
    return f"{asked.title} ({', '.join(e for e in extra if e)})"


def _count_rows(pairs) -> list[tuple[str, str]]:
    return [(name, str(n)) for name, n in pairs]


def _decision_rows(theme) -> list[tuple[str, str]]:
    rows = _count_rows(theme.decisions)
    if theme.unassessed:
        rows.append(("Ikke vurdert ennå", str(theme.unassessed)))
    return rows


def _reason_line(reason) -> str:
    label, text, n = reason
    return f"{label}: {text}" + (f" ({n} innspill)" if n > 1 else "")


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
            f"{view.draft_title} er det første utkastet. Satsningsområder: "
            + ", ".join(view.first_draft_areas)
            + "."
        ]
    return []


def _draft_heading(view: ReportView) -> str:
    if view.previous_title:
        return f"Endringer fra {view.previous_title} til {view.draft_title}"
    return f"Utkastet: {view.draft_title}"


# --- Markdown -----------------------------------------------------------------------------------


def _md(text: str) -> str:
    """Text that Markdown shows as typed (no headings, lists or links from participants' words)."""
    for ch in "\\`*_[]<>#|":
        text = text.replace(ch, "\\" + ch)
    return text.replace("\n", " ")


def to_markdown(view: ReportView) -> str:
    out = [f"# {_md(view.title)}", "", _md(view.scope), "", f"## {ASKED}", ""]
    out += [_md(p) + "\n" for p in view.introduction]
    for asked in view.asked:
        out.append(f"- {_md(_asked_line(asked))}")
        out += [f"  - {_md(p)}" for p in asked.prompts]
    out += ["", f"## {ANSWERED}", "", f"Vi fikk {view.total} innspill.", ""]
    if view.groups:
        out += _table(GROUP_HEADERS, _count_rows(view.groups)) + [""]
    for theme in view.themes:
        out += [f"### {_md(theme.label)}", "", f"{theme.count} innspill.", ""]
        out += _table(GROUP_HEADERS, _count_rows(theme.groups)) + [""]
        out += [f"> {_md(_quote_line(q))}\n" for q in theme.quotes]
    out += [f"## {DID}", ""]
    for theme in view.themes:
        out += [f"### {_md(theme.label)}", ""]
        out += _table(DECISION_HEADERS, _decision_rows(theme)) + [""]
        out += [f"- {_md(_reason_line(r))}" for r in theme.reasons]
        out += [f"- {_md(_change_line(c))}" for c in theme.changes]
        out.append("")
    if view.draft_title:
        out += [f"### {_md(_draft_heading(view))}", ""]
        out += [
            ("  - " if line.startswith("  ") else "- ") + _md(line.strip()) for line in _draft_lines(view)
        ] + [""]
    return "\n".join(out).rstrip() + "\n"


# --- DOCX ---------------------------------------------------------------------------------------


def to_docx(view: ReportView) -> bytes:
    """Word document with the built-in heading styles: Heading 1 per part, Heading 2 per theme."""
    import docx

    document = docx.Document()
    document.core_properties.title = view.title
    document.core_properties.language = "nb-NO"
    document.add_heading(view.title, level=0)
    document.add_paragraph(view.scope)
    document.add_heading(ASKED, level=1)
    for p in view.introduction:
        document.add_paragraph(p)
    for asked in view.asked:
        document.add_paragraph(_asked_line(asked), style="List Bullet")
        for prompt in asked.prompts:
            document.add_paragraph(prompt, style="List Bullet 2")
    document.add_heading(ANSWERED, level=1)
    document.add_paragraph(f"Vi fikk {view.total} innspill.")
    if view.groups:
        _docx_table(document, GROUP_HEADERS, _count_rows(view.groups))
    for theme in view.themes:
        document.add_heading(theme.label, level=2)
        document.add_paragraph(f"{theme.count} innspill.")
        _docx_table(document, GROUP_HEADERS, _count_rows(theme.groups))
        for quote in theme.quotes:
            document.add_paragraph(_quote_line(quote), style="Quote")
    document.add_heading(DID, level=1)
    for theme in view.themes:
        document.add_heading(theme.label, level=2)
        _docx_table(document, DECISION_HEADERS, _decision_rows(theme))
        for line in [_reason_line(r) for r in theme.reasons] + [_change_line(c) for c in theme.changes]:
            document.add_paragraph(line, style="List Bullet")
    if view.draft_title:
        document.add_heading(_draft_heading(view), level=2)
        for line in _draft_lines(view):
            document.add_paragraph(
                line.strip(), style="List Bullet 2" if line.startswith("  ") else "List Bullet"
            )
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


# --- PDF ----------------------------------------------------------------------------------------


def to_html(view: ReportView) -> str:
    """The HTML the PDF is made from; rendered without a request."""
    return current_app.jinja_env.get_template("reporting/export_pdf.html").render(
        view=view,
        parts=(ASKED, ANSWERED, DID),
        asked_line=_asked_line,
        decision_rows=_decision_rows,
        reason_line=_reason_line,
        change_line=_change_line,
        quote_line=_quote_line,
        draft_heading=_draft_heading,
        draft_lines=_draft_lines,
        group_headers=GROUP_HEADERS,
        decision_headers=DECISION_HEADERS,
        count_rows=_count_rows,
    )


def to_pdf(view: ReportView) -> bytes:
    """PDF/UA-1 (tagged), as the drafting export makes it."""
    import weasyprint

    return weasyprint.HTML(string=to_html(view)).write_pdf(pdf_variant="pdf/ua-1")


# --- the file (made by a background job: hearing.exports.jobs) ----------------------------------


def render(view: ReportView, fmt: str) -> bytes:
    if fmt == "docx":
        return to_docx(view)
    if fmt == "pdf":
        return to_pdf(view)
    return to_markdown(view).encode()


def file_name(view: ReportView, fmt: str) -> str:
    name = slugify(f"{view.title} {view.scope}")[:80].strip("-") or "tilbakemelding"
    return f"{name}.{FORMATS[fmt][1]}"
