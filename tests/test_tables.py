"""The one CSV/XLSX reader (hearing.core.tables) serves the imports and the theme CLI, each in its own words."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from flask_babel import force_locale

from hearing.core import tables
from hearing.imports import files as import_files
from hearing.themes import ThemesInputError
from hearing.themes import read_table as themes_read_table

ROOT = Path(__file__).resolve().parent.parent / "hearing"


def _flask_imports(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        names = [node.module or ""] if isinstance(node, ast.ImportFrom) else (
            [a.name for a in node.names] if isinstance(node, ast.Import) else [])
        found += [n for n in names if n.split(".")[0] in ("flask", "flask_babel", "werkzeug")]
    return found


def test_the_reader_and_the_engine_import_no_flask():
    for path in [ROOT / "core" / "tables.py", ROOT / "core" / "archives.py", *sorted((ROOT / "themes").glob("*.py"))]:
        assert _flask_imports(path) == [], path.name


def test_utf16_tab_file_reads_the_same_for_both_callers(tmp_path):
    data = "Innspill\tGruppe\r\nMer fysioterapi i hjemmet\tEldrerådet\r\nBedre busstilbud\tUngdomsrådet\r\n"
    raw = data.encode("utf-16")
    path = tmp_path / "svar.tsv"
    path.write_bytes(raw)
    core = tables.read_table(raw, "svar.tsv")
    assert core.columns == ["Innspill", "Gruppe"] and core.encoding == "UTF-16"
    assert [r.cells for r in import_files.read_table(raw, "svar.tsv").rows] == [r.cells for r in core.rows]
    cli = themes_read_table(path)
    assert cli.columns == core.columns and cli.rows == [r.cells for r in core.rows] and cli.delimiter == "\t"


def test_a_tsv_name_means_tabs_even_when_the_text_has_semicolons():
    raw = "Innspill\tGruppe\nMat; drikke; og mer\tEldrerådet\nBuss; tog\tUngdomsrådet\n".encode()
    table = tables.read_table(raw, "svar.tsv")
    assert table.columns == ["Innspill", "Gruppe"] and table.rows[0].cells == ["Mat; drikke; og mer", "Eldrerådet"]


def test_errors_carry_a_code_each_caller_words_in_its_own_way(app, tmp_path):
    with pytest.raises(tables.TableError) as caught:
        tables.read_table(b"Tidsmerke;Svar\r\n", "tom.csv")
    assert caught.value.code == "header_only" and "har bare overskriftsraden" in str(caught.value)
    path = tmp_path / "tom.csv"
    path.write_bytes(b"Tidsmerke;Svar\r\n")
    with pytest.raises(ThemesInputError, match="«tom.csv» har bare overskriftsraden"):
        themes_read_table(path)
    with app.test_request_context(), pytest.raises(import_files.ImportFileError) as imported:
        import_files.read_table(b"Tidsmerke;Svar\r\n", "tom.csv")
    with app.test_request_context(), force_locale("en"):
        english = str(imported.value)
    assert "tom.csv" in english and "header row" in english


def test_a_nameless_file_is_called_the_file_in_the_readers_language(app):
    with app.test_request_context(), pytest.raises(import_files.ImportFileError) as caught:
        import_files.read_table(b"", "")
    with app.test_request_context():
        assert str(caught.value) == "«filen» er tom."
    assert str(tables.TableError("empty", name="")) == "«filen» er tom."


def test_an_unclosed_quote_is_a_note_the_imports_translate(app):
    raw = b'Svar;Gruppe\n"Mer mat;Ansatte\nBuss;Ungdom\n'
    note = tables.read_table(raw, "a.csv").warnings[0]
    assert note.code == "unclosed_quote" and note.params == {"line": 2} and "Linje 2" in str(note)
    with app.test_request_context():
        assert "Linje 2" in str(import_files.read_table(raw, "a.csv").warnings[0])


def test_the_cli_reads_files_larger_than_an_upload_may_be(monkeypatch, tmp_path):
    monkeypatch.setattr(tables, "MAX_BYTES", 10)
    path = tmp_path / "stor.csv"
    path.write_text("Innspill\nMer mat på sykehjemmet\n", encoding="utf-8")
    assert themes_read_table(path).rows == [["Mer mat på sykehjemmet"]]
    with pytest.raises(tables.TableError, match="større enn"):
        tables.read_table(path.read_bytes(), "stor.csv")
