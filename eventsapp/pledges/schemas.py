"""The pledge inputs, each declared once: the API loads them (and documents them), the
HTML forms and the CSV import load them too, after turning their flat shape (one lead
entity in ``entity_*`` cells, partners as "Name | sector | country" lines, lists as
"a; b" cells) into the schema's shape with ``from_flat``.

``load_pledge`` and ``load_report`` return the validated values services write.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from marshmallow import (
    Schema,
    ValidationError,
    fields,
    post_load,
    pre_load,
    validate,
    validates_schema,
)

from .. import inputs
from ..countries import country_name
from ..errors import ValidationFailed, lazy
from ..i18n import N_
from ..localefmt import format_items
from ..models import FocusArea, PledgeType, ProgressStatus, Sector
from . import vocab

# What a Choice field answers to a value it does not know: one whole sentence each.
UNKNOWN_SECTOR = N_("Unknown sector. Use one of: %(allowed)s.")
UNKNOWN_TYPE = N_("Unknown pledge type. Use one of: %(allowed)s.")
UNKNOWN_FOCUS_AREA = N_("Unknown focus area. Use one of: %(allowed)s.")
UNKNOWN_PILLAR = N_("Unknown pillar. Use one of: %(allowed)s.")
UNKNOWN_REGION = N_("Unknown region. Use one of: %(allowed)s.")
UNKNOWN_BENEFICIARY = N_("Unknown beneficiary group. Use one of: %(allowed)s.")
UNKNOWN_PROGRESS_STATUS = N_("Unknown progress status. Use one of: %(allowed)s.")
UNKNOWN_ACTIVITY = N_("Unknown activity. Use one of: %(allowed)s.")

MAX_ENTITIES = 30
TITLE_MAX = 300
LONG_TEXT_MAX = 20000
SHORT_TEXT_MAX = 2000
FIRST_YEAR, LAST_YEAR = 2000, 2100


# ---------------------------------------------------------------- validated values

@dataclass
class EntityInput:
    name: str
    sector: str | None  # None: keep an existing entity's sector, "other" for a new one
    country: str = ""  # ISO 3166-1 alpha-2, "" for none
    is_lead: bool = False


@dataclass
class PledgeInput:
    title: str
    type: str
    focus_area: str
    entities: list[EntityInput]
    description: str = ""
    amount_usd: Decimal | None = None
    pillar: str = ""
    countries: list[str] = field(default_factory=list)
    regions: list[str] = field(default_factory=list)
    targets_ldc: bool = False
    beneficiaries: list[str] = field(default_factory=list)
    sdgs: list[int] = field(default_factory=list)
    target_year: int | None = None
    indicator: str = ""
    contact_email: str = ""


@dataclass
class ReportInput:
    reported_on: date
    status: str
    percent_complete: int
    amount_disbursed_usd: Decimal | None
    narrative: str


# ---------------------------------------------------------------- schemas

class OptionalEmail(inputs.Email):
    """An email address, or "" for none (so the document cannot declare format: email,
    which "" would not satisfy)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.metadata = {k: v for k, v in self.metadata.items() if k != "format"}
        self.metadata["description"] = "an email address, or empty for none"

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> str:
        if value is None or (isinstance(value, str) and not value.strip()):
            return ""
        return super()._deserialize(value, attr, data, **kwargs)


class EntitySchema(Schema):
    """One pledging entity; ``sector`` may be left out for an entity already known."""

    name = inputs.Line(max_length=300, required=True, required_message=_l("Name the entity."),
                       validate=[validate.Length(min=1, error=_l("Every entity needs a name."))])
    sector = inputs.Choice(Sector, unknown=UNKNOWN_SECTOR, load_default=None, allow_none=True)
    country = inputs.Country(load_default="", allow_none=True)
    is_lead = fields.Boolean(load_default=False)


def _unique(items: Iterable) -> list:
    return list(dict.fromkeys(items))


_BLANK_IS_NONE = ("pillar", "amount_usd", "target_year")


