"""The badge page's and the door's inputs: batch printing and a scanned code."""
from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from marshmallow import Schema, fields

from ..api.common import Out
from ..i18n import N_
from ..inputs import Choice, Line
from ..models import Category, Modality, RegistrationStatus
from ..models.types import LabelledEnum
from .qr import MAX_INPUT as SCAN_MAX
from .services import ALREADY, CHECKED_IN, INVALID, REASONS

# What a Choice field answers to a value it does not know: one whole sentence each.
UNKNOWN_CATEGORY = N_("Unknown category. Use one of: %(allowed)s.")
UNKNOWN_PER_PAGE = N_("Unknown number of badges per page. Use one of: %(allowed)s.")

# What a scanner types: a bare badge code (qr.CODE_RE: at most 64 characters) or the URL
# form that carries it as ?code=... (what a phone's camera app opens), so the bound is
# the URL form's (qr.MAX_INPUT); qr.extract_code reads the code out of either.


class PerPage(LabelledEnum):
    """Badges per A4 sheet."""

    ONE = "1", N_("1 (large)")
    FOUR = "4", N_("4 (A6, 105 × 148 mm)")
    EIGHT = "8", N_("8 (105 × 74 mm)")


class CategoryOrAll(fields.Field):
    """A category (``inputs.Choice``'s rule), or the empty value of the "All categories"
    option (None). A blank but not empty value (" ") is no category: refused like any
    unknown one."""

    def __init__(self, **kwargs: Any) -> None:
        self.choice = Choice(Category, unknown=UNKNOWN_CATEGORY)
        kwargs.setdefault("metadata", {}).update(
            {"type": "string", "enum": ["", *(c.value for c in Category)]})
        super().__init__(allow_none=True, **kwargs)

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> Category | None:
        if value == "":
            return None
        return self.choice.deserialize(value)


class PrintSchema(Schema):
    category = CategoryOrAll(load_default=None)  # absent: all categories
    per_page = Choice(PerPage, unknown=UNKNOWN_PER_PAGE, required=True,
                      error_messages={"required": _l("Choose how many badges per page.")})
    not_printed = fields.Boolean(load_default=False)
    mark_printed = fields.Boolean(load_default=False)


class ScanSchema(Schema):
    """The desk's form and its script (an empty Enter is allowed: it is not a guess)."""

    code = Line(max_length=SCAN_MAX, load_default="")


class CheckinIn(Schema):
    """The API's scan (the code is required there)."""

    code = Line(max_length=SCAN_MAX, required=True, metadata={
        "description": "What the badge's QR code holds: the bare badge code, or a URL "
                       "carrying it as ?code=..."})


# ---------------------------------------------------------------- the answer to a scan
# (services.ScanResult as JSON: the API and the desk's script answer the same)


class CheckinRegistration(Out):
    id = fields.Integer()
    name = fields.String()
    organization = fields.String(allow_none=True)
    category = Choice(Category, dump_only=True)
    category_label = fields.String()
    modality = Choice(Modality, dump_only=True)
    status = Choice(RegistrationStatus, dump_only=True)


class CheckinDetail(Out):
    day = fields.String(metadata={"description": "The event-local day (YYYY-MM-DD); a badge "
                                                 "is checked in once per day."})
    checked_in_at = fields.String(metadata={"description": "ISO 8601, in the event's zone"})
    time = fields.String(metadata={"description": "HH:MM in the event's zone"})
    checked_in_by = fields.String(allow_none=True)


class CheckinResult(Out):
    result = fields.String(metadata={"enum": [CHECKED_IN, ALREADY, INVALID]})
    reason = fields.String(
        allow_none=True,
        metadata={"enum": [*REASONS, None],
                  "description": "Why a scan is invalid (rate_limited is answered 429). "
                                 "null otherwise."})
    message = fields.String(metadata={"description": "The answer in words, for the screen"})
    registration = fields.Nested(CheckinRegistration, allow_none=True,
                                 metadata={"description": "null when invalid"})
    checkin = fields.Nested(CheckinDetail, allow_none=True,
                            metadata={"description": "This day's admission: when, by whom"})
