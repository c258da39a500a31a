"""The questions in HTML forms: what the registration forms show of each question (in
the reader's language), the answers a form sent, and the organizer's question editor's
fields (labels, help texts and choices per offered language) in the shape the question
schemas load."""
from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from flask import Request
from werkzeug.datastructures import FileStorage

from .. import countries
from ..models import Category, Event, QuestionKind, RegistrationQuestion
from . import documents
from .questions import CHOICE_KINDS, default_language, event_questions, localized, offered_languages

PREFIX = "answers."


@dataclass
class FormQuestion:
    """One question as a registration form shows it."""

    id: int
    kind: str
    label: str
    help: str
    required: bool
    categories: list[str]          # values; empty: everyone
    category_labels: list[str]     # shown as "only for ..." when the form has several
    choices: list[tuple[str, str]] = field(default_factory=list)
    values: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @property
    def name(self) -> str:
        return f"{PREFIX}{self.id}"

    @property
    def dom_id(self) -> str:
        return f"answer-{self.id}"


def form_categories(form: Any) -> list[Category]:
    """The categories a registration form can produce: its category field's choices,
    else participants only (the public form)."""
    category = getattr(form, "category", None)
    if category is None:
        return [Category.PARTICIPANT]
    values = [v for v, _label in (category.choices or [])]
    return [c for c in Category if c.value in values] or [Category.PARTICIPANT]


def form_questions(event: Event, language: str, categories: list[Category],
                   submitted: Mapping[str, Any] | None = None,
                   errors: Mapping[str, list[str]] | None = None) -> list[FormQuestion]:
    """The questions a form shows: those any of ``categories`` sees, with what was sent
    and the errors, in ``language``."""
    default = default_language(event)
    submitted, errors = submitted or {}, errors or {}
    wanted = {c.value for c in categories}
    out = []
    for q in event_questions(event.id):
        if q.categories and not set(q.categories) & wanted:
            continue
        sent = submitted.get(str(q.id))
        values = [v for v in (sent if isinstance(sent, list) else [sent])
                  if isinstance(v, str)]
        restricted = q.categories and len(wanted) > 1
        out.append(FormQuestion(
            id=q.id, kind=q.kind.value, label=localized(q.labels, language, default),
            help=localized(q.help_texts, language, default), required=q.required,
            categories=list(q.categories or []),
            category_labels=[Category(c).label for c in q.categories] if restricted else [],
            choices=_choices(q, language, default), values=values,
            errors=[m for k, ms in errors.items() if k == f"{PREFIX}{q.id}"
                    or k.startswith(f"{PREFIX}{q.id}.") for m in ms]))
    return out


def _choices(q: RegistrationQuestion, language: str, default: str) -> list[tuple[str, str]]:
    if q.kind in CHOICE_KINDS:
        return [(c["key"], localized(c.get("labels"), language, default)) for c in q.choices or []]
    if q.kind is QuestionKind.COUNTRY:
        return countries.choices(language)
    return []


def posted_answers(req: Request) -> dict[str, Any]:
    """The answers a form sent (fields named ``answers.<id>``): a file, a list of
    values (checkboxes) or one value."""
    out: dict[str, Any] = {}
    for key in set(req.form.keys()) | set(req.files.keys()):
        if not key.startswith(PREFIX) or len(key) > 20:
            continue
        qid = key[len(PREFIX):]
        upload: FileStorage | None = req.files.get(key)
        values = req.form.getlist(key)
        if upload is not None and upload.filename:
            out[qid] = upload
        elif len(values) > 1:
            out[qid] = values
        elif values:
            out[qid] = values[0]
    return out


def has_files(questions: Iterable[FormQuestion]) -> bool:
    return any(q.kind == QuestionKind.FILE.value for q in questions)


def upload_hint() -> dict[str, int]:
    return {"num": documents.max_megabytes()}


# ------------------------------------------------------------------ the question editor


def editor_input(form: Mapping[str, Any], languages: list[str], *, with_kind: bool) -> dict[str, Any]:
    """The editor's fields as the question schemas take them: texts per language, the
    choices one per line (line n of each language is the same choice)."""
    getlist = getattr(form, "getlist", lambda k: [form[k]] if k in form else [])
    raw: dict[str, Any] = {
        "required": form.get("required") in ("y", "on", "yes", "1", "true"),
        "categories": [c for c in getlist("categories") if c],
        "labels": {lang: form.get(f"labels.{lang}", "") for lang in languages},
        "help_texts": {lang: form.get(f"help_texts.{lang}", "") for lang in languages},
        "document_kind": form.get("document_kind") or None,
    }
    if with_kind and form.get("kind"):
        raw["kind"] = form.get("kind")
    lines = {lang: [line.strip() for line in str(form.get(f"choices.{lang}", "")).splitlines()]
             for lang in languages}
    rows = max((len(v) for v in lines.values()), default=0)
    choices = []
    for i in range(rows):
        labels = {lang: lines[lang][i] for lang in languages if i < len(lines[lang]) and lines[lang][i]}
        if labels:
            choices.append({"labels": labels})
    raw["choices"] = choices
    return raw


