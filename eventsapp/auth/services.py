"""Accounts, sign-in, passwords, event roles and API tokens."""
from __future__ import annotations

from contextlib import nullcontext
from datetime import datetime, timedelta
from functools import cache

import sqlalchemy as sa
from flask_babel import force_locale
from flask_babel import gettext as _
from werkzeug.security import check_password_hash, generate_password_hash
from zxcvbn import zxcvbn

from ..db_tx import rowcount, transaction, use_case
from ..errors import Conflict, NotFound, ValidationFailed
from ..extensions import db
from ..i18n import N_, valid_language
from ..inputs import load
from ..models import ApiToken, Event, EventRole, EventRoleKind, User, utcnow
from ..models.users import LoginSession
from ..security import hash_token, new_token
from .schemas import NewPasswordSchema, SignUpSchema

# zxcvbn's score: 3 is "safely unguessable" (about 10^8 guesses and more) against
# online attacks, which the sign-in rate limits slow further.
MIN_PASSWORD_SCORE = 3
# zxcvbn's time grows with the length; nothing past this adds to a decision.
_ZXCVBN_MAX_CHARS = 100
# A hash to compare against when the email is unknown, so timing does not tell.
_DUMMY_HASH = generate_password_hash("not-a-real-password-0")


def _personal_words(email: str | None, name: str | None, organization: str | None) -> list[str]:
    """What the account says about its owner: a password built from it is guessed first."""
    words: list[str] = ["eventsapp"]
    if email:
        local, _at, domain = email.strip().lower().partition("@")
        words += [email.strip().lower(), local, domain.split(".")[0]]
        words += [p for p in local.replace("_", ".").replace("-", ".").split(".") if len(p) > 2]
    for text in (name, organization):
        if text and text.strip():
            words.append(text.strip().lower())
            words.append("".join(text.lower().split()))
            words += [p for p in text.lower().split() if len(p) > 2]
    return [w for w in words if w]


def check_password_strength(password: str, *, email: str | None = None, name: str | None = None,
                            organization: str | None = None) -> None:
    """Refuse common and guessable passwords (zxcvbn); its feedback is the message. The
    length bounds are the schemas' (``schemas.Password``), checked before this."""
    password = password or ""
    result = zxcvbn(password[:_ZXCVBN_MAX_CHARS],
                    user_inputs=_personal_words(email, name, organization))
    if result["score"] < MIN_PASSWORD_SCORE:
        feedback = result.get("feedback") or {}
        parts = [feedback.get("warning") or _("This password is too easy to guess.")]
        parts += feedback.get("suggestions") or []
        if (email or name) and not feedback.get("warning"):
            parts.append(_("Do not use your name or email address."))
        message = " ".join(p.strip() for p in parts if p and p.strip())
        raise ValidationFailed(message, fields={"password": [message]})


def find_user_by_email(email: str) -> User | None:
    return db.session.scalar(sa.select(User).where(User.email == email.strip().lower()))


_EXISTS = N_("An account with this email already exists. Sign in instead.")


def create_user(email: str, name: str, password: str, *, is_admin: bool = False,
                organization: str | None = None) -> User:
    """Create an account (command line, tests); raises Conflict when the email has one.

    Its inputs load through the sign-up schema here: the command line has no form. The
    public sign-up page uses ``sign_up``, which never tells whether an address is known.
    """
    data = load(SignUpSchema(), {"email": email, "name": name, "password": password,
                                 "organization": organization})
    check_password_strength(password, email=data["email"], name=data["name"],
                            organization=data["organization"])
    password_hash = generate_password_hash(password)
    try:
        return _insert_user(data, password_hash, is_admin=is_admin)
    except sa.exc.IntegrityError as exc:  # two sign-ups racing for one address
        raise Conflict(_(_EXISTS), fields={"email": [_(_EXISTS)]}) from exc


@use_case
def _insert_user(data: dict, password_hash: str, *, is_admin: bool) -> User:
    if find_user_by_email(data["email"]):
        raise Conflict(_(_EXISTS), fields={"email": [_(_EXISTS)]})
    user = User(email=data["email"], name=data["name"], is_admin=is_admin,
                password_hash=password_hash, organization=data["organization"] or None)
    db.session.add(user)
    db.session.flush()  # a racing insert of the address fails here, inside the use case
    return user


