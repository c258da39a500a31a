"""Organizers build the programme: events, rooms, sessions, panels, people, imports,
publishing. Views are thin: forms in, services do the work, errors back on the form."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for

from ..auth.forms import EmptyForm
from ..console.panels import register_panel
from ..errors import Conflict, DomainError, Forbidden, NotFound, ValidationFailed
from ..extensions import db
from ..forms_util import apply_errors
from ..models import Event, Room
from ..permissions import (
    Need,
    PersonNeed,
    acting_user,
    can_create_events,
    event_required,
    load_person,
    login_required,
)
from ..timefmt import all_zones
from . import conflicts, csv_io, exports, frab, importing, queries, services
from .forms import (
    AddPersonForm,
    EventForm,
    ImportForm,
    MoveForm,
    NewPersonRoleForm,
    PersonForm,
    RoleChangeForm,
    RoomForm,
    SessionForm,
)
from .timeconv import local_to_utc_or_fail

bp = Blueprint("programme_admin", __name__)


def _panel_context(event: Event) -> dict:
    sessions = queries.programme_sessions(event, include_drafts=True)
    return {"sessions": len(sessions), "drafts": sum(1 for s in sessions if not s.published),
            "warnings": len(conflicts.find_conflicts(event, sessions))}


register_panel("programme", "Programme", "programme/_console_panel.html", 10, _panel_context)


def _remap(exc: DomainError, mapping: dict) -> DomainError:
    exc.fields = {mapping.get(k, k): v for k, v in (exc.fields or {}).items()}
    return exc


def _file_bytes(storage) -> bytes | None:
    if storage is None or not getattr(storage, "filename", ""):
        return None
    return storage.read()


# ------------------------------------------------------------------ events

def _event_values(form: EventForm) -> dict:
    zone = (form.timezone.data or "").strip()
    values = {k: getattr(form, k).data for k in (
        "title", "kind", "format", "venue_name", "venue_address", "city", "country",
        "description", "website_url", "capacity_in_person", "capacity_online", "published")}
    values["timezone"] = zone
    from ..timefmt import valid_zone
    if not valid_zone(zone):
        raise ValidationFailed("Unknown time zone.",
                               fields={"timezone": ["Use an IANA name such as Europe/Zurich."]})
    values["starts_at"] = local_to_utc_or_fail(form.start_date.data, form.start_time.data,
                                               zone, "start_time")
    values["ends_at"] = local_to_utc_or_fail(form.end_date.data, form.end_time.data, zone,
                                             "end_time")
    return values


def _render_event_form(form, event=None, status=200):
    return render_template("programme/event_form.html", form=form, event=event,
                           zones=all_zones()), status


@bp.route("/events/new", methods=["GET", "POST"])
@login_required
def new_event():
    user = acting_user()
    if not can_create_events(user):
        raise Forbidden("Only administrators and event organizers create events.")
    form = EventForm()
    if request.method == "GET":
        form.timezone.data = "UTC"
    if form.validate_on_submit():
        try:
            values = _event_values(form)
            values["slug"] = form.slug.data
            event = services.create_event(user, values)
        except DomainError as exc:
            apply_errors(form, _remap(exc, {"ends_at": "end_date", "starts_at": "start_date"}))
        else:
            flash("Event created. Add rooms and sessions next.", "success")
            return redirect(url_for("programme_admin.manage", slug=event.slug))
    return _render_event_form(form, status=422 if request.method == "POST" else 200)


@bp.route("/events/<slug>/edit", methods=["GET", "POST"])
@event_required(Need.MANAGE)
def edit_event(event):
    form = EventForm(obj=event)
    del form.slug
    if request.method == "GET":
        s, e = event.local(event.starts_at), event.local(event.ends_at)
        form.start_date.data, form.start_time.data = s.date(), s.time()
        form.end_date.data, form.end_time.data = e.date(), e.time()
        form.kind.data, form.format.data = event.kind.value, event.format.value
    if form.validate_on_submit():
        try:
            services.update_event(event, _event_values(form))
        except DomainError as exc:
            apply_errors(form, _remap(exc, {"ends_at": "end_date", "starts_at": "start_date"}))
        else:
            flash("Event saved.", "success")
            return redirect(url_for("programme_admin.manage", slug=event.slug))
    return _render_event_form(form, event, status=422 if request.method == "POST" else 200)


@bp.route("/events/<slug>/delete", methods=["POST"])
@event_required(Need.MANAGE)
def delete_event(event):
    if EmptyForm().validate_on_submit() and request.form.get("confirm") == event.slug:
        services.delete_event(event)
        flash("Event deleted.", "info")
        return redirect(url_for("events.home"))
    flash("To delete the event, type its short name to confirm.", "error")
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
            services.create_room(event, {"name": form.name.data, "capacity": form.capacity.data,
                                         "description": form.description.data})
        except DomainError as exc:
            apply_errors(form, exc)
        else:
            flash(f"Room “{form.name.data}” added.", "success")
            return redirect(url_for("programme_admin.manage", slug=event.slug) + "#rooms")
    return _manage_page(event, room_form=form, status=422)


@bp.route("/events/<slug>/rooms/<int:room_id>/edit", methods=["GET", "POST"])
@event_required(Need.MANAGE)
def edit_room(event, room_id: int):
    room = db.session.get(Room, room_id)
    if room is None or room.event_id != event.id:
        raise NotFound("No such room.")
    form = RoomForm(obj=room)
    if form.validate_on_submit():
        try:
            services.update_room(event, room_id, {"name": form.name.data,
                                                  "capacity": form.capacity.data,
                                                  "description": form.description.data})
        except DomainError as exc:
            apply_errors(form, exc)
        else:
            flash("Room saved.", "success")
            return redirect(url_for("programme_admin.manage", slug=event.slug) + "#rooms")
    return render_template("programme/room_form.html", event=event, room=room, form=form,
                           delete_form=EmptyForm()), (422 if request.method == "POST" else 200)


@bp.route("/events/<slug>/rooms/<int:room_id>/delete", methods=["POST"])
@event_required(Need.MANAGE)
def delete_room(event, room_id: int):
    if EmptyForm().validate_on_submit():
        services.delete_room(event, room_id)
        flash("Room deleted; its sessions have no room now.", "info")
    return redirect(url_for("programme_admin.manage", slug=event.slug) + "#rooms")


# ------------------------------------------------------------------ sessions

def _room_choices(event):
    return [(0, "No room")] + [(r.id, r.name + (f" ({r.capacity})" if r.capacity else ""))
                               for r in queries.event_rooms(event)]


def _session_values(event, form: SessionForm) -> dict:
    zone = event.timezone
    return {
        "type": form.type.data, "number": form.number.data, "title": form.title.data,
        "description": form.description.data, "room_id": form.room_id.data or None,
        "starts_at": local_to_utc_or_fail(form.day.data, form.start.data, zone, "start"),
        "ends_at": local_to_utc_or_fail(form.day.data, form.end.data, zone, "end"),
        "published": form.published.data, "stream_url": form.stream_url.data,
        "stream_passcode": form.stream_passcode.data, "recording_url": form.recording_url.data,
    }


SESSION_FIELD_MAP = {"starts_at": "start", "ends_at": "end"}


def _flash_warnings(event, session_id: int) -> None:
    sessions = queries.programme_sessions(event, include_drafts=True)
    for w in conflicts.warnings_by_session(conflicts.find_conflicts(event, sessions)).get(
            session_id, []):
        flash("Warning: " + w.message, "warning")


@bp.route("/events/<slug>/sessions/new", methods=["GET", "POST"])
@event_required(Need.MANAGE)
def new_session(event):
    form = SessionForm()
    form.room_id.choices = _room_choices(event)
    if request.method == "GET":
        form.day.data = event.local(event.starts_at).date()
    if form.validate_on_submit():
        try:
            s = services.create_session(event, _session_values(event, form), actor=acting_user())
        except DomainError as exc:
            apply_errors(form, _remap(exc, SESSION_FIELD_MAP))
        else:
            flash("Session created (a draft until published). Add its people below.", "success")
            _flash_warnings(event, s.id)
            return redirect(url_for("programme_admin.edit_session", slug=event.slug,
                                    session_id=s.id))
    return render_template("programme/session_form.html", event=event, form=form, session=None,
                           warnings=[]), (422 if request.method == "POST" else 200)


def _load_session(event, session_id):
    s = queries.session_in_event(event, session_id, include_drafts=True)
    if s is None:
        raise NotFound("No such session.")
    return s


def _session_page(event, session, form=None, add_form=None, new_person_form=None, status=200,
                  duplicates=()):
    if form is None:
        form = SessionForm(obj=session)
        form.room_id.choices = _room_choices(event)
        s, e = event.local(session.starts_at), event.local(session.ends_at)
        form.day.data, form.start.data, form.end.data = s.date(), s.time(), e.time()
        form.type.data = session.type.value
        form.room_id.data = session.room_id or 0
    term = request.args.get("q", "").strip()
    if add_form is None:
        add_form = AddPersonForm()
    on_session = {r.person_id for r in session.roles}
    add_form.person_id.choices = [
        (p.id, f"{p.name}" + (f" ({p.organization})" if p.organization else ""))
        for p in queries.search_people(acting_user(), term, event) if p.id not in on_session]
    sessions = queries.programme_sessions(event, include_drafts=True)
    warnings = conflicts.warnings_by_session(conflicts.find_conflicts(event, sessions)).get(
        session.id, [])
    return render_template(
        "programme/session_form.html", event=event, session=session, form=form,
        add_form=add_form, new_person_form=new_person_form or NewPersonRoleForm(prefix="np"),
        role_form=RoleChangeForm, action_form=EmptyForm(), warnings=warnings, q=term,
        duplicates=duplicates), status


@bp.route("/events/<slug>/sessions/<int:session_id>/edit", methods=["GET", "POST"])
@event_required(Need.MANAGE)
def edit_session(event, session_id: int):
    session = _load_session(event, session_id)
    if request.method == "GET":
        return _session_page(event, session)
    form = SessionForm()
    form.room_id.choices = _room_choices(event)
    if form.validate_on_submit():
        try:
            services.update_session(event, session_id, _session_values(event, form),
                                    actor=acting_user())
        except DomainError as exc:
            apply_errors(form, _remap(exc, SESSION_FIELD_MAP))
        else:
            flash("Session saved.", "success")
            _flash_warnings(event, session_id)
            return redirect(url_for("programme_admin.edit_session", slug=event.slug,
                                    session_id=session_id))
    session = _load_session(event, session_id)
    return _session_page(event, session, form=form, status=422)


@bp.route("/events/<slug>/sessions/<int:session_id>/delete", methods=["POST"])
@event_required(Need.MANAGE)
def delete_session(event, session_id: int):
    if EmptyForm().validate_on_submit():
        services.delete_session(event, session_id)
        flash("Session deleted.", "info")
    return redirect(url_for("programme_admin.manage", slug=event.slug))


def _to_edit(event, session_id, anchor="people"):
    return redirect(url_for("programme_admin.edit_session", slug=event.slug,
                            session_id=session_id) + f"#{anchor}")


@bp.route("/events/<slug>/sessions/<int:session_id>/people", methods=["POST"])
@event_required(Need.MANAGE)
def add_person(event, session_id: int):
    _load_session(event, session_id)
    form = AddPersonForm()
    try:
        person_id = int(request.form.get("person_id", ""))
    except ValueError:
        person_id = 0
    if EmptyForm().validate_on_submit() and person_id:
        try:
            services.add_role(event, session_id, person_id, request.form.get("role", ""),
                              actor=acting_user())
        except NotFound:
            raise  # another organizer's person: 404, as for an unknown id
        except DomainError as exc:
            form.form_errors.append(exc.message)
        else:
            _flash_warnings(event, session_id)
            flash("Added to the session.", "success")
            return _to_edit(event, session_id)
    else:
        form.form_errors.append("Pick a person to add.")
    session = _load_session(event, session_id)
    return _session_page(event, session, add_form=form, status=422)


@bp.route("/events/<slug>/sessions/<int:session_id>/people/new", methods=["POST"])
@event_required(Need.MANAGE)
def create_person_on_session(event, session_id: int):
    _load_session(event, session_id)
    form = NewPersonRoleForm(prefix="np")
    duplicates = []
    if form.validate_on_submit():
        try:
            person = services.create_person(
                acting_user(), _person_values(form), photo=_file_bytes(form.photo.data),
                allow_duplicate=form.allow_duplicate.data)
            services.add_role(event, session_id, person.id, form.role.data, actor=acting_user())
        except DomainError as exc:
            if isinstance(exc, Conflict) and exc.code == "duplicate_person":
                duplicates = queries.duplicates_of(form.name.data or "",
                                                   form.organization.data or "",
                                                   user=acting_user())
            apply_errors(form, exc)
        else:
            _flash_warnings(event, session_id)
            flash(f"{person.name} created and added to the session.", "success")
            return _to_edit(event, session_id)
    session = _load_session(event, session_id)
    return _session_page(event, session, new_person_form=form, status=422,
                         duplicates=duplicates)


@bp.route("/events/<slug>/sessions/<int:session_id>/people/<int:role_id>/remove",
          methods=["POST"])
@event_required(Need.MANAGE)
def remove_person(event, session_id: int, role_id: int):
    if EmptyForm().validate_on_submit():
        services.remove_role(event, session_id, role_id)
        flash("Removed from the session.", "info")
    return _to_edit(event, session_id)


@bp.route("/events/<slug>/sessions/<int:session_id>/people/<int:role_id>/move",
          methods=["POST"])
@event_required(Need.MANAGE)
def move_person(event, session_id: int, role_id: int):
    form = MoveForm()
    if form.validate_on_submit():
        services.move_role(event, session_id, role_id, -1 if form.direction.data == "up" else 1)
    return _to_edit(event, session_id)


@bp.route("/events/<slug>/sessions/<int:session_id>/people/<int:role_id>/role",
          methods=["POST"])
@event_required(Need.MANAGE)
def change_person_role(event, session_id: int, role_id: int):
    form = RoleChangeForm()
    if form.validate_on_submit():
        services.change_role(event, session_id, role_id, form.role.data)
        flash("Role changed.", "success")
    return _to_edit(event, session_id)


# ------------------------------------------------------------------ people

def _person_values(form: PersonForm) -> dict:
    return {k: getattr(form, k).data or "" for k in
            ("name", "position", "organization", "country", "bio", "account_email")}


@bp.route("/events/<slug>/people/new", methods=["GET", "POST"])
@event_required(Need.MANAGE)
def new_person(event):
    form = PersonForm()
    duplicates = []
    if form.validate_on_submit():
        try:
            person = services.create_person(acting_user(), _person_values(form),
                                            photo=_file_bytes(form.photo.data),
                                            allow_duplicate=form.allow_duplicate.data)
        except DomainError as exc:
            if isinstance(exc, Conflict) and exc.code == "duplicate_person":
                duplicates = queries.duplicates_of(form.name.data or "",
                                                   form.organization.data or "",
                                                   user=acting_user())
            apply_errors(form, exc)
        else:
            flash(f"{person.name} added. Put them on a session from the session's page.",
                  "success")
            return redirect(url_for("programme_admin.manage", slug=event.slug))
    return render_template("programme/person_form.html", event=event, form=form, person=None,
                           duplicates=duplicates), (422 if request.method == "POST" else 200)


@bp.route("/events/<slug>/people/<int:person_id>/edit", methods=["GET", "POST"])
@event_required(Need.MANAGE)
def edit_person(event, person_id: int):
    person = load_person(acting_user(), person_id, PersonNeed.EDIT)
    form = PersonForm(obj=person)
    if request.method == "GET":
        form.account_email.data = person.user.email if person.user else ""
    if form.validate_on_submit():
        try:
            services.update_person(acting_user(), person_id, _person_values(form),
                                   photo=_file_bytes(form.photo.data),
                                   remove_photo=form.remove_photo.data)
        except DomainError as exc:
            apply_errors(form, exc)
        else:
            flash("Person saved.", "success")
            back = request.args.get("session", type=int)
            if back:
                return _to_edit(event, back)
            return redirect(url_for("programme.speakers", slug=event.slug))
    return render_template("programme/person_form.html", event=event, form=form, person=person,
                           duplicates=[]), (422 if request.method == "POST" else 200)


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
        raw = _file_bytes(form.file.data)
        filename = (form.file.data.filename if raw is not None else form.filename.data) or ""
        if raw is None:
            content = form.content.data or ""
        else:
            try:
                content = raw.decode("utf-8-sig")
            except UnicodeDecodeError:
                content = raw.decode("cp1252", errors="replace")
        if not content.strip():
            form.form_errors.append("Choose a file to import.")
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
                    flash(f"Imported {n} sessions.", "success")
                    return redirect(url_for("programme_admin.manage", slug=event.slug))
    status = 422 if (plan is not None and not plan.ok) or form.form_errors else 200
    return render_template("programme/import.html", event=event, form=form, plan=plan,
                           columns=csv_io.COLUMNS), status


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
        flash(f"Published: the event and {n} draft session(s) are now visible to everyone.",
              "success")
        return redirect(url_for("programme.programme", slug=event.slug))
    sessions = queries.programme_sessions(event, include_drafts=True)
    return render_template("programme/publish.html", event=event,
                           warnings=conflicts.find_conflicts(event, sessions),
                           drafts=[s for s in sessions if not s.published], total=len(sessions),
                           form=EmptyForm())


__all__ = ["bp"]
