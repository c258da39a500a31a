"""The liveness route."""
from __future__ import annotations

from .base import PUBLIC, Rule

RULES = {
    ("health.healthz", "GET"): Rule(lambda w: "/healthz", PUBLIC),
}
