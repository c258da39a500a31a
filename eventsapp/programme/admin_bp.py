"""The organizers' blueprint of the programme and what its views share. The views are
in ``routes_admin`` (events, rooms, import, publishing) and ``routes_sessions``
(sessions, their people, speaker profiles)."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from ..errors import DomainError, NotFound
from ..models import Event, ProgrammeSession
from . import conflicts, queries

bp = Blueprint("programme_admin", __name__)


def remap(exc: DomainError, mapping: dict[str, str]) -> DomainError:
    """The error with the schema's field names as the form's (``starts_at`` -> ``start``)."""
    exc.fields = {mapping.get(k, k): v for k, v in (exc.fields or {}).items()}
    return exc


def file_bytes(storage: Any) -> bytes | None:
    if storage is None or not getattr(storage, "filename", ""):
        return None
    return storage.read()


def status_of(method: str) -> int:
    """A POST that re-renders its form did not succeed: 422."""
    return 422 if method == "POST" else 200


def room_choices(event: Event) -> list[tuple[str, str]]:
    return [("0", _("No room"))] + [
        (str(r.id), r.name + (f" ({r.capacity})" if r.capacity else ""))
        for r in queries.event_rooms(event)]


def flash_warnings(event: Event, session_id: int) -> None:
    sessions = queries.programme_sessions(event, include_drafts=True)
    for w in conflicts.warnings_by_session(conflicts.find_conflicts(event, sessions)).get(
            session_id, []):
        flash(_("Warning: %(message)s", message=w.message), "warning")


def load_session(event: Event, session_id: int) -> ProgrammeSession:
    s = queries.session_in_event(event, session_id, include_drafts=True)
    if s is None:
        raise NotFound(_("No such session."))
    return s


def to_edit(event: Event, session_id: int, anchor: str = "people") -> Response:
    return redirect(url_for("programme_admin.edit_session", slug=event.slug,
                            session_id=session_id) + f"#{anchor}")