def sign_up(data: dict, *, login_url: str) -> User | None:
    """Public sign-up (``data`` loaded by ``SignUpSchema``) that answers the same whether
    or not the address has an account.

    A new address gets its account and a welcome mail; a known one gets a mail telling
    its owner that someone tried (nothing changes). Returns the new user or None; the
    caller shows the same "check your mail" page either way. A weak password (the same
    for both) raises ValidationFailed before anything is decided.
    """
    email, name, organization = data["email"], data["name"], data["organization"] or None
    check_password_strength(data["password"], email=email, name=name,
                            organization=organization)
    # Hashed in both branches, so the time taken does not tell them apart either.
    password_hash = generate_password_hash(data["password"])
    try:
        return _sign_up_once(email, name, organization, password_hash, login_url)
    except sa.exc.IntegrityError:  # a sign-up for the same address won the race
        _tell_owner(email, login_url)
        return None


@use_case
def _sign_up_once(email: str, name: str, organization: str | None, password_hash: str,
                  login_url: str) -> User | None:
    """The account and its welcome mail, or (known address) the owner's mail."""
    from ..mail.outbox import queue_mail

    if find_user_by_email(email) is not None:
        _tell_owner(email, login_url)
        return None
    user = User(email=email, name=name, password_hash=password_hash, organization=organization)
    db.session.add(user)
    queue_mail(to=email, subject=_("Your eventsapp account is ready"), kind="account_welcome",
               text=_("Hello %(name)s,\n\nYour eventsapp account for %(email)s is ready."
                      "\nSign in here: %(url)s\n\nIf you did not create it, ignore this"
                      " message: nobody can sign in without the password that was chosen.\n",
                      name=name, email=email, url=login_url))
    db.session.flush()
    return user


@use_case
def _tell_owner(email: str, login_url: str) -> None:
    from ..mail.outbox import queue_mail

    owner = find_user_by_email(email)
    language = valid_language(owner.language) if owner is not None else None
    with force_locale(language) if language else nullcontext():  # the owner's, if chosen
        subject = _("Someone tried to sign up with your address")
        text = _("Hello,\n\nSomeone (perhaps you) tried to create an eventsapp account with "
                 "%(email)s, which already has one. Nothing was changed.\n\nSign in here: "
                 "%(url)s\nIf you forgot your password, ask the event organizers to "
                 "reset it.\nIf it was not you, you can ignore this message.\n",
                 email=email, url=login_url)
    queue_mail(to=email, subject=subject, kind="account_exists", text=text)


# Passwords are hashed and checked before a use case begins: a hash takes tens of
# milliseconds, and on SQLite a use case holds the database's write lock.


def authenticate(email: str, password: str) -> User | None:
    """The user if the password matches and the account is active, else None."""
    user = find_user_by_email(email or "")
    if user is None:
        check_password_hash(_DUMMY_HASH, password or "")
        return None
    if not check_password_hash(user.password_hash, password or "") or not user.active:
        return None
    _signed_in(user)
    return user


@use_case
def _signed_in(user: User) -> None:
    user.last_login_at = utcnow()


def change_password(user: User, current: str, new: str, *, keep_session_key: str | None) -> None:
    """Change the password; every login session but ``keep_session_key`` ends."""
    if not check_password_hash(user.password_hash, current or ""):
        wrong = _("Your current password is not right.")
        raise ValidationFailed(wrong, fields={"current_password": [wrong]})
    check_password_strength(new, email=user.email, name=user.name,
                            organization=user.organization)
    _store_password(user, generate_password_hash(new), keep_key=keep_session_key)


def set_password(user: User, new: str, *, make_admin: bool = False) -> None:
    """Set a password without the old one (administrators, the command line, which has no
    form: the schema is loaded here); every login session ends. ``make_admin``: the
    account also becomes an administrator, in the same use case."""
    load(NewPasswordSchema(), {"password": new})
    check_password_strength(new, email=user.email, name=user.name,
                            organization=user.organization)
    _store_password(user, generate_password_hash(new), keep_key=None, make_admin=make_admin)


@use_case
def _store_password(user: User, password_hash: str, *, keep_key: str | None,
                    make_admin: bool = False) -> None:
    user.password_hash = password_hash
    if make_admin:
        user.is_admin = True
    _revoke_sessions(user, keep_key=keep_key)


