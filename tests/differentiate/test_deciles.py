"""Decile table (十分制) and concentration: the course's worked table, oracles, properties."""

from __future__ import annotations

import datetime as dt
import math

import ibis
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from idic.differentiate.concentration import gini, lorenz_curve, top_shares
from idic.differentiate.deciles import decile_assignments, decile_table
from idic.differentiate.grading_input import customer_spend

from .engines import fresh_default_backend, transactions_table  # noqa: F401 (fixture)

# 001 ch. 4 §1.1, "某零售店" decile table: group, customers, annual spend range (USD),
# average transactions, share of spend (%). Group 1 reads "690以上" (690 and up);
# group 10's range reads "15 - 15" in the source text, so its customers spend 15.
COURSE_TABLE = [
    (1, 5000, 690, None, 11.73, 62.2),
    (2, 5000, 330, 690, 5.70, 15.0),
    (3, 5000, 195, 330, 3.90, 8.3),
    (4, 5000, 135, 195, 2.92, 5.2),
    (5, 5000, 90, 135, 2.30, 3.4),
    (6, 5000, 60, 90, 1.81, 2.3),
    (7, 5000, 45, 60, 1.54, 1.6),
    (8, 5000, 30, 45, 1.28, 1.0),
    (9, 5000, 15, 30, 1.08, 0.6),
    (10, 5000, 15, 15, 1.00, 0.5),
]
YEAR = {"start": dt.date(2023, 1, 1), "end": dt.date(2024, 1, 1)}


def course_transactions() -> pd.DataFrame:
    """A year of purchases whose decile table is the course's.

    The printed shares add up to 100.1 %; groups 2..10 give up 0.1/9 points each,
    which keeps every share within its printed rounding. Spends are whole dollars
    (exact float sums); each group has one customer at each end of its range, the
    rest near the group mean. Customer ids rise with the group, so boundary ties
    (group 1's 690 against group 2's 690) fall to the better group by id.
    """
    shares = [62.2] + [row[5] - 0.1 / 9 for row in COURSE_TABLE[1:]]
    total = 5000 * 15 / (shares[-1] / 100)
    ids, spends, counts = [], [], []
    for (group, n, lo, hi, avg_tx, _), share in zip(COURSE_TABLE, shares, strict=True):
        hi = 20_000 if hi is None else hi
        group_total = round(total * share / 100)
        rest = group_total - lo - hi
        middle = [rest // (n - 2) + (i < rest % (n - 2)) for i in range(n - 2)]
        spends += [hi, *middle, lo]
        ids += [group * 100_000 + i for i in range(n)]
        k = round(avg_tx * n)
        counts += [k // n + (i < k % n) for i in range(n)]
    ids_a, spends_a, counts_a = np.array(ids), np.array(spends), np.array(counts)
    # split each customer's spend into `count` whole-dollar amounts
    owner = np.repeat(np.arange(len(ids_a)), counts_a)
    nth = np.arange(len(owner)) - np.repeat(np.cumsum(counts_a) - counts_a, counts_a)
    per, extra = np.divmod(spends_a[owner], counts_a[owner])
    amount = (per + (nth < extra)).astype(float)
    minutes = (np.arange(len(owner)) * 7919) % (365 * 24 * 60)
    ts = pd.Timestamp("2023-01-01") + pd.to_timedelta(minutes, unit="min")
    frame = pd.DataFrame({"customer_id": ids_a[owner], "ts": ts, "amount": amount})
    # purchases outside the year must not count
    outside = pd.DataFrame(
        {
            "customer_id": [1_000_000, 200_001],
            "ts": pd.to_datetime(["2022-12-31 23:59", "2024-01-01 00:00"]),
            "amount": [10_000.0, 10_000.0],
        }
    )
    frame = pd.concat([frame, outside], ignore_index=True)
    frame["cost"] = np.nan
    return frame


@pytest.fixture(scope="module")
def course_table() -> pd.DataFrame:
    # when the decile table of the course data set is computed over the year
    tx = ibis.memtable(course_transactions())
    return decile_table(tx, **YEAR).execute().set_index("decile")


@pytest.mark.parametrize(
    ("decile", "customers", "lo", "hi", "avg_tx", "share"), COURSE_TABLE, ids=lambda v: str(v)
)
def test_decile_table_reproduces_the_course(course_table, decile, customers, lo, hi, avg_tx, share):
    # given the course's row for this decile / when the table is computed (fixture)
    row = course_table.loc[decile]
    # then the row carries the course's figures
    assert row.customers == customers
    assert row.min_spend == lo
    if hi is not None:
        assert row.max_spend == hi
    assert round(row.avg_transactions, 2) == avg_tx
    assert round(row.spend_share_pct, 1) == share


def test_course_data_shows_the_pareto_claims(course_table):
    # given the course data set
    spend = customer_spend(ibis.memtable(course_transactions()), **YEAR)
    # when the concentration is measured
    shares = top_shares(spend, percents=(10, 20)).execute().set_index("top_pct")
    # then half the spend comes from the first group and ~77 % from the top fifth
    assert shares.loc[10.0, "value_share_pct"] == pytest.approx(
        course_table.loc[1, "spend_share_pct"]
    )
    assert shares.loc[10.0, "value_share_pct"] > 50
    assert round(shares.loc[20.0, "value_share_pct"], 1) == 77.2
    assert course_table.cumulative_share_pct.iloc[-1] == pytest.approx(100.0)


def _values(values) -> ibis.Table:
    return ibis.memtable(
        pd.DataFrame(
            {
                "customer_id": pd.Series(range(1, len(values) + 1), dtype="int64"),
                "spend": pd.Series(values, dtype="float64"),
            }
        )
    )


def _mean_difference_gini(values) -> float:
    """Oracle: Gini as mean absolute difference over twice the mean."""
    x = np.asarray(values, dtype=float)
    return float(np.abs(x[:, None] - x[None, :]).sum() / (2 * len(x) ** 2 * x.mean()))


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ([5, 5, 5, 5], 0.0),
        ([0, 0, 0, 10], 0.75),
        ([1, 2, 3, 4], 0.25),
        ([7], 0.0),
        ([0, 0, 0], None),
    ],
)
def test_gini_matches_the_formula(values, expected):
    # given customers worth `values`
    table = _values(values)
    # when the Gini coefficient is computed
    result = gini(table).execute().iloc[0]
    # then it is the textbook value (null when nobody is worth anything)
    if expected is None:
        assert pd.isna(result.gini)
    else:
        assert result.gini == pytest.approx(expected, abs=1e-12)
        assert result.gini == pytest.approx(_mean_difference_gini(values), abs=1e-12)


