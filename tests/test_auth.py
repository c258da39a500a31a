"""Accounts: sign up, sign in (rate limited, safe `next`), sign out, change password,
API tokens on the account page, roles."""
from __future__ import annotations

import re
import uuid

import pytest
import sqlalchemy as sa

from eventsapp.models import ApiToken, OutboxMessage, User

from .conftest import login

PASSWORD = "correct-horse-battery"


def _signup(client, **over):
    data = {"name": "Ada Lovelace", "email": f"ada-{uuid.uuid4().hex[:6]}@example.org",
            "organization": "", "password": "a-long-password-1", "confirm": "a-long-password-1"}
    data.update(over)
    return client.post("/signup", data=data), data


def _user(db, email):
    db.session.expire_all()
    return db.session.scalar(sa.select(User).where(User.email == email.lower()))


def _signed_in(client) -> bool:
    resp = client.get("/account")
    return resp.status_code == 200


# ------------------------------------------------------------------ sign up

def _outbox(db, to=None):
    db.session.expire_all()
    q = sa.select(OutboxMessage).order_by(OutboxMessage.id)
    if to:
        q = q.where(OutboxMessage.to_address == to)
    return list(db.session.scalars(q))


def test_sign_up_creates_account_mails_welcome_then_user_signs_in(client, db):
    resp, data = _signup(client, email="New.Person@Example.org")
    assert resp.status_code == 200
    assert b"Check your mailbox" in resp.data
    user = _user(db, "new.person@example.org")
    assert user is not None and user.name == "Ada Lovelace"
    assert user.password_hash != data["password"] and data["password"] not in user.password_hash
    assert not user.is_admin
    # Not signed in by the sign-up itself: a known address could not be, and the two
    # answers must not differ.
    assert not _signed_in(client)
    [welcome] = _outbox(db, "new.person@example.org")
    assert welcome.kind == "account_welcome" and "/login" in welcome.body_text
    resp = client.post("/login", data={"email": "new.person@example.org", "password": data["password"]})
    assert resp.status_code == 302 and _signed_in(client)


def test_sign_up_with_a_known_address_answers_the_same_and_mails_the_owner(app, db, make_user):
    owner = make_user("taken@example.org", name="Owner Name")
    old_hash = owner.password_hash
    new_page, _ = _signup(app.test_client(), email="fresh@example.org")
    known_page, _ = _signup(app.test_client(), email="TAKEN@example.org")
    assert known_page.status_code == new_page.status_code == 200
    assert b"already exists" not in known_page.data
    # The same page, but for the address shown (as the schema normalized it).
    assert known_page.data.replace(b"taken@example.org", b"X") == \
        new_page.data.replace(b"fresh@example.org", b"X")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)
                             .where(User.email == "taken@example.org")) == 1
    assert _user(db, "taken@example.org").password_hash == old_hash
    assert _user(db, "taken@example.org").name == "Owner Name"
    [mail] = _outbox(db, "taken@example.org")
    assert mail.kind == "account_exists"
    assert "tried to create" in mail.body_text and "/login" in mail.body_text


@pytest.mark.parametrize("over, message", [
    ({"password": "short", "confirm": "short"}, b"at least 10 characters"),
    ({"confirm": "something-else-entirely"}, b"The passwords differ"),
    ({"email": "not-an-email"}, b"email"),
    ({"name": ""}, b"Enter your name."),
])
def test_sign_up_bad_input_re_renders_with_message(client, db, over, message):
    resp, _ = _signup(client, **over)
    assert resp.status_code == 422
    assert message in resp.data
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 0


def test_sign_up_service_refuses_weak_password_even_without_form():
    from eventsapp.auth.services import create_user
    from eventsapp.errors import ValidationFailed

    with pytest.raises(ValidationFailed) as exc:
        create_user("weak@example.org", "Weak", "123456789")
    assert "password" in exc.value.fields


def test_signed_in_user_visiting_signup_is_sent_home(login_as, make_user):
    client = login_as(make_user())
    resp = client.get("/signup")
    assert resp.status_code == 302


# ------------------------------------------------------------------ sign in

def test_sign_in_with_right_password(client, make_user, db):
    user = make_user("Right@Example.org")
    resp = client.post("/login", data={"email": "right@example.org", "password": PASSWORD})
    assert resp.status_code == 302 and resp.headers["Location"] == "/"
    assert _signed_in(client)
    assert _user(db, user.email).last_login_at is not None


