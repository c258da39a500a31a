"""An event's own registration questions: their definitions (declared once, for the
organizer's form and the API), in the languages the event offers, and the use cases
that add, change, order and delete them."""
from __future__ import annotations

import secrets
from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from marshmallow import EXCLUDE, Schema, fields, validate

from .. import inputs
from ..db_tx import lock_event, use_case
from ..errors import NotFound, ValidationFailed
from ..extensions import db
from ..i18n import DEFAULT_LANGUAGE, LANGUAGES, N_
from ..models import Category, DocumentKind, Event, QuestionKind, RegistrationQuestion
from .schemas import load

LABEL_MAX = 300
HELP_MAX = 1000
CHOICE_LABEL_MAX = 200
CHOICES_MAX = 50
QUESTIONS_MAX = 100
CHOICE_KINDS = (QuestionKind.SINGLE_CHOICE, QuestionKind.MULTIPLE_CHOICE)
KEY_PATTERN = r"^[a-z0-9]{1,16}$"


# ------------------------------------------------------------------ languages


def default_language(event: Event) -> str:
    """The event's default language: every question's label must be given in it; other
    languages fall back to it."""
    return event.default_language or DEFAULT_LANGUAGE


def offered_languages(event: Event) -> list[str]:
    """The languages the event offers (``Event.offered_languages``), its default first."""
    first = default_language(event)
    return [first, *(c for c in event.offered_languages if c != first)]


def localized(texts: Mapping[str, str] | None, language: str, fallback: str) -> str:
    """``texts`` in ``language``, else in ``fallback`` (the event's default), else any."""
    texts = texts or {}
    return texts.get(language) or texts.get(fallback) or next(
        (t for t in texts.values() if t), "")


# ------------------------------------------------------------------ definitions, declared once


def _texts(max_length: int, *, multi_line: bool = False, **kwargs: Any) -> fields.Dict:
    value: fields.Field = (inputs.Text(max_length=max_length) if multi_line
                           else inputs.Line(max_length=max_length))
    return fields.Dict(keys=fields.String(validate=validate.OneOf(
        list(LANGUAGES), error=_l("Not one of the languages: %(codes)s.",
                                  codes=", ".join(LANGUAGES)))),
        values=value, **kwargs)


class ChoiceSchema(Schema):
    """One choice of a choice question: its labels per language, and the key answers
    store (kept from the choice it replaces; made for a new one)."""

    key = fields.String(load_default=None, allow_none=True,
                        validate=validate.Regexp(KEY_PATTERN, error=_l(
                            "A key is 1 to 16 lower-case letters or digits.")),
                        metadata={"description": "Leave out for a new choice."})
    labels = _texts(CHOICE_LABEL_MAX, required=True,
                    metadata={"description": "Label per language code (en, fr, ...)."})


UNKNOWN_KIND = N_("Unknown kind of question. Use one of: %(allowed)s.")
UNKNOWN_CATEGORY = N_("Unknown category. Use one of: %(allowed)s.")
UNKNOWN_DOCUMENT = N_("Unknown kind of document. Use one of: %(allowed)s.")


class QuestionSchema(Schema):
    """A new question."""

    kind = inputs.Choice(QuestionKind, unknown=UNKNOWN_KIND, required=True,
                         error_messages={"required": _l("Choose the kind of question.")})
    required = fields.Boolean(load_default=False)
    categories = fields.List(inputs.Choice(Category, unknown=UNKNOWN_CATEGORY), load_default=list,
                             metadata={"description": "Categories that see the question; "
                                                      "empty: every category."})
    labels = _texts(LABEL_MAX, load_default=dict,
                    metadata={"description": "The question per language code; the event's "
                                             "default language is required."})
    help_texts = _texts(HELP_MAX, multi_line=True, load_default=dict)
    choices = fields.List(fields.Nested(ChoiceSchema), load_default=list,
                          validate=validate.Length(max=CHOICES_MAX, error=_l(
                              "At most %(num)d choices.", num=CHOICES_MAX)))
    document_kind = inputs.Choice(DocumentKind, unknown=UNKNOWN_DOCUMENT, load_default=None,
                                  allow_none=True,
                                  metadata={"description": "File questions: what is asked "
                                                           "for (its label when none is given)."})


