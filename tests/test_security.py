"""CSRF on every POST form, cookies, security headers, rate limits (memory and Redis),
safe redirects, secrets; the public pages and the 403/404/500 pages in HTML and JSON."""
from __future__ import annotations

import re
import socket
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from werkzeug.routing import IntegerConverter, UUIDConverter

from eventsapp import create_app
from eventsapp.models import User
from eventsapp.security import hash_token, new_token, safe_next

from .conftest import FreshContextClient, login

PASSWORD = "correct-horse-battery"

# Non-API POST routes that may accept a request without a CSRF token, and why.
CSRF_EXEMPT: dict[str, str] = {
    # Anonymous: a token would give every page view a session cookie; it only sets the
    # visitor's own lang cookie, and cross-site posts are refused by origin. Signed in, it
    # requires the token (tests/test_translations.py).
    "i18n.set_language": "language switcher: origin check; CSRF token when signed in",
}


# ------------------------------------------------------------------ CSRF

def _sample_values(rule, slug: str) -> dict:
    values = {}
    for name in rule.arguments:
        conv = rule._converters.get(name)
        if name == "slug":
            values[name] = slug
        elif isinstance(conv, IntegerConverter):
            values[name] = 1
        elif isinstance(conv, UUIDConverter):
            values[name] = uuid.uuid4()
        else:
            values[name] = "x" * 32
    return values


def test_every_post_form_refuses_a_request_without_csrf_token(app, make_event, make_user):
    app.config["WTF_CSRF_ENABLED"] = True
    event = make_event()
    admin = make_user(is_admin=True, organizer_of=event)
    adapter = app.url_map.bind("localhost")
    checked = []
    for rule in app.url_map.iter_rules():
        if "POST" not in rule.methods or rule.rule.startswith("/api/") \
                or rule.endpoint in CSRF_EXEMPT:
            continue
        path = adapter.build(rule.endpoint, _sample_values(rule, event.slug))
        for who in ("anonymous", "admin"):
            client = app.test_client()
            if who == "admin":
                login(client, admin)
            resp = client.post(path, data={"name": "x", "email": "a@example.org"})
            assert resp.status_code == 400, \
                f"POST {path} ({rule.endpoint}) as {who} without CSRF token: {resp.status_code}"
            assert b"Reload the page" in resp.data
        checked.append(rule.endpoint)
    assert {"auth.login", "auth.signup", "auth.logout", "console.add_team_member"} <= set(checked)


def test_csrf_token_from_the_form_is_accepted(app, client, make_user):
    app.config["WTF_CSRF_ENABLED"] = True
    make_user("csrf@example.org")
    page = client.get("/login")
    token = re.search(rb'name="csrf_token"[^>]*value="([^"]+)"', page.data).group(1).decode()
    resp = client.post("/login", data={"email": "csrf@example.org", "password": PASSWORD,
                                       "csrf_token": token})
    assert resp.status_code == 302


def test_api_needs_no_csrf_token_and_ignores_session_cookies(app, client, make_user, make_event):
    app.config["WTF_CSRF_ENABLED"] = True
    draft = make_event(published=False)
    organizer = make_user(organizer_of=draft)
    login(client, organizer)
    # A cookie never authorizes an API call: the draft stays hidden without a token.
    assert client.get(f"/api/v1/events/{draft.slug}").status_code == 404
    # Every API write is answered by the API itself (401 without a token, or a
    # validation error), never refused for a missing CSRF token.
    adapter = app.url_map.bind("localhost")
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/"):
            continue
        for method in sorted(rule.methods & {"POST", "PUT", "PATCH", "DELETE"}):
            path = adapter.build(rule.endpoint, _sample_values(rule, draft.slug))
            resp = client.open(path, method=method, json={})
            assert resp.status_code < 500, (method, path)
            assert resp.get_json()["error"]["code"] != "csrf_failed", (method, path)


# ------------------------------------------------------------------ cookies and headers

