"""The junk walker: every route of ``app.url_map``, with junk where a client may put it.

For each route (its URL with real ids comes from the permission rules'
``tests/permissions/rules_*.py`` builders, which exist for every route):

- GET with junk in each path argument (ids 0, -1, 2**31, 2**63, 10**30, "abc"; for text
  arguments NUL, an invalid UTF-8 byte, a 10,000-character string ...) and junk query
  arguments (page=, q=, tz=, limit=, offset=, session=, modality=, status= ... with huge
  and negative numbers, NUL, invalid UTF-8, long strings);
- POST to every form with its real field names and values (read from the forms the app
  renders: each ``<form method=post>`` of every page, as the organizer, keyed by the
  endpoint of its action), then with each field replaced by junk of a kind, with each
  field missing, with all fields junk and with no fields at all.

As an anonymous visitor and as the event's organizer. Junk is a fixed, seeded sample per
route (not the cross product) so that a backend's run stays within a minute or two.

What must hold: every answer is < 500, and a POST answered >= 400 leaves the row count of
every table unchanged. All failures are collected and listed at the end (route, method,
payload, status, where the app raised).
"""
from __future__ import annotations

import io
import random
from collections import Counter
from html.parser import HTMLParser
from urllib.parse import quote, unquote, urlsplit

import pytest
from werkzeug.exceptions import HTTPException
from werkzeug.routing import RoutingException

from tests.conftest import login
from tests.support.fuzz_support import (
    ServerErrors,
    all_rules,
    fuzz_world,
    row_counts,
    short,
    snapshot_ok,
)

pytestmark = pytest.mark.fuzz

SEED = 20240607
LONG = "x" * 10_000

# Path junk, already URL-encoded (a path segment). The int converter refuses most of these
# (a 404), the guard bounds the rest; text arguments (slugs, tokens) see them all.
INT_PATH_JUNK = ["0", "-1", str(2**31), str(2**63), str(10**30), "abc", "1.5", "%00"]
TEXT_PATH_JUNK = ["abc", "%00", "%ED%B3%80", "%FF", quote(LONG), "..%2F..", "%20", "0",
                  str(10**30), "%C0%AF"]

# Values for query arguments and form fields. ``RAW`` ones are sent percent-encoded as
# they are (bytes a browser may send that are not valid UTF-8); the others are text.
RAW = "raw:"
VALUE_JUNK = ["0", "-1", str(2**31), str(2**63), str(-(2**63) - 1), str(10**30), "1e309",
              "NaN", "-0", "abc", "", " ", LONG, "\x00", RAW + "%00", RAW + "%ED%B3%80",
              RAW + "%FF%FE", "\u202ex\u0000y", "2024-02-30T25:61",
              "9999-12-31T23:59", "0001-01-01T00:00", "[]", "{}", "true", "../../etc/passwd",
              "<script>alert(1)</script>", "Robert'); DROP TABLE events;--", "١٢٣",
              "1" * 400, "Europe/Nowhere"]

QUERY_KEYS = ["page", "per_page", "q", "tz", "limit", "offset", "session", "modality",
              "status", "category", "checked_in", "event", "type", "sdg", "room",
              "focus_area", "sector", "region", "beneficiary", "download", "next", "new",
              "code", "replayed", "day", "view", "sort"]

# A form's file input: sent as each of JUNK_FILES (an upload's bytes are junk too).
FILE = object()