class PledgeSchema(Schema):
    """A pledge: what is promised, by whom (one lead entity), where, for whom, by when."""

    title = inputs.Line(max_length=TITLE_MAX, required=True,
                        required_message=_l("Give the pledge a title."),
                        validate=[validate.Length(min=1, error=_l("Give the pledge a title."))])
    description = inputs.Text(max_length=LONG_TEXT_MAX, load_default="")
    type = inputs.Choice(PledgeType, unknown=UNKNOWN_TYPE, required=True)
    focus_area = inputs.Choice(FocusArea, unknown=UNKNOWN_FOCUS_AREA, required=True)
    pillar = inputs.Choice(vocab.Pillar, unknown=UNKNOWN_PILLAR, load_default=None, allow_none=True,
                           metadata={"description": "a pillar of the focus area"})
    amount_usd = inputs.Usd(load_default=None, allow_none=True)
    entities = fields.List(
        fields.Nested(EntitySchema), required=True,
        validate=validate.Length(min=1, max=MAX_ENTITIES,
                                 error=lazy(lambda: ngettext("Name from 1 to %(num)d entity.",
                                                             "Name from 1 to %(num)d entities.",
                                                             MAX_ENTITIES))),
        metadata={"description": "one lead (is_lead); none marked: the first leads"})
    countries = fields.List(inputs.Country(), load_default=list)
    regions = fields.List(inputs.Choice(vocab.Region, unknown=UNKNOWN_REGION), load_default=list)
    targets_ldc = fields.Boolean(load_default=False)
    beneficiaries = fields.List(inputs.Choice(vocab.BeneficiaryGroup, unknown=UNKNOWN_BENEFICIARY),
                                load_default=list)
    sdgs = fields.List(inputs.Count(min=1, max=17), load_default=list)
    target_year = inputs.Count(min=FIRST_YEAR, max=LAST_YEAR, load_default=None,
                               allow_none=True)
    indicator = inputs.Text(max_length=SHORT_TEXT_MAX, load_default="")
    contact_email = OptionalEmail(load_default="")

    @pre_load
    def _blank_is_none(self, data: Any, **kwargs: Any) -> Any:
        if isinstance(data, Mapping):
            data = {k: (None if k in _BLANK_IS_NONE and v == "" else v) for k, v in data.items()}
        return data

    @validates_schema
    def _pillar_of_focus_area(self, data: dict, **kwargs: Any) -> None:
        pillar, focus = data.get("pillar"), data.get("focus_area")
        if pillar and focus and pillar.value not in vocab.PILLARS[focus.value]:
            raise ValidationError(
                _("%(pillar)s is not a pillar of %(area)s. Choose from: %(pillars)s.",
                  pillar=pillar.label, area=focus.label,
                  pillars=format_items(_(p) for p in vocab.PILLARS[focus.value].values())),
                "pillar")

    @validates_schema
    def _entities(self, data: dict, **kwargs: Any) -> None:
        entities = data.get("entities") or []
        # .get: a PATCH loads partially, nested entities too (the service loads the whole)
        if sum(1 for e in entities if e.get("is_lead")) > 1:
            raise ValidationError(_("A joint pledge has one lead entity."), "entities")
        seen: set[str] = set()
        for i, e in enumerate(entities):
            name = e.get("name", "")
            if name and name.lower() in seen:
                raise ValidationError({"entities": {i: {"name": [_("%(name)s is named twice.", name=name)]}}})
            seen.add(name.lower())

    @validates_schema
    def _countries_in_a_region(self, data: dict, **kwargs: Any) -> None:
        outside = [c for c in data.get("countries") or [] if c and c not in vocab.COUNTRY_REGION]
        if outside:
            raise ValidationError(
                _("%(country)s is not on the ITU-D regions' list: name the region instead.",
                  country=country_name(outside[0])), "countries")

    @post_load
    def _normalized(self, data: dict, partial: Any = None, **kwargs: Any) -> dict:
        """Lists without repeats; the first entity leads when none is marked; a pledge
        in a least developed country targets one. (A partial load, a PATCH, touches only
        what was sent: the service checks the merged whole again.)"""
        entities = data.get("entities") or []
        if entities and not any(e.get("is_lead") for e in entities):
            entities[0]["is_lead"] = True
        for key in ("countries", "regions", "beneficiaries"):
            if key in data:
                data[key] = _unique(x for x in data[key] if x)
        if "sdgs" in data:
            data["sdgs"] = sorted(set(data["sdgs"]))
        if not partial:
            data["targets_ldc"] = bool(data.get("targets_ldc")) or any(
                c in vocab.LDCS for c in data.get("countries", []))
        return data


class SubmissionSchema(PledgeSchema):
    """A pledge submitted by its pledger: measurable (indicator) and time-bound (a target
    year not in the past); optionally tied to a published event (slug)."""

    event = inputs.Line(max_length=200, load_default="")

    @validates_schema(skip_on_field_errors=False)
    def _smart(self, data: dict, **kwargs: Any) -> None:
        problems: dict[str, list[str]] = {}
        if "indicator" in data and not data["indicator"]:
            problems["indicator"] = [_("Say how progress will be measured, for example "
                                       "'number of schools connected'.")]
        year = data.get("target_year")
        if year is None and "target_year" in data:
            problems["target_year"] = [_("Give the year by which the pledge will be fulfilled.")]
        elif year is not None and year < date.today().year:
            problems["target_year"] = [_("The target year cannot be in the past.")]
        if problems:
            raise ValidationError(problems)


