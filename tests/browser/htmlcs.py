"""HTML_CodeSniffer (npm ``html_codesniffer``, in package.json), a second WCAG 2.1 AA engine beside axe-core.

It runs inside the page, offline: its built script (from node_modules) is loaded into the page as axe's is
(``load_script`` in conftest.py: from the live server, whose origin the app's Content-Security-Policy allows),
then ``HTMLCS.process('WCAG2AA', …)``
checks the document. Only its errors count: its warnings and notices ask for a person's judgement ("check
that this title describes the page") and are not failures.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.browser.conftest import AUDIT_SCRIPTS, load_script

SCRIPT = Path(AUDIT_SCRIPTS["HTMLCS.js"])

#: The one false positive known: a hidden element (``hidden``, as the ``username`` field beside a new password that lets password
#: managers store the pair) is not in the accessibility tree, so it needs no accessible name: its "no name"
#: findings (WCAG 4.1.2, codes under ``4_1_2``) are false positives. Other findings on hidden elements (a
#: duplicate id) still count.
_HIDDEN_NAME = "Guideline4_1.4_1_2"

_RUN = """(HIDDEN_NAME) => new Promise((resolve) => {
  HTMLCS.process("WCAG2AA", document, () => {
    resolve(HTMLCS.getMessages().filter((m) => m.type === HTMLCS.ERROR).map((m) => {
      const el = m.element;
      if (m.code.includes(HIDDEN_NAME) && el && el.closest && el.closest("[hidden]")) return null;
      const html = el && el.outerHTML ? el.outerHTML.replace(/\\s+/g, " ").slice(0, 160) : String(el && el.nodeName);
      return [m.code, m.msg, html];
    }).filter((found) => found !== null));
  }, () => resolve([["HTMLCS", "the check did not run", ""]]), "en");
})"""


def sniff(page) -> list[str]:
    """HTML_CodeSniffer's WCAG2AA errors on the page as it is now, less the false positive below."""
    if not SCRIPT.exists():
        pytest.fail(f"{SCRIPT} is missing: run `npm install` (make assets) to install html_codesniffer")
    load_script(page, "HTMLCS.js", present="typeof HTMLCS !== 'undefined'")
    return [f"{code}: {msg} {html}" for code, msg, html in page.evaluate(_RUN, _HIDDEN_NAME)]
