"""One family of domain errors, answered as HTML pages or as the API's JSON error.

Services raise these; views let them propagate. The API format is
``{"error": {"code": ..., "message": ..., "fields": {...}}}``.
"""
from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable
from typing import Any, cast

from flask import Flask, jsonify, make_response, render_template, request
from flask_babel import LazyString, lazy_gettext
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

log = logging.getLogger(__name__)


def _l(message: str, **variables: Any) -> str:
    """lazy_gettext typed as the str it becomes where it is shown (texts made at import)."""
    return cast(str, lazy_gettext(message, **variables))


def lazy(make: Callable[[], str]) -> str:
    """A text made where it is shown, in the reader's language: for plurals needed at
    import, ``lazy(lambda: ngettext("%(num)d item", "%(num)d items", n))`` (the extractor
    finds the ngettext call inside the lambda)."""
    return cast(str, LazyString(make))


# The 401 of an API call that needs a token and came without one (one text, everywhere).
API_TOKEN_NEEDED = _l("Send an API token as 'Authorization: Bearer <token>'.")


class DomainError(Exception):
    status = 400
    code = "bad_request"

    def __init__(self, message: str, *, fields: dict | None = None, code: str | None = None):
        super().__init__(message)
        self.message = message
        self.fields = fields or {}
        if code:
            self.code = code


class BadRequest(DomainError):
    status, code = 400, "bad_request"


class Unauthorized(DomainError):
    status, code = 401, "unauthorized"


class Forbidden(DomainError):
    status, code = 403, "forbidden"


class NotFound(DomainError):
    status, code = 404, "not_found"


class Conflict(DomainError):
    status, code = 409, "conflict"


class ValidationFailed(DomainError):
    status, code = 422, "validation_failed"


def wants_json() -> bool:
    """API paths, and clients that ask for JSON rather than HTML, get JSON errors."""
    if request.path.startswith("/api/") or request.is_json:
        return True  # a client that sends JSON (the desk's scanner script) reads JSON back
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    accept = request.accept_mimetypes
    return best == "application/json" and accept[best] > accept["text/html"]


def _texts(fields: dict | None) -> dict:
    """Field messages as plain str (lazy translations evaluated now)."""
    return {str(k): [str(m) for m in v] if isinstance(v, (list, tuple)) else str(v)
            for k, v in (fields or {}).items()}


def error_body(code: str, message: str, fields: dict | None = None) -> dict:
    return {"error": {"code": code, "message": str(message), "fields": _texts(fields)}}


_HTTP_CODES = {
    400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
    405: "method_not_allowed", 409: "conflict", 413: "too_large", 415: "unsupported_media_type",
    422: "validation_failed", 429: "rate_limited", 500: "internal_error",
}

_MESSAGES = {
    400: _l("The request could not be understood."),
    401: _l("Sign in or send a valid API token."),
    403: _l("You do not have permission to do that."),
    404: _l("There is nothing here."),
    405: _l("That method is not allowed here."),
    413: _l("The upload is too large."),
    429: _l("Too many requests. Wait a minute and try again."),
    500: _l("Something went wrong on our side. It has been logged."),
}


def respond(status: int, code: str, message: str, fields: dict | None = None, headers=None):
    """Answer an error as JSON or as the HTML error page, as the request wants."""
    message = str(message)  # a lazy translation becomes the request's language here
    if wants_json():
        resp = jsonify(error_body(code, message, fields))
    else:
        template = (f"errors/{status}.html" if status in (403, 404, 413, 429, 500)
                    else "errors/generic.html")
        resp = make_response(
            render_template(template, status=status, message=message, fields=_texts(fields)))
    resp.status_code = status
    for key, value in (headers or {}).items():
        resp.headers[key] = value
    return resp


def handle_http_exception(exc: HTTPException):
    if exc.response is not None:  # made for this refusal (Flask-Limiter's on_breach)
        return exc.response
    status = exc.code or 500
    if status >= 500:
        return handle_unexpected(exc)
    fields = None
    message = _MESSAGES.get(status) or exc.description or _("Request failed.")
    # webargs/marshmallow validation errors (flask-smorest) carry field messages.
    data = getattr(exc, "data", None)
    if isinstance(data, dict) and "messages" in data:
        fields = _flatten_messages(data["messages"])
        message = _("Some fields are not valid.")
    elif status == 429:
        message = _MESSAGES[429]
    elif exc.description and status not in (404, 405):
        message = exc.description
    headers = {}
    allowed = getattr(exc, "valid_methods", None)  # werkzeug's MethodNotAllowed has them
    if status == 405 and allowed:
        headers["Allow"] = ", ".join(allowed)
    if status == 429:
        headers["Retry-After"] = str(_retry_after_seconds(exc))
    if status == 401 and request.path.startswith("/api/"):
        headers["WWW-Authenticate"] = 'Bearer realm="eventsapp"'
    return respond(status, _HTTP_CODES.get(status, "error"), message, fields, headers)


def _retry_after_seconds(exc: HTTPException) -> int:
    """Whole seconds until a refused request may succeed, rounded up, at least 1.

    Flask-Limiter's RateLimitExceeded has no ``retry_after``: the wait is read from the
    limits it breached in this request (the latest reset among them).
    """
    given = getattr(exc, "retry_after", None)  # werkzeug's TooManyRequests(retry_after=...)
    if isinstance(given, (int, float)) and given > 0:
        return max(1, math.ceil(given))
    from .extensions import limiter

    # window.reset_time is the exact moment (RequestLimit.reset_at adds a second).
    resets = [lim.window.reset_time for lim in (limiter.current_limits or []) if lim.breached]
    if not resets:
        return 60
    return max(1, math.ceil(max(resets) - time.time()))


def _flatten_messages(messages: dict) -> dict:
    """webargs nests messages by location ({"json": {"name": [...]}}) and by nested field
    ({"people": {"0": {"person_id": [...]}}}); the API answers {"people.0.person_id": [...]}."""
    from .inputs import flatten

    flat: dict = {}
    for location, value in messages.items():
        if isinstance(value, dict) and location in {"json", "query", "form", "files", "headers",
                                                    "view_args"}:
            flat.update(flatten(value))
        else:
            flat.update(flatten({location: value}))
    return flat


def handle_domain_error(exc: DomainError):
    from .extensions import db

    db.session.rollback()  # a service that raised leaves nothing half-written
    headers = {}
    if exc.status == 401 and request.path.startswith("/api/"):
        headers["WWW-Authenticate"] = 'Bearer realm="eventsapp"'
    return respond(exc.status, exc.code, exc.message, exc.fields, headers)


def handle_unexpected(exc: Exception):
    from .extensions import db
    from .logmask import mask

    log.exception("unhandled error on %s %s", request.method, mask(request.path), exc_info=exc)
    db.session.rollback()
    return respond(500, "internal_error", _MESSAGES[500])


def handle_csrf(exc: CSRFError):
    return respond(400, "csrf_failed", _("This form has expired or was sent from elsewhere. "
                                         "Reload the page and try again."))


def register_errorhandlers(app: Flask) -> None:
    app.register_error_handler(DomainError, handle_domain_error)
    app.register_error_handler(CSRFError, handle_csrf)
    app.register_error_handler(HTTPException, handle_http_exception)
    app.register_error_handler(Exception, handle_unexpected)
