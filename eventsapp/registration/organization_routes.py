"""Organizer pages of an event's organizations: the list, add and edit (quotas
included), focal points, delete, CSV import and export, and the delegations page (each
organization with its registrations, counts against its quotas)."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from ..csvout import csv_response
from ..errors import DomainError
from ..forms_util import apply_errors, form_input
from ..models import Event, Organization
from ..permissions import Need, event_required
from . import organizations as orgs
from .blueprint import bp
from .organization_forms import (
    ConfirmDeleteForm,
    FocalPointForm,
    ImportOrganizationsForm,
    OrganizationForm,
)
from .organization_schemas import OrganizationSchema

_SCHEMA = OrganizationSchema()


def _status(exc: DomainError) -> int:
    return exc.status if exc.status in (404, 409, 422) else 422


def _list_page(event: Event, import_form: ImportOrganizationsForm | None = None,
               errors: list[tuple[int, str]] | None = None, status: int = 200) -> ResponseReturnValue:
    return render_template("registration/organizations.html", event=event,
                           delegations=orgs.event_delegations(event),
                           import_form=import_form or ImportOrganizationsForm(),
                           import_errors=errors or []), status


@bp.route("/events/<slug>/organizations/")
@event_required(Need.MANAGE)
def organizations(event: Event) -> ResponseReturnValue:
    return _list_page(event)


@bp.route("/events/<slug>/organizations/new", methods=["GET", "POST"])
@event_required(Need.MANAGE)
def new_organization(event: Event) -> ResponseReturnValue:
    form = OrganizationForm()
    if form.validate_on_submit():
        try:
            org = orgs.create_organization(event, form_input(_SCHEMA))
        except DomainError as exc:
            apply_errors(form, exc)
            return _form_page(event, form, None, _status(exc))
        flash(_("%(name)s is added. Designate its focal points below.", name=org.name), "success")
        return redirect(url_for("registration.edit_organization", slug=event.slug, org_id=org.id))
    return _form_page(event, form, None, 422 if request.method == "POST" else 200)


def _form_page(event: Event, form: OrganizationForm, org: Organization | None, status: int = 200,
               focal_form: FocalPointForm | None = None,
               delete_form: ConfirmDeleteForm | None = None) -> ResponseReturnValue:
    return render_template("registration/organization_form.html", event=event, form=form, org=org,
                           focal_form=focal_form or FocalPointForm(),
                           delete_form=delete_form or ConfirmDeleteForm()), status


def _filled(org: Organization) -> OrganizationForm:
    form = OrganizationForm(formdata=None, data={
        "name": org.name, "kind": org.kind.value, "country": org.country,
        "max_registrations": "" if org.max_registrations is None else str(org.max_registrations),
        "max_in_room": "" if org.max_in_room is None else str(org.max_in_room)})
    return form


@bp.route("/events/<slug>/organizations/<int:org_id>/edit", methods=["GET", "POST"])
@event_required(Need.MANAGE)
def edit_organization(event: Event, org_id: int) -> ResponseReturnValue:
    org = orgs.organization_in(event, org_id)
    if request.method == "GET":
        return _form_page(event, _filled(org), org)
    form = OrganizationForm()
    if not form.validate_on_submit():
        return _form_page(event, form, org, 422)
    try:
        org = orgs.update_organization(event, org_id, form_input(_SCHEMA))
    except DomainError as exc:
        apply_errors(form, exc)
        return _form_page(event, form, orgs.organization_in(event, org_id), _status(exc))
    flash(_("Saved."), "success")
    return redirect(url_for("registration.edit_organization", slug=event.slug, org_id=org.id))


@bp.route("/events/<slug>/organizations/<int:org_id>/delete", methods=["POST"])
@event_required(Need.MANAGE)
def delete_organization(event: Event, org_id: int) -> ResponseReturnValue:
    org = orgs.organization_in(event, org_id)
    form = ConfirmDeleteForm()
    if not form.validate_on_submit():
        return _form_page(event, _filled(org), org, 422, delete_form=form)
    name = org.name
    orgs.delete_organization(event, org_id)
    flash(_("%(name)s is deleted; its registrations stay, on behalf of no organization.",
            name=name), "success")
    return redirect(url_for("registration.organizations", slug=event.slug))


@bp.route("/events/<slug>/organizations/<int:org_id>/focal-points", methods=["POST"])
@event_required(Need.MANAGE)
def add_focal_point(event: Event, org_id: int) -> ResponseReturnValue:
    org = orgs.organization_in(event, org_id)
    form = FocalPointForm()
    if form.validate_on_submit():
        try:
            fp = orgs.add_focal_point(event, org_id, {"email": request.form.get("email", "")})
        except DomainError as exc:
            apply_errors(form, exc)
            return _form_page(event, _filled(org), org, _status(exc), focal_form=form)
        flash(_("%(name)s is now a focal point of %(org)s.", name=fp.user.name, org=org.name),
              "success")
        return redirect(url_for("registration.edit_organization", slug=event.slug, org_id=org_id))
    return _form_page(event, _filled(org), org, 422, focal_form=form)


@bp.route("/events/<slug>/organizations/<int:org_id>/focal-points/<int:fp_id>/remove",
          methods=["POST"])
@event_required(Need.MANAGE)
def remove_focal_point(event: Event, org_id: int, fp_id: int) -> ResponseReturnValue:
    from ..auth.forms import EmptyForm

    orgs.organization_in(event, org_id)
    if not EmptyForm().validate_on_submit():
        flash(_("The form expired. Try again."), "error")
    else:
        orgs.remove_focal_point(event, org_id, fp_id)  # NotFound: 404
        flash(_("The focal point is removed."), "success")
    return redirect(url_for("registration.edit_organization", slug=event.slug, org_id=org_id))


@bp.route("/events/<slug>/organizations/export.csv")
@event_required(Need.MANAGE)
def export_organizations(event: Event) -> ResponseReturnValue:
    return csv_response(orgs.export_csv(event), f"{event.slug}-organizations.csv")


@bp.route("/events/<slug>/organizations/import", methods=["POST"])
@event_required(Need.MANAGE)
def import_organizations(event: Event) -> ResponseReturnValue:
    form = ImportOrganizationsForm()
    if not form.validate_on_submit():
        return _list_page(event, form, status=422)
    upload = request.files.get("file")
    data: bytes | str = upload.read() if upload and upload.filename else (form.content.data or "")
    if not data:
        form.content.errors = [_("Paste CSV text or choose a file.")]
        return _list_page(event, form, status=422)
    result = orgs.import_csv(event, data)
    if result.errors:
        return _list_page(event, form, result.errors, 422)
    flash(_("Imported: %(created)s organization(s) added, %(updated)s updated.",
            created=result.created, updated=result.updated), "success")
    return redirect(url_for("registration.organizations", slug=event.slug))


@bp.route("/events/<slug>/delegations")
@event_required(Need.MANAGE)
def delegations(event: Event) -> ResponseReturnValue:
    return render_template("registration/delegations.html", event=event,
                           delegations=orgs.event_delegations(event),
                           unaffiliated=orgs.unaffiliated_count(event))
