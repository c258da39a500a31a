"""Helpers shared by HTML views: putting a service's field errors back on a form."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import request
from flask_wtf import FlaskForm
from marshmallow import Schema

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
