"""#22: reviewers' report and revision downloads, and export file names, in the language of the page that asked."""

from __future__ import annotations

import io
from types import SimpleNamespace

from flask_babel import force_locale

from hearing.documents import revisions as revision_files
from tests.conftest import export_via_page
from tests.test_reporting import make_report, reviewer_client, world  # noqa: F401  (fixtures)


def test_a_report_downloaded_from_the_english_page_is_in_english(reviewer_client, world):  # noqa: F811
    import docx

    report = make_report(world)
    preview = f"/reports/{report.id}"
    reviewer_client.get(preview + "?lang=en")
    _job, r = export_via_page(reviewer_client, preview, f"/reports/{report.id}/export.docx")
    assert r.status_code == 200 and r.headers["Content-Disposition"].endswith("-en.docx")
    document = docx.Document(io.BytesIO(r.data))
    headings = [p.text for p in document.paragraphs if p.style.name.startswith("Heading")]
    assert "You said" in headings and "Dere svarte" not in headings
    assert document.core_properties.language == "en"
    assert "Varm middag hver dag" in "\n".join(p.text for p in document.paragraphs)  # what people wrote stays as written

    reviewer_client.get(preview + "?lang=nb")
    _job, r = export_via_page(reviewer_client, preview, f"/reports/{report.id}/export.md")
    assert "## Dere svarte" in r.get_data(as_text=True) and not r.headers["Content-Disposition"].endswith("-en.md")


def test_file_names_are_in_the_readers_language(app):
    plan = SimpleNamespace(title="Strategiplan Mestring og helse")
    view = SimpleNamespace(year=2027, plan=plan)
    with app.test_request_context():
        assert revision_files.file_name(view, "docx") == "rullering-2027-strategiplan-mestring-og-helse.docx"
        for lang, word in (("en", "revision"), ("nn", "rullering"), ("da", "rullering")):
            with force_locale(lang):
                assert revision_files.file_name(view, "pdf") == f"{word}-2027-strategiplan-mestring-og-helse.pdf"


def test_the_inputs_file_is_named_in_the_readers_language(app, make_process):
    from hearing.exports.jobs import file_name

    process = make_process()
    with app.test_request_context():
        assert file_name("innspill", process, "csv").startswith("innspill-")
        with force_locale("en"):
            from flask_babel import gettext

            assert file_name(gettext("innspill"), process, "xlsx").startswith("inputs-")



def test_the_backup_is_named_in_the_language_of_the_page_that_asked(admin_client, make_process):
    """#22: the backup's file name was "prosess-…" whatever the reader's language."""
    import sqlalchemy as sa
    from flask_babel import gettext

    from hearing.exports.jobs import file_name
    from hearing.extensions import db
    from hearing.jobs import run_pending_jobs
    from hearing.models import Job

    process = make_process()
    page = f"/files/processes/{process.id}"
    names = {}
    for lang in ("en", "nb"):
        admin_client.get(f"{page}?lang={lang}")
        assert admin_client.submit(page, action=f"{page}/backup").status_code == 302
        job = db.session.scalar(sa.select(Job).order_by(Job.id.desc()))
        assert job.kind == "exports.process_json" and job.payload["lang"] == lang
        run_pending_jobs()
        r = admin_client.get(f"/files/jobs/{job.id}/download")
        assert r.status_code == 200 and r.mimetype == "application/gzip"
        names[lang] = r.headers["Content-Disposition"]
        with force_locale(lang):
            expected = file_name(gettext("prosess"), process, "json.gz")
        assert expected in names[lang], (lang, names[lang])
    assert "prosess-" in names["nb"]


def test_a_report_files_period_is_on_the_local_clock_in_the_readers_language(app):
    """#22: the files' "when it was open" was the UTC date as 01.12.2026 in every language; a deadline at
    00:30 in Oslo was the day before. Now as the page shows it."""
    from datetime import UTC, datetime

    from hearing.documents.reports import _period

    asked = SimpleNamespace(opens_dt=datetime(2026, 11, 1, 8, 0, tzinfo=UTC), closes_dt=datetime(2026, 11, 30, 23, 30, tzinfo=UTC))
    with app.test_request_context():
        assert _period(asked) == "1. november 2026–1. desember 2026"  # 00:30 on 1 December in Oslo
        for lang, expected in (("en", "1 November 2026–1 December 2026"), ("da", "1. november 2026–1. december 2026")):
            with force_locale(lang):
                assert _period(asked) == expected
        with force_locale("en"):
            assert _period(SimpleNamespace(opens_dt=None, closes_dt=asked.closes_dt)) == "deadline 1 December 2026"
