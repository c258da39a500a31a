"""Merge fields in an organizer's message: ``{name}``, ``{event}``, ``{manage_link}``...

The organizer's text is never a template of any engine (no ``str.format``, no Jinja):
it is cut once into literal text and whitelisted field names, and each recipient's
values are put in in one pass, so a value that looks like a field (a registrant named
``{manage_link}``) stays text. ``{{`` and ``}}`` write a literal brace. An unknown
field (``{name.__class__}``) or a lone brace is an error naming it. Values go in as
plain text; the HTML part of the mail escapes the whole rendered text.
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from flask_babel import gettext as _

from ..errors import ValidationFailed

FIELDS = ("name", "event", "manage_link", "modality", "category", "status", "organization",
          "event_link")
MANAGE_LINK = "manage_link"

_TOKEN = re.compile(r"\{\{|\}\}|\{([^{}]*)\}|[{}]")


class MergeError(ValueError):
    """The text has an unknown field or an unbalanced brace (the message says which)."""


@dataclass(frozen=True)
class Field:
    name: str


@dataclass(frozen=True)
class Template:
    """A text cut into literal parts (str) and fields."""

    parts: tuple[str | Field, ...]

    def uses(self, name: str) -> bool:
        return any(isinstance(p, Field) and p.name == name for p in self.parts)

    def render(self, values: Mapping[str, str]) -> str:
        """The text with each field replaced by ``values[field]`` (missing: empty)."""
        return "".join(p if isinstance(p, str) else str(values.get(p.name, ""))
                       for p in self.parts)


def parse(text: str) -> Template:
    """Cut ``text`` into literal parts and whitelisted fields; MergeError otherwise."""
    parts: list[str | Field] = []
    pos = 0
    for m in _TOKEN.finditer(text):
        parts.append(text[pos:m.start()])
        token = m.group(0)
        if token in ("{{", "}}"):
            parts.append(token[0])
        elif token in ("{", "}"):
            raise MergeError(_("Unbalanced brace “%(brace)s” at character %(pos)s: write "
                               "{{ or }} for a brace itself.", brace=token, pos=m.start() + 1))
        else:
            name = (m.group(1) or "").strip()
            if name not in FIELDS:
                raise MergeError(_("Unknown merge field %(field)s. You can use: %(fields)s.",
                                   field=token, fields=", ".join(f"{{{f}}}" for f in FIELDS)))
            parts.append(Field(name))
        pos = m.end()
    parts.append(text[pos:])
    return Template(tuple(p for p in parts if p != ""))


def parse_fields(**texts: str) -> dict[str, Template]:
    """Each of ``texts`` (subject=..., body=...) parsed; ValidationFailed naming every
    field with an error."""
    out: dict[str, Template] = {}
    errors: dict[str, list[str]] = {}
    for key, text in texts.items():
        try:
            out[key] = parse(text)
        except MergeError as exc:
            errors[key] = [str(exc)]
    if errors:
        messages = [m for ms in errors.values() for m in ms]
        raise ValidationFailed(messages[0] if len(messages) == 1
                               else _("Please correct the highlighted fields."), fields=errors)
    return out
