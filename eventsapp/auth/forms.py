"""Account forms: rendering and the CSRF token. What a valid input is, the schemas in
``schemas.py`` decide (the views load the posted form through them)."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, HiddenField, PasswordField, StringField

from .schemas import MIN_PASSWORD


class SignUpForm(FlaskForm):
    name = StringField("Full name")
    email = EmailField("Email")
    organization = StringField("Organization (optional)")
    password = PasswordField(f"Password (at least {MIN_PASSWORD} characters)")
    confirm = PasswordField("Repeat the password")


class SignInForm(FlaskForm):
    email = EmailField("Email")
    password = PasswordField("Password")
    remember = BooleanField("Keep me signed in on this device")
    next = HiddenField()


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField("Current password")
    password = PasswordField(f"New password (at least {MIN_PASSWORD} characters)")
    confirm = PasswordField("Repeat the new password")


class NewTokenForm(FlaskForm):
    name = StringField("Token name (what it is for)")


class EmptyForm(FlaskForm):
    """A form with only its CSRF token, for buttons that POST."""
