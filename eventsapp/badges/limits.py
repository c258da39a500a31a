"""Failed scans are rate limited per user (per IP address when there is no user).

Only failures count: a busy desk admitting people never hits the limit, while guessing
codes (already hopeless against 192-bit codes) is cut off after a few tries. The limit
is read from CHECKIN_FAIL_RATE_LIMIT (scaled by RATELIMIT_MULTIPLIER) and kept in the
rate-limit storage (Redis in production), so it holds across workers and hosts.
"""
from __future__ import annotations

from functools import lru_cache

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


@lru_cache(maxsize=16)
def _parsed(spec: str) -> tuple:
    return tuple(parse_many(spec))


def _items() -> tuple:
    return _parsed(_limit())


def _enabled() -> bool:
    return bool(current_app.config.get("RATELIMIT_ENABLED", True)) and limiter.enabled


def _blocked(key: str) -> bool:
    return any(not limiter.limiter.test(item, key) for item in _items())


def _note_failure(key: str) -> None:
    for item in _items():
        limiter.limiter.hit(item, key)


def blocked(user) -> bool:
    """Whether this user (or address) has used up its failed scans for now."""
    return _enabled() and _blocked(_key(user))


def note_failure(user) -> None:
    if _enabled():
        _note_failure(_key(user))


def limited_check_in(event, code, user) -> ScanResult:
    """check_in() behind the failed-scan limit: once blocked, every scan is refused."""
    # The key is taken before the scan: its transaction ends by expiring ``user``, and
    # reading user.id afterwards would load the row again.
    key = _key(user) if _enabled() else None
    if key is not None and _blocked(key):
        return ScanResult(INVALID, reason="rate_limited")
    result = check_in(event, code, user)
    # An empty Enter is not a guess; anything else that fails counts.
    if key is not None and result.result == INVALID and (code or "").strip():
        _note_failure(key)
    return result
