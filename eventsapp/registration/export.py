"""CSV export of registrants, through the one CSV writer (eventsapp.csvout): BOM, CRLF,
every cell guarded against spreadsheet formula injection."""
from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from ..csvout import csv_text
from ..models import Event, Registration, RegistrationAnswer, RegistrationQuestion

HEADER = ["id", "name", "email", "organization", "position", "country", "stakeholder_type",
          "modality", "category", "status", "checked_in", "needs", "listed", "source",
          "over_capacity", "registered_at", "erased", "invitation"]


def registrants_csv(event: Event, rows: Iterable[tuple[Registration, bool]],
                    questions: Sequence[RegistrationQuestion] = (),
                    answers: Mapping[int, Mapping[int, RegistrationAnswer]] | None = None,
                    invitations: Mapping[int, str] | None = None) -> str:
    """CSV text (with its BOM and a header) of (registration, checked_in) rows, then one
    column per question (``answers``: {registration id: {question id: answer}}),
    headed "q<id> <label in the event's default language>". ``invitations``:
    {registration id: the label of the invitation it was made with}."""
    from .answers import display
    from .questions import default_language, localized

    default = default_language(event)
    header = HEADER + [f"q{q.id} {localized(q.labels, default, default)}" for q in questions]
    answers = answers or {}
    invitations = invitations or {}

    def answer_cells(reg: Registration) -> list[object]:
        mine = answers.get(reg.id, {})
        return [display(q, mine.get(q.id), default, default) for q in questions]

    return csv_text(header, ((
        reg.id, reg.name, reg.email, reg.organization, reg.position, reg.country,
        reg.stakeholder_type.value if reg.stakeholder_type else "",
        reg.modality.value, reg.category.value, reg.status.value, bool(checked_in),
        reg.needs, bool(reg.consent_listed), reg.source, bool(reg.over_capacity),
        reg.created_at.astimezone(event.tz).isoformat(timespec="minutes") if reg.created_at else "",
        bool(reg.erased_at), invitations.get(reg.id, ""), *answer_cells(reg)) for reg, checked_in in rows))
