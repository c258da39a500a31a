"""Schemas and helpers shared by the API modules."""
from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields

from ..permissions import acting_user

BEARER: list[dict[str, list[str]]] = [{"bearerAuth": []}]


class Out(Schema):
    """Base of response bodies. Every field is always in the answer, so the document
    declares each one required (a field that may be left out says so with
    ``metadata={"optional": True}``); ``allow_none=True`` declares the ones that may be
    null. The fuzz suite holds every answer to this (response_schema_conformance)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():  # this instance's copies: dumping ignores it
            if not field.metadata.get("optional"):
                field.required = True


class ApiErrorDetail(Out):
    code = fields.String(required=True)
    message = fields.String(required=True)
    # "fields" in the document; not the attribute name, which is Schema's dict of fields.
    field_messages = fields.Dict(keys=fields.String(), values=fields.List(fields.String()),
                                 data_key="fields", metadata={"optional": True})


class ApiErrorSchema(Out):
    error = fields.Nested(ApiErrorDetail, required=True)


def user():
    """The token's user, or None for an anonymous call."""
    return acting_user()
