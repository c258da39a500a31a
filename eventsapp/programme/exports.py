"""Serving exports (ICS, frab XML/JSON, CSV): absolute URLs from BASE_URL, ETags and a
small per-process cache, both keyed on ``Event.programme_version``.

Exports show published sessions only, so one event's export depends on nothing but
the event and its programme version: a stale copy is never served, whichever process
rendered it.
"""
from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from threading import Lock
from urllib.parse import urlsplit

from flask import Response, current_app, request, url_for

_CACHE: OrderedDict = OrderedDict()
_LOCK = Lock()
CACHE_SIZE = 64


def base_url() -> str:
    return current_app.config.get("BASE_URL", "http://localhost").rstrip("/")


def host() -> str:
    return urlsplit(base_url()).netloc or "localhost"


def session_url(s) -> str:
    return base_url() + url_for("programme.session_page", slug=s.event.slug, session_id=s.id)


def event_url(event) -> str:
    return base_url() + url_for("programme.programme", slug=event.slug)


def _stamp(event) -> str:
    """The event's identity and programme version (the creation instant guards against
    a recreated database reusing ids)."""
    created = int(event.created_at.timestamp() * 1_000_000) if event.created_at else 0
    return f"{event.id}-{created}-{event.programme_version}"


def etag_for(kind: str, event) -> str:
    return f"{kind}-{_stamp(event)}"


def not_modified(kind: str, event) -> Response | None:
    tag = etag_for(kind, event)
    if request.if_none_match and tag in request.if_none_match:
        resp = Response(status=304)
        resp.set_etag(tag)
        return resp
    return None


def cached(kind: str, event, build: Callable[[], bytes]) -> bytes:
    key = (kind, _stamp(event), base_url())
    with _LOCK:
        if key in _CACHE:
            _CACHE.move_to_end(key)
            return _CACHE[key]
    data = build()
    with _LOCK:
        _CACHE[key] = data
        while len(_CACHE) > CACHE_SIZE:
            _CACHE.popitem(last=False)
    return data


def clear_cache() -> None:
    with _LOCK:
        _CACHE.clear()


def file_response(data: bytes, mimetype: str, filename: str, *, kind: str | None = None,
                  event=None, private: bool = False, attachment: bool = True) -> Response:
    resp = Response(data, mimetype=mimetype)
    if attachment:
        resp.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    if kind and event is not None:
        resp.set_etag(etag_for(kind, event))
    resp.headers["Cache-Control"] = "private, no-store" if private else "public, max-age=60"
    return resp
