"""RFM, decile and pyramid tier in one pass (customer_grades) give what rfm(),
decile_assignments() and pyramid_tiers() give, whichever way purchase days are counted."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from idic.differentiate import customer_grades as grades_module
from idic.differentiate.customer_grades import customer_grades
from idic.differentiate.deciles import decile_assignments
from idic.differentiate.purchase_days import daily_purchases
from idic.differentiate.pyramid import Grade, pyramid_tiers
from idic.differentiate.rfm import rfm

from .engines import fresh_default_backend, transactions_table  # noqa: F401 (fixture)

AS_OF = dt.date(2024, 6, 30)


def _at(day: dt.date, hour: int) -> dt.datetime:
    """A naive business-local time, as transactions carry them."""
    return dt.datetime.combine(day, dt.time(hour))


RFM_COLUMNS = ["first_purchase", "last_purchase", "recency_days", "frequency", "r", "f", "m"]


def _by_customer(table) -> pd.DataFrame:
    return table.execute().set_index("customer_id").sort_index()


def _check_against_the_separate_functions(tx, *, start, monetary, tiers, day_count):
    # when the grades are computed in one pass and by the three separate functions
    got = _by_customer(
        customer_grades(
            tx, as_of=AS_OF, start=start, monetary=monetary, tiers=tiers, day_count=day_count
        )
    )
    plain = _by_customer(rfm(tx, as_of=AS_OF, monetary=monetary))
    end = AS_OF + dt.timedelta(days=1)
    deciles = _by_customer(decile_assignments(tx, start=start, end=end))
    tiers_of = _by_customer(pyramid_tiers(tx, tiers=tiers, start=start, end=end))
    # then every customer who bought by as_of has RFM's measures, scores and segment
    assert list(got.index) == list(plain.index)
    for column in RFM_COLUMNS:
        assert (got[column].to_numpy() == plain[column].to_numpy()).all(), column
    assert (got["segment"] == plain["segment"]).all()
    assert got["monetary"].to_numpy() == pytest.approx(plain["monetary"].to_numpy())
    # and exactly the customers with spend in the window have a decile and a tier
    graded = got[got.decile.notna()]
    assert list(graded.index) == list(deciles.index) == list(tiers_of.index)
    assert (graded.decile.astype(int) == deciles.decile).all()
    assert (graded.tier == tiers_of.tier).all()
    assert (graded.tier_rank.astype(int) == tiers_of.tier_rank).all()
    assert graded.window_spend.to_numpy() == pytest.approx(deciles.spend.to_numpy())
    assert got[got.decile.isna()].tier.isna().all()


purchases = st.lists(
    st.tuples(
        st.integers(1, 25),  # customer
        st.integers(0, 700),  # days before as_of (-3: after as_of, ignored)
        st.integers(0, 23),  # hour
        st.sampled_from([0.0, 5.0, 12.5, 99.99, 100.0, 250.0]),  # ties on purpose
    ),
    min_size=1,
    max_size=60,
)


@settings(deadline=None, max_examples=40)
@given(
    rows=purchases,
    late=st.booleans(),
    window=st.sampled_from([None, 30, 365]),
    monetary=st.sampled_from(["total", "average"]),
    day_count=st.sampled_from(["group", "bitmap"]),
)
def test_one_pass_equals_rfm_deciles_and_pyramid(rows, late, window, monetary, day_count):
    # given random purchases with same-day repeats, tied amounts and maybe a late row
    data = [
        (c, dt.datetime.combine(AS_OF - dt.timedelta(days=d), dt.time(h)), a) for c, d, h, a in rows
    ]
    if late:
        data.append((1, dt.datetime.combine(AS_OF + dt.timedelta(days=2), dt.time(9)), 7.0))
    tx = transactions_table(data)
    start = None if window is None else AS_OF - dt.timedelta(days=window - 1)
    in_window = start is None or any(ts.date() >= start and ts.date() <= AS_OF for _, ts, _ in data)
    if not in_window:
        return  # deciles refuse a window without purchases; nothing to compare
    tiers = (Grade("top", 10), Grade("mid", 30), Grade("rest", 60))
    _check_against_the_separate_functions(
        tx, start=start, monetary=monetary, tiers=tiers, day_count=day_count
    )


def test_long_histories_count_days_in_blocks_of_bits(monkeypatch):
    # given purchases over ten years, with same-day repeats across block borders
    base = _at(dt.date(2014, 7, 1), 10)
    data = []
    for customer in range(1, 8):
        for k in range(0, 3650, 37 * customer):
            day = base + dt.timedelta(days=k)
            data += [(customer, day, 10.0 * customer), (customer, day.replace(hour=18), 1.0)]
    tx = transactions_table(data)
    expected = _by_customer(customer_grades(tx, as_of=AS_OF, day_count="group"))
    # when the bitmap count runs with one bit string up to 2048 days (10 years: blocks)
    # and with small blocks forced
    for limit, block in ((2048, 1024), (100, 64)):
        monkeypatch.setattr(grades_module, "BITMAP_DAYS", limit)
        monkeypatch.setattr(grades_module, "BLOCK_DAYS", block)
        got = _by_customer(customer_grades(tx, as_of=AS_OF, day_count="bitmap"))
        # then the purchase days and every score are those of the grouped count
        for column in ("frequency", "first_purchase", "last_purchase", "r", "f", "m", "decile"):
            assert (got[column] == expected[column]).all(), (limit, column)


def test_a_purchase_day_table_gives_the_same_grades():
    # given transactions and their purchase-day table
    data = [
        (1, "2024-06-01 09:00", 10.0),
        (1, "2024-06-01 21:00", 5.0),
        (2, "2024-01-15 12:00", 300.0),
        (3, "2024-06-30 23:59", 20.0),
        (3, "2023-02-01 08:00", 20.0),
    ]
    tx = transactions_table([(c, dt.datetime.fromisoformat(t), a) for c, t, a in data])
    # when graded from either
    from_rows = _by_customer(customer_grades(tx, as_of=AS_OF, start=dt.date(2024, 1, 1)))
    from_days = _by_customer(
        customer_grades(daily_purchases(tx), as_of=AS_OF, start=dt.date(2024, 1, 1))
    )
    # then nothing differs; customer 1's two receipts are one purchase day
    pd.testing.assert_frame_equal(from_rows, from_days)
    assert from_rows.loc[1, "frequency"] == 1 and from_rows.loc[1, "spend"] == 15.0
    # and customer 3's window spend leaves out the purchase before the window
    assert from_rows.loc[3, "window_spend"] == 20.0 and from_rows.loc[3, "spend"] == 40.0


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"as_of": _at(dt.date(2024, 6, 30), 12)}, "as_of must be a date"),
        ({"day_count": "sort"}, "day_count"),
        ({"monetary": "median"}, "monetary"),
        ({"start": dt.date(2024, 7, 1)}, "window start"),
        ({"tiers": (Grade("a", 50), Grade("b", 40))}, "sum to 100"),
    ],
)
def test_bad_arguments_are_refused_with_the_reason(kwargs, message):
    tx = transactions_table([(1, _at(dt.date(2024, 6, 1), 9), 10.0)])
    with pytest.raises(ValueError, match=message):
        customer_grades(tx, **({"as_of": AS_OF} | kwargs))


def test_bitmap_count_checks_the_transactions_like_every_grading_function():
    # given a negative amount before as_of
    tx = transactions_table([(1, _at(dt.date(2024, 6, 1), 9), -10.0)])
    # then the one-pass grading refuses it, naming the remedy
    with pytest.raises(ValueError, match="net refunds"):
        customer_grades(tx, as_of=AS_OF, day_count="bitmap")


@pytest.mark.parametrize("n", [1, 2, 3, 4, 5, 6, 7, 9, 11, 13])
def test_m_from_the_value_ranking_follows_the_tie_rule(n):
    # given n customers with distinct totals (customer c spent c yuan), one tie pair added
    data = [(c, _at(dt.date(2024, 6, 1), 9), float(c)) for c in range(1, n + 1)]
    data.append((100, _at(dt.date(2024, 6, 2), 9), float(n)))  # ties with customer n
    tx = transactions_table(data)
    # when graded in one pass (m shares the sort of deciles and tiers)
    got = _by_customer(customer_grades(tx, as_of=AS_OF, day_count="bitmap"))
    # then m = 1 + floor(5k/N), k = customers who spent strictly less
    total = n + 1
    spend = {c: float(c) for c in range(1, n + 1)} | {100: float(n)}
    for customer, value in spend.items():
        below = sum(1 for v in spend.values() if v < value)
        assert got.loc[customer, "m"] == 1 + (5 * below) // total, customer
