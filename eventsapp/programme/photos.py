"""Speaker photos: images only, size-limited, re-encoded without metadata, stored under
a random name in UPLOAD_FOLDER/people/ and served with a fixed image content type."""
from __future__ import annotations

import io
import os
import warnings
from pathlib import Path

from flask import current_app
from flask_babel import gettext as _
from PIL import Image, UnidentifiedImageError

from ..errors import ValidationFailed
from ..security import new_token

ACCEPTED = {"JPEG", "PNG", "GIF", "WEBP"}
MAX_PIXELS = 40_000_000  # refuse decompression bombs before decoding
MAX_SIDE = 1024  # stored photos are at most this wide/high
NAME_CHARS = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.")


def max_bytes() -> int:
    return int(current_app.config.get("PHOTO_MAX_BYTES", 2 * 1024 * 1024))


def _fail(message: str):
    raise ValidationFailed(message, fields={"photo": [message]})


def clean_image(data: bytes) -> tuple[bytes, str]:
    """Check an upload is an image and re-encode it (PNG if it has transparency, else
    JPEG), dropping EXIF/GPS and every other metadata. Returns (bytes, extension)."""
    if not data:
        _fail(_("The file is empty."))
    if len(data) > max_bytes():
        _fail(_("The photo is too large: at most %(num)d MB.", num=max_bytes() // (1024 * 1024)))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as probe:
                fmt = probe.format
                w, h = probe.size
                probe.verify()
            if fmt not in ACCEPTED:
                _fail(_("Upload a JPEG, PNG, GIF or WebP image."))
            if w * h > MAX_PIXELS:
                _fail(_("The image has too many pixels."))
            with Image.open(io.BytesIO(data)) as opened:
                opened.seek(0)
                opened.load()
                has_alpha = opened.mode in ("RGBA", "LA", "PA") or (
                    opened.mode == "P" and "transparency" in opened.info)
                img = opened.convert("RGBA" if has_alpha else "RGB")
    except ValidationFailed:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError,
            Image.DecompressionBombError, Image.DecompressionBombWarning):
        _fail(_("That file is not an image we can read. Upload a JPEG, PNG, GIF or WebP."))
    img.thumbnail((MAX_SIDE, MAX_SIDE))
    # A fresh image from the pixels alone: no EXIF, XMP, ICC or comments survive.
    clean = Image.new(img.mode, img.size)
    clean.paste(img)
    out = io.BytesIO()
    if has_alpha:
        clean.save(out, format="PNG", optimize=True)
        return out.getvalue(), "png"
    clean.save(out, format="JPEG", quality=85, optimize=True)
    return out.getvalue(), "jpg"


def folder() -> Path:
    path = Path(current_app.config["UPLOAD_FOLDER"]) / "people"
    path.mkdir(parents=True, exist_ok=True)
    return path


def store(cleaned: tuple[bytes, str]) -> str:
    """Write a cleaned image under a random name; returns the name."""
    data, ext = cleaned
    name = f"{new_token(18)}.{ext}"
    fd = os.open(folder() / name, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o640)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
    return name


def safe_name(name: str | None) -> bool:
    if not name:
        return False
    return set(name) <= NAME_CHARS and not name.startswith(".") \
        and name.rsplit(".", 1)[-1] in ("jpg", "png")


def path_of(name: str) -> Path | None:
    if not safe_name(name):
        return None
    p = folder() / name
    return p if p.is_file() else None


def mimetype_of(name: str) -> str:
    return "image/png" if name.endswith(".png") else "image/jpeg"


def remove(name: str | None) -> None:
    if not name or not safe_name(name):
        return
    try:
        (folder() / name).unlink()
    except FileNotFoundError:
        pass
