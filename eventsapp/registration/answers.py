"""Answers to an event's questions: the rules of each answer, built from the question
definitions with the shared input types (so the public form, the organizer's form and
the API refuse the same things with the same messages), stored by type, and read back
for the organizer's pages, the manage page, the list's filters, the CSV and the API."""
from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from marshmallow import EXCLUDE, Schema, ValidationError, fields
from werkzeug.datastructures import FileStorage

from .. import inputs
from ..countries import country_name
from ..errors import ValidationFailed
from ..extensions import db
from ..models import (
    Category,
    Event,
    QuestionKind,
    Registration,
    RegistrationAnswer,
    RegistrationQuestion,
)
from . import documents
from .questions import applies, default_language, event_questions, localized
from .schemas import RegistrationData, clean

SHORT_MAX = 500
LONG_MAX = 5000
_ID = re.compile(r"^[0-9]{1,9}$")
YES = ("yes", "true", "y", "1", "on")
NO = ("no", "false", "n", "0", "off")

# ------------------------------------------------------------------ one field per kind


class ChoiceKey(fields.Field):
    """One of a question's choices, by key or by label in any language (any case);
    loads as its key."""

    def __init__(self, choices: list[dict[str, Any]], **kwargs: Any) -> None:
        self.choices = choices
        super().__init__(**kwargs)

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> str:
        if isinstance(value, str):
            text = value.strip().casefold()
            for c in self.choices:
                labels = {str(v).casefold() for v in (c.get("labels") or {}).values()}
                if text == c.get("key") or text in labels:
                    return str(c["key"])
        raise ValidationError(_("Not one of the choices."))


class ChoiceKeys(fields.List):
    """Several choices (a single one may come alone, as a form sends it), each once."""

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> list[Any]:
        if isinstance(value, str):
            value = [value]
        keys = super()._deserialize(value, attr, data, **kwargs)
        return list(dict.fromkeys(keys))


class YesNo(fields.Field):
    """Yes or no: a boolean, or yes/no, true/false in words."""

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> bool:
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.strip().lower() in YES + NO:
            return value.strip().lower() in YES
        raise ValidationError(_("Answer yes or no."))


class Document(fields.Field):
    """A document: an uploaded file (forms) or {name, content_base64} (the API),
    checked by ``documents.check``; loads as a ``documents.Upload``."""

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> documents.Upload:
        limit = documents.max_bytes()
        if isinstance(value, FileStorage):
            content, name = value.stream.read(limit + 1), value.filename
        elif isinstance(value, Mapping) and isinstance(value.get("content_base64"), str):
            encoded = value["content_base64"]
            name = value.get("name") if isinstance(value.get("name"), str) else None
            if len(encoded) > (limit + 2) * 4 // 3 + 4:
                raise ValidationError(_("The file is too large: at most %(num)d MB.",
                                        num=documents.max_megabytes()))
            try:
                content = base64.b64decode(encoded, validate=True)
            except (binascii.Error, ValueError):
                raise ValidationError(_("content_base64 is not valid base64.")) from None
        else:
            raise ValidationError(_("Send a file (PDF, PNG or JPEG)."))
        try:
            return documents.check(content, name)
        except documents.NotADocument as exc:
            raise ValidationError(str(exc)) from None


def answer_field(q: RegistrationQuestion) -> fields.Field:
    """The input rule of one question's answer."""
    message = {QuestionKind.FILE: _l("Attach this document."),
               QuestionKind.SINGLE_CHOICE: _l("Choose an answer."),
               QuestionKind.MULTIPLE_CHOICE: _l("Choose at least one answer."),
               QuestionKind.YES_NO: _l("Answer yes or no.")}.get(q.kind, _l("Answer this question."))
    opts: dict[str, Any] = {"required": q.required, "error_messages": {"required": message}}
    kind = q.kind
    if kind is QuestionKind.SHORT_TEXT:
        return inputs.Line(max_length=SHORT_MAX, **opts)
    if kind is QuestionKind.LONG_TEXT:
        return inputs.Text(max_length=LONG_MAX, **opts)
    if kind is QuestionKind.SINGLE_CHOICE:
        return ChoiceKey(q.choices or [], **opts)
    if kind is QuestionKind.MULTIPLE_CHOICE:
        return ChoiceKeys(ChoiceKey(q.choices or []), **opts)
    if kind is QuestionKind.YES_NO:
        return YesNo(**opts)
    if kind is QuestionKind.COUNTRY:
        return inputs.Country(**opts)
    if kind is QuestionKind.DATE:
        return inputs.Date(**opts)
    return Document(**opts)


def _blank(value: Any) -> bool:
    if value is None or (isinstance(value, str) and not value.strip()):
        return True
    if isinstance(value, (list, tuple)) and not [v for v in value if not _blank(v)]:
        return True
    return isinstance(value, FileStorage) and not value.filename


