"""The JSON API under /api/v1 (flask-smorest: validation and the OpenAPI document
are generated from the schemas and views, never written by hand).

Authentication is by bearer token only: no cookie ever authorizes an API call, so
the API needs no CSRF token and cannot be driven by another site.
"""
from __future__ import annotations

from flask import Flask, g, request
from flask_smorest import Api

from ..errors import Unauthorized
from ..extensions import csrf
from .common import ApiErrorSchema

API_PREFIX = "/api/v1"


class EventsApi(Api):
    """flask-smorest's Api, but errors go through the application's own handlers, and the
    document declares their real body (``ApiErrorSchema``) for every operation."""

    ERROR_SCHEMA = ApiErrorSchema

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
        raise Unauthorized("Use 'Authorization: Bearer <token>'.")
    user = user_for_token(token.strip())
    if user is None:
        raise Unauthorized("The API token is invalid or revoked.")
    g.api_user = user
    return


def api_blueprints():
    """Every API blueprint, in documentation order."""
    from . import checkins, events, pledges, programme, registration

    return [events.blp, programme.blp, registration.blp, checkins.blp, pledges.blp]


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
    app.before_request(_authenticate)
    for blp in api_blueprints():
        csrf.exempt(blp)
        api.register_blueprint(blp)
    app.extensions["eventsapp_api"] = api
