"""Registration use cases, one module each (this module re-exports them, so views and
tests import one place):

- ``schemas``: every registration input, declared once;
- ``window``: when an event takes registrations;
- ``capacity`` and ``placing``: the capacity rule and the status of a registration;
- ``register`` (and ``rush_pg``, its PostgreSQL rush path): the public form and the API;
- ``manage``: switch modality, cancel, register again (the private manage page);
- ``offers``: places offered from the waiting list: accept, decline, expire;
- ``settings``: the event's registration settings (page and API);
- ``organize``: approve, decline, category, add by hand, erase;
- ``speakers``: the programme's speakers in one step;
- ``queries``: lists, filters, counts, the outbox; ``messaging``: write to a group.

Every decision about places is made under ``lock_event`` (one writer per event at a
time), counting rows; each use case is one transaction that also holds its mails.
"""
from __future__ import annotations

from .capacity import has_room, offered, places, promote_waitlisted
from .manage import cancel, change_language, mail_languages, register_again, switch_modality
from .messaging import write_to_group
from .offers import OfferExpired, accept_offer, decline_offer, expire_offers
from .organize import add_by_hand, approve, change_category, decline, erase
from .placing import Full
from .queries import (
    ACTIVE,
    Filters,
    Page,
    outbox_counts,
    outbox_for,
    participants,
    registrant_page,
    registrant_query,
    status_counts,
)
from .register import (
    NEUTRAL_MESSAGE,
    Outcome,
    RegisterResult,
    register,
    registration_by_email,
    registration_for_manage_token,
    report_leak,
    send_manage_link,
)
from .schemas import IF_FULL_ERROR, IfFull, RegistrationData, clean, parse_if_full
from .settings import update_settings
from .speakers import SpeakerReport, SpeakerRow, programme_speakers, register_speakers
from .window import Window, window

__all__ = [
    "ACTIVE", "IF_FULL_ERROR", "NEUTRAL_MESSAGE", "Filters", "Full", "IfFull", "OfferExpired",
    "Outcome", "Page", "RegisterResult", "RegistrationData", "SpeakerReport", "SpeakerRow", "Window",
    "accept_offer", "add_by_hand", "approve", "cancel", "change_category", "change_language",
    "clean", "decline", "decline_offer", "erase", "expire_offers", "has_room", "mail_languages",
    "offered", "outbox_counts", "outbox_for", "parse_if_full", "participants",
    "places", "programme_speakers", "promote_waitlisted", "register", "register_again",
    "register_speakers", "registrant_page", "registrant_query", "registration_by_email",
    "registration_for_manage_token", "report_leak", "send_manage_link", "status_counts",
    "switch_modality", "update_settings", "window", "write_to_group",
]
