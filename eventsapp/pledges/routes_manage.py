"""Organizer pages: the pledge desk, moderation, editing, update links, reporting and
reminders, CSV import and the full export."""
from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy.orm import selectinload

from ..confirm import ask_first
from ..console.panels import register_panel
from ..csvout import csv_response, read_text
from ..errors import DomainError, NotFound, ValidationFailed
from ..extensions import db
from ..forms_util import apply_errors
from ..i18n import N_
from ..inputs import load
from ..models import (
    Event,
    Pledge,
    PledgeEntity,
    PledgeState,
    ProgrammeSession,
    SessionRole,
)
from ..permissions import (
    Need,
    admin_required,
    event_required,
    login_required,
    require_user,
)
from . import csv_io, queries, reporting, services, vocab
from .forms import (
    AnnounceForm,
    ImportForm,
    ModerateForm,
    PledgeForm,
    QuickPledgeForm,
    ReminderForm,
    UpdateLinkForm,
)
from .routes_public import _place_entity_errors
from .schemas import ModerationSchema

bp = Blueprint("pledges_manage", __name__)


def _base_url() -> str:
    return current_app.config.get("BASE_URL") or request.host_url


# ---------------------------------------------------------------- console panel

def _panel_context(event: Event) -> dict:
    states = dict(db.session.execute(
        sa.select(Pledge.state, sa.func.count()).where(Pledge.event_id == event.id)
        .group_by(Pledge.state)).all())
    overdue, _inactive = queries.activity_clauses()
    n_overdue = db.session.scalar(sa.select(sa.func.count()).where(
        Pledge.event_id == event.id, Pledge.state == PledgeState.PUBLISHED, overdue)) or 0
    sessions = list(db.session.scalars(
        sa.select(ProgrammeSession).where(ProgrammeSession.event_id == event.id)
        .order_by(ProgrammeSession.starts_at, ProgrammeSession.id)))
    return {"pledge_states": {getattr(k, "value", k): v for k, v in states.items()},
            "pledge_overdue": n_overdue, "pledge_sessions": sessions}


register_panel("pledges", N_("Pledges"), "pledges/_console_panel.html", 50, _panel_context)


# ---------------------------------------------------------------- moderation lists

def _pledges_of(event: Event | None, state: PledgeState | None = None, limit: int | None = None):
    q = (sa.select(Pledge)
         .options(selectinload(Pledge.entities).selectinload(PledgeEntity.entity),
                  selectinload(Pledge.session), selectinload(Pledge.submitted_by))
         .order_by(Pledge.created_at.desc(), Pledge.id.desc()))
    q = q.where(Pledge.event_id == event.id) if event else q.where(Pledge.event_id.is_(None))
    if state is not None:
        q = q.where(Pledge.state == state)
    if limit:
        q = q.limit(limit)
    return list(db.session.scalars(q))


def _manage_page(event: Event | None):
    return render_template(
        "pledges/manage.html", event=event,
        submitted=_pledges_of(event, PledgeState.SUBMITTED),
        published=_pledges_of(event, PledgeState.PUBLISHED, limit=200),
        declined=_pledges_of(event, PledgeState.DECLINED, limit=100),
        overdue=reporting.overdue_pledges(event), activity_of=reporting.activity_of,
        recipient=reporting.recipient, moderate_form=ModerateForm(),
        reminder_form=ReminderForm(), counter=queries.counter(
            queries.Filters(event_id=event.id)) if event else None)


@bp.route("/events/<slug>/pledges/manage")
@event_required(Need.MANAGE)
def manage(event):
    return _manage_page(event)


@bp.route("/pledges/manage")
@admin_required
def manage_unattached():
    """Pledges not tied to an event (administrators)."""
    return _manage_page(None)


def _back(pledge_id: int | None = None, event: Event | None = None) -> str:
    nxt = request.form.get("next", "")
    from ..security import safe_next

    fallback = (url_for("pledges.pledge_page", pledge_id=pledge_id) if pledge_id
                else url_for("pledges_manage.manage", slug=event.slug) if event
                else url_for("pledges_manage.manage_unattached"))
    return safe_next(nxt, fallback)


