"""One row of an interactions file → an :class:`InteractionRecord`, or the row's errors."""

from __future__ import annotations

import datetime as dt
from typing import NamedTuple

from idic.identify.importing import RowError
from idic.identify.importing.channels import MAX_CHANNEL, channel_code
from idic.identify.importing.columns import Columns
from idic.identify.importing.values import (
    about,
    channel_too_long,
    choice,
    clean,
    parse_count,
    parse_datetime,
    required,
    synonyms,
    too_long,
)
from idic.identify.normalise import InvalidValue

REQUIRED = ("source", "source_id", "interaction_id", "ts", "channel")
KNOWN = (
    "source",
    "source_id",
    "interaction_id",
    "ts",
    "channel",
    "direction",
    "subject",
    "summary",
    "staff",
    "duration_seconds",
)
MAX_LENGTH = {"source": 50, "source_id": 100, "interaction_id": 100, "subject": 200, "staff": 100}
DIRECTIONS = ("inbound", "outbound")
_DIRECTION = synonyms(
    {
        "inbound": ("in", "呼入", "来电", "来访", "来信", "客户发起"),
        "outbound": ("out", "呼出", "去电", "外呼", "回访", "企业发起"),
    }
)


class InteractionRecord(NamedTuple):
    row: int
    source: str
    source_id: str  # the customer record in ``source``
    interaction_id: str
    ts: dt.datetime
    channel: str
    direction: str
    subject: str
    summary: str
    staff: str
    duration_seconds: int | None

    @property
    def key(self) -> tuple[str, str]:
        return (self.source, self.interaction_id)

    @property
    def customer_key(self) -> tuple[str, str]:
        return (self.source, self.source_id)


class InteractionRowParser:
    """Parses the rows of one interactions file (its header already checked)."""

    def __init__(self, columns: Columns, *, tz: dt.tzinfo) -> None:
        self.names = columns.names
        self.tz = tz

    def parse(self, row: int, cells: list[str]) -> InteractionRecord | list[RowError]:
        raw = dict(zip(self.names, cells, strict=False))
        # the summary keeps its line breaks; every other cell is cleaned
        val = {
            name: (text.strip() if name == "summary" else clean(text))
            for name, text in raw.items()
            if text
        }
        errors: list[RowError] = []

        def fail(column: str, reason: str) -> None:
            errors.append(RowError(row, column, raw.get(column, ""), reason))

        for column in REQUIRED:
            if not val.get(column):
                fail(column, required(column))
        for column, limit in MAX_LENGTH.items():
            text = val.get(column)
            if text and len(text) > limit:
                fail(column, too_long(column, len(text), limit))
        ts = None
        if "ts" in val:
            try:
                ts = parse_datetime(val["ts"], self.tz)
            except InvalidValue as exc:
                fail("ts", about("ts", exc))
        direction = "inbound"
        if "direction" in val:
            try:
                direction = choice(val["direction"], _DIRECTION, DIRECTIONS)
            except InvalidValue as exc:
                fail("direction", about("direction", exc))
        duration = None
        if "duration_seconds" in val:
            try:
                duration = parse_count(val["duration_seconds"])
            except InvalidValue as exc:
                fail("duration_seconds", about("duration_seconds", exc))
        channel = channel_code(val.get("channel", ""))
        if len(channel) > MAX_CHANNEL:
            fail("channel", channel_too_long(MAX_CHANNEL))
        if errors or ts is None:
            return errors
        return InteractionRecord(
            row=row,
            source=val["source"],
            source_id=val["source_id"],
            interaction_id=val["interaction_id"],
            ts=ts,
            channel=channel,
            direction=direction,
            subject=val.get("subject", ""),
            summary=val.get("summary", ""),
            staff=val.get("staff", ""),
            duration_seconds=duration,
        )
