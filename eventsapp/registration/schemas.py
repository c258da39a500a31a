"""Every registration input, declared once: the public form, the organizer's "add by
hand" form, the API and the speakers' one-step registration load through these schemas
(with the shared field types of ``eventsapp.inputs``), so a rule and its message live
here and nowhere else."""
from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from marshmallow import EXCLUDE, Schema, ValidationError, fields, pre_load, validate

from .. import inputs
from ..errors import ValidationFailed
from ..i18n import N_
from ..models import Category, Modality, RegistrationStatus, StakeholderType

# What a Choice field answers to a value it does not know: one whole sentence each.
UNKNOWN_STAKEHOLDER_TYPE = N_("Unknown stakeholder type. Use one of: %(allowed)s.")
UNKNOWN_MODALITY = N_("Unknown way to take part. Use one of: %(allowed)s.")
UNKNOWN_CATEGORY = N_("Unknown category. Use one of: %(allowed)s.")
UNKNOWN_STATUS = N_("Unknown registration status. Use one of: %(allowed)s.")

NAME_MAX = 200
NEEDS_MAX = 2000
SUBJECT_MAX = 200
BODY_MAX = 20000


# The API's answer values, declared for the OpenAPI document.
DOCUMENT_IN = {"type": "object", "properties": {
    "name": {"type": "string", "description": "The file's name"},
    "content_base64": {"type": "string", "description": "The file, base64-encoded"}},
    "required": ["content_base64"]}
ANSWER_IN = {"oneOf": [{"type": "string"}, {"type": "boolean"},
                       {"type": "array", "items": {"type": "string"}}, DOCUMENT_IN],
             "description": "Text, choice key or label, yes/no (boolean), country code, "
                            "date (YYYY-MM-DD), choice keys (multiple choice), or a "
                            "document {name, content_base64} (PDF, PNG or JPEG)."}
DOCUMENT_OUT = {"type": "object", "properties": {
    "name": {"type": "string"}, "content_type": {"type": "string"},
    "size": {"type": "integer"}}, "required": ["name", "content_type", "size"]}
ANSWER_OUT = {"oneOf": [{"type": "string"}, {"type": "boolean"},
                        {"type": "array", "items": {"type": "string"}}, DOCUMENT_OUT],
              "description": "By question id: text, choice key, yes/no, country code, "
                             "date, choice keys, or the document's name, type and size."}



class IfFull(str, Enum):
    """What a person wants when the modality they chose is full."""

    WAITLIST = "waitlist"  # join that modality's waiting list
    SWITCH = "switch"      # take the other modality instead (in person full -> online)
    REJECT = "reject"      # neither: refuse (the form's "not chosen", the API's 409)


IF_FULL_ERROR = N_("Choose the waiting list or the other way to take part.")


class _IfFullField(inputs.Choice):
    """``inputs.Choice`` of IfFull, with the message the forms show next to the choice."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(IfFull, unknown=N_("Unknown choice for when places are full. "
                                             "Use one of: %(allowed)s."), **kwargs)

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> Enum:
        try:
            return super()._deserialize(value, attr, data, **kwargs)
        except ValidationError:
            raise ValidationError(_(IF_FULL_ERROR)) from None


class _ChosenId(inputs.Id):
    """``inputs.Id`` from a form's select too (digits as text), never a fraction."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(strict=False, **kwargs)

    def _validated(self, value: Any) -> int:
        if isinstance(value, float | bool):
            raise self.make_error("invalid")
        return super()._validated(value)


class _BlankIsMissing(Schema):
    """A form sends "" for an untouched select or radio: that is "not given"."""

    blank_is_missing: tuple[str, ...] = ()

    @pre_load
    def _drop_blank(self, data: Any, **kwargs: Any) -> Any:
        if not isinstance(data, Mapping):
            return data
        return {k: v for k, v in data.items()
                if not (k in self.blank_is_missing and (v is None or v == ""))}