def _ask_decline(pledge: Pledge, form: ModerateForm):
    """Declining asks first, once the reason it needs is there (ModerationSchema)."""
    data = load(ModerationSchema(), {"action": (form.action.data or "").strip().lower(),
                                     "reason": form.reason.data or ""})
    if data["action"] != "decline":
        return None
    return ask_first(
        _("Decline the pledge “%(title)s”?", title=pledge.title),
        [_("It is not published and does not count."),
         _("Its submitter is emailed your reason: %(reason)s", reason=data["reason"])],
        _("Decline"), _back(pledge.id))


@bp.route("/pledges/<int:pledge_id>/moderate", methods=["POST"])
@login_required
def moderate(pledge_id: int):
    user = require_user()
    pledge = services.managed_pledge(user, pledge_id)
    form = ModerateForm()
    if form.validate_on_submit():
        try:
            page = _ask_decline(pledge, form)
            if page is not None:
                return page
            pledge = services.moderate(user, pledge_id, form.action.data or "", form.reason.data)
        except DomainError as exc:
            flash(" ".join([exc.message] + [m for ms in exc.fields.values() for m in ms]), "error")
        else:
            flash(_("Published: it now counts.") if pledge.state == PledgeState.PUBLISHED
                  else _("Declined; the submitter is told why."), "success")
    return redirect(_back(pledge_id))


@bp.route("/pledges/<int:pledge_id>/edit", methods=["GET", "POST"])
@login_required
def edit(pledge_id: int):
    user = require_user()
    pledge = services.managed_pledge(user, pledge_id)
    form = PledgeForm()
    if request.method == "GET":
        form.fill(services.pledge_to_raw(pledge))
    elif form.validate_on_submit():
        try:
            services.update_pledge(user, pledge_id, form.raw(), partial=False)
        except DomainError as exc:
            _place_entity_errors(exc)
            apply_errors(form, exc)
        else:
            flash(_("The pledge is saved."), "success")
            return redirect(url_for("pledges.pledge_page", pledge_id=pledge_id))
        pledge = services.managed_pledge(user, pledge_id)  # as it is after the rollback
    status = 422 if request.method == "POST" else 200
    return render_template("pledges/edit.html", pledge=pledge, form=form, vocab=vocab), status


@bp.route("/pledges/<int:pledge_id>/update-link", methods=["POST"])
@login_required
def send_update_link(pledge_id: int):
    user = require_user()
    services.managed_pledge(user, pledge_id)
    form = UpdateLinkForm()
    if form.validate_on_submit():
        try:
            services.send_update_link(user, pledge_id, form.email.data, _base_url())
        except DomainError as exc:
            flash(" ".join([exc.message] + [m for ms in exc.fields.values() for m in ms]), "error")
        else:
            flash(_("A private update link is in the outbox; any earlier link no longer works."),
                  "success")
    return redirect(url_for("pledges.pledge_page", pledge_id=pledge_id))


@bp.route("/pledges/<int:pledge_id>/update-link/revoke", methods=["POST"])
@login_required
def revoke_update_link(pledge_id: int):
    user = require_user()
    pledge = services.managed_pledge(user, pledge_id)
    if ModerateForm().validate_on_submit():
        page = ask_first(
            _("Revoke the update link of “%(title)s”?", title=pledge.title),
            [_("The private link the pledger uses to report progress stops working."),
             _("You can send a new link from this page.")],
            _("Revoke the link"), url_for("pledges.pledge_page", pledge_id=pledge_id))
        if page is not None:
            return page
        services.revoke_update_link(user, pledge_id)
        flash(_("The update link is revoked."), "info")
    return redirect(url_for("pledges.pledge_page", pledge_id=pledge_id))


# ---------------------------------------------------------------- the pledge desk

def _desk_session(event: Event, session_id: int) -> ProgrammeSession:
    session = db.session.get(ProgrammeSession, session_id)
    if session is None or session.event_id != event.id:
        raise NotFound(_("No such session in this event."))
    return session


