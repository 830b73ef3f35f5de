"""Actual versus potential value: MVC, MGC, BZ, migrators (001 ch. 4 §1.4), as Ibis expressions.

Input: a per-customer table ``values(customer_id int64, <actual> numeric,
<potential> numeric nullable)``, one row per customer. *Actual* value is what the
customer is worth now: pass the historical value or the NPV lifetime value of
:mod:`idic.differentiate.value`. *Potential* value is what the customer could be
worth if we won more of their business (001 ch. 4 §1.3); two sources are
supported:

- a predicted value the caller already has, e.g. the BTYD CLV of
  :mod:`idic.differentiate.btyd` (any numeric column);
- :func:`segment_potential`: the value that the best customers of the customer's
  own segment reach. With ``top_pct = 25`` it is the lowest value among the top
  quarter of the segment (the segment's upper-quartile value); a customer already
  above it has a potential equal to their actual value.

Optionally ``previous(customer_id, <actual>)``: the same actual value from an
earlier snapshot, for migrators.

**The rule** (:class:`ValueMatrixRules`, all thresholds data). Values are compared
after rounding half up to ``precision`` decimals. With N customers in ``values``:

===========  ====================================================================
class        a customer is in it when
===========  ====================================================================
BZ           actual value < ``below_zero`` (0): we lose money on them
MVC          actual value > 0 and fewer than ``mvc_top_pct`` % of N customers have a
             strictly higher actual value (the top of the ranking; ties stay together)
migrator     ``previous`` is given, the previous value was > 0 and the actual value
             fell by at least ``migrator_drop_pct`` % of it
MGC          growth gap = potential - actual > 0 and fewer than ``mgc_top_pct`` % of
             N customers have a strictly larger gap
maintain     none of the above (``other``)
===========  ====================================================================

A customer matching several classes takes the first in ``precedence`` (default BZ,
MVC, migrator, MGC). The column ``falling`` keeps the migrator test on its own,
so a falling MVC still shows it.
"""

from __future__ import annotations

from dataclasses import dataclass

import ibis
import ibis.expr.types as ir

from idic.differentiate.grading_input import check_columns, money_units, percent_hundredths

CLASSES = ("BZ", "MVC", "migrator", "MGC")


@dataclass(frozen=True)
class ValueMatrixRules:
    """Thresholds of the value matrix (see the module docstring)."""

    mvc_top_pct: float = 20.0
    mgc_top_pct: float = 20.0
    below_zero: float = 0.0
    migrator_drop_pct: float = 20.0
    precedence: tuple[str, ...] = CLASSES
    other: str = "maintain"

    def validate(self) -> None:
        percent_hundredths(self.mvc_top_pct, "mvc_top_pct")
        percent_hundredths(self.mgc_top_pct, "mgc_top_pct")
        percent_hundredths(self.migrator_drop_pct, "migrator_drop_pct")
        if sorted(self.precedence) != sorted(CLASSES):
            raise ValueError(
                f"precedence must order exactly {', '.join(CLASSES)}, got {self.precedence}"
            )
        if not self.other or self.other in CLASSES:
            raise ValueError(f"other must be a new non-empty class name, not {self.other!r}")


DEFAULT_VALUE_RULES = ValueMatrixRules()


def segment_potential(
    values: ir.Table,
    *,
    value_column: str = "actual_value",
    segment_column: str = "segment",
    top_pct: float = 25.0,
    precision: int = 2,
) -> ir.Table:
    """Potential value = the value the top ``top_pct`` % of the customer's segment reach.

    Within each segment customers are ordered by value (rounded to ``precision``
    decimals), highest first, ties by ``customer_id``; the top ``top_pct`` % are
    the positions ``q < top_pct * n / 100`` (at least one customer). The
    benchmark is the lowest value among them; ``potential_value =
    max(actual, benchmark)``.

    Returns ``customer_id, <segment_column>, <value_column>, segment_benchmark,
    potential_value``.
    """
    check_columns(values, {"customer_id": "integer", value_column: "numeric"}, name="value")
    if segment_column not in values.schema():
        raise ValueError(f"value table lacks the segment column {segment_column!r}")
    hundredths = percent_hundredths(top_pct, "top_pct")
    value = values[value_column].cast("float64")
    key = money_units(value, precision)
    segment = values[segment_column]
    ranked = values.mutate(
        _position=ibis.row_number().over(
            group_by=segment, order_by=[key.desc(), values.customer_id.asc()]
        ),
        _n=values.customer_id.count().over(group_by=segment),
    )
    top = ranked._position * 10_000 < ranked._n * hundredths
    ranked = ranked.mutate(
        segment_benchmark=ranked[value_column]
        .cast("float64")
        .min(where=top)
        .over(group_by=ranked[segment_column])
    )
    actual = ranked[value_column].cast("float64")
    return ranked.select(
        "customer_id",
        segment_column,
        value_column,
        "segment_benchmark",
        potential_value=ibis.greatest(actual, ranked.segment_benchmark).cast("float64"),
    )


