"""Failed scans are rate limited per user (per IP address when there is no user).

Only failures count: a busy desk admitting people never hits the limit, while guessing
codes (already hopeless against 192-bit codes) is cut off after a few tries. This is one
Flask-Limiter shared limit (scope ``checkin-fail``) on the three scan endpoints (the
desk's form, the desk's script, the API): every scan is tested against it before it runs,
and only a failed one is deducted (``deduct_when``). The limit is read from
CHECKIN_FAIL_RATE_LIMIT (scaled by RATELIMIT_MULTIPLIER) and kept in the rate-limit
storage (Redis in production), so it holds across workers and hosts.
"""
from __future__ import annotations

import math
import time
from collections.abc import Callable

from flask import Response, g
from flask_limiter import RequestLimit
from flask_limiter.util import get_remote_address

from ..extensions import limiter
from ..models import Event, User
from ..permissions import acting_user
from ..ratelimits import configured
from .services import INVALID, ScanResult, check_in

DEFAULT = "20 per minute; 200 per hour"
SCOPE = "checkin-fail"
_FAILED = "eventsapp_checkin_failed"


def _key() -> str:
    """The acting user (the desk's session or the API token's), else the address: the
    same user is one counter at the desk and through the API."""
    user = acting_user()
    if user is not None:
        return f"user:{user.id}"
    return f"ip:{get_remote_address()}"


def _failed(_response: Response) -> bool:
    return bool(g.pop(_FAILED, False))


def retry_after(limit: RequestLimit) -> str:
    """Whole seconds until the breached window resets (at least 1)."""
    return str(max(1, math.ceil(limit.window.reset_time - time.time())))


def failed_scan_limit(on_breach: Callable[[RequestLimit], Response]):
    """The decorator of a scan endpoint (innermost, so permissions are checked first);
    ``on_breach`` makes the endpoint's own 429 answer."""
    return limiter.shared_limit(configured("CHECKIN_FAIL_RATE_LIMIT", DEFAULT), scope=SCOPE,
                                key_func=_key, deduct_when=_failed, on_breach=on_breach,
                                methods=["POST"])


def limited_check_in(event: Event, code: str | None, user: User | None) -> ScanResult:
    """check_in(), noting a failure for the limit (an empty Enter is not a guess)."""
    result = check_in(event, code, user)
    if result.result == INVALID and (code or "").strip():
        g.setdefault(_FAILED, True)
    return result


def rate_limited() -> ScanResult:
    """The answer to a scan refused by the limit."""
    return ScanResult(INVALID, reason="rate_limited")