def answers_schema(questions: list[RegistrationQuestion]) -> Schema:
    """A schema of these questions' answers, keyed by question id."""
    return Schema.from_dict({str(q.id): answer_field(q) for q in questions})(unknown=EXCLUDE)


Answers = dict[int, Any]  # question id -> loaded value (str, list, bool, date, Upload)


def clean_answers(questions: list[RegistrationQuestion], category: Category | str,
                  raw: Any) -> Answers:
    """The answers to the questions ``category`` sees, loaded; answers to other
    questions are left out (a form without scripts shows them all). ValidationFailed
    with "answers.<id>" field messages."""
    shown = [q for q in questions if applies(q, category)]
    if raw is not None and not isinstance(raw, Mapping):
        raise ValidationFailed(_("answers must be an object: {question id: answer}."),
                               fields={"answers": [_("Send {question id: answer}.")]})
    given = {str(k): v for k, v in (raw or {}).items()
             if isinstance(k, str | int) and _ID.match(str(k)) and not _blank(v)}
    if not shown:
        return {}
    try:
        loaded = answers_schema(shown).load(given)
    except ValidationError as exc:
        problems = inputs.flatten(exc.normalized_messages())
        raise ValidationFailed(_("Some answers are not valid."),
                               fields={f"answers.{k}": v for k, v in problems.items()}) from None
    return {int(k): v for k, v in loaded.items() if not _blank(v)}


def _category_of(raw: Mapping[str, Any]) -> Category:
    from ..inputs import parse_choice

    return parse_choice(Category, raw.get("category")) or Category.PARTICIPANT


def clean_registration(event_id: int, raw: Mapping[str, Any], if_full: Any = None, *,
                       category: Category | None = None):
    """``schemas.clean`` and the answers together: every field error at once. The
    answers are checked for ``category`` (else the one in ``raw``). Returns (data, the
    choice for a full modality, answers)."""
    problems: dict[str, list[str]] = {}
    data: RegistrationData | None = None
    choice = None
    answers: Answers = {}
    try:
        data, choice = clean(raw, if_full)
    except ValidationFailed as exc:
        problems.update(exc.fields or {"_schema": [exc.message]})
    chosen = (category or (data.category if data is not None else _category_of(raw))
              or Category.PARTICIPANT)
    try:
        answers = clean_answers(event_questions(event_id), chosen, raw.get("answers"))
    except ValidationFailed as exc:
        problems.update(exc.fields)
    if problems or data is None:
        messages = [m for ms in problems.values() for m in ms]
        raise ValidationFailed(messages[0] if len(messages) == 1
                               else _("Please correct the highlighted fields."), fields=problems)
    return data, choice, answers


# ------------------------------------------------------------------ storing


def save_answers(reg: Registration, answers: Answers) -> list[RegistrationAnswer]:
    """Add ``reg``'s answers to the session (inside its use case, under the event lock):
    documents are written to disk now and removed again if the transaction fails.
    Answers to a question deleted since they were checked are left out."""
    if not answers:
        return []
    live = set(db.session.scalars(sa.select(RegistrationQuestion.id).where(
        RegistrationQuestion.id.in_(list(answers)),
        RegistrationQuestion.event_id == reg.event_id)))
    out = []
    for qid, value in answers.items():
        if qid not in live:
            continue
        a = RegistrationAnswer(question_id=qid, value_text="", file_name="", file_type="")
        a.registration = reg
        if isinstance(value, documents.Upload):
            a.file_key = documents.write(value)
            a.file_name, a.file_type, a.file_size = value.name, value.content_type, value.size
        elif isinstance(value, bool):
            a.value_bool = value
        elif isinstance(value, date):
            a.value_date = value
        elif isinstance(value, list):
            a.value_text = " ".join(value)
        else:
            a.value_text = str(value)
        db.session.add(a)
        out.append(a)
    return out


def erase_answers(registration_id: int) -> None:
    """Delete a registration's answers (personal data); their documents leave the disk
    once the transaction commits."""
    keys = list(db.session.scalars(sa.select(RegistrationAnswer.file_key).where(
        RegistrationAnswer.registration_id == registration_id,
        RegistrationAnswer.file_key.is_not(None))))
    db.session.execute(sa.delete(RegistrationAnswer).where(
        RegistrationAnswer.registration_id == registration_id))
    documents.schedule_removal([k for k in keys if k])


# ------------------------------------------------------------------ reading


def answers_by_registration(reg_ids: list[int]) -> dict[int, dict[int, RegistrationAnswer]]:
    """{registration id: {question id: answer}} for these registrations (one query)."""
    out: dict[int, dict[int, RegistrationAnswer]] = {}
    if not reg_ids:
        return out
    for a in db.session.scalars(sa.select(RegistrationAnswer).where(
            RegistrationAnswer.registration_id.in_(reg_ids))):
        out.setdefault(a.registration_id, {})[a.question_id] = a
    return out