class _Instant(inputs.Instant):
    """``inputs.Instant``, and an instant already loaded is taken again (so values the API
    loaded can be handed to a service that loads its input itself)."""

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> datetime:
        if isinstance(value, datetime):
            return value
        return super()._deserialize(value, attr, data, **kwargs)


class AnnouncementSchema(Schema):
    """Where and by whom a pledge was announced (the session of the event, one of its
    people); the service checks they belong to the event."""

    session_id = inputs.Id(required=True, error_messages={
        "required": _l("Choose the session where it was announced.")})
    announced_by_id = inputs.Id(load_default=None, allow_none=True)
    # The year range and DST gaps are eventsapp.instants' (through inputs.Instant).
    announced_at = _Instant(load_default=None, allow_none=True, metadata={
        "description": "ISO 8601; without an offset, the event's local time; default now"})


class ReportSchema(Schema):
    """A progress report: its date (not in the future), status, percent complete (default
    100 when completed, else 0), the amount disbursed so far, what happened."""

    reported_on = fields.Date(load_default=None, allow_none=True,
                              error_messages={"invalid": _l("Give the date as YYYY-MM-DD.")})
    status = inputs.Choice(ProgressStatus, unknown=UNKNOWN_PROGRESS_STATUS, required=True,
                           error_messages={"required": _l("Choose a status.")})
    percent_complete = inputs.Count(min=0, max=100, load_default=None, allow_none=True)
    amount_disbursed_usd = inputs.Usd(load_default=None, allow_none=True)
    narrative = inputs.Text(max_length=LONG_TEXT_MAX, load_default="")

    @pre_load
    def _blank_is_unset(self, data: Any, **kwargs: Any) -> Any:
        if isinstance(data, Mapping):  # a blank form field takes the default
            data = {k: v for k, v in data.items() if v not in ("", None)}
        return data

    @validates_schema
    def _date(self, data: dict, **kwargs: Any) -> None:
        day = data.get("reported_on")
        if day is not None and day > date.today():
            raise ValidationError(_("The report date cannot be in the future."), "reported_on")
        if day is not None and day.year < FIRST_YEAR:
            raise ValidationError(_("Give a date from %(year)d on.", year=FIRST_YEAR), "reported_on")


class ModerationSchema(Schema):
    """Publish, or decline with a reason the submitter reads."""

    action = fields.String(required=True, validate=validate.OneOf(
        ["publish", "decline"], error=_l("Choose publish or decline.")))
    reason = inputs.Text(max_length=SHORT_TEXT_MAX, load_default="",
                         metadata={"description": "required to decline"})

    @validates_schema
    def _reason(self, data: dict, **kwargs: Any) -> None:
        if data.get("action") == "decline" and not data.get("reason"):
            raise ValidationError(_("Say why the pledge is declined; the submitter will read it."),
                                  "reason")


class UpdateLinkSchema(Schema):
    """Where to mail a pledge's private update link."""

    email = inputs.Email(required=True)


class FilterSchema(Schema):
    """What a pledge list or dashboard is narrowed to (query arguments)."""

    session = inputs.Id(strict=False, metadata={"description": "session id"})
    focus_area = inputs.Choice(FocusArea, unknown=UNKNOWN_FOCUS_AREA)
    type = inputs.Choice(PledgeType, unknown=UNKNOWN_TYPE)
    sector = inputs.Choice(Sector, unknown=UNKNOWN_SECTOR,
                           metadata={"description": "sector of the lead entity"})
    region = inputs.Choice(vocab.Region, unknown=UNKNOWN_REGION)
    sdg = inputs.Count(min=1, max=17)
    beneficiary = inputs.Choice(vocab.BeneficiaryGroup, unknown=UNKNOWN_BENEFICIARY)
    activity = inputs.Choice(vocab.Activity, unknown=UNKNOWN_ACTIVITY)


# ---------------------------------------------------------------- the flat shape

_LIST_SPLIT = re.compile(r"[;\n]")
_FLAT_LISTS = ("countries", "regions", "beneficiaries", "sdgs")
_FLAT_ENTITY = ("entity_name", "entity_sector", "entity_country")
FLAT_ENTITY_ERRORS = {"name": "entity_name", "sector": "entity_sector",
                      "country": "entity_country"}


def split_list(value: Any) -> list:
    """A list from a multi-select (a list) or a cell written "a; b" (one per line too)."""
    if value is None:
        return []
    items = value if isinstance(value, (list, tuple)) else _LIST_SPLIT.split(str(value))
    return [v.strip() if isinstance(v, str) else v for v in items
            if not (isinstance(v, str) and not v.strip())]


