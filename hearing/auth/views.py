from __future__ import annotations

import hashlib
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_user, logout_user

from hearing.actions import commit, keep_and_refuse, refuse_form
from hearing.auth import forms, public, role_required, services
from hearing.extensions import db, limiter
from hearing.i18n import html_lang
from hearing.links import external_url

bp = Blueprint("auth", __name__)


def safe_next(target: str | None) -> str | None:
    """Only local paths: an open redirect to another site is refused."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    return target


def home_for(user) -> str:
    if user.role == "admin":
        return url_for("admin.index")
    return url_for("public.staff_home")


class _FailureThrottle:
    """Failed logins counted per client address and e-mail (LOGIN_FAILURE_LIMIT) in the rate-limit store
    every app process shares: guessing from one address stops there, while the account stays open to its
    owner elsewhere."""

    def __init__(self, email: str):
        from limits import parse

        self.item = parse(current_app.config["LOGIN_FAILURE_LIMIT"])
        digest = hashlib.sha256((email or "").strip().lower().encode()).hexdigest()[:24]
        self.key = ("login-failures", get_remote_address(), digest)
        self.enabled = current_app.config.get("RATELIMIT_ENABLED", True)

    def allows(self) -> bool:
        try:
            return not self.enabled or limiter.limiter.test(self.item, *self.key)
        except Exception:  # noqa: BLE001  (a store that cannot be reached lets the try through, as the limiter does)
            return True

    def count(self) -> None:
        try:
            if self.enabled:
                limiter.limiter.hit(self.item, *self.key)
        except Exception:  # noqa: BLE001,S110
            pass


@bp.route("/login", methods=["GET", "POST"])
@public
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"], methods=["POST"])
def login():
    form = forms.LoginForm()
    if request.method == "GET":
        form.next.data = request.args.get("next", "")
    if form.validate_on_submit():
        throttle = _FailureThrottle(form.email.data)
        try:
            if not throttle.allows():
                services.dummy_password_check(form.password.data)  # as long as a real try
                raise services.LoginError(services.FAILED_LOGIN)
            user = services.authenticate(db.session, form.email.data, form.password.data)
        except services.LoginError as exc:
            # The account's failure count (and a lock) is kept; committed before the throttle's own write,
            # which SQLite would otherwise make wait for this session's lock.
            keep_and_refuse(form, exc)
            throttle.count()
        else:
            commit()
            _start(user)
            if user.must_change_password:
                flash(_("Du er logget inn med et midlertidig passord. Velg ditt eget passord før du går videre."), "info")
                return redirect(url_for("auth.change_password"))
            flash(_("Du er logget inn."), "success")
            return redirect(safe_next(form.next.data) or home_for(user))
    return render_template("auth/login.html", form=form, **_sso_context())


@bp.route("/account/password", methods=["GET", "POST"])
@role_required("reviewer", "facilitator")  # every staff role (administrators pass every check)
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"], methods=["POST"])
def change_password():
    form = forms.ChangePasswordForm()
    user = current_user._get_current_object()
    form.policy_user = user
    if form.validate_on_submit():
        try:
            services.change_password(db.session, user, form.current.data, form.password.data)
        except services.LoginError as exc:
            keep_and_refuse(form, exc)  # a wrong current password counts as a failed login
        else:
            commit()
            login_user(user)  # this session goes on with the new password; other sessions end
            flash(_("Passordet ditt er byttet. Andre økter er logget ut."), "success")
            return redirect(home_for(user))
    return render_template("auth/change_password.html", form=form, temporary=user.must_change_password)


def _start(user) -> None:
    """Log ``user`` in; their own language (the user form's) becomes the pages' language, unless they chose
    one on this visit already."""
    from flask_babel import refresh

    login_user(user)
    if user.lang in current_app.config["LANGUAGES"] and not session.get("lang"):
        session["lang"] = user.lang
        refresh()  # this request's messages too


def _sso_context() -> dict:
    from hearing.auth import sso

    return {"sso_enabled": sso.enabled(), "sso_label": current_app.config["OIDC_LABEL"]}


@bp.get("/login/sso")
@public
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"])
def sso_login():
    """Send the person to the organisation's sign-on (OpenID Connect); the answer comes to sso_callback."""
    from hearing.auth import sso

    if not sso.enabled():
        abort(404)
    session["sso_next"] = safe_next(request.args.get("next")) or ""
    try:
        return sso.client().authorize_redirect(external_url("auth.sso_callback"))
    except Exception as exc:  # noqa: BLE001  (the provider did not answer: say so, keep passwords working)
        current_app.logger.warning("single sign-on unavailable: %s", exc)
        flash(_("Innlogging med organisasjonskontoen virker ikke akkurat nå: vi fikk ikke svar fra %(host)s. Prøv igjen "
                "om litt, eller logg inn med e-post og passord.", host=sso.provider_host()), "danger")
        return redirect(url_for("auth.login"))


@bp.get("/login/sso/callback")
@public
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"])
def sso_callback():
    """The provider's answer: check it, find or create the user, log in."""
    from authlib.integrations.base_client import OAuthError

    from hearing.auth import sso

    if not sso.enabled():
        abort(404)
    if request.args.get("error"):
        flash(_("Innloggingen ble avbrutt hos innloggingstjenesten (%(error)s). Prøv igjen, eller logg inn med passord.",
                error=request.args.get("error_description") or request.args["error"]), "warning")
        return redirect(url_for("auth.login"))
    try:
        token = sso.client().authorize_access_token()
        claims = dict(token.get("userinfo") or {})
        config = current_app.config
        groups_claim = config["OIDC_GROUPS_CLAIM"]
        if groups_claim not in claims or not sso.email_of(claims):
            claims.update({k: v for k, v in (sso.client().userinfo(token=token) or {}).items() if k not in ("iss", "sub")})
        if sso.has_group_overage(claims, groups_claim):
            # too many groups for the token (Entra ID): read them where configured, else refuse and say why
            if not config.get("OIDC_GROUPS_OVERAGE_URL"):
                raise sso.overage_refusal()
            claims[groups_claim] = sso.fetch_overage_groups(sso.client(), token, config["OIDC_GROUPS_OVERAGE_URL"])
        user = sso.sign_in(db.session, claims, role_map=config.get("OIDC_ROLE_MAP") or {}, groups_claim=groups_claim)
        commit()
    except sso.SsoError as exc:
        db.session.rollback()
        flash(_(str(exc.args[0])), "danger")
        return redirect(url_for("auth.login"))
    except OAuthError as exc:
        db.session.rollback()
        current_app.logger.warning("single sign-on refused: %s", exc)
        flash(_("Innloggingen kunne ikke bekreftes (%(error)s). Start innloggingen på nytt.", error=exc.error), "danger")
        return redirect(url_for("auth.login"))
    except Exception as exc:  # noqa: BLE001  (the provider went away mid-login)
        db.session.rollback()
        current_app.logger.warning("single sign-on failed: %s", exc)
        flash(_("Vi fikk ikke svar fra innloggingstjenesten %(host)s. Prøv igjen om litt, eller logg inn med e-post og "
                "passord.", host=sso.provider_host()), "danger")
        return redirect(url_for("auth.login"))
    _start(user)
    # kept for signing out at the provider too (see logout)
    session["sso_login"] = True
    id_token = token.get("id_token") or ""
    if id_token and len(id_token) <= sso.MAX_ID_TOKEN_KEPT:
        session["sso_id_token"] = id_token
    if isinstance(claims.get("login_hint"), str) and len(claims["login_hint"]) <= 500:
        session["sso_login_hint"] = claims["login_hint"]
    flash(_("Du er logget inn."), "success")
    return redirect(session.pop("sso_next", "") or home_for(user))


@bp.route("/glemt-passord", methods=["GET", "POST"])
@public
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"], methods=["POST"])
def forgot_password():
    """Ask for a reset link. The answer is the same whether the address has an account or not."""
    form = forms.ForgotPasswordForm()
    if form.validate_on_submit():
        minutes = int(current_app.config["PASSWORD_RESET_MINUTES"])
        services.request_password_reset(
            db.session, form.email.data, lang=html_lang(), minutes=minutes,
            link_for=lambda token: external_url("auth.set_password", token=token),
        )
        commit()
        return render_template("auth/reset_sent.html", email=form.email.data.strip(), minutes=minutes)
    return render_template("auth/forgot_password.html", form=form)


@bp.route("/nytt-passord/<token>", methods=["GET", "POST"])
@public
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"], methods=["POST"])
def set_password(token: str):
    """A one-time link from an e-mail (password reset or invitation of a new user): choose a password."""
    row = services.find_user_token(db.session, token)
    if row is None:
        return render_template("auth/link_expired.html"), 410
    form = forms.NewPasswordForm()
    form.policy_user = row.user  # the person's e-mail and name count as words to avoid
    purpose = row.purpose
    if form.validate_on_submit():
        try:
            user = services.set_password_with_token(db.session, row, form.password.data)
        except services.LoginError as exc:
            refuse_form(form, exc)
        else:
            commit()
            _start(user)
            flash(_("Passordet er lagret, og du er logget inn."), "success")
            return redirect(home_for(user))
    return render_template("auth/set_password.html", form=form, purpose=purpose, email=row.user.email)


@bp.post("/logout")
@public
def logout():
    by_sso = session.pop("sso_login", False)
    id_token, login_hint = session.pop("sso_id_token", None), session.pop("sso_login_hint", None)
    if current_user.is_authenticated:
        # Ended on the server too: a copy of this session's cookie no longer logs anyone in.
        services.end_session(db.session, current_user._get_current_object())
        commit()
    logout_user()
    if by_sso and current_app.config.get("OIDC_PROVIDER_LOGOUT"):
        leave = _provider_logout(id_token, login_hint)
        if leave is not None:
            return leave
    flash(_("Du er logget ut."), "info")
    return redirect(url_for("public.index"))


def _provider_logout(id_token: str | None, login_hint: str | None):
    """Send someone who signed in through the provider there to sign out too; None when it cannot (said so)."""
    import secrets

    from hearing.auth import sso

    if not sso.enabled():
        return None
    state = secrets.token_urlsafe(24)
    try:
        url = sso.end_session_url(post_logout_redirect_uri=external_url("auth.sso_logged_out"), state=state,
                                  id_token=id_token, login_hint=login_hint, ui_locales=html_lang())
    except Exception as exc:  # noqa: BLE001  (the provider does not answer: out here, and say what is left)
        current_app.logger.warning("provider logout unavailable: %s", exc)
        flash(_("Du er logget ut her, men vi fikk ikke svar fra innloggingstjenesten %(host)s, så du kan fortsatt være "
                "logget inn der. Lukk nettleseren hvis du bruker en delt maskin.", host=sso.provider_host()), "warning")
        return redirect(url_for("public.index"))
    if url is None:
        flash(_("Du er logget ut her. Innloggingstjenesten har ingen utlogging vi kan sende deg til, så lukk "
                "nettleseren hvis du bruker en delt maskin."), "info")
        return redirect(url_for("public.index"))
    session["sso_logout_state"] = state
    # A page that moves on by itself, not a redirect: the browser would refuse a form's POST redirected to another
    # site (the CSP's form-action 'self'); a refresh is a navigation of its own, and the button works without it.
    response = make_response(render_template("auth/leaving.html", url=url, host=sso.provider_host()))
    response.headers["Refresh"] = f"0; url={url}"
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/logget-ut")
@public
def sso_logged_out():
    """Back from signing out at the provider."""
    import hmac

    expected = session.pop("sso_logout_state", None)
    given = request.args.get("state") or ""
    if current_user.is_authenticated:  # a link from elsewhere: nobody signed out here
        return redirect(url_for("public.index"))
    if expected and hmac.compare_digest(expected, given):
        flash(_("Du er logget ut, også hos innloggingstjenesten."), "info")
    else:
        flash(_("Du er logget ut."), "info")
    return redirect(url_for("public.index"))
