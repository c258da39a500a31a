"""Secrets out of logs: the parts of URLs that are secrets are masked before logging.

Manage links (/r/<token>), join links (/join/<secret>/...), calendar feeds
(/calendar/<token>.ics) and pledge update links (/pledges/update/<token>) carry their
secret in the path, and a badge code may come as ``?code=``. Whoever reads a log must not
be able to use them. ``PATTERNS`` is the one list; ``mask`` serves gunicorn's access log
(``GunicornLogger``, set in gunicorn.conf.py) and the development server's log
(``install_werkzeug_filter``, called by create_app).

The patterns are not anchored to the start: the same URLs show up inside request lines,
Referer headers (our own pages link to each other) and Location headers.
"""
from __future__ import annotations

import logging
import re

MASK = "***"

# (pattern, replacement): group 1 is kept, the secret after it is replaced.
PATTERNS: list[re.Pattern[str]] = [
    re.compile(r"(/r/)[^/?#\s\"]+"),                # registration manage link and its pages
    re.compile(r"(/join/)[^/?#\s\"]+"),             # online attendee's join link
    re.compile(r"(/calendar/)[^/?#\s\"]+?(?=\.ics)"),  # personal calendar feed
    re.compile(r"(/pledges/update/)[^/?#\s\"]+"),   # pledge progress update link
    # Query parameters that carry a secret (the check-in desk's ?code=, any token).
    re.compile(r"((?:^|[?&;\s])(?:code|token|secret|key)=)[^&#\s\"]*", re.IGNORECASE),
    # An invitation link's code (/events/<slug>/register?invitation=...), also inside an
    # encoded ?next= (the sign-in link of that page).
    re.compile(r"((?:^|[?&;\s]|%3F|%26)invitation(?:=|%3D))[^&#\s\"]*", re.IGNORECASE),
]


def mask(text: str) -> str:
    """``text`` (a path, a URL or a whole request line) with every secret replaced by ***."""
    if not text:
        return text
    for pattern in PATTERNS:
        text = pattern.sub(lambda m: m.group(1) + MASK, text)
    return text


class MaskingFilter(logging.Filter):
    """Rewrites a record's final message through ``mask`` (args are merged first)."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a broken record is logging's business, not ours
            return True
        masked = mask(message)
        if masked != message:
            record.msg, record.args = masked, ()
        return True


def install_werkzeug_filter() -> None:
    """Mask the development server's request log (the "werkzeug" logger); idempotent."""
    logger = logging.getLogger("werkzeug")
    if not any(isinstance(f, MaskingFilter) for f in logger.filters):
        logger.addFilter(MaskingFilter())


try:
    from gunicorn.glogging import Logger as _GunicornLogger
except ImportError:  # gunicorn is a production dependency; the app runs without it
    _GunicornLogger = None

if _GunicornLogger is not None:

    class GunicornLogger(_GunicornLogger):
        """gunicorn's logger, with every access-log atom passed through ``mask``.

        Every atom, not only the request line: %(U)s, %(q)s, %(f)s (Referer), headers
        ({...}i, {location}o) and environ ({raw_uri}e) can carry the same URLs.
        """

        def atoms(self, resp, req, environ, request_time):
            atoms = super().atoms(resp, req, environ, request_time)
            return {k: mask(v) if isinstance(v, str) else v for k, v in atoms.items()}
