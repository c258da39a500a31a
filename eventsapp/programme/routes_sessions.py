"""Organizers build sessions, panels and speaker profiles. Views are thin: the form's
fields mapped into the schema's shape, the service loads and writes, errors back on the
form (422)."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from ..auth.forms import EmptyForm
from ..confirm import ask_first
from ..errors import Conflict, DomainError, NotFound
from ..forms_util import apply_errors
from ..models import Event, ProgrammeSession
from ..permissions import Need, PersonNeed, acting_user, event_required, load_person, require_user
from . import conflicts, form_values, queries, services
from .admin_bp import (
    bp,
    file_bytes,
    flash_warnings,
    load_session,
    remap,
    room_choices,
    status_of,
    to_edit,
)
from .forms import AddPersonForm, MoveForm, NewPersonRoleForm, PersonForm, RoleChangeForm, SessionForm

Page = tuple[str, int]


@bp.route("/events/<slug>/sessions/new", methods=["GET", "POST"])
@event_required(Need.MANAGE)
def new_session(event: Event) -> Response | Page:
    form = SessionForm()
    form.room_id.choices = room_choices(event)
    if request.method == "GET":
        form.day.data = event.local(event.starts_at).date().isoformat()
    if form.validate_on_submit():
        try:
            s = services.create_session(event, form_values.session_from_form(request.form),
                                        actor=acting_user())
        except DomainError as exc:
            apply_errors(form, remap(exc, form_values.SESSION_FORM_FIELDS))
        else:
            flash(_("Session created (a draft until published). Add its people below."), "success")
            flash_warnings(event, s.id)
            return redirect(url_for("programme_admin.edit_session", slug=event.slug,
                                    session_id=s.id))
    return render_template("programme/session_form.html", event=event, form=form, session=None,
                           warnings=[]), status_of(request.method)


def _filled_form(event: Event, session: ProgrammeSession) -> SessionForm:
    form = SessionForm(obj=session)
    form.room_id.choices = room_choices(event)
    day, start = form_values.local_parts(event.local(session.starts_at))
    form.day.data, form.start.data = day.isoformat(), start
    form.end.data = form_values.local_parts(event.local(session.ends_at))[1]
    form.type.data = session.type.value
    form.room_id.data = str(session.room_id or 0)
    return form


def _session_page(event: Event, session: ProgrammeSession, form: SessionForm | None = None,
                  add_form: AddPersonForm | None = None,
                  new_person_form: NewPersonRoleForm | None = None, status: int = 200,
                  duplicates: tuple | list = ()) -> Page:
    form = form or _filled_form(event, session)
    term = request.args.get("q", "").strip()
    add_form = add_form or AddPersonForm()
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
def edit_session(event: Event, session_id: int) -> Response | Page:
    session = load_session(event, session_id)
    if request.method == "GET":
        return _session_page(event, session)
    form = SessionForm()
    form.room_id.choices = room_choices(event)
    if form.validate_on_submit():
        try:
            services.update_session(event, session_id, form_values.session_from_form(request.form),
                                    actor=acting_user())
        except DomainError as exc:
            apply_errors(form, remap(exc, form_values.SESSION_FORM_FIELDS))
        else:
            flash(_("Session saved."), "success")
            flash_warnings(event, session_id)
            return redirect(url_for("programme_admin.edit_session", slug=event.slug,
                                    session_id=session_id))
    session = load_session(event, session_id)
    return _session_page(event, session, form=form, status=422)


@bp.route("/events/<slug>/sessions/<int:session_id>/delete", methods=["POST"])
@event_required(Need.MANAGE)
def delete_session(event: Event, session_id: int) -> Response:
    if EmptyForm().validate_on_submit():
        session = load_session(event, session_id)
        page = ask_first(
            _("Delete the session “%(title)s”?", title=session.title),
            [_("It disappears from the programme, the calendars and the personal schedules "
               "it was added to."),
             _("Its people lose their role on it; their speaker profiles stay."),
             _("Pledges announced at it stay, no longer linked to a session."),
             _("This cannot be undone.")],
            _("Delete session"),
            url_for("programme_admin.edit_session", slug=event.slug, session_id=session_id),
            event=event)
        if page is not None:
            return page
        services.delete_session(event, session_id)
        flash(_("Session deleted."), "info")
    return redirect(url_for("programme_admin.manage", slug=event.slug))


# ------------------------------------------------------------------ people on a session

@bp.route("/events/<slug>/sessions/<int:session_id>/people", methods=["POST"])
@event_required(Need.MANAGE)
def add_person(event: Event, session_id: int) -> Response | Page:
    load_session(event, session_id)
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
            apply_errors(form, exc)  # a role the schema refuses: on the role field
            if exc.message not in form.form_errors:  # the person may not be listed
                form.form_errors.append(exc.message)
        else:
            flash_warnings(event, session_id)
            flash(_("Added to the session."), "success")
            return to_edit(event, session_id)
    else:
        form.form_errors.append(_("Pick a person to add."))
    session = load_session(event, session_id)
    return _session_page(event, session, add_form=form, status=422)


def _duplicates(exc: DomainError, values: dict) -> list:
    if isinstance(exc, Conflict) and exc.code == "duplicate_person":
        return queries.duplicates_of(str(values.get("name") or ""),
                                     str(values.get("organization") or ""),
                                     user=acting_user())
    return []


@bp.route("/events/<slug>/sessions/<int:session_id>/people/new", methods=["POST"])
@event_required(Need.MANAGE)
def create_person_on_session(event: Event, session_id: int) -> Response | Page:
    load_session(event, session_id)
    form = NewPersonRoleForm(prefix="np")
    duplicates = []
    if form.validate_on_submit():
        values = form_values.person_from_form(request.form, prefix="np-")
        try:
            person = services.create_person(
                require_user(), values, photo=file_bytes(form.photo.data),
                allow_duplicate=form.allow_duplicate.data)
            services.add_role(event, session_id, person.id, form.role.data, actor=acting_user())
        except DomainError as exc:
            duplicates = _duplicates(exc, values)
            apply_errors(form, exc)
        else:
            flash_warnings(event, session_id)
            flash(_("%(name)s created and added to the session.", name=person.name), "success")
            return to_edit(event, session_id)
    session = load_session(event, session_id)
    return _session_page(event, session, new_person_form=form, status=422,
                         duplicates=duplicates)


@bp.route("/events/<slug>/sessions/<int:session_id>/people/<int:role_id>/remove",
          methods=["POST"])
@event_required(Need.MANAGE)
def remove_person(event: Event, session_id: int, role_id: int) -> Response:
    if EmptyForm().validate_on_submit():
        session = load_session(event, session_id)
        role = next((r for r in session.roles if r.id == role_id), None)
        if role is None:
            raise NotFound(_("No such person on this session."))
        page = ask_first(
            _("Remove %(name)s from “%(title)s”?", name=role.person.name, title=session.title),
            [_("%(name)s is no longer listed on this session (as %(role)s); their speaker "
               "profile stays.", name=role.person.name, role=role.role.label.lower()),
             _("You can add them again later.")],
            _("Remove"), to_edit(event, session_id).location, event=event)
        if page is not None:
            return page
        services.remove_role(event, session_id, role_id)
        flash(_("Removed from the session."), "info")
    return to_edit(event, session_id)


@bp.route("/events/<slug>/sessions/<int:session_id>/people/<int:role_id>/move",
          methods=["POST"])
@event_required(Need.MANAGE)
def move_person(event: Event, session_id: int, role_id: int) -> Response:
    form = MoveForm()
    if form.validate_on_submit():
        services.move_role(event, session_id, role_id, -1 if form.direction.data == "up" else 1)
    return to_edit(event, session_id)


@bp.route("/events/<slug>/sessions/<int:session_id>/people/<int:role_id>/role",
          methods=["POST"])
@event_required(Need.MANAGE)
def change_person_role(event: Event, session_id: int, role_id: int) -> Response:
    form = RoleChangeForm()
    if form.validate_on_submit():
        services.change_role(event, session_id, role_id, form.role.data)
        flash(_("Role changed."), "success")
    return to_edit(event, session_id)


# ------------------------------------------------------------------ speaker profiles

@bp.route("/events/<slug>/people/new", methods=["GET", "POST"])
@event_required(Need.MANAGE)
def new_person(event: Event) -> Response | Page:
    form = PersonForm()
    duplicates = []
    if form.validate_on_submit():
        values = form_values.person_from_form(request.form)
        try:
            person = services.create_person(require_user(), values,
                                            photo=file_bytes(form.photo.data),
                                            allow_duplicate=form.allow_duplicate.data)
        except DomainError as exc:
            duplicates = _duplicates(exc, values)
            apply_errors(form, exc)
        else:
            flash(_("%(name)s added. Put them on a session from the session's page.",
                    name=person.name), "success")
            return redirect(url_for("programme_admin.manage", slug=event.slug))
    return render_template("programme/person_form.html", event=event, form=form, person=None,
                           duplicates=duplicates), status_of(request.method)


@bp.route("/events/<slug>/people/<int:person_id>/edit", methods=["GET", "POST"])
@event_required(Need.MANAGE)
def edit_person(event: Event, person_id: int) -> Response | Page:
    person = load_person(acting_user(), person_id, PersonNeed.EDIT)
    form = PersonForm(obj=person)
    if request.method == "GET":
        form.account_email.data = person.user.email if person.user else ""
    if form.validate_on_submit():
        try:
            services.update_person(require_user(), person_id,
                                   form_values.person_from_form(request.form),
                                   photo=file_bytes(form.photo.data),
                                   remove_photo=form.remove_photo.data)
        except DomainError as exc:
            apply_errors(form, exc)
        else:
            flash(_("Person saved."), "success")
            back = request.args.get("session", type=int)
            if back:
                return to_edit(event, back)
            return redirect(url_for("programme.speakers", slug=event.slug))
    return render_template("programme/person_form.html", event=event, form=form, person=person,
                           duplicates=[]), status_of(request.method)