def editor_values(q: RegistrationQuestion | None, languages: list[str]) -> dict[str, Any]:
    """A question's values in the editor's fields (empty for a new one)."""
    if q is None:
        return {"required": False, "categories": [], "document_kind": "", "kind": ""}
    out: dict[str, Any] = {"required": q.required, "categories": list(q.categories or []),
                           "document_kind": q.document_kind.value if q.document_kind else "",
                           "kind": q.kind.value}
    for lang in languages:
        out[f"labels.{lang}"] = (q.labels or {}).get(lang, "")
        out[f"help_texts.{lang}"] = (q.help_texts or {}).get(lang, "")
        out[f"choices.{lang}"] = "\n".join((c.get("labels") or {}).get(lang, "")
                                           for c in q.choices or [])
    return out


_CHOICE_ERROR = re.compile(r"^choices\.(\d+)\.labels\.([a-z]{2})$")


def editor_errors(fields: Mapping[str, Any], default: str) -> dict[str, list[str]]:
    """A ValidationFailed's field messages under the editor's field names."""
    from flask_babel import gettext as _

    out: dict[str, list[str]] = {}
    for key, messages in fields.items():
        msgs = [str(m) for m in (messages if isinstance(messages, list) else [messages])]
        match = _CHOICE_ERROR.match(key)
        if match:
            line = int(match.group(1)) + 1
            out.setdefault(f"choices.{match.group(2)}", []).extend(
                _("Line %(num)d: %(message)s", num=line, message=m) for m in msgs)
        elif key.startswith("choices."):
            out.setdefault(f"choices.{default}", []).extend(msgs)
        elif key == "choices":
            out.setdefault(f"choices.{default}", []).extend(msgs)
        elif key.startswith("categories"):
            out.setdefault("categories", []).extend(msgs)
        elif key.count(".") == 2:  # labels.xx.key / value (a language the schema refused)
            out.setdefault(key.rsplit(".", 1)[0], []).extend(msgs)
        else:
            out.setdefault(key, []).extend(msgs)
    return out


def question_error_items(questions: Iterable[FormQuestion]) -> list[tuple[str, str]]:
    """The questions' errors for the page's error summary: (field id, "Question: message"),
    a choice question's pointing at its first option."""
    from flask_babel import gettext as _

    items: list[tuple[str, str]] = []
    for q in questions:
        anchor = q.dom_id
        if q.kind == QuestionKind.YES_NO.value:
            anchor = f"{q.dom_id}-yes"
        elif q.kind in (QuestionKind.SINGLE_CHOICE.value, QuestionKind.MULTIPLE_CHOICE.value) \
                and q.choices:
            anchor = f"{q.dom_id}-{q.choices[0][0]}"
        items.extend((anchor, _("%(field)s: %(message)s", field=q.label, message=e))
                     for e in q.errors)
    return items


def editor_error_items(errors: Mapping[str, list[str]], languages: Iterable[tuple[str, str]],
                       first_category: str) -> list[tuple[str | None, str]]:
    """The question editor's errors for the page's error summary: (field id or None,
    "Field: message"), in the order of the form's fields (question_form.html's ids)."""
    from flask_babel import gettext as _

    languages = list(languages)
    fields: list[tuple[str, str, str]] = [("kind", "q-kind", _("Kind of question"))]
    fields += [(f"labels.{code}", f"q-label-{code}", _("Question in %(language)s", language=name))
               for code, name in languages]
    fields += [(f"help_texts.{code}", f"q-help-{code}",
                _("Help text in %(language)s", language=name)) for code, name in languages]
    fields += [(f"choices.{code}", f"q-choices-{code}",
                _("Choices in %(language)s", language=name)) for code, name in languages]
    fields += [("document_kind", "q-document-kind", _("Document asked for")),
               ("categories", f"q-cat-{first_category}", _("Asked of"))]
    items: list[tuple[str | None, str]] = []
    known = set()
    for name, anchor, label in fields:
        known.add(name)
        items.extend((anchor, _("%(field)s: %(message)s", field=label, message=m))
                     for m in errors.get(name, ()))
    items.extend((None, m) for name, msgs in errors.items() if name not in known for m in msgs)
    return items


__all__ = ["FormQuestion", "default_language", "editor_error_items", "editor_errors",
           "editor_input", "editor_values", "question_error_items",
           "form_categories", "form_questions", "has_files", "offered_languages", "posted_answers"]