def _session_cookie(resp) -> str:
    cookies = [c for c in resp.headers.getlist("Set-Cookie") if c.startswith("session=")]
    assert cookies, resp.headers
    return cookies[0]


def test_session_cookie_is_httponly_samesite_and_not_secure_on_http(client, make_user):
    make_user("cookie@example.org")
    resp = client.post("/login", data={"email": "cookie@example.org", "password": PASSWORD})
    cookie = _session_cookie(resp)
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    assert "Secure" not in cookie


def test_cookies_are_secure_when_base_url_is_https(app_config, monkeypatch):
    monkeypatch.setenv("BASE_URL", "https://events.example.org")
    cfg = {k: v for k, v in app_config.items() if k != "BASE_URL"}
    app = create_app(cfg)
    assert app.config["SESSION_COOKIE_SECURE"] and app.config["REMEMBER_COOKIE_SECURE"]
    app.test_client_class = FreshContextClient
    from eventsapp.extensions import db
    with app.app_context():
        user = User(email="secure@example.org", name="S",
                    password_hash=__import__("werkzeug.security").security.generate_password_hash(PASSWORD))
        db.session.add(user)
        db.session.commit()
        try:
            client = app.test_client()
            resp = client.post("/login", base_url="https://events.example.org",
                               data={"email": "secure@example.org", "password": PASSWORD,
                                     "remember": "y"})
            assert resp.status_code == 302
            assert "Secure" in _session_cookie(resp)
            remember = [c for c in resp.headers.getlist("Set-Cookie")
                        if c.startswith("remember_token=")]
            assert remember and "Secure" in remember[0]
            assert "max-age=" in resp.headers["Strict-Transport-Security"]
        finally:
            db.session.delete(db.session.get(User, user.id))
            db.session.commit()
            db.session.remove()


@pytest.mark.parametrize("path", ["/", "/login", "/api/v1/events", "/no-such-page"])
def test_security_headers_on_pages_api_and_errors(client, path):
    resp = client.get(path)
    h = resp.headers
    assert h["X-Content-Type-Options"] == "nosniff"
    assert h["X-Frame-Options"] == "DENY"
    assert h["Referrer-Policy"] == "same-origin"
    csp = h["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "object-src 'none'" in csp and "unsafe-eval" not in csp
    assert "Strict-Transport-Security" not in h  # plain http in tests


def test_no_inline_scripts_or_event_handlers_in_base_pages(client):
    for path in ("/", "/login", "/signup"):
        html = client.get(path).data.decode()
        for tag in re.findall(r"<script\b[^>]*>", html):
            assert "src=" in tag, f"inline script on {path}: {tag}"
        assert not re.search(r"\son[a-z]+=\"", html), f"inline handler on {path}"


# ------------------------------------------------------------------ rate limits

def test_rate_limit_scale_and_multiplier():
    from eventsapp.ratelimits import scale

    assert scale("10 per minute", 1) == "10 per minute"
    assert scale("10 per minute; 100/hour", 3) == "30 per minute; 300 / hour"


def test_login_limit_is_configurable(app_config):
    app_config.update(LOGIN_RATE_LIMIT="2 per minute")
    app = create_app(app_config)
    app.test_client_class = FreshContextClient
    with app.app_context():
        client = app.test_client()
        codes = [client.post("/login", data={"email": "x@example.org", "password": "y"}).status_code
                 for _ in range(3)]
    assert codes == [422, 422, 429]


def test_each_app_reads_its_own_limiter_settings(app_config):
    """The Limiter object is shared by the process; each app's config must still win."""
    from eventsapp.extensions import limiter

    first = create_app(dict(app_config, RATELIMIT_KEY_PREFIX="first"))
    assert limiter._key_prefix == "first"
    create_app(dict(app_config, RATELIMIT_KEY_PREFIX="second"))
    assert limiter._key_prefix == "second"
    create_app(dict(app_config, RATELIMIT_ENABLED=False))
    create_app(app_config)
    assert limiter.enabled
    del first


def _redis_up() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=1):
            return True
    except OSError:
        return False


