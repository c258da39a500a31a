"""An event's registration questions over the API: anyone reads them (the answers a
registration sends are keyed by their ids); the event's organizers add, change, order
and delete them."""
from __future__ import annotations

from typing import Any

from flask import request
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import fields

from ..i18n import current_language
from ..inputs import Choice
from ..models import DocumentKind, Event, QuestionKind, RegistrationQuestion
from ..permissions import Need, event_required
from ..registration import questions
from .common import BEARER, ApiErrorSchema, Out

blp = Blueprint("api_questions", __name__, url_prefix="/api/v1/events",
                description="Registration questions: read (anyone), write (organizers).")


class ChoiceOut(Out):
    key = fields.String(metadata={"description": "What an answer sends and stores"})
    labels = fields.Dict(keys=fields.String(), values=fields.String())


class QuestionOut(Out):
    id = fields.Integer()
    position = fields.Integer(metadata={"description": "1 = asked first"})
    kind = Choice(QuestionKind, dump_only=True)
    required = fields.Boolean()
    categories = fields.List(fields.String(), metadata={
        "description": "Categories that see the question; empty: every category"})
    label = fields.String(metadata={"description": "In the request's language (else the "
                                                   "event's default)"})
    labels = fields.Dict(keys=fields.String(), values=fields.String())
    help_texts = fields.Dict(keys=fields.String(), values=fields.String())
    choices = fields.List(fields.Nested(ChoiceOut))
    document_kind = Choice(DocumentKind, dump_only=True, allow_none=True)


class QuestionListOut(Out):
    questions = fields.List(fields.Nested(QuestionOut))


class QuestionIn(questions.QuestionSchema):
    """A new question."""


class QuestionPatchIn(questions.QuestionPatch):
    """Any subset of QuestionIn's fields but its kind, and its position."""


def _out(event: Event, q: RegistrationQuestion, position: int) -> dict[str, Any]:
    return {"id": q.id, "position": position, "kind": q.kind.value, "required": q.required,
            "categories": list(q.categories or []),
            "label": questions.localized(q.labels, current_language(),
                                         questions.default_language(event)),
            "labels": dict(q.labels or {}), "help_texts": dict(q.help_texts or {}),
            "choices": [{"key": c["key"], "labels": dict(c.get("labels") or {})}
                        for c in q.choices or []],
            "document_kind": q.document_kind.value if q.document_kind else None}


def _one(event: Event, question_id: int) -> dict[str, Any]:
    items = questions.event_questions(event.id)
    for i, q in enumerate(items, start=1):
        if q.id == question_id:
            return _out(event, q, i)
    questions.question_of(event, question_id)  # NotFound
    raise AssertionError("unreachable")


def _body() -> dict[str, Any]:
    body = request.get_json(silent=True)
    return body if isinstance(body, dict) else {}


@blp.route("/<slug>/questions")
class EventQuestions(MethodView):
    @event_required(Need.VIEW)
    @blp.response(200, QuestionListOut)
    @blp.alt_response(404, schema=ApiErrorSchema, description="No such event")
    def get(self, event: Event) -> dict[str, Any]:
        """The event's registration questions, in their order."""
        return {"questions": [_out(event, q, i) for i, q in
                              enumerate(questions.event_questions(event.id), start=1)]}

    @event_required(Need.MANAGE)
    @blp.arguments(QuestionIn)
    @blp.response(201, QuestionOut)
    @blp.alt_response(422, schema=ApiErrorSchema,
                      description="Invalid question (no label in the default language, a "
                                  "choice question without choices, ...)")
    @blp.doc(security=BEARER)
    def post(self, data: dict[str, Any], event: Event) -> dict[str, Any]:
        """Add a question at the end of the form (organizers)."""
        q = questions.create_question(event, _body())
        return _one(event, q.id)


@blp.route("/<slug>/questions/<int:question_id>")
class EventQuestion(MethodView):
    @event_required(Need.VIEW)
    @blp.response(200, QuestionOut)
    @blp.alt_response(404, schema=ApiErrorSchema, description="No such event or question")
    def get(self, event: Event, question_id: int) -> dict[str, Any]:
        """One question."""
        return _one(event, question_id)

    @event_required(Need.MANAGE)
    @blp.arguments(QuestionPatchIn(partial=True))
    @blp.response(200, QuestionOut)
    @blp.alt_response(404, schema=ApiErrorSchema, description="No such event or question")
    @blp.alt_response(422, schema=ApiErrorSchema, description="Invalid question")
    @blp.doc(security=BEARER)
    def patch(self, data: dict[str, Any], event: Event, question_id: int) -> dict[str, Any]:
        """Change a question (organizers); its kind stays. ``position`` moves it."""
        questions.update_question(event, question_id, _body())
        return _one(event, question_id)

    @event_required(Need.MANAGE)
    @blp.response(204)
    @blp.alt_response(404, schema=ApiErrorSchema, description="No such event or question")
    @blp.doc(security=BEARER)
    def delete(self, event: Event, question_id: int) -> None:
        """Delete a question with its answers and their documents (organizers)."""
        questions.delete_question(event, question_id)
