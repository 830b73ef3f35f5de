"""A purchase-day table gives the day-based classifications the same answers as the
transactions it was built from."""

from __future__ import annotations

import datetime as dt

import ibis
import numpy as np
import pandas as pd
import pytest

from idic.differentiate.activity import activity_classes
from idic.differentiate.churn_features import churn_features, churn_labels
from idic.differentiate.lifecycle import lifecycle_stages
from idic.differentiate.loyalty import loyalty_classes
from idic.differentiate.purchase_days import daily_purchases, is_daily

from .engines import fresh_default_backend, transactions_table  # noqa: F401 (fixture)

AS_OF = dt.date(2024, 6, 30)


def history() -> ibis.Table:
    """300 customers, ~4,000 receipts over two years, many on the same day, some after
    as_of."""
    rng = np.random.default_rng(42)
    n = 4000
    customer = rng.integers(1, 301, n)
    day = pd.Timestamp("2022-09-01") + pd.to_timedelta(rng.integers(0, 700, n), unit="D")
    ts = day + pd.to_timedelta(rng.integers(0, 24 * 60, n), unit="min")
    amount = rng.integers(1, 20_000, n) / 100
    return transactions_table(list(zip(customer.tolist(), ts, amount.tolist(), strict=True)))


def _same(a: ibis.Table, b: ibis.Table) -> None:
    left = a.execute().sort_values("customer_id").reset_index(drop=True)
    right = b.execute().sort_values("customer_id").reset_index(drop=True)
    pd.testing.assert_frame_equal(left, right, check_dtype=False, rtol=1e-9)


@pytest.mark.parametrize(
    "build",
    [
        lambda t: lifecycle_stages(t, as_of=AS_OF),
        lambda t: activity_classes(t, as_of=AS_OF),
        lambda t: activity_classes(t, as_of=AS_OF, by="threshold", window_days=30),
        lambda t: loyalty_classes(t, as_of=AS_OF),
        lambda t: churn_features(t, cutoff_date=AS_OF, window_days=60),
        lambda t: churn_labels(t, cutoff_date=dt.date(2024, 3, 31), window_days=60),
    ],
    ids=["lifecycle", "activity-share", "activity-threshold", "loyalty", "features", "labels"],
)
def test_purchase_days_give_the_same_result_as_transactions(build):
    # given a history and its purchase days
    tx = history()
    days = daily_purchases(tx)
    assert is_daily(days) and not is_daily(tx)
    # when the same computation runs on both / then the results are identical
    _same(build(tx), build(days))


def test_several_receipts_on_a_day_are_one_purchase_day():
    # given three receipts of 0.004 and one of 1.00 on one day, and one on the next
    rows = [(1, f"2024-01-01 {h:02d}:00", 0.004) for h in (9, 10, 11)]
    rows += [(1, "2024-01-01 23:59", 1.0), (1, "2024-01-02 00:00", 4.0)]
    # when collapsed
    days = daily_purchases(transactions_table(rows)).order_by("day").execute()
    # then there are two days with their spend, and the cents are rounded line by line
    # (three lines of 0.004 are 0 cents each, not 1 cent together)
    assert days.spend.tolist() == pytest.approx([1.012, 4.0])
    assert days.units.tolist() == [100, 400]


def test_a_purchase_day_table_is_cut_at_dates_only():
    days = daily_purchases(history())
    with pytest.raises(ValueError, match="must be a date with a purchase-day table"):
        lifecycle_stages(days, as_of=dt.datetime(2024, 6, 30, 12))  # noqa: DTZ001
    with pytest.raises(ValueError, match="no purchase day at or before as_of 2020-01-01"):
        loyalty_classes(days, as_of=dt.date(2020, 1, 1))


def test_daily_purchases_checks_the_whole_table():
    # given a negative amount after as_of
    tx = transactions_table([(1, "2024-01-01", 5.0), (1, "2024-12-01", -5.0)])
    # when the purchase days are built / then the table is refused as a whole
    with pytest.raises(ValueError, match="negative amount"):
        daily_purchases(tx)
