"""Single sign-on in Chromium against the real provider on loopback (oidc-provider-mock): sign in with the
organisation's account, sign out here and at the provider (the form's POST must not be redirected to another
site: the CSP's form-action would stop the browser), and the clear refusal of a person with too many groups;
axe on the pages a person sees, and screenshots under tests/artifacts/ (`make screenshots`)."""

from __future__ import annotations

import pytest
import requests

from tests.browser.conftest import page_screenshot
from tests.browser.test_foundation_pages import audit
from tests.test_sso import ROLE_MAP, provider  # noqa: F401  (the provider subprocess fixture)

pytestmark = pytest.mark.browser


@pytest.fixture
def sso_live(live_app, provider):  # noqa: F811
    saved = {k: live_app.config.get(k) for k in ("OIDC_METADATA_URL", "OIDC_CLIENT_ID", "OIDC_CLIENT_SECRET",
                                                 "OIDC_ROLE_MAP", "OIDC_GROUPS_OVERAGE_URL")}
    live_app.config.update(OIDC_METADATA_URL=f"{provider}/.well-known/openid-configuration", OIDC_CLIENT_ID="medvirkning",
                           OIDC_CLIENT_SECRET="hemmelig", OIDC_ROLE_MAP=ROLE_MAP, OIDC_GROUPS_OVERAGE_URL=None)
    yield provider
    live_app.config.update(saved)


def _click(page, selector: str) -> None:
    """A mouse click in the middle of the element, as a person makes it."""
    box = page.locator(selector).bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)


def test_sign_in_and_out_at_the_provider_in_a_browser(page, live_server, sso_live, capsys):
    page.goto(f"{live_server}/login")
    page.click("text=Logg inn med Microsoft")
    page.wait_for_url(f"{sso_live}/oauth2/authorize**")
    page.fill("input[name=sub]", "kari-sub")
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live_server}/staff")
    assert "Du er logget inn." in page.inner_text("body")
    _click(page, "form[action='/logout'] button")
    # our session ends first; the page moves on to the provider by itself
    page.wait_for_url(f"{sso_live}/oauth2/end_session**")
    assert "post_logout_redirect_uri" in page.url and "id_token_hint" in page.url
    page.click("button:has-text('End session')")
    page.wait_for_url(f"{live_server}/")
    page_screenshot(page, "sso-logged-out")
    assert "Du er logget ut, også hos innloggingstjenesten." in page.inner_text("body")
    assert audit(page) == []
    page.goto(f"{live_server}/staff")
    assert "/login" in page.url


def test_too_many_groups_is_refused_clearly_in_a_browser(page, live_server, sso_live):
    claims = {"email": "mange@kommune.no", "name": "Mange Grupper", "_claim_names": {"groups": "src1"},
              "_claim_sources": {"src1": {"endpoint": "https://graph.windows.net/x/getMemberObjects"}}}
    assert requests.put(f"{sso_live}/users/many-browser-sub", json=claims, timeout=30).status_code == 204
    page.goto(f"{live_server}/login")
    page.click("text=Logg inn med Microsoft")
    page.wait_for_url(f"{sso_live}/oauth2/authorize**")
    page.fill("input[name=sub]", "many-browser-sub")
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live_server}/login")
    alert = page.locator(".ds-alert").inner_text()
    assert "så mange grupper" in alert and "HEARING_OIDC_GROUPS_OVERAGE_URL" in alert
    page_screenshot(page, "sso-overage")
    assert audit(page) == []
