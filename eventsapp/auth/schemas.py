"""The inputs of accounts: each declared once, loaded by the forms, the command line and
the services alike (``inputs.load``). The password's strength (zxcvbn, which needs the
name and address) is a service check; its length bounds are here."""
from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from ..errors import lazy
from ..inputs import Email, Line, at_most_characters

MIN_PASSWORD = 10
MAX_PASSWORD = 200


class Password(fields.String):
    """A password as typed (never trimmed or collapsed): ``MIN_PASSWORD`` to
    ``MAX_PASSWORD`` characters, or only the maximum for a password being checked."""

    def __init__(self, *, new: bool = True, **kwargs: Any) -> None:
        kwargs.setdefault("required", True)
        shortest = MIN_PASSWORD if new else 0
        super().__init__(validate=validate.Length(
            min=shortest, max=MAX_PASSWORD,
            error=lazy(lambda: ngettext("Use at least %(num)d character (at most %(max)d).",
                                        "Use at least %(num)d characters (at most %(max)d).",
                                        shortest, max=MAX_PASSWORD)) if new
            else at_most_characters(MAX_PASSWORD)),
            metadata={"minLength": shortest, "maxLength": MAX_PASSWORD}, **kwargs)
        self.max_length = MAX_PASSWORD
        self.error_messages["required"] = _l("Enter a password.")


class _Confirmed(Schema):
    """``confirm`` repeats ``password``, when it is sent (forms send it; the command line
    asks twice itself)."""

    @validates_schema
    def _same(self, data: dict, **kwargs: Any) -> None:
        if "confirm" in data and data.get("confirm") != data.get("password"):
            raise ValidationError(_("The passwords differ."), "confirm")


class NewPasswordSchema(_Confirmed):
    password = Password()
    confirm = fields.String(validate=validate.Length(max=MAX_PASSWORD))


class SignUpSchema(NewPasswordSchema):
    email = Email(required=True)
    name = Line(max_length=200, required=True, required_message=_l("Enter your name."),
                validate=[validate.Length(min=1, error=_l("Enter your name."))])
    organization = Line(max_length=200, load_default=None)


class SignInSchema(Schema):
    email = Email(required=True)
    password = Password(new=False)
    remember = fields.Boolean(load_default=False)
    # ``next`` (where to go after) is not data: security.safe_next decides it.


class ChangePasswordSchema(NewPasswordSchema):
    current_password = Password(new=False)


class ApiTokenSchema(Schema):
    name = Line(max_length=100, required=True, required_message=_l("Give the token a name."),
                validate=[validate.Length(min=1, error=_l("Give the token a name."))])
