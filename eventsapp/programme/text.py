"""Plain-text renderings shared by the exports: session labels, people lines."""
from __future__ import annotations

from ..localefmt import format_parts
from ..models import ProgrammeSession, SessionRole


def person_line(r: SessionRole) -> str:
    p = r.person
    bits = [p.name]
    # The reader's separator ("Director، ITU" in Arabic); no isolates: calendar files.
    detail = format_parts((p.position, p.organization), isolate=False)
    if detail:
        bits.append(f"({detail})")
    return " ".join(bits)


def people_text(s: ProgrammeSession) -> str:
    """'Moderator: Jane Doe (Director, ITU)' lines, in the session's order."""
    return "\n".join(f"{r.role.label}: {person_line(r)}"
                     for r in sorted(s.roles, key=lambda r: (r.position, r.id)))


def location_text(s: ProgrammeSession, event) -> str:
    parts = [s.room.name if s.room else "", event.venue_name, event.venue_address or event.city]
    return format_parts(parts, isolate=False)


def summary(s: ProgrammeSession) -> str:
    return f"{s.label}: {s.title}" if s.title and s.title != s.label else s.label
