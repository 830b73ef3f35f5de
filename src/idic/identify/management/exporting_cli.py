"""What the export commands share: where the CSV goes."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TextIO


@contextmanager
def output(target: str, stdout) -> Iterator[TextIO]:
    """The file named ``target`` (UTF-8 with BOM, so Excel reads Chinese), or stdout for ``-``."""
    if target == "-":
        yield getattr(stdout, "_out", stdout)
        return
    with open(target, "w", encoding="utf-8-sig", newline="") as fh:
        yield fh
