"""The API's contract beyond each view's own declarations: the error statuses every
operation can answer, and who must send a token.

flask-smorest documents what a view declares (its arguments, its response, its
``alt_response``s); the statuses that come from the application's request-wide rules
are declared here, once, from the same facts that produce them:

- a token is accepted by every operation (organizers see their drafts), so operations
  without a declared ``security`` get an optional one, and every operation can answer
  401 (a malformed, unknown or revoked token is refused before anything else);
- operations whose view declares ``security=BEARER`` need a token: an anonymous call
  is answered 401 before its input is read (``refuse_anonymous``, below), and a caller
  without the right is answered 403;
- a path parameter names an object that may not exist (or not be visible): 404;
- a write reads a JSON body (``guards.check_json_body``: malformed or non-UTF-8 JSON,
  400) and, like a query string, may carry a number the database cannot hold (400);
- a body larger than MAX_CONTENT_LENGTH: 413;
- input that does not validate, including a NUL in any query argument
  (``guards.check_form_and_query``, for every route): 422.

Statuses that depend on the use case (409, 429, 202, 304) are declared by the views.
"""
from __future__ import annotations

from typing import Any

from apispec import BasePlugin
from flask import Flask, request

from ..errors import API_TOKEN_NEEDED, Unauthorized
from .common import BEARER

OPTIONAL_TOKEN: list[dict[str, list[str]]] = [{}, *BEARER]
WRITES = ("post", "put", "patch", "delete")

# Component names: flask-smorest registers one response per HTTP status (ApiErrorSchema).
_NAMES = {400: "BAD_REQUEST", 401: "UNAUTHORIZED", 403: "FORBIDDEN", 404: "NOT_FOUND",
          413: "REQUEST_ENTITY_TOO_LARGE", 422: "UNPROCESSABLE_ENTITY"}


def _has_query(operation: dict) -> bool:
    return any(isinstance(p, dict) and p.get("in") == "query"
               for p in operation.get("parameters", ()))


def error_statuses(path: str, method: str, operation: dict) -> set[int]:
    """The error statuses the request-wide rules give ``operation`` (see the module doc)."""
    statuses = {401, 422}
    if operation.get("security") == BEARER:
        statuses.add(403)
    if "{" in path:
        statuses.add(404)
    body = "requestBody" in operation
    if method in WRITES or _has_query(operation):
        statuses.add(400)
    if body:
        statuses.add(413)
    return statuses


# Headers that errors.py sends with every answer of these statuses.
_RETRY_AFTER = {"Retry-After": {"description": "Seconds to wait before trying again",
                                "required": True, "schema": {"type": "integer", "minimum": 1}}}
_TOKEN_REFUSED = {
    "description": "No token where one is needed, or a malformed, unknown or revoked token",
    "content": {"application/json": {"schema": "ApiErrorSchema"}},
    "headers": {"WWW-Authenticate": {"description": "Bearer realm=\"eventsapp\"",
                                     "required": True, "schema": {"type": "string"}}},
}


class ErrorResponses(BasePlugin):
    """apispec plugin: adds the request-wide error responses and the optional token to
    each operation, keeping what the view declared itself (its descriptions win, but for
    401, which is one rule everywhere)."""

    def init_spec(self, spec: Any) -> None:
        super().init_spec(spec)
        spec.components.response("TokenRefused", _TOKEN_REFUSED)

    def operation_helper(self, path: str | None = None, operations: dict | None = None,
                         **kwargs: Any) -> None:
        for method, operation in (operations or {}).items():
            if method not in ("get", "post", "put", "patch", "delete"):
                continue
            operation.setdefault("security", OPTIONAL_TOKEN)
            responses = operation.setdefault("responses", {})
            declared = {str(status) for status in responses}
            for status in sorted(error_statuses(path or "", method, operation)):
                if str(status) not in declared:
                    responses[str(status)] = _NAMES[status]
            for status in list(responses):
                if str(status) == "401":
                    responses[status] = "TokenRefused"
                elif str(status) == "429" and isinstance(responses[status], dict):
                    responses[status].setdefault("headers", {}).update(_RETRY_AFTER)


def token_required_views(app: Flask, blueprints) -> set[tuple[str, str]]:
    """(endpoint, METHOD) of the API views that declare ``security=BEARER``."""
    names = {blp.name for blp in blueprints}
    required: set[tuple[str, str]] = set()
    for endpoint, func in app.view_functions.items():
        cls = getattr(func, "view_class", None)
        if cls is None or endpoint.partition(".")[0] not in names:
            continue
        for method in cls.methods or ():
            view = getattr(cls, method.lower(), None)
            doc = getattr(view, "_apidoc", {}).get("manual_doc", {})
            if doc.get("security") == BEARER:
                required.add((endpoint, method))
    return required


def refuse_anonymous(required: set[tuple[str, str]]):
    """A before_request rule: an anonymous call to an operation that needs a token is a
    401 before its body or query is parsed (else it would learn about validation first);
    an API path that matches no route is its 404/405 at once, whatever its body."""

    def rule() -> None:
        from ..permissions import acting_user

        if request.routing_exception is not None and request.path.startswith("/api/"):
            raise request.routing_exception
        if (request.endpoint, request.method) in required and acting_user() is None:
            raise Unauthorized(API_TOKEN_NEEDED)

    return rule
