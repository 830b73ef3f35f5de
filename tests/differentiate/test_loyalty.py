"""Loyalty classes: potential, new, old, loyal (004:L1017-1025)."""

from __future__ import annotations

import datetime as dt

import ibis
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from idic.differentiate.loyalty import LOYALTY_CLASSES, LoyaltyRules, loyalty_classes

from .engines import fresh_default_backend, transactions_table  # noqa: F401 (fixture)

AS_OF = dt.date(2024, 6, 30)


def _every(customer, first, days, count, amount=10.0):
    start = pd.Timestamp(first)
    return [(customer, start + pd.Timedelta(days=days * k), amount) for k in range(count)]


ROWS = [
    # 1: first bought 60 days ago, three times since: new
    *_every(1, "2024-05-01", 20, 3),
    # 2: monthly for three years up to last month: loyal
    *_every(2, "2021-07-01", 30, 36),
    # 3: three years of tenure, but only twice a year: old
    *_every(3, "2021-07-01", 180, 7),
    # 4: monthly for two years, then nothing for a year: old (the relationship lapsed)
    *_every(4, "2021-06-01", 30, 24),
    # 5: one purchase a year ago: old
    (5, pd.Timestamp("2023-06-01"), 99.0),
    # 6: one purchase on the as-of day: new
    (6, pd.Timestamp("2024-06-30 20:00"), 5.0),
    # 7: bought only after as_of: potential (listed in customers)
    (7, pd.Timestamp("2024-07-01 09:00"), 5.0),
]


@pytest.mark.parametrize(
    ("customer", "loyalty"),
    [(1, "new"), (2, "loyal"), (3, "old"), (4, "old"), (5, "old"), (6, "new"), (7, "potential")],
)
def test_loyalty_classes(customer, loyalty):
    # given purchase histories and the customer list (8 never bought at all)
    customers = ibis.memtable(pd.DataFrame({"customer_id": range(1, 9)}))
    # when classed with the default rules
    out = loyalty_classes(transactions_table(ROWS), as_of=AS_OF, customers=customers).execute()
    # then each class follows tenure, purchase rate and recency
    assert out.set_index("customer_id").loyalty_class[customer] == loyalty


def test_customers_who_never_bought_are_potential_and_only_with_a_customer_list():
    # given the histories with and without the customer list
    tx = transactions_table(ROWS)
    customers = ibis.memtable(pd.DataFrame({"customer_id": [2, 8, 8]}))
    # when classed
    with_list = loyalty_classes(tx, as_of=AS_OF, customers=customers).execute()
    without = loyalty_classes(tx, as_of=AS_OF).execute()
    # then customer 8 is potential (once, though listed twice) and has no day counts
    row = with_list.set_index("customer_id").loc[8]
    assert row.loyalty_class == "potential"
    assert pd.isna(row.tenure_days)
    assert (with_list.customer_id == 8).sum() == 1
    # and the buyers are classed either way; without a list nobody is potential
    assert set(without.customer_id) == {1, 2, 3, 4, 5, 6}
    assert "potential" not in set(without.loyalty_class)


def test_rules_are_data():
    # given looser rules: new for 30 days, loyal after one year with 2 purchases a year
    rules = LoyaltyRules(new_tenure_days=30, loyal_tenure_days=365, loyal_purchases_per_year=2)
    # when classed
    out = loyalty_classes(transactions_table(ROWS), as_of=AS_OF, rules=rules).execute()
    classes = out.set_index("customer_id").loyalty_class
    # then the twice-a-year customer 3 is loyal, and customer 1 (60 days) is no longer new
    assert classes[3] == "loyal"
    assert classes[1] == "old"


@pytest.mark.parametrize(
    ("rules", "message"),
    [
        (LoyaltyRules(new_tenure_days=0), "new_tenure_days"),
        (LoyaltyRules(loyal_tenure_days=100), "must not be shorter"),
        (LoyaltyRules(loyal_purchases_per_year=0), "loyal_purchases_per_year"),
        (LoyaltyRules(loyal_max_recency_days=1.5), "loyal_max_recency_days"),  # type: ignore[arg-type]
    ],
)
def test_bad_rules_are_refused(rules, message):
    with pytest.raises(ValueError, match=message):
        loyalty_classes(transactions_table(ROWS), as_of=AS_OF, rules=rules)


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ([], "table is empty"),
        ([(1, "2024-01-01", -1.0)], "negative amount"),
        ([(1, "2024-12-01", 1.0)], "no transaction at or before"),
    ],
)
def test_bad_transactions_are_refused(rows, message):
    with pytest.raises(ValueError, match=message):
        loyalty_classes(transactions_table(rows), as_of=AS_OF)


def test_bad_customer_list_is_refused():
    customers = ibis.memtable(pd.DataFrame({"id": [1]}))
    with pytest.raises(ValueError, match="customers table lacks"):
        loyalty_classes(transactions_table(ROWS), as_of=AS_OF, customers=customers)


@settings(max_examples=30, deadline=None)
@given(
    histories=st.lists(
        st.lists(st.integers(0, 1500), min_size=1, max_size=12), min_size=1, max_size=15
    ),
    extra_days=st.integers(0, 400),
)
def test_classes_follow_the_documented_thresholds(histories, extra_days):
    # given random histories (days before as_of)
    rows = [
        (cid, pd.Timestamp(AS_OF) - pd.Timedelta(days=d) + pd.Timedelta(hours=12), 1.0)
        for cid, days in enumerate(histories, start=1)
        for d in days
    ]
    # when classed
    out = loyalty_classes(transactions_table(rows), as_of=AS_OF).execute()
    # then every buyer is new, old or loyal, and new means a tenure under 180 days
    assert set(out.loyalty_class) <= set(LOYALTY_CLASSES) - {"potential"}
    assert ((out.tenure_days < 180) == (out.loyalty_class == "new")).all()
    # and every loyal customer has two years of tenure and bought in the last 180 days
    loyal = out[out.loyalty_class == "loyal"]
    assert (loyal.tenure_days >= 730).all() and (loyal.recency_days <= 180).all()
    assert (loyal.purchase_days * 365 >= 4 * loyal.tenure_days).all()
