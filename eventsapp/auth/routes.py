"""Sign up, sign in, sign out, account page (password, API tokens)."""
from __future__ import annotations

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from ..confirm import ask_first
from ..errors import DomainError
from ..extensions import limiter
from ..forms_util import apply_errors, form_input
from ..inputs import load
from ..permissions import login_required, require_user
from ..ratelimits import configured
from ..security import hash_token, safe_next
from . import services
from .forms import ChangePasswordForm, EmptyForm, NewTokenForm, SignInForm, SignUpForm
from .schemas import ApiTokenSchema, ChangePasswordSchema, SignInSchema, SignUpSchema

bp = Blueprint("auth", __name__)


def _submitted_email_key() -> str:
    """Rate-limit key of the account a form names: the email as typed, normalized, hashed
    (no addresses in the limiter's storage). Same key whether or not the account exists."""
    email = (request.form.get("email") or "").strip().lower()
    return "email:" + hash_token(email)[:32]


def _failed(response) -> bool:
    # A refused sign-in re-renders the form with 422; a success redirects.
    return response.status_code == 422


def _mail_sent(response) -> bool:
    return response.status_code == 200


@bp.route("/signup", methods=["GET", "POST"])
@limiter.limit(configured("SIGNUP_RATE_LIMIT", "10 per hour"), methods=["POST"])
@limiter.limit(configured("SIGNUP_EMAIL_RATE_LIMIT", "3 per hour"), methods=["POST"],
               key_func=_submitted_email_key, deduct_when=_mail_sent)
def signup():
    if current_user.is_authenticated:
        return redirect(url_for("events.home"))
    form = SignUpForm()
    if form.validate_on_submit():  # the CSRF token; the schema decides the rest
        login_url = current_app.config.get("BASE_URL", "").rstrip("/") + url_for("auth.login")
        try:
            data = load(SignUpSchema(), form_input(SignUpSchema()))
            # New or known address: the same page either way (see services.sign_up).
            services.sign_up(data, login_url=login_url)
        except DomainError as exc:
            apply_errors(form, exc)
        else:
            return render_template("auth/check_mail.html", email=data["email"])
    return render_template("auth/signup.html", form=form), _status()


def _status() -> int:
    """A form shown again after a POST was refused: 422."""
    return 422 if request.method == "POST" else 200


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(configured("LOGIN_RATE_LIMIT", "10 per minute"), methods=["POST"])
@limiter.limit(configured("LOGIN_ACCOUNT_RATE_LIMIT", "5 per minute; 30 per hour"),
               methods=["POST"], key_func=_submitted_email_key, deduct_when=_failed)
def login():
    form = SignInForm()
    target = safe_next(request.values.get("next"), url_for("events.home"))
    if request.method == "GET":
        form.next.data = target
    if form.validate_on_submit():
        try:
            data = load(SignInSchema(), form_input(SignInSchema()))
        except DomainError as exc:
            apply_errors(form, exc)
        else:
            user = services.authenticate(data["email"], data["password"])
            if user is None:
                form.form_errors.append(_("Wrong email or password."))
            else:
                services.start_login_session(user, remember=data["remember"])
                login_user(user, remember=data["remember"])
                return redirect(safe_next(form.next.data, url_for("events.home")))
    return render_template("auth/login.html", form=form), _status()


@bp.route("/logout", methods=["POST"])
def logout():
    form = EmptyForm()
    if form.validate_on_submit():
        if current_user.is_authenticated:
            # Ends it on the server: a copy of either cookie no longer signs anyone in.
            services.end_login_session(require_user().get_id())
        logout_user()
        flash(_("You are signed out."), "info")
    return redirect(url_for("events.home"))


@bp.route("/account/sign-out-everywhere", methods=["POST"])
@login_required
def sign_out_everywhere():
    """Every login session of the account ends, this browser's too: after a lost phone or
    a shared computer, nothing signed in before this click stays signed in."""
    form = EmptyForm()
    if form.validate_on_submit():
        page = ask_first(
            _("Sign out everywhere?"),
            [_("Every browser and device signed in to your account is signed out, this one "
               "included."),
             _("You sign in again with your password; API tokens keep working.")],
            _("Sign out everywhere"), url_for("auth.account"))
        if page is not None:
            return page
        services.end_all_login_sessions(require_user())
        logout_user()
        flash(_("You are signed out on every device, this one included."), "info")
        return redirect(url_for("events.home"))
    return redirect(url_for("auth.account"))


@bp.route("/account", methods=["GET"])
@login_required
def account():
    return _account_page()


def _account_page(password_form: ChangePasswordForm | None = None,
                  token_form: NewTokenForm | None = None, new_token: str | None = None,
                  status: int = 200):
    user = require_user()
    return render_template(
        "auth/account.html",
        password_form=password_form or ChangePasswordForm(),
        token_form=token_form or NewTokenForm(),
        tokens=services.active_tokens(user),
        login_sessions=services.active_login_sessions(user),
        this_session=services.session_key_hash(user.get_id()),
        new_token=new_token,
        revoke_form=EmptyForm(),
    ), status


@bp.route("/account/password", methods=["POST"])
@login_required
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        user = require_user()
        try:
            data = load(ChangePasswordSchema(), form_input(ChangePasswordSchema()))
            services.change_password(user, data["current_password"], data["password"],
                                     keep_session_key=user.get_id())
        except DomainError as exc:
            apply_errors(form, exc)
        else:
            flash(_("Your password is changed. Other devices are signed out."), "success")
            return redirect(url_for("auth.account"))
    return _account_page(password_form=form, status=422)


@bp.route("/account/tokens", methods=["POST"])
@login_required
def create_token():
    form = NewTokenForm()
    if form.validate_on_submit():
        try:
            data = load(ApiTokenSchema(), form_input(ApiTokenSchema()))
        except DomainError as exc:
            apply_errors(form, exc)
        else:
            _token, plain = services.create_api_token(require_user(), data["name"])
            # Shown once, in this response only; it is stored hashed.
            return _account_page(new_token=plain)
    return _account_page(token_form=form, status=422)


@bp.route("/account/tokens/<int:token_id>/revoke", methods=["POST"])
@login_required
def revoke_token(token_id: int):
    form = EmptyForm()
    if form.validate_on_submit():
        token = services.api_token_of(require_user(), token_id)
        page = ask_first(
            _("Revoke the API token “%(name)s”?", name=token.name),
            [_("Scripts that use it are refused from now on."), _("This cannot be undone.")],
            _("Revoke"), url_for("auth.account")) if token.revoked_at is None else None
        if page is not None:
            return page
        services.revoke_api_token(require_user(), token_id)
        flash(_("The token is revoked."), "info")
    return redirect(url_for("auth.account"))
