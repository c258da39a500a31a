"""Organizer pages of an event's registration questions (list, add, edit, move,
delete), and the two routes that serve a registration's documents."""
from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response

from ..errors import DomainError, ValidationFailed
from ..extensions import db
from ..i18n import LANGUAGES, current_language
from ..models import Category, DocumentKind, Event, QuestionKind, Registration, RegistrationQuestion
from ..permissions import Need, acting_user, event_required, login_required
from . import documents, questions
from .blueprint import bp, no_store
from .forms import TickConfirmForm
from .question_forms import editor_error_items, editor_errors, editor_input, editor_values
from .questions import default_language, localized, offered_languages


class QuestionForm(FlaskForm):
    """The editor's CSRF token; its fields are per language (question_form.html)."""


def _editor(event: Event, q: RegistrationQuestion | None, values: dict[str, Any],
            errors: dict[str, list[str]] | None = None, status: int = 200) -> ResponseReturnValue:
    languages = [(code, LANGUAGES[code]) for code in offered_languages(event)]
    categories = Category.choices()
    errors = errors or {}
    return render_template("registration/question_form.html", event=event, question=q,
                           form=QuestionForm(), values=values, errors=errors,
                           error_items=editor_error_items(errors, languages, categories[0][0]),
                           languages=languages,
                           default=languages[0][0], kinds=QuestionKind.choices(),
                           document_kinds=DocumentKind.choices(),
                           category_choices=categories), status


def _save(event: Event, q: RegistrationQuestion | None) -> ResponseReturnValue:
    languages = offered_languages(event)
    form = QuestionForm()
    raw = editor_input(request.form, languages, with_kind=q is None)
    values = {**editor_values(q, languages), **{k: v for k, v in request.form.items()},
              "required": raw["required"], "categories": raw["categories"]}
    if not form.validate_on_submit():
        return _editor(event, q, values, {"_": [_("The form expired. Try again.")]}, 422)
    try:
        if q is None:
            saved = questions.create_question(event, raw)
        else:
            saved = questions.update_question(event, q.id, raw)
    except ValidationFailed as exc:
        errors = editor_errors(exc.fields, languages[0])
        if not exc.fields:
            errors["_"] = [exc.message]
        return _editor(event, q, values, errors, 422)
    flash(_("Question saved: %(label)s", label=localized(saved.labels, current_language(),
                                                         default_language(event))), "success")
    return redirect(url_for("registration.questions", slug=event.slug))


@bp.route("/events/<slug>/registrations/questions", endpoint="questions")
@event_required(Need.MANAGE)
def questions_page(event: Event) -> ResponseReturnValue:
    return render_template("registration/questions.html", event=event,
                           rows=_rows(event), form=QuestionForm())


def _rows(event: Event) -> list[dict[str, Any]]:
    from ..models import RegistrationAnswer

    items = questions.event_questions(event.id)
    counts = dict(db.session.execute(
        sa.select(RegistrationAnswer.question_id, sa.func.count(RegistrationAnswer.id))
        .where(RegistrationAnswer.question_id.in_([q.id for q in items] or [-1]))
        .group_by(RegistrationAnswer.question_id)).all())
    lang, default = current_language(), default_language(event)
    return [{"q": q, "label": localized(q.labels, lang, default),
             "categories": [Category(c).label for c in q.categories or []],
             "languages": [code for code in LANGUAGES if (q.labels or {}).get(code)],
             "answers": counts.get(q.id, 0), "first": i == 0, "last": i == len(items) - 1}
            for i, q in enumerate(items)]


@bp.route("/events/<slug>/registrations/questions/new", methods=["GET", "POST"])
@event_required(Need.MANAGE)
def new_question(event: Event) -> ResponseReturnValue:
    if request.method == "POST":
        return _save(event, None)
    kind = request.args.get("kind", "")
    values = editor_values(None, offered_languages(event))
    values["kind"] = kind if kind in {k.value for k in QuestionKind} else ""
    return _editor(event, None, values)


@bp.route("/events/<slug>/registrations/questions/<int:question_id>/edit",
          methods=["GET", "POST"])
@event_required(Need.MANAGE)
def edit_question(event: Event, question_id: int) -> ResponseReturnValue:
    q = _question_or_404(event, question_id)
    if request.method == "POST":
        return _save(event, q)
    return _editor(event, q, editor_values(q, offered_languages(event)))


def _question_or_404(event: Event, question_id: int) -> RegistrationQuestion:
    try:
        return questions.question_of(event, question_id)
    except DomainError:
        abort(404)


@bp.route("/events/<slug>/registrations/questions/<int:question_id>/move", methods=["POST"])
@event_required(Need.MANAGE)
def move_question(event: Event, question_id: int) -> Response:
    _question_or_404(event, question_id)
    if not QuestionForm().validate_on_submit():
        flash(_("The form expired. Try again."), "error")
    else:
        try:
            questions.move_question(event, question_id, request.form.get("direction", ""))
        except DomainError as exc:
            flash(exc.message, "error")
    return redirect(url_for("registration.questions", slug=event.slug) + f"#question-{question_id}")


@bp.route("/events/<slug>/registrations/questions/<int:question_id>/delete",
          methods=["GET", "POST"])
@event_required(Need.MANAGE)
def delete_question(event: Event, question_id: int) -> ResponseReturnValue:
    q = _question_or_404(event, question_id)
    form = TickConfirmForm()
    label = localized(q.labels, current_language(), default_language(event))
    if request.method == "POST":
        if form.validate_on_submit():
            questions.delete_question(event, q.id)
            flash(_("Question deleted, with its answers: %(label)s", label=label), "success")
            return redirect(url_for("registration.questions", slug=event.slug))
    status = 422 if request.method == "POST" else 200
    return render_template("registration/question_delete.html", event=event, question=q,
                           label=label, answers=questions.answer_count(q.id), form=form), status


# ------------------------------------------------------------------ documents


def _document(reg: Registration | None, answer_id: int, *, holder: Registration | None = None
              ) -> Response:
    """The document, if ``documents.can_read_document`` allows it; 404 otherwise (its
    existence is not revealed)."""
    if reg is None or not documents.can_read_document(acting_user(), reg, holder=holder):
        abort(404)
    answer = documents.answer_document(reg, answer_id)
    if answer is None:
        abort(404)
    resp = documents.send_document(answer)
    if resp is None:
        abort(404)
    return resp


@bp.route("/events/<slug>/registrations/<int:reg_id>/documents/<int:answer_id>")
@event_required(Need.VIEW)
@login_required
def document(event: Event, reg_id: int, answer_id: int) -> Response:
    """A registration's document, for those ``can_read_document`` allows (organizers of
    the event, the registrant's account, ...)."""
    reg = db.session.scalar(sa.select(Registration).where(
        Registration.id == reg_id, Registration.event_id == event.id))
    return _document(reg, answer_id)


@bp.route("/r/<token>/documents/<int:answer_id>")
def manage_document(token: str, answer_id: int) -> Response:
    """The registrant's own document, by the manage link."""
    from .links import registration_for_manage_token

    reg = registration_for_manage_token(token)
    return no_store(_document(reg, answer_id, holder=reg))
