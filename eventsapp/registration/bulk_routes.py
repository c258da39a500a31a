"""Organizer pages acting on many registrants: the bulk actions of the registrant list
(approve, decline, change the category, move the modality, write to them) and the
message page (merge fields, preview, test to oneself, the real send)."""
from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl, urlencode

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import ngettext
from werkzeug.datastructures import MultiDict

from ..confirm import ask_first
from ..errors import DomainError
from ..forms_util import apply_errors
from ..models import Category, Event, Modality, Registration
from ..permissions import Need, event_required, require_user
from . import bulk, messaging
from .blueprint import bp
from .forms import MessageForm
from .mergefields import FIELDS
from .queries import Filters

# Recipients offered in the preview's chooser (the first ones, oldest first).
PREVIEW_CHOICES = 200


@bp.app_template_filter("query_string")
def query_string(args: dict[str, Any]) -> str:
    """The list's filter arguments as one query string (repeated keys for lists)."""
    return urlencode(args, doseq=True)


def _filters_of(form: MultiDict) -> Filters:
    """The list's filters, carried by the bulk form as one query string."""
    return Filters.from_args(MultiDict(parse_qsl(form.get("filter", "")[:4000])))


def _ids_of(form: MultiDict) -> list[int]:
    return [int(v) for v in form.getlist("id") if v.strip().isdigit() and len(v) < 10]


def _bulk_input(form: MultiDict) -> dict[str, Any]:
    action = form.get("action", "")
    raw: dict[str, Any] = {"action": action,
                           "value": form.get("to_category" if action == "category"
                                             else "to_modality")}
    if form.get("scope") == "all":
        raw["filters"] = _filters_of(form).as_args()
    else:
        raw["ids"] = _ids_of(form)
    return raw


def _question(action: str, num: int, value: Any) -> tuple[str, list[str], str]:
    common = _("Each person is handled on their own, oldest first: the next page lists who "
               "was done and who was refused, and why.")
    if action == "approve":
        return (ngettext("Approve %(num)s registration?", "Approve %(num)s registrations?", num),
                [_("Each pending person is confirmed if a place is free, else put on the "
                   "waiting list, and emailed."), common], _("Approve"))
    if action == "decline":
        return (ngettext("Decline %(num)s registration?", "Decline %(num)s registrations?", num),
                [_("Each person is emailed that the registration is declined; a place they "
                   "held goes to the next person on the waiting list."),
                 _("Their badge and private links stop working."), _("This cannot be undone."),
                 common], _("Decline"))
    if action == "category":
        label = str(value.label) if isinstance(value, Category) else ""
        return (ngettext("Change the category of %(num)s registration to %(category)s?",
                         "Change the category of %(num)s registrations to %(category)s?",
                         num, category=label),
                [_("Nobody is emailed."), common], _("Change the category"))
    label = str(value.label) if isinstance(value, Modality) else ""
    return (ngettext("Move %(num)s registration to %(modality)s?",
                     "Move %(num)s registrations to %(modality)s?", num, modality=label),
            [_("Each person is moved only where a place is free, and emailed."), common],
            _("Move"))


@bp.route("/events/<slug>/registrations/bulk", methods=["POST"])
@event_required(Need.MANAGE)
def bulk_action(event: Event) -> ResponseReturnValue:
    from ..auth.forms import EmptyForm

    back = url_for("registration.registrants", slug=event.slug,
                   **_filters_of(request.form).as_args())
    if not EmptyForm().validate_on_submit():
        flash(_("The form expired. Try again."), "error")
        return redirect(back, 303)
    raw = _bulk_input(request.form)
    if raw["action"] == "write":
        return _write_to_selection(event, raw, back)
    try:
        planned = bulk.prepare(event, raw)
    except DomainError as exc:
        flash(exc.message, "error")
        return redirect(back, 303)
    if not planned.ids:
        flash(_("Tick some registrants, or choose all matching the filter."), "error")
        return redirect(back, 303)
    question, consequences, button = _question(planned.action, len(planned.ids), planned.value)
    # Confirmed, it acts on the ids counted here (not on whoever matches the filter then).
    repost = [(k, v) for k, v in request.form.items(multi=True) if k not in ("scope", "id")]
    repost += [("scope", "selected")] + [("id", str(i)) for i in planned.ids]
    page = ask_first(question, consequences, button, back, event=event, repost=repost)
    if page is not None:
        return page
    results = bulk.apply(event, require_user(), planned.action, planned.value, planned.ids)
    return render_template("registration/bulk_result.html", event=event, results=results,
                           done=sum(r.done for r in results),
                           refused=sum(not r.done for r in results), back=back)