class RegistrationSchema(_BlankIsMissing):
    """One registration, from the public form, an organizer, the API or the speakers page."""

    blank_is_missing = ("stakeholder_type", "category", "if_full", "modality", "organization_id")

    name = inputs.Line(max_length=NAME_MAX, required=True, required_message=_l("Enter your name."),
                       validate=[validate.Length(min=1, error=_l("Enter your name."))],
                       metadata={"label": "Full name"})
    email = inputs.Email(required=True, error_messages={"required": _l("Enter your email address.")},
                         metadata={"description": "One registration per address and event."})
    organization = inputs.Line(max_length=NAME_MAX, load_default="")
    # On behalf of one of the event's organizations (its delegation); checked against the
    # event by the service. The free-text ``organization`` is for those not listed.
    organization_id = _ChosenId(load_default=None, allow_none=True, metadata={
        "description": "On behalf of one of the event's organizations (its id); its focal "
                       "point then approves the registration."})
    position = inputs.Line(max_length=NAME_MAX, load_default="")
    country = inputs.Country(load_default="")
    stakeholder_type = inputs.Choice(StakeholderType, unknown=UNKNOWN_STAKEHOLDER_TYPE,
                                     load_default=None, allow_none=True)
    modality = inputs.Choice(Modality, unknown=UNKNOWN_MODALITY, required=True,
                             error_messages={"required": _l("Choose how you will take part.")})
    category = inputs.Choice(Category, unknown=UNKNOWN_CATEGORY, load_default=None, allow_none=True,
                             metadata={"description": "One of the categories the event offers "
                                                      "publicly (organizers: any); left out, "
                                                      "participant (or the only one offered)."})
    needs = inputs.Text(max_length=NEEDS_MAX, load_default="",
                        metadata={"description": "Accessibility or dietary needs."})
    consent_listed = fields.Boolean(load_default=False,
                                    metadata={"description": "Appear in the participant list."})
    if_full = _IfFullField(
        load_default=None, allow_none=True,
        metadata={"description": "When the modality is full: join its waiting list, switch "
                                 "to the other modality, or reject (409)."})
    # An invitation's code (``invitations``), as typed: checked under the event lock.
    invitation = inputs.Line(max_length=100, load_default="", metadata={
        "description": "An invitation code from the organizers (opens a category, may "
                       "skip approval); spaces, dashes and case do not matter."})
    # Checked against the event's questions by ``answers.clean_registration``.
    answers = fields.Dict(keys=fields.String(), values=fields.Raw(metadata=ANSWER_IN),
                          load_default=dict,
                          metadata={"description": "Answers to the event's questions, by "
                                                   "question id (GET .../questions)."})


class RegistrationApiSchema(RegistrationSchema):
    """The API's body: the same fields; ``if_full`` defaults to the waiting list."""

    if_full = _IfFullField(
        load_default=IfFull.WAITLIST,
        metadata={"description": "When the modality is full: join its waiting list (default), "
                                 "switch to the other modality, or reject (409)."})


class LostLinkSchema(Schema):
    """"Lost your link?": the address registered."""

    email = inputs.Email(required=True, error_messages={"required": _l("Enter your email address.")})


class ModalitySchema(Schema):
    """Switching modality from the manage page."""

    modality = inputs.Choice(Modality, unknown=UNKNOWN_MODALITY, required=True,
                             error_messages={"required": _l("Choose in person or online.")})


class MailLanguageSchema(Schema):
    """The language of a registrant's mails, chosen on the manage page (which of the
    six a registration may take is the event's: ``manage.mail_languages``)."""

    language = inputs.Language(required=True,
                               error_messages={"required": _l("Choose a language.")})


class CategorySchema(Schema):
    """An organizer changing a registration's category."""

    category = inputs.Choice(Category, unknown=UNKNOWN_CATEGORY, required=True,
                             error_messages={"required": _l("Choose a category.")})


class MessageSchema(Schema):
    """An organizer's message to a group of registrants."""

    subject = inputs.Line(max_length=SUBJECT_MAX, required=True,
                          required_message=_l("Enter a subject."),
                          validate=[validate.Length(min=1, error=_l("Enter a subject."))])
    body = inputs.Text(max_length=BODY_MAX, required=True,
                       error_messages={"required": _l("Enter a message.")},
                       validate=[validate.Length(min=1, error=_l("Enter a message."))])


ANSWER_FILTER = re.compile(r"^[0-9]{1,9}:[a-z0-9]{1,16}$")


