"""Shared input field types: each rule about a kind of value is written here once.

Schemas (marshmallow) of the API, the HTML forms' loaders and the CSV importers build on
these types, so a value is refused with the same message wherever it comes in:

- ``Line``: one line of text, whitespace collapsed; ``Text``: multi-line text. Both
  refuse NUL and lone surrogates (see ``guards.bad_text``) and take a maximum length.
- ``Id``: a positive id that fits the database's INTEGER columns; ``Count``: a whole
  number from 0 in the same range (capacities, limits).
- ``Choice``: a ``LabelledEnum`` member, by value or by label, case-insensitive.
- ``Instant``: ISO 8601 date and time, read in a zone when it has no offset; years and
  DST gaps checked by ``eventsapp.instants`` (the one place that decides).
- ``Email``: a normalized, lower-cased address.
- ``Usd``: a USD amount as a ``Decimal`` (>= 0, cents at most).
- ``Country``: an ISO 3166-1 alpha-2 code (names and alpha-3 accepted on input).
- ``Language``: one of the six UN languages by code (ar, zh, en, fr, ru, es);
  ``LanguageSet``: several of them, deduplicated, in the UN order.

``load(schema, data)`` turns a marshmallow ``ValidationError`` into the app's
``ValidationFailed`` with field messages, for services and views alike.

Every field message leaves through ``flatten`` (``load`` for forms, services and CSV
imports; ``errors`` for the API's webargs errors), which is also where marshmallow's and
webargs' own English messages ("Missing data for required field.", "Length must be
between 1 and 5.") are put in the reader's language: see ``library_message``.
"""
from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from enum import Enum
from typing import Any

from email_validator import EmailNotValidError, validate_email
from flask_babel import gettext as _
from flask_babel import ngettext
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from .errors import ValidationFailed, _l, lazy
from .guards import DB_INT_MAX, bad_text
from .i18n import N_
from .instants import InvalidInstant, check_instant, naive_local_to_utc
from .library_messages import LIBRARY_MESSAGES, library_message  # noqa: F401 - re-exported

EMAIL_MAX = 254


def _plain_text(value: Any) -> str:
    if not isinstance(value, str):
        raise ValidationError(_("Not a text."))
    why = bad_text(value)
    if why:
        raise ValidationError(why)
    return value


def at_most_characters(num: int) -> str:
    """The message "At most 200 characters." in the reader's language and plural form
    (lazy: made at import, translated where it is shown)."""
    return lazy(lambda: ngettext("At most %(num)d character.", "At most %(num)d characters.",
                                 num))


class Line(fields.String):
    """One line of text: control characters and runs of whitespace become one space."""

    def __init__(self, *, max_length: int, required_message: str | None = None,
                 **kwargs: Any) -> None:
        validators = list(kwargs.pop("validate", []) or [])
        validators.append(validate.Length(max=max_length, error=at_most_characters(max_length)))
        kwargs.setdefault("metadata", {}).setdefault("maxLength", max_length)
        super().__init__(validate=validators, **kwargs)
        self.max_length = max_length
        if required_message:
            self.error_messages["required"] = required_message

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> str:
        text = _plain_text(value)
        return " ".join("".join(" " if ord(c) < 32 or ord(c) == 127 else c
                                for c in text).split())


class Text(fields.String):
    """Multi-line text: line breaks and tabs kept, other control characters removed."""

    def __init__(self, *, max_length: int, **kwargs: Any) -> None:
        validators = list(kwargs.pop("validate", []) or [])
        validators.append(validate.Length(max=max_length, error=at_most_characters(max_length)))
        super().__init__(validate=validators, **kwargs)
        self.max_length = max_length

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> str:
        text = _plain_text(value).replace("\r\n", "\n").replace("\r", "\n")
        return "".join(c for c in text if c in "\n\t" or not (ord(c) < 32 or ord(c) == 127)) \
            .strip()