def _people_choices(session: ProgrammeSession) -> list[tuple[str, str]]:
    rows = db.session.execute(
        sa.select(SessionRole).where(SessionRole.session_id == session.id)
        .options(selectinload(SessionRole.person)).order_by(SessionRole.position))
    choices = [(str(r.person_id), f"{r.person.name} ({r.role.label}"
                + (f", {r.person.organization})" if r.person.organization else ")"))
               for (r,) in rows]
    return ([("", _("Choose who announced it…"))] if choices
            else [("", _("(no one listed)"))]) + choices


def _announcer(value: str | None) -> int | str | None:
    """The select's value in the schema's shape (an id; anything else is refused there)."""
    value = (value or "").strip()
    return int(value) if value.isdigit() and len(value) < 12 else (value or None)


def _desk(event: Event, session: ProgrammeSession, quick: QuickPledgeForm | None = None,
          announce_errors: dict | None = None, status: int = 200):
    people = _people_choices(session)
    quick = quick or QuickPledgeForm()
    quick.announced_by_id.choices = people
    announce_form = AnnounceForm()
    announce_form.announced_by_id.choices = people
    announced, total = queries.session_pledges(session)
    waiting = _pledges_of(event, PledgeState.SUBMITTED)
    # A refused announcement's errors, for the page's error summary (shown next to the
    # pledge's "Announced by" too); one for a pledge no longer waiting is flashed instead.
    shown = {str(p.id) for p in waiting}
    error_items = [(f"announcer-{key}", m) for key, msgs in (announce_errors or {}).items()
                   if key in shown for m in msgs]
    return render_template(
        "pledges/desk.html", event=event, session=session, quick=quick,
        announce_form=announce_form, announce_errors=announce_errors or {},
        error_items=error_items, waiting=waiting, announced=announced,
        session_total=total, counter=queries.event_counter(event),
        sessions=list(db.session.scalars(
            sa.select(ProgrammeSession).where(ProgrammeSession.event_id == event.id)
            .order_by(ProgrammeSession.starts_at, ProgrammeSession.id)))), status


@bp.route("/events/<slug>/pledges/desk/<int:session_id>")
@event_required(Need.MANAGE)
def desk(event, session_id: int):
    return _desk(event, _desk_session(event, session_id))


@bp.route("/events/<slug>/pledges/desk/<int:session_id>/announce", methods=["POST"])
@event_required(Need.MANAGE)
def desk_announce(event, session_id: int):
    session = _desk_session(event, session_id)
    form = AnnounceForm()
    form.announced_by_id.choices = _people_choices(session)
    if not form.validate_on_submit():
        return _desk(event, session, status=400)
    try:
        if not (form.pledge_id.data or "").isdigit():
            raise ValidationFailed(_("Choose a submitted pledge to announce."),
                                   fields={"pledge_id": [_("Choose a submitted pledge to announce.")]})
        pledge = services.announce_pledge(require_user(), int(form.pledge_id.data), event,
                                          session.id, _announcer(form.announced_by_id.data))
    except DomainError as exc:
        msgs = [m for ms in exc.fields.values() for m in ms] or [exc.message]
        if not (form.pledge_id.data or "").isdigit() or exc.status == 404:
            flash(" ".join(msgs), "error")
        return _desk(event, _desk_session(event, session_id),
                     announce_errors={form.pledge_id.data: msgs}, status=exc.status)
    flash(_("Announced: %(title)s", title=pledge.title), "success")
    return redirect(url_for("pledges_manage.desk", slug=event.slug, session_id=session_id))


@bp.route("/events/<slug>/pledges/desk/<int:session_id>/enter", methods=["POST"])
@event_required(Need.MANAGE)
def desk_enter(event, session_id: int):
    session = _desk_session(event, session_id)
    form = QuickPledgeForm()
    form.announced_by_id.choices = _people_choices(session)
    if form.validate_on_submit():
        try:
            pledge = services.create_pledge(
                require_user(), event, form.raw(),
                announcement={"session_id": session.id,
                              "announced_by_id": _announcer(form.announced_by_id.data)})
        except DomainError as exc:
            _place_entity_errors(exc)
            apply_errors(form, exc)
            return _desk(event, _desk_session(event, session_id), quick=form, status=422)
        flash(_("Announced: %(title)s", title=pledge.title), "success")
        return redirect(url_for("pledges_manage.desk", slug=event.slug, session_id=session_id))
    return _desk(event, session, quick=form, status=400)


