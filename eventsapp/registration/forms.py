"""Registration forms. Field rules live in services.clean(); the forms add labels,
browser hints and the CSRF token, and stay lenient so the service gives the messages."""
from __future__ import annotations

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
from wtforms.validators import DataRequired, Length, Optional

from ..models import Category, Modality, RegistrationStatus, StakeholderType

IF_FULL_CHOICES = [
    ("waitlist", "Join the waiting list: you get a place as soon as one is free, and we tell you"),
    ("switch", "Follow online instead"),
]


class RegistrationForm(FlaskForm):
    name = StringField("Full name", validators=[DataRequired("Enter your name."), Length(max=200)],
                       render_kw={"autocomplete": "name", "maxlength": 200})
    email = EmailField("Email", validators=[DataRequired("Enter your email address."), Length(max=254)],
                       render_kw={"autocomplete": "email", "maxlength": 254})
    organization = StringField("Organization", validators=[Length(max=200)],
                               render_kw={"autocomplete": "organization", "maxlength": 200})
    position = StringField("Position", validators=[Length(max=200)],
                           render_kw={"autocomplete": "organization-title", "maxlength": 200})
    country = StringField("Country", validators=[Length(max=100)],
                          render_kw={"autocomplete": "country-name", "maxlength": 100})
    stakeholder_type = SelectField("Stakeholder type",
                                   choices=[("", "Choose…")] + StakeholderType.choices(),
                                   validate_choice=False)
    modality = RadioField("How will you take part?", choices=Modality.choices(),
                          validate_choice=False)
    if_full = RadioField("If in-person places are full", choices=IF_FULL_CHOICES,
                         validate_choice=False, validators=[Optional()])
    needs = TextAreaField("Accessibility or dietary needs", validators=[Length(max=2000)],
                          render_kw={"maxlength": 2000, "rows": 3})
    consent_listed = BooleanField("List my name, organization and country in the public "
                                  "participant list")
    # A random value per rendered form: the same form sent twice is recognised.
    nonce = HiddenField()

    def data_for_service(self) -> dict:
        return {k: getattr(self, k).data for k in (
            "name", "email", "organization", "position", "country", "stakeholder_type",
            "modality", "needs", "consent_listed")}


class ManualRegistrationForm(RegistrationForm):
    category = SelectField("Category", choices=Category.choices(), default="participant",
                           validate_choice=False)
    over_capacity = BooleanField("Over capacity if full (a VIP, a speaker): place them even "
                                 "when the modality is full")
    if_full = RadioField("If full and not over capacity", choices=[
        ("waitlist", "Put them on the waiting list"), ("switch", "Register them for the other modality")],
        validate_choice=False, validators=[Optional()])

    def data_for_service(self) -> dict:
        data = super().data_for_service()
        data["category"] = self.category.data
        return data


class SwitchModalityForm(FlaskForm):
    modality = HiddenField(validators=[DataRequired()])


class CancelForm(FlaskForm):
    confirm = BooleanField("Yes, cancel my registration",
                           validators=[DataRequired("Tick the box to confirm.")])


class RegisterAgainForm(FlaskForm):
    if_full = RadioField("If places are full", choices=IF_FULL_CHOICES, default="waitlist",
                         validate_choice=False, validators=[Optional()])


class LeakForm(FlaskForm):
    """"My link leaked": replaces every secret of the registration (see the page)."""

    confirm = BooleanField("Yes, replace all my links and my badge",
                           validators=[DataRequired("Tick the box to confirm.")])


class LostLinkForm(FlaskForm):
    email = EmailField("Email you registered with",
                       validators=[DataRequired("Enter your email address."), Length(max=254)],
                       render_kw={"autocomplete": "email"})


class CategoryForm(FlaskForm):
    category = SelectField("Category", choices=Category.choices(), validate_choice=False)


class ConfirmForm(FlaskForm):
    """A POST button that must be confirmed by ticking a box (erase)."""

    confirm = BooleanField("I understand this cannot be undone",
                           validators=[DataRequired("Tick the box to confirm.")])


class MessageForm(FlaskForm):
    modality = SelectField("Modality", choices=[("", "Any")] + Modality.choices(),
                           validate_choice=False)
    status = SelectField("Status", choices=[("", "Confirmed, waiting list and pending")]
                         + RegistrationStatus.choices(), validate_choice=False)
    category = SelectField("Category", choices=[("", "Any")] + Category.choices(),
                           validate_choice=False)
    subject = StringField("Subject", validators=[DataRequired("Enter a subject."), Length(max=200)])
    body = TextAreaField("Message", validators=[DataRequired("Enter a message."), Length(max=20000)],
                         render_kw={"rows": 10})


class SpeakersForm(FlaskForm):
    over_capacity = BooleanField("Place speakers even when in-person places are full",
                                 default=True)
