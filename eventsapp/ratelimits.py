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