def _partner(line: str) -> dict:
    parts = [p.strip() for p in line.split("|")]
    if len(parts) > 3:
        raise ValueError(_("Write each entity as 'Name | sector | country': %(line)s",
                           line=f"{line!s:.60}"))
    name, sector, country = (parts + ["", ""])[:3]
    return {"name": name, "sector": sector or None, "country": country, "is_lead": False}


def from_flat(raw: Mapping) -> dict:
    """The form's / CSV row's values in the schema's shape (the lead entity first)."""
    data = {k: v for k, v in raw.items()
            if k not in _FLAT_ENTITY + ("partners",) and v not in ("", None)}
    for key in _FLAT_LISTS:
        if key in data:
            data[key] = split_list(data[key])
    if "sdgs" in data:  # "SDG 5" is how people write goal 5
        data["sdgs"] = [re.sub(r"^sdg\s*", "", s, flags=re.IGNORECASE)
                        if isinstance(s, str) else s for s in data["sdgs"]]
    lead = {"name": raw.get("entity_name") or "", "sector": raw.get("entity_sector") or None,
            "country": raw.get("entity_country") or "", "is_lead": True}
    partners = raw.get("partners")
    lines = partners if isinstance(partners, (list, tuple)) else split_list(partners)
    bad: list[str] = []
    entities = [lead]
    for line in lines:
        try:
            entities.append(_partner(str(line)))
        except ValueError as exc:
            bad.append(str(exc))
    if bad:
        raise ValidationFailed(_("Some fields are not valid."), fields={"partners": bad})
    data["entities"] = entities
    return data


def flat_fields(problems: Mapping[str, list[str]]) -> dict[str, list[str]]:
    """Field messages of the schema's shape under the flat shape's names: the lead's under
    ``entity_*``, the partners' under ``partners``, a list item's under its list."""
    out: dict[str, list[str]] = {}
    for key, messages in problems.items():
        parts = key.split(".")
        if parts[0] == "entities" and len(parts) >= 2 and parts[1] == "0":
            name = FLAT_ENTITY_ERRORS.get(parts[2] if len(parts) > 2 else "", "entity_name")
        elif parts[0] == "entities" and len(parts) >= 2:
            name = "partners"
        elif parts[0] == "entities":
            name = "entity_name"
        else:
            name = parts[0]
        out.setdefault(name, []).extend(messages)
    return out


def _is_flat(raw: Mapping) -> bool:
    return "entities" not in raw


# ---------------------------------------------------------------- loading

def load_pledge(raw: Mapping, *, submission: bool = False) -> PledgeInput:
    """A pledge given in the schema's shape (API) or the flat one (forms, CSV), validated;
    ValidationFailed names every field (in the shape it was given in)."""
    flat = _is_flat(raw)
    schema = SubmissionSchema() if submission else PledgeSchema()
    try:
        data = inputs.load(schema, from_flat(raw) if flat else raw)
    except ValidationFailed as exc:
        if flat:
            exc.fields = flat_fields(exc.fields)
        raise
    data.pop("event", None)
    return PledgeInput(
        title=data["title"], description=data["description"], type=data["type"].value,
        focus_area=data["focus_area"].value,
        pillar=data["pillar"].value if data["pillar"] else "",
        amount_usd=data["amount_usd"], countries=data["countries"],
        regions=[r.value for r in data["regions"]], targets_ldc=data["targets_ldc"],
        beneficiaries=[b.value for b in data["beneficiaries"]], sdgs=data["sdgs"],
        target_year=data["target_year"], indicator=data["indicator"],
        contact_email=data["contact_email"],
        entities=[EntityInput(name=e["name"], sector=e["sector"].value if e["sector"] else None,
                              country=e["country"] or "", is_lead=e["is_lead"])
                  for e in data["entities"]])


def load_announcement(raw: Mapping) -> dict:
    """Where, by whom and when a pledge was announced, validated."""
    return inputs.load(AnnouncementSchema(), raw)


def load_report(raw: Mapping) -> ReportInput:
    """A progress report, validated (ValidationFailed names every field)."""
    data = inputs.load(ReportSchema(), raw)
    status = data["status"]
    percent = data["percent_complete"]
    if percent is None:
        percent = 100 if status == ProgressStatus.COMPLETED else 0
    return ReportInput(reported_on=data["reported_on"] or date.today(), status=status.value,
                       percent_complete=percent,
                       amount_disbursed_usd=data["amount_disbursed_usd"],
                       narrative=data["narrative"])
