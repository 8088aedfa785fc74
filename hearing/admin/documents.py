"""The document under hearing: sections written by hand or imported from Markdown or DOCX."""

from __future__ import annotations

import re
from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from hearing import audit
from hearing.core.errors import ServiceError
from hearing.models import Activity, Document, Input, Section


@dataclass
class SectionDraft:
    level: int
    title: str
    body: str


HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$")


def sections_from_markdown(text: str) -> list[SectionDraft]:
    """Each heading starts a section; text before the first heading becomes an introduction."""
    sections: list[SectionDraft] = []
    body: list[str] = []
    current: SectionDraft | None = None
    for line in text.replace("\r\n", "\n").split("\n"):
        m = HEADING.match(line)
        if m:
            if current or any(b.strip() for b in body):
                sections.append(current or SectionDraft(1, "Innledning", ""))
                sections[-1].body = "\n".join(body).strip()
            current, body = SectionDraft(len(m.group(1)), m.group(2).strip(), ""), []
        else:
            body.append(line)
    if current or any(b.strip() for b in body):
        sections.append(current or SectionDraft(1, "Innledning", ""))
        sections[-1].body = "\n".join(body).strip()
    return sections


def sections_from_docx(data: bytes) -> list[SectionDraft]:
    """Headings (the built-in "Heading N"/"Overskrift N" styles and the title) become sections."""
    from hearing.core.archives import ArchiveError, docx_paragraphs

    try:
        # The archive's size is checked before anything is parsed (a 109 kB file can hold 32 MB of XML).
        paragraphs = docx_paragraphs(data)
    except ArchiveError as exc:
        if exc.reason == "broken":
            raise ServiceError(_l("Filen kunne ikke leses som et Word-dokument (DOCX).")) from exc
        raise ServiceError(_l("Word-dokumentet pakker seg ut til mer enn vi kan lese. Del dokumentet opp, eller lim "
                              "inn teksten som Markdown.")) from exc
    lines = []
    for style_name, text in paragraphs:
        style = style_name.lower()
        m = re.search(r"(heading|overskrift)\s*(\d)", style)
        if m and text.strip():
            lines.append("#" * int(m.group(2)) + " " + text.strip())
        elif style == "title" and text.strip():
            lines.append("# " + text.strip())
        else:
            lines.append(text)
    return sections_from_markdown("\n".join(lines))


def _numbers(sections: list[SectionDraft]) -> list[str]:
    """Section numbers like 1, 1.1, 2 from the heading levels."""
    top = min((s.level for s in sections), default=1)
    counters: list[int] = []
    out = []
    for s in sections:
        depth = s.level - top + 1
        counters = counters[:depth] + [0] * (depth - len(counters))
        counters[depth - 1] += 1
        out.append(".".join(str(c) for c in counters if c))
    return out


def replace_sections(session: Session, actor, activity: Activity, title: str, drafts: list[SectionDraft], *, filename: str = "") -> Document:
    """Set the hearing document's sections (the old ones go; comments already given keep their text)."""
    if activity.kind != "hearing":
        raise ServiceError(_l("Bare høringer har et høringsdokument."))
    if not drafts:
        raise ServiceError(_l("Fant ingen avsnitt. Bruk overskrifter for å dele dokumentet i avsnitt."))
    if activity.document is not None:
        commented = session.scalar(
            sa.select(sa.func.count(Input.id)).where(Input.section_id.in_([s.id for s in activity.document.sections]))
        )
        if commented:
            raise ServiceError(_l("Dokumentet har %(commented)s kommentarer til avsnitt og kan ikke erstattes. Lag en ny høring for et nytt utkast.", commented=commented))
    document = activity.document or Document(activity=activity, title=title)
    document.title = title
    document.source_filename = filename
    session.add(document)
    document.sections.clear()
    session.flush()
    top = min(d.level for d in drafts)
    for pos, (draft, number) in enumerate(zip(drafts, _numbers(drafts), strict=True), start=1):
        document.sections.append(Section(position=pos, level=min(draft.level - top + 1, 6), number=number,
                                         title=draft.title[:300], body=draft.body))
    session.flush()
    audit.record(session, actor, "document.replace", document, process_id=activity.process_id,
                 sections=len(drafts), filename=filename)
    return document


def as_markdown(document: Document | None) -> str:
    """The document as Markdown, for editing in one text field."""
    if document is None:
        return ""
    parts = []
    for s in document.sections:
        parts.append("#" * s.level + " " + s.title)
        if s.body:
            parts.append(s.body)
    return "\n\n".join(parts)
