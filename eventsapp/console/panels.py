"""The organizer's console is built from panels that each feature registers.

A panel is a template (rendered on its own with ``event`` and the keys of the dict its
context function returns, the dict itself also as ``ctx``) plus an order. Features call
``register_panel`` when their blueprint module
is imported, so no feature edits another's template.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ..models import Event


@dataclass(frozen=True)
class Panel:
    key: str
    title: str
    template: str
    order: int
    context: Callable[[Event], dict]


_PANELS: dict[str, Panel] = {}


def register_panel(key: str, title: str, template: str, order: int,
                   context: Callable[[Event], dict] | None = None) -> None:
    """Add (or replace, by key) a panel of the event console."""
    _PANELS[key] = Panel(key, title, template, order, context or (lambda event: {}))


def panels() -> list[Panel]:
    return sorted(_PANELS.values(), key=lambda p: (p.order, p.key))
