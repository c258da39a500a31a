"""Registration pages for the event's organizers: the list, adding by hand, a
registration's page and actions, speakers, messages, the outbox, the console panel."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from flask import (
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import ngettext
from werkzeug.wrappers import Response

from ..confirm import ask_first
from ..console.panels import register_panel
from ..csvout import csv_response
from ..demo import register_demo_loader
from ..errors import DomainError
from ..extensions import db
from ..forms_util import apply_errors
from ..i18n import N_, current_language
from ..mail import delivery
from ..models import (
    Category,
    Event,
    Modality,
    OutboxStatus,
    Registration,
    RegistrationStatus,
)
from ..permissions import Need, event_required, require_user
from ..registration_counts import capacity_report
from . import services
from .answers import answers_by_registration, filter_options, shown_answers
from .blueprint import PAGE_SIZE, REGISTRATION_SCHEMA, bp, modality_choices
from .demo import load_sample_registrations
from .export import registrants_csv
from .forms import (
    CategoryForm,
    ConfirmForm,
    ManualRegistrationForm,
    RegistrationSettingsForm,
    SpeakersForm,
)
from .invitations import invitations_of
from .question_forms import posted_answers
from .questions import event_questions
from .schemas import form_input
from .services import Filters
from .settings import online_role, ordered, settings_from_form, update_settings

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
                           category_choices=Category.choices(),
                           answer_filters=filter_options(event, current_language()),
                           answer_chosen={f"{q}:{v}" for q, v in filters.answers})


@bp.route("/events/<slug>/registrations/export.csv")
@event_required(Need.MANAGE)
def export_csv(event: Event) -> ResponseReturnValue:
    filters = Filters.from_args(request.args)
    rows = db.session.execute(services.registrant_query(event, filters)).all()
    questions = event_questions(event.id)
    answers = answers_by_registration([r.id for r, _checked in rows]) if questions else {}
    invited = {reg_id: inv.label for reg_id, inv in invitations_of([r.id for r, _c in rows]).items()}
    return csv_response(registrants_csv(event, rows, questions, answers, invited),
                        f"{event.slug}-registrations.csv")


def _add_page(event: Event, form: ManualRegistrationForm, status: int = 200,
              errors: dict | None = None) -> ResponseReturnValue:
    from .organizations import organization_choices
    from .routes import question_context

    form.organization_id.choices = [("", _("None of these"))] + organization_choices(event)
    return render_template("registration/add.html", event=event, form=form,
                           **question_context(event, form, errors)), status


@bp.route("/events/<slug>/registrations/new", methods=["GET", "POST"])
@event_required(Need.MANAGE)
def add(event: Event) -> ResponseReturnValue:
    form = ManualRegistrationForm()
    form.modality.choices = modality_choices(event)
    if request.method == "GET" and not form.modality.data:
        form.modality.data = form.modality.choices[0][0] if form.modality.choices else None
    if form.validate_on_submit():
        raw = form_input(REGISTRATION_SCHEMA, request.form)
        raw["answers"] = posted_answers(request)
        try:
            reg = services.add_by_hand(event, raw, require_user(),
                                       over_capacity=bool(form.over_capacity.data))
        except DomainError as exc:
            apply_errors(form, exc)
            return _add_page(event, form, exc.status if exc.status in (409, 422) else 422,
                             exc.fields)
        if reg.over_capacity:
            done = _("%(name)s is registered (%(status)s, %(modality)s, over capacity). They have "
                     "been sent their confirmation and manage link.", name=reg.name,
                     status=reg.status.label.lower(), modality=reg.modality.label.lower())
        else:
            done = _("%(name)s is registered (%(status)s, %(modality)s). They have been sent "
                     "their confirmation and manage link.", name=reg.name,
                     status=reg.status.label.lower(), modality=reg.modality.label.lower())
        flash(done, "success")
        return redirect(url_for("registration.detail", slug=event.slug, reg_id=reg.id))
    return _add_page(event, form, 422 if request.method == "POST" else 200)


@bp.route("/events/<slug>/registrations/<int:reg_id>")
@event_required(Need.MANAGE)
def detail(event: Event, reg_id: int) -> ResponseReturnValue:
    reg = _reg_or_404(event, reg_id)
    return _detail_page(event, reg, ConfirmForm())


def _detail_page(event: Event, reg: Registration, erase_form: ConfirmForm,
                 status: int = 200) -> ResponseReturnValue:
    return render_template("registration/detail.html", event=event, reg=reg,
                           category_form=CategoryForm(category=reg.category.value),
                           erase_form=erase_form, online_role=online_role(event, reg),
                           answers=shown_answers(event, reg, current_language()),
                           invitation=invitations_of([reg.id]).get(reg.id)), status


def _settings_form(event: Event) -> RegistrationSettingsForm:
    """The settings page's form: the posted values, else the event's (event-local)."""
    if request.method == "POST":
        return RegistrationSettingsForm()

    def local(when: Any) -> str:
        return event.local(when).strftime("%Y-%m-%dT%H:%M") if when else ""

    def count(value: int | None) -> str:
        return "" if value is None else str(value)

    return RegistrationSettingsForm(
        registration_opens_at=local(event.registration_opens_at),
        registration_closes_at=local(event.registration_closes_at),
        public_categories=[c.value for c in ordered(event.public_categories)],
        approval_categories=[c.value for c in ordered(event.approval_categories)],
        capacity_in_person=count(event.capacity_in_person),
        capacity_online=count(event.capacity_online),
        waitlist_promotion=event.waitlist_promotion.value, offer_hours=str(event.offer_hours),
        online_roles=event.online_roles, privacy_notice=event.privacy_notice,
        visa_letters=event.visa_letters, visa_organizer=event.visa_organizer,
        visa_signatory_name=event.visa_signatory_name,
        visa_signatory_title=event.visa_signatory_title)


@bp.route("/events/<slug>/registrations/settings", methods=["GET", "POST"])
@event_required(Need.MANAGE)
def settings(event: Event) -> ResponseReturnValue:
    form = _settings_form(event)
    status = 200
    if request.method == "POST":
        status = 422
        if form.validate_on_submit():  # the CSRF token only: the schema has the rules
            try:
                _event, promoted = update_settings(event, settings_from_form(request.form))
            except DomainError as exc:
                apply_errors(form, exc)
            else:
                done = _("Registration settings saved.")
                if promoted:
                    done += " " + ngettext(
                        "%(num)d person from the waiting list was given a place, or offered "
                        "one, by email.",
                        "%(num)d people from the waiting list were given places, or offered "
                        "them, by email.",
                        len(promoted))
                flash(done, "success")
                return redirect(url_for("registration.settings", slug=event.slug))
    return render_template("registration/settings.html", event=event, form=form), status


def _organizer_action(event: Event, reg_id: int, action: Callable[[], object],
                      done: str,
                      ask: Callable[[Registration], tuple[str, list[str], str]] | None = None
                      ) -> Response:
    """``ask(reg)``: (question, consequences, button) when the action asks first."""
    from ..auth.forms import EmptyForm

    reg = _reg_or_404(event, reg_id)
    back = url_for("registration.detail", slug=event.slug, reg_id=reg_id)
    if not EmptyForm().validate_on_submit():
        flash(_("The form expired. Try again."), "error")
    else:
        if ask is not None:
            question, consequences, button = ask(reg)
            page = ask_first(question, consequences, button, back, event=event)
            if page is not None:
                return page
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
                             _("Approved; the person has been told."))


@bp.route("/events/<slug>/registrations/<int:reg_id>/decline", methods=["POST"])
@event_required(Need.MANAGE)
def decline(event: Event, reg_id: int) -> Response:
    return _organizer_action(event, reg_id,
                             lambda: services.decline(event, reg_id, require_user()),
                             _("Declined; the person has been told."), ask=_ask_decline)


def _ask_decline(reg: Registration) -> tuple[str, list[str], str]:
    lines = [_("%(name)s is emailed that the registration is declined.", name=reg.name)]
    if reg.status is RegistrationStatus.CONFIRMED:
        lines.append(_("Their place goes to the next person on the waiting list."))
    lines += [_("Their badge and private links stop working."),
              _("This cannot be undone.")]
    return _("Decline the registration of %(name)s?", name=reg.name), lines, _("Decline")


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
            flash(_("Category changed."), "success")
    else:
        flash(_("The form expired. Try again."), "error")
    return redirect(url_for("registration.detail", slug=event.slug, reg_id=reg_id))


@bp.route("/events/<slug>/registrations/<int:reg_id>/erase", methods=["POST"])
@event_required(Need.MANAGE)
def erase(event: Event, reg_id: int) -> ResponseReturnValue:
    reg = _reg_or_404(event, reg_id)
    form = ConfirmForm()
    if not form.validate_on_submit():
        return _detail_page(event, reg, form, 422)
    page = ask_first(
        _("Erase the personal data of %(name)s?", name=reg.name),
        [_("Name, email, organization, position, country and needs are removed for good. "
           "The registration stays, anonymized, in the counts."),
         _("Their badge and private links stop working, and mail waiting for them is "
           "deleted."),
         _("This cannot be undone.")],
        _("Erase personal data"), url_for("registration.detail", slug=event.slug, reg_id=reg_id),
        event=event)
    if page is not None:
        return page
    try:
        services.erase(event, reg_id, require_user())
    except DomainError as exc:
        flash(exc.message, "error")
    else:
        flash(_("Personal data erased. The registration still counts, anonymized."), "success")
    return redirect(url_for("registration.detail", slug=event.slug, reg_id=reg_id))


@bp.route("/events/<slug>/registrations/speakers", methods=["GET", "POST"])
@event_required(Need.MANAGE)
def speakers(event: Event) -> ResponseReturnValue:
    form = SpeakersForm()
    errors: dict[str, list[str]] = {}
    if form.validate_on_submit():
        emails = {}
        for key, value in request.form.items():
            if key.startswith("email_") and key[6:].isdigit() and len(key) < 20:
                emails[int(key[6:])] = value  # checked by the registration schema
        try:
            report = services.register_speakers(event, emails, require_user(),
                                                over_capacity=bool(form.over_capacity.data))
        except DomainError as exc:
            errors = exc.fields or {"_": [exc.message]}
        else:
            flash(" ".join((
                ngettext("Registered %(num)d speaker.", "Registered %(num)d speakers.",
                         len(report.registered)),
                ngettext("%(num)d was already registered.", "%(num)d were already registered.",
                         len(report.already)),
                ngettext("%(num)d had no email address.", "%(num)d had no email address.",
                         len(report.skipped)))), "success")
            return redirect(url_for("registration.speakers", slug=event.slug))
    status = 422 if request.method == "POST" else 200
    return render_template("registration/speakers.html", event=event, form=form,
                           rows=services.programme_speakers(event), errors=errors,
                           error_items=[(key if key.startswith("email_") else None, m)
                                        for key, msgs in errors.items() for m in msgs],
                           typed=request.form), status


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
            flash(_("The message will be tried again now."), "success")
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


register_panel("registration", N_("Registration"), "registration/_console_panel.html", 20,
               _panel_context)
register_demo_loader("registration", load_sample_registrations)