@pytest.mark.parametrize(
    ("pct", "customers", "share"),
    [(1, 1, 100 / 5050), (5, 5, 490 / 5050), (20, 20, 1810 / 5050), (2.5, 3, 297 / 5050)],
)
def test_top_shares_of_one_to_hundred(pct, customers, share):
    # given customers worth 1, 2, ..., 100
    table = _values(range(1, 101))
    # when the top shares are computed
    row = top_shares(table, percents=[pct]).execute().iloc[0]
    # then the top p % are the ceil(p) richest and hold their share of the 5050
    assert row.customers == customers
    assert row.value_share_pct == pytest.approx(100 * share)


def test_lorenz_curve_of_one_to_four():
    # given customers worth 1, 2, 3, 4
    table = _values([4, 1, 3, 2])
    # when the full Lorenz curve is drawn
    curve = lorenz_curve(table, points=None).execute()
    # then it climbs through the cumulative shares, poorest first
    assert curve.point.tolist() == [1, 2, 3, 4]
    assert curve.customer_share.tolist() == [0.25, 0.5, 0.75, 1.0]
    assert curve.value_share.tolist() == pytest.approx([0.1, 0.3, 0.6, 1.0])


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        ({"start": dt.date(2030, 1, 1), "end": None}, "no transaction in"),
        ({"start": dt.date(2023, 2, 1), "end": dt.date(2023, 1, 1)}, "must be after start"),
    ],
)
def test_decile_window_errors(bad, message):
    # given a small data set and a window that selects nothing or is reversed
    tx = transactions_table([(1, "2023-01-05 10:00", 5.0)])
    # when / then the decile table refuses with a clear message
    with pytest.raises(ValueError, match=message):
        decile_table(tx, **bad)


transactions_strategy = st.lists(
    st.tuples(
        st.integers(1, 60),
        st.integers(0, 400),  # day offset
        st.sampled_from([0.0, 0.5, 1.0, 2.0, 9.99, 10.0, 25.0, 100.0, 1234.56]),
    ),
    min_size=1,
    max_size=120,
)


def _tx(rows):
    start = pd.Timestamp("2023-01-01")
    return transactions_table([(c, start + pd.Timedelta(days=d), a) for c, d, a in rows])


@settings(max_examples=40, deadline=None)
@given(rows=transactions_strategy)
def test_deciles_partition_the_customers(rows):
    # given any set of purchases
    tx = _tx(rows)
    # when customers are assigned to deciles and the table is built
    assigned = decile_assignments(tx).execute()
    table = decile_table(tx).execute()
    # then every customer is in exactly one decile
    customers = sorted({c for c, _, _ in rows})
    assert sorted(assigned.customer_id) == customers
    # and the groups differ in size by at most one, with no value inversions
    sizes = assigned.groupby("decile").size().reindex(range(1, 11), fill_value=0)
    assert sizes.max() - sizes.min() <= 1
    by_decile = assigned.groupby("decile").spend.agg(["min", "max"]).sort_index()
    assert (by_decile["min"].iloc[:-1].to_numpy() >= by_decile["max"].iloc[1:].to_numpy()).all()
    # and the table's customers and shares add up
    assert table.customers.sum() == len(customers)
    if sum(a for _, _, a in rows) > 0:
        assert table.spend_share_pct.sum() == pytest.approx(100.0)
        assert table.cumulative_share_pct.iloc[-1] == pytest.approx(100.0)


@settings(max_examples=40, deadline=None)
@given(values=st.lists(st.integers(0, 10_000), min_size=1, max_size=80))
def test_concentration_is_well_formed(values):
    # given customers of any non-negative value
    table = _values([v / 100 for v in values])
    # when Gini, top shares and the Lorenz curve are computed
    g = gini(table).execute().iloc[0].gini
    shares = top_shares(table, percents=(1, 5, 20, 100)).execute()
    curve = lorenz_curve(table, points=10).execute()
    if sum(values) == 0:
        assert pd.isna(g)
        return
    # then Gini lies in [0, 1] and matches the mean-difference oracle
    assert 0.0 <= g <= 1.0
    assert g == pytest.approx(_mean_difference_gini(values), abs=1e-9)
    # and top shares grow with p, reaching 100 % for everyone
    assert shares.value_share_pct.is_monotonic_increasing
    assert shares.value_share_pct.iloc[-1] == pytest.approx(100.0)
    assert shares.customers.tolist()[:3] == [math.ceil(p * len(values) / 100) for p in (1, 5, 20)]
    # and the Lorenz curve ends at (1, 1) and never rises above the diagonal
    assert curve.customer_share.iloc[-1] == 1.0
    assert curve.value_share.iloc[-1] == pytest.approx(1.0)
    assert (curve.value_share <= curve.customer_share + 1e-12).all()
