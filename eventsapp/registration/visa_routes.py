"""Pages of letters of invitation for visas (services in ``visa``): the registrant's
request behind the manage link, the organizers' list, a request's page, its decision
and the letter as a PDF."""
from __future__ import annotations

from typing import Any

from flask import abort, flash, make_response, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from ..confirm import ask_first
from ..countries import country_name
from ..errors import DomainError, NotFound
from ..forms_util import apply_errors
from ..i18n import current_language
from ..models import Event, Registration, VisaLetterRequest, utcnow
from ..permissions import Need, event_required, require_user
from . import services, visa
from .blueprint import bp, no_store
from .forms import ConfirmForm, VisaRequestForm
from .schemas import form_input
from .visa_letter import letter_data, letter_pdf

SCHEMA = visa.VisaRequestSchema()


@bp.app_template_global()
def visa_state(reg: Registration) -> dict[str, Any]:
    """What the manage page's visa section needs: whether to show it, the request."""
    event = reg.event
    req = visa.request_of(reg.id) if event.visa_letters else None
    return {"offered": req is not None or visa.may_ask(reg, event), "request": req,
            "may_ask": visa.may_ask(reg, event), "ready": visa.letter_ready(req, reg)}


def _pdf(req: VisaLetterRequest, reg: Registration, event: Event) -> Response:
    resp = make_response(letter_pdf(letter_data(req, reg, event)))
    resp.headers["Content-Type"] = "application/pdf"
    resp.headers["Content-Disposition"] = 'attachment; filename="letter-of-invitation.pdf"'
    resp.headers["X-Content-Type-Options"] = "nosniff"
    resp.headers["Cache-Control"] = "private, no-store"
    resp.headers["X-Robots-Tag"] = "noindex, nofollow"
    return resp


# ------------------------------------------------------------------ the registrant


def _by_token(token: str) -> Registration:
    reg = services.registration_for_manage_token(token)
    if reg is None:
        abort(404)
    return reg


def _form_for(req: VisaLetterRequest | None) -> VisaRequestForm:
    if request.method == "POST" or req is None or req.erased_at is not None:
        return VisaRequestForm()
    return VisaRequestForm(
        nationality=req.nationality, passport_number=req.passport_number,
        date_of_birth=req.date_of_birth.isoformat() if req.date_of_birth else "",
        passport_expires_on=req.passport_expires_on.isoformat() if req.passport_expires_on
        else "")


@bp.route("/r/<token>/visa", methods=["GET", "POST"])
def manage_visa(token: str) -> Response:
    reg = _by_token(token)
    event = reg.event
    state = visa_state(reg)
    if not state["offered"]:
        abort(404)
    req = state["request"]
    form = _form_for(req)
    status = 200
    if request.method == "POST":
        status = 422
        if form.validate_on_submit():  # the CSRF token only: the schema has the rules
            try:
                visa.submit(reg.id, form_input(SCHEMA, request.form))
            except DomainError as exc:
                apply_errors(form, exc)
                status = exc.status if exc.status in (409, 422) else 422
            else:
                flash(_("Your request for a letter of invitation has been sent to the "
                        "organizers. We will email you their decision."), "success")
                return no_store(redirect(url_for("registration.manage_visa", token=token)))
    resp = make_response(render_template(
        "registration/visa_request.html", event=event, registration=reg, manage_token=token,
        form=form, state=state,
        nationality=country_name(req.nationality, current_language()) if req else ""), status)
    return no_store(resp)


@bp.route("/r/<token>/visa/letter.pdf")
def manage_visa_letter(token: str) -> Response:
    reg = _by_token(token)
    req = visa.request_of(reg.id)
    if req is None or not visa.letter_ready(req, reg):
        abort(404)
    return _pdf(req, reg, reg.event)


# ------------------------------------------------------------------ organizers


def _request_or_404(event: Event, request_id: int) -> VisaLetterRequest:
    try:
        return visa.request_in_event(event, request_id)
    except NotFound:
        abort(404)


@bp.route("/events/<slug>/registrations/visa-letters")
@event_required(Need.MANAGE)
def visa_letters(event: Event) -> ResponseReturnValue:
    return render_template("registration/visa_letters.html", event=event,
                           rows=visa.event_requests(event))


@bp.route("/events/<slug>/registrations/visa-letters/<int:request_id>")
@event_required(Need.MANAGE)
def visa_letter_detail(event: Event, request_id: int) -> ResponseReturnValue:
    req = _request_or_404(event, request_id)
    return no_store(make_response(render_template(
        "registration/visa_letter_detail.html", event=event, req=req, reg=req.registration,
        nationality=country_name(req.nationality, current_language()),
        ready=visa.letter_ready(req, req.registration), form=ConfirmForm())))


def _decided(event: Event, request_id: int) -> Response:
    return redirect(url_for("registration.visa_letter_detail", slug=event.slug,
                            request_id=request_id))


@bp.route("/events/<slug>/registrations/visa-letters/<int:request_id>/approve",
          methods=["POST"])
@event_required(Need.MANAGE)
def visa_letter_approve(event: Event, request_id: int) -> Response:
    _request_or_404(event, request_id)
    if not ConfirmForm().validate_on_submit():
        flash(_("The form expired. Try again."), "error")
        return _decided(event, request_id)
    try:
        visa.approve(event, request_id, require_user(), now=utcnow())
    except DomainError as exc:
        flash(exc.message, "error")
    else:
        flash(_("Approved: the person has been emailed that their letter is ready."), "success")
    return _decided(event, request_id)


@bp.route("/events/<slug>/registrations/visa-letters/<int:request_id>/decline",
          methods=["POST"])
@event_required(Need.MANAGE)
def visa_letter_decline(event: Event, request_id: int) -> Response:
    req = _request_or_404(event, request_id)
    if not ConfirmForm().validate_on_submit():
        flash(_("The form expired. Try again."), "error")
        return _decided(event, request_id)
    page = ask_first(
        _("Decline the request of %(name)s for a letter of invitation?",
          name=req.registration.name),
        [_("%(name)s is emailed that no letter of invitation will be issued.",
           name=req.registration.name),
         _("This cannot be undone.")],
        _("Decline"), url_for("registration.visa_letter_detail", slug=event.slug,
                              request_id=request_id), event=event)
    if page is not None:
        return page
    try:
        visa.decline(event, request_id, require_user())
    except DomainError as exc:
        flash(exc.message, "error")
    else:
        flash(_("Declined; the person has been told."), "success")
    return _decided(event, request_id)


@bp.route("/events/<slug>/registrations/visa-letters/<int:request_id>/letter.pdf")
@event_required(Need.MANAGE)
def visa_letter_pdf(event: Event, request_id: int) -> Response:
    req = _request_or_404(event, request_id)
    if not visa.letter_ready(req, req.registration):
        abort(404)
    return _pdf(req, req.registration, event)
