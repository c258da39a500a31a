"""Public pages: the home page and an event's page."""
from __future__ import annotations

from itertools import groupby

from flask import Blueprint, jsonify, make_response, redirect, render_template, request, url_for

from .. import tzsearch
from ..i18n import current_language, valid_language
from ..permissions import Need, acting_user, can, can_create_events, event_required
from ..security import safe_next
from ..timefmt import valid_zone
from . import services, zonebox

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
    """Apply the zone the viewer named (or clear it) and go back; works without JavaScript.

    ``tz`` is what they typed: an IANA name, or a city, a country or a label as the box
    shows it, in their language (``zone`` is the IANA name a suggestion carries). One
    zone named outright is remembered in a cookie; several or none go back to the page
    with ``tzq``, where the box lists the choices or says that nothing matched."""
    text = zonebox.clean(request.args.get("tz"))
    back = safe_next(request.args.get("next"), url_for("events.home"))
    zone = valid_zone(request.args.get("zone")) or valid_zone(text) or (
        tzsearch.exact(text, current_language()) if text else None)
    if text and zone is None:
        return redirect(zonebox.with_query(back, tzq=text) + "#tz-choices")
    resp = make_response(redirect(zonebox.with_query(back)))
    if zone:
        resp.set_cookie("tz", zone, max_age=365 * 24 * 3600, samesite="Lax", httponly=True,
                        secure=request.is_secure)
    else:
        resp.delete_cookie("tz")
    return resp


@bp.route("/timezones", methods=["GET"])
def timezones():
    """Zones matching ``q``, labelled in ``lang`` (else the viewer's language): the zone
    box's suggestions. The list is the same for everyone, so caches may keep it."""
    lang_asked = valid_language(request.args.get("lang"))
    lang = lang_asked or current_language()
    query = zonebox.clean(request.args.get("q"))
    found = tzsearch.search(query, lang) if query else []
    resp = jsonify(query=query, language=lang, zones=[
        {"zone": z.zone, "label": z.label, "offset": z.offset} for z in found])
    resp.cache_control.public = True
    resp.cache_control.max_age = 3600
    if not lang_asked:
        resp.vary.add("Accept-Language")
        resp.vary.add("Cookie")
    return resp


@bp.app_template_global()
def zone_box() -> zonebox.Box:
    return zonebox.box()


@bp.app_template_global()
def own_time_differs(viewer, event_zone, *instants) -> bool:
    return tzsearch.own_time_differs(viewer, event_zone, *instants)


@bp.app_template_global()
def same_zone(viewer, event_zone) -> bool:
    return bool(viewer) and tzsearch.canonical(viewer) == tzsearch.canonical(event_zone)


@bp.app_template_global()
def same_zone_names(event_zone) -> str:
    """The names of the event's zone, space-separated, for the zone box's script."""
    return " ".join(tzsearch.same_zone_names(event_zone))


@bp.app_template_global()
def same_clock(viewer, event_zone, start, end) -> bool:
    return tzsearch.same_clock(viewer, event_zone, start, end)
