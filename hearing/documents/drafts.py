"""A draft as DOCX (real headings and tables), tagged PDF (WeasyPrint) and Markdown.

Pure builders, no request: a background job (``export.draft``) calls them and keeps the file.
(Was ``hearing.drafting.exports``.)
"""

from __future__ import annotations

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from hearing.core.text import slugify
from hearing.documents import FORMATS, LANG_TAGS, docx_bytes, docx_table, headers, md_table, paragraphs, pdf
from hearing.drafting.services import PART_CURRENT, PART_DESIRED, PART_MEASURES, PART_STRATEGIES, measures_of
from hearing.models import Draft

#: Lazy: a file's own words are in the reader's language (render() sets it); what the draft says stays in the
#: language it is written in (its process's), tagged with that language where the two differ.
INDICATOR_HEADERS = (_l("Mål"), _l("Indikator"), _l("Verdi i dag"), _l("Målverdi"), _l("Kilde"))
MEASURE_HEADERS = (_l("Tiltak"), _l("Strategi"), _l("Ansvarlig"), _l("Frist"))


def _lang(draft: Draft) -> str:
    """The language the draft is written in: its process's."""
    return (draft.process.language if draft.process is not None else None) or "nb"


def _date(value) -> str:
    return value.strftime("%d.%m.%Y") if value else ""


def indicator_rows(area) -> list[tuple[str, ...]]:
    return [(g.text, i.name, i.baseline, i.target, i.source) for g in area.goals for i in g.indicators]


def measure_rows(area) -> list[tuple[str, ...]]:
    return [(m.text, m.strategy.text, m.owner, _date(m.deadline)) for m in measures_of(area)]


# --- Markdown -----------------------------------------------------------------------------------


def to_markdown(draft: Draft) -> str:
    """The plan as Markdown: the draft title, a chapter per focus area, a section per plan part."""
    out = [f"# {draft.title}", ""]
    if draft.note:
        out += [draft.note, ""]
    for n, area in enumerate(draft.focus_areas, start=1):
        out += [f"## {n}. {area.title}", "", f"### {_(PART_CURRENT)}", ""]
        out += [p + "\n" for p in paragraphs(area.current_state)]
        out += [f"### {_(PART_DESIRED)}", ""]
        out += [p + "\n" for p in paragraphs(area.desired_state)]
        if area.goals:
            out += [f"- {g.text}" for g in area.goals] + [""]
        if rows := indicator_rows(area):
            out += md_table(headers(INDICATOR_HEADERS), rows) + [""]
        out += [f"### {_(PART_STRATEGIES)}", ""]
        if area.strategies:
            out += [f"{k}. {s.text}" for k, s in enumerate(area.strategies, start=1)] + [""]
        out += [f"### {_(PART_MEASURES)}", ""]
        if rows := measure_rows(area):
            out += md_table(headers(MEASURE_HEADERS), rows) + [""]
    return "\n".join(out).rstrip() + "\n"


# --- DOCX ---------------------------------------------------------------------------------------


def _tag_runs(paragraphs_, tag: str | None) -> None:
    """Mark the runs of ``paragraphs_`` as written in ``tag`` (w:lang), for text in another language than the
    document's."""
    if not tag:
        return
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    for paragraph in paragraphs_:
        for run in paragraph.runs:
            lang = OxmlElement("w:lang")
            lang.set(qn("w:val"), tag)
            run._r.get_or_add_rPr().append(lang)


def to_docx(draft: Draft, lang: str | None = None) -> bytes:
    """Word document with the built-in heading styles: Heading 1 per focus area, Heading 2 per plan part.

    Tagged with ``lang`` (the reader's; call it under ``force_locale(lang)``); the draft's own text, when in
    another language, is tagged with that one run by run."""
    import docx

    own = _lang(draft)
    lang = lang or own
    other = LANG_TAGS.get(own, own) if own != lang else None
    document = docx.Document()
    document.core_properties.title = draft.title
    document.core_properties.language = LANG_TAGS.get(lang, lang)

    def written(paragraph):
        _tag_runs([paragraph], other)
        return paragraph

    def table(header_row, rows):
        docx_table(document, header_row, rows)
        _tag_runs([p for row in document.tables[-1].rows[1:] for cell in row.cells for p in cell.paragraphs], other)

    written(document.add_heading(draft.title, level=0))
    if draft.note:
        written(document.add_paragraph(draft.note))
    for n, area in enumerate(draft.focus_areas, start=1):
        written(document.add_heading(f"{n}. {area.title}", level=1))
        document.add_heading(_(PART_CURRENT), level=2)
        for p in paragraphs(area.current_state):
            written(document.add_paragraph(p))
        document.add_heading(_(PART_DESIRED), level=2)
        for p in paragraphs(area.desired_state):
            written(document.add_paragraph(p))
        for goal in area.goals:
            written(document.add_paragraph(goal.text, style="List Bullet"))
        if rows := indicator_rows(area):
            table(headers(INDICATOR_HEADERS), rows)
        document.add_heading(_(PART_STRATEGIES), level=2)
        for strategy in area.strategies:
            # List Bullet: Word would continue numbers across areas
            written(document.add_paragraph(strategy.text, style="List Bullet"))
        document.add_heading(_(PART_MEASURES), level=2)
        if rows := measure_rows(area):
            table(headers(MEASURE_HEADERS), rows)
    return docx_bytes(document)


# --- PDF ----------------------------------------------------------------------------------------


def to_html(draft: Draft, lang: str | None = None) -> str:
    """The HTML the PDF is made from (``lang`` on its root, the draft's language on its own text where it
    differs); rendered without a request, so exports can run in a background job."""
    own = _lang(draft)
    return current_app.jinja_env.get_template("drafting/export_pdf.html").render(
        draft=draft, paragraphs=paragraphs, indicator_rows=indicator_rows,
        measure_rows=measure_rows, parts=tuple(_(p) for p in (PART_CURRENT, PART_DESIRED, PART_STRATEGIES, PART_MEASURES)),
        indicator_headers=headers(INDICATOR_HEADERS), measure_headers=headers(MEASURE_HEADERS), lang=lang or own,
        written_in=own if own != (lang or own) else None,
    )


def to_pdf(draft: Draft, lang: str | None = None) -> bytes:
    """PDF/UA-1 (tagged) from the HTML template, as far as WeasyPrint supports it."""
    return pdf(to_html(draft, lang))


# --- the file (made by a background job: hearing.exports.jobs) ----------------------------------


def render(draft: Draft, fmt: str, *, lang: str | None = None) -> bytes:
    """The file, with its own words (plan parts, table headers) in ``lang``, the reader's (default: the language
    the draft is written in, its process's); the draft's text as written, tagged with its language."""
    lang = lang or _lang(draft)
    with force_locale(lang):
        if fmt == "docx":
            return to_docx(draft, lang)
        if fmt == "pdf":
            return to_pdf(draft, lang)
        return to_markdown(draft).encode()


def file_name(draft: Draft, fmt: str) -> str:
    """From the draft's title and number; call it under ``force_locale`` of the reader's language."""
    name = slugify(draft.title) if draft.title.strip() else slugify(_("strategiutkast"))
    if str(draft.number) not in name:
        name = f"{name}-{draft.number}"
    return f"{name}.{FORMATS[fmt][1]}"
