"""Settings read from the environment. Nothing here raises at import time."""
from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path


def _bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _int(name: str, default: int) -> int:
    try:
        return int(os.environ.get(name, default))
    except (TypeError, ValueError):
        return default


def load_secret_key(instance_path: str) -> str:
    """Return SECRET_KEY from the environment, or one generated once into instance/."""
    key = os.environ.get("SECRET_KEY")
    if key:
        return key
    path = Path(instance_path) / "secret_key"
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)  # 256 bits
    # Written with 0600: the key signs sessions and CSRF tokens.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(key)
    return key


def _float(name: str, default: float) -> float:
    try:
        return float(os.environ.get(name, default))
    except (TypeError, ValueError):
        return default


def _optional_bool(name: str) -> bool | None:
    return None if os.environ.get(name) is None else _bool(name)


def from_environment(instance_path: str) -> dict:
    """Build the configuration mapping from environment variables."""
    default_db = "sqlite:///" + str(Path(instance_path) / "eventsapp.sqlite3")
    database_url = os.environ.get("DATABASE_URL", default_db)
    # Heroku-style URLs name the old driver; we ship psycopg 3.
    if database_url.startswith("postgres://"):
        database_url = "postgresql+psycopg://" + database_url[len("postgres://"):]
    elif database_url.startswith("postgresql://"):
        database_url = "postgresql+psycopg://" + database_url[len("postgresql://"):]
    base_url = os.environ.get("BASE_URL", "http://127.0.0.1:5000").rstrip("/")
    return {
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "BASE_URL": base_url,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": base_url.startswith("https://"),
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": base_url.startswith("https://"),
        # "Keep me signed in" lasts this long; the server-side login session ends with it.
        "REMEMBER_COOKIE_DURATION": timedelta(days=max(1, _int("REMEMBER_COOKIE_DAYS", 30))),
        # A login session without "keep me signed in" ends after this long unused.
        "LOGIN_IDLE_HOURS": max(1, _int("LOGIN_IDLE_HOURS", 12)),
        "PREFERRED_URL_SCHEME": "https" if base_url.startswith("https://") else "http",
        "MAX_CONTENT_LENGTH": _int("MAX_CONTENT_LENGTH", 8 * 1024 * 1024),
        "WTF_CSRF_TIME_LIMIT": None,  # tied to the session, not a wall clock
        "RATELIMIT_STORAGE_URI": os.environ.get("RATELIMIT_STORAGE_URI", "memory://"),
        # Namespaces the counters when several apps share one Redis.
        "RATELIMIT_KEY_PREFIX": os.environ.get("RATELIMIT_KEY_PREFIX", "eventsapp"),
        "RATELIMIT_HEADERS_ENABLED": True,
        # Multiplies every limit; the benchmark raises it, nothing switches limits off.
        "RATELIMIT_MULTIPLIER": max(1, _int("RATELIMIT_MULTIPLIER", 1)),
        # Flask-Limiter writes its own Retry-After on every limited response, truncated
        # to whole seconds (0 in the last second of a window); ours is set on 429 only,
        # rounded up (errors.handle_http_exception), so its header goes under this name.
        "RATELIMIT_HEADER_RETRY_AFTER": "X-RateLimit-Retry-After",
        # Sign-in POSTs per client address (any outcome).
        "LOGIN_RATE_LIMIT": os.environ.get("LOGIN_RATE_LIMIT", "10 per minute"),
        # Failed sign-ins per account (the email submitted), from any address: slows
        # guessing spread over many addresses; a success never counts.
        "LOGIN_ACCOUNT_RATE_LIMIT": os.environ.get("LOGIN_ACCOUNT_RATE_LIMIT",
                                                   "5 per minute; 30 per hour"),
        "SIGNUP_RATE_LIMIT": os.environ.get("SIGNUP_RATE_LIMIT", "10 per hour"),
        # Sign-ups per email address: each one mails that address.
        "SIGNUP_EMAIL_RATE_LIMIT": os.environ.get("SIGNUP_EMAIL_RATE_LIMIT", "3 per hour"),
        # Per address: the registration form, the "lost link" form and the API share it.
        "REGISTRATION_RATE_LIMIT": os.environ.get("REGISTRATION_RATE_LIMIT", "10 per minute"),
        # PostgreSQL only: registrations take the one-round-trip rush path
        # (registration/rush_pg.py); off sends them through the general path.
        "REGISTRATION_FAST_PATH": _bool("REGISTRATION_FAST_PATH", True),
        # Failed badge scans per user (or address); successful scans never count.
        "CHECKIN_FAIL_RATE_LIMIT": os.environ.get("CHECKIN_FAIL_RATE_LIMIT",
                                                  "20 per minute; 200 per hour"),
        "ONLINE_LINKS_MAIL_RATE_LIMIT": os.environ.get("ONLINE_LINKS_MAIL_RATE_LIMIT",
                                                       "10 per hour"),
        # Refused invitation codes per client address; a valid code never counts.
        "INVITATION_CODE_RATE_LIMIT": os.environ.get("INVITATION_CODE_RATE_LIMIT",
                                                     "10 per hour"),
        "MAIL_SERVER": os.environ.get("MAIL_SERVER", ""),
        "MAIL_PORT": _int("MAIL_PORT", 25),
        "MAIL_USERNAME": os.environ.get("MAIL_USERNAME", ""),
        "MAIL_PASSWORD": os.environ.get("MAIL_PASSWORD", ""),
        "MAIL_USE_TLS": _bool("MAIL_USE_TLS"),
        "MAIL_USE_SSL": _bool("MAIL_USE_SSL"),
        "MAIL_FROM": os.environ.get("MAIL_FROM", "eventsapp <no-reply@localhost>"),
        "MAIL_MAX_ATTEMPTS": _int("MAIL_MAX_ATTEMPTS", 8),
        "MAIL_TIMEOUT": _float("MAIL_TIMEOUT", 20.0),
        # Retry backoff: base * 2**attempts seconds, capped.
        "MAIL_RETRY_BASE_SECONDS": _float("MAIL_RETRY_BASE_SECONDS", 60.0),
        "MAIL_RETRY_MAX_SECONDS": _float("MAIL_RETRY_MAX_SECONDS", 3600.0),
        # Try delivering right after the request that queued mail (None: on, except in tests).
        "MAIL_DELIVER_AFTER_REQUEST": _optional_bool("MAIL_DELIVER_AFTER_REQUEST"),
        # Number of reverse proxies in front of the app whose X-Forwarded-* headers to trust.
        "TRUSTED_PROXIES": max(0, _int("TRUSTED_PROXIES", 0)),
        "LOG_LEVEL": (os.environ.get("LOG_LEVEL") or "INFO").strip().upper(),
        "UPLOAD_FOLDER": os.environ.get("UPLOAD_FOLDER", str(Path(instance_path) / "uploads")),
        "PHOTO_MAX_BYTES": _int("PHOTO_MAX_BYTES", 2 * 1024 * 1024),
        # Documents sent with registrations (notes verbales, nomination letters): outside
        # the web root (default UPLOAD_FOLDER/documents), each at most this large; the
        # registration routes accept a body of MAX_CONTENT_LENGTH plus
        # DOCUMENT_REQUEST_FILES such documents.
        "DOCUMENTS_FOLDER": os.environ.get("DOCUMENTS_FOLDER", ""),
        "DOCUMENT_MAX_BYTES": _int("DOCUMENT_MAX_BYTES", 10 * 1024 * 1024),
        "DOCUMENT_REQUEST_FILES": max(1, _int("DOCUMENT_REQUEST_FILES", 3)),
        # Extra folder searched first for DejaVuSans(-Bold).ttf when drawing badges.
        "BADGE_FONT_DIR": os.environ.get("BADGE_FONT_DIR", ""),
        # Days after an event ends before its visa letter requests' passport details are
        # erased by `flask registration erase-visa-data` (0: as soon as it ends).
        "VISA_ERASE_AFTER_DAYS": max(0, _int("VISA_ERASE_AFTER_DAYS", 0)),
        "API_TITLE": "eventsapp API",
        "API_VERSION": "v1",
        "OPENAPI_VERSION": "3.0.3",
        "OPENAPI_URL_PREFIX": "/api/v1",
        "OPENAPI_JSON_PATH": "openapi.json",
    }