def test_rate_limits_with_redis_storage(app_config):
    if not _redis_up():
        pytest.fail("Redis is not listening on 127.0.0.1:6379 (.ci/run starts it)")
    import redis

    prefix = f"eventsapp-test-{uuid.uuid4().hex}"
    app_config.update(RATELIMIT_STORAGE_URI="redis://127.0.0.1:6379",
                      RATELIMIT_KEY_PREFIX=prefix, LOGIN_RATE_LIMIT="3 per minute")
    app = create_app(app_config)
    app.test_client_class = FreshContextClient
    r = redis.Redis(host="127.0.0.1", port=6379)
    try:
        with app.app_context():
            client = app.test_client()
            codes = [client.post("/login", data={"email": "x@example.org", "password": "y"})
                     .status_code for _ in range(4)]
        assert codes == [422, 422, 422, 429]
        # The counts live in Redis, under this app's prefix: other workers see them.
        keys = r.keys(f"*{prefix}*")
        assert keys, "no rate-limit keys in Redis"
        # A second app (another worker) on the same Redis is limited too.
        other = create_app(app_config)
        other.test_client_class = FreshContextClient
        with other.app_context():
            assert other.test_client().post(
                "/login", data={"email": "x@example.org", "password": "y"}).status_code == 429
    finally:
        for key in r.keys(f"*{prefix}*"):
            r.delete(key)
        r.close()


# ------------------------------------------------------------------ secrets and redirects

def test_tokens_are_long_random_and_hashed():
    tokens = {new_token() for _ in range(200)}
    assert len(tokens) == 200
    assert all(len(t) >= 32 for t in tokens)  # 24 bytes -> 32 url-safe chars = 192 bits
    t = new_token()
    assert hash_token(t) == hash_token(t) and hash_token(t) != t and len(hash_token(t)) == 64


@pytest.mark.parametrize("target", [
    "//evil.com", "https://evil.com", "/\\evil.com", "javascript:alert(1)", "evil.com",
    "http:evil.com", "\\\\evil.com", "/\t/evil.com", "", None,
])
def test_safe_next_refuses_other_sites(target):
    assert safe_next(target, "/home") == "/home"


@pytest.mark.parametrize("target", ["/", "/events/x", "/account?tab=1#tokens"])
def test_safe_next_keeps_local_paths(target):
    assert safe_next(target, "/home") == target


def test_timezone_switch_redirect_is_local_only(client):
    resp = client.get("/timezone", query_string={"tz": "Europe/Paris", "next": "//evil.com"})
    assert resp.headers["Location"] == "/"


# ------------------------------------------------------------------ pages

def test_home_lists_upcoming_and_past_events(client, make_event):
    now = datetime.now(UTC).replace(microsecond=0)
    make_event(title="Coming Soon Roundtable")
    make_event(title="Long Gone Meeting", starts_at=now - timedelta(days=300))
    make_event(title="Secret Draft", published=False)
    html = client.get("/").data.decode()
    upcoming, past = html.index('id="upcoming-h"'), html.index('id="past-h"')
    assert upcoming < html.index("Coming Soon Roundtable") < past
    assert html.index("Long Gone Meeting") > past
    assert "Secret Draft" not in html


def test_event_page_says_when_where_and_format(client, make_event, make_session):
    event = make_event(title="Kigali Test Roundtable", venue_name="Convention Centre")
    make_session(event, title="Opening of the test")
    resp = client.get(f"/events/{event.slug}")
    assert resp.status_code == 200
    html = resp.data.decode()
    for text in ("Kigali Test Roundtable", "Convention Centre", "Opening of the test",
                 "Africa/Kigali"):
        assert text in html, text
    assert re.search(r"[Hh]ybrid", html)


