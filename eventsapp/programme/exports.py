"""Serving exports (ICS, frab XML/JSON, CSV): absolute URLs from BASE_URL, ETags and a
small per-process cache, both keyed on ``Event.programme_version``.

Exports show published sessions only, so one event's export depends on nothing but
the event and its programme version: a stale copy is never served, whichever process
rendered it. The same cache holds the sessions API's JSON and the programme page's
session list; what differs by viewer (drafts for organizers, filters, viewer zone) is
part of the key (``variant``), and what is personal (stars, CSRF tokens, the signed-in
navigation) is never cached.
"""
from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from threading import Lock
from urllib.parse import urlsplit

from flask import Response, current_app, request, url_for

_CACHE: OrderedDict = OrderedDict()  # key -> (value, approximate size)
_BUILDING: dict = {}  # key -> Lock held while one thread builds the entry
_LOCK = Lock()
_BYTES = 0
CACHE_SIZE = 128
CACHE_BYTES = 48 * 1024 * 1024  # page variants of a 1,000-session programme are ~1.4 MB


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
    """A 304 when the client already holds this version of ``kind``."""
    tag = etag_for(kind, event)
    if request.if_none_match and tag in request.if_none_match:
        resp = Response(status=304)
        resp.set_etag(tag)
        return resp
    return None


def _size(value) -> int:
    if isinstance(value, (bytes, str)):
        return len(value)
    if isinstance(value, (tuple, list)):
        return sum(_size(v) for v in value) + 64
    if hasattr(value, "__dataclass_fields__"):
        return sum(_size(getattr(value, f)) for f in value.__dataclass_fields__) + 64
    return 64


def cached(kind: str, event, build: Callable[[], object], variant: object = None):
    """``build()`` once per (kind, event, programme version, base URL, variant) in this
    process. Concurrent requests for a missing entry wait for one build instead of all
    building it (a stampede at 1,000 sessions costs seconds of CPU per build)."""
    global _BYTES
    key = (kind, _stamp(event), base_url(), variant)
    with _LOCK:
        if key in _CACHE:
            _CACHE.move_to_end(key)
            return _CACHE[key][0]
        building = _BUILDING.setdefault(key, Lock())
    with building:
        with _LOCK:
            if key in _CACHE:
                _CACHE.move_to_end(key)
                return _CACHE[key][0]
        try:
            data = build()
            size = _size(data)
            with _LOCK:
                if size <= CACHE_BYTES:
                    _CACHE[key] = (data, size)
                    _BYTES += size
                    while len(_CACHE) > CACHE_SIZE or _BYTES > CACHE_BYTES:
                        _, (_, old) = _CACHE.popitem(last=False)
                        _BYTES -= old
        finally:
            with _LOCK:
                _BUILDING.pop(key, None)
    return data


def clear_cache() -> None:
    global _BYTES
    with _LOCK:
        _CACHE.clear()
        _BYTES = 0


def file_response(data: bytes, mimetype: str, filename: str, *, kind: str | None = None,
                  event=None, private: bool = False, attachment: bool = True) -> Response:
    resp = Response(data, mimetype=mimetype)
    if attachment:
        resp.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    if kind and event is not None:
        resp.set_etag(etag_for(kind, event))
    resp.headers["Cache-Control"] = "private, no-store" if private else "public, max-age=60"
    return resp