def _png(width: int, height: int, body: bytes = b"") -> bytes:
    """A PNG header claiming width x height (a decompression bomb when large)."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(body))
            + chunk(b"IEND", b""))


JUNK_FILES = [
    ("empty.csv", b""),
    ("nul.csv", b"title,name\n\x00\x00,\x00\n"),
    ("latin1.csv", b"title,name\n\xff\xfe\xe9t\xe9,\xed\xb3\x80\n"),
    ("huge-numbers.csv", (b"title,estimated_value_usd,target_year,number,capacity,starts_at,ends_at\n"
                          b"x,1e309,99999999999999999999,-1,2147483648,9999-99-99 99:99,"
                          b"0001-01-01 00:00\n")),
    ("long.csv", b"title\n" + b"y" * 100_000 + b"\n"),
    ("quotes.csv", b'"unterminated,\n"a""b",c\r\n\r\n,,,,,,,,,,,,,,,,,,,,,,,\n'),
    ("xxe.xml", (b'<?xml version="1.0"?><!DOCTYPE s [<!ENTITY x SYSTEM "file:///etc/passwd">'
                 b'<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
                 b'<schedule><conference><title>&x;&b;</title></conference></schedule>')),
    ("bad.xml", b"<schedule><day index='-1' date='9999-99-99'><room name='\xff'><event id='x'>"),
    ("deep.xml", b"<a>" * 5000 + b"</a>" * 5000),
    ("bomb.png", _png(60_000, 60_000)),
    ("truncated.png", _png(8, 8)[:30]),
    ("zero.png", _png(0, 0)),
]

QUERY_SAMPLES = 8  # junk query arguments per route (plus one with every key junk)
# Junk every form field gets (blank-but-present, too big for any column, invalid UTF-8),
# then FIELD_JUNK_PER_FIELD more drawn from VALUE_JUNK.
ALWAYS_JUNK = [" ", str(2**63), RAW + "%ED%B3%80"]
FIELD_JUNK_PER_FIELD = 2
MISSING_SAMPLES = 6  # forms sent with one field left out

# 5xx still unfixed: (endpoint, method) -> why. Their failures are reported as xfail.
KNOWN_5XX: dict[tuple[str, str], str] = {}


@pytest.fixture
def app_config(app_config):
    # Rate limits would turn most of the walk into 429s and hide the views.
    app_config["RATELIMIT_MULTIPLIER"] = 10_000
    return app_config


@pytest.fixture
def world(app, make_user, make_event, make_room, make_session, make_person):
    return fuzz_world(make_user, make_event, make_room, make_session, make_person)


# ------------------------------------------------------------------ forms on the pages

class _Forms(HTMLParser):
    """Each ``<form method=post>``: its action and its fields with their current values."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[tuple[str, dict[str, str]]] = []
        self._form: dict | None = None
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        a = {k: (v or "") for k, v in attrs}
        if tag == "form":
            if a.get("method", "get").lower() == "post":
                self._form = {"action": a.get("action", ""), "fields": {}}
            return
        if self._form is None:
            return
        fields = self._form["fields"]
        name = a.get("name")
        if tag == "input" and name:
            kind = a.get("type", "text").lower()
            if kind == "file":
                fields[name] = FILE
                return
            if kind in ("submit", "button", "image", "reset"):
                return
            if kind in ("checkbox", "radio") and "checked" not in a:
                fields.setdefault(name, None)
                return
            if fields.get(name) is None:
                fields[name] = a.get("value", "y" if kind == "checkbox" else "")
        elif tag == "select" and name:
            self._select = name
            fields.setdefault(name, None)
        elif tag == "option" and self._select:
            if fields.get(self._select) is None or "selected" in a:
                fields[self._select] = a.get("value", "")
        elif tag == "textarea" and name:
            self._textarea = name
            fields[name] = ""

    def handle_endtag(self, tag):
        if tag == "form" and self._form is not None:
            self.forms.append((self._form["action"], self._form["fields"]))
            self._form = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data):
        if self._textarea and self._form is not None:
            self._form["fields"][self._textarea] += data


def _endpoint_of(app, path: str, method: str) -> str | None:
    adapter = app.url_map.bind("localhost")
    try:
        endpoint, _ = adapter.match(urlsplit(path).path, method=method)
    except (HTTPException, RoutingException):
        return None
    return endpoint


def harvest_forms(app, world, rules) -> dict[str, dict[str, str]]:
    """endpoint -> {field: value} of a form that posts to it, from every page the
    organizer (and the administrator, for admin-only pages) can open."""
    found: dict[str, dict[str, str]] = {}
    for actor in ("organizer", "admin", "anon"):
        client = app.test_client()
        if actor in world.users:
            login(client, world.users[actor])
        for (_endpoint, method), rule in sorted(rules.items(), key=lambda kv: kv[0]):
            if method != "GET" or rule.api:
                continue
            resp = client.get(rule.url(world))
            if resp.status_code != 200 or "html" not in (resp.content_type or ""):
                continue
            parser = _Forms()
            parser.feed(resp.get_data(as_text=True))
            for action, fields in parser.forms:
                target = _endpoint_of(app, action or rule.url(world), "POST")
                # The first form that posts there; a form with an upload wins (its file
                # input is fuzzed with JUNK_FILES).
                if target and (target not in found or any(v is FILE for v in fields.values())):
                    found[target] = {k: (v if v is not None else "") for k, v in fields.items()
                                     if k != "csrf_token"}
    return found


