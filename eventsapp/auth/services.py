"""Accounts, sign-in, passwords, event roles and API tokens."""
from __future__ import annotations

from datetime import datetime
from functools import cache

import sqlalchemy as sa
from email_validator import EmailNotValidError, validate_email
from werkzeug.security import check_password_hash, generate_password_hash

from ..errors import Conflict, NotFound, ValidationFailed
from ..extensions import db
from ..models import ApiToken, Event, EventRole, EventRoleKind, User, utcnow
from ..security import hash_token, new_token

MIN_PASSWORD = 10
# A hash to compare against when the email is unknown, so timing does not tell.
_DUMMY_HASH = generate_password_hash("not-a-real-password-0")


def normalize_email(email: str) -> str:
    """Validated, lower-cased address; raises ValidationFailed with a field message."""
    try:
        info = validate_email((email or "").strip(), check_deliverability=False)
    except EmailNotValidError as exc:
        raise ValidationFailed("Invalid email address.", fields={"email": [str(exc)]}) from exc
    return info.normalized.lower()


def check_password_strength(password: str) -> None:
    if len(password or "") < MIN_PASSWORD:
        raise ValidationFailed(
            f"Use at least {MIN_PASSWORD} characters.",
            fields={"password": [f"Use at least {MIN_PASSWORD} characters."]})


def find_user_by_email(email: str) -> User | None:
    return db.session.scalar(sa.select(User).where(User.email == email.strip().lower()))


def create_user(email: str, name: str, password: str, *, is_admin: bool = False,
                organization: str | None = None) -> User:
    """Sign up; raises Conflict when the email already has an account."""
    email = normalize_email(email)
    check_password_strength(password)
    if not (name or "").strip():
        raise ValidationFailed("Enter your name.", fields={"name": ["Enter your name."]})
    if find_user_by_email(email):
        raise Conflict("An account with this email already exists. Sign in instead.",
                       fields={"email": ["An account with this email already exists."]})
    user = User(email=email, name=name.strip(), is_admin=is_admin,
                password_hash=generate_password_hash(password), organization=organization)
    db.session.add(user)
    try:
        db.session.commit()
    except sa.exc.IntegrityError as exc:  # two sign-ups racing for one address
        db.session.rollback()
        raise Conflict("An account with this email already exists. Sign in instead.",
                       fields={"email": ["An account with this email already exists."]}) from exc
    return user


def authenticate(email: str, password: str) -> User | None:
    """The user if the password matches and the account is active, else None."""
    user = find_user_by_email(email or "")
    if user is None:
        check_password_hash(_DUMMY_HASH, password or "")
        return None
    if not check_password_hash(user.password_hash, password or "") or not user.active:
        return None
    user.last_login_at = utcnow()
    db.session.commit()
    return user


def change_password(user: User, current: str, new: str) -> None:
    if not check_password_hash(user.password_hash, current or ""):
        raise ValidationFailed("Your current password is not right.",
                               fields={"current_password": ["Your current password is not right."]})
    check_password_strength(new)
    user.password_hash = generate_password_hash(new)
    user.session_version += 1  # other signed-in sessions end
    db.session.commit()


def set_password(user: User, new: str) -> None:
    check_password_strength(new)
    user.password_hash = generate_password_hash(new)
    user.session_version += 1
    db.session.commit()


def load_user_from_session_id(session_id: str) -> User | None:
    """Flask-Login loader: '<id>:<version>', so a password change ends old sessions."""
    try:
        uid, version = (int(p) for p in session_id.split(":", 1))
    except (ValueError, AttributeError):
        return None
    user = db.session.get(User, uid)
    if user is None or user.session_version != version or not user.active:
        return None
    return user


def grant_event_role(event: Event, email: str, role: EventRoleKind) -> EventRole:
    """Make an existing account an organizer or check-in staff of an event."""
    user = find_user_by_email(email)
    if user is None:
        raise NotFound("No account with that email. Ask them to sign up first.",
                       fields={"email": ["No account with that email."]})
    existing = db.session.scalar(sa.select(EventRole).where(
        EventRole.user_id == user.id, EventRole.event_id == event.id, EventRole.role == role))
    if existing:
        return existing
    grant = EventRole(user=user, event=event, role=role)
    db.session.add(grant)
    db.session.commit()
    return grant


def revoke_event_role(event: Event, role_id: int) -> None:
    grant = db.session.get(EventRole, role_id)
    if grant is None or grant.event_id != event.id:
        raise NotFound("No such role.")
    db.session.delete(grant)
    db.session.commit()


def create_api_token(user: User, name: str) -> tuple[ApiToken, str]:
    """A new token; the plain value is returned once and never stored."""
    name = (name or "").strip()[:100] or "API token"
    plain = "ea_" + new_token(32)  # 256 bits
    token = ApiToken(user=user, name=name, token_hash=hash_token(plain), prefix=plain[:10])
    db.session.add(token)
    db.session.commit()
    return token, plain


def revoke_api_token(user: User, token_id: int) -> None:
    token = db.session.get(ApiToken, token_id)
    if token is None or (token.user_id != user.id and not user.is_admin):
        raise NotFound("No such token.")
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        db.session.commit()


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
        from ..db_tx import begin_write

        # A write transaction from the start: on SQLite, upgrading this read transaction
        # to a write fails at once ("database is locked") when concurrent calls race.
        begin_write()
        db.session.execute(sa.update(ApiToken).where(ApiToken.id == token_id)
                           .values(last_used_at=now))
        db.session.commit()
    return user


def active_tokens(user: User) -> list[ApiToken]:
    return list(db.session.scalars(sa.select(ApiToken).where(
        ApiToken.user_id == user.id).order_by(ApiToken.created_at.desc())))


def last_login(user: User) -> datetime | None:
    return user.last_login_at
