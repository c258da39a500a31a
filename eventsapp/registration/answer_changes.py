"""The registrant changes their answers to the event's questions, and replaces the
documents they sent, from their manage page, while registration is open.

The answers are checked by the same rules as when registering (``answers.clean_answers``:
one schema per question, for the registration's category). A document question already
answered keeps its document unless a new file is sent; a replaced document's file
leaves the disk only once the change is committed (``documents.schedule_removal``), and
a new file is removed again if it is not (``documents.write``): nothing half-written.
"""
from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from flask_babel import gettext as _

from ..db_tx import use_case
from ..errors import NotFound
from ..extensions import db
from ..models import QuestionKind, Registration, RegistrationAnswer, utcnow
from . import documents
from .answers import answers_by_registration, clean_answers, save_answers
from .manage import locked
from .queries import ACTIVE
from .questions import applies, event_questions
from .window import require_open


def may_change_answers(reg: Registration) -> bool:
    """Whether the page offers the change: an active registration, not erased."""
    return reg.erased_at is None and reg.status in ACTIVE


@use_case
def change_answers(registration_id: int, raw: Mapping[str, Any] | None, *,
                   now: datetime | None = None) -> Registration:
    """Replace the registration's answers to the questions its category sees with
    ``raw`` ({question id: answer}, as the registration form sends them). An answer left
    empty is removed (a required one is a field error); a document question without a
    new file keeps its document. Answers to questions the category does not see stay."""
    now = now or utcnow()
    event, reg = locked(registration_id)
    if not may_change_answers(reg):
        raise NotFound(_("No such registration."))
    require_open(event, now)
    existing = answers_by_registration([reg.id]).get(reg.id, {})
    shown = [q for q in event_questions(event.id) if applies(q, reg.category)]
    given = dict(raw or {})
    kept = {q.id for q in shown if q.kind is QuestionKind.FILE and q.id in existing
            and existing[q.id].file_key and _blank_upload(given.get(str(q.id)))}
    asked = [q for q in shown if q.id not in kept]
    loaded = clean_answers(asked, reg.category, given)  # ValidationFailed: nothing written
    replaced = [existing[q.id] for q in asked if q.id in existing]
    documents.schedule_removal([a.file_key for a in replaced if a.file_key])
    for a in replaced:
        db.session.delete(a)
    db.session.flush()  # the old rows go before the new ones (one answer per question)
    save_answers(reg, loaded)
    db.session.flush()
    return reg


def _blank_upload(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip()) or (
        getattr(value, "filename", "x") == "")


def current_values(event_id: int, registration_id: int) -> dict[str, Any]:
    """The registration's answers as a form sends them ({question id: value or values}),
    to fill the change form; documents are shown apart (a file field has no value)."""
    kinds = {q.id: q.kind for q in event_questions(event_id)}
    out: dict[str, Any] = {}
    for qid, a in answers_by_registration([registration_id]).get(registration_id, {}).items():
        if a.file_key or qid not in kinds:
            continue
        if a.value_bool is not None:
            out[str(qid)] = "yes" if a.value_bool else "no"
        elif a.value_date is not None:
            out[str(qid)] = a.value_date.isoformat()
        elif kinds[qid] is QuestionKind.MULTIPLE_CHOICE:
            out[str(qid)] = a.value_text.split()
        else:
            out[str(qid)] = a.value_text
    return out


def current_documents(registration_id: int) -> dict[int, RegistrationAnswer]:
    """{question id: the answer holding the document sent}."""
    return {qid: a for qid, a in answers_by_registration([registration_id])
            .get(registration_id, {}).items() if a.file_key}


__all__ = ["change_answers", "current_documents", "current_values", "may_change_answers"]