class _AnswerFilter(fields.Field):
    """``<question id>:<choice key, or yes/no>``, loaded as (id, value)."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("metadata", {}).update({"type": "string",
                                                  "pattern": ANSWER_FILTER.pattern})
        super().__init__(**kwargs)

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> tuple[int, str]:
        if not isinstance(value, str) or not ANSWER_FILTER.match(value):
            raise ValidationError(_("Give an answer filter as question id:answer, e.g. 12:yes."))
        qid, _sep, answer = value.partition(":")
        return int(qid), answer


class FilterSchema(_BlankIsMissing):
    """The registrant list's filters (query arguments of the page and of the API)."""

    blank_is_missing = ("q", "modality", "status", "category", "checked_in")

    q = inputs.Line(max_length=NAME_MAX, load_default="")
    modality = inputs.Choice(Modality, unknown=UNKNOWN_MODALITY, load_default=None)
    status = inputs.Choice(RegistrationStatus, unknown=UNKNOWN_STATUS, load_default=None)
    category = inputs.Choice(Category, unknown=UNKNOWN_CATEGORY, load_default=None)
    checked_in = fields.String(load_default=None, validate=validate.OneOf(["yes", "no"]))
    answer = fields.List(_AnswerFilter(), load_default=list, metadata={
        "description": "Registrants who gave this answer to a choice or yes/no question: "
                       "question id:choice key (or yes, no); repeat for several."})


class RegistrantQuerySchema(FilterSchema):
    """The API's list query: the filters (an unknown value is a 422) and a page."""

    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=1_000_000))
    per_page = fields.Integer(load_default=100, validate=validate.Range(min=1, max=500))


@dataclass
class RegistrationData:
    """Validated input of a registration."""

    name: str
    email: str
    modality: Modality
    organization: str = ""
    position: str = ""
    country: str = ""
    stakeholder_type: StakeholderType | None = None
    needs: str = ""
    consent_listed: bool = False
    # None: not chosen (the public path resolves it with ``window.public_category``).
    category: Category | None = None
    organization_id: int | None = None
    invitation: str = ""  # a code as typed ("": none)


_FIELDS = ("name", "email", "modality", "organization", "position", "country",
           "stakeholder_type", "needs", "consent_listed", "category", "organization_id",
           "invitation")
_SCHEMA = RegistrationSchema(unknown=EXCLUDE)


def clean(raw: Mapping[str, Any], if_full: IfFull | str | None = None
          ) -> tuple[RegistrationData, IfFull | None]:
    """Validate a registration (and the choice for a full modality, given in ``raw`` or
    apart); every field error at once, as ValidationFailed."""
    data = dict(raw)
    if if_full is not None:
        data["if_full"] = if_full.value if isinstance(if_full, IfFull) else if_full
    loaded = load(_SCHEMA, data)
    return from_loaded(loaded), loaded.get("if_full")


def load(schema: Schema, data: Mapping[str, Any]) -> dict[str, Any]:
    """``inputs.load``, its message naming the problem when there is only one (flash
    messages and the API's ``message`` show it)."""
    try:
        return inputs.load(schema, data)
    except ValidationFailed as exc:
        messages = [m for ms in exc.fields.values() for m in ms]
        if len(messages) == 1:
            raise ValidationFailed(messages[0], fields=exc.fields) from None
        raise ValidationFailed(_("Please correct the highlighted fields."), fields=exc.fields) from None


def from_loaded(loaded: Mapping[str, Any]) -> RegistrationData:
    """A RegistrationData from a schema's loaded values."""
    return RegistrationData(**{k: loaded[k] for k in _FIELDS if k in loaded})


def parse_if_full(value: IfFull | str | None) -> IfFull | None:
    """The choice for a full modality (None: not made), or ValidationFailed."""
    if value is None or value == "":
        return None
    loaded = load(_IfFullOnly(), {"if_full": getattr(value, "value", value)})
    return loaded["if_full"]


class _IfFullOnly(Schema):
    if_full = _IfFullField(required=True)


def form_input(schema: Schema, form: Mapping[str, Any]) -> dict[str, Any]:
    """The schema's fields from a submitted form (``request.form``): other keys (CSRF
    token, nonce, buttons) left out, an unticked checkbox as False."""
    out: dict[str, Any] = {}
    for name, fld in schema.fields.items():
        if fld.dump_only:
            continue
        if isinstance(fld, fields.Boolean):
            out[name] = name in form and form.get(name) not in ("", "n", "no", "false", "0")
        elif name in form:
            out[name] = form.get(name)
    return out
