"""Documents sent with a registration (questions of the kind "file": a note verbale, a
nomination letter, ...).

- Accepted: PDF, PNG and JPEG, told by their content (the first bytes, then the file
  must open as what it claims), never by the name or the type the browser sent; at
  most ``DOCUMENT_MAX_BYTES`` (10 MB unless configured) each.
- Stored outside the web root, in ``DOCUMENTS_FOLDER`` (default
  ``UPLOAD_FOLDER/documents``), under a random name; the sender's file name is kept in
  the database for display only.
- Written inside the use case that records the answer, after validation: if that
  transaction rolls back, the file is removed again; a file whose answer is deleted
  (registration erased or deleted, question or event deleted) is removed from disk
  once the deletion is committed, never before (``schedule_removal``).
- Read through ``can_read_document`` only: the one rule of who may see a document.
"""
from __future__ import annotations

import io
import os
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import Flask, Response, current_app, has_app_context, request, send_file
from flask_babel import gettext as _
from sqlalchemy import event as sa_event

from ..extensions import db
from ..models import Event, Registration, RegistrationAnswer, RegistrationQuestion, User
from ..permissions import Need, can, is_focal_point_for
from ..security import new_token

DEFAULT_MAX_BYTES = 10 * 1024 * 1024
TYPES = {"application/pdf": "pdf", "image/png": "png", "image/jpeg": "jpg"}
KEY_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.")
_WRITTEN = "eventsapp_documents_written"   # files written by the current transaction
_DOOMED = "eventsapp_documents_doomed"     # files to remove when it commits


class NotADocument(ValueError):
    """The upload is not an accepted document; the message says why, for the sender."""


@dataclass(frozen=True)
class Upload:
    """A checked document, not yet written."""

    data: bytes
    name: str  # the sender's file name, cleaned: shown and offered on download only
    content_type: str

    @property
    def size(self) -> int:
        return len(self.data)


def max_bytes() -> int:
    if not has_app_context():
        return DEFAULT_MAX_BYTES
    return int(current_app.config.get("DOCUMENT_MAX_BYTES") or DEFAULT_MAX_BYTES)


