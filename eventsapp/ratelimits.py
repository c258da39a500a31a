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


# Why private attributes are reset here (checked against Flask-Limiter 4.1.1,
# flask_limiter/_extension.py, Limiter.init_app): init_app reads each of these settings
# from app.config only when it is still unset on the Limiter object
# (``self._key_prefix = self._key_prefix or config.get(...)``, ``if self._headers_enabled
# is None``, ``self.enabled = config.setdefault(ENABLED, self.enabled)``,
# ``self._storage_options.update(...)``), and it has no public way to re-read them. The
# Limiter is one object per process (extensions.py; the views' decorators are bound to
# it), so without this reset the first app built in a process would fix them for every
# later one: tests build an app per test, each with its own prefix and limits. In
# production a process builds one app and the reset changes nothing.
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
