"""Customer pyramid and ABC classes: the texts' examples, configuration errors, properties."""

from __future__ import annotations

import itertools
import math

import ibis
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from idic.differentiate.pyramid import (
    DEFAULT_PYRAMID,
    Grade,
    abc_classes,
    abc_table,
    cumulative_hundredths,
    pyramid_summary,
    pyramid_tiers,
)

from .engines import fresh_default_backend, transactions_table  # noqa: F401 (fixture)


def _one_purchase_each(spends, day="2023-06-01 12:00"):
    return transactions_table([(cid, day, s) for cid, s in spends])


def test_pyramid_of_a_thousand_customers():
    # given 1,000 customers with distinct spends, listed in scrambled order
    spends = [(cid, float((cid * 7919) % 1000 + 1)) for cid in range(1, 1001)]
    tx = _one_purchase_each(spends)
    # when they are graded into the default pyramid (004:L985-998)
    summary = pyramid_summary(tx).execute().set_index("tier")
    tiers = pyramid_tiers(tx).execute()
    # then platinum, gold, iron and lead take 1 %, 4 %, 15 % and 80 % of them
    assert summary.customers.to_dict() == {"platinum": 10, "gold": 40, "iron": 150, "lead": 800}
    assert summary.customer_share_pct.to_dict() == {
        "platinum": 1.0, "gold": 4.0, "iron": 15.0, "lead": 80.0,
    }  # fmt: skip
    # and the tiers are slices of the value ranking, the richest on top
    assert summary.loc["platinum", "min_spend"] == 991.0
    ordered = tiers.sort_values("value_rank")
    assert ordered.tier_rank.is_monotonic_increasing
    assert ordered.spend.is_monotonic_decreasing


def abc_example() -> tuple[ibis.Table, ibis.Table]:
    """Table 2-2 of 004 (L1006-1013) as data: 100 customers, revenue 10,000, 1,000 staff
    minutes. A: customer 1 (7,000 in three purchases, 150 min); B: customers 2-20
    (2,000, 250 min); C: customers 21-100 (1,000, 600 min)."""
    rows = [(1, "2023-02-01 10:00", 3000.0), (1, "2023-05-01 10:00", 2500.0)]
    rows += [(1, "2023-09-01 10:00", 1500.0)]
    rows += [(c, "2023-04-10 11:00", 105.0 if c < 20 else 110.0) for c in range(2, 21)]
    rows += [(c, "2023-07-15 16:00", 12.5) for c in range(21, 101)]
    minutes = [(1, 100.0), (1, 50.0)]
    minutes += [(c, 13.0 if c < 20 else 16.0) for c in range(2, 21)]
    minutes += [(c, 7.5) for c in range(21, 101)]
    effort = ibis.memtable(
        pd.DataFrame(minutes, columns=["customer_id", "minutes"]).astype(
            {"customer_id": "int64", "minutes": "float64"}
        )
    )
    return transactions_table(rows), effort


TABLE_2_2 = {"A": (70.0, 1.0, 15.0), "B": (20.0, 19.0, 25.0), "C": (10.0, 80.0, 60.0)}


@pytest.mark.parametrize(
    ("basis", "classes"),
    [
        ("revenue", (Grade("A", 70), Grade("B", 20), Grade("C", 10))),
        ("customers", (Grade("A", 1), Grade("B", 19), Grade("C", 80))),
    ],
)
def test_abc_table_reproduces_table_2_2(basis, classes):
    # given the table 2-2 data set with staff effort
    tx, effort = abc_example()
    # when the ABC table is built on revenue shares or on customer shares
    table = abc_table(tx, classes=classes, basis=basis, effort=effort).execute()
    # then each class shows the text's revenue %, customer % and staff %
    got = {
        row.abc_class: (row.revenue_pct, row.customer_pct, row.effort_pct)
        for row in table.itertuples()
    }
    assert got.keys() == TABLE_2_2.keys()
    for name, expected in TABLE_2_2.items():
        assert got[name] == pytest.approx(expected, abs=1e-9)
    assert table.class_rank.tolist() == [1, 2, 3]


def test_abc_without_effort_has_no_staff_columns():
    # given the example without an effort table
    tx, _ = abc_example()
    # when the ABC table is built
    table = abc_table(tx).execute()
    # then it has revenue and customer shares only
    assert "effort_pct" not in table.columns
    assert table.set_index("abc_class").customers.to_dict() == {"A": 1, "B": 19, "C": 80}


def test_customer_crossing_the_line_stays_in_the_upper_class():
    # given revenues 50, 30, 20: the second customer crosses the 70 % line
    tx = _one_purchase_each([(1, 50.0), (2, 30.0), (3, 20.0)])
    # when classed by cumulative revenue 70 / 20 / 10
    classes = abc_classes(tx).execute().set_index("customer_id").abc_class.to_dict()
    # then 1 and 2 are A (50 % is below the line before 2 buys), 3 starts at 80 %: B
    assert classes == {1: "A", 2: "A", 3: "B"}