def test_sign_in_email_is_case_insensitive(client, make_user):
    make_user("mixed@example.org")
    resp = client.post("/login", data={"email": "  MIXED@example.org ", "password": PASSWORD})
    assert resp.status_code == 302


@pytest.mark.parametrize("email", ["someone@example.org", "nobody@example.org"])
def test_wrong_password_or_unknown_email_gives_same_clear_message(client, make_user, email):
    make_user("someone@example.org")
    resp = client.post("/login", data={"email": email, "password": "wrong-password-here"})
    assert resp.status_code == 422
    assert b"Wrong email or password." in resp.data
    assert not _signed_in(client)


def test_inactive_account_cannot_sign_in(client, make_user, db):
    user = make_user("gone@example.org")
    user.active = False
    db.session.commit()
    resp = client.post("/login", data={"email": "gone@example.org", "password": PASSWORD})
    assert resp.status_code == 422


def _retry_after(resp) -> int:
    value = int(resp.headers["Retry-After"])
    assert 1 <= value <= 3600, value
    return value


def test_too_many_sign_in_attempts_from_one_address_get_429(client, make_user, app):
    make_user("target@example.org")
    limit = int(app.config["LOGIN_RATE_LIMIT"].split()[0])
    # Different accounts each time: only the per-address limit is at work.
    for i in range(limit):
        resp = client.post("/login", data={"email": f"u{i}@example.org", "password": "nope-nope-nope"})
        assert resp.status_code == 422
    resp = client.post("/login", data={"email": "target@example.org", "password": PASSWORD})
    assert resp.status_code == 429
    assert b"Too many requests" in resp.data
    assert 1 <= _retry_after(resp) <= 60
    # Even the right password is refused until the window passes.
    assert not _signed_in(client)
    # Reading the form is not limited.
    assert client.get("/login").status_code == 200


def _from(app, address):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def test_failed_sign_ins_for_one_account_are_limited_across_addresses(app, make_user):
    make_user("victim@example.org")
    make_user("bystander@example.org")
    limit = int(app.config["LOGIN_ACCOUNT_RATE_LIMIT"].split()[0])
    for i in range(limit):
        resp = _from(app, f"10.0.0.{i + 1}").post(
            "/login", data={"email": "victim@example.org", "password": f"guess-{i}-guess"})
        assert resp.status_code == 422
    # The submitted email is normalized: case and spaces do not make a new account key.
    resp = _from(app, "10.0.1.1").post("/login", data={"email": " VICTIM@example.org ",
                                                       "password": PASSWORD})
    assert resp.status_code == 429
    assert 1 <= _retry_after(resp) <= 60
    # Other accounts from the same addresses are not affected.
    assert _from(app, "10.0.0.1").post("/login", data={"email": "bystander@example.org",
                                                       "password": PASSWORD}).status_code == 302


def test_successful_sign_ins_do_not_count_against_the_account(app, make_user):
    make_user("often@example.org")
    limit = int(app.config["LOGIN_ACCOUNT_RATE_LIMIT"].split()[0])
    for i in range(limit + 2):
        resp = _from(app, f"10.0.2.{i + 1}").post(
            "/login", data={"email": "often@example.org", "password": PASSWORD})
        assert resp.status_code == 302


def test_retry_after_is_never_zero_in_the_last_second_of_a_window(app_config):
    from eventsapp import create_app
    from tests.conftest import FreshContextClient

    app_config.update(LOGIN_RATE_LIMIT="1 per second")
    app = create_app(app_config)
    app.test_client_class = FreshContextClient
    with app.app_context():
        client = app.test_client()
        seen = []
        for _ in range(30):
            resp = client.post("/login", data={"email": "x@example.org", "password": "y"})
            if resp.status_code == 429:
                seen.append(int(resp.headers["Retry-After"]))
    assert seen and all(v == 1 for v in seen), seen


@pytest.mark.parametrize("evil", [
    "//evil.com", "https://evil.com", "http://evil.com/path", "/\\evil.com", "\\\\evil.com",
    "javascript:alert(1)", "///evil.com", " //evil.com", "/\t/evil.com", "https:evil.com",
    "evil.com",
])
def test_next_only_redirects_within_this_site(client, make_user, evil):
    make_user("next@example.org")
    page = client.get("/login", query_string={"next": evil})
    assert page.status_code == 200
    assert b"evil" not in page.data
    resp = client.post("/login", query_string={"next": evil},
                       data={"email": "next@example.org", "password": PASSWORD, "next": evil})
    assert resp.status_code == 302
    assert resp.headers["Location"] == "/"