def test_unknown_event_is_the_404_page(client):
    resp = client.get("/events/no-such-event")
    assert resp.status_code == 404
    assert b"<h1>Not found</h1>" in resp.data
    assert resp.mimetype == "text/html"


def test_forbidden_is_the_403_page(login_as, make_user, make_event):
    event = make_event()
    client = login_as(make_user())
    resp = client.get(f"/events/{event.slug}/console/")
    assert resp.status_code == 403
    assert resp.mimetype == "text/html"
    assert b"permission" in resp.data


@pytest.fixture
def broken_routes(app):
    """Test-only routes that fail after writing, to check the 500 answer and the rollback."""
    from flask import Blueprint

    from eventsapp.errors import Forbidden
    from eventsapp.extensions import db

    bp = Blueprint("broken_test", __name__)

    def write_then_fail(email):
        db.session.add(User(email=email, name="Half written", password_hash="x"))
        db.session.flush()
        raise RuntimeError("boom: this must not reach the visitor")

    @bp.route("/_test/boom/<email>", methods=["POST"])
    def page_boom(email):
        write_then_fail(email)

    @bp.route("/api/v1/_test/boom/<email>", methods=["POST"])
    def api_boom(email):
        write_then_fail(email)

    @bp.route("/api/v1/_test/forbidden")
    def api_forbidden():
        raise Forbidden("Not for you.")

    from eventsapp.extensions import csrf
    csrf.exempt(bp)
    app.register_blueprint(bp)
    return bp


def test_500_html_page_and_rollback(app, client, db, broken_routes):
    resp = client.post("/_test/boom/page@example.org")
    assert resp.status_code == 500
    assert resp.mimetype == "text/html"
    assert b"Something went wrong" in resp.data
    assert b"must not reach" not in resp.data
    db.session.expire_all()
    assert db.session.scalar(sa.select(User).where(User.email == "page@example.org")) is None


def test_500_json_for_api_and_rollback(app, client, db, broken_routes):
    resp = client.post("/api/v1/_test/boom/api@example.org")
    assert resp.status_code == 500
    body = resp.get_json()
    assert body == {"error": {"code": "internal_error", "message": body["error"]["message"],
                              "fields": {}}}
    assert "must not reach" not in resp.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.scalar(sa.select(User).where(User.email == "api@example.org")) is None


def test_403_and_404_json_for_api(client, broken_routes):
    resp = client.get("/api/v1/_test/forbidden")
    assert resp.status_code == 403
    assert resp.get_json()["error"] == {"code": "forbidden", "message": "Not for you.",
                                        "fields": {}}
    resp = client.get("/api/v1/nothing-here")
    assert resp.status_code == 404
    assert resp.get_json()["error"]["code"] == "not_found"


def test_json_error_for_clients_that_ask_for_json(client):
    resp = client.get("/events/nope", headers={"Accept": "application/json"})
    assert resp.status_code == 404
    assert resp.get_json()["error"]["code"] == "not_found"


def test_oversized_body_is_413_not_500(app, client):
    app.config["MAX_CONTENT_LENGTH"] = 1000
    resp = client.post("/login", data={"email": "x" * 5000, "password": "y"})
    assert resp.status_code == 413


@pytest.mark.parametrize(("value", "expected"), [(None, True), ("0", False), ("off", False),
                                                 ("1", True)])
def test_registration_fast_path_is_a_documented_setting(monkeypatch, tmp_path, value, expected):
    """The rush path can be switched off from the environment (README's settings table)."""
    from eventsapp.config import from_environment

    if value is None:
        monkeypatch.delenv("REGISTRATION_FAST_PATH", raising=False)
    else:
        monkeypatch.setenv("REGISTRATION_FAST_PATH", value)
    assert from_environment(str(tmp_path))["REGISTRATION_FAST_PATH"] is expected
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text()
    assert "| `REGISTRATION_FAST_PATH` |" in readme
