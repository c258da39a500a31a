"""Organizers build the programme: events, rooms, imports, publishing (sessions, their
people and speaker profiles: ``routes_sessions``, on the same blueprint). Views are thin:
the form's fields mapped into the schema's shape, the services load and write, errors
back on the form (422)."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from werkzeug.wrappers import Response

from ..auth.forms import EmptyForm
from ..confirm import ask_first
from ..console.panels import register_panel
from ..errors import DomainError, Forbidden, NotFound
from ..extensions import db
from ..forms_util import apply_errors
from ..i18n import DEFAULT_LANGUAGE, LANGUAGES, N_
from ..models import Event, Room
from ..permissions import Need, acting_user, can_create_events, event_required, login_required, require_user
from ..timefmt import all_zones
from . import (
    conflicts,
    csv_io,
    exports,
    form_values,
    frab,
    importing,
    queries,
    routes_sessions,
    services,
)
from .admin_bp import bp, file_bytes, remap, status_of
from .forms import EventForm, ImportForm, RoomForm

Page = routes_sessions.Page


def _panel_context(event: Event) -> dict:
    sessions = queries.programme_sessions(event, include_drafts=True)
    return {"sessions": len(sessions), "drafts": sum(1 for s in sessions if not s.published),
            "warnings": len(conflicts.find_conflicts(event, sessions))}


register_panel("programme", N_("Programme"), "programme/_console_panel.html", 10, _panel_context)


# ------------------------------------------------------------------ events

def _render_event_form(form: EventForm, event: Event | None = None,
                       status: int = 200) -> Page:
    ticked = form.languages.data or []
    translated = [c for c in LANGUAGES if c in ticked and c != form.default_language.data]
    return render_template("programme/event_form.html", form=form, event=event,
                           zones=all_zones(), translated=translated), status


@bp.route("/events/new", methods=["GET", "POST"])
@login_required
def new_event() -> Response | Page:
    user = require_user()
    if not can_create_events(user):
        raise Forbidden(_("Only administrators and event organizers create events."))
    form = EventForm()
    if request.method == "GET":
        form.timezone.data = "UTC"
        form.default_language.data, form.languages.data = DEFAULT_LANGUAGE, [DEFAULT_LANGUAGE]
    if form.validate_on_submit():
        try:
            event = services.create_event(user, form_values.event_from_form(request.form))
        except DomainError as exc:
            apply_errors(form, remap(exc, form_values.event_form_fields(exc.fields)))
        else:
            flash(_("Event created. Add rooms and sessions next."), "success")
            return redirect(url_for("programme_admin.manage", slug=event.slug))
    return _render_event_form(form, status=status_of(request.method))


@bp.route("/events/<slug>/edit", methods=["GET", "POST"])
@event_required(Need.MANAGE)
def edit_event(event: Event) -> Response | Page:
    form = EventForm(obj=event)
    del form.slug
    if request.method == "GET":
        start, end = event.local(event.starts_at), event.local(event.ends_at)
        (day, at), (last, until) = form_values.local_parts(start), form_values.local_parts(end)
        form.start_date.data, form.start_time.data = day.isoformat(), at
        form.end_date.data, form.end_time.data = last.isoformat(), until
        form.kind.data, form.format.data = event.kind.value, event.format.value
        form.languages.data = list(event.offered_languages)
        for code, text in event.translations.items():
            title, description = form.translation_fields(code)
            title.data, description.data = text.title, text.description
    if form.validate_on_submit():
        values = form_values.event_from_form(request.form)
        values.pop("slug", None)  # the short name does not change
        try:
            services.update_event(event, values)
        except DomainError as exc:
            apply_errors(form, remap(exc, form_values.event_form_fields(exc.fields)))
        else:
            flash(_("Event saved."), "success")
            return redirect(url_for("programme_admin.manage", slug=event.slug))
    return _render_event_form(form, event, status=status_of(request.method))


@bp.route("/events/<slug>/delete", methods=["POST"])
@event_required(Need.MANAGE)
def delete_event(event):
    if EmptyForm().validate_on_submit() and request.form.get("confirm") == event.slug:
        services.delete_event(event)
        flash(_("Event deleted."), "info")
        return redirect(url_for("events.home"))
    flash(_("To delete the event, type its short name to confirm."), "error")
    return redirect(url_for("programme_admin.edit_event", slug=event.slug))


# ------------------------------------------------------------------ manage page and rooms

def _manage_page(event, room_form=None, status=200):
    sessions = queries.programme_sessions(event, include_drafts=True)
    warnings = conflicts.find_conflicts(event, sessions)
    return render_template(
        "programme/manage.html", event=event, days=_by_day(event, sessions),
        warnings=warnings, per_session=conflicts.warnings_by_session(warnings),
        rooms=queries.event_rooms(event), room_form=room_form or RoomForm(),
        drafts=sum(1 for s in sessions if not s.published), total=len(sessions),
        action_form=EmptyForm()), status


def _by_day(event, sessions):
    from .routes_public import by_day

    return by_day(event, sessions)


@bp.route("/events/<slug>/programme/manage")
@event_required(Need.MANAGE)
def manage(event):
    return _manage_page(event)


@bp.route("/events/<slug>/rooms", methods=["POST"])
@event_required(Need.MANAGE)
def add_room(event):
    form = RoomForm()
    if form.validate_on_submit():
        try:
            room = services.create_room(event, form_values.room_from_form(request.form))
        except DomainError as exc:
            apply_errors(form, exc)
        else:
            flash(_("Room “%(name)s” added.", name=room.name), "success")
            return redirect(url_for("programme_admin.manage", slug=event.slug) + "#rooms")
    return _manage_page(event, room_form=form, status=422)


@bp.route("/events/<slug>/rooms/<int:room_id>/edit", methods=["GET", "POST"])
@event_required(Need.MANAGE)
def edit_room(event, room_id: int):
    room = db.session.get(Room, room_id)
    if room is None or room.event_id != event.id:
        raise NotFound(_("No such room."))
    form = RoomForm(obj=room)
    if form.validate_on_submit():
        try:
            services.update_room(event, room_id, form_values.room_from_form(request.form))
        except DomainError as exc:
            apply_errors(form, exc)
        else:
            flash(_("Room saved."), "success")
            return redirect(url_for("programme_admin.manage", slug=event.slug) + "#rooms")
    return render_template("programme/room_form.html", event=event, room=room, form=form,
                           delete_form=EmptyForm()), status_of(request.method)


@bp.route("/events/<slug>/rooms/<int:room_id>/delete", methods=["POST"])
@event_required(Need.MANAGE)
def delete_room(event, room_id: int):
    if EmptyForm().validate_on_submit():
        room = db.session.get(Room, room_id)
        if room is None or room.event_id != event.id:
            raise NotFound(_("No such room."))
        page = ask_first(
            _("Delete the room “%(name)s”?", name=room.name),
            [_("Its sessions keep their times and have no room any more."),
             _("This cannot be undone.")],
            _("Delete room"),
            url_for("programme_admin.edit_room", slug=event.slug, room_id=room_id),
            event=event)
        if page is not None:
            return page
        services.delete_room(event, room_id)
        flash(_("Room deleted; its sessions have no room now."), "info")
    return redirect(url_for("programme_admin.manage", slug=event.slug) + "#rooms")


# ------------------------------------------------------------------ import / export / publish

def _guess_kind(kind: str, filename: str, content: str) -> str:
    """csv, frab (schedule.xml) or frab_json (schedule.json). "frab" covers both frab
    files, told apart by their first character (the form offers no separate choice)."""
    if kind == "csv":
        return "csv"
    head, name = content.lstrip()[:1], filename.lower()
    if kind in ("frab", "frab_json", "auto") and (head == "{" or name.endswith(".json")):
        return "frab_json"
    if kind == "frab" or name.endswith(".xml") or head == "<":
        return "frab"
    return "csv"


def _parse_import(kind: str, content: str, zone: str) -> importing.ImportPlan:
    if kind == "frab_json":
        return frab.parse_json(content, zone)
    if kind == "frab":
        return frab.parse_xml(content.encode("utf-8"), zone)
    return csv_io.parse_csv(content, zone)


@bp.route("/events/<slug>/programme/import", methods=["GET", "POST"])
@event_required(Need.MANAGE)
def import_programme(event):
    form = ImportForm()
    plan = None
    content = ""
    if request.method == "POST" and form.validate_on_submit():
        raw = file_bytes(form.file.data)
        filename = (form.file.data.filename if raw is not None else form.filename.data) or ""
        if raw is None:
            content = form.content.data or ""
        else:
            try:
                content = raw.decode("utf-8-sig")
            except UnicodeDecodeError:
                content = raw.decode("cp1252", errors="replace")
        if not content.strip():
            form.form_errors.append(_("Choose a file to import."))
        else:
            kind = _guess_kind(form.kind.data, filename, content)
            plan = _parse_import(kind, content, event.timezone)
            importing.check_against_event(event, plan, create_rooms=form.create_rooms.data)
            form.content.data, form.filename.data = content, filename
            if request.form.get("action") == "import" and plan.ok:
                try:
                    n = importing.apply_plan(event, plan, create_rooms=form.create_rooms.data,
                                             replace=form.replace.data,
                                             publish=form.publish.data,
                                             actor=acting_user())
                except DomainError as exc:
                    form.form_errors.append(exc.message)
                else:
                    flash(ngettext("Imported %(num)d session.", "Imported %(num)d sessions.", n),
                          "success")
                    return redirect(url_for("programme_admin.manage", slug=event.slug))
    status = 422 if (plan is not None and not plan.ok) or form.form_errors else 200
    # The file's problems have their own list on the page: the summary points to it.
    error_items = [("problems", ngettext(
        "%(num)d problem: nothing was imported.", "%(num)d problems: nothing was imported.",
        len(plan.problems)))] if plan is not None and plan.problems else []
    return render_template("programme/import.html", event=event, form=form, plan=plan,
                           error_items=error_items, columns=csv_io.COLUMNS), status


@bp.route("/events/<slug>/programme/export.csv")
@event_required(Need.MANAGE)
def export_csv(event):
    data = csv_io.export_csv(queries.programme_sessions(event, include_drafts=True),
                             event.timezone)
    return exports.file_response(data.encode("utf-8"), "text/csv",
                                 f"{event.slug}-programme.csv", private=True)


@bp.route("/events/<slug>/programme/publish", methods=["GET", "POST"])
@event_required(Need.MANAGE)
def publish(event):
    if request.method == "POST" and EmptyForm().validate_on_submit():
        n = services.publish_programme(event)
        flash(_("Published: the event and %(num)d draft session(s) are now visible to everyone.",
                num=n), "success")
        return redirect(url_for("programme.programme", slug=event.slug))
    sessions = queries.programme_sessions(event, include_drafts=True)
    return render_template("programme/publish.html", event=event,
                           warnings=conflicts.find_conflicts(event, sessions),
                           drafts=[s for s in sessions if not s.published], total=len(sessions),
                           form=EmptyForm())


__all__ = ["bp"]
