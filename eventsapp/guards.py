"""Request-wide input guards: what no form, API call or path may bring in.

Each view validates its own fields (through the declared schemas); these guards catch,
once for every route, what would otherwise reach the database or the JSON parser and
fail there with a 500:

- ids in paths beyond the database's integer range (``<int:...>`` is bounded: a bigger
  number matches no route, so it is a 404 like any unknown id);
- JSON bodies nested deeper than ``MAX_JSON_DEPTH`` (the parser would recurse until it
  fails), or holding a NUL or a lone surrogate (neither can be stored as text: PostgreSQL
  refuses NUL, UTF-8 cannot encode a lone surrogate);
- NUL in form fields and query arguments;
- as a last resort, a number the database cannot hold (``OverflowError`` from SQLite,
  ``DataError`` from PostgreSQL) is answered as bad input, after a rollback.
"""
from __future__ import annotations

import json
from typing import Any

from flask import Flask, request
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy.exc import DataError
from werkzeug.routing import IntegerConverter

from .errors import BadRequest, ValidationFailed, respond

# PostgreSQL's INTEGER (the type of every id column) holds at most 2**31 - 1.
DB_INT_MAX = 2**31 - 1
MAX_JSON_DEPTH = 32


class BoundedIntConverter(IntegerConverter):
    """``<int:...>`` in a URL: 0 .. 2**31 - 1, so a larger id is a 404, never a 500."""

    def __init__(self, map, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", DB_INT_MAX)
        super().__init__(map, *args, **kwargs)


def json_depth(text: str) -> int:
    """The deepest nesting of arrays and objects in JSON text, without parsing it
    (so that depth is known before the recursive parser runs)."""
    depth = deepest = 0
    in_string = escaped = False
    for ch in text:
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif ch in "]}":
            depth -= 1
    return deepest


def bad_text(value: str) -> str | None:
    """Why a text cannot be stored, or None: a NUL, or a lone surrogate."""
    if "\x00" in value:
        return _("This text contains a NUL character, which cannot be stored. Remove it.")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return _("This text contains an invalid character (a lone surrogate). Remove it.")
    return None


def _walk(value: Any, path: str, problems: dict[str, list[str]]) -> None:
    if isinstance(value, str):
        why = bad_text(value)
        if why:
            problems.setdefault(path or "json", []).append(why)
    elif isinstance(value, dict):
        for key, item in value.items():
            name = f"{path}.{key}" if path else str(key)
            why = bad_text(key)
            if why:
                problems.setdefault(path or "json", []).append(why)
                continue
            _walk(item, name, problems)
    elif isinstance(value, list):
        for i, item in enumerate(value):
            _walk(item, f"{path}[{i}]" if path else f"[{i}]", problems)


def check_json_body() -> None:
    """Refuse a JSON body that is malformed, too deep, or carries text that cannot be
    stored; every JSON body of every route passes here first."""
    if request.method not in ("POST", "PUT", "PATCH", "DELETE") or not request.is_json:
        return
    raw = request.get_data(cache=True)
    if not raw.strip():
        return
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BadRequest(_("The request body is not valid JSON: it is not UTF-8."),
                         fields={"json": [_("The body must be UTF-8 JSON.")]}) from exc
    if json_depth(text) > MAX_JSON_DEPTH:
        raise BadRequest(ngettext("The JSON body is nested too deeply (at most %(num)d level).",
                                  "The JSON body is nested too deeply (at most %(num)d levels).",
                                  MAX_JSON_DEPTH),
                         fields={"json": [ngettext("At most %(num)d level of nesting.",
                                                   "At most %(num)d levels of nesting.",
                                                   MAX_JSON_DEPTH)]})
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise BadRequest(_("The request body is not valid JSON."),
                         fields={"json": [_("Invalid JSON: %(error)s", error=exc)[:200]]}) from exc
    problems: dict[str, list[str]] = {}
    _walk(data, "", problems)
    if problems:
        raise ValidationFailed(_("Some text cannot be stored."), fields=problems)


def check_form_and_query() -> None:
    """Refuse NUL in query arguments and form fields (a browser never sends one)."""
    problems: dict[str, list[str]] = {}
    sources = [request.args]
    if request.method in ("POST", "PUT", "PATCH", "DELETE") and not request.is_json:
        sources.append(request.form)
    for source in sources:
        for key, values in source.lists():
            for value in [key, *values]:
                why = bad_text(value)
                if why:
                    name = "field" if bad_text(key) else key
                    problems.setdefault(name, []).append(why)
                    break
    if problems:
        raise ValidationFailed(_("Some text cannot be stored."), fields=problems)


def _too_large_number(exc: Exception):
    from .extensions import db

    db.session.rollback()
    return respond(400, "out_of_range", _("A value is out of range or cannot be stored."))


def register_guards(app: Flask) -> None:
    """Install the converter (before any blueprint adds routes), the checks and the
    last-resort handlers."""
    app.url_map.converters["int"] = BoundedIntConverter
    app.before_request(check_form_and_query)
    app.before_request(check_json_body)
    app.register_error_handler(OverflowError, _too_large_number)
    app.register_error_handler(DataError, _too_large_number)
