"""Questions and documents for tests: questions made through the service, and small
real files (a PDF, a PNG, a JPEG) and fakes (text renamed .pdf)."""
from __future__ import annotations

import io

from eventsapp.registration import questions as question_services

PDF = (b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
       b"2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\n"
       b"trailer << /Root 1 0 R >>\n%%EOF\n")
NOT_A_PDF = b"This is plain text, renamed note-verbale.pdf\n"


def png() -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (4, 4), "navy").save(buf, "PNG")
    return buf.getvalue()


def jpeg() -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (4, 4), "navy").save(buf, "JPEG")
    return buf.getvalue()


def question(event, kind: str, label: str = "A question", **kw):
    """A question of ``event`` made by the service (as an organizer would)."""
    raw = {"kind": kind, "labels": {"en": label, **kw.pop("labels", {})}, **kw}
    return question_services.create_question(event, raw)


def choices(*labels: str) -> list[dict]:
    return [{"labels": {"en": label}} for label in labels]


def key_of(q, label: str) -> str:
    return next(c["key"] for c in q.choices if c["labels"]["en"] == label)
