"""hearing/charts.py: SVG for pages, PNG for documents, always with a text alternative and a table."""

from __future__ import annotations

import io
import re
import xml.etree.ElementTree as ET

import pytest
from flask import render_template_string

from hearing import charts

SVG = "{http://www.w3.org/2000/svg}"


def test_bar_chart_svg_is_an_accessible_image_with_title_and_description():
    chart = charts.bar_chart("Innspill per gruppe", [("Eldrerådet", 12), ("Ansatte", 30)],
                             value_label="Innspill", category_label="Gruppe", locale="nb")
    root = ET.fromstring(chart.svg)  # noqa: S314 - well-formed, no XML prologue, no DOCTYPE
    assert root.tag == SVG + "svg"
    assert root.get("role") == "img"
    title_id, desc_id = root.get("aria-labelledby").split()
    assert root.find(SVG + "title").get("id") == title_id
    assert root.find(SVG + "title").text == "Innspill per gruppe"
    assert root.find(SVG + "desc").get("id") == desc_id
    assert "Høyest: Ansatte (30)" in root.find(SVG + "desc").text
    assert root.get("viewBox") and "width" not in root.attrib  # scales with its container
    assert "<metadata" not in chart.svg and "<?xml" not in chart.svg
    # the numbers and labels are in the picture as text too
    assert "Eldrerådet" in chart.svg and ">30<" in chart.svg


def test_text_alternative_and_table_carry_every_number():
    chart = charts.bar_chart("Innspill per kanal", {"Verksted": 7, "Spørreundersøkelse": 3, "Høring": 0},
                             value_label="Innspill", category_label="Kanal", locale="nb")
    assert chart.text == ("Innspill per kanal, 3 kategorier. Høyest: Verksted (7). Lavest: Høring (0). "
                          "Til sammen 10.")
    assert chart.table.headers == ["Kanal", "Innspill"]
    assert chart.table.rows == [["Verksted", "7"], ["Spørreundersøkelse", "3"], ["Høring", "0"]]


def test_percentages_are_written_as_the_language_writes_them():
    chart = charts.grouped_bar_chart("Andel per gruppe", ["Ansatte", "Innbyggere"],
                                     {"Forventet": [40, 60], "Faktisk": [70.5, 29.5]}, unit="%", locale="nb")
    assert chart.table.headers == ["Kategori", "Forventet", "Faktisk"]
    assert chart.table.rows == [["Ansatte", "40\u00a0%", "70,5\u00a0%"], ["Innbyggere", "60\u00a0%", "29,5\u00a0%"]]
    assert "Faktisk: høyest Ansatte (70,5\u00a0%)" in chart.text
    assert charts.format_value(12.5, unit="%", locale="en") == "12.5%"


def test_png_is_a_png_image():
    chart = charts.line_chart("Innspill per uke", ["Uke 45", "Uke 46", "Uke 47"], {"Innspill": [3, 9, 4]})
    assert chart.png.startswith(b"\x89PNG\r\n\x1a\n")
    assert chart.png_data_uri.startswith("data:image/png;base64,iVBOR")
    assert chart.table.rows[1] == ["Uke 46", "9"]


def test_two_charts_on_one_page_share_no_ids():
    a = charts.bar_chart("A", [("x", 1), ("y", 2)])
    b = charts.bar_chart("B", [("x", 1), ("y", 2)])
    ids_a = set(re.findall(r' id="([^"]+)"', a.svg))
    ids_b = set(re.findall(r' id="([^"]+)"', b.svg))
    assert ids_a and ids_b and not ids_a & ids_b
    # every reference inside a chart points to an id of that chart
    for chart, ids in ((a, ids_a), (b, ids_b)):
        for ref in re.findall(r'(?:url\(#|href="#)([^")]+)', chart.svg):
            assert ref in ids


def test_empty_data_gives_a_chart_that_says_so():
    chart = charts.bar_chart("Innspill per gruppe", [])
    assert chart.text == "Innspill per gruppe: ingen tall ennå."
    assert chart.table.rows == []
    assert ET.fromstring(chart.svg).get("role") == "img"  # noqa: S314 - our own output
    assert charts.line_chart("Per uke", [], {}).png.startswith(b"\x89PNG")


def test_series_must_match_the_categories():
    with pytest.raises(ValueError):
        charts.grouped_bar_chart("X", ["a", "b"], {"s": [1]})


def test_png_goes_into_a_docx():
    from docx import Document

    doc = Document()
    doc.add_picture(io.BytesIO(charts.bar_chart("A", [("x", 1)]).png))
    assert len(doc.inline_shapes) == 1


def test_macro_writes_figure_text_and_table(app):
    chart = charts.bar_chart("Innspill per gruppe", [("Eldrerådet", 12)], category_label="Gruppe",
                             value_label="Innspill")
    with app.test_request_context("/"):
        html = render_template_string(
            '{% from "_charts.html" import chart_with_table %}{{ chart_with_table(chart, table_open=True) }}',
            chart=chart)
    assert '<figure class="chart">' in html and 'role="img"' in html
    assert chart.text in html
    assert '<th scope="row">Eldrerådet</th><td class="num">12</td>' in html
    assert "<caption>Innspill per gruppe</caption>" in html


def test_a_share_is_drawn_against_the_whole():
    """The response rate of invited bodies: 0 % shows an axis of 0–100 %, not 0–1, and 33 % fills a third."""
    from matplotlib.figure import Figure

    for values in ([0.0], [33.3, 0.0]):
        chart = charts.bar_chart("Svar fra inviterte", [(f"Høring {n}", v) for n, v in enumerate(values)], unit="%",
                                 locale="nb")
        fig = Figure()
        chart._draw(fig)
        assert fig.axes[0].get_xlim()[1] >= 100
    counts = charts.bar_chart("Innspill", [("A", 3)], locale="nb")
    fig = Figure()
    counts._draw(fig)
    assert fig.axes[0].get_xlim()[1] < 10  # counts keep their own scale


def _texts(svg: str) -> list[str]:
    root = ET.fromstring(svg)  # noqa: S314 - our own SVG
    return [t.text.strip() for t in root.iter(SVG + "text") if t.text and t.text.strip()]


def test_counts_have_whole_ticks_and_numbers_are_written_as_the_language_writes_them():
    """A count axis has no "0.5" tick (the yearly revision's status chart showed 0.5 measures), and ticks use
    the language's decimal comma like the bars' labels and the table."""
    counts = charts.bar_chart("Tiltakenes status", [("Ikke startet", 3), ("I gang", 1), ("Gjennomført", 0)], locale="nb")
    ticks = _texts(counts.svg)
    assert "0.5" not in ticks and "1.5" not in ticks and "0,5" not in ticks
    assert {"0", "1", "2", "3"} <= set(ticks)
    shares = charts.bar_chart("Andel", [("A", 2.5), ("B", 1.25)], locale="nb")
    assert "2.5" not in _texts(shares.svg) and any("," in t for t in _texts(shares.svg))
    weeks = charts.line_chart("Innspill per uke", ["Uke 1", "Uke 2"], {"Innspill": [1, 2]}, locale="nb")
    assert "0.5" not in _texts(weeks.svg) and "1.5" not in _texts(weeks.svg)
    grouped = charts.grouped_bar_chart("Per gruppe", ["A", "B"], {"Deltakere": [1, 0], "Innspill": [2, 1]}, locale="nb")
    assert "0.5" not in _texts(grouped.svg) and "1.5" not in _texts(grouped.svg)
