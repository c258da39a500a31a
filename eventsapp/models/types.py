"""Column types shared by the models."""
from __future__ import annotations

import enum
from datetime import UTC, datetime
from typing import cast

import sqlalchemy as sa
from flask import current_app, has_app_context
from flask_babel import gettext, lazy_gettext
from sqlalchemy.types import TypeDecorator


def N_(message: str) -> str:
    """Mark a string for extraction only (a default babel keyword); translated when shown.

    The same as eventsapp.i18n.N_, defined here so the models import no app module.
    """
    return message


def translate(msgid: str) -> str:
    """The msgid in the current language when Flask-Babel is active, else as given.

    Outside an app context (CLI, tests without a request), or in an app without
    Flask-Babel, this is the English msgid itself.
    """
    if has_app_context() and "babel" in current_app.extensions:
        return gettext(msgid)
    return msgid


class UTCDateTime(TypeDecorator):
    """A timezone-aware datetime stored in UTC.

    SQLite keeps no zone, so values come back naive; this type makes every value
    aware UTC on the way in and on the way out, whatever the backend.
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class EnumSet(TypeDecorator):
    """A set of enum members in one VARCHAR: their values, comma-separated, in the
    enum's order ("participant,press"); "" is the empty set. Read as a ``frozenset``
    (assign a new set to change it); a value no member has any more is dropped on read.
    """

    impl = sa.String(200)
    cache_ok = True

    def __init__(self, enum_cls: type[enum.Enum], length: int = 200) -> None:
        super().__init__(length)
        self.enum_cls = enum_cls

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        members = {self.enum_cls(getattr(v, "value", v)) for v in value}
        return ",".join(m.value for m in self.enum_cls if m in members)

    def process_result_value(self, value, dialect):
        if not value:
            return frozenset()
        known = {m.value: m for m in self.enum_cls}
        return frozenset(known[v] for v in value.split(",") if v in known)


def utcnow() -> datetime:
    """The current instant, aware, in UTC (used as a column default callable)."""
    return datetime.now(UTC)


def str_enum(enum_cls: type[enum.Enum], length: int = 32) -> sa.Enum:
    """Store an enum by value in a VARCHAR, without a native type or CHECK.

    New members are then added without a migration on either backend.
    """
    return sa.Enum(
        enum_cls,
        native_enum=False,
        create_constraint=False,
        length=length,
        validate_strings=True,
        values_callable=lambda members: [m.value for m in members],
    )


# Not enum.StrEnum (UP042): str() of a member would become its value, and templates and
# f-strings may rely on today's str().
class LabelledEnum(str, enum.Enum):  # noqa: UP042
    """A str enum whose members carry a human label, translated where it is read.

    Each member keeps its English label as a gettext msgid (marked with N_ in the
    enum's definition); ``.label`` is that msgid in the current language.
    """

    label_msgid: str  # set on each member by __new__ (annotation only: not a member)

    def __new__(cls, value: str, label: str | None = None):
        obj = str.__new__(cls, value)
        obj._value_ = value
        obj.label_msgid = label or value.replace("_", " ").capitalize()
        return obj

    @property
    def label(self) -> str:
        """The label in the request's language (English outside a request)."""
        return translate(self.label_msgid)

    @classmethod
    def choices(cls) -> list[tuple[str, str]]:
        """(value, label) pairs. Inside a request, labels in its language; outside one
        (forms and vocabularies built at import), lazy labels translated when rendered."""
        if has_app_context() and "babel" in current_app.extensions:
            return [(m.value, m.label) for m in cls]
        return [(m.value, cast(str, lazy_gettext(m.label_msgid))) for m in cls]


class CodeList(TypeDecorator):
    """A short list of codes (the languages an event offers) stored as one comma-separated
    VARCHAR, the same on SQLite and PostgreSQL; read back as a tuple (immutable, so a
    change is always an assignment the ORM sees)."""

    impl = sa.String(64)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if isinstance(value, str):
            value = value.split(",")
        return ",".join(code.strip() for code in value if code and code.strip())

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return tuple(code for code in value.split(",") if code)
