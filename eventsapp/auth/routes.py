"""Sign up, sign in, sign out, account page (password, API tokens)."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_user, logout_user

from ..errors import DomainError
from ..extensions import limiter
from ..forms_util import apply_errors
from ..permissions import login_required
from ..ratelimits import configured
from ..security import safe_next
from . import services
from .forms import ChangePasswordForm, EmptyForm, NewTokenForm, SignInForm, SignUpForm

bp = Blueprint("auth", __name__)


@bp.route("/signup", methods=["GET", "POST"])
@limiter.limit(configured("SIGNUP_RATE_LIMIT", "10 per hour"), methods=["POST"])
def signup():
    if current_user.is_authenticated:
        return redirect(url_for("events.home"))
    form = SignUpForm()
    if form.validate_on_submit():
        try:
            user = services.create_user(form.email.data, form.name.data, form.password.data,
                                        organization=form.organization.data or None)
        except DomainError as exc:
            apply_errors(form, exc)
        else:
            login_user(user)
            flash("Welcome! Your account is ready.", "success")
            return redirect(url_for("events.home"))
    return render_template("auth/signup.html", form=form), (422 if form.errors else 200)


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(configured("LOGIN_RATE_LIMIT", "10 per minute"), methods=["POST"])
def login():
    form = SignInForm()
    target = safe_next(request.values.get("next"), url_for("events.home"))
    if request.method == "GET":
        form.next.data = target
    if form.validate_on_submit():
        user = services.authenticate(form.email.data, form.password.data)
        if user is None:
            form.form_errors.append("Wrong email or password.")
        else:
            login_user(user, remember=form.remember.data)
            return redirect(safe_next(form.next.data, url_for("events.home")))
    status = 422 if request.method == "POST" else 200
    return render_template("auth/login.html", form=form), status


@bp.route("/logout", methods=["POST"])
def logout():
    form = EmptyForm()
    if form.validate_on_submit():
        logout_user()
        flash("You are signed out.", "info")
    return redirect(url_for("events.home"))


@bp.route("/account", methods=["GET"])
@login_required
def account():
    return _account_page()


def _account_page(password_form=None, token_form=None, new_token=None, status=200):
    return render_template(
        "auth/account.html",
        password_form=password_form or ChangePasswordForm(),
        token_form=token_form or NewTokenForm(),
        tokens=services.active_tokens(current_user),
        new_token=new_token,
        revoke_form=EmptyForm(),
    ), status


@bp.route("/account/password", methods=["POST"])
@login_required
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            services.change_password(current_user, form.current_password.data, form.password.data)
        except DomainError as exc:
            apply_errors(form, exc)
        else:
            login_user(current_user)  # re-issue this session with the new version
            flash("Your password is changed. Other devices are signed out.", "success")
            return redirect(url_for("auth.account"))
    return _account_page(password_form=form, status=422)


@bp.route("/account/tokens", methods=["POST"])
@login_required
def create_token():
    form = NewTokenForm()
    if form.validate_on_submit():
        _, plain = services.create_api_token(current_user, form.name.data)
        # Shown once, in this response only; it is stored hashed.
        return _account_page(new_token=plain)
    return _account_page(token_form=form, status=422)


@bp.route("/account/tokens/<int:token_id>/revoke", methods=["POST"])
@login_required
def revoke_token(token_id: int):
    form = EmptyForm()
    if form.validate_on_submit():
        services.revoke_api_token(current_user, token_id)
        flash("The token is revoked.", "info")
    return redirect(url_for("auth.account"))