def _strictly_ahead(key: ir.IntegerValue) -> ir.IntegerValue:
    """How many rows have a strictly larger ``key`` (0 for the largest)."""
    return ibis.rank().over(order_by=key.desc())


def value_matrix(
    values: ir.Table,
    *,
    actual: str = "actual_value",
    potential: str | None = "potential_value",
    previous: ir.Table | None = None,
    rules: ValueMatrixRules = DEFAULT_VALUE_RULES,
    precision: int = 2,
) -> ir.Table:
    """Each customer's value class under ``rules``.

    Args:
        values: one row per customer with the ``actual`` and ``potential`` columns.
        actual: the column of actual value (historical value or NPV).
        potential: the column of potential value, or None (then nobody is MGC).
        previous: ``(customer_id, <actual>)`` of an earlier snapshot, or None (then
            nobody is a migrator).
        rules: the thresholds and precedence.
        precision: decimals that count when comparing money.

    Returns:
        ``customer_id, actual_value, potential_value, growth_gap, previous_value,
        value_change_pct, falling, value_class``.
    """
    rules.validate()
    required = {"customer_id": "integer", actual: "numeric"}
    if potential is not None:
        required[potential] = "numeric"
    check_columns(values, required, name="value")
    cur = values.select(
        "customer_id",
        actual_value=values[actual].cast("float64"),
        potential_value=(
            ibis.null("float64") if potential is None else values[potential].cast("float64")
        ),
    )
    if previous is not None:
        check_columns(previous, {"customer_id": "integer", actual: "numeric"}, name="previous")
        prev = previous.select(_pid=previous.customer_id, previous_value=previous[actual])
        joined = cur.left_join(prev, cur.customer_id == prev._pid)
        cur = joined.select(
            "customer_id",
            "actual_value",
            "potential_value",
            previous_value=joined.previous_value.cast("float64"),
        )
    else:
        cur = cur.mutate(previous_value=ibis.null("float64"))

    units = money_units(cur.actual_value, precision)
    gap = cur.potential_value - cur.actual_value
    gap_units = ibis.greatest(money_units(gap, precision).fill_null(0), 0)
    prev_units = money_units(cur.previous_value, precision)
    cur = cur.mutate(
        growth_gap=gap.cast("float64"),
        _units=units,
        _gap_units=gap_units,
        _prev_units=prev_units,
        _ahead=_strictly_ahead(units),
        _gap_ahead=_strictly_ahead(gap_units),
        _n=cur.customer_id.count().over(),
    )
    keep = 10_000 - percent_hundredths(rules.migrator_drop_pct, "migrator_drop_pct")
    falling = ((cur._prev_units > 0) & (cur._units * 10_000 <= cur._prev_units * keep)).fill_null(
        False
    )
    tests = {
        "BZ": cur._units < money_units(ibis.literal(float(rules.below_zero)), precision),
        "MVC": (cur._units > 0)
        & (cur._ahead * 10_000 < cur._n * percent_hundredths(rules.mvc_top_pct, "mvc_top_pct")),
        "migrator": falling,
        "MGC": (cur._gap_units > 0)
        & (cur._gap_ahead * 10_000 < cur._n * percent_hundredths(rules.mgc_top_pct, "mgc_top_pct")),
    }
    value_class = ibis.cases(
        *[(tests[name], ibis.literal(name)) for name in rules.precedence],
        else_=ibis.literal(rules.other),
    )
    change = 100.0 * (cur.actual_value - cur.previous_value) / cur.previous_value.abs().nullif(0.0)
    return cur.select(
        "customer_id",
        "actual_value",
        "potential_value",
        "growth_gap",
        "previous_value",
        value_change_pct=change.cast("float64"),
        falling=falling,
        value_class=value_class,
    )