# ---------------------------------------------------------------- reporting and reminders

@bp.route("/events/<slug>/pledges/reminders", methods=["POST"])
@event_required(Need.MANAGE)
def reminders(event):
    return _reminders(event)


@bp.route("/pledges/manage/reminders", methods=["POST"])
@admin_required
def reminders_unattached():
    return _reminders(None)


def _reminders(event: Event | None):
    target = (url_for("pledges_manage.manage", slug=event.slug) if event
              else url_for("pledges_manage.manage_unattached")) + "#overdue"
    if not ReminderForm().validate_on_submit():
        return redirect(target)
    allowed = {p.id for p in reporting.overdue_pledges(event)}
    ids = [int(i) for i in request.form.getlist("pledge_ids")
           if i.isdigit() and len(i) < 12 and int(i) in allowed]
    try:
        result = reporting.send_reminders(require_user(), ids, _base_url())
    except DomainError as exc:
        flash(" ".join(m for ms in exc.fields.values() for m in ms) or exc.message, "error")
        return redirect(target)
    msg = _("%(num)d reminder(s) in the outbox.", num=len(result.sent))
    if result.skipped:
        msg += " " + _("No address for: %(titles)s. Send them an update link from the pledge "
                       "page.", titles="; ".join(p.title for p in result.skipped))
    flash(msg, "warning" if result.skipped else "success")
    return redirect(target)


# ---------------------------------------------------------------- import and export

def _import(event: Event | None):
    form = ImportForm()
    result = None
    csv_text = ""
    status = 200
    if request.method == "POST":
        if not form.validate_on_submit():
            status = 400
        else:
            data = b""
            upload = form.file.data
            if upload and getattr(upload, "filename", ""):
                data = upload.read()
            elif form.csv_text.data:
                data = form.csv_text.data.encode("utf-8")
            if not data:
                form.file.errors = [_("Choose a CSV file.")]
                status = 422
            else:
                try:
                    # The dry run is the import rolled back: the same checks, line by line.
                    result = csv_io.import_pledges(require_user(), data, event,
                                                   dry_run=form.action.data != "import")
                except DomainError as exc:
                    apply_errors(form, exc)
                    status = 422
                else:
                    if result.imported:
                        flash(ngettext("%(num)d pledge imported.", "%(num)d pledges imported.",
                                       result.imported), "success")
                        return redirect(url_for("pledges_manage.manage", slug=event.slug)
                                        if event else url_for("pledges_manage.manage_unattached"))
                    status = 200 if result.ok else 422
                    csv_text = (read_text(data) or "") if result.ok else ""
    # The file's problems have their own list on the page: the summary points to it.
    error_items = [("import-problems", ngettext(
        "%(num)d problem: nothing was imported", "%(num)d problems: nothing was imported",
        len(result.errors)))] if result is not None and result.errors else []
    return render_template("pledges/import.html", event=event, form=form, result=result,
                           error_items=error_items,
                           csv_text=csv_text, columns=csv_io.PUBLIC_COLUMNS,
                           required=csv_io.REQUIRED_COLUMNS), status


@bp.route("/events/<slug>/pledges/import", methods=["GET", "POST"])
@event_required(Need.MANAGE)
def import_csv(event):
    return _import(event)


@bp.route("/pledges/import", methods=["GET", "POST"])
@admin_required
def import_unattached():
    return _import(None)


@bp.route("/events/<slug>/pledges/manage/export.csv")
@event_required(Need.MANAGE)
def export_all(event):
    """Every pledge of the event, every state, with moderation and contact fields."""
    pledges = db.session.scalars(
        sa.select(Pledge).where(Pledge.event_id == event.id)
        .options(*csv_io.export_options()).order_by(Pledge.id))
    return csv_response(csv_io.export_csv(pledges, private=True),
                         f"pledges-{event.slug}-all-{date.today().isoformat()}.csv")