def choice_label(q: RegistrationQuestion, key: str, language: str, default: str) -> str:
    for c in q.choices or []:
        if c.get("key") == key:
            return localized(c.get("labels"), language, default)
    return _("(removed choice)")


def display(q: RegistrationQuestion, a: RegistrationAnswer | None, language: str,
            default: str) -> str:
    """An answer as text in ``language`` ("" when not answered)."""
    if a is None:
        return ""
    kind = q.kind
    if kind is QuestionKind.YES_NO:
        return "" if a.value_bool is None else (_("Yes") if a.value_bool else _("No"))
    if kind is QuestionKind.DATE:
        return a.value_date.isoformat() if a.value_date else ""
    if kind is QuestionKind.FILE:
        return a.file_name
    if kind is QuestionKind.COUNTRY:
        return country_name(a.value_text) if a.value_text else ""
    if kind in (QuestionKind.SINGLE_CHOICE, QuestionKind.MULTIPLE_CHOICE):
        return "; ".join(choice_label(q, k, language, default) for k in a.value_text.split())
    return a.value_text


def api_value(q: RegistrationQuestion, a: RegistrationAnswer) -> Any:
    """An answer as the API gives it (see ANSWER_OUT)."""
    kind = q.kind
    if kind is QuestionKind.YES_NO:
        return bool(a.value_bool)
    if kind is QuestionKind.DATE:
        return a.value_date.isoformat() if a.value_date else ""
    if kind is QuestionKind.FILE:
        return {"name": a.file_name, "content_type": a.file_type, "size": a.file_size or 0}
    if kind is QuestionKind.MULTIPLE_CHOICE:
        return a.value_text.split()
    return a.value_text


def api_answers(questions: list[RegistrationQuestion],
                answers: Mapping[int, RegistrationAnswer]) -> dict[str, Any]:
    return {str(q.id): api_value(q, answers[q.id]) for q in questions if q.id in answers}


@dataclass
class Shown:
    """One question with a registration's answer, for a page."""

    question: RegistrationQuestion
    label: str
    text: str
    answer: RegistrationAnswer | None

    @property
    def document(self) -> RegistrationAnswer | None:
        return self.answer if self.answer is not None and self.answer.file_key else None


def shown_answers(event: Event, reg: Registration, language: str) -> list[Shown]:
    """The questions ``reg``'s category sees, and any other it answered, with the
    answers, in the form's order."""
    default = default_language(event)
    answers = answers_by_registration([reg.id]).get(reg.id, {})
    return [Shown(q, localized(q.labels, language, default), display(q, answers.get(q.id),
                                                                    language, default),
                  answers.get(q.id))
            for q in event_questions(event.id) if applies(q, reg.category) or q.id in answers]


# ------------------------------------------------------------------ filters


FILTER_KINDS = (QuestionKind.SINGLE_CHOICE, QuestionKind.MULTIPLE_CHOICE, QuestionKind.YES_NO)


def answer_condition(event_id: int, pairs: list[tuple[int, str]]) -> list[sa.ColumnElement[bool]]:
    """SQL conditions on Registration: it answered question ``qid`` with ``value`` (a
    choice key, or yes/no) for each pair; pairs naming no filterable question of the
    event are left out."""
    if not pairs:
        return []
    kinds = dict(db.session.execute(sa.select(RegistrationQuestion.id, RegistrationQuestion.kind)
                                    .where(RegistrationQuestion.event_id == event_id,
                                           RegistrationQuestion.id.in_([p[0] for p in pairs]))).all())
    out: list[sa.ColumnElement[bool]] = []
    for qid, value in pairs:
        kind = kinds.get(qid)
        if kind not in FILTER_KINDS:
            continue
        cond: sa.ColumnElement[bool]
        if kind is QuestionKind.YES_NO:
            if value not in ("yes", "no"):
                continue
            cond = RegistrationAnswer.value_bool.is_(value == "yes")
        elif kind is QuestionKind.SINGLE_CHOICE:
            cond = RegistrationAnswer.value_text == value
        else:
            padded = sa.literal(" ") + RegistrationAnswer.value_text + sa.literal(" ")
            escaped = value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            cond = padded.like(f"% {escaped} %", escape="\\")
        out.append(sa.exists().where(RegistrationAnswer.registration_id == Registration.id,
                                     RegistrationAnswer.question_id == qid, cond))
    return out


def filter_options(event: Event, language: str) -> list[tuple[RegistrationQuestion, str,
                                                              list[tuple[str, str]]]]:
    """The questions the list can filter on, with their label and (value, label) options."""
    default = default_language(event)
    out = []
    for q in event_questions(event.id):
        if q.kind not in FILTER_KINDS:
            continue
        if q.kind is QuestionKind.YES_NO:
            options = [("yes", _("Yes")), ("no", _("No"))]
        else:
            options = [(c["key"], localized(c.get("labels"), language, default))
                       for c in q.choices or []]
        out.append((q, localized(q.labels, language, default), options))
    return out
