"""Loyalty classes (潜在 / 新 / 老 / 忠诚客户, 004:L1017–1025) as an Ibis expression.

The text: loyalty grows with the length of the relationship and the number of
purchases; loyal customers trade with us "for a long time and at a high
frequency" and keep a stable relationship. The rule (:class:`LoyaltyRules`,
thresholds as data), first match wins:

==========  ==================================================================
class       when
==========  ==================================================================
potential   in the ``customers`` table but no purchase at or before ``as_of``
new         tenure < ``new_tenure_days`` (first purchase recent)
loyal       tenure >= ``loyal_tenure_days``, at least ``loyal_purchases_per_year``
            purchase days per year of tenure, and the last purchase no more than
            ``loyal_max_recency_days`` ago (the relationship is still alive)
old         everyone else who has bought (a long relationship, not loyal)
==========  ==================================================================

``transactions`` may also be a purchase-day table from
:func:`idic.differentiate.purchase_days.daily_purchases` (shared between several
day-based computations of one run); ``as_of`` must then be a date.

Tenure = days from the first purchase day to the as-of day; purchase days count
several receipts on one day once (as in :mod:`idic.differentiate.rfm`). Inputs:
``transactions`` as in :mod:`idic.differentiate.grading_input` (rows after
``as_of`` ignored) and optionally ``customers(customer_id int64)``, the known
customers, so that the ones who never bought are classed "potential".
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import ibis
import ibis.expr.types as ir

from idic.differentiate.grading_input import check_columns, cutoff
from idic.differentiate.purchase_days import days_up_to

LOYALTY_CLASSES = ("potential", "new", "old", "loyal")


@dataclass(frozen=True)
class LoyaltyRules:
    """Thresholds of the loyalty classes (see the module docstring)."""

    new_tenure_days: int = 180
    loyal_tenure_days: int = 730
    loyal_purchases_per_year: float = 4.0
    loyal_max_recency_days: int = 180

    def validate(self) -> None:
        for name in ("new_tenure_days", "loyal_tenure_days", "loyal_max_recency_days"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(
                    f"{name} must be a whole number of days, at least 1, not {value!r}"
                )
        if self.loyal_tenure_days < self.new_tenure_days:
            raise ValueError(
                f"loyal_tenure_days ({self.loyal_tenure_days}) must not be shorter than "
                f"new_tenure_days ({self.new_tenure_days})"
            )
        if not self.loyal_purchases_per_year > 0:
            raise ValueError(
                f"loyal_purchases_per_year must be > 0, not {self.loyal_purchases_per_year!r}"
            )


DEFAULT_LOYALTY_RULES = LoyaltyRules()


def loyalty_classes(
    transactions: ir.Table,
    *,
    as_of: dt.date,
    customers: ir.Table | None = None,
    rules: LoyaltyRules = DEFAULT_LOYALTY_RULES,
) -> ir.Table:
    """Each customer's loyalty class.

    Returns ``customer_id, tenure_days, purchase_days, recency_days,
    loyalty_class`` (the day counts are null for potential customers).
    """
    rules.validate()
    _, day = cutoff(as_of)
    daily = days_up_to(transactions, as_of)
    per = daily.group_by("customer_id").aggregate(
        first_day=daily.day.min(),
        last_day=daily.day.max(),
        purchase_days=daily.count().cast("int64"),
    )
    as_of_day = ibis.literal(day, type="date")
    per = per.select(
        "customer_id",
        tenure_days=as_of_day.delta(per.first_day, unit="day").cast("int64"),
        purchase_days=per.purchase_days,
        recency_days=as_of_day.delta(per.last_day, unit="day").cast("int64"),
    )
    if customers is not None:
        check_columns(customers, {"customer_id": "integer"}, name="customers")
        known = customers.select("customer_id").distinct()
        joined = known.left_join(per, known.customer_id == per.customer_id)
        bought = per.select("customer_id", "tenure_days", "purchase_days", "recency_days")
        never = joined.filter(joined.customer_id_right.isnull()).select(
            customer_id=joined.customer_id,
            tenure_days=ibis.null("int64"),
            purchase_days=ibis.null("int64"),
            recency_days=ibis.null("int64"),
        )
        per = ibis.union(bought, never)
    # purchases per year of tenure >= rate  <=>  purchase_days * 365 >= rate * tenure
    frequent = per.purchase_days.cast("float64") * 365.0 >= (
        rules.loyal_purchases_per_year * per.tenure_days.cast("float64")
    )
    loyalty = ibis.cases(
        (per.tenure_days.isnull(), "potential"),
        (per.tenure_days < rules.new_tenure_days, "new"),
        (
            (per.tenure_days >= rules.loyal_tenure_days)
            & frequent
            & (per.recency_days <= rules.loyal_max_recency_days),
            "loyal",
        ),
        else_="old",
    )
    return per.mutate(loyalty_class=loyalty)
