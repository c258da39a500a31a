"""Failed scans are rate limited per user (per IP address when there is no user).

Only failures count: a busy desk admitting people never hits the limit, while guessing
codes (already hopeless against 192-bit codes) is cut off after a few tries. The limit
is read from CHECKIN_FAIL_RATE_LIMIT (scaled by RATELIMIT_MULTIPLIER) and kept in the
rate-limit storage (Redis in production), so it holds across workers and hosts.
"""
from __future__ import annotations

from flask import current_app
from flask_limiter.util import get_remote_address
from limits import parse_many

from ..extensions import limiter
from ..ratelimits import configured
from .services import INVALID, ScanResult, check_in

DEFAULT = "20 per minute; 200 per hour"
_limit = configured("CHECKIN_FAIL_RATE_LIMIT", DEFAULT)


def _key(user) -> str:
    prefix = current_app.config.get("RATELIMIT_KEY_PREFIX", "") or ""
    if user is not None and getattr(user, "is_authenticated", False):
        return f"{prefix}checkin-fail:user:{user.id}"
    return f"{prefix}checkin-fail:ip:{get_remote_address()}"


def _enabled() -> bool:
    return bool(current_app.config.get("RATELIMIT_ENABLED", True)) and limiter.enabled


def blocked(user) -> bool:
    """Whether this user (or address) has used up its failed scans for now."""
    if not _enabled():
        return False
    key = _key(user)
    return any(not limiter.limiter.test(item, key) for item in parse_many(_limit()))


def note_failure(user) -> None:
    if not _enabled():
        return
    key = _key(user)
    for item in parse_many(_limit()):
        limiter.limiter.hit(item, key)


def limited_check_in(event, code, user) -> ScanResult:
    """check_in() behind the failed-scan limit: once blocked, every scan is refused."""
    if blocked(user):
        return ScanResult(INVALID, reason="rate_limited")
    result = check_in(event, code, user)
    # An empty Enter is not a guess; anything else that fails counts.
    if result.result == INVALID and (code or "").strip():
        note_failure(user)
    return result

