"""Rate limits named in configuration, scaled by RATELIMIT_MULTIPLIER.

The benchmark raises the multiplier; no code path switches limits off.
"""
from __future__ import annotations

import re

from flask import current_app

_SPEC = re.compile(r"^\s*(\d+)\s*(/|per)\s*(.+)$")


def scale(spec: str, multiplier: int) -> str:
    """'10 per minute' with multiplier 100 -> '1000 per minute' (each ';' part)."""
    parts = []
    for part in spec.split(";"):
        m = _SPEC.match(part)
        if not m:
            parts.append(part.strip())
            continue
        parts.append(f"{int(m.group(1)) * multiplier} {m.group(2)} {m.group(3).strip()}")
    return "; ".join(parts)


def configured(key: str, default: str):
    """A callable for Flask-Limiter that reads the limit from config when a request comes."""

    def _limit() -> str:
        cfg = current_app.config
        return scale(cfg.get(key, default), int(cfg.get("RATELIMIT_MULTIPLIER", 1)))

    return _limit


# Settings Flask-Limiter reads from app.config only when they are still unset on the
# (process-wide) Limiter object: without a reset, the first app built in a process would
# fix them for every later one (tests build an app per test, each with its own prefix).
_PER_APP_ATTRS = {
    "enabled": True,
    "_key_prefix": "",
    "_headers_enabled": None,
    "_swallow_errors": None,
    "_fail_on_first_breach": None,
    "_retry_after": None,
    "_strategy": None,
    "_storage_dead": False,
}


def init_limiter(app) -> None:
    """Bind the shared limiter to ``app``, reading every setting from this app's config."""
    from .extensions import limiter

    for attr, default in _PER_APP_ATTRS.items():
        if hasattr(limiter, attr):
            setattr(limiter, attr, default)
    if hasattr(limiter, "_storage_options"):
        limiter._storage_options = {}
    limiter.init_app(app)
