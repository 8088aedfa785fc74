"""group_file and the ``themes group`` command on small files."""

import csv
import json

import pytest
from click.testing import CliRunner
from openpyxl import Workbook, load_workbook

from hearing.themes import ThemesInputError, group_file, read_table
from hearing.themes.cli import themes

from .corpus import make_corpus


@pytest.fixture(scope="module")
def corpus():
    return make_corpus()


def _write_csv(path, rows, *, delimiter=",", encoding="utf-8"):
    with open(path, "w", encoding=encoding, newline="") as fh:
        w = csv.writer(fh, delimiter=delimiter)
        w.writerows(rows)
    return path


def _rows(corpus):
    texts, labels = corpus
    return [["id", "Innspill", "tema"]] + [[str(i), t, lab] for i, (t, lab)
                                              in enumerate(zip(texts, labels, strict=False))]


def test_read_csv_utf8_bom_comma(tmp_path, corpus):
    p = _write_csv(tmp_path / "a.csv", _rows(corpus), encoding="utf-8-sig")
    table = read_table(p)
    assert table.columns == ["id", "Innspill", "tema"]
    assert len(table.rows) == len(corpus[0])


def test_read_semicolon_cp1252(tmp_path):
    rows = [["Innspill", "Kategori"], ["Mer mat på sykehjemmet, gjerne ærlig", "mat"],
            ["Bussen går sjelden", "buss"]]
    p = _write_csv(tmp_path / "b.csv", rows, delimiter=";", encoding="cp1252")
    table = read_table(p)
    assert table.delimiter == ";"
    assert table.rows[0][0] == "Mer mat på sykehjemmet, gjerne ærlig"


def test_read_tsv_and_xlsx(tmp_path, corpus):
    p = _write_csv(tmp_path / "c.tsv", _rows(corpus), delimiter="\t")
    assert read_table(p).columns[1] == "Innspill"
    wb = Workbook()
    ws = wb.active
    for r in _rows(corpus):
        ws.append(r)
    ws.append([None, None, None])
    wb.save(tmp_path / "d.xlsx")
    table = read_table(tmp_path / "d.xlsx")
    assert table.columns == ["id", "Innspill", "tema"] and len(table.rows) == len(corpus[0])


def test_group_file_xlsx_writes_theme_columns(tmp_path, corpus):
    wb = Workbook()
    ws = wb.active
    for r in _rows(corpus):
        ws.append(r)
    wb.save(tmp_path / "in.xlsx")
    res = group_file(tmp_path / "in.xlsx", text_column="innspill", label_column="tema", k=3,
                     out=tmp_path / "out.xlsx")
    assert res.scores["nmi"] > 0.5
    out = list(load_workbook(tmp_path / "out.xlsx").active.iter_rows(values_only=True))
    assert out[0][:5] == ("id", "Innspill", "tema", "theme_id", "theme_label")
    assert len(out) == len(corpus[0]) + 1
    assert all(r[4] for r in out[1:])


def test_group_file_semicolon_cp1252_with_empty_texts(tmp_path, corpus):
    rows = _rows(corpus) + [["99", "", "mat"]]
    p = _write_csv(tmp_path / "e.csv", rows, delimiter=";", encoding="cp1252")
    res = group_file(p, text_column="Innspill", out=tmp_path / "out.csv")
    assert res.model.n_themes_ >= 2
    with open(tmp_path / "out.csv", encoding="utf-8-sig", newline="") as fh:
        out = list(csv.reader(fh, delimiter=";"))
    assert out[0][3:5] == ["theme_id", "theme_label"]
    assert set(out[-1][3:]) == {""}  # empty text: no theme
    assert len(out) == len(rows)


@pytest.mark.parametrize(
    ("setup", "kwargs", "message"),
    [
        (None, {"text_column": "x"}, "Fant ikke filen"),
        ("empty", {"text_column": "x"}, "er tom"),
        ("csv", {"text_column": "Tekst"}, "Fant ikke tekstkolonnen «Tekst»"),
        ("csv", {"text_column": "Innspill", "label_column": "Fasit"}, "etikettkolonnen «Fasit»"),
        ("badxlsx", {"text_column": "x"}, "Excel-fil"),
        ("pdf", {"text_column": "x"}, "Ukjent filtype"),
    ],
)
def test_bad_files_give_clear_norwegian_errors(tmp_path, corpus, setup, kwargs, message):
    path = tmp_path / "missing.csv"
    if setup == "empty":
        path.write_bytes(b"")
    elif setup == "csv":
        _write_csv(path, _rows(corpus))
    elif setup == "badxlsx":
        path = tmp_path / "bad.xlsx"
        path.write_bytes(b"not a zip file")
    elif setup == "pdf":
        path = tmp_path / "a.pdf"
        path.write_bytes(b"%PDF")
    with pytest.raises(ThemesInputError, match=message):
        group_file(path, **kwargs)


def test_cli_group_with_labels_prints_nmi_and_ari(tmp_path, corpus):
    p = _write_csv(tmp_path / "in.csv", _rows(corpus))
    runner = CliRunner()
    result = runner.invoke(themes, ["group", str(p), "--text-column", "Innspill",
                                    "--label-column", "tema", "--k", "3",
                                    "--out", str(tmp_path / "out.csv")])
    assert result.exit_code == 0, result.output
    assert "NMI" in result.output and "ARI" in result.output
    assert (tmp_path / "out.csv").exists()


def test_cli_json_summary(tmp_path, corpus):
    p = _write_csv(tmp_path / "in.csv", _rows(corpus))
    result = CliRunner().invoke(themes, ["group", str(p), "--text-column", "Innspill", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["n_inputs"] == len(corpus[0])
    theme = data["themes"][0]
    assert {"label", "size", "terms", "quotes"} <= set(theme)
    assert len(theme["quotes"]) == 3 and all(isinstance(q, str) for q in theme["quotes"])


def test_cli_reports_missing_column(tmp_path, corpus):
    p = _write_csv(tmp_path / "in.csv", _rows(corpus))
    result = CliRunner().invoke(themes, ["group", str(p), "--text-column", "Nope"])
    assert result.exit_code == 2
    assert "Fant ikke tekstkolonnen «Nope»" in result.output
