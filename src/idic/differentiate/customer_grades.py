"""RFM scores, decile and pyramid tier of every customer from one pass over the purchases.

:func:`~idic.differentiate.rfm.rfm`, :func:`~idic.differentiate.deciles.decile_assignments`
and :func:`~idic.differentiate.pyramid.pyramid_tiers` each read the transactions on their
own. A scoring run needs all three, so :func:`customer_grades` reads them once: one
aggregate by customer gives the first and last purchase day, the number of purchase days,
the spend up to as_of and the spend in the value window; window functions over that one
row per customer give the scores. The results are those of the three functions, by the
same rules (see their modules); the tests check it on random data.

Counting purchase days is the expensive part. Grouping tens of millions of receipts by
customer *and* day builds a hash table nearly as large as the input. With
``day_count="bitmap"`` (DuckDB only) the aggregate groups by customer alone: each
customer's purchase days are set as bits of a bit string (``bitstring_agg``, bit k = k
days after the first purchase day in the data) and the set bits are counted
(``bit_count``). A bit string costs one bit per day of history and customer, so when
the history is longer than :data:`BITMAP_DAYS` days the days are split into blocks of
:data:`BLOCK_DAYS`, one bit string per customer and block, added up per customer.
``day_count="group"`` (every engine) groups by customer and day first; a purchase-day
table (:func:`~idic.differentiate.purchase_days.daily_purchases`) is read as it is.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Literal

import ibis
import ibis.expr.datatypes as dt_types
import ibis.expr.types as ir

from idic.differentiate.grading_input import check_transactions, cutoff, money_units, up_to
from idic.differentiate.purchase_days import days_up_to, is_daily
from idic.differentiate.pyramid import DEFAULT_PYRAMID, Grade, cumulative_hundredths, share_grade
from idic.differentiate.rfm import (
    DEFAULT_SEGMENT_RULES,
    SegmentRule,
    quintile_score,
    segment_of,
    validate_segment_rules,
)

DayCount = Literal["group", "bitmap"]
# one bit string per customer up to this many days of history (256 bytes a customer) …
BITMAP_DAYS = 2048
# … and beyond it one per customer and block of this many days
BLOCK_DAYS = 1024

COLUMNS = (
    "customer_id",
    "first_purchase",
    "last_purchase",
    "recency_days",
    "frequency",
    "spend",
    "monetary",
    "r",
    "f",
    "m",
    "fm",
    "segment",
    "window_spend",
    "decile",
    "tier",
    "tier_rank",
)
# the columns of :data:`COLUMNS` that leave the grading as they were computed
_AS_COMPUTED = COLUMNS[: COLUMNS.index("segment")]


# Ibis has no bit-string type: binary stands in, as the bit string only feeds bit_count
@ibis.udf.agg.builtin(name="bitstring_agg")
def _bitstring_agg(value: int, lowest: int, highest: int) -> dt_types.binary:  # type: ignore[empty-body]
    """DuckDB: a bit string of ``highest - lowest + 1`` bits, bit ``value - lowest`` set
    for each value aggregated."""


@ibis.udf.scalar.builtin(name="bit_count")
def _bit_count(bits: dt_types.binary) -> dt_types.int64:  # type: ignore[empty-body]
    """DuckDB: the number of set bits of a bit string."""


def _midnight(day: dt.date) -> ir.TimestampValue:
    return ibis.literal(dt.datetime.combine(day, dt.time()), type="timestamp")


def _per_customer_from_days(days: ir.Table, start: dt.date | None) -> ir.Table:
    metrics = {
        "first_purchase": days.day.min(),
        "last_purchase": days.day.max(),
        "frequency": days.count().cast("int64"),
        "spend": days.spend.sum().cast("float64"),
    }
    if start is not None:
        in_window = days.day >= ibis.literal(start, type="date")
        metrics["window_spend"] = days.spend.sum(where=in_window).cast("float64")
    return days.group_by("customer_id").aggregate(**metrics)


def _per_customer_by_bitmap(
    t: ir.Table, lowest: dt.date, span: int, start: dt.date | None
) -> ir.Table:
    """The per-customer aggregate of checked transactions ``t`` whose days run from
    ``lowest`` for ``span`` days, purchase days counted as bits (see the module docs)."""
    day = t.ts.date()
    offset = day.delta(ibis.literal(lowest, type="date"), unit="day").cast("int32")
    metrics = {
        "first_ts": t.ts.min(),
        "last_ts": t.ts.max(),
        "spend": t.amount.sum().cast("float64"),
    }
    if start is not None:
        metrics["window_spend"] = t.amount.sum(where=t.ts >= _midnight(start)).cast("float64")
    if span <= BITMAP_DAYS:
        bits = _bitstring_agg(offset, ibis.literal(0, "int32"), ibis.literal(span - 1, "int32"))
        per = t.group_by("customer_id").aggregate(frequency=_bit_count(bits), **metrics)
    else:
        block = (offset // BLOCK_DAYS).cast("int32").name("block")
        bits = _bitstring_agg(
            (offset % BLOCK_DAYS).cast("int32"),
            ibis.literal(0, "int32"),
            ibis.literal(BLOCK_DAYS - 1, "int32"),
        )
        blocks = t.group_by(["customer_id", block]).aggregate(days=_bit_count(bits), **metrics)
        again = {
            "first_ts": blocks.first_ts.min(),
            "last_ts": blocks.last_ts.max(),
            "spend": blocks.spend.sum(),
        }
        if start is not None:
            again["window_spend"] = blocks.window_spend.sum()
        per = blocks.group_by("customer_id").aggregate(frequency=blocks.days.sum(), **again)
    return per.select(
        "customer_id",
        first_purchase=per.first_ts.date(),
        last_purchase=per.last_ts.date(),
        frequency=per.frequency.cast("int64"),
        spend=per.spend,
        **({"window_spend": per.window_spend} if start is not None else {}),
    )


def customer_grades(
    purchases: ir.Table,
    *,
    as_of: dt.date,
    start: dt.date | None = None,
    monetary: Literal["total", "average"] = "total",
    tiers: Sequence[Grade] = DEFAULT_PYRAMID,
    rules: Sequence[SegmentRule] = DEFAULT_SEGMENT_RULES,
    precision: int = 2,
    day_count: DayCount = "group",
) -> ir.Table:
    """RFM, decile and pyramid tier of each customer who bought at or before ``as_of``.

    Args:
        purchases: the transactions (checked as by every grading function; rows after
            ``as_of`` ignored) or a purchase-day table.
        as_of: a date; its purchases count.
        start: first day of the value window that deciles and tiers grade (``None``: all
            spend up to as_of). RFM always reads all history up to as_of.
        monetary: RFM monetary is ``"total"`` spend or ``"average"`` spend per purchase day.
        tiers: pyramid tiers and their customer shares.
        rules: RFM segment rules.
        precision: decimals of money that count when ranking.
        day_count: ``"group"`` or ``"bitmap"`` (DuckDB, transactions only), see the
            module docs.

    Returns:
        :data:`COLUMNS`: RFM's columns as :func:`~idic.differentiate.rfm.rfm` names them
        (but ``rfm_code``), ``spend`` (total up to as_of), ``window_spend`` (in the value
        window; null without a purchase there), and ``decile``, ``tier``, ``tier_rank``
        by window spend (null without a purchase in the window).
    """
    if isinstance(as_of, dt.datetime) or not isinstance(as_of, dt.date):
        raise ValueError(f"as_of must be a date, not {as_of!r}")
    if monetary not in ("total", "average"):
        raise ValueError(f"monetary must be 'total' or 'average', not {monetary!r}")
    if day_count not in ("group", "bitmap"):
        raise ValueError(f"day_count must be 'group' or 'bitmap', not {day_count!r}")
    if start is not None and start > as_of:
        raise ValueError(f"window start {start} must be at or before as_of {as_of}")
    validate_segment_rules(rules)
    cumulative_hundredths(tiers)
    money_units(ibis.literal(0.0), precision)  # checks precision
    if is_daily(purchases) or day_count == "group":
        per = _per_customer_from_days(days_up_to(purchases, as_of), start)
    else:
        stats = check_transactions(
            purchases,
            scope=lambda table: up_to(table, as_of),
            scope_text=f"at or before as_of {as_of}",
        )
        # the earliest row is in scope when any row is, so it opens the days counted
        lowest = stats["first_ts"].date()
        per = _per_customer_by_bitmap(
            purchases.filter(up_to(purchases, as_of)), lowest, (as_of - lowest).days + 1, start
        )
    return _graded(per, as_of, monetary, tiers, rules, precision, windowed=start is not None)


def _worse_counts(per: ir.Table, column: str, *, higher_is_better: bool) -> ir.Table:
    """``column`` and, per value, how many customers have a strictly worse one: counted
    over the distinct values (few: days), not by ranking every customer."""
    h = per.group_by(column).aggregate(_customers=per.count())
    order = h[column].asc() if higher_is_better else h[column].desc()
    worse = h._customers.cumsum(order_by=order) - h._customers
    return h.select(column, **{f"_worse_{column}": worse.cast("int64")})


def _graded(
    per: ir.Table,
    as_of: dt.date,
    monetary: Literal["total", "average"],
    tiers: Sequence[Grade],
    rules: Sequence[SegmentRule],
    precision: int,
    *,
    windowed: bool,
) -> ir.Table:
    """Scores of the per-customer aggregate ``per`` (``customer_id, first_purchase,
    last_purchase, frequency, spend`` and, when ``windowed``, ``window_spend``).

    Few window functions: sorting every customer is the costly part, so r and f (whole
    days: few distinct values) are counted per value and joined back, and the one sort
    by value that deciles and tiers need also gives m when m ranks the same value.
    """
    _, as_of_day = cutoff(as_of)
    value = per.spend if monetary == "total" else per.spend / per.frequency
    per = per.mutate(
        recency_days=ibis.literal(as_of_day, type="date")
        .delta(per.last_purchase, unit="day")
        .cast("int64"),
        monetary=value.cast("float64"),
        **({} if windowed else {"window_spend": per.spend}),
    )
    counts = per.aggregate(_n=per.count(), _ranked=per.window_spend.count())
    per = per.cross_join(counts)
    for column, higher in (("recency_days", False), ("frequency", True)):
        worse = _worse_counts(per, column, higher_is_better=higher)
        per = per.join(worse, column)
    key = money_units(per.window_spend, precision)
    bought = per.window_spend.notnull()
    per = per.mutate(
        _key=key,
        _position=ibis.row_number().over(
            group_by=[bought] if windowed else [],
            order_by=[key.desc(), per.customer_id.asc()],
        ),
    )
    if monetary == "total" and not windowed:
        per = _with_money_cuts(per)
        above = [ibis.ifelse(per._key > per[f"_cut{j}"], 1, 0) for j in range(1, 5)]
        m = 1 + above[0] + above[1] + above[2] + above[3]
    else:
        m = quintile_score(money_units(per.monetary, precision), higher_is_better=True)
    per = per.mutate(
        r=(1 + (per._worse_recency_days * 5) // per._n).cast("int64"),
        f=(1 + (per._worse_frequency * 5) // per._n).cast("int64"),
        m=m.cast("int64"),
    )
    per = per.mutate(fm=((per.f + per.m) // 2).cast("int64"))
    tier, tier_rank = share_grade(tiers, per._position, per._ranked)

    def graded(value: ir.Value) -> ir.Value:
        return ibis.ifelse(bought, value, ibis.null())

    return per.select(
        *_AS_COMPUTED,
        segment=segment_of(per.r, per.fm, rules),
        window_spend=per.window_spend,
        decile=graded(1 + (per._position * 10) // per._ranked).cast("int64"),
        tier=graded(tier).cast("string"),
        tier_rank=graded(tier_rank).cast("int64"),
    )


def _with_money_cuts(per: ir.Table) -> ir.Table:
    """``per`` with the four money keys that cut m's quintiles, taken from the positions
    of the value ranking (highest first) when m scores the same key.

    ``1 + floor(5k/N)``, with k the customers whose key is strictly smaller, exceeds j
    exactly when k >= ceil(jN/5), that is when the key is above the ``ceil(jN/5)``-th
    smallest key, which sits at position ``N - ceil(jN/5)``. So m needs four keys and no
    sort of its own.
    """
    n = per._n
    cuts = per.aggregate(
        **{
            f"_cut{j}": per._key.max(where=per._position == n - (j * n + 4) // 5)
            for j in range(1, 5)
        }
    )
    return per.cross_join(cuts)
