"""Pledge forms. They carry the CSRF token, the labels and the widgets; every rule is in
``schemas`` (the views hand the form's values to the services, which load them through
the schema), so forms, API and CSV answer alike. Choices are for display only."""
from __future__ import annotations

from typing import Any

from flask_babel import LazyString
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    HiddenField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.widgets import CheckboxInput, ListWidget

from ..countries import choices as country_choices
from ..countries import country_name
from . import vocab


class MultiCheckboxField(SelectMultipleField):
    """Checkboxes, each with its own label."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()

    def pre_validate(self, form):  # values are checked by the service, with clear messages
        pass


class LooseSelect(SelectField):
    def pre_validate(self, form):  # the schema decides, with its message
        pass


class LooseMultiSelect(SelectMultipleField):
    def pre_validate(self, form):  # the schema decides, with its message
        pass


def _entity_countries() -> list[tuple[str, str]]:
    return [("", "—")] + country_choices()


def _place_countries() -> list[tuple[str, str]]:
    return sorted(((c, country_name(c)) for c in vocab.COUNTRY_REGION),
                  key=lambda p: p[1].casefold())


def _blank(label) -> list[tuple[str, Any]]:
    return [("", label)]


def _translated(vocabulary: dict[str, str]) -> list[tuple[str, Any]]:
    """Choices of a vocabulary, each label translated when the form is rendered (the
    English labels are the msgids, extracted where the vocabulary is defined)."""
    return [(k, _l(v)) for k, v in vocabulary.items()]


def pillar_choices() -> list[SelectChoice]:
    """Pillars grouped by focus area (rendered as <optgroup>)."""
    return [SelectChoice("", _l("(none)"))] + [
        SelectChoice(key, _l(label), optgroup=_l(vocab.FOCUS_AREAS[area]))
        for area, pillars in vocab.PILLARS.items() for key, label in pillars.items()]


class EntityFieldsMixin:
    entity_name = StringField(_l("Pledging entity (the lead, for a joint pledge)"))
    entity_sector = LooseSelect(_l("Sector of the entity"),
                                choices=_blank(_l("Choose…")) + _translated(vocab.SECTORS))
    entity_country = LooseSelect(_l("Country of the entity (optional)"), choices=_entity_countries)
    partners = TextAreaField(_l("Partner entities of a joint pledge (optional)"))


class PledgeForm(EntityFieldsMixin, FlaskForm):
    title = StringField(_l("Title"))
    description = TextAreaField(_l("What will be done"))
    type = LooseSelect(_l("Type"), choices=_blank(_l("Choose…")) + _translated(vocab.TYPES))
    focus_area = LooseSelect(_l("Focus area"), choices=_blank(_l("Choose…")) + _translated(vocab.FOCUS_AREAS))
    pillar = LooseSelect(_l("Pillar"), choices=pillar_choices())
    amount_usd = StringField(_l("Estimated value in USD (optional)"))
    indicator = TextAreaField(_l("How will progress be measured? (indicator and target)"))
    target_year = StringField(_l("Target year"))
    countries = LooseMultiSelect(_l("Countries of implementation (optional)"),
                                 choices=_place_countries, render_kw={"size": 8})
    regions = MultiCheckboxField(_l("Regions of implementation"), choices=_translated(vocab.REGIONS))
    targets_ldc = BooleanField(_l("Targets at least one least developed country"))
    beneficiaries = MultiCheckboxField(_l("Beneficiary groups"),
                                       choices=_translated(vocab.BENEFICIARY_GROUPS))
    sdgs = MultiCheckboxField(_l("Sustainable Development Goals"),
                              choices=[(str(n), LazyString(vocab.sdg_label, n)) for n in vocab.SDGS])
    event = LooseSelect(_l("Event where it will be announced (optional)"), choices=[])
    contact_email = StringField(_l("Contact email for progress reports (optional)"))

    FIELDS = ("title", "description", "type", "focus_area", "pillar", "amount_usd", "indicator",
              "target_year", "countries", "regions", "targets_ldc", "beneficiaries", "sdgs",
              "entity_name", "entity_sector", "entity_country", "partners", "contact_email")

    def raw(self) -> dict:
        out = {name: getattr(self, name).data for name in self.FIELDS}
        out["event"] = self.event.data
        return out

    def fill(self, raw: dict) -> None:
        """Prefill from services.pledge_to_raw (edit page)."""
        for name in self.FIELDS:
            if name in raw and name not in ("sdgs",):
                getattr(self, name).data = raw[name]
        self.sdgs.data = [str(n) for n in raw.get("sdgs", [])]
        self.amount_usd.data = str(raw["amount_usd"]) if raw.get("amount_usd") is not None else ""
        self.target_year.data = str(raw["target_year"]) if raw.get("target_year") else ""
        self.countries.data = list(raw.get("countries", []))
        entities = raw.get("entities", [])
        lead = next((e for e in entities if e["is_lead"]), entities[0] if entities else None)
        if lead:
            self.entity_name.data, self.entity_sector.data = lead["name"], lead["sector"]
            self.entity_country.data = lead["country"]
        self.partners.data = "\n".join(
            " | ".join(x for x in (e["name"], e["sector"], country_name(e["country"])) if x)
            for e in entities if e is not lead)


class QuickPledgeForm(EntityFieldsMixin, FlaskForm):
    """The pledge desk: a few fields, then announce."""

    title = StringField(_l("Pledge title"))
    type = LooseSelect(_l("Type"), choices=_blank(_l("Choose…")) + _translated(vocab.TYPES))
    focus_area = LooseSelect(_l("Focus area"), choices=_blank(_l("Choose…")) + _translated(vocab.FOCUS_AREAS))
    amount_usd = StringField(_l("Estimated value in USD (optional)"))
    contact_email = StringField(_l("Contact email for progress reports (optional)"))
    announced_by_id = LooseSelect(_l("Announced by"), choices=[])

    FIELDS = ("title", "type", "focus_area", "amount_usd", "entity_name", "entity_sector",
              "entity_country", "partners", "contact_email")

    def raw(self) -> dict:
        return {name: getattr(self, name).data for name in self.FIELDS}


class AnnounceForm(FlaskForm):
    pledge_id = HiddenField()
    announced_by_id = LooseSelect(_l("Announced by"), choices=[])


class ModerateForm(FlaskForm):
    action = HiddenField()  # set by the button pressed
    reason = TextAreaField(_l("Reason for declining (sent to the submitter)"))


class ReportForm(FlaskForm):
    reported_on = StringField(_l("Date of the report"), render_kw={"type": "date"})
    status = LooseSelect(_l("Status"), choices=_blank(_l("Choose…")) + _translated(vocab.PROGRESS_STATUSES))
    percent_complete = StringField(_l("Percent complete (0–100)"), render_kw={"inputmode": "numeric"})
    amount_disbursed_usd = StringField(_l("Amount disbursed so far, in USD (optional)"),
                                       render_kw={"inputmode": "decimal"})
    narrative = TextAreaField(_l("What happened since the last report"))

    def raw(self) -> dict:
        return {k: getattr(self, k).data for k in
                ("reported_on", "status", "percent_complete", "amount_disbursed_usd", "narrative")}


class UpdateLinkForm(FlaskForm):
    email = StringField(_l("Send a private update link to"))


class ImportForm(FlaskForm):
    file = FileField(_l("CSV file (UTF-8)"))
    csv_text = HiddenField()
    action = HiddenField()


class ReminderForm(FlaskForm):
    """The pledge ids come from checkboxes named pledge_ids."""
