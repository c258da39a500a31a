"""Account forms: rendering and the CSRF token. What a valid input is, the schemas in
``schemas.py`` decide (the views load the posted form through them)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, HiddenField, PasswordField, StringField

from ..errors import lazy
from .schemas import MIN_PASSWORD


class SignUpForm(FlaskForm):
    name = StringField(_l("Full name"))
    email = EmailField(_l("Email"))
    organization = StringField(_l("Organization (optional)"))
    password = PasswordField(lazy(lambda: ngettext("Password (at least %(num)d character)",
                                                   "Password (at least %(num)d characters)",
                                                   MIN_PASSWORD)))
    confirm = PasswordField(_l("Repeat the password"))


class SignInForm(FlaskForm):
    email = EmailField(_l("Email"))
    password = PasswordField(_l("Password"))
    remember = BooleanField(_l("Keep me signed in on this device"))
    next = HiddenField()


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField(_l("Current password"))
    password = PasswordField(lazy(lambda: ngettext("New password (at least %(num)d character)",
                                                   "New password (at least %(num)d characters)",
                                                   MIN_PASSWORD)))
    confirm = PasswordField(_l("Repeat the new password"))


class NewTokenForm(FlaskForm):
    name = StringField(_l("Token name (what it is for)"))


class EmptyForm(FlaskForm):
    """A form with only its CSRF token, for buttons that POST."""
