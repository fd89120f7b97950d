"""Uploaded files: checked by content and size, stored content-addressed under the instance folder.

Files live in ``instance/blobs/ab/abcdef…`` — outside every served folder — and are only ever sent
back by a view that checks access, with the type decided here from the content, never executed.
"""
from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

from flask import current_app
from sqlalchemy import select

from lms.core.db import db
from lms.core.errors import ValidationError
from lms.core.i18n import _l

MAX_ASSET_BYTES = 5 * 1024 * 1024

# Accepted kinds, recognised by their first bytes: (magic, offset, mime, extensions).
_SIGNATURES = [
    (b"\x89PNG\r\n\x1a\n", 0, "image/png", {".png"}),
    (b"\xff\xd8\xff", 0, "image/jpeg", {".jpg", ".jpeg"}),
    (b"GIF87a", 0, "image/gif", {".gif"}),
    (b"GIF89a", 0, "image/gif", {".gif"}),
    (b"WEBP", 8, "image/webp", {".webp"}),
    (b"%PDF-", 0, "application/pdf", {".pdf"}),
]
IMAGE_TYPES = {"image/png", "image/jpeg", "image/gif", "image/webp"}


def sniff(data: bytes, filename: str) -> str:
    """The MIME type of ``data`` if it is an accepted kind whose extension matches, else a ValidationError."""
    ext = Path(filename).suffix.lower()
    for magic, offset, mime, extensions in _SIGNATURES:
        if data[offset:offset + len(magic)] == magic and (offset == 0 or data[:4] == b"RIFF"):
            if ext not in extensions:
                raise ValidationError({"file": str(_l("Tên tệp %(name)s không khớp với nội dung (%(mime)s).", name=filename, mime=mime))})
            return mime
    raise ValidationError({"file": str(_l(
        "Tệp %(name)s không phải ảnh PNG, JPEG, GIF, WebP hoặc tài liệu PDF.", name=filename))})


def blob_path(sha256: str) -> Path:
    return Path(current_app.instance_path) / "blobs" / sha256[:2] / sha256


def store(data: bytes):
    """Store bytes once (by SHA-256) and return the Blob row. The file is written before the row, atomically."""
    from lms.courses.models import Blob

    if len(data) > MAX_ASSET_BYTES:
        raise ValidationError({"file": str(_l("Tệp quá lớn (tối đa %(n)s MB).", n=MAX_ASSET_BYTES // (1024 * 1024)))})
    digest = hashlib.sha256(data).hexdigest()
    blob = db.session.scalar(select(Blob).where(Blob.sha256 == digest))
    path = blob_path(digest)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    if blob is None:
        blob = Blob(sha256=digest, size=len(data))
        db.session.add(blob)
        db.session.flush()
    return blob


def read(blob) -> bytes:
    return blob_path(blob.sha256).read_bytes()