# ------------------------------------------------------------------ login sessions
#
# Flask-Login stores ``User.get_id()`` in the signed session cookie and in the remember
# cookie. That value is the random key of a row in user_sessions (128+ bits, stored as
# its SHA-256), so the server decides whether a cookie still signs anyone in: sign-out,
# "sign out everywhere" and a password change revoke rows, and replayed cookies load no one.

# Writing last_seen_at on every request would make each page a write; this is precise
# enough for an idle timeout counted in hours.
_TOUCH_EVERY = timedelta(minutes=5)


@use_case
def start_login_session(user: User, *, remember: bool, now: datetime | None = None) -> str:
    """Open a login session for ``user``; returns its key, also set as ``user.get_id()``."""
    now = now or utcnow()
    key = new_token(24)  # 192 bits
    _prune_sessions(user, now)
    db.session.add(LoginSession(user_id=user.id, key_hash=hash_token(key), remember=remember,
                                created_at=now, last_seen_at=now))
    _remember_key(user, key)
    return key


def _remember_key(user: User, key: str) -> None:
    # Not a column (one account has a key per browser): the model declares it without a
    # type, since a declarative class takes only Mapped[] annotations.
    user.login_session_key = key  # type: ignore[assignment]


@use_case
def end_login_session(key: str | None) -> None:
    """Sign-out: the session's cookies (session and remember) stop working."""
    if not key:
        return
    db.session.execute(sa.update(LoginSession)
                       .where(LoginSession.key_hash == hash_token(key),
                              LoginSession.revoked_at.is_(None))
                       .values(revoked_at=utcnow())
                       .execution_options(synchronize_session=False))


@use_case
def end_all_login_sessions(user: User) -> int:
    """"Sign out everywhere": every login session of the account ends, this one included."""
    return _revoke_sessions(user, keep_key=None)


def _revoke_sessions(user: User, *, keep_key: str | None) -> int:
    q = sa.update(LoginSession).where(LoginSession.user_id == user.id,
                                      LoginSession.revoked_at.is_(None))
    if keep_key:
        q = q.where(LoginSession.key_hash != hash_token(keep_key))
    return rowcount(db.session.execute(q.values(revoked_at=utcnow())
                                       .execution_options(synchronize_session=False)))


def _limits(cfg=None) -> tuple[timedelta, timedelta]:
    from flask import current_app

    cfg = cfg if cfg is not None else current_app.config
    remember_for = cfg.get("REMEMBER_COOKIE_DURATION") or timedelta(days=30)
    if not isinstance(remember_for, timedelta):
        remember_for = timedelta(seconds=int(remember_for))
    idle = timedelta(hours=int(cfg.get("LOGIN_IDLE_HOURS") or 12))
    return remember_for, idle


def _prune_sessions(user: User, now: datetime) -> None:
    """Forget this account's ended sessions (they load no one anyway); keeps the table small."""
    remember_for, idle = _limits()
    db.session.execute(sa.delete(LoginSession).where(
        LoginSession.user_id == user.id,
        sa.or_(LoginSession.revoked_at.is_not(None),
               LoginSession.created_at < now - remember_for,
               sa.and_(LoginSession.remember.is_(False), LoginSession.last_seen_at < now - idle)))
        .execution_options(synchronize_session=False))


def _session_live(row: LoginSession, now: datetime, remember_for: timedelta, idle: timedelta) -> bool:
    if row.revoked_at is not None or row.created_at <= now - remember_for:
        return False
    return row.remember or row.last_seen_at > now - idle


def load_user_from_session_id(session_id: str) -> User | None:
    """Flask-Login loader: the user of a live login session with this key, else None."""
    if not session_id or len(session_id) > 200:
        return None
    fresh = not db.session().in_transaction()
    row = db.session.execute(
        sa.select(User, LoginSession).join(LoginSession, LoginSession.user_id == User.id)
        .where(LoginSession.key_hash == hash_token(session_id), User.active)).first()
    if row is None:
        return None
    user, login_session = row
    now = utcnow()
    remember_for, idle = _limits()
    if not _session_live(login_session, now, remember_for, idle):
        return None
    _remember_key(user, session_id)
    # Only when nothing else ran in this transaction yet: the touch must not carry
    # anybody else's work (the loader runs wherever current_user is first read).
    if fresh and now - login_session.last_seen_at > _TOUCH_EVERY:
        session_pk = login_session.id
        with transaction():
            db.session.execute(sa.update(LoginSession).where(LoginSession.id == session_pk)
                               .values(last_seen_at=now)
                               .execution_options(synchronize_session=False))
    return user


