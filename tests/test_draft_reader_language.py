"""#22: a reviewer's draft download has its own words in the reader's language and the draft's text tagged."""

from __future__ import annotations

import io

from flask_babel import force_locale

from hearing.documents import drafts as draft_files
from tests.test_drafts import fill, world  # noqa: F401  (fixture)


def test_a_draft_in_english_keeps_its_text_tagged_as_bokmal(app, world):  # noqa: F811
    """Headings and table headers in the reader's language; what the draft says stays as written, with its
    language on it (WCAG 3.1.2) in DOCX and PDF."""
    import docx
    from docx.oxml.ns import qn

    draft = fill(world)
    with app.test_request_context(), force_locale("en"):
        document = docx.Document(io.BytesIO(draft_files.render(draft, "docx", lang="en")))
        html = draft_files.to_html(draft, "en")
        name = draft_files.file_name(draft, "docx")
    assert document.core_properties.language == "en"
    assert [p.text for p in document.paragraphs if p.style.name == "Heading 2"][:2] == ["Where we are", "Where we want to be"]
    area = next(p for p in document.paragraphs if p.text == "1. Mat og måltider")
    assert area.runs[0]._r.rPr.find(qn("w:lang")).get(qn("w:val")) == "nb-NO"
    headings = [p for p in document.paragraphs if p.text == "Where we are"]
    assert headings[0].runs[0]._r.rPr is None or headings[0].runs[0]._r.rPr.find(qn("w:lang")) is None
    assert '<html lang="en">' in html and '<h2 lang="nb">1. Mat og måltider</h2>' in html
    assert name == "strategiutkast-1.docx"  # from the draft's own title

    with app.test_request_context():  # in its own language nothing is tagged twice
        assert ' lang="nb"' not in draft_files.to_html(draft).split("<body", 1)[1]
