"""Registration forms: labels, widgets, choices for display and the CSRF token. Field
rules live in ``schemas`` (the view or the service loads the input through them); the
``maxlength`` hints are read from the schema's fields."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    HiddenField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired
from wtforms.widgets import CheckboxInput, ListWidget

from .. import countries
from ..models import Category, Modality, PromotionMode, RegistrationStatus, StakeholderType
from .schemas import MessageSchema, RegistrationSchema
from .settings import OFFER_HOURS_MAX, PRIVACY_MAX, VISA_LINE_MAX

_REG = RegistrationSchema().fields
_MSG = MessageSchema().fields


def _max(fields: dict, name: str) -> int:
    return int(fields[name].max_length)


def country_choices() -> list[tuple[str, str]]:
    return [("", "—")] + countries.choices()

IF_FULL_CHOICES = [
    ("waitlist", _l("Join the waiting list: you get a place as soon as one is free, and we tell you")),
    ("switch", _l("Follow online instead")),
]


class RegistrationForm(FlaskForm):
    name = StringField(_l("Full name"), render_kw={"autocomplete": "name",
                                               "maxlength": _max(_REG, "name")})
    email = EmailField(_l("Email"), render_kw={"autocomplete": "email"})
    organization = StringField(_l("Organization"), render_kw={
        "autocomplete": "organization", "maxlength": _max(_REG, "organization")})
    # The event's organizations (set by the view); shown only when the event lists some.
    organization_id = SelectField(_l("On behalf of"), choices=[], validate_choice=False)
    position = StringField(_l("Position"), render_kw={
        "autocomplete": "organization-title", "maxlength": _max(_REG, "position")})
    country = SelectField(_l("Country"), choices=country_choices, validate_choice=False,
                          render_kw={"autocomplete": "country"})
    stakeholder_type = SelectField(_l("Stakeholder type"),
                                   choices=[("", _l("Choose…"))] + StakeholderType.choices(),
                                   validate_choice=False)
    modality = RadioField(_l("How will you take part?"), choices=Modality.choices(),
                          validate_choice=False)
    # Shown when the event offers more than one category to the public (the view sets
    # the choices to those).
    category = RadioField(_l("You are registering as"), choices=Category.choices(),
                          validate_choice=False)
    if_full = RadioField(_l("If in-person places are full"), choices=IF_FULL_CHOICES,
                         validate_choice=False)
    needs = TextAreaField(_l("Accessibility or dietary needs"),
                          render_kw={"maxlength": _max(_REG, "needs"), "rows": 3})
    consent_listed = BooleanField(_l("List my name, organization and country in the public "
                                     "participant list"))
    # An invitation from the organizers (prefilled from the link's ?invitation=).
    invitation = StringField(_l("Invitation code"), render_kw={
        "autocomplete": "off", "spellcheck": "false", "autocapitalize": "characters",
        "maxlength": _max(_REG, "invitation")})
    # A random value per rendered form: the same form sent twice is recognised.
    nonce = HiddenField()


class ManualRegistrationForm(RegistrationForm):
    category = SelectField(
_l("Category"), choices=Category.choices(), default="participant",
                           validate_choice=False)
    over_capacity = BooleanField(_l("Over capacity if full (a VIP, a speaker): place them even "
                                    "when the modality is full"))
    if_full = RadioField(_l("If full and not over capacity"), choices=[
        ("waitlist", _l("Put them on the waiting list")),
        ("switch", _l("Register them for the other modality"))],
        validate_choice=False)


class SwitchModalityForm(FlaskForm):
    modality = HiddenField()


class MailLanguageForm(FlaskForm):
    """The language of the registrant's mails (choices: the event's, set by the view)."""

    language = SelectField(_l("Language of your emails"), choices=[], validate_choice=False)


class CancelForm(FlaskForm):
    """Cancel: the button asks first (eventsapp/confirm.py)."""


class RegisterAgainForm(FlaskForm):
    if_full = RadioField(_l("If places are full"), choices=IF_FULL_CHOICES, default="waitlist",
                         validate_choice=False)


class LeakForm(FlaskForm):
    """"My link leaked": replaces every secret of the registration (see the page); the
    button asks first (eventsapp/confirm.py)."""


class LostLinkForm(FlaskForm):
    email = EmailField(_l("Email you registered with"), render_kw={"autocomplete": "email"})


class CategoryForm(FlaskForm):
    category = SelectField(_l("Category"), choices=Category.choices(), validate_choice=False)


class ConfirmForm(FlaskForm):
    """A POST button that asks first (erase; eventsapp/confirm.py)."""


class TickConfirmForm(FlaskForm):
    """A page whose POST must be confirmed by ticking a box (deleting a question with its
    answers and documents)."""

    confirm = BooleanField(_l("I understand this cannot be undone"),
                           validators=[DataRequired(_l("Tick the box to confirm."))])


class MessageForm(FlaskForm):
    modality = SelectField(_l("Modality"), choices=[("", _l("Any"))] + Modality.choices(),
                           validate_choice=False)
    status = SelectField(_l("Status"), choices=[("", _l("Confirmed, waiting list and pending"))]
                         + RegistrationStatus.choices(), validate_choice=False)
    category = SelectField(_l("Category"), choices=[("", _l("Any"))] + Category.choices(),
                           validate_choice=False)
    # dir=auto: an English message typed on an Arabic page reads left to right, and back.
    subject = StringField(_l("Subject"), render_kw={"maxlength": _max(_MSG, "subject"),
                                                    "dir": "auto"})
    body = TextAreaField(_l("Message"), render_kw={"rows": 10, "maxlength": _max(_MSG, "body"),
                                                   "dir": "auto"})


class SpeakersForm(FlaskForm):
    over_capacity = BooleanField(_l("Place speakers even when in-person places are full"),
                                 default=True)


class CheckboxesField(SelectMultipleField):
    """A group of checkboxes (one per choice), rendered in a fieldset by the template."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class RegistrationSettingsForm(FlaskForm):
    """The registration settings page (rules: ``settings.RegistrationSettingsSchema``)."""

    registration_opens_at = StringField(_l("Registration opens"),
                                        render_kw={"type": "datetime-local"})
    registration_closes_at = StringField(_l("Registration closes"),
                                         render_kw={"type": "datetime-local"})
    public_categories = CheckboxesField(_l("Categories the public may choose"),
                                        choices=Category.choices(), validate_choice=False)
    approval_categories = CheckboxesField(_l("Categories that need approval"),
                                          choices=Category.choices(), validate_choice=False)
    capacity_in_person = StringField(_l("In-person places (empty: no limit)"),
                                     render_kw={"type": "number", "min": 0, "inputmode": "numeric"})
    capacity_online = StringField(_l("Online places (empty: no limit)"),
                                  render_kw={"type": "number", "min": 0, "inputmode": "numeric"})
    waitlist_promotion = RadioField(_l("When a place is freed, the first on the waiting list gets it"),
                                    choices=PromotionMode.choices(), validate_choice=False)
    offer_hours = StringField(_l("Hours to accept an offered place"),
                              render_kw={"type": "number", "min": 1, "max": OFFER_HOURS_MAX,
                                         "inputmode": "numeric"})
    online_roles = BooleanField(_l("Tell online speakers from viewers: online registrants of "
                                   "the speaker category are online speakers, the others viewers"))
    privacy_notice = TextAreaField(_l("Privacy notice"),
                                   render_kw={"rows": 6, "maxlength": PRIVACY_MAX})
    visa_letters = BooleanField(_l("Confirmed in-person registrants may ask for a letter of "
                                   "invitation for a visa"))
    visa_organizer = StringField(_l("Organization on the letterhead"),
                                 render_kw={"maxlength": VISA_LINE_MAX})
    visa_signatory_name = StringField(_l("Name of the signatory"),
                                      render_kw={"maxlength": VISA_LINE_MAX})
    visa_signatory_title = StringField(_l("Title of the signatory"),
                                       render_kw={"maxlength": VISA_LINE_MAX})