def test_next_to_a_local_path_is_followed(client, make_user):
    make_user("local@example.org")
    resp = client.post("/login", data={"email": "local@example.org", "password": PASSWORD,
                                       "next": "/account?tab=tokens"})
    assert resp.headers["Location"] == "/account?tab=tokens"


def test_login_page_carries_next_from_a_protected_page(client, make_event, make_user):
    event = make_event()
    resp = client.get(f"/events/{event.slug}/console/")
    assert resp.status_code == 302
    login_page = client.get(resp.headers["Location"])
    assert f"/events/{event.slug}/console/".encode() in login_page.data


# ------------------------------------------------------------------ sign out

def test_sign_out_is_a_post(client, make_user):
    user = make_user()
    login(client, user)
    assert client.get("/logout").status_code == 405
    assert _signed_in(client)
    resp = client.post("/logout", data={})
    assert resp.status_code == 302
    assert not _signed_in(client)


def test_sign_out_without_csrf_token_is_refused(app, client, make_user):
    app.config["WTF_CSRF_ENABLED"] = True
    user = make_user()
    login(client, user)
    resp = client.post("/logout", data={})
    assert resp.status_code == 400
    assert _signed_in(client)
    # With the token from a page, it works.
    page = client.get("/account")
    token = re.search(rb'name="csrf_token"[^>]*value="([^"]+)"', page.data).group(1).decode()
    resp = client.post("/logout", data={"csrf_token": token})
    assert resp.status_code == 302
    assert not _signed_in(client)


# ------------------------------------------------------------------ change password

def test_change_password_ends_other_sessions_but_keeps_this_one(app, make_user, db):
    user = make_user("change@example.org")
    here, elsewhere = app.test_client(), app.test_client()
    for c in (here, elsewhere):
        c.post("/login", data={"email": user.email, "password": PASSWORD})
        assert _signed_in(c)
    resp = here.post("/account/password", data={
        "current_password": PASSWORD, "password": "a-brand-new-password", "confirm": "a-brand-new-password"})
    assert resp.status_code == 302
    assert _signed_in(here)
    assert not _signed_in(elsewhere)
    fresh = app.test_client()
    assert fresh.post("/login", data={"email": user.email, "password": PASSWORD}).status_code == 422
    assert fresh.post("/login", data={"email": user.email,
                                      "password": "a-brand-new-password"}).status_code == 302


@pytest.mark.parametrize("data, message", [
    ({"current_password": "not-it-at-all", "password": "a-brand-new-password",
      "confirm": "a-brand-new-password"}, b"current password is not right"),
    ({"current_password": PASSWORD, "password": "short", "confirm": "short"}, b"at least 10"),
    ({"current_password": PASSWORD, "password": "a-brand-new-password",
      "confirm": "different-password-x"}, b"The passwords differ"),
])
def test_change_password_bad_input(login_as, make_user, db, data, message):
    user = make_user()
    old_hash = user.password_hash
    client = login_as(user)
    resp = client.post("/account/password", data=data)
    assert resp.status_code == 422
    assert message in resp.data
    db.session.expire_all()
    assert db.session.get(User, user.id).password_hash == old_hash


def test_remember_me_cookie_is_httponly(client, make_user):
    make_user("remember@example.org")
    resp = client.post("/login", data={"email": "remember@example.org", "password": PASSWORD,
                                       "remember": "y"})
    cookies = resp.headers.getlist("Set-Cookie")
    remember = [c for c in cookies if c.startswith("remember_token=")]
    assert remember and "HttpOnly" in remember[0] and "SameSite=Lax" in remember[0]


# ------------------------------------------------------------------ API tokens, account page

def test_account_page_creates_token_shown_once_and_stored_hashed(login_as, make_user, db):
    user = make_user()
    client = login_as(user)
    resp = client.post("/account/tokens", data={"name": "my script"})
    assert resp.status_code == 200
    plain = re.search(rb'id="new-token">([^<]+)<', resp.data).group(1).decode()
    assert len(plain) >= 40
    token = db.session.scalar(sa.select(ApiToken).where(ApiToken.user_id == user.id))
    assert token.name == "my script"
    assert token.token_hash != plain and plain not in token.token_hash
    # Shown only once.
    assert plain.encode() not in client.get("/account").data
    # It works on the API.
    assert client.get("/api/v1/events",
                      headers={"Authorization": f"Bearer {plain}"}).status_code == 200


def test_token_needs_a_name(login_as, make_user):
    client = login_as(make_user())
    resp = client.post("/account/tokens", data={"name": ""})
    assert resp.status_code == 422


