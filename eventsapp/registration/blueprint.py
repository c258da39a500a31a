"""The registration blueprint, its rate limit and what every registration page shares."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, g, request
from werkzeug.wrappers import Response

from ..extensions import limiter
from ..mail import delivery
from ..models import Event, Modality
from ..ratelimits import configured
from ..registration_counts import capacity_report
from . import documents, services
from .schemas import RegistrationSchema

bp = Blueprint("registration", __name__)

PAGE_SIZE = 100
REGISTRATION_SCHEMA = RegistrationSchema()

# One budget per address for everything that creates a registration or sends a link
# (the form, the "lost link" form and the API share it).
registration_limit = limiter.shared_limit(
    configured("REGISTRATION_RATE_LIMIT", "10 per minute"), scope="registration",
    methods=["POST"])


# Wrong invitation codes per address (``invitations``): only a refused code counts, and
# a request without a code is never held back by it.
INVITATION_FAILED = "eventsapp_invitation_failed"


def _invitation_failed(_response: Response) -> bool:
    return bool(g.pop(INVITATION_FAILED, False))


def _without_code() -> bool:
    if request.method != "POST":
        return True
    body = request.get_json(silent=True) if request.is_json else None
    code = body.get("invitation") if isinstance(body, dict) else request.form.get("invitation")
    return not (isinstance(code, str) and code.strip())


invitation_limit = limiter.shared_limit(
    configured("INVITATION_CODE_RATE_LIMIT", "10 per hour"), scope="invitation-code",
    methods=["POST"], deduct_when=_invitation_failed, exempt_when=_without_code)


def note_refused_invitation(exc: Exception) -> None:
    """Count a refused invitation code against INVITATION_CODE_RATE_LIMIT."""
    from .invitations import InvitationRefused

    if isinstance(exc, InvitationRefused):
        g.setdefault(INVITATION_FAILED, True)


@bp.record_once
def _setup(state: Any) -> None:
    delivery.init_app(state.app)
    documents.init_app(state.app)


# ------------------------------------------------------------------ template globals


@bp.app_template_global()
def registration_state(event: Event) -> dict[str, Any]:
    """What the event page's Register button needs: window and places (one query)."""
    w = services.window(event)
    report = capacity_report(event) if w.open else {}
    in_person = report.get("in_person") or {}
    online = report.get("online") or {}
    return {
        "window": w,
        "report": report,
        "in_person_full": in_person.get("available") == 0,
        "online_full": online.get("available") == 0,
    }


def no_store(resp: Response) -> Response:
    """Pages behind a private link: never cached, never indexed."""
    resp.headers["Cache-Control"] = "no-store"
    resp.headers["X-Robots-Tag"] = "noindex, nofollow"
    return resp




def modality_choices(event: Event) -> list[tuple[str, str]]:
    """The modalities the event offers, for a form's choices."""
    return [(m.value, m.label) for m in Modality
            if (m is Modality.IN_PERSON and event.offers_in_person)
            or (m is Modality.ONLINE and event.offers_online)]
