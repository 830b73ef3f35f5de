"""Input checks and per-customer totals shared by the customer-grading computations.

Every grading module (``rfm``, ``deciles``, ``pyramid``, ``concentration``) reads
the same transactions table, one row per purchase (a receipt or an order line):

    transactions(
        customer_id int64,      # the customer who paid
        ts          timestamp,  # when; *without* time zone, in business-local time,
                                # so that its date is the calendar day of the purchase
        amount      float64,    # what the customer paid, >= 0 (refunds are netted upstream)
        cost        float64,    # optional and nullable: our cost of the line
    )

and, for staff effort in the ABC table, optionally

    effort(customer_id int64, minutes float64)  # staff minutes per customer, >= 0;
                                                # several rows per customer are summed

Column checks read only the schema. Value checks (nulls, negative amounts, an
empty table, a cut-off before all data) run one small aggregate query on the
table's own engine and raise :class:`ValueError` with the remedy in the message.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from typing import Any

import ibis
import ibis.expr.datatypes as dt_types
import ibis.expr.types as ir

_TRANSACTION_COLUMNS: Mapping[str, str] = {
    "customer_id": "integer",
    "ts": "timestamp",
    "amount": "numeric",
}
_EFFORT_COLUMNS: Mapping[str, str] = {"customer_id": "integer", "minutes": "numeric"}


def _kind_ok(dtype: dt_types.DataType, kind: str) -> bool:
    if kind == "integer":
        return dtype.is_integer()
    if kind == "numeric":
        return dtype.is_numeric()
    return dtype.is_timestamp() and dtype.timezone is None


def check_columns(table: ir.Table, required: Mapping[str, str], *, name: str) -> None:
    """Raise ValueError naming every missing or mistyped column of ``table``."""
    schema = table.schema()
    missing = [col for col in required if col not in schema]
    if missing:
        raise ValueError(
            f"{name} table lacks column(s) {', '.join(missing)}; "
            f"expected {', '.join(f'{c} ({k})' for c, k in required.items())}"
        )
    wrong = [
        f"{col} is {schema[col]}, expected {kind}"
        + (" without time zone" if kind == "timestamp" else "")
        for col, kind in required.items()
        if not _kind_ok(schema[col], kind)
    ]
    if wrong:
        raise ValueError(f"{name} table has mistyped column(s): {'; '.join(wrong)}")


def cutoff(as_of: dt.date) -> tuple[ir.Value, dt.date]:
    """The timestamp bound and the calendar day that ``as_of`` stands for.

    A ``date`` means the end of that day (purchases on it count); a naive
    ``datetime`` means that instant. Returns ``(bound, day)``; rows with
    ``ts < bound`` (date) or ``ts <= bound`` (datetime) are in scope.
    """
    if isinstance(as_of, dt.datetime):
        if as_of.tzinfo is not None:
            raise ValueError(
                f"as_of {as_of.isoformat()} has a time zone; ts is business-local without "
                "time zone, so pass a naive datetime or a date"
            )
        return ibis.literal(as_of, type="timestamp"), as_of.date()
    if isinstance(as_of, dt.date):
        nxt = dt.datetime.combine(as_of + dt.timedelta(days=1), dt.time())
        return ibis.literal(nxt, type="timestamp"), as_of
    raise ValueError(f"as_of must be a date or datetime, not {type(as_of).__name__}")


def up_to(transactions: ir.Table, as_of: dt.date) -> ir.BooleanValue:
    """Predicate selecting the transactions at or before ``as_of`` (see :func:`cutoff`)."""
    bound, _ = cutoff(as_of)
    if isinstance(as_of, dt.datetime):
        return transactions.ts <= bound
    return transactions.ts < bound


def _naive(bound: dt.date, what: str) -> dt.datetime:
    if not isinstance(bound, dt.datetime):
        return dt.datetime.combine(bound, dt.time())
    if bound.tzinfo is not None:
        raise ValueError(f"{what} {bound.isoformat()} must be naive like ts")
    return bound


def within(transactions: ir.Table, start: dt.date | None, end: dt.date | None) -> ir.BooleanValue:
    """Predicate for the half-open window ``start <= ts < end`` (dates mean midnight)."""
    lo = None if start is None else _naive(start, "window start")
    hi = None if end is None else _naive(end, "window end")
    if lo is not None and hi is not None and hi <= lo:
        raise ValueError(f"window end {end} must be after start {start}")
    pred: ir.BooleanValue = ibis.literal(True)
    if lo is not None:
        pred = pred & (transactions.ts >= ibis.literal(lo, type="timestamp"))
    if hi is not None:
        pred = pred & (transactions.ts < ibis.literal(hi, type="timestamp"))
    return pred


def check_transactions(
    transactions: ir.Table,
    *,
    scope: Callable[[ir.Table], ir.BooleanValue] | None = None,
    scope_text: str = "",
) -> dict[str, Any]:
    """Validate ``transactions`` (see :func:`checked_transactions`) and return what the
    check read: ``rows``, ``in_scope``, ``first_ts`` and ``last_ts`` of the whole table."""
    check_columns(transactions, _TRANSACTION_COLUMNS, name="transactions")
    t = transactions
    in_scope = ibis.literal(True) if scope is None else scope(t)
    stats = t.aggregate(
        rows=t.count(),
        nulls=t.count(where=t.customer_id.isnull() | t.ts.isnull() | t.amount.isnull()),
        in_scope=t.count(where=in_scope),
        negative=t.count(where=in_scope & (t.amount < 0)),
        first_ts=t.ts.min(),
        last_ts=t.ts.max(),
    )
    row: dict[str, Any] = stats.to_pyarrow().to_pylist()[0]
    if row["rows"] == 0:
        raise ValueError("transactions table is empty; load purchases before grading customers")
    if row["nulls"]:
        raise ValueError(
            f"{row['nulls']} transaction(s) have a null customer_id, ts or amount; "
            "drop or repair them first"
        )
    if row["in_scope"] == 0:
        raise ValueError(
            f"no transaction {scope_text} (data runs from {row['first_ts']} to "
            f"{row['last_ts']}); choose a date within the data"
        )
    if row["negative"]:
        raise ValueError(
            f"{row['negative']} transaction(s) {scope_text} have a negative amount; "
            "net refunds against their purchases before grading"
        )
    return row


def checked_transactions(
    transactions: ir.Table,
    *,
    scope: Callable[[ir.Table], ir.BooleanValue] | None = None,
    scope_text: str = "",
) -> ir.Table:
    """Validate ``transactions`` and return the rows in ``scope``.

    ``scope`` builds the predicate of the rows to keep from the (checked) table.
    Raises ValueError when a column is missing, when the table is empty, when
    ``customer_id``/``ts``/``amount`` hold nulls, when a row in scope has a
    negative amount, or when no row falls in scope (``scope_text`` says which).
    """
    check_transactions(transactions, scope=scope, scope_text=scope_text)
    return transactions if scope is None else transactions.filter(scope(transactions))


def checked_effort(effort: ir.Table) -> ir.Table:
    """Validate an effort table and return minutes summed per customer."""
    check_columns(effort, _EFFORT_COLUMNS, name="effort")
    stats = effort.aggregate(
        bad=effort.count(where=effort.customer_id.isnull() | effort.minutes.isnull()),
        negative=effort.count(where=effort.minutes < 0),
    )
    row = stats.to_pyarrow().to_pylist()[0]
    if row["bad"] or row["negative"]:
        raise ValueError(
            f"effort table has {row['bad']} row(s) with nulls and {row['negative']} with "
            "negative minutes; staff minutes must be known and >= 0"
        )
    return effort.group_by("customer_id").aggregate(minutes=effort.minutes.sum().cast("float64"))


def customer_spend(
    transactions: ir.Table,
    *,
    start: dt.date | None = None,
    end: dt.date | None = None,
) -> ir.Table:
    """Spend and transaction count per customer in the window ``start <= ts < end``.

    Returns ``(customer_id int64, spend float64, transactions int64)``, one row
    per customer with at least one transaction in the window. Pass a one-year
    window to get the annual spend the decile table of the course reports.
    """
    scope_text = f"in [{start or '-inf'}, {end or '+inf'})"
    t = checked_transactions(
        transactions,
        scope=lambda t: within(t, start, end),
        scope_text=scope_text,
    )
    return t.group_by("customer_id").aggregate(
        spend=t.amount.sum().cast("float64"),
        transactions=t.count(),
    )


def money_units(value: ir.NumericValue, precision: int) -> ir.IntegerValue:
    """``value`` rounded half up to ``precision`` decimals, as an integer count of units.

    Ranking and cumulative thresholds use these integers so that engines whose
    float sums differ in the last bit still agree on ties and on boundaries.
    """
    if not 0 <= precision <= 6:
        raise ValueError(f"precision must be between 0 and 6 decimals, not {precision}")
    return (value * 10**precision + 0.5).floor().cast("int64")


def by_value_rank(values: ir.Table, column: str, *, precision: int = 2) -> ir.Table:
    """Add ``position`` (0 = most valuable) and ``customers`` (N) to a per-customer table.

    Customers are ordered by ``column`` rounded half up to ``precision`` decimals,
    highest first, then by ``customer_id`` ascending: a total, deterministic order
    that every engine reproduces.
    """
    check_columns(values, {"customer_id": "integer", column: "numeric"}, name="value")
    key = money_units(values[column], precision)
    return values.mutate(
        position=ibis.row_number().over(order_by=[key.desc(), values.customer_id.asc()]),
        customers=values.customer_id.count().over(),
    )


def percent_hundredths(pct: float, what: str) -> int:
    """``pct`` (a percentage in (0, 100], at most two decimals) in hundredths of a percent.

    Share thresholds are compared in these integers so boundaries are exact.
    """
    units = round(pct * 100)
    if abs(units - pct * 100) > 1e-6 or not 0 < units <= 10_000:
        raise ValueError(f"{what} {pct} must be in (0, 100] with at most two decimals")
    return units
