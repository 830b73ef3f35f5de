"""Keeping an uploaded import file on disk just long enough to import it."""

from __future__ import annotations

import re
import secrets
import shutil
from collections.abc import Iterable
from pathlib import Path

from django.conf import settings

ACCEPTED_SUFFIXES = (".csv", ".xlsx")
_UNSAFE = re.compile(r"[^\w.\-]+", re.UNICODE)


class UploadRejected(ValueError):
    """An upload that cannot be imported; the message says why."""


class UploadTooLarge(UploadRejected):
    def __init__(self, *, size: int, limit: int) -> None:
        super().__init__(f"upload of {size} bytes exceeds the limit of {limit} bytes")
        self.size = size
        self.limit = limit


def upload_dir() -> Path:
    return Path(settings.DATA_DIR) / "uploads"


def safe_name(name: str) -> str:
    """The file's base name with anything but letters, digits, dots and dashes replaced."""
    base = Path(name.replace("\\", "/")).name.strip() or "upload"
    return _UNSAFE.sub("_", base)[-120:]


def store_upload(*, name: str, chunks: Iterable[bytes], max_bytes: int) -> Path:
    """Write an upload under ``DATA_DIR/uploads/<random>/<name>`` and return its path.

    The file keeps its own name (the import log shows it). Bytes are counted while
    writing, so a file larger than ``max_bytes`` is refused even if its declared size lied;
    nothing is left behind when it is refused.
    """
    folder = upload_dir() / secrets.token_hex(8)
    folder.mkdir(parents=True, exist_ok=False)
    path = folder / safe_name(name)
    written = 0
    try:
        with path.open("wb") as out:
            for chunk in chunks:
                written += len(chunk)
                if written > max_bytes:
                    raise UploadTooLarge(size=written, limit=max_bytes)
                out.write(chunk)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return path


def discard_upload(path: Path) -> None:
    """Remove an uploaded file and its folder: raw uploads may hold secret values."""
    folder = path.parent
    if folder.parent == upload_dir():
        shutil.rmtree(folder, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)