# ------------------------------------------------------------------ junk

def _path_variants(app, url: str, method: str, rng: random.Random) -> list[tuple[str, str]]:
    """(label, url) with one path argument replaced by junk, for each argument."""
    path, _, query = url.partition("?")
    adapter = app.url_map.bind("localhost")
    try:
        rule, args = adapter.match(path, method=method, return_rule=True)
    except (HTTPException, RoutingException):
        return []
    out = []
    segments = path.split("/")
    for name, value in args.items():
        converter = rule._converters.get(name)
        is_int = converter is not None and type(converter).__name__.endswith("IntConverter")
        junk = INT_PATH_JUNK if is_int else TEXT_PATH_JUNK
        text = str(value)
        for i, seg in enumerate(segments):
            if seg == text or seg.startswith(text + "."):
                for j in junk if is_int else rng.sample(junk, 5):
                    new = segments.copy()
                    new[i] = j + seg[len(text):]
                    out.append((f"path {name}={j[:40]}", "/".join(new) + ("?" + query if query else "")))
                break
    return out


def _encode_value(value: str) -> str:
    return value[len(RAW):] if value.startswith(RAW) else quote(value, safe="")


def _plain_value(value: str) -> str:
    """The text a form field holds for a RAW value (decoded as the server will)."""
    if not value.startswith(RAW):
        return value
    return unquote(value[len(RAW):], errors="surrogateescape")


def _query_variants(url: str, rng: random.Random) -> list[tuple[str, str]]:
    sep = "&" if "?" in url else "?"
    out = []
    for _ in range(QUERY_SAMPLES):
        key, value = rng.choice(QUERY_KEYS), rng.choice(VALUE_JUNK)
        out.append((f"query {key}={short(value, 40)}", f"{url}{sep}{key}={_encode_value(value)}"))
    every = "&".join(f"{k}={_encode_value(rng.choice(VALUE_JUNK))}" for k in QUERY_KEYS)
    out.append(("query: every key junk", f"{url}{sep}{every}"))
    return out


def _form_variants(fields: dict, rng: random.Random) -> list[tuple[str, dict]]:
    files = [k for k, v in fields.items() if v is FILE]
    fields = {k: v for k, v in fields.items() if v is not FILE}
    out: list[tuple[str, dict]] = [("form as rendered", dict(fields)), ("no fields", {})]
    for name in files:
        for filename, content in JUNK_FILES:
            out.append((f"{name}=<{filename}>", {**fields, name: (filename, content)}))
    for name in fields:
        for value in ALWAYS_JUNK + rng.sample(VALUE_JUNK, FIELD_JUNK_PER_FIELD):
            out.append((f"{name}={short(value, 40)}", {**fields, name: value}))
    for name in rng.sample(list(fields), min(MISSING_SAMPLES, len(fields))):
        out.append((f"without {name}", {k: v for k, v in fields.items() if k != name}))
    if fields:
        out.append(("every field junk", {k: rng.choice(VALUE_JUNK) for k in fields}))
        out.append(("every field a list", {k: [v, "2"] for k, v in fields.items()}))
    return out


def _encode_form(data: dict) -> bytes:
    """x-www-form-urlencoded, keeping RAW values' bytes (invalid UTF-8) as they are."""
    parts = []
    for key, value in data.items():
        for v in value if isinstance(value, list) else [value]:
            parts.append(f"{quote(key, safe='')}={_encode_value(v)}")
    return "&".join(parts).encode("ascii")


# ------------------------------------------------------------------ the walk

def _sent_to_sign_in(resp) -> bool:
    return resp.status_code in (401, 403) or (
        resp.status_code in (301, 302, 303) and "/login" in resp.headers.get("Location", ""))


