"""Serving exports (ICS, frab XML/JSON, CSV): absolute URLs from BASE_URL, ETags and a
small per-process cache, both keyed on ``Event.programme_version`` and the language.

Exports show published sessions only, so one event's export depends on nothing but
the event and its programme version: a stale copy is never served, whichever process
rendered it. The same cache holds the sessions API's JSON and the programme page's
session list; what differs by viewer (drafts for organizers, filters, viewer zone) is
part of the key (``variant``), and what is personal (stars, CSRF tokens, the signed-in
navigation) is never cached. Session types and roles are written in the reader's
language, so the language is part of every key and ETag, and the answers vary on it.
"""
from __future__ import annotations

from collections.abc import Callable
from threading import Condition
from typing import Any
from urllib.parse import urlsplit

import cachetools
from flask import Response, current_app, request, url_for
from werkzeug.http import is_resource_modified

from ..i18n import current_language

CACHE_SIZE = 128
CACHE_BYTES = 48 * 1024 * 1024  # page variants of a 1,000-session programme are ~1.4 MB


def base_url() -> str:
    return current_app.config.get("BASE_URL", "http://localhost").rstrip("/")


def host() -> str:
    return urlsplit(base_url()).netloc or "localhost"


def absolute_url(endpoint: str, **values: Any) -> str:
    """The URL of ``endpoint`` on the site's public address (``BASE_URL``), the one
    place that makes absolute links: feeds, exports and API answers name the canonical
    host, not whichever host or proxy a request came through (``_external=True`` would
    take the request's host, and needs SERVER_NAME outside requests)."""
    return base_url() + url_for(endpoint, **values)


def session_url(s: Any) -> str:
    return absolute_url("programme.session_page", slug=s.event.slug, session_id=s.id)


def event_url(event: Any) -> str:
    return absolute_url("programme.programme", slug=event.slug)


def _stamp(event) -> str:
    """The event's identity and programme version (the creation instant guards against
    a recreated database reusing ids)."""
    created = int(event.created_at.timestamp() * 1_000_000) if event.created_at else 0
    return f"{event.id}-{created}-{event.programme_version}"


def etag_for(kind: str, event) -> str:
    """The tag of ``kind`` for this version of the programme in the reader's language."""
    return f"{kind}-{current_language()}-{_stamp(event)}"


def not_modified(kind: str, event) -> Response | None:
    """A 304 when the client already holds this version of ``kind``, decided before
    anything is built (``Response.make_conditional`` would need the body first);
    werkzeug compares the tags (weakly, as RFC 9110 wants for If-None-Match, and ``*``)."""
    tag = etag_for(kind, event)
    if is_resource_modified(request.environ, etag=tag):
        return None
    resp = Response(status=304)
    resp.set_etag(tag)
    return vary_on_language(resp)


def _size(value) -> int:
    if isinstance(value, (bytes, str)):
        return len(value)
    if isinstance(value, (tuple, list)):
        return sum(_size(v) for v in value) + 64
    if hasattr(value, "__dataclass_fields__"):
        return sum(_size(getattr(value, f)) for f in value.__dataclass_fields__) + 64
    return 64


def _cost(value) -> int:
    """What an entry counts against ``CACHE_BYTES``: its approximate size, and at least
    1/CACHE_SIZE of the budget, so that the cache also holds at most CACHE_SIZE entries
    (LRUCache has one bound only)."""
    return max(_size(value), CACHE_BYTES // CACHE_SIZE)


# Least recently used entries go first; an entry larger than the whole budget is built
# but not kept. The condition makes concurrent requests for a missing entry wait for one
# build instead of all building it (a stampede at 1,000 sessions costs seconds of CPU per
# build); it is also the lock around the cache, which is not thread-safe by itself.
_CACHE: cachetools.LRUCache = cachetools.LRUCache(maxsize=CACHE_BYTES, getsizeof=_cost)


@cachetools.cached(_CACHE, key=lambda key, build: key, condition=Condition())
def _build(key: tuple, build: Callable[[], object]) -> object:
    return build()


def cached(kind: str, event, build: Callable[[], object], variant: object = None):
    """``build()`` once per (kind, event, programme version, base URL, language, variant)
    in this process."""
    return _build((kind, _stamp(event), base_url(), current_language(), variant), build)


def clear_cache() -> None:
    _build.cache_clear()


def file_response(data: bytes, mimetype: str, filename: str, *, kind: str | None = None,
                  event=None, private: bool = False, attachment: bool = True) -> Response:
    resp = Response(data, mimetype=mimetype)
    if attachment:
        resp.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    if kind and event is not None:
        resp.set_etag(etag_for(kind, event))
    resp.headers["Cache-Control"] = "private, no-store" if private else "public, max-age=60"
    vary_on_language(resp)
    return resp


def vary_on_language(resp: Response) -> Response:
    """Shared caches keep one copy per language: the language comes from the account
    (the session cookie), the ``lang`` cookie or Accept-Language (i18n.select_locale)."""
    resp.vary.add("Accept-Language")
    resp.vary.add("Cookie")
    return resp