class QuestionPatch(inputs.PatchSchema):
    """Any subset of a question's fields (not its kind), and its position (1 = first)."""

    required = fields.Boolean()
    categories = fields.List(inputs.Choice(Category, unknown=UNKNOWN_CATEGORY))
    labels = _texts(LABEL_MAX)
    help_texts = _texts(HELP_MAX, multi_line=True)
    choices = fields.List(fields.Nested(ChoiceSchema), validate=validate.Length(
        max=CHOICES_MAX, error=_l("At most %(num)d choices.", num=CHOICES_MAX)))
    document_kind = inputs.Choice(DocumentKind, unknown=UNKNOWN_DOCUMENT, allow_none=True)
    position = inputs.Count(min=1, max=QUESTIONS_MAX)


_CREATE = QuestionSchema(unknown=EXCLUDE)
_PATCH = QuestionPatch(unknown=EXCLUDE)


# ------------------------------------------------------------------ reading


def event_questions(event_id: int) -> list[RegistrationQuestion]:
    """The event's questions in their order."""
    return list(db.session.scalars(sa.select(RegistrationQuestion).where(
        RegistrationQuestion.event_id == event_id)
        .order_by(RegistrationQuestion.position, RegistrationQuestion.id)))


def applies(question: RegistrationQuestion, category: Category | str) -> bool:
    """Whether registrants of ``category`` see the question (no categories: all)."""
    value = getattr(category, "value", category)
    return not question.categories or value in question.categories


def question_of(event: Event, question_id: int) -> RegistrationQuestion:
    """The event's question ``question_id``; another event's is NotFound."""
    q = db.session.scalar(sa.select(RegistrationQuestion).where(
        RegistrationQuestion.id == question_id, RegistrationQuestion.event_id == event.id))
    if q is None:
        raise NotFound(_("No such question."))
    return q


# ------------------------------------------------------------------ writing


def _clean_texts(texts: Mapping[str, str] | None, languages: list[str]) -> dict[str, str]:
    """Texts in the offered languages only, blanks left out."""
    return {lang: texts[lang] for lang in languages if texts and (texts.get(lang) or "").strip()}


def _preset_labels(kind: DocumentKind, languages: list[str]) -> dict[str, str]:
    """A document kind's name in each offered language (the label of a file question
    left without one)."""
    out = {}
    for lang in languages:
        with force_locale(lang):
            out[lang] = _(kind.label_msgid)
    return out


def _new_key(taken: set[str]) -> str:
    while True:
        key = secrets.token_hex(3)
        if key not in taken:
            taken.add(key)
            return key


def _merge_choices(old: list[dict[str, Any]], new: list[dict[str, Any]], languages: list[str],
                   default: str) -> tuple[list[dict[str, Any]], dict[str, list[str]]]:
    """The new choices with their keys: a key sent is kept when it is one of the old
    ones; otherwise a choice keeps the key of the old one with the same label (default
    language), else of the old one in its place when that one is gone (a renamed
    choice), else gets a new key. Returns (choices, field problems)."""
    problems: dict[str, list[str]] = {}
    old_keys: list[str] = [str(c.get("key")) for c in old]
    by_label = {(c.get("labels") or {}).get(default, "").casefold(): c.get("key") for c in old}
    new_labels = [(c.get("labels") or {}).get(default, "").casefold() for c in new]
    taken: set[str] = set()
    out: list[dict[str, Any]] = []
    seen: set[str] = set()
    for i, choice in enumerate(new):
        labels = _clean_texts(choice.get("labels"), languages)
        label = labels.get(default, "")
        if not label:
            problems.setdefault(f"choices.{i}.labels.{default}", []).append(
                _("Give this choice in %(language)s.", language=LANGUAGES[default]))
        elif label.casefold() in seen:
            problems.setdefault(f"choices.{i}.labels.{default}", []).append(
                _("Two choices have the same label."))
        seen.add(label.casefold())
        key = choice.get("key")
        if key not in old_keys or key in taken:
            key = by_label.get(label.casefold())
        if (key is None or key in taken) and i < len(old) \
                and (old[i].get("labels") or {}).get(default, "").casefold() not in new_labels:
            key = old_keys[i]
        if key is None or key in taken:
            key = _new_key(taken | set(old_keys))
        taken.add(key)
        out.append({"key": key, "labels": labels})
    return out, problems


