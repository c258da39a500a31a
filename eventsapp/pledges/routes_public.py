"""Public pledge pages: dashboards, pledge pages, the pledge wall, submission and
progress reports by the pledger."""
from __future__ import annotations

import hashlib
from datetime import date

import sqlalchemy as sa
from flask import (
    Blueprint,
    Response,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from markupsafe import Markup
from werkzeug.http import is_resource_modified

from ..csvout import csv_response
from ..errors import DomainError, NotFound
from ..extensions import db
from ..forms_util import apply_errors
from ..i18n import N_, current_language
from ..localefmt import format_items, format_number
from ..models import Event, Pledge, PledgeState, ProgrammeSession
from ..nav import register_nav
from ..permissions import (
    Need,
    acting_user,
    can,
    can_manage_pledge,
    can_report_on_pledge,
    event_required,
    login_required,
    require_user,
)
from ..timefmt import format_event_time, format_usd
from . import cache as pledge_cache
from . import charts, csv_io, queries, services, vocab
from .demo import register as register_demo
from .forms import ModerateForm, PledgeForm, ReportForm, UpdateLinkForm
from .reporting import activity_of

bp = Blueprint("pledges", __name__)

register_nav(N_("Pledges"), "pledges.dashboard", order=40)
register_demo()

WALL_POLL_MS = 3000


# ---------------------------------------------------------------- template helpers

def session_url(event_slug: str, session_id: int) -> str:
    """The programme's session page (served by the programme feature)."""
    return f"/events/{event_slug}/sessions/{session_id}"


@bp.app_template_global("pledge_counter")
def pledge_counter(event: Event) -> queries.Counter:
    """The event's counter, for the event page slot (two queries)."""
    return queries.event_counter(event)


@bp.app_template_global("session_pledges")
def session_pledges_global(session: ProgrammeSession):
    """(pledges, total) announced at a session, for the session page slot."""
    return queries.session_pledges(session)


@bp.app_template_global("pledge_session_url")
def pledge_session_url(event_slug: str, session_id: int) -> str:
    return session_url(event_slug, session_id)


@bp.app_template_global("pledge_vocab")
def pledge_vocab():
    return vocab


# ---------------------------------------------------------------- dashboards

LATEST_LIMIT = 30


def _dashboard_body(event: Event | None, f: queries.Filters) -> Markup:
    """Everything of the dashboard below its actions: the same for every viewer, so it is
    rendered once per data version (pledge_cache) and filters."""
    data = queries.dashboard(f, with_events=event is None,
                             session_limit=None if event else 20)
    overall = queries.counter() if event else None
    events = [] if event else list(db.session.execute(
        sa.select(Event.slug, Event.title).where(Event.published.is_(True))
        .order_by(Event.starts_at.desc())))
    latest = list(db.session.scalars(queries.pledge_list_query(f).limit(LATEST_LIMIT)))

    def filter_url(key: str, value, slug: str | None = None) -> str:
        args = f.query_args()
        if value in (None, ""):
            args.pop(key, None)
        else:
            args[key] = value
        target = slug or (event.slug if event else None)
        if target:
            return url_for("pledges.event_dashboard", slug=target, **args)
        return url_for("pledges.dashboard", **args)

    chart_svgs = {key: charts.bar_chart(f"chart-{key}", _(queries.BREAKDOWN_TITLES[key]), rows)
                  for key, rows in data.breakdowns.items()}
    sessions_svg = charts.bar_chart("chart-sessions", _("Pledges per session"), data.sessions)
    growth_svg = charts.growth_chart("chart-growth", _("Published pledges over time (cumulative)"),
                                     data.growth)
    return Markup(render_template(
        "pledges/_dashboard_body.html", event=event, d=data, f=f, overall=overall,
        events=events, charts=chart_svgs, sessions_svg=sessions_svg, growth_svg=growth_svg,
        latest=latest, latest_limit=LATEST_LIMIT, filter_url=filter_url,
        titles=queries.BREAKDOWN_TITLES, vocab=vocab, activity_labels=queries.ACTIVITY))


def _dashboard_page(event: Event | None):
    f = queries.parse_filters(request.args, event)
    key = (event.id if event else None, request.script_root, request.path,
           tuple(sorted((k, str(v)) for k, v in f.query_args().items())))
    body, _etag = pledge_cache.cached("dashboard", key, lambda: _dashboard_body(event, f))
    export_url = (url_for("pledges.event_export", slug=event.slug, **f.query_args()) if event
                  else url_for("pledges.export", **f.query_args()))
    return render_template("pledges/dashboard.html", event=event, f=f, body=body,
                           export_url=export_url,
                           can_manage=event is not None and can(acting_user(), Need.MANAGE, event))


@bp.route("/pledges")
def dashboard():
    slug = request.args.get("event")
    if slug:
        args = {k: v for k, v in request.args.items() if k != "event" and v}
        return redirect(url_for("pledges.event_dashboard", slug=slug, **args))
    return _dashboard_page(None)


@bp.route("/events/<slug>/pledges")
@event_required(Need.VIEW)
def event_dashboard(event):
    return _dashboard_page(event)


def _export(event: Event | None):
    f = queries.parse_filters(request.args, event)
    pledges = db.session.scalars(queries.pledge_list_query(f).options(*csv_io.export_options()))
    name = f"pledges-{event.slug if event else 'all'}-{date.today().isoformat()}.csv"
    return csv_response(csv_io.export_csv(pledges), name)


@bp.route("/pledges/export.csv")
def export():
    return _export(None)


@bp.route("/events/<slug>/pledges/export.csv")
@event_required(Need.VIEW)
def event_export(event):
    return _export(event)


# ---------------------------------------------------------------- one pledge

@bp.route("/pledges/<int:pledge_id>")
def pledge_page(pledge_id: int):
    user = acting_user()
    pledge = services.visible_pledge(user, pledge_id)
    manage = can_manage_pledge(user, pledge)
    link_form = UpdateLinkForm()
    if manage and not link_form.email.data:
        link_form.email.data = (pledge.submitted_by.email if pledge.submitted_by
                                else pledge.contact_email)
    return render_template(
        "pledges/pledge.html", pledge=pledge, vocab=vocab, activity=activity_of(pledge),
        activity_labels=queries.ACTIVITY, can_manage=manage,
        can_report=can_report_on_pledge(user, pledge) and pledge.state == PledgeState.PUBLISHED,
        moderate_form=ModerateForm(), link_form=link_form)


def _submission_form(form: PledgeForm) -> PledgeForm:
    events = db.session.execute(sa.select(Event.slug, Event.title).where(Event.published.is_(True))
                                .order_by(Event.starts_at.desc()))
    form.event.choices = [("", _("Not tied to an event"))] + [(s, t) for s, t in events]
    return form


@bp.route("/pledges/new", methods=["GET", "POST"])
@login_required
def submit():
    form = _submission_form(PledgeForm())
    if request.method == "GET" and request.args.get("event"):
        form.event.data = request.args["event"]
    if form.validate_on_submit():
        try:
            pledge = services.submit_pledge(require_user(), form.raw())
        except DomainError as exc:
            _place_entity_errors(exc)
            apply_errors(form, exc)
        else:
            flash(_("Thank you! Your pledge is submitted; it will show once the organizers "
                    "publish it."), "success")
            return redirect(url_for("pledges.pledge_page", pledge_id=pledge.id))
    status = 422 if request.method == "POST" else 200
    return render_template("pledges/submit.html", form=form, vocab=vocab), status


def _place_entity_errors(exc: DomainError) -> None:
    """Errors about the entity list are shown next to the entity name field."""
    if "entities" in exc.fields:
        exc.fields.setdefault("entity_name", []).extend(exc.fields.pop("entities"))


@bp.route("/pledges/mine")
@login_required
def mine():
    user = require_user()
    pledges = list(db.session.scalars(
        sa.select(Pledge).where(Pledge.submitted_by_id == user.id)
        .options(*csv_io.export_options()).order_by(Pledge.created_at.desc())))
    return render_template("pledges/mine.html", pledges=pledges, activity_of=activity_of,
                           activity_labels=queries.ACTIVITY)


# ---------------------------------------------------------------- progress reports

@bp.route("/pledges/<int:pledge_id>/report", methods=["GET", "POST"])
@login_required
def report(pledge_id: int):
    user = require_user()
    pledge = services.visible_pledge(user, pledge_id)
    if not can_report_on_pledge(user, pledge):
        from ..errors import Forbidden

        raise Forbidden(_("Only the pledge's submitter or its organizers report progress."))
    form = ReportForm()
    if request.method == "GET":
        form.reported_on.data = date.today().isoformat()
    if form.validate_on_submit():
        try:
            services.file_report(user, pledge_id, form.raw())
        except DomainError as exc:
            apply_errors(form, exc)
        else:
            flash(_("Thank you: the progress report is filed."), "success")
            return redirect(url_for("pledges.pledge_page", pledge_id=pledge_id))
    status = 422 if request.method == "POST" else 200
    pledge = services.visible_pledge(user, pledge_id)  # as it is after the rollback
    return render_template("pledges/report.html", pledge=pledge, form=form, action=url_for(
        "pledges.report", pledge_id=pledge_id), via_link=False), status


@bp.route("/pledges/update/<token>", methods=["GET", "POST"])
def report_with_link(token: str):
    pledge = services.pledge_for_update_token(token)
    if pledge is None:
        raise NotFound(_("This update link is not valid: it may have been replaced by a newer "
                       "link or withdrawn. Ask the organizers for a new one."))
    form = ReportForm()
    if request.method == "GET":
        form.reported_on.data = date.today().isoformat()
    if form.validate_on_submit():
        try:
            services.file_report_with_link(token, form.raw())
        except DomainError as exc:
            apply_errors(form, exc)
        else:
            return render_template("pledges/report_done.html", pledge=pledge)
        pledge = services.pledge_for_update_token(token) or pledge
    status = 422 if request.method == "POST" else 200
    resp = render_template("pledges/report.html", pledge=pledge, form=form,
                           action=request.path, via_link=True)
    return resp, status, {"Cache-Control": "no-store"}


# ---------------------------------------------------------------- the wall

def _wall_payload(event: Event) -> dict:
    c = queries.event_counter(event)
    latest = []
    for p in queries.latest_announcements(event):
        lead = next((pe for pe in p.entities if pe.is_lead), None)
        when = p.announced_at or p.published_at
        latest.append({
            "id": p.id, "title": p.title,
            "entities": [pe.entity.name for pe in p.entities],
            "entities_display": format_items(pe.entity.name for pe in p.entities),
            "lead": lead.entity.name if lead else "",
            "amount_usd": str(p.amount_usd) if p.amount_usd is not None else None,
            "amount_display": format_usd(p.amount_usd) if p.amount_usd is not None else "",
            "session": p.session.label + ": " + p.session.title if p.session else "",
            "announced_at": when.isoformat() if when else None,
            "time_display": format_event_time(when, event.timezone) if when else "",
        })
    # The *_display texts are those the page shows, so the script's updates match them.
    return {**c.as_json(), "pledges_display": format_number(c.pledges),
            "entities_display": format_number(c.entities),
            "amount_display": format_usd(c.amount_usd), "latest": latest}


def _wall_etag(event: Event) -> str:
    n, last = queries.wall_state(event)
    # The language too: the payload's amounts and times are in the reader's language.
    key = f"{event.id}|{n}|{last}|{current_language()}"
    return hashlib.sha256(key.encode()).hexdigest()[:32]


@bp.route("/events/<slug>/pledges/wall")
@event_required(Need.VIEW)
def wall(event):
    return render_template("pledges/wall.html", event=event, data=_wall_payload(event),
                           etag=_wall_etag(event), poll_ms=WALL_POLL_MS)


@bp.route("/events/<slug>/pledges/wall.json")
@event_required(Need.VIEW)
def wall_feed(event):
    """The wall's feed: 304 while nothing changed (ETag from the database, so any app
    process behind a proxy answers the same)."""
    etag = _wall_etag(event)
    if is_resource_modified(request.environ, etag=etag):
        resp = jsonify(_wall_payload(event))
    else:  # the payload is not even built
        resp = Response(status=304)
    resp.set_etag(etag)
    resp.headers["Cache-Control"] = "no-cache"
    return resp