def max_megabytes() -> int:
    return max(1, max_bytes() // (1024 * 1024))


def sniff(data: bytes) -> str | None:
    """The content type of ``data`` told by its content (PDF, PNG or JPEG), or None.
    The signature must be there, and the file must open as that type."""
    if data.startswith(b"%PDF-"):
        # A PDF ends with its trailer's %%EOF (possibly followed by a line end or junk
        # some writers add): a truncated or merely renamed file does not.
        return "application/pdf" if b"%%EOF" in data[-2048:] else None
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png" if _image_opens(data, "PNG") else None
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg" if _image_opens(data, "JPEG") else None
    return None


def _image_opens(data: bytes, fmt: str) -> bool:
    from PIL import Image

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as img:
                if img.format != fmt:
                    return False
                img.verify()
    except Exception:  # noqa: BLE001 - any decoder error means "not that image"
        return False
    return True


def clean_name(name: str | None, content_type: str) -> str:
    """The sender's file name for display: no path, no control characters, at most 200
    characters, with the extension of the type it really is."""
    base = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    base = "".join(c for c in base if c.isprintable() and c not in '"<>|:*?').strip(" .")
    stem = base.rsplit(".", 1)[0] if "." in base else base
    stem = stem[:190] or _("document")
    return f"{stem}.{TYPES[content_type]}"


def check(data: bytes, name: str | None) -> Upload:
    """``data`` as an accepted document, or NotADocument with the reason."""
    if not data:
        raise NotADocument(_("The file is empty."))
    if len(data) > max_bytes():
        raise NotADocument(_("The file is too large: at most %(num)d MB.", num=max_megabytes()))
    kind = sniff(data)
    if kind is None:
        raise NotADocument(_("This file is not a PDF, PNG or JPEG document (whatever its "
                             "name says). Upload a PDF or a picture of the document."))
    return Upload(data=data, name=clean_name(name, kind), content_type=kind)


# ------------------------------------------------------------------ storage


def folder() -> Path:
    configured = current_app.config.get("DOCUMENTS_FOLDER")
    path = Path(configured) if configured else Path(current_app.config["UPLOAD_FOLDER"]) / "documents"
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path


def path_of(key: str | None) -> Path | None:
    """The file stored under ``key``, if the key is one of ours and the file exists."""
    if not key or not set(key) <= KEY_CHARS or key.startswith("."):
        return None
    path = folder() / key
    return path if path.is_file() else None


def write(upload: Upload) -> str:
    """Store ``upload`` under a new random name (its key) inside the current transaction:
    the file is removed again if the transaction rolls back."""
    key = f"{new_token(24)}.{TYPES[upload.content_type]}"
    fd = os.open(folder() / key, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(upload.data)
    except BaseException:
        _unlink(key)
        raise
    db.session().info.setdefault(_WRITTEN, []).append(key)
    return key


def schedule_removal(keys: list[str]) -> None:
    """Remove these files once the current transaction commits (kept if it rolls back)."""
    if keys:
        db.session().info.setdefault(_DOOMED, []).extend(keys)


def _unlink(key: str) -> None:
    if not key or not set(key) <= KEY_CHARS or key.startswith("."):
        return
    try:
        (folder() / key).unlink()
    except FileNotFoundError:
        pass
    except OSError:
        current_app.logger.warning("could not remove a document file")


def _after_commit(session: Any) -> None:
    session.info.pop(_WRITTEN, None)
    for key in session.info.pop(_DOOMED, []):
        _unlink(key)


def _after_rollback(session: Any) -> None:
    session.info.pop(_DOOMED, None)
    for key in session.info.pop(_WRITTEN, []):
        _unlink(key)


def _before_flush(session: Any, _context: Any, _instances: Any) -> None:
    """Deleting an event, a registration or a question through the ORM deletes its
    answers in the database (ON DELETE CASCADE): their files go once that commits."""
    events = [o.id for o in session.deleted if isinstance(o, Event) and o.id is not None]
    regs = [o.id for o in session.deleted if isinstance(o, Registration) and o.id is not None]
    questions = [o.id for o in session.deleted
                 if isinstance(o, RegistrationQuestion) and o.id is not None]
    conditions = []
    if regs:
        conditions.append(RegistrationAnswer.registration_id.in_(regs))
    if questions:
        conditions.append(RegistrationAnswer.question_id.in_(questions))
    if events:
        conditions.append(RegistrationAnswer.question_id.in_(
            sa.select(RegistrationQuestion.id).where(RegistrationQuestion.event_id.in_(events))))
    if not conditions:
        return
    with session.no_autoflush:
        keys = list(session.scalars(sa.select(RegistrationAnswer.file_key).where(
            RegistrationAnswer.file_key.is_not(None), sa.or_(*conditions))))
    session.info.setdefault(_DOOMED, []).extend(keys)


_listening = False


def init_app(app: Flask) -> None:
    """Listen to the session (once per process) and raise the body size limit of the
    routes that take documents."""
    global _listening
    if not _listening:
        sa_event.listen(db.session, "after_commit", _after_commit)
        sa_event.listen(db.session, "after_rollback", _after_rollback)
        sa_event.listen(db.session, "before_flush", _before_flush)
        _listening = True
    app.config.setdefault("DOCUMENT_MAX_BYTES", DEFAULT_MAX_BYTES)
    # First of all request hooks: the input guards read the form, and the limit must be
    # set before the body is read.
    app.before_request_funcs.setdefault(None, []).insert(0, _upload_limit)


UPLOAD_ENDPOINTS = frozenset({"registration.register", "registration.add",
                              "api_registration.Registrations",
                              "registration.manage_answers"})


def request_limit() -> int:
    """The body size allowed where documents are sent: the usual limit plus a few
    documents (base64 in JSON takes a third more)."""
    base = int(current_app.config.get("MAX_CONTENT_LENGTH") or 0)
    return base + int(current_app.config.get("DOCUMENT_REQUEST_FILES", 3)) * max_bytes() * 4 // 3


def _upload_limit() -> None:
    if request.endpoint in UPLOAD_ENDPOINTS and request.method == "POST":
        request.max_content_length = request_limit()


# ------------------------------------------------------------------ who reads


def can_read_document(user: User | None, registration: Registration, *,
                      holder: Registration | None = None) -> bool:
    """Whether a registration's documents may be read: by the event's organizers (and
    administrators), and by the registrant: the holder of its manage link (``holder``:
    the registration that link opened) or the account it is linked to.

    The one rule for every document route. The focal points of the organization the
    registration is made on behalf of read its documents too (a note verbale), while the
    event is published (as for everything a focal point does)."""
    if holder is not None and holder.id == registration.id and registration.erased_at is None:
        return True
    if user is not None and getattr(user, "is_authenticated", False) \
            and registration.user_id is not None and registration.user_id == user.id:
        return True
    if is_focal_point_for(user, registration) and registration.event.published:
        return True
    return can(user, Need.MANAGE, registration.event)


def answer_document(registration: Registration, answer_id: int) -> RegistrationAnswer | None:
    """The registration's answer ``answer_id`` if it holds a document."""
    return db.session.scalar(sa.select(RegistrationAnswer).where(
        RegistrationAnswer.id == answer_id, RegistrationAnswer.registration_id == registration.id,
        RegistrationAnswer.file_key.is_not(None)))


def send_document(answer: RegistrationAnswer) -> Response | None:
    """The document as a download (never shown inline, never sniffed), or None when its
    file is gone."""
    path = path_of(answer.file_key)
    if path is None or answer.file_type not in TYPES:
        return None
    resp = send_file(path, mimetype=answer.file_type, as_attachment=True,
                     download_name=answer.file_name or f"document.{TYPES[answer.file_type]}",
                     conditional=False, etag=False, max_age=0)
    resp.headers["X-Content-Type-Options"] = "nosniff"
    resp.headers["Cache-Control"] = "private, no-store"
    resp.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    resp.headers["X-Robots-Tag"] = "noindex, nofollow"
    return resp
