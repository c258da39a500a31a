from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import EmailField, SelectField
from wtforms.validators import DataRequired, Email, Length

from ..models import EventRoleKind


class GrantRoleForm(FlaskForm):
    email = EmailField("Email of an existing account", validators=[DataRequired(), Email(), Length(max=254)])
    role = SelectField("Role", choices=EventRoleKind.choices(), validators=[DataRequired()])