def _walk(app, world, actor: str) -> tuple[list[str], list[str], int]:
    rules = all_rules()
    forms = harvest_forms(app, world, rules)
    failures: list[str] = []
    known: list[str] = []
    count = 0
    statuses: Counter = Counter()

    def client_for(rule):
        client = app.test_client()
        headers = {}
        if actor != "anon":
            if rule.api:
                headers["Authorization"] = f"Bearer {world.tokens[actor]}"
            else:
                login(client, world.users[actor])  # again for each request: logout is fuzzed too
        return client, headers

    with ServerErrors() as logged:
        def send(endpoint, method, rule, label, url, body=None, json_body=None):
            nonlocal count
            client, headers = client_for(rule)
            writes = method != "GET"
            before = row_counts() if writes else None
            kwargs = {"headers": headers}
            if json_body is not None:
                kwargs["json"] = json_body
            elif body is not None and any(isinstance(v, tuple) for v in body.values()):
                kwargs["data"] = {k: ((io.BytesIO(v[1]), v[0]) if isinstance(v, tuple) else v)
                                  for k, v in body.items()}
                kwargs["content_type"] = "multipart/form-data"
            elif body is not None:
                kwargs["data"] = _encode_form(body)
                kwargs["content_type"] = "application/x-www-form-urlencoded"
            resp = client.open(url, method=method, **kwargs)
            count += 1
            statuses[resp.status_code] += 1
            if resp.status_code >= 500:
                line = (f"{method} {short(url, 160)} ({endpoint}) as {actor}: {label} "
                        f"body={short(body if json_body is None else json_body, 200)} -> "
                        f"{resp.status_code} [{logged.take()}]")
                (known if (endpoint, method) in KNOWN_5XX else failures).append(line)
                return resp
            logged.take()
            if writes and resp.status_code >= 400:
                changed = snapshot_ok(before)
                if changed:
                    failures.append(f"half-written: {method} {short(url, 160)} ({endpoint}) as "
                                    f"{actor}: {label} -> {resp.status_code}, {changed}")
            return resp

        for (endpoint, method), rule in sorted(rules.items(), key=lambda kv: kv[0]):
            if method not in ("GET", "POST"):
                continue  # PATCH/DELETE are API operations: tests/test_fuzz_api.py
            if rule.api and method != "GET":
                continue  # JSON API writes: tests/test_fuzz_api.py
            # A generator per route and actor: adding a route does not reshuffle the others.
            rng = random.Random(f"{SEED}:{endpoint}:{method}:{actor}")
            url = rule.url(world)
            if method == "GET":
                variants = _path_variants(app, url, method, rng) + _query_variants(url, rng)
                for label, junk_url in variants:
                    send(endpoint, method, rule, label, junk_url)
                continue
            # POST: the form as the app renders it (or the rule's own data), then junk.
            fields = forms.get(endpoint)
            if fields is None:
                fields = {k: str(v) for k, v in (rule.data(world) if rule.data else {}).items()}
            if rule.json:
                base = {k: v for k, v in fields.items() if v is not FILE} or {"code": "x"}
                for label, data in _form_variants(base, rng):
                    send(endpoint, method, rule, label, rule.url(world),
                         json_body={k: _plain_value(v) if isinstance(v, str) else v
                                    for k, v in data.items()})
                continue
            variants = _form_variants(fields, rng)
            label, data = variants[0]  # the form as rendered
            first = send(endpoint, method, rule, label, rule.url(world), body=data)
            if actor == "anon" and _sent_to_sign_in(first):
                # Past the guards (which run first) the view refuses anonymous visitors
                # whatever the fields hold: a few variants are enough.
                variants = [v for v in variants if v[0] in ("no fields", "every field junk",
                                                            "every field a list")]
            else:
                variants = variants[1:]
            for label, data in variants:
                send(endpoint, method, rule, label, rule.url(world), body=data)
            for label, junk_url in _path_variants(app, rule.url(world), method, rng)[:4]:
                send(endpoint, method, rule, label, junk_url,
                     body={k: v for k, v in fields.items() if v is not FILE})
    no_form = sorted(e for (e, m), r in rules.items()
                     if m == "POST" and not r.api and e not in forms)
    print(f"\nforms read from pages: {len(forms)}; POST routes without one (rule data used): "
          f"{no_form}; statuses {dict(sorted(statuses.items()))}")
    return failures, known, count


def _run(app, world, actor: str, backend: str) -> None:
    failures, known, count = _walk(app, world, actor)
    print(f"\nfuzz forms {backend}/{actor}: {count} requests, {len(failures)} failures, "
          f"{len(known)} known")
    assert not failures, f"{len(failures)} failures:\n" + "\n".join(failures)
    if known:
        pytest.xfail("known 5xx (see KNOWN_5XX):\n" + "\n".join(known))


def test_junk_walk_anonymous(app, world, backend):
    _run(app, world, "anon", backend)


def test_junk_walk_organizer(app, world, backend):
    _run(app, world, "organizer", backend)

