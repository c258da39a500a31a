"""Registration pages: the public form, the private manage page, organizer pages."""
from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask import (
    Blueprint,
    abort,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from werkzeug.wrappers import Response

from ..console.panels import register_panel
from ..csvout import csv_response
from ..demo import register_demo_loader
from ..errors import DomainError, ValidationFailed
from ..extensions import db, limiter
from ..forms_util import apply_errors
from ..mail import delivery
from ..models import (
    Category,
    Event,
    Modality,
    OutboxStatus,
    Registration,
    RegistrationStatus,
)
from ..permissions import Need, acting_user, event_required, require_user
from ..ratelimits import configured
from ..registration_counts import capacity_report
from ..security import new_token
from . import services
from .capacity import other_modality
from .demo import load_sample_registrations
from .export import registrants_csv
from .forms import (
    CancelForm,
    CategoryForm,
    ConfirmForm,
    LeakForm,
    LostLinkForm,
    ManualRegistrationForm,
    MessageForm,
    RegisterAgainForm,
    RegistrationForm,
    SpeakersForm,
    SwitchModalityForm,
)
from .schemas import RegistrationSchema, form_input
from .services import Filters, Outcome

bp = Blueprint("registration", __name__)

PAGE_SIZE = 100
_REGISTRATION = RegistrationSchema()

# One budget per address for everything that creates a registration or sends a link
# (the form, the "lost link" form and the API share it).
registration_limit = limiter.shared_limit(
    configured("REGISTRATION_RATE_LIMIT", "10 per minute"), scope="registration",
    methods=["POST"])


@bp.record_once
def _setup(state: Any) -> None:
    delivery.init_app(state.app)


# ------------------------------------------------------------------ template globals


@bp.app_template_global()
def registration_state(event: Event) -> dict[str, Any]:
    """What the event page's Register button needs: window and places (one query)."""
    w = services.window(event)
    report = capacity_report(event) if w.open else {}
    in_person = report.get("in_person") or {}
    online = report.get("online") or {}
    return {
        "window": w,
        "report": report,
        "in_person_full": in_person.get("available") == 0,
        "online_full": online.get("available") == 0,
    }


def _no_store(resp: Response) -> Response:
    """Pages behind a private link: never cached, never indexed."""
    resp.headers["Cache-Control"] = "no-store"
    resp.headers["X-Robots-Tag"] = "noindex, nofollow"
    return resp


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


def _modality_choices(event: Event) -> list[tuple[str, str]]:
    return [(m.value, m.label) for m in Modality
            if (m is Modality.IN_PERSON and event.offers_in_person)
            or (m is Modality.ONLINE and event.offers_online)]


def _render_form(event: Event, form: RegistrationForm, status: int = 200,
                 full: bool = False) -> ResponseReturnValue:
    state = registration_state(event)
    form.modality.choices = _modality_choices(event)
    if_full_choices = [c for c in form.if_full.choices
                       if c[0] != "switch" or event.offers_online]
    form.if_full.choices = if_full_choices
    show_if_full = full or (state["in_person_full"] and event.offers_in_person)
    return render_template("registration/register.html", event=event, form=form, state=state,
                           show_if_full=show_if_full, lost_form=LostLinkForm()), status


@bp.route("/events/<slug>/register", methods=["GET", "POST"])
@event_required(Need.VIEW)
@registration_limit
def register(event: Event) -> ResponseReturnValue:
    form = RegistrationForm()
    if request.method == "GET":
        _prefill(form, event)
        form.nonce.data = new_token(12)
        return _render_form(event, form)
    if not form.nonce.data:
        form.nonce.data = new_token(12)
    if not form.validate_on_submit():  # the CSRF token only: the schema has the rules
        return _render_form(event, form, 422)
    try:
        result = services.register(event.id, form_input(_REGISTRATION, request.form),
                                   user=acting_user(), form_nonce=form.nonce.data)
    except services.Full as exc:
        apply_errors(form, exc)
        return _render_form(event, form, 409, full=True)
    except DomainError as exc:
        apply_errors(form, exc)
        return _render_form(event, form, exc.status if exc.status in (409, 422) else 422,
                            full="if_full" in exc.fields)  # show the field with its error
    if result.outcome is Outcome.CREATED and result.registration is not None:
        flash(_created_message(result.registration), "success")
        return redirect(url_for("registration.manage", token=result.manage_token, new=1))
    return redirect(url_for("registration.check_mail", slug=event.slug,
                            replayed=1 if result.outcome is Outcome.REPLAYED else None))


def _created_message(reg: Registration) -> str:
    if reg.status is RegistrationStatus.CONFIRMED:
        return f"You are registered ({reg.modality.label.lower()}). A confirmation is on its way by email."
    if reg.status is RegistrationStatus.WAITLISTED:
        return "You are on the waiting list. We will email you as soon as a place is yours."
    return "Thank you. Your registration is waiting for the organizers' approval; we will email you."


@bp.route("/events/<slug>/register/check-mail")
@event_required(Need.VIEW)
def check_mail(event: Event) -> ResponseReturnValue:
    return render_template("registration/check_mail.html", event=event,
                           message=services.NEUTRAL_MESSAGE,
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
                   leak_form: LeakForm | None = None) -> Response:
    event = reg.event
    report = capacity_report(event)
    other = other_modality(reg.modality)
    can_switch = (reg.status in services.ACTIVE and datetime.now(event.tz) < event.local(event.ends_at)
                  and ((other is Modality.IN_PERSON and event.offers_in_person)
                       or (other is Modality.ONLINE and event.offers_online)))
    other_report = report.get(other.value) or {}
    resp = make_response(render_template(
        "registration/manage.html", registration=reg, event=event, manage_token=token,
        report=report, other=other, can_switch=can_switch,
        other_full=other_report.get("available") == 0,
        window=services.window(event),
        switch_form=SwitchModalityForm(modality=other.value),
        cancel_form=cancel_form or CancelForm(), again_form=again_form or RegisterAgainForm(),
        leak_form=leak_form or LeakForm(),
        calendar_url=f"/events/{event.slug}/programme.ics",
        just_registered=request.args.get("new") == "1"), status)
    return _no_store(resp)


@bp.route("/r/<token>")
def manage(token: str) -> Response:
    reg = _by_token(token)
    return _render_manage(reg, token)


@bp.route("/r/<token>/modality", methods=["POST"])
def manage_modality(token: str) -> Response:
    reg = _by_token(token)
    form = SwitchModalityForm()
    if not form.validate_on_submit():
        flash("The form could not be sent. Try again.", "error")
        return _no_store(redirect(url_for("registration.manage", token=token)))
    try:
        reg = services.switch_modality(reg.id, request.form.get("modality", ""))
    except DomainError as exc:
        flash(exc.message, "error")
        return _no_store(redirect(url_for("registration.manage", token=token)))
    flash(f"Done: you now take part {reg.modality.label.lower()}.", "success")
    return _no_store(redirect(url_for("registration.manage", token=token)))


@bp.route("/r/<token>/cancel", methods=["POST"])
def manage_cancel(token: str) -> Response:
    reg = _by_token(token)
    form = CancelForm()
    if not form.validate_on_submit():
        return _render_manage(reg, token, 422, cancel_form=form)
    try:
        services.cancel(reg.id)
    except DomainError as exc:
        flash(exc.message, "error")
    else:
        flash("Your registration is cancelled. Thank you for letting us know.", "success")
    return _no_store(redirect(url_for("registration.manage", token=token)))


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
        return _no_store(redirect(url_for("registration.manage", token=token)))
    flash(_created_message(reg) + " Your manage link has changed: this page is the new one.",
          "success")
    return _no_store(redirect(url_for("registration.manage", token=new)))


@bp.route("/r/<token>/leaked", methods=["POST"])
def manage_leaked(token: str) -> Response:
    reg = _by_token(token)
    form = LeakForm()
    if not form.validate_on_submit():
        return _render_manage(reg, token, 422, leak_form=form)
    try:
        reg = services.report_leak(reg.id)
    except DomainError as exc:
        flash(exc.message, "error")
        return _no_store(redirect(url_for("registration.manage", token=token)))
    # The new link went to the registered address only: this page's link is dead now.
    return _no_store(redirect(url_for("registration.check_mail", slug=reg.event.slug,
                                      replaced=1)))


# ------------------------------------------------------------------ organizer pages


def _reg_or_404(event: Event, reg_id: int) -> Registration:
    reg = db.session.scalar(sa.select(Registration).where(Registration.id == reg_id,
                                                          Registration.event_id == event.id))
    if reg is None:
        abort(404)
    return reg


@bp.route("/events/<slug>/registrations/")
@event_required(Need.MANAGE)
def registrants(event: Event) -> ResponseReturnValue:
    filters = Filters.from_args(request.args)
    counts = services.status_counts(event)
    # A page that is not a number, or is past the end, shows the first or last one.
    requested = request.args.get("page", 1, type=int) or 1
    found = services.registrant_page(event, filters, page=max(1, requested),
                                     per_page=PAGE_SIZE, clamp=True)
    return render_template("registration/registrants.html", event=event, rows=found.rows,
                           filters=filters, args=filters.as_args(), total=found.total,
                           page=found.page, pages=found.pages,
                           report=capacity_report(event, counts), counts=_by_value(counts),
                           status_choices=RegistrationStatus.choices(),
                           category_choices=Category.choices())


@bp.route("/events/<slug>/registrations/export.csv")
@event_required(Need.MANAGE)
def export_csv(event: Event) -> ResponseReturnValue:
    filters = Filters.from_args(request.args)
    rows = db.session.execute(services.registrant_query(event, filters)).all()
    return csv_response(registrants_csv(event, rows), f"{event.slug}-registrations.csv")


@bp.route("/events/<slug>/registrations/new", methods=["GET", "POST"])
@event_required(Need.MANAGE)
def add(event: Event) -> ResponseReturnValue:
    form = ManualRegistrationForm()
    form.modality.choices = _modality_choices(event)
    if request.method == "GET" and not form.modality.data:
        form.modality.data = form.modality.choices[0][0] if form.modality.choices else None
    if form.validate_on_submit():
        try:
            reg = services.add_by_hand(event, form_input(_REGISTRATION, request.form),
                                       require_user(), over_capacity=bool(form.over_capacity.data))
        except DomainError as exc:
            apply_errors(form, exc)
            return render_template("registration/add.html", event=event, form=form), \
                (exc.status if exc.status in (409, 422) else 422)
        flash(f"{reg.name} is registered ({reg.status.label.lower()}, "
              f"{reg.modality.label.lower()}{', over capacity' if reg.over_capacity else ''}). "
              "They have been sent their confirmation and manage link.", "success")
        return redirect(url_for("registration.detail", slug=event.slug, reg_id=reg.id))
    status = 422 if request.method == "POST" else 200
    return render_template("registration/add.html", event=event, form=form), status


@bp.route("/events/<slug>/registrations/<int:reg_id>")
@event_required(Need.MANAGE)
def detail(event: Event, reg_id: int) -> ResponseReturnValue:
    reg = _reg_or_404(event, reg_id)
    return render_template("registration/detail.html", event=event, reg=reg,
                           category_form=CategoryForm(category=reg.category.value),
                           erase_form=ConfirmForm())


def _organizer_action(event: Event, reg_id: int, action: Callable[[], object],
                      done: str) -> Response:
    from ..auth.forms import EmptyForm

    _reg_or_404(event, reg_id)
    if not EmptyForm().validate_on_submit():
        flash("The form expired. Try again.", "error")
    else:
        try:
            action()
        except DomainError as exc:
            flash(exc.message, "error")
        else:
            flash(done, "success")
    return redirect(url_for("registration.detail", slug=event.slug, reg_id=reg_id))


@bp.route("/events/<slug>/registrations/<int:reg_id>/approve", methods=["POST"])
@event_required(Need.MANAGE)
def approve(event: Event, reg_id: int) -> Response:
    return _organizer_action(event, reg_id,
                             lambda: services.approve(event, reg_id, require_user()),
                             "Approved; the person has been told.")


@bp.route("/events/<slug>/registrations/<int:reg_id>/decline", methods=["POST"])
@event_required(Need.MANAGE)
def decline(event: Event, reg_id: int) -> Response:
    return _organizer_action(event, reg_id,
                             lambda: services.decline(event, reg_id, require_user()),
                             "Declined; the person has been told.")


@bp.route("/events/<slug>/registrations/<int:reg_id>/category", methods=["POST"])
@event_required(Need.MANAGE)
def set_category(event: Event, reg_id: int) -> Response:
    _reg_or_404(event, reg_id)
    form = CategoryForm()
    if form.validate_on_submit():
        try:
            services.change_category(event, reg_id, request.form.get("category", ""))
        except DomainError as exc:
            flash(exc.message, "error")
        else:
            flash("Category changed.", "success")
    else:
        flash("The form expired. Try again.", "error")
    return redirect(url_for("registration.detail", slug=event.slug, reg_id=reg_id))


@bp.route("/events/<slug>/registrations/<int:reg_id>/erase", methods=["POST"])
@event_required(Need.MANAGE)
def erase(event: Event, reg_id: int) -> ResponseReturnValue:
    reg = _reg_or_404(event, reg_id)
    form = ConfirmForm()
    if not form.validate_on_submit():
        return render_template("registration/detail.html", event=event, reg=reg,
                               category_form=CategoryForm(category=reg.category.value),
                               erase_form=form), 422
    try:
        services.erase(event, reg_id, require_user())
    except DomainError as exc:
        flash(exc.message, "error")
    else:
        flash("Personal data erased. The registration still counts, anonymized.", "success")
    return redirect(url_for("registration.detail", slug=event.slug, reg_id=reg_id))


@bp.route("/events/<slug>/registrations/speakers", methods=["GET", "POST"])
@event_required(Need.MANAGE)
def speakers(event: Event) -> ResponseReturnValue:
    form = SpeakersForm()
    errors: dict[str, list[str]] = {}
    if form.validate_on_submit():
        emails = {}
        for key, value in request.form.items():
            if key.startswith("email_") and key[6:].isdigit():
                emails[int(key[6:])] = value[:254]
        try:
            report = services.register_speakers(event, emails, require_user(),
                                                over_capacity=bool(form.over_capacity.data))
        except DomainError as exc:
            errors = exc.fields or {"_": [exc.message]}
        else:
            flash(f"Registered {len(report.registered)} speaker(s); "
                  f"{len(report.already)} already registered; "
                  f"{len(report.skipped)} without an address.", "success")
            return redirect(url_for("registration.speakers", slug=event.slug))
    status = 422 if request.method == "POST" else 200
    return render_template("registration/speakers.html", event=event, form=form,
                           rows=services.programme_speakers(event), errors=errors,
                           typed=request.form), status


@bp.route("/events/<slug>/registrations/message", methods=["GET", "POST"])
@event_required(Need.MANAGE)
def message(event: Event) -> ResponseReturnValue:
    form = MessageForm(request.form if request.method == "POST" else request.args)
    if request.method == "POST" and form.validate_on_submit():
        filters = Filters.from_args({k: request.form.get(k) for k in
                                     ("modality", "status", "category")})
        try:
            n = services.write_to_group(event, filters, request.form.get("subject", ""),
                                        request.form.get("body", ""))
        except DomainError as exc:
            apply_errors(form, exc)
        else:
            flash(f"Your message is queued for {n} registrant(s).", "success")
            return redirect(url_for("registration.outbox", slug=event.slug))
    status = 422 if request.method == "POST" else 200
    return render_template("registration/message.html", event=event, form=form), status


@bp.route("/events/<slug>/outbox")
@event_required(Need.MANAGE)
def outbox(event: Event) -> ResponseReturnValue:
    from ..auth.forms import EmptyForm

    return render_template("registration/outbox.html", event=event,
                           messages=services.outbox_for(event),
                           counts=services.outbox_counts(event), retry_form=EmptyForm())


@bp.route("/events/<slug>/outbox/<int:message_id>/retry", methods=["POST"])
@event_required(Need.MANAGE)
def outbox_retry(event: Event, message_id: int) -> ResponseReturnValue:
    from ..auth.forms import EmptyForm

    if EmptyForm().validate_on_submit():
        if delivery.retry_now(message_id, event.id):
            flash("The message will be tried again now.", "success")
        else:
            abort(404)
    return redirect(url_for("registration.outbox", slug=event.slug))


# ------------------------------------------------------------------ console panel and demo


def _by_value(counts: dict[Modality, dict[RegistrationStatus, int]]) -> dict[str, dict[str, int]]:
    """{Modality: {Status: n}} -> {"in_person": {"confirmed": n}} for templates."""
    return {m.value: {s.value: n for s, n in per.items()} for m, per in counts.items()}


def _panel_context(event: Event) -> dict[str, Any]:
    counts = services.status_counts(event)
    outbox = services.outbox_counts(event)
    return {"reg_panel": {"report": capacity_report(event, counts), "counts_by_value": _by_value(counts),
                          "outbox_pending": outbox[OutboxStatus.PENDING],
                          "outbox_failed": outbox[OutboxStatus.FAILED],
                          "outbox_sent": outbox[OutboxStatus.SENT],
                          "window": services.window(event)}}


register_panel("registration", "Registration", "registration/_console_panel.html", 20,
               _panel_context)
register_demo_loader("registration", load_sample_registrations)

__all__ = ["bp"]
