"""The console's forms: rendering and the CSRF token (``schemas.py`` decides validity)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, SelectField

from ..models import EventRoleKind


class GrantRoleForm(FlaskForm):
    email = EmailField(_l("Email of an existing account"))
    # The choices are for display; TeamGrantSchema decides what is valid.
    role = SelectField(_l("Role"), choices=EventRoleKind.choices(), validate_choice=False)
