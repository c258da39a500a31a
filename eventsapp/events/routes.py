"""Public pages: the home page and an event's page."""
from __future__ import annotations

from itertools import groupby

from flask import Blueprint, make_response, redirect, render_template, request, url_for

from ..permissions import Need, acting_user, can, can_create_events, event_required
from ..security import safe_next
from ..timefmt import valid_zone
from . import services

bp = Blueprint("events", __name__)


@bp.route("/")
def home():
    user = acting_user()
    listing = services.list_events(user)
    return render_template("events/home.html", listing=listing,
                           can_create=can_create_events(user))


@bp.route("/events/<slug>")
@event_required(Need.VIEW)
def event_page(event):
    user = acting_user()
    manage = can(user, Need.MANAGE, event)
    sessions = services.visible_sessions(event, include_drafts=manage)
    days = [(day, list(items)) for day, items in
            groupby(sessions, key=lambda s: event.local(s.starts_at).date())]
    return render_template("events/event.html", event=event, days=days, can_manage=manage,
                           can_create=can_create_events(user))


@bp.route("/timezone", methods=["GET"])
def set_timezone():
    """Remember the viewer's zone (or clear it) and go back; works without JavaScript."""
    zone = valid_zone(request.args.get("tz"))
    back = safe_next(request.args.get("next"), url_for("events.home"))
    resp = make_response(redirect(back))
    if zone:
        resp.set_cookie("tz", zone, max_age=365 * 24 * 3600, samesite="Lax", httponly=True,
                        secure=request.is_secure)
    else:
        resp.delete_cookie("tz")
    return resp