def _apply(q: RegistrationQuestion, data: Mapping[str, Any], event: Event) -> None:
    """Set the loaded ``data`` on ``q`` and check the whole question; ValidationFailed
    with every problem."""
    languages = offered_languages(event)
    if "required" in data:
        q.required = bool(data["required"])
    if "categories" in data:
        q.categories = sorted({c.value for c in data["categories"]},
                              key=[c.value for c in Category].index)
    if "document_kind" in data:
        q.document_kind = data["document_kind"] if q.kind is QuestionKind.FILE else None
    problems = {**_apply_texts(q, data, languages), **_apply_choices(q, data, languages)}
    if problems:
        messages = [m for ms in problems.values() for m in ms]
        raise ValidationFailed(messages[0] if len(messages) == 1
                               else _("Please correct the highlighted fields."), fields=problems)


def _apply_texts(q: RegistrationQuestion, data: Mapping[str, Any],
                 languages: list[str]) -> dict[str, list[str]]:
    default = languages[0]
    if "labels" in data:
        q.labels = _clean_texts(data["labels"], languages)
    if "help_texts" in data:
        q.help_texts = _clean_texts(data["help_texts"], languages)
    if (q.labels or {}).get(default):
        return {}
    if q.kind is QuestionKind.FILE and q.document_kind not in (None, DocumentKind.OTHER):
        q.labels = {**_preset_labels(q.document_kind, languages), **(q.labels or {})}
        return {}
    return {f"labels.{default}": [_("Write the question in %(language)s (the event's "
                                    "default language).", language=LANGUAGES[default])]}


def _apply_choices(q: RegistrationQuestion, data: Mapping[str, Any],
                   languages: list[str]) -> dict[str, list[str]]:
    if q.kind not in CHOICE_KINDS:
        q.choices = []
        return {}
    problems: dict[str, list[str]] = {}
    if "choices" in data:
        q.choices, problems = _merge_choices(list(q.choices or []), list(data["choices"]),
                                             languages, languages[0])
    if not q.choices:
        problems["choices"] = [_("Give at least one choice.")]
    return problems


@use_case
def create_question(event: Event, raw: Mapping[str, Any]) -> RegistrationQuestion:
    """Add a question at the end of the event's form."""
    data = load(_CREATE, raw)
    event = lock_event(event.id)
    count, last = db.session.execute(sa.select(
        sa.func.count(RegistrationQuestion.id), sa.func.max(RegistrationQuestion.position))
        .where(RegistrationQuestion.event_id == event.id)).one()
    if count >= QUESTIONS_MAX:
        raise ValidationFailed(_("An event has at most %(num)d questions.", num=QUESTIONS_MAX))
    q = RegistrationQuestion(event_id=event.id, kind=data["kind"], position=(last or 0) + 1,
                             required=False, categories=[], labels={}, help_texts={},
                             choices=[])
    _apply(q, data, event)
    db.session.add(q)
    db.session.flush()
    return q


@use_case
def update_question(event: Event, question_id: int, raw: Mapping[str, Any]) -> RegistrationQuestion:
    """Change a question (its kind stays); ``position`` moves it."""
    event = lock_event(event.id)
    q = question_of(event, question_id)
    data = load(_PATCH, raw)
    _apply(q, data, event)
    if "position" in data:
        _move_to(event, q, data["position"])
    return q


def _move_to(event: Event, q: RegistrationQuestion, position: int) -> None:
    ordered = [x for x in event_questions(event.id) if x.id != q.id]
    ordered.insert(max(0, min(position - 1, len(ordered))), q)
    for i, x in enumerate(ordered, start=1):
        x.position = i


@use_case
def move_question(event: Event, question_id: int, direction: str) -> RegistrationQuestion:
    """Move a question one place up or down."""
    if direction not in ("up", "down"):
        raise ValidationFailed(_("Move up or down."), fields={"direction": [_("Move up or down.")]})
    event = lock_event(event.id)
    q = question_of(event, question_id)
    ordered = event_questions(event.id)
    i = next(n for n, x in enumerate(ordered) if x.id == q.id)
    _move_to(event, q, i + (0 if direction == "up" else 2))
    return q


@use_case
def delete_question(event: Event, question_id: int) -> None:
    """Delete a question with its answers; their documents leave the disk once this is
    committed. Under the event lock: a registration being saved sees it or not."""
    event = lock_event(event.id)
    db.session.delete(question_of(event, question_id))
    db.session.flush()
    for i, q in enumerate(event_questions(event.id), start=1):
        q.position = i


def answer_count(question_id: int) -> int:
    from ..models import RegistrationAnswer

    return db.session.scalar(sa.select(sa.func.count(RegistrationAnswer.id)).where(
        RegistrationAnswer.question_id == question_id)) or 0
