"""Plain-text renderings shared by the exports: session labels, people lines."""
from __future__ import annotations

from ..models import ProgrammeSession, SessionRole


def person_line(r: SessionRole) -> str:
    p = r.person
    bits = [p.name]
    detail = ", ".join(x for x in (p.position, p.organization) if x)
    if detail:
        bits.append(f"({detail})")
    return " ".join(bits)


def people_text(s: ProgrammeSession) -> str:
    """'Moderator: Jane Doe (Director, ITU)' lines, in the session's order."""
    return "\n".join(f"{r.role.label}: {person_line(r)}"
                     for r in sorted(s.roles, key=lambda r: (r.position, r.id)))


def location_text(s: ProgrammeSession, event) -> str:
    parts = [s.room.name if s.room else "", event.venue_name, event.venue_address or event.city]
    return ", ".join(p for p in parts if p)


def summary(s: ProgrammeSession) -> str:
    return f"{s.label}: {s.title}" if s.title and s.title != s.label else s.label
