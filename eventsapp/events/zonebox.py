"""The time-zone box of the event pages, for one request: what it shows and where it
sends the viewer back to. The search itself is eventsapp/tzsearch.py (pure).

Without JavaScript the box is a GET form to /timezone: a zone named outright is applied
(a cookie, as before); several or none send the viewer back to the page with ``tzq``, and
the box lists the matching zones as links (or says that none matched).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from flask import request

from .. import tzsearch
from ..i18n import current_language
from ..timefmt import viewer_zone

# Query parameters of the box itself, dropped from the page's address when going back.
_OWN_PARAMS = frozenset({"tz", "tzq", "oldtz", "zone"})
CHOICES = 50  # without JavaScript: enough for "États-Unis" (29 zones) in one list


def clean(text: str | None) -> str:
    """What the viewer typed, spaces collapsed, cut to a sane length."""
    return " ".join((text or "").split())[:tzsearch.MAX_QUERY]


def with_query(url: str, **params: str) -> str:
    """``url`` without the box's own parameters, plus ``params``."""
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
             if k not in _OWN_PARAMS]
    query += [(k, v) for k, v in params.items() if v]
    return urlunsplit(("", "", parts.path, urlencode(query), ""))


@dataclass
class Box:
    zone: str | None  # the viewer's zone, if they chose one
    label: str        # its name in the viewer's language ("Zurich (Suisse)")
    value: str        # what the text box shows
    query: str        # what a search without JavaScript asked for ("" for none)
    back: str         # this page, without the box's parameters
    choices: list[tzsearch.Zone] = field(default_factory=list)
    more: bool = False  # more zones matched than are listed


def box() -> Box:
    """The box's state for this request."""
    lang = current_language()
    zone = viewer_zone()
    query = clean(request.args.get("tzq"))
    back = with_query(request.full_path if request.query_string else request.path)
    choices = tzsearch.search(query, lang, limit=CHOICES + 1) if query else []
    label = tzsearch.label(zone, lang) if zone else ""
    return Box(zone, label, query or label, query, back, choices[:CHOICES],
               len(choices) > CHOICES)