def _write_to_selection(event: Event, raw: dict[str, Any], back: str) -> ResponseReturnValue:
    """The message page for the selection (its ids: all matching becomes their ids)."""
    try:
        ids = bulk.selection(event, ids=raw.get("ids"),
                             filters=Filters.from_args(raw["filters"]) if "filters" in raw
                             else None)
    except DomainError as exc:
        flash(exc.message, "error")
        return redirect(back, 303)
    regs = messaging.recipients(event, Filters(), ids)  # of the event, not erased
    if not regs:
        flash(_("Tick some registrants, or choose all matching the filter."), "error")
        return redirect(back, 303)
    return _message_page(event, MessageForm(formdata=None), [r.id for r in regs], regs)


# ------------------------------------------------------------------ the message page


def _message_page(event: Event, form: MessageForm, ids: list[int] | None,
                  regs: list[Registration] | None, *, chosen: Registration | None = None,
                  shown: messaging.Rendered | None = None, status: int = 200
                  ) -> ResponseReturnValue:
    return render_template("registration/message.html", event=event, form=form, ids=ids,
                           recipients=(regs or [])[:PREVIEW_CHOICES],
                           count=len(regs) if regs is not None else None,
                           chosen=chosen, shown=shown,
                           fields=[f"{{{f}}}" for f in FIELDS]), status


def _chosen(regs: list[Registration]) -> Registration | None:
    wanted = request.form.get("preview_id", "")
    for reg in regs:
        if str(reg.id) == wanted:
            return reg
    return regs[0] if regs else None


@bp.route("/events/<slug>/registrations/message", methods=["GET", "POST"])
@event_required(Need.MANAGE)
def message(event: Event) -> ResponseReturnValue:
    form = MessageForm(request.form if request.method == "POST" else request.args)
    if request.method != "POST":
        return _message_page(event, form, None, None)
    by_ids = request.form.get("by_ids") == "1"
    ids = _ids_of(request.form) if by_ids else None
    if not form.validate_on_submit():
        return _message_page(event, form, ids, None, status=422)
    filters = Filters.from_args({k: request.form.get(k) for k in ("modality", "status",
                                                                  "category")})
    subject, body = request.form.get("subject", ""), request.form.get("body", "")
    try:
        regs = messaging.recipients(event, filters, ids)
        draft = messaging.draft(subject, body)
    except DomainError as exc:
        apply_errors(form, exc)
        return _message_page(event, form, ids, None, status=422)
    chosen = _chosen(regs)
    if chosen is None:
        form.form_errors.append(_("Nobody matches: no message was sent."))
        return _message_page(event, form, ids, regs, status=422)
    action = request.form.get("do", "send")
    if action in ("preview", "test"):
        if action == "test":
            me = require_user()
            messaging.send_test(event, subject, body, chosen, me.email)
            flash(_("A test was sent to you (%(email)s).", email=me.email), "success")
        shown = messaging.preview(event, subject, body, chosen)
        return _message_page(event, form, ids, regs, chosen=chosen, shown=shown)
    return _send(event, form, filters, ids, regs, draft.uses_manage_link)


def _send(event: Event, form: MessageForm, filters: Filters, ids: list[int] | None,
          regs: list[Registration], new_links: bool) -> ResponseReturnValue:
    n = len(regs)
    lines = [ngettext("One email goes to %(num)s person, through the outbox.",
                      "One email goes to each of %(num)s people, through the outbox.", n)]
    if new_links:
        lines.append(_("Each of them gets a new private link to manage their registration; "
                       "the links they already have keep working."))
    page = ask_first(ngettext("Send this message to %(num)s registrant?",
                              "Send this message to %(num)s registrants?", n),
                     lines, _("Send"), url_for("registration.message", slug=event.slug),
                     event=event)
    if page is not None:
        return page
    try:
        sent = messaging.write_to_group(event, filters, request.form.get("subject", ""),
                                        request.form.get("body", ""), ids)
    except DomainError as exc:
        apply_errors(form, exc)
        return _message_page(event, form, ids, regs, status=422)
    flash(ngettext("Your message is queued for %(num)s registrant.",
                   "Your message is queued for %(num)s registrants.", sent), "success")
    return redirect(url_for("registration.outbox", slug=event.slug))
