"""Badges for attendees (manage link), the check-in desk, the organizer's badge page."""
from __future__ import annotations

import io
from datetime import timedelta

import sqlalchemy as sa
from flask import (
    Blueprint,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_limiter import RequestLimit

from ..confirm import ask_first
from ..console.panels import register_panel
from ..errors import Conflict, DomainError, NotFound, respond
from ..extensions import db
from ..forms_util import apply_errors, form_input
from ..i18n import N_
from ..inputs import load
from ..models import Category, Event, EventRole, EventRoleKind, Registration, User, utcnow
from ..nav import register_nav
from ..permissions import Need, acting_user, event_required, login_required, require_user
from . import counts as door
from . import services
from .design import CATEGORY_COLOURS, badge_data
from .forms import PrintForm, ReissueForm, ScanForm
from .limits import failed_scan_limit, limited_check_in, rate_limited, retry_after
from .render_pdf import badge_pdf, badge_sheets_pdf
from .render_png import badge_png
from .schemas import CheckinResult, PrintSchema, ScanSchema

bp = Blueprint("badges", __name__)

PRIVATE = {"Cache-Control": "private, no-store", "X-Robots-Tag": "noindex"}


# ---------------------------------------------------------------- attendee: badge files


def _registration_for_token(token: str) -> Registration:
    """The registration of a manage link; NotFound for an unknown or replaced link."""
    reg = services.registration_for_token(token)
    if reg is None:
        raise NotFound(_("This link is not valid. Use the latest link we sent you."))
    return reg


def _badge_or_page(reg: Registration, token: str | None = None):
    """(BadgeData, None) for a valid badge, else (None, the page that says why)."""
    problem = services.badge_problem(reg)
    if problem:
        page = render_template("badges/no_badge.html", registration=reg, event=reg.event,
                               reason=problem, message=_(services.NO_BADGE[problem]),
                               manage_token=token)
        return None, (page, 409, PRIVATE)
    return badge_data(reg, reg.event), None


def _file(data: bytes, mimetype: str, name: str, download: bool):
    resp = send_file(io.BytesIO(data), mimetype=mimetype, as_attachment=download,
                     download_name=name, max_age=0)
    resp.headers.update(PRIVATE)
    return resp


def _filename(event: Event, reg: Registration, ext: str) -> str:
    return f"badge-{event.slug}-{reg.id}.{ext}"


@bp.route("/r/<token>/badge.png")
def badge_png_for_token(token: str):
    reg = _registration_for_token(token)
    data, page = _badge_or_page(reg, token)
    if page:
        return page
    return _file(badge_png(data), "image/png", _filename(reg.event, reg, "png"),
                 request.args.get("download") == "1")


@bp.route("/r/<token>/badge.pdf")
def badge_pdf_for_token(token: str):
    reg = _registration_for_token(token)
    data, page = _badge_or_page(reg, token)
    if page:
        return page
    return _file(badge_pdf(data), "application/pdf", _filename(reg.event, reg, "pdf"),
                 request.args.get("download") == "1")


@bp.app_template_global()
def badge_status(registration: Registration | None) -> dict:
    """For the manage page's badge slot: {"valid": bool, "reason": key, "message": text}."""
    problem = services.badge_problem(registration)
    return {"valid": problem is None, "reason": problem,
            "message": _(services.NO_BADGE[problem]) if problem in services.NO_BADGE else ""}


@bp.app_template_global()
def category_colour_class(category) -> str:
    return f"cat-{Category(category).value}"


# ---------------------------------------------------------------- the check-in desk


def _desk(event: Event, form: ScanForm, result=None, status: int = 200):
    figures = door.checkin_counts(event)
    return render_template(
        "badges/desk.html", event=event, form=form, result=result, counts=figures,
        recent=door.recent_checkins(event, 8), colours=CATEGORY_COLOURS,
    ), status


def _desk_refused(limit: RequestLimit):
    """The desk's form after too many failed scans (the page says why)."""
    result = rate_limited()
    return respond(429, "rate_limited", result.message,
                   headers={"Retry-After": retry_after(limit)})


def _scan_refused(limit: RequestLimit):
    """The desk script's answer after too many failed scans: a scan result, as always."""
    resp = jsonify(CheckinResult().dump(rate_limited()))
    resp.status_code = 429
    resp.headers["Retry-After"] = retry_after(limit)
    resp.headers["Cache-Control"] = "no-store"
    return resp


def _scanned_code(formdata) -> str:
    """The scanned text, loaded through the scan schema (the desk's form or script)."""
    return load(ScanSchema(), form_input(ScanSchema(), formdata))["code"]


@bp.route("/events/<slug>/checkin", methods=["GET", "POST"])
@event_required(Need.CHECKIN)
@failed_scan_limit(_desk_refused)
def desk(event: Event):
    """The door: a handheld scanner types the code and Enter into the focused field; the
    page answers and is ready for the next scan. Works without JavaScript (this POST);
    with it, checkin.js posts to ``scan`` and also offers the phone's camera."""
    if request.method == "GET":
        form = ScanForm(formdata=None)
        # The URL form of a code (a phone's camera app opens it): fill it in, never
        # check in on a GET.
        form.code.data = (request.args.get("code") or "")[:200]
        return _desk(event, form)
    form = ScanForm()
    if not form.validate_on_submit():  # the CSRF token
        return _desk(event, form, status=422)
    try:
        code = _scanned_code(request.form)
    except DomainError as exc:
        apply_errors(form, exc)
        return _desk(event, form, status=422)
    result = limited_check_in(event, code, acting_user())
    return _desk(event, ScanForm(formdata=None), result)


@bp.route("/events/<slug>/checkin/scan", methods=["POST"])
@event_required(Need.CHECKIN)
@failed_scan_limit(_scan_refused)
def scan(event: Event):
    """JSON for the desk's script: {"code": ...} -> the same answer as the API. The
    session cookie authenticates, so the CSRF token is required (X-CSRFToken header)."""
    body = request.get_json(silent=True)
    try:
        code = _scanned_code(body if isinstance(body, dict) else {})
    except DomainError:
        code = None  # not text, or too long: unreadable, like any scan that is no code
    result = limited_check_in(event, code, acting_user())
    resp = jsonify(CheckinResult().dump(result))
    resp.headers["Cache-Control"] = "no-store"
    return resp


@bp.route("/events/<slug>/checkin/counts")
@event_required(Need.CHECKIN)
def counts(event: Event):
    """Live counts for the desk and the console (polled by checkin.js)."""
    resp = jsonify(door.checkin_counts(event).as_dict())
    resp.headers["Cache-Control"] = "no-store"
    return resp


def _desk_events(user: User) -> list[Event]:
    q = sa.select(Event).order_by(Event.starts_at.desc())
    if not user.is_admin:
        q = q.join(EventRole, EventRole.event_id == Event.id).where(
            EventRole.user_id == user.id,
            EventRole.role.in_([EventRoleKind.ORGANIZER, EventRoleKind.CHECKIN_STAFF])
        ).distinct()
    else:
        q = q.where(Event.ends_at >= utcnow() - timedelta(days=30))
    return list(db.session.scalars(q.limit(100)))


@bp.route("/checkin")
@login_required
def desks():
    """The check-in desks the signed-in user may open."""
    return render_template("badges/desks.html", events=_desk_events(require_user()))


def _has_desk() -> bool:
    user = acting_user()
    if user is None:
        return False
    if user.is_admin:
        return True
    from flask import g

    if "_badges_has_desk" not in g:
        g._badges_has_desk = db.session.scalar(
            sa.select(EventRole.id).where(
                EventRole.user_id == user.id,
                EventRole.role.in_([EventRoleKind.ORGANIZER, EventRoleKind.CHECKIN_STAFF]))
            .limit(1)) is not None
    return g._badges_has_desk


register_nav(N_("Check-in"), "badges.desks", 60, signed_in_only=True, visible=_has_desk)


# ---------------------------------------------------------------- organizer: badges


def _badges_page(event: Event, print_form: PrintForm | None = None, status: int = 200):
    search = request.args.get("q", "")
    try:
        page = max(1, int(request.args.get("page", "1")))
    except ValueError:
        page = 1
    rows, total = services.badge_list(event, search, page)
    checked = door.checked_in_today_ids(event, [r.id for r in rows])
    return render_template(
        "badges/organizer.html", event=event, print_form=print_form or PrintForm(),
        reissue_form=ReissueForm(), rows=rows, total=total, page=page, search=search,
        page_size=services.PAGE_SIZE, checked_today=checked,
        counts=door.checkin_counts(event),
        badge_counts=services.badge_counts(event),
    ), status


@bp.route("/events/<slug>/badges/")
@event_required(Need.MANAGE)
def organizer(event: Event):
    return _badges_page(event)


@bp.route("/events/<slug>/badges/print", methods=["POST"])
@event_required(Need.MANAGE)
def print_badges(event: Event):
    """One PDF of A4 sheets (1, 4 or 8 badges a page), by name, optionally one category
    and only those not printed yet; optionally marks them printed."""
    form = PrintForm()
    if not form.validate_on_submit():  # the CSRF token
        return _badges_page(event, form, 422)
    try:
        wanted = load(PrintSchema(), form_input(PrintSchema()))
    except DomainError as exc:
        apply_errors(form, exc)
        return _badges_page(event, form, 422)
    category: Category | None = wanted["category"]
    per_page = int(wanted["per_page"].value)
    regs = services.printable_badges(event, category, wanted["not_printed"])
    if not regs:
        flash(_("No badges match: nothing to print."), "warning")
        return redirect(url_for("badges.organizer", slug=event.slug))
    data = [badge_data(r, event) for r in regs]  # each badge in its registrant's language
    label = category.value if category else "all"
    title = _("Badges · %(event)s · %(category)s", event=event.title,
              category=category.label if category else _("all categories"))
    pdf = badge_sheets_pdf(data, per_page, title=title)
    name = f"badges-{event.slug}-{label}{'-new' if wanted['not_printed'] else ''}-{per_page}up.pdf"
    if wanted["mark_printed"]:
        services.mark_printed(event, regs)
    resp = send_file(io.BytesIO(pdf), mimetype="application/pdf", as_attachment=True,
                     download_name=name, max_age=0)
    resp.headers.update(PRIVATE)
    return resp


@bp.route("/events/<slug>/badges/<int:registration_id>/badge.pdf")
@event_required(Need.MANAGE)
def organizer_badge_pdf(event: Event, registration_id: int):
    """One attendee's badge (to reprint at the desk); does not mark it printed."""
    reg = db.session.scalar(sa.select(Registration).where(
        Registration.id == registration_id, Registration.event_id == event.id))
    if reg is None:
        raise NotFound(_("No such registration."))
    data, page = _badge_or_page(reg)
    if page:
        return page
    return _file(badge_pdf(data), "application/pdf", _filename(event, reg, "pdf"), False)


@bp.route("/events/<slug>/badges/<int:registration_id>/reissue", methods=["POST"])
@event_required(Need.MANAGE)
def reissue(event: Event, registration_id: int):
    """A new code for a lost or misused badge; the old one stops admitting."""
    form = ReissueForm()
    back = url_for("badges.organizer", slug=event.slug, q=request.args.get("q") or None)
    if not form.validate_on_submit():
        flash(_("The form expired: try again."), "error")
        return redirect(back)
    reg = db.session.scalar(sa.select(Registration).where(
        Registration.id == registration_id, Registration.event_id == event.id))
    if reg is None:
        raise NotFound(_("No such registration."))
    # Without a badge there is nothing to confirm: the service refuses, below.
    page = None if services.badge_problem(reg) not in (None, "revoked") else ask_first(
        _("Issue a new badge code for %(name)s?", name=reg.name),
        [_("The old badge, printed or on a phone, stops admitting at the door at once."),
         _("%(name)s is emailed that a new badge was issued.", name=reg.name),
         _("The new badge needs printing again.")],
        _("Issue a new code"), back, event=event)
    if page is not None:
        return page
    try:
        reg = services.reissue_badge(event, registration_id, require_user())
    except Conflict as exc:
        flash(exc.message, "error")
        return redirect(back)
    flash(_("New badge code issued for %(name)s: the old badge no longer admits. "
            "Print the new badge.", name=reg.name), "success")
    return redirect(back)


# ---------------------------------------------------------------- console panel


def _panel_context(event: Event) -> dict:
    return {"checkin_counts": door.checkin_counts(event)}


register_panel("badges", N_("Badges and check-in"), "badges/_console_panel.html", 30,
               _panel_context)

__all__ = ["bp"]
