"""Links in the site's main navigation, registered by features."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask import Flask, url_for
from flask_babel import gettext
from flask_login import current_user


@dataclass(frozen=True)
class NavItem:
    label: str  # English msgid, marked with i18n.N_ where registered; translated when shown
    endpoint: str
    order: int
    signed_in_only: bool = False
    visible: Callable[[], bool] | None = None


_ITEMS: dict[str, NavItem] = {}


def register_nav(label: str, endpoint: str, order: int = 50, *, signed_in_only: bool = False,
                 visible: Callable[[], bool] | None = None) -> None:
    _ITEMS[endpoint] = NavItem(label, endpoint, order, signed_in_only, visible)


def nav_items() -> list[dict]:
    out = []
    for item in sorted(_ITEMS.values(), key=lambda i: (i.order, i.label)):
        if item.signed_in_only and not current_user.is_authenticated:
            continue
        if item.visible is not None and not item.visible():
            continue
        out.append({"label": gettext(item.label), "url": url_for(item.endpoint)})
    return out


def init_app(app: Flask) -> None:
    app.context_processor(lambda: {"nav_items": nav_items})
