"""Registration questions an event's organizers add to its form, and the answers."""
from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import Base
from .types import N_, LabelledEnum, UTCDateTime, str_enum, utcnow

if TYPE_CHECKING:
    from .registration import Registration


class QuestionKind(LabelledEnum):
    SHORT_TEXT = ("short_text", N_("Short text"))
    LONG_TEXT = ("long_text", N_("Long text"))
    SINGLE_CHOICE = ("single_choice", N_("Single choice"))
    MULTIPLE_CHOICE = ("multiple_choice", N_("Multiple choice"))
    YES_NO = ("yes_no", N_("Yes or no"))
    COUNTRY = ("country", N_("Country"))
    DATE = ("date", N_("Date"))
    FILE = ("file", N_("Document (file upload)"))


class DocumentKind(LabelledEnum):
    """What a file question asks for (a preset of its label; shown to organizers)."""

    NOTE_VERBALE = ("note_verbale", N_("Note verbale"))
    NOMINATION_LETTER = ("nomination_letter", N_("Nomination letter"))
    OTHER = ("other", N_("Other document"))


class RegistrationQuestion(Base):
    """One question of an event's registration form.

    ``labels``, ``help_texts``: {language code: text}; the event's default language is
    required for the label, the others fall back to it. ``choices`` (choice kinds):
    [{"key": "c1a2", "labels": {language: text}}], the key being what answers store.
    ``categories``: the registration categories that see the question (values); empty
    means every category.
    """

    __tablename__ = "registration_questions"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("events.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    kind: Mapped[QuestionKind] = mapped_column(str_enum(QuestionKind))
    required: Mapped[bool] = mapped_column(default=False)
    categories: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    labels: Mapped[dict[str, str]] = mapped_column(sa.JSON, default=dict)
    help_texts: Mapped[dict[str, str]] = mapped_column(sa.JSON, default=dict)
    choices: Mapped[list[dict[str, Any]]] = mapped_column(sa.JSON, default=list)
    document_kind: Mapped[DocumentKind | None] = mapped_column(str_enum(DocumentKind))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class RegistrationAnswer(Base):
    """A registrant's answer to one question, stored by type: text, single choice
    (its key), country (alpha-2) in ``value_text``; multiple choice as its keys
    separated by spaces (so a filter is one LIKE); yes/no in ``value_bool``; a date
    in ``value_date``; a document as a file under a random name (``file_key``) in the
    documents folder, never its sender's file name."""

    __tablename__ = "registration_answers"
    __table_args__ = (sa.UniqueConstraint("registration_id", "question_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[int] = mapped_column(
        sa.ForeignKey("registrations.id", ondelete="CASCADE"))
    question_id: Mapped[int] = mapped_column(
        sa.ForeignKey("registration_questions.id", ondelete="CASCADE"), index=True)
    value_text: Mapped[str] = mapped_column(sa.Text, default="")
    value_bool: Mapped[bool | None] = mapped_column()
    value_date: Mapped[date | None] = mapped_column(sa.Date)
    file_key: Mapped[str | None] = mapped_column(sa.String(64), unique=True)
    file_name: Mapped[str] = mapped_column(sa.String(255), default="")
    file_type: Mapped[str] = mapped_column(sa.String(64), default="")
    file_size: Mapped[int | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    question: Mapped[RegistrationQuestion] = relationship()
    registration: Mapped[Registration] = relationship()
