"""One customer timeline from three streams: pure functions, no Django.

The 360 view lists transactions, interactions and events separately; the page shows
them as one history, newest first, so a reader sees what happened in which channel.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

TRANSACTION = "transaction"
INTERACTION = "interaction"
EVENT = "event"


@dataclass(frozen=True)
class TimelineEntry:
    """One thing that happened: when, which stream, in which channel, and its fields."""

    ts: datetime
    stream: str
    channel: str
    item: Mapping[str, Any]


def _when(value: str | datetime) -> datetime:
    when = value if isinstance(value, datetime) else datetime.fromisoformat(value)
    if when.tzinfo is None:
        raise ValueError(f"timeline time {value!r} has no time zone")
    return when


def merge_timeline(
    *,
    transactions: Iterable[Mapping[str, Any]] = (),
    interactions: Iterable[Mapping[str, Any]] = (),
    events: Iterable[Mapping[str, Any]] = (),
    limit: int | None = None,
) -> list[TimelineEntry]:
    """Merge the three streams into one list, newest first.

    Each item needs a timezone-aware ``ts`` (ISO text or datetime). Items at the same
    instant keep the order transactions, interactions, events, and their order within
    their stream.
    """
    entries: list[tuple[datetime, int, TimelineEntry]] = []
    streams = (
        (TRANSACTION, transactions),
        (INTERACTION, interactions),
        (EVENT, events),
    )
    position = 0
    for stream, items in streams:
        for item in items:
            when = _when(item["ts"])
            channel = str(item.get("channel") or "") if stream != EVENT else ""
            entries.append((when, position, TimelineEntry(when, stream, channel, item)))
            position += 1
    entries.sort(key=lambda e: (-e[0].timestamp(), e[1]))
    merged = [entry for _, _, entry in entries]
    return merged if limit is None else merged[:limit]
