"""Schemas and helpers shared by the API modules."""
from __future__ import annotations

from marshmallow import Schema, fields

from ..permissions import acting_user

BEARER: list[dict[str, list[str]]] = [{"bearerAuth": []}]


class ApiErrorDetail(Schema):
    code = fields.String(required=True)
    message = fields.String(required=True)
    # "fields" in the document; not the attribute name, which is Schema's dict of fields.
    field_messages = fields.Dict(keys=fields.String(), values=fields.List(fields.String()),
                                 data_key="fields")


class ApiErrorSchema(Schema):
    error = fields.Nested(ApiErrorDetail, required=True)


def user():
    """The token's user, or None for an anonymous call."""
    return acting_user()
