"""Server-side login sessions: signing out ends the session on the server, so a copy of
the session or remember cookie taken before no longer opens the account."""
from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from eventsapp.models.users import LoginSession

PASSWORD = "correct-horse-battery"


def _sign_in(client, user, remember=False):
    data = {"email": user.email, "password": PASSWORD}
    if remember:
        data["remember"] = "y"
    resp = client.post("/login", data=data)
    assert resp.status_code == 302
    return resp


def _signed_in(client) -> bool:
    return client.get("/account").status_code == 200


def _replay(app, **cookies):
    """A new browser holding copies of the given cookies only."""
    thief = app.test_client()
    for name, value in cookies.items():
        thief.set_cookie(name, value)
    return thief


def test_session_cookie_replayed_after_sign_out_does_not_open_the_account(app, client, make_user):
    user = make_user()
    _sign_in(client, user)
    stolen = client.get_cookie("session").value
    assert _signed_in(_replay(app, session=stolen))
    assert client.post("/logout", data={}).status_code == 302
    assert not _signed_in(client)
    resp = _replay(app, session=stolen).get("/account")
    assert resp.status_code == 302 and "/login" in resp.headers["Location"]


def test_remember_cookie_replayed_after_sign_out_does_not_open_the_account(app, client, make_user):
    user = make_user()
    _sign_in(client, user, remember=True)
    remember = client.get_cookie("remember_token").value
    assert _signed_in(_replay(app, remember_token=remember))  # it works before sign-out
    client.post("/logout", data={})
    assert not _signed_in(_replay(app, remember_token=remember))


def test_remember_cookie_lasts_30_days(client, make_user):
    user = make_user()
    resp = _sign_in(client, user, remember=True)
    [cookie] = [c for c in resp.headers.getlist("Set-Cookie") if c.startswith("remember_token=")]
    expires = re.search(r"Expires=([^;]+)", cookie).group(1)
    when = datetime.strptime(expires, "%a, %d %b %Y %H:%M:%S GMT").replace(tzinfo=UTC)
    days = (when - datetime.now(UTC)).total_seconds() / 86400
    assert 29.9 < days <= 30.01


def test_session_key_is_random_long_and_stored_hashed(client, make_user, db):
    user = make_user()
    _sign_in(client, user)
    with client.session_transaction() as sess:
        key = sess["_user_id"]
    assert len(key) >= 32 and str(user.id) != key
    [row] = db.session.scalars(sa.select(LoginSession).where(LoginSession.user_id == user.id))
    assert row.key_hash != key and key not in row.key_hash and len(row.key_hash) == 64


def test_sign_out_everywhere_ends_every_session_of_the_account(app, make_user):
    user, other = make_user(), make_user()
    here, phone, laptop, someone_else = (app.test_client() for _ in range(4))
    _sign_in(here, user)
    _sign_in(phone, user, remember=True)
    _sign_in(laptop, user)
    _sign_in(someone_else, other)
    remember = phone.get_cookie("remember_token").value
    page = here.get("/account")
    assert b"Sign out everywhere" in page.data and b"this browser" in page.data
    resp = here.post("/account/sign-out-everywhere", data={"confirm": "1"})
    assert resp.status_code == 302
    for client in (here, phone, laptop):
        assert not _signed_in(client)
    assert not _signed_in(_replay(app, remember_token=remember))
    assert _signed_in(someone_else)
    # Signing in again works as usual.
    _sign_in(here, user)
    assert _signed_in(here)


def test_sign_out_everywhere_needs_the_csrf_token(app, client, make_user):
    app.config["WTF_CSRF_ENABLED"] = True
    user = make_user()
    page = client.get("/login")
    token = re.search(rb'name="csrf_token"[^>]*value="([^"]+)"', page.data).group(1).decode()
    client.post("/login", data={"email": user.email, "password": PASSWORD, "csrf_token": token})
    assert client.post("/account/sign-out-everywhere", data={}).status_code == 400
    assert _signed_in(client)
    page = client.get("/account")
    token = re.search(rb'action="/account/sign-out-everywhere".*?name="csrf_token" value="([^"]+)"',
                      page.data, re.DOTALL).group(1).decode()
    assert client.post("/account/sign-out-everywhere",
                       data={"csrf_token": token, "confirm": "1"}).status_code == 302
    assert not _signed_in(client)


def test_password_change_ends_other_sessions_and_their_remember_cookies(app, make_user):
    user = make_user()
    here, elsewhere = app.test_client(), app.test_client()
    _sign_in(here, user)
    _sign_in(elsewhere, user, remember=True)
    remember = elsewhere.get_cookie("remember_token").value
    resp = here.post("/account/password", data={
        "current_password": PASSWORD, "password": "a-brand-new-password",
        "confirm": "a-brand-new-password"})
    assert resp.status_code == 302
    assert _signed_in(here)
    assert not _signed_in(elsewhere)
    assert not _signed_in(_replay(app, remember_token=remember))


def _age(db, user, **delta):
    db.session.expire_all()
    for row in db.session.scalars(sa.select(LoginSession).where(LoginSession.user_id == user.id)):
        row.created_at -= timedelta(**delta)
        row.last_seen_at -= timedelta(**delta)
    db.session.commit()


def test_unused_session_without_remember_ends_after_the_idle_time(app, client, make_user, db):
    user = make_user()
    _sign_in(client, user)
    _age(db, user, hours=app.config["LOGIN_IDLE_HOURS"] - 1)
    assert _signed_in(client)  # used: last seen moves forward
    _age(db, user, hours=app.config["LOGIN_IDLE_HOURS"] + 1)
    assert not _signed_in(client)


def test_remembered_session_ends_after_30_days(app, client, make_user, db):
    user = make_user()
    _sign_in(client, user, remember=True)
    _age(db, user, days=29)
    assert _signed_in(client)
    _age(db, user, days=2)
    assert not _signed_in(client)


def test_inactive_account_loads_no_one(client, make_user, db):
    user = make_user()
    _sign_in(client, user)
    user.active = False
    db.session.commit()
    assert not _signed_in(client)
