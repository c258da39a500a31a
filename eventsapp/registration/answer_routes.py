"""The registrant's page to change their answers and replace their documents
(``/r/<token>/answers``, behind the manage link), while registration is open."""
from __future__ import annotations

from flask import abort, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response

from ..errors import DomainError
from ..i18n import current_language
from ..models import Registration
from . import answer_changes, documents
from .blueprint import bp, no_store
from .question_forms import FormQuestion, form_questions, has_files, posted_answers
from .window import window

CHOICE_KINDS = ("single_choice", "multiple_choice", "yes_no")


class AnswersForm(FlaskForm):
    """The CSRF token; the answers are the questions' fields (``answers.<id>``)."""


def _registration(token: str) -> Registration:
    from .links import registration_for_manage_token

    reg = registration_for_manage_token(token)
    if reg is None or not answer_changes.may_change_answers(reg):
        abort(404)
    return reg


def _page(reg: Registration, token: str, form: AnswersForm, status: int = 200,
          errors: dict | None = None) -> Response:
    event = reg.event
    posted = posted_answers(request) if request.method == "POST" else None
    values = posted if posted is not None else answer_changes.current_values(event.id, reg.id)
    questions = form_questions(event, current_language(), [reg.category], values, errors)
    sent = answer_changes.current_documents(reg.id)
    resp = make_response(render_template(
        "registration/answers.html", event=event, registration=reg, manage_token=token,
        form=form, questions=questions, has_files=has_files(questions),
        upload_megabytes=documents.max_megabytes(), retried=request.method == "POST",
        sent=sent, window=window(event), error_items=error_items(questions)), status)
    return no_store(resp)


def error_items(questions: list[FormQuestion]) -> list[tuple[str, str]]:
    """The questions' errors for the page's error summary (base.html): "Label: message",
    each linked to its field (a group's first option)."""
    items: list[tuple[str, str]] = []
    for q in questions:
        anchor = q.dom_id
        if q.kind in CHOICE_KINDS:
            first = "yes" if q.kind == "yes_no" else (q.choices[0][0] if q.choices else "")
            anchor = f"{q.dom_id}-{first}"
        items.extend((anchor, _("%(field)s: %(message)s", field=q.label, message=m))
                     for m in q.errors)
    return items


@bp.route("/r/<token>/answers", methods=["GET", "POST"])
def manage_answers(token: str) -> Response:
    reg = _registration(token)
    form = AnswersForm()
    if request.method == "GET":
        return _page(reg, token, form)
    if not window(reg.event).open:
        return _page(reg, token, form, 409)
    if not form.validate_on_submit():
        return _page(reg, token, form, 422)
    try:
        answer_changes.change_answers(reg.id, posted_answers(request))
    except DomainError as exc:
        if not exc.fields:
            flash(exc.message, "error")
        return _page(reg, token, form, exc.status if exc.status in (404, 409, 422) else 422,
                     exc.fields)
    flash(_("Your answers are saved."), "success")
    return no_store(redirect(url_for("registration.manage", token=token)))
