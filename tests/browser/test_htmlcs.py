"""The second engine (HTML_CodeSniffer, tests/browser/htmlcs.py) runs and reports: a page with known faults
gives its errors, a page without gives none, and the one false positive it is spared is only that one."""

from __future__ import annotations

import pytest

from tests.browser.htmlcs import sniff

pytestmark = pytest.mark.browser

_BAD = """<!doctype html><html lang="nb"><head><title>Feil</title></head><body><main>
<form><input type="text" name="navn"><input type="hidden" id="k" name="a"><input type="hidden" id="k" name="b">
<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw="></form></main></body></html>"""

_GOOD = """<!doctype html><html lang="nb"><head><title>Uten feil</title></head><body><main><h1>Skjema</h1>
<form><label for="navn">Navn</label><input type="text" id="navn" name="navn">
<input type="text" name="username" value="a@b.no" autocomplete="username" hidden>
<fieldset><legend>Valg</legend><input type="checkbox" id="v" name="v"><label for="v">Ja</label></fieldset>
<button type="submit">Send</button>
</form></main></body></html>"""


def test_html_codesniffer_finds_the_faults_of_a_bad_page_and_none_on_a_good_one(page):
    page.set_content(_BAD)
    found = " ".join(sniff(page))
    assert "H91.InputText.Name" in found  # a text box without a name (4.1.2)
    assert "F77" in found and 'Duplicate id attribute value "k"' in found  # two elements with one id (4.1.1), hidden or not
    assert "H37" in found  # an image without alt (1.1.1)
    page.set_content(_GOOD)
    assert sniff(page) == []  # the hidden username field needs no name: not in the accessibility tree