class Id(fields.Integer):
    """A database id: 1 .. 2**31 - 1 (PostgreSQL's INTEGER), never a float or a bool."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("strict", True)
        super().__init__(validate=validate.Range(min=1, max=DB_INT_MAX,
                                                 error=_l("Not a valid id.")), **kwargs)


class Count(fields.Integer):
    """A whole number from ``min`` to at most 2**31 - 1 (capacities, limits, years)."""

    def __init__(self, *, min: int = 0, max: int = DB_INT_MAX, **kwargs: Any) -> None:
        kwargs.setdefault("strict", False)
        super().__init__(validate=validate.Range(
            min=min, max=max, error=_l("A whole number from %(min)d to %(max)d.",
                                       min=min, max=max)), **kwargs)

    def _validated(self, value: Any) -> int:
        if isinstance(value, bool):
            raise self.make_error("invalid")
        return super()._validated(value)


class Choice(fields.Field):
    """A member of ``enum``, given by its value or its label (any case); documented as
    a string enum of the values.

    ``unknown`` is the whole sentence that refuses another value, marked with ``N_`` and
    translated when it is raised, with ``%(allowed)s`` for the values: a sentence per
    field ("Unknown category. ..."), not an English noun glued into a shared sentence,
    which no other language could agree in gender or case.
    """

    def __init__(self, enum: type[Enum], *,
                 unknown: str = N_("Unknown value. Use one of: %(allowed)s."),
                 **kwargs: Any) -> None:
        self.enum = enum
        self.unknown = unknown
        values = [m.value for m in enum]
        kwargs.setdefault("metadata", {}).update({"type": "string", "enum": values})
        super().__init__(**kwargs)

    def _serialize(self, value: Any, attr: Any, obj: Any, **kwargs: Any) -> Any:
        return None if value is None else getattr(value, "value", value)

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> Enum:
        member = parse_choice(self.enum, value)
        if member is None:
            allowed = ", ".join(m.value for m in self.enum)
            raise ValidationError(_(self.unknown, allowed=allowed))
        return member


def parse_choice(enum: type[Enum], value: Any) -> Any:
    """The member of ``enum`` named by ``value`` (value or label, any case), or None."""
    if isinstance(value, enum):
        return value
    if not isinstance(value, str):
        return None
    text = value.strip().lower()
    for m in enum:
        label = str(getattr(m, "label", m.value)).lower()
        english = str(getattr(m, "label_msgid", label)).lower()  # any language's page
        if text in (str(m.value), label, english, str(m.value).replace("_", " "),
                    str(m.value).replace("_", "-")):
            return m
    return None


class Instant(fields.Field):
    """ISO 8601 in. With an offset it is that instant; without one it is kept naive and
    ``to_utc`` reads it in the event's zone. The year range is checked either way."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("metadata", {}).update({"type": "string", "format": "date-time"})
        super().__init__(**kwargs)

    def _serialize(self, value: Any, attr: Any, obj: Any, **kwargs: Any) -> Any:
        return None if value is None else value.isoformat()

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> datetime:
        if not isinstance(value, str):
            raise ValidationError(_("Not a date and time."))
        try:
            parsed = datetime.fromisoformat(value.strip())
        except ValueError as exc:
            raise ValidationError(_("Not an ISO 8601 date and time, e.g. "
                                    "2024-06-07T14:00:00+02:00.")) from exc
        try:
            if parsed.tzinfo is not None:
                check_instant(parsed)
            else:
                check_instant(parsed.replace(tzinfo=UTC))
        except InvalidInstant as exc:
            raise ValidationError(str(exc)) from exc
        return parsed


class PatchSchema(Schema):
    """Base of every PATCH body: any subset of the fields, but at least one (a PATCH that
    changes nothing is a mistake the caller wants to hear about: 422). Loaded after the
    view's permission checks, so 401/403/404 still come first."""

    @validates_schema
    def _not_empty(self, data: dict, **kwargs: Any) -> None:
        if not data:
            raise ValidationError(_("Send at least one field to change."), "_schema")


