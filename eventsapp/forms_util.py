"""Helpers shared by HTML views: putting a service's field errors back on a form, and the
error summary every re-rendered form page shows at its top (base.html)."""
from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from flask import Flask, request
from flask_babel import gettext as _
from flask_wtf import FlaskForm
from jinja2 import pass_context
from jinja2.runtime import Context
from marshmallow import Schema
from wtforms import Field, Form, HiddenField, RadioField
from wtforms.widgets import ListWidget

from .errors import DomainError


def apply_errors(form: FlaskForm, exc: DomainError) -> None:
    """Show a DomainError's field messages next to the fields, the rest on the form."""
    placed = False
    for name, messages in (exc.fields or {}).items():
        field = getattr(form, name, None)
        if field is not None and hasattr(field, "errors"):
            errs = list(field.errors) if not isinstance(field.errors, list) else field.errors
            errs.extend(messages if isinstance(messages, list) else [messages])
            field.errors = errs
            placed = True
    if not placed or not exc.fields:
        form.form_errors.append(exc.message)


def form_input(schema: Schema, formdata: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The posted form in the schema's shape: only the schema's fields (the CSRF token and
    buttons stay out). An unchecked box or an absent field is left out, so the schema's
    default decides."""
    posted = request.form if formdata is None else formdata
    return {name: posted.get(name) for name in schema.load_fields if name in posted}


# ------------------------------------------------------------------ the error summary

@dataclass(frozen=True)
class SummaryItem:
    """One line of a page's error summary: the message, and the id of the field it is
    about (the summary links to it), or None for a form-wide message."""

    text: str
    anchor: str | None = None


def _field_anchor(field: Field) -> str | None:
    """The id to link to: the field's own, or its first option's for a list of radio
    buttons or boxes (the list itself takes no focus); none for a hidden field."""
    if isinstance(field, HiddenField) or field.type == "CSRFTokenField":
        return None
    if isinstance(field.widget, ListWidget) or isinstance(field, RadioField):
        try:
            first = next(iter(field), None)
        except TypeError:  # a choice field without choices
            first = None
        return first.id if first is not None else field.id
    return field.id


def _messages(errors: Any) -> list[str]:
    if isinstance(errors, dict):  # an enclosed form or list of them
        return [m for value in errors.values() for m in _messages(value)]
    if isinstance(errors, (list, tuple)):
        return [m for value in errors for m in _messages(value)]
    return [str(errors)]


def form_summary(form: Form) -> list[SummaryItem]:
    """A form's errors in field order, each "Label: message", then the form-wide ones."""
    items: list[SummaryItem] = []
    for field in form:
        messages = _messages(field.errors)
        if not messages:
            continue
        anchor = _field_anchor(field)
        label = field.label.text if anchor else ""
        for message in messages:
            text = _("%(field)s: %(message)s", field=label, message=message) if label else message
            items.append(SummaryItem(text, anchor))
    items.extend(SummaryItem(str(m)) for m in getattr(form, "form_errors", ()))
    return items


def _forms_in(value: Any) -> Iterator[Form]:
    if isinstance(value, Form):
        yield value
    elif isinstance(value, (list, tuple)):  # forms kept per row
        yield from (v for v in value if isinstance(v, Form))
    elif isinstance(value, dict):
        yield from (v for v in value.values() if isinstance(v, Form))


@pass_context
def error_summary_items(context: Context) -> list[SummaryItem]:
    """Every error of the forms the view passed to the template (base.html shows them at
    the top of the page and prefixes the title with "Error:"), plus the view's own
    ``error_items`` ((field id or None, message) pairs) for errors kept outside a form."""
    items: list[SummaryItem] = []
    seen: set[int] = set()
    for value in context.get_all().values():
        for form in _forms_in(value):
            if id(form) not in seen:
                seen.add(id(form))
                items.extend(form_summary(form))
    for anchor, message in context.get("error_items") or ():
        items.append(SummaryItem(str(message), anchor))
    return items


def init_app(app: Flask) -> None:
    """Make the error summary available to every template (base.html)."""
    app.jinja_env.globals["error_summary_items"] = error_summary_items
