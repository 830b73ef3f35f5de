"""One row of a transactions file → a :class:`TransactionRecord`, or the row's errors."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import NamedTuple

from idic.identify.importing import RowError
from idic.identify.importing.channels import MAX_CHANNEL, channel_code
from idic.identify.importing.columns import Columns
from idic.identify.importing.values import (
    about,
    channel_too_long,
    clean,
    parse_amount,
    parse_datetime,
    required,
    too_long,
)
from idic.identify.normalise import InvalidValue

REQUIRED = ("source", "source_id", "order_id", "ts", "amount")
KNOWN = ("source", "source_id", "order_id", "ts", "amount", "cost", "product", "channel")
MAX_LENGTH = {"source": 50, "source_id": 100, "order_id": 100, "product": 100}


class TransactionRecord(NamedTuple):
    row: int
    source: str
    source_id: str  # the customer record in ``source``
    order_id: str
    ts: dt.datetime
    amount: Decimal
    cost: Decimal | None
    product: str
    channel: str

    @property
    def key(self) -> tuple[str, str]:
        return (self.source, self.order_id)

    @property
    def customer_key(self) -> tuple[str, str]:
        return (self.source, self.source_id)


class TransactionRowParser:
    """Parses the rows of one transactions file (its header already checked)."""

    def __init__(self, columns: Columns, *, tz: dt.tzinfo) -> None:
        self.names = columns.names
        self.tz = tz

    def parse(self, row: int, cells: list[str]) -> TransactionRecord | list[RowError]:
        raw = dict(zip(self.names, cells, strict=False))
        val = {name: clean(text) for name, text in raw.items() if text}
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
        amount = cost = None
        if "amount" in val:
            try:
                amount = parse_amount(val["amount"])
            except InvalidValue as exc:
                fail("amount", about("amount", exc))
        if "cost" in val:
            try:
                cost = parse_amount(val["cost"])
            except InvalidValue as exc:
                fail("cost", about("cost", exc))
        channel = channel_code(val.get("channel", ""))
        if len(channel) > MAX_CHANNEL:
            fail("channel", channel_too_long(MAX_CHANNEL))
        if errors or ts is None or amount is None:
            return errors
        return TransactionRecord(
            row=row,
            source=val["source"],
            source_id=val["source_id"],
            order_id=val["order_id"],
            ts=ts,
            amount=amount,
            cost=cost,
            product=val.get("product", ""),
            channel=channel,
        )
