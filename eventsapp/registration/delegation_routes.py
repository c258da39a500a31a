"""The focal points' pages: "My delegations" (their organizations' registrations, for
each event), approve, decline (confirmed first) and register a delegate.

Every route with an organization id loads it through
``permissions.load_organization_for``: an organization the user is not a focal point
of (nor an organizer of its event) is a 404, and nothing changes.
"""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from ..errors import DomainError, NotFound
from ..extensions import db
from ..forms_util import apply_errors
from ..i18n import N_
from ..models import Organization, Registration
from ..nav import register_nav
from ..permissions import (
    acting_user,
    focal_organization_ids,
    load_organization_for,
    login_required,
    require_user,
)
from . import delegations as service
from . import organizations as orgs
from .blueprint import REGISTRATION_SCHEMA, bp, modality_choices
from .organization_forms import ApproveDelegateForm, DeclineDelegateForm, DelegateForm
from .queries import ACTIVE
from .schemas import form_input
from .window import window


def _my_page() -> str:
    return url_for("registration.my_delegations")


@bp.route("/my/delegations")
@login_required
def my_delegations() -> ResponseReturnValue:
    user = require_user()
    return render_template("registration/my_delegations.html",
                           delegations=orgs.focal_delegations(user),
                           approve_form=ApproveDelegateForm())


def _delegate(org: Organization, reg_id: int) -> Registration:
    reg = db.session.get(Registration, reg_id)
    if reg is None or reg.organization_id != org.id:
        raise NotFound(_("No such registration."))
    return reg


@bp.route("/my/delegations/<int:org_id>/registrations/<int:reg_id>/approve", methods=["POST"])
@login_required
def delegate_approve(org_id: int, reg_id: int) -> ResponseReturnValue:
    user = require_user()
    org = load_organization_for(user, org_id)
    reg = _delegate(org, reg_id)
    form = ApproveDelegateForm()
    if not form.validate_on_submit():
        flash(_("The form expired. Try again."), "error")
        return redirect(_my_page())
    try:
        reg = service.approve(org, reg.id, user, modality=request.form.get("modality") or None)
    except DomainError as exc:
        flash(exc.message, "error")
        return redirect(_my_page() + f"#org-{org_id}")
    flash(_("%(name)s is approved (%(status)s, %(modality)s) and has been told.", name=reg.name,
            status=reg.status.label.lower(), modality=reg.modality.label.lower()), "success")
    return redirect(_my_page() + f"#org-{org_id}")


@bp.route("/my/delegations/<int:org_id>/registrations/<int:reg_id>/decline",
          methods=["GET", "POST"])
@login_required
def delegate_decline(org_id: int, reg_id: int) -> ResponseReturnValue:
    user = require_user()
    org = load_organization_for(user, org_id)
    reg = _delegate(org, reg_id)
    form = DeclineDelegateForm()
    if request.method == "POST":
        if form.validate_on_submit():
            try:
                service.decline(org, reg.id, user)
            except DomainError as exc:
                flash(exc.message, "error")
            else:
                flash(_("%(name)s is declined and has been told.", name=reg.name), "success")
            return redirect(_my_page() + f"#org-{org_id}")
        status = 422
    else:
        status = 200
    return render_template("registration/delegate_decline.html", org=org, reg=reg, form=form,
                           active=reg.status in ACTIVE), status


@bp.route("/my/delegations/<int:org_id>/add", methods=["GET", "POST"])
@login_required
def delegate_add(org_id: int) -> ResponseReturnValue:
    user = require_user()
    org = load_organization_for(user, org_id)
    event = org.event
    form = DelegateForm()
    form.modality.choices = modality_choices(event)
    if request.method == "GET" and not form.modality.data:
        form.modality.data = form.modality.choices[0][0] if form.modality.choices else None
    if request.method == "POST" and form.validate_on_submit():
        try:
            reg = service.add_delegate(org, form_input(REGISTRATION_SCHEMA, request.form), user)
        except DomainError as exc:
            apply_errors(form, exc)
            return _add_page(org, form, exc.status if exc.status in (409, 422) else 422)
        if reg is None:
            flash(_("This person is not added to your delegation. If the address is "
                    "registered for the event already, we have sent it a link to manage that "
                    "registration."), "info")
            return redirect(_my_page() + f"#org-{org_id}")
        flash(_("%(name)s is registered (%(status)s, %(modality)s). They have been sent their "
                "confirmation and manage link.", name=reg.name, status=reg.status.label.lower(),
                modality=reg.modality.label.lower()), "success")
        return redirect(_my_page() + f"#org-{org_id}")
    return _add_page(org, form, 422 if request.method == "POST" else 200)


def _add_page(org: Organization, form: DelegateForm, status: int) -> ResponseReturnValue:
    if not org.event.offers_online:
        form.if_full.choices = [c for c in form.if_full.choices if c[0] != "switch"]
    return render_template("registration/delegate_add.html", org=org, event=org.event, form=form,
                           window=window(org.event)), status


def _is_focal_point() -> bool:
    return bool(focal_organization_ids(acting_user()))


register_nav(N_("My delegations"), "registration.my_delegations", 32, signed_in_only=True,
             visible=_is_focal_point)