def test_revoking_a_token_from_the_account_page(login_as, make_user, api_token, db):
    user = make_user()
    headers = api_token(user)
    token = db.session.scalar(sa.select(ApiToken).where(ApiToken.user_id == user.id))
    client = login_as(user)
    resp = client.post(f"/account/tokens/{token.id}/revoke", data={"confirm": "1"})
    assert resp.status_code == 302
    resp = client.get("/api/v1/events", headers=headers)
    assert resp.status_code == 401
    assert resp.get_json()["error"]["code"] == "unauthorized"


def test_cannot_revoke_someone_elses_token(login_as, make_user, api_token, db):
    owner, other = make_user(), make_user()
    headers = api_token(owner)
    token = db.session.scalar(sa.select(ApiToken).where(ApiToken.user_id == owner.id))
    client = login_as(other)
    assert client.post(f"/account/tokens/{token.id}/revoke", data={}).status_code == 404
    assert client.get("/api/v1/events", headers=headers).status_code == 200


# ------------------------------------------------------------------ roles

def test_roles_of_each_kind(app, make_user, make_event, make_person, make_session, db):
    """Administrator, organizer, check-in staff, speaker and attendee are told apart."""
    from eventsapp.permissions import Need, can

    event, other = make_event(), make_event()
    admin = make_user(is_admin=True)
    organizer = make_user(organizer_of=event)
    staff = make_user(staff_of=event)
    attendee = make_user()
    speaker_user = make_user()
    person = make_person("Sam Speaker", user=speaker_user)
    make_session(event, people=[(person, "panellist")])

    assert can(admin, Need.ADMIN) and can(admin, Need.MANAGE, other)
    assert can(organizer, Need.MANAGE, event) and not can(organizer, Need.MANAGE, other)
    assert can(organizer, Need.CHECKIN, event)
    assert can(staff, Need.CHECKIN, event) and not can(staff, Need.MANAGE, event)
    assert not can(staff, Need.CHECKIN, other)
    for plain in (attendee, speaker_user):
        assert can(plain, Need.VIEW, event)
        assert not can(plain, Need.CHECKIN, event) and not can(plain, Need.MANAGE, event)
    assert not can(organizer, Need.ADMIN)
    # A speaker is a user linked to a person on the programme.
    db.session.expire_all()
    assert db.session.get(User, speaker_user.id).person.name == "Sam Speaker"


# ------------------------------------------------------------------ password strength

WEAK = ["aaaaaaaaaa", "1234567890", "password123", "ada.lovelace@example.org", "AdaLovelace1"]


@pytest.mark.parametrize("weak", WEAK)
def test_sign_up_refuses_common_trivial_and_personal_passwords(client, db, weak):
    resp, _ = _signup(client, email="ada.lovelace@example.org", name="Ada Lovelace",
                      password=weak, confirm=weak)
    assert resp.status_code == 422
    html = resp.data.decode()
    # zxcvbn's feedback is shown with the field.
    assert re.search(r"(guess|common|Repeats|word|name or email)", html), html[:2000]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 0


@pytest.mark.parametrize("weak", WEAK)
def test_change_password_refuses_weak_passwords(login_as, make_user, db, weak):
    user = make_user("ada.lovelace@example.org", name="Ada Lovelace")
    old_hash = user.password_hash
    resp = login_as(user).post("/account/password", data={
        "current_password": PASSWORD, "password": weak, "confirm": weak})
    assert resp.status_code == 422
    db.session.expire_all()
    assert db.session.get(User, user.id).password_hash == old_hash


def test_set_password_refuses_weak_passwords(make_user):
    from eventsapp.auth.services import set_password
    from eventsapp.errors import ValidationFailed

    user = make_user("grace@example.org", name="Grace Hopper")
    for weak in ("password123", "gracehopper1", "grace@example.org"):
        with pytest.raises(ValidationFailed) as exc:
            set_password(user, weak)
        assert exc.value.fields["password"]
    set_password(user, "velvet-kettle-orbit-42")


@pytest.mark.parametrize("password, ok", [("password123", False), ("1234567890", False),
                                          ("velvet-kettle-orbit-42", True)])
def test_create_admin_command_checks_the_password(app, db, monkeypatch, password, ok):
    monkeypatch.setenv("ADMIN_PASSWORD", password)
    result = app.test_cli_runner().invoke(args=["create-admin", "root@example.org"])
    assert (result.exit_code == 0) is ok, result.output
    assert (_user(db, "root@example.org") is not None) is ok