def to_utc(data: dict, zone: str, keys: tuple[str, ...]) -> dict:
    """``data`` with its naive instants read in ``zone`` (DST gaps refused per field)."""
    out = dict(data)
    problems: dict[str, list[str]] = {}
    for key in keys:
        if out.get(key) is not None:
            try:
                out[key] = naive_local_to_utc(out[key], zone)
            except InvalidInstant as exc:
                problems[key] = [str(exc)]
    if problems:
        raise ValidationFailed(next(iter(problems.values()))[0], fields=problems)
    return out


def normalize_email(value: Any) -> str:
    """The address validated and lower-cased, or ValidationError with a clear message."""
    text = _plain_text(value if value is not None else "").strip()
    if not text:
        raise ValidationError(_("Enter an email address."))
    if len(text) > EMAIL_MAX:
        raise ValidationError(at_most_characters(EMAIL_MAX))
    try:
        checked = validate_email(text, check_deliverability=False)
    except EmailNotValidError:
        raise ValidationError(_("That is not a valid email address.")) from None
    return checked.normalized.lower()


class Email(fields.String):
    """An email address, normalized and lower-cased."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("metadata", {}).update({"format": "email", "maxLength": EMAIL_MAX})
        super().__init__(**kwargs)

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> str:
        return normalize_email(value)


USD_MAX = Decimal("9999999999999999.99")  # Numeric(18, 2)


class Usd(fields.Field):
    """An amount in US dollars: a decimal string or number, >= 0, at most 2 decimal places,
    thousands separators and a "USD"/"$" prefix accepted; never a float inside."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("metadata", {}).update(
            {"type": "string", "pattern": r"^\d+(\.\d{1,2})?$",
             "description": "USD amount as a decimal string, e.g. \"1500000.00\""})
        super().__init__(**kwargs)

    def _serialize(self, value: Any, attr: Any, obj: Any, **kwargs: Any) -> Any:
        return None if value is None else f"{Decimal(value):.2f}"

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> Decimal:
        if isinstance(value, bool) or not isinstance(value, (str, int, float, Decimal)):
            raise ValidationError(_("Not an amount."))
        text = _plain_text(str(value)).strip().upper().removeprefix("USD").strip() \
            .removeprefix("$").replace(",", "").replace(" ", "").replace("\u00a0", "")
        try:
            amount = Decimal(text)
        except InvalidOperation:
            raise ValidationError(_("Enter an amount in US dollars, e.g. 1500000 or "
                                    "1,500,000.50.")) from None
        if not amount.is_finite() or amount < 0:
            raise ValidationError(_("The amount cannot be negative."))
        if amount > USD_MAX:
            raise ValidationError(_("The amount is too large."))
        if amount != amount.quantize(Decimal("0.01")):
            raise ValidationError(_("At most two decimal places (cents)."))
        return amount.quantize(Decimal("0.01"))


class Country(fields.String):
    """A country: ISO 3166-1 alpha-2 code, alpha-3 or name in; alpha-2 code out ("" for
    none). The document declares it as a two-letter code."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("metadata", {}).update(
            {"pattern": "^([A-Z]{2})?$", "description": "ISO 3166-1 alpha-2 code, e.g. RW "
             "(a country name is accepted on input)"})
        super().__init__(**kwargs)

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> str:
        from .countries import UnknownCountry, to_code

        try:
            return to_code(_plain_text(value))
        except UnknownCountry as exc:
            raise ValidationError(str(exc)) from exc


class Language(fields.String):
    """One of the six UN languages by its code (ar, zh, en, fr, ru, es; any case)."""

    def __init__(self, **kwargs: Any) -> None:
        from .i18n import LANGUAGES

        kwargs.setdefault("metadata", {}).update({"enum": list(LANGUAGES)})
        super().__init__(**kwargs)

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> str:
        from .i18n import LANGUAGES

        code = _plain_text(value).strip().lower()
        if code not in LANGUAGES:
            raise ValidationError(_("Unknown language. Use one of: %(allowed)s.",
                                    allowed=", ".join(LANGUAGES)))
        return code


class LanguageSet(fields.List):
    """Some of the six languages, at least one: a list of codes (or one comma-separated
    string), out deduplicated and in the UN order (ar, zh, en, fr, ru, es)."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("validate", validate.Length(
            min=1, error=_l("Choose at least one language.")))
        super().__init__(Language(), **kwargs)

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> list[Any]:
        from .i18n import LANGUAGES

        if isinstance(value, str):
            value = [part for part in value.split(",") if part.strip()]
        if isinstance(value, tuple):
            value = list(value)
        chosen = set(super()._deserialize(value, attr, data, **kwargs))
        return [code for code in LANGUAGES if code in chosen]