def test_effort_only_customers_join_the_last_class():
    # given the example plus a customer who took staff time but bought nothing
    tx, effort = abc_example()
    extra = ibis.memtable(
        pd.DataFrame({"customer_id": pd.Series([500], dtype="int64"), "minutes": [1000.0]})
    )
    # when the ABC table includes that effort
    table = abc_table(tx, effort=effort.union(extra)).execute().set_index("abc_class")
    # then the customer counts in C, with half of all staff time
    assert table.loc["C", "customers"] == 81
    assert table.loc["C", "effort_pct"] == pytest.approx(80.0)


@pytest.mark.parametrize(
    ("grades", "message"),
    [
        ((Grade("a", 50), Grade("b", 49)), "sum to 100, got 99"),
        ((Grade("a", 50.005), Grade("b", 49.995)), "at most two decimals"),
        ((Grade("a", 0), Grade("b", 100)), r"in \(0, 100\]"),
        ((Grade("a", 50), Grade("a", 50)), "distinct"),
        ((), "at least one grade"),
    ],
)
def test_bad_grades_are_refused(grades, message):
    # given misconfigured shares / when validated / then a clear ValueError
    with pytest.raises(ValueError, match=message):
        cumulative_hundredths(grades)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda tx: pyramid_tiers(tx, tiers=(Grade("x", 60), Grade("y", 30))), "sum to 100"),
        (lambda tx: abc_classes(tx, basis="profit"), "basis must be"),
        (
            lambda tx: abc_table(
                tx, effort=ibis.memtable(pd.DataFrame({"customer_id": [1], "hours": [1.0]}))
            ),
            "effort table lacks column",
        ),
        (
            lambda tx: abc_table(
                tx,
                effort=ibis.memtable(
                    pd.DataFrame({"customer_id": pd.Series([1], dtype="int64"), "minutes": [-1.0]})
                ),
            ),
            "negative minutes",
        ),
    ],
    ids=["pyramid-sum", "abc-basis", "effort-column", "effort-negative"],
)
def test_bad_calls_are_refused(call, message):
    # given a valid transactions table / when called with a bad setting / then ValueError
    tx = _one_purchase_each([(1, 5.0)])
    with pytest.raises(ValueError, match=message):
        call(tx)


@st.composite
def grades(draw):
    k = draw(st.integers(1, 5))
    cuts = sorted(draw(st.sets(st.integers(1, 9999), min_size=k - 1, max_size=k - 1)))
    bounds = [0, *cuts, 10_000]
    return tuple(
        Grade(f"g{i}", (hi - lo) / 100) for i, (lo, hi) in enumerate(itertools.pairwise(bounds))
    )


spends_strategy = st.lists(
    st.sampled_from([0.0, 1.0, 2.5, 10.0, 10.0, 99.99, 500.0]), min_size=1, max_size=150
)


@settings(max_examples=40, deadline=None)
@given(spends=spends_strategy, tiers=grades())
def test_pyramid_shares_are_honoured(spends, tiers):
    # given customers of any spend (ties included) and any tier shares summing to 100
    tx = _one_purchase_each(list(enumerate(spends, start=1)))
    n = len(spends)
    # when graded
    out = pyramid_tiers(tx, tiers=tiers).execute()
    # then tier k holds ceil(C_k N/100) - ceil(C_{k-1} N/100) customers, within one of its share
    counts = out.tier.value_counts().reindex([t.name for t in tiers], fill_value=0)
    cumulative = 0.0
    for tier in tiers:
        expected = math.ceil((cumulative + tier.share_pct) * n / 100 - 1e-9) - math.ceil(
            cumulative * n / 100 - 1e-9
        )
        cumulative += tier.share_pct
        assert counts[tier.name] == expected
        assert abs(counts[tier.name] - tier.share_pct * n / 100) < 1
    # and a richer customer is never in a lower tier
    ordered = out.sort_values("value_rank")
    assert ordered.tier_rank.is_monotonic_increasing
    assert ordered.spend.is_monotonic_decreasing


@settings(max_examples=40, deadline=None)
@given(spends=spends_strategy, classes=grades())
def test_abc_revenue_classes_cut_at_the_shares(spends, classes):
    # given customers of any spend and any class shares
    tx = _one_purchase_each(list(enumerate(spends, start=1)))
    total = sum(spends)
    # when classed by cumulative revenue
    out = abc_classes(tx, classes=classes).execute().sort_values("value_rank")
    table = abc_table(tx, classes=classes).execute()
    # then classes follow the ranking, and shares add up to 100 %
    assert out.class_rank.is_monotonic_increasing
    assert table.customer_pct.sum() == pytest.approx(100.0)
    if total == 0:
        return
    assert table.revenue_pct.sum() == pytest.approx(100.0)
    # and each customer's class is the first whose cumulative share exceeds the revenue
    # share of everyone ranked above them
    above = out.spend.cumsum() - out.spend
    bounds = pd.Series([g.share_pct for g in classes]).cumsum().tolist()
    for share_above, rank in zip(100 * above / total, out.class_rank, strict=True):
        expected = next(
            (k for k, c in enumerate(bounds[:-1], 1) if share_above < c - 1e-9), len(classes)
        )
        assert rank == expected


def test_default_pyramid_is_the_texts():
    # given the default tiers / then they are the 1 / 4 / 15 / 80 split of 004:L985-998
    assert [(t.name, t.share_pct) for t in DEFAULT_PYRAMID] == [
        ("platinum", 1), ("gold", 4), ("iron", 15), ("lead", 80),
    ]  # fmt: skip
