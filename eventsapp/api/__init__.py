"""The JSON API under /api/v1 (flask-smorest: validation and the OpenAPI document
are generated from the schemas and views, never written by hand).

Authentication is by bearer token only: no cookie ever authorizes an API call, so
the API needs no CSRF token and cannot be driven by another site.
"""
from __future__ import annotations

from flask import Flask, g, request
from flask_babel import gettext
from flask_smorest import Api

from ..errors import Unauthorized
from ..extensions import csrf
from .common import ApiErrorSchema
from .contract import ErrorResponses, refuse_anonymous, token_required_views

API_PREFIX = "/api/v1"


class EventsApi(Api):
    """flask-smorest's Api, but errors go through the application's own handlers, and the
    document declares their real body (``ApiErrorSchema``) for every operation."""

    ERROR_SCHEMA = ApiErrorSchema
    # No catch-all "default" response: it would make any status conform. Each operation
    # declares the statuses it answers (its view, and contract.ErrorResponses).
    DEFAULT_ERROR_RESPONSE_NAME = None

    def _register_error_handlers(self):
        pass  # eventsapp.errors answers every HTTPException, in the API's format


def _authenticate():
    """Resolve 'Authorization: Bearer <token>' into g.api_user; a bad token is a 401."""
    from ..auth.services import user_for_token

    if not request.path.startswith(API_PREFIX + "/"):
        return
    g.api_user = None
    header = request.headers.get("Authorization", "")
    if not header:
        return
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized(gettext("Use 'Authorization: Bearer <token>'."))
    user = user_for_token(token.strip())
    if user is None:
        raise Unauthorized(gettext("The API token is invalid or revoked."))
    g.api_user = user
    return


def api_blueprints():
    """Every API blueprint, in documentation order."""
    from . import checkins, events, invitations, organizations, pledges, programme, questions, registration
    from . import visa as visa_api
    from .registrant_actions import blp as registrant_actions_blp

    return [events.blp, programme.blp, registration.blp, questions.blp, organizations.blp,
            checkins.blp, pledges.blp, invitations.blp, registrant_actions_blp, visa_api.blp]


def register_api(app: Flask) -> None:
    api = EventsApi(spec_kwargs={
        "info": {"description": "Programme, registration, check-in, online participation "
                                "and pledges of eventsapp events. Times are ISO 8601 with "
                                "their offset; each event also names its IANA zone."},
        "servers": [{"url": "/"}],
    })
    api.init_app(app)
    api.spec.components.security_scheme(
        "bearerAuth", {"type": "http", "scheme": "bearer",
                       "description": "An organizer's API token (account page or "
                                      "`flask create-token EMAIL`)."})
    plugin = ErrorResponses()
    plugin.init_spec(api.spec)
    api.spec.plugins.append(plugin)  # before the blueprints: their paths go through it
    blueprints = api_blueprints()
    for blp in blueprints:
        csrf.exempt(blp)
        api.register_blueprint(blp)
    # Who calls comes before what they sent: these run ahead of the request-wide input
    # guards, so an anonymous call to an operation that needs a token is a 401, not a
    # 400/422 about its body.
    first = [_authenticate, refuse_anonymous(token_required_views(app, blueprints))]
    app.before_request_funcs.setdefault(None, [])[:0] = first
    app.extensions["eventsapp_api"] = api
