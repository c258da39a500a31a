"""Registration pages: the public form and the private manage page (the organizer
pages are in ``organizer_routes``, on the same blueprint)."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import (
    abort,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from ..confirm import ask_first
from ..errors import DomainError, ValidationFailed
from ..forms_util import apply_errors
from ..i18n import LANGUAGES, current_language
from ..localefmt import format_items
from ..models import (
    Category,
    Event,
    Modality,
    Registration,
    RegistrationStatus,
    utcnow,
)
from ..permissions import Need, acting_user, event_required
from ..registration_counts import capacity_report
from ..security import new_token
from . import (  # noqa: F401 - these modules add their pages to bp
    answer_routes,
    bulk_routes,
    delegation_routes,
    documents,
    invitation_routes,
    labels,
    organization_routes,
    organizer_routes,
    question_routes,
    services,
    visa_routes,
)
from .answers import shown_answers
from .blueprint import (
    REGISTRATION_SCHEMA,
    bp,
    invitation_limit,
    modality_choices,
    no_store,
    note_refused_invitation,
    registration_limit,
    registration_state,
)
from .capacity import other_modality, waiting_position
from .forms import (
    CancelForm,
    LeakForm,
    LostLinkForm,
    MailLanguageForm,
    OfferForm,
    RegisterAgainForm,
    RegistrationForm,
    SwitchModalityForm,
)
from .offers import accept_offer, decline_offer, offer_expired
from .organizations import organization_choices
from .question_forms import (
    form_categories,
    form_questions,
    has_files,
    posted_answers,
    question_error_items,
)
from .schemas import form_input
from .services import Outcome
from .settings import ordered

# ------------------------------------------------------------------ public form


def _prefill(form: RegistrationForm, event: Event) -> None:
    from ..countries import UnknownCountry, to_code

    user = acting_user()
    if user is not None:
        form.name.data = form.name.data or user.name
        form.email.data = form.email.data or user.email
        form.organization.data = form.organization.data or (user.organization or "")
        form.position.data = form.position.data or (user.position or "")
        try:
            form.country.data = form.country.data or to_code(user.country or "")
        except UnknownCountry:
            pass  # an old free-text country: the person chooses
    if not form.modality.data:
        form.modality.data = (Modality.IN_PERSON.value if event.offers_in_person
                              else Modality.ONLINE.value)
    public = ordered(event.public_categories)
    if not form.category.data and public:
        form.category.data = (Category.PARTICIPANT.value if Category.PARTICIPANT in public
                              else public[0].value)


def question_context(event: Event, form: Any, errors: dict | None = None) -> dict[str, Any]:
    """What a registration form's template needs to show the event's questions."""
    posted = posted_answers(request) if request.method == "POST" else None
    questions = form_questions(event, current_language(), form_categories(form), posted,
                               errors)
    return {"questions": questions, "has_files": has_files(questions),
            "error_items": question_error_items(questions),
            "upload_megabytes": documents.max_megabytes(), "retried": request.method == "POST"}


def _render_form(event: Event, form: RegistrationForm, status: int = 200,
                 full: bool = False, errors: dict | None = None) -> ResponseReturnValue:
    state = registration_state(event)
    form.modality.choices = modality_choices(event)
    form.organization_id.choices = [("", _("None of these"))] + organization_choices(event)
    if_full_choices = [c for c in form.if_full.choices
                       if c[0] != "switch" or event.offers_online]
    form.if_full.choices = if_full_choices
    show_if_full = full or (state["in_person_full"] and event.offers_in_person)
    public = ordered(event.public_categories)
    form.category.choices = [(c.value, c.label) for c in public]
    # Which of the categories offered wait for approval (the page says so).
    approval = [c for c in public if event.needs_approval(c)]
    return render_template("registration/register.html", event=event, form=form, state=state,
                           show_if_full=show_if_full, lost_form=LostLinkForm(),
                           show_category=len(public) > 1 or bool(form.category.errors),
                           approval_all=bool(public) and len(approval) == len(public),
                           approval_labels=format_items(_(c.label).lower() for c in approval),
                           **question_context(event, form, errors)), status


@bp.route("/events/<slug>/register", methods=["GET", "POST"])
@event_required(Need.VIEW)
@registration_limit
@invitation_limit
def register(event: Event) -> ResponseReturnValue:
    form = RegistrationForm()
    if request.method == "GET":
        _prefill(form, event)
        form.nonce.data = new_token(12)
        code = request.args.get("invitation", "")
        if not code:
            return _render_form(event, form)
        # The invitation link: its code fills the field; the page is never cached.
        form.invitation.data = code[:100]
        return no_store(make_response(_render_form(event, form)))
    if not form.nonce.data:
        form.nonce.data = new_token(12)
    if not form.validate_on_submit():  # the CSRF token only: the schema has the rules
        return _render_form(event, form, 422)
    raw = form_input(REGISTRATION_SCHEMA, request.form)
    raw["answers"] = posted_answers(request)
    try:
        result = services.register(event.id, raw, user=acting_user(), form_nonce=form.nonce.data,
                                   language=current_language())
    except services.Full as exc:
        apply_errors(form, exc)
        return _render_form(event, form, 409, full=True)
    except DomainError as exc:
        note_refused_invitation(exc)
        apply_errors(form, exc)
        return _render_form(event, form, exc.status if exc.status in (409, 422) else 422,
                            full="if_full" in exc.fields,  # show the field with its error
                            errors=exc.fields)
    if result.outcome is Outcome.CREATED and result.registration is not None:
        flash(_created_message(result.registration), "success")
        return redirect(url_for("registration.manage", token=result.manage_token, new=1))
    return redirect(url_for("registration.check_mail", slug=event.slug,
                            replayed=1 if result.outcome is Outcome.REPLAYED else None))


def _created_message(reg: Registration) -> str:
    if reg.status is RegistrationStatus.CONFIRMED:
        return _("You are registered (%(modality)s). A confirmation is on its way by email.",
                 modality=reg.modality.label.lower())
    if reg.status is RegistrationStatus.WAITLISTED:
        return _("You are on the waiting list. We will email you as soon as a place is yours.")
    if reg.organization_id is not None:
        return _("Thank you. Your registration on behalf of %(org)s is waiting for approval by "
                 "its focal point or the organizers; we will email you.", org=reg.organization)
    return _("Thank you. Your registration is waiting for the organizers' approval; we will email you.")


@bp.route("/events/<slug>/register/check-mail")
@event_required(Need.VIEW)
def check_mail(event: Event) -> ResponseReturnValue:
    return render_template("registration/check_mail.html", event=event,
                           message=_(services.NEUTRAL_MESSAGE),
                           replayed=request.args.get("replayed") == "1",
                           replaced=request.args.get("replaced") == "1")


@bp.route("/events/<slug>/register/link", methods=["GET", "POST"])
@event_required(Need.VIEW)
@registration_limit
def lost_link(event: Event) -> ResponseReturnValue:
    form = LostLinkForm()
    if form.validate_on_submit():
        try:
            services.send_manage_link(event.id, request.form.get("email", ""))
        except DomainError as exc:
            apply_errors(form, exc)
        else:
            return redirect(url_for("registration.check_mail", slug=event.slug))
    status = 422 if request.method == "POST" else 200
    return render_template("registration/lost_link.html", event=event, form=form), status


@bp.route("/events/<slug>/participants")
@event_required(Need.VIEW)
def participants(event: Event) -> ResponseReturnValue:
    return render_template("registration/participants.html", event=event,
                           people=services.participants(event))


# ------------------------------------------------------------------ manage page


def _by_token(token: str) -> Registration:
    reg = services.registration_for_manage_token(token)
    if reg is None:
        abort(404)
    return reg


def _render_manage(reg: Registration, token: str, status: int = 200,
                   cancel_form: CancelForm | None = None,
                   again_form: RegisterAgainForm | None = None,
                   leak_form: LeakForm | None = None,
                   language_form: MailLanguageForm | None = None) -> Response:
    event = reg.event
    language_form = language_form or MailLanguageForm(language=reg.language)
    language_form.language.choices = [(code, LANGUAGES[code], {"lang": code})
                                      for code in services.mail_languages(reg, event)]
    report = capacity_report(event)
    other = other_modality(reg.modality)
    can_switch = (reg.status in services.ACTIVE and datetime.now(event.tz) < event.local(event.ends_at)
                  and ((other is Modality.IN_PERSON and event.offers_in_person)
                       or (other is Modality.ONLINE and event.offers_online)))
    other_report = report.get(other.value) or {}
    now = utcnow()
    resp = make_response(render_template(
        "registration/manage.html", registration=reg, event=event, manage_token=token,
        report=report, other=other, can_switch=can_switch and reg.status is not RegistrationStatus.OFFERED,
        position=waiting_position(reg), offer_expired=offer_expired(reg, now),
        offer_form=OfferForm(),
        other_full=other_report.get("available") == 0,
        window=services.window(event),
        switch_form=SwitchModalityForm(modality=other.value),
        cancel_form=cancel_form or CancelForm(), again_form=again_form or RegisterAgainForm(),
        leak_form=leak_form or LeakForm(), language_form=language_form,
        calendar_url=f"/events/{event.slug}/programme.ics",
        answers=shown_answers(event, reg, current_language()) if reg.erased_at is None else [],
        just_registered=request.args.get("new") == "1"), status)
    return no_store(resp)


@bp.route("/r/<token>")
def manage(token: str) -> Response:
    reg = _by_token(token)
    return _render_manage(reg, token)


@bp.route("/r/<token>/modality", methods=["POST"])
def manage_modality(token: str) -> Response:
    reg = _by_token(token)
    form = SwitchModalityForm()
    if not form.validate_on_submit():
        flash(_("The form could not be sent. Try again."), "error")
        return no_store(redirect(url_for("registration.manage", token=token)))
    if (reg.status is RegistrationStatus.CONFIRMED  # a place is given up: ask first
            and request.form.get("modality") == other_modality(reg.modality).value):
        page = _ask_switch(reg, token)
        if page is not None:
            return page
    try:
        reg = services.switch_modality(reg.id, request.form.get("modality", ""))
    except DomainError as exc:
        flash(exc.message, "error")
        return no_store(redirect(url_for("registration.manage", token=token)))
    flash(_("Done: you now take part %(modality)s.", modality=reg.modality.label.lower()), "success")
    return no_store(redirect(url_for("registration.manage", token=token)))


def _ask_switch(reg: Registration, token: str) -> Response | None:
    """Switching a confirmed registration gives its place up: say so, and ask."""
    other = other_modality(reg.modality)
    if reg.modality is Modality.IN_PERSON:
        lines = [_("Your in-person place is released: it goes to the next person on the "
                   "waiting list, and may not be free again if you change your mind.")]
        if reg.badge_code:
            lines.append(_("Your badge no longer admits you at the door."))
    else:
        lines = [_("Your online place is released: it goes to the next person on the "
                   "waiting list, and may not be free again if you change your mind.")]
    lines.append(_("We email you the change."))
    return ask_first(_("Switch to %(modality)s?", modality=other.label.lower()), lines,
                     _("Switch to %(modality)s", modality=other.label.lower()),
                     url_for("registration.manage", token=token), event=reg.event)


def _cancel_consequences(reg: Registration) -> list[str]:
    lines = []
    if reg.status is RegistrationStatus.CONFIRMED:
        lines.append(_("Your place is freed for the next person on the waiting list."))
    elif reg.status is RegistrationStatus.WAITLISTED:
        lines.append(_("You leave the waiting list."))
    if reg.badge_code:
        lines.append(_("Your badge no longer admits you at the door."))
    if reg.join_token:
        lines.append(_("Your links to follow online stop working."))
    lines += [_("We email you that the registration is cancelled."),
              _("While registration is open you can register again from this page, if a "
                "place is free.")]
    return lines


@bp.route("/r/<token>/cancel", methods=["POST"])
def manage_cancel(token: str) -> Response:
    reg = _by_token(token)
    form = CancelForm()
    if not form.validate_on_submit():
        return _render_manage(reg, token, 422, cancel_form=form)
    page = ask_first(_("Cancel your registration for %(event)s?", event=reg.event.title),
                     _cancel_consequences(reg), _("Cancel my registration"),
                     url_for("registration.manage", token=token), event=reg.event)
    if page is not None:
        return page
    try:
        services.cancel(reg.id)
    except DomainError as exc:
        flash(exc.message, "error")
    else:
        flash(_("Your registration is cancelled. Thank you for letting us know."), "success")
    return no_store(redirect(url_for("registration.manage", token=token)))


@bp.route("/r/<token>/register-again", methods=["POST"])
def manage_register_again(token: str) -> Response:
    reg = _by_token(token)
    form = RegisterAgainForm()
    if not form.validate_on_submit():
        return _render_manage(reg, token, 422, again_form=form)
    try:
        reg, new = services.register_again(reg.id, if_full=request.form.get("if_full") or None)
    except ValidationFailed as exc:
        apply_errors(form, exc)
        return _render_manage(reg, token, 422, again_form=form)
    except DomainError as exc:
        flash(exc.message, "error")
        return no_store(redirect(url_for("registration.manage", token=token)))
    flash(_created_message(reg) + " " + _("Your manage link has changed: this page is the new one."),
          "success")
    return no_store(redirect(url_for("registration.manage", token=new)))


@bp.route("/r/<token>/language", methods=["POST"])
def manage_language(token: str) -> Response:
    """The language of the registrant's mails (not of this page: the switcher's)."""
    reg = _by_token(token)
    form = MailLanguageForm()
    if not form.validate_on_submit():
        return _render_manage(reg, token, 422, language_form=form)
    try:
        reg = services.change_language(reg.id, form.language.data or "")
    except ValidationFailed as exc:
        apply_errors(form, exc)
        return _render_manage(reg, token, 422, language_form=form)
    except DomainError as exc:
        flash(exc.message, "error")
        return no_store(redirect(url_for("registration.manage", token=token)))
    flash(_("Saved. Language of your emails: %(language)s.", language=LANGUAGES[reg.language]),
          "success")
    return no_store(redirect(url_for("registration.manage", token=token)))


@bp.route("/r/<token>/offer/accept", methods=["POST"])
def manage_accept_offer(token: str) -> Response:
    reg = _by_token(token)
    if not OfferForm().validate_on_submit():
        flash(_("The form could not be sent. Try again."), "error")
    else:
        try:
            accept_offer(reg.id)
        except DomainError as exc:
            flash(exc.message, "error")
        else:
            flash(_("The place is yours: your registration is confirmed. A confirmation is on "
                    "its way by email."), "success")
    return no_store(redirect(url_for("registration.manage", token=token)))


@bp.route("/r/<token>/offer/decline", methods=["POST"])
def manage_decline_offer(token: str) -> Response:
    reg = _by_token(token)
    if not OfferForm().validate_on_submit():
        flash(_("The form could not be sent. Try again."), "error")
    else:
        try:
            decline_offer(reg.id)
        except DomainError as exc:
            flash(exc.message, "error")
        else:
            flash(_("You have declined the place: it goes to the next person on the waiting "
                    "list, and your registration is cancelled. Thank you for letting us know."),
                  "success")
    return no_store(redirect(url_for("registration.manage", token=token)))


@bp.route("/r/<token>/leaked", methods=["POST"])
def manage_leaked(token: str) -> Response:
    reg = _by_token(token)
    form = LeakForm()
    if not form.validate_on_submit():
        return _render_manage(reg, token, 422, leak_form=form)
    lines = [_("all links to manage your registration stop working, this one included; a "
               "new one is emailed to %(email)s, and only there;", email=reg.email)]
    if reg.join_token:
        lines.append(_("your personal links to join the online sessions and your personal "
                       "calendar feed change: the old ones stop working;"))
    if reg.badge_code:
        lines.append(_("your badge is re-issued: the old one, printed or on a phone, no "
                       "longer admits you at the door."))
    page = ask_first(_("Replace all your private links?"), lines, _("Replace all my links"),
                     url_for("registration.manage", token=token), event=reg.event)
    if page is not None:
        return page
    try:
        reg = services.report_leak(reg.id)
    except DomainError as exc:
        flash(exc.message, "error")
        return no_store(redirect(url_for("registration.manage", token=token)))
    # The new link went to the registered address only: this page's link is dead now.
    return no_store(redirect(url_for("registration.check_mail", slug=reg.event.slug,
                                      replaced=1)))


__all__ = ["bp", "registration_limit"]
