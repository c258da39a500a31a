"""Pledge use cases, one module per concern, re-exported here for the views, the API
and the tests:

- ``schemas``: every pledge input, declared once (forms, API and CSV load through it);
- ``access``: loading a pledge for a user (404 / 403) and locking it;
- ``entities``: entities reused by name, validated values written onto a pledge;
- ``writing``: submit, create, update;
- ``announce`` and ``moderation``: publishing, linking to a session, declining;
- ``progress``: progress reports and private update links (reminders: ``reporting``).
"""
from __future__ import annotations

from collections.abc import Mapping

from .access import lock_pledge, managed_pledge, visible_pledge
from .announce import announce_pledge, check_announcement, publish
from .entities import apply_input, resolve_entities
from .moderation import moderate
from .progress import (
    file_report,
    file_report_with_link,
    pledge_for_update_token,
    revoke_update_link,
    rotate_update_token,
    send_update_link,
    update_link_mail,
)
from .schemas import (
    MAX_ENTITIES,
    EntityInput,
    PledgeInput,
    ReportInput,
    load_pledge,
    load_report,
)
from .writing import create_pledge, pledge_to_raw, submit_pledge, update_pledge


def clean_pledge(raw: Mapping, *, require_smart: bool = False) -> PledgeInput:
    """``schemas.load_pledge``: a submission (``require_smart``) must be measurable and
    time-bound."""
    return load_pledge(raw, submission=require_smart)


def clean_report(raw: Mapping) -> ReportInput:
    """``schemas.load_report``."""
    return load_report(raw)


__all__ = [
    "MAX_ENTITIES", "EntityInput", "PledgeInput", "ReportInput", "announce_pledge",
    "apply_input", "check_announcement", "clean_pledge", "clean_report", "create_pledge",
    "file_report", "file_report_with_link", "load_pledge", "load_report", "lock_pledge",
    "managed_pledge", "moderate", "pledge_for_update_token", "pledge_to_raw", "publish",
    "resolve_entities", "revoke_update_link", "rotate_update_token", "send_update_link",
    "submit_pledge", "update_link_mail", "update_pledge", "visible_pledge",
]
