"""Forms of organizations, focal points and delegations: labels, widgets, choices for
display and the CSRF token. Field rules live in ``organization_schemas`` and
``schemas`` (the services load the input through them)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    HiddenField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired

from ..models import StakeholderType
from .forms import RegistrationForm, country_choices
from .organization_schemas import ORG_NAME_MAX


class OrganizationForm(FlaskForm):
    name = StringField(_l("Name, as the organization writes it"),
                       render_kw={"maxlength": ORG_NAME_MAX, "autocomplete": "off"})
    kind = SelectField(_l("Kind of organization"),
                       choices=[("", _l("Choose…"))] + StakeholderType.choices(),
                       validate_choice=False)
    country = SelectField(_l("Country (required for a member state)"), choices=country_choices,
                          validate_choice=False)
    max_registrations = StringField(
        _l("Quota: approved registrations at most"),
        render_kw={"inputmode": "numeric", "pattern": "[0-9]*", "size": 6})
    max_in_room = StringField(
        _l("Quota: in-person seats at most"),
        render_kw={"inputmode": "numeric", "pattern": "[0-9]*", "size": 6})


class FocalPointForm(FlaskForm):
    email = EmailField(_l("Email of the focal point's account"), render_kw={"autocomplete": "off"})


class ConfirmDeleteForm(FlaskForm):
    confirm = BooleanField(_l("Yes, delete this organization (its registrations stay)"),
                           validators=[DataRequired(_l("Tick the box to confirm."))])


class ImportOrganizationsForm(FlaskForm):
    content = TextAreaField(_l("CSV text"), render_kw={"rows": 6})


class ApproveDelegateForm(FlaskForm):
    # Empty: as registered; "online": approve them to follow online.
    modality = HiddenField()


class DeclineDelegateForm(FlaskForm):
    confirm = BooleanField(_l("Yes, decline this registration; the person will be told by email"),
                           validators=[DataRequired(_l("Tick the box to confirm."))])


class DelegateForm(RegistrationForm):
    """A focal point registers a delegate of their organization."""

    if_full = RadioField(_l("If the places are full"), choices=[
        ("waitlist", _l("Put them on the waiting list")),
        ("switch", _l("Register them for the other modality"))],
        validate_choice=False)


__all__ = ["ApproveDelegateForm", "ConfirmDeleteForm", "DeclineDelegateForm", "DelegateForm",
           "FocalPointForm", "ImportOrganizationsForm", "OrganizationForm"]