def session_key_hash(key: str | None) -> str:
    """The stored form of a login-session key (to mark "this browser" in a list)."""
    return hash_token(key) if key else ""


def active_login_sessions(user: User, *, now: datetime | None = None) -> list[LoginSession]:
    """The account's live login sessions, most recently used first (account page)."""
    now = now or utcnow()
    remember_for, idle = _limits()
    rows = db.session.scalars(sa.select(LoginSession).where(
        LoginSession.user_id == user.id, LoginSession.revoked_at.is_(None))
        .order_by(LoginSession.last_seen_at.desc()))
    return [r for r in rows if _session_live(r, now, remember_for, idle)]


@use_case
def grant_event_role(event: Event, email: str, role: EventRoleKind) -> EventRole:
    """Make an existing account an organizer or check-in staff of an event (``email`` and
    ``role`` loaded by ``console.schemas.TeamGrantSchema``)."""
    user = find_user_by_email(email)
    if user is None:
        raise NotFound(_("No account with that email. Ask them to sign up first."),
                       fields={"email": [_("No account with that email.")]})
    existing = db.session.scalar(sa.select(EventRole).where(
        EventRole.user_id == user.id, EventRole.event_id == event.id, EventRole.role == role))
    if existing:
        return existing
    grant = EventRole(user=user, event=event, role=role)
    db.session.add(grant)
    return grant


def event_role_of(event: Event, role_id: int) -> EventRole:
    """One of ``event``'s team roles; else NotFound."""
    grant = db.session.get(EventRole, role_id)
    if grant is None or grant.event_id != event.id:
        raise NotFound(_("No such role."))
    return grant


@use_case
def revoke_event_role(event: Event, role_id: int) -> None:
    db.session.delete(event_role_of(event, role_id))


@use_case
def create_api_token(user: User, name: str) -> tuple[ApiToken, str]:
    """A new token named ``name`` (loaded by ``ApiTokenSchema``, or the command line's
    own); the plain value is returned once and never stored."""
    plain = "ea_" + new_token(32)  # 256 bits
    token = ApiToken(user=user, name=name, token_hash=hash_token(plain), prefix=plain[:10])
    db.session.add(token)
    return token, plain


def api_token_of(user: User, token_id: int) -> ApiToken:
    """One of ``user``'s tokens (any, for an administrator); else NotFound."""
    token = db.session.get(ApiToken, token_id)
    if token is None or (token.user_id != user.id and not user.is_admin):
        raise NotFound(_("No such token."))
    return token


@use_case
def revoke_api_token(user: User, token_id: int) -> None:
    token = api_token_of(user, token_id)
    if token.revoked_at is None:
        token.revoked_at = utcnow()


@cache
def _token_statement() -> sa.Select:
    """Built once (bind parameter ``token_hash``): every API call runs it."""
    return (sa.select(User, ApiToken.id, ApiToken.last_used_at)
            .select_from(ApiToken).join(User, User.id == ApiToken.user_id)
            .where(ApiToken.token_hash == sa.bindparam("token_hash"),
                   ApiToken.revoked_at.is_(None), User.active))


def user_for_token(plain: str) -> User | None:
    """The active user behind a bearer token, or None.

    One statement on every API call: the token's user comes with it (a live token of
    an active account), not by a second lazy load.
    """
    if not plain or len(plain) > 200:
        return None
    row = db.session.execute(_token_statement(), {"token_hash": hash_token(plain)}).first()
    if row is None:
        return None
    user, token_id, last_used_at = row
    now = utcnow()
    # Touch at most once a minute: a write per API call would serialize a busy client.
    if last_used_at is None or (now - last_used_at).total_seconds() > 60:
        # Its own use case (on SQLite with the write lock from the start: upgrading this
        # read transaction fails at once, "database is locked", when concurrent calls race).
        with transaction():
            db.session.execute(sa.update(ApiToken).where(ApiToken.id == token_id)
                               .values(last_used_at=now))
    return user


def active_tokens(user: User) -> list[ApiToken]:
    return list(db.session.scalars(sa.select(ApiToken).where(
        ApiToken.user_id == user.id).order_by(ApiToken.created_at.desc())))


def last_login(user: User) -> datetime | None:
    return user.last_login_at