def load(schema: Schema, data: Mapping[str, Any], *, partial: bool = False) -> dict:
    """``schema.load(data)``, with errors as the app's ValidationFailed (all fields)."""
    try:
        return schema.load(data, partial=partial)
    except ValidationError as exc:
        raise ValidationFailed(_("Some fields are not valid."),
                               fields=flatten(exc.normalized_messages())) from exc


def flatten(messages: Any, prefix: str = "") -> dict[str, list[str]]:
    """marshmallow's nested messages as ``{"field" or "field.sub": [messages]}``, each in
    the reader's language (``library_message``)."""
    out: dict[str, list[str]] = {}
    if isinstance(messages, dict):
        for key, value in messages.items():
            name = f"{prefix}.{key}" if prefix else str(key)
            if isinstance(value, dict):
                out.update(flatten(value, name))
            else:
                out[name] = [library_message(str(v))
                             for v in (value if isinstance(value, list) else [value])]
    else:
        out[prefix or "_schema"] = [library_message(str(messages))]
    return out


URL_MAX = 1000


class Url(fields.Field):
    """A web link: http or https with a host, at most ``URL_MAX`` characters, no spaces or
    line breaks (it is put in a redirect and in calendar files). Blank loads as None (no
    link), so optional link fields need no rule of their own."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("allow_none", True)
        kwargs.setdefault("metadata", {}).update(
            {"type": "string", "format": "uri", "maxLength": URL_MAX, "pattern": "^https?://"})
        super().__init__(**kwargs)
        self.max_length = URL_MAX

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> str | None:
        from urllib.parse import urlsplit

        text = _plain_text(value).strip()
        if not text:
            return None
        if len(text) > URL_MAX:
            raise ValidationError(at_most_characters(URL_MAX))
        try:
            parts = urlsplit(text)
        except ValueError:
            parts = None
        if parts is None or parts.scheme.lower() not in ("http", "https") or not parts.netloc \
                or any(c.isspace() for c in text):
            raise ValidationError(_("Give a full link starting with https:// (or http://)."))
        return text


DATE_YEAR_MIN = 1900  # a date of birth or of a passport's issue may be long ago
DATE_YEAR_MAX = 2100


class Date(fields.Field):
    """A calendar date, ISO 8601 (YYYY-MM-DD, as a browser's date field sends it), in
    the years ``DATE_YEAR_MIN`` .. ``DATE_YEAR_MAX``."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("metadata", {}).update({"type": "string", "format": "date"})
        super().__init__(**kwargs)

    def _serialize(self, value: Any, attr: Any, obj: Any, **kwargs: Any) -> Any:
        return None if value is None else value.isoformat()

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> date:
        from datetime import date as date_type

        if isinstance(value, date_type) and not isinstance(value, datetime):
            parsed = value
        else:
            if not isinstance(value, str):
                raise ValidationError(_("Not a date."))
            try:
                parsed = date_type.fromisoformat(_plain_text(value).strip())
            except ValueError:
                raise ValidationError(_("Enter a date as YYYY-MM-DD, e.g. 2024-06-07.")) from None
        if not DATE_YEAR_MIN <= parsed.year <= DATE_YEAR_MAX:
            raise ValidationError(_("Use a date between %(min)d and %(max)d.",
                                    min=DATE_YEAR_MIN, max=DATE_YEAR_MAX))
        return parsed
