"""Organizer pages of an event's invitations: the list, a new one (its code shown once,
right after it is made), one invitation with who used it, and revoking it."""
from __future__ import annotations

from flask import abort, flash, make_response, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from ..confirm import ask_first
from ..errors import DomainError
from ..forms_util import apply_errors
from ..models import Event, Invitation
from ..permissions import Need, event_required, require_user
from . import invitations
from .blueprint import PAGE_SIZE, bp, no_store
from .forms import ConfirmForm, InvitationForm
from .schemas import form_input


def invitation_link(event: Event, code: str) -> str:
    """The link that fills the registration form with ``code`` (shown once, like it)."""
    from .mails import base_url

    return f"{base_url()}{url_for('registration.register', slug=event.slug, invitation=code)}"


@bp.route("/events/<slug>/registrations/invitations/")
@event_required(Need.MANAGE)
def invitation_list(event: Event) -> ResponseReturnValue:
    requested = request.args.get("page", 1, type=int) or 1
    found = invitations.invitation_page(event, page=max(1, requested), per_page=PAGE_SIZE)
    pages = max(1, -(-found.total // PAGE_SIZE))
    return render_template("registration/invitations.html", event=event, rows=found.rows,
                           page=found.page, pages=pages, total=found.total)


@bp.route("/events/<slug>/registrations/invitations/new", methods=["GET", "POST"])
@event_required(Need.MANAGE)
def new_invitation(event: Event) -> ResponseReturnValue:
    form = InvitationForm()
    if request.method == "POST":
        if form.validate_on_submit():  # the CSRF token only: the schema has the rules
            try:
                created = invitations.create_invitation(
                    event, form_input(invitations.InvitationSchema(), request.form),
                    require_user())
            except DomainError as exc:
                apply_errors(form, exc)
            else:
                # The only time the code exists outside the organizer's hands: this page
                # (never cached), not a redirect to a page that could show it again.
                page = render_template("registration/invitation_created.html", event=event,
                                       invitation=created.invitation, code=created.code,
                                       link=invitation_link(event, created.code))
                return no_store(make_response(page, 201))
        return render_template("registration/invitation_form.html", event=event,
                               form=form), 422
    return render_template("registration/invitation_form.html", event=event, form=form)


def _invitation_or_404(event: Event, invitation_id: int) -> Invitation:
    try:
        return invitations.invitation_of(event, invitation_id)
    except DomainError:
        abort(404)


@bp.route("/events/<slug>/registrations/invitations/<int:invitation_id>")
@event_required(Need.MANAGE)
def invitation_detail(event: Event, invitation_id: int) -> ResponseReturnValue:
    inv = _invitation_or_404(event, invitation_id)
    return render_template("registration/invitation_detail.html", event=event,
                           row=invitations.row_of(inv), uses=invitations.uses_of(inv),
                           form=ConfirmForm())


@bp.route("/events/<slug>/registrations/invitations/<int:invitation_id>/revoke",
          methods=["POST"])
@event_required(Need.MANAGE)
def revoke_invitation(event: Event, invitation_id: int) -> ResponseReturnValue:
    inv = _invitation_or_404(event, invitation_id)
    back = url_for("registration.invitation_detail", slug=event.slug, invitation_id=inv.id)
    if not ConfirmForm().validate_on_submit():
        flash(_("The form expired. Try again."), "error")
        return redirect(back)
    page = ask_first(_("Revoke the invitation “%(label)s”?", label=inv.label),
                     [_("Nobody can register with its code or link any more."),
                      _("Registrations already made with it stay as they are.")],
                     _("Revoke the invitation"), back, event=event)
    if page is not None:
        return page
    try:
        invitations.revoke_invitation(event, inv.id)
    except DomainError as exc:
        flash(exc.message, "error")
    else:
        flash(_("Invitation revoked: %(label)s", label=inv.label), "success")
    return redirect(back)