class OfferForm(FlaskForm):
    """Accept or decline an offered place (the CSRF token only)."""


class InvitationForm(FlaskForm):
    """A new invitation (rules: ``invitations.InvitationSchema``)."""

    label = StringField(_l("Name (only organizers see it)"), render_kw={"maxlength": 200})
    category = SelectField(_l("Category it opens"), choices=[
        ("", _l("None: the registrant chooses a public category"))] + Category.choices(),
        validate_choice=False)
    skips_approval = BooleanField(_l("Registrations with it skip the organizers' approval"))
    max_uses = StringField(_l("How many registrations it allows (empty: no limit)"),
                           render_kw={"type": "number", "min": 1, "inputmode": "numeric"})
    expires_at = StringField(_l("Expires (event time; empty: when registration closes)"),
                             render_kw={"type": "datetime-local"})


class VisaRequestForm(FlaskForm):
    """A letter of invitation for a visa (rules: ``visa.VisaRequestSchema``)."""

    nationality = SelectField(_l("Nationality (as in your passport)"), choices=country_choices,
                              validate_choice=False)
    passport_number = StringField(_l("Passport number"), render_kw={
        "autocomplete": "off", "spellcheck": "false", "maxlength": 40, "dir": "ltr"})
    date_of_birth = StringField(_l("Date of birth"), render_kw={"type": "date",
                                                                "autocomplete": "bday"})
    passport_expires_on = StringField(_l("Passport valid until (optional)"),
                                      render_kw={"type": "date"})
