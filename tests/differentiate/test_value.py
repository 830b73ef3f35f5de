"""Historical value, the course's NPV formula and the NPV projection per customer."""

from __future__ import annotations

import datetime as dt

import ibis
import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from idic.differentiate.value import annuity_factor, historical_value, npv, npv_value

from .engines import fresh_default_backend, transactions_table  # noqa: F401 (fixture)

AS_OF = dt.date(2024, 6, 30)


def costed(rows) -> ibis.Table:
    """Transactions from ``(customer_id, ts, amount, cost or None)`` rows."""
    frame = pd.DataFrame(
        {
            "customer_id": pd.Series([r[0] for r in rows], dtype="int64"),
            "ts": pd.Series(pd.to_datetime([r[1] for r in rows]), dtype="datetime64[ns]"),
            "amount": pd.Series([r[2] for r in rows], dtype="float64"),
            "cost": pd.Series([r[3] for r in rows], dtype="float64"),
        }
    )
    return ibis.memtable(frame)


ROWS = [
    # customer 1: two costed lines -> profit (100-60) + (50-20) = 70
    (1, "2023-01-10 10:00", 100.0, 60.0),
    (1, "2024-02-01 10:00", 50.0, 20.0),
    # customer 2: one line without a cost -> default margin 25 % of 200 = 50
    (2, "2024-03-01 12:00", 200.0, None),
    # customer 3: sold below cost -> negative value (a below-zero customer)
    (3, "2024-05-05 09:00", 80.0, 120.0),
    # customer 4: a costed line, and one after as_of that must be ignored
    (4, "2024-06-30 23:00", 10.0, 4.0),
    (4, "2024-07-01 00:00", 1000.0, 0.0),
]


@pytest.mark.parametrize(
    ("customer", "revenue", "cost", "value", "estimated"),
    [
        (1, 150.0, 80.0, 70.0, 0),
        (2, 200.0, 150.0, 50.0, 1),
        (3, 80.0, 120.0, -40.0, 0),
        (4, 10.0, 4.0, 6.0, 0),
    ],
)
def test_historical_value_is_profit_to_date(customer, revenue, cost, value, estimated):
    # given costed and uncosted lines around as_of
    tx = costed(ROWS)
    # when the historical value is computed
    out = historical_value(tx, as_of=AS_OF).execute().set_index("customer_id").loc[customer]
    # then it is the sum of amount - cost, with a 25 % margin where the cost is unknown
    assert out.revenue == pytest.approx(revenue)
    assert out.cost == pytest.approx(cost)
    assert out.historical_value == pytest.approx(value)
    assert out.estimated_lines == estimated


def test_default_margin_is_configurable_and_applies_without_a_cost_column():
    # given purchases in a table that has no cost column at all
    tx = transactions_table([(1, "2024-01-01", 100.0), (1, "2024-02-01", 300.0)], cost=False)
    # when the historical value is computed with a 40 % default margin
    out = historical_value(tx, as_of=AS_OF, default_margin=0.4).execute().iloc[0]
    # then every line is estimated at 40 % of its amount
    assert out.historical_value == pytest.approx(160.0)
    assert out.estimated_lines == 2


def test_a_nan_cost_from_arrow_counts_as_unknown():
    # given an Arrow table whose cost column holds NaN rather than null
    table = ibis.memtable(
        pa.table(
            {
                "customer_id": pa.array([1, 1], pa.int64()),
                "ts": pa.array(pd.to_datetime(["2024-01-01", "2024-02-01"]), pa.timestamp("us")),
                "amount": [100.0, 40.0],
                "cost": pa.array([float("nan"), 10.0], pa.float64(), from_pandas=False),
            }
        )
    )
    # when the historical value is computed
    out = historical_value(table, as_of=AS_OF).execute().iloc[0]
    # then the NaN line takes the default margin: 25 + 30
    assert out.historical_value == 55.0
    assert out.estimated_lines == 1


def test_money_is_summed_in_whole_cents():
    # given three uncosted lines of 0.10: an estimated cost of 0.075 each
    tx = costed([(1, f"2024-01-0{d} 10:00", 0.10, None) for d in (1, 2, 3)])
    # when the historical value is computed
    out = historical_value(tx, as_of=AS_OF).execute().iloc[0]
    # then each line's cost is rounded half up to 0.08, so each earns 0.02
    assert out.cost == 0.24
    assert out.historical_value == 0.06


@pytest.mark.parametrize(
    ("flows", "rate", "expected"),
    [
        # the course's V = sum (Q_t - C_t) / (1 + i)^t with Q = 100, C = 20 for t = 0..2, i = 10 %
        ([100 - 20, 100 - 20, 100 - 20], 0.10, 80 + 80 / 1.1 + 80 / 1.21),
        ([1000.0], 0.05, 1000.0),  # t = 0 is not discounted
        ([0.0, 110.0], 0.10, 100.0),
        ([-50.0, 30.0, 30.0], 0.0, 10.0),
        ([100.0, 100.0, 100.0, 100.0], 0.08, 100 * (1 + 1 / 1.08 + 1 / 1.08**2 + 1 / 1.08**3)),
    ],
)
def test_npv_follows_the_course_formula(flows, rate, expected):
    # given yearly contributions and a discount rate / when discounted / then
    assert npv(flows, rate) == pytest.approx(expected)


def test_npv_of_one_series_per_row():
    # given two customers' cash flows as rows
    flows = np.array([[100.0, 100.0], [0.0, 50.0]])
    # when discounted at 25 %
    out = npv(flows, 0.25)
    # then each row gets its own value
    assert out == pytest.approx([180.0, 40.0])
    assert annuity_factor(1, 0.25) == pytest.approx(1.8)


flows_st = st.lists(st.floats(0, 1e6, allow_nan=False), min_size=1, max_size=30)


@settings(max_examples=60, deadline=None)
@given(flows=flows_st)
def test_npv_at_zero_rate_is_the_plain_sum(flows):
    # given any cash flows / when discounted at 0 % / then nothing is discounted
    assert npv(flows, 0.0) == pytest.approx(sum(flows), rel=1e-12, abs=1e-6)


@settings(max_examples=60, deadline=None)
@given(
    flows=st.lists(st.floats(0.01, 1e6), min_size=2, max_size=30),
    low=st.floats(0, 1),
    step=st.floats(1e-3, 1),
)
def test_npv_falls_as_the_rate_rises_for_positive_flows(flows, low, step):
    # given positive flows beyond t = 0 / when the rate rises / then the value falls
    assert npv(flows, low + step) < npv(flows, low)


def _yearly(customer, years, amount, cost, start=2021):
    return [(customer, f"{start + k}-07-15 10:00", amount, cost) for k in range(years)]


def test_npv_value_projects_the_recent_yearly_margin():
    # given a customer who has earned 400 a year (1000 - 600) for four years, three of
    # them inside the three-year lookback
    tx = costed(_yearly(1, 4, 1000.0, 600.0, start=2020))
    # when their value is projected five years ahead at 8 %
    out = npv_value(tx, as_of=AS_OF, horizon=5, rate=0.08).execute().iloc[0]
    # then Q_t - C_t = 400 for t = 0..5, discounted by the course's formula
    assert out.margin_per_period == pytest.approx(400.0)
    assert out.npv_value == pytest.approx(npv([400.0] * 6, 0.08))


@pytest.mark.parametrize(
    ("rows", "margin_per_period"),
    [
        # first purchase a week ago: counted over one whole year, not extrapolated
        ([(1, "2024-06-23 10:00", 100.0, 50.0)], 50.0),
        # bought 18 months ago and today: 60 + 60 over 1.5 years observed -> 80 a year
        ([(1, "2023-01-01 10:00", 100.0, 40.0), (1, "2024-06-30 10:00", 100.0, 40.0)], 120 / 547 * 365),
        # stopped buying more than the three-year lookback ago: projects nothing
        ([(1, "2020-01-01 10:00", 100.0, 40.0)], 0.0),
    ],
    ids=["new-customer", "tenure-shorter-than-lookback", "lapsed"],
)  # fmt: skip
def test_npv_value_projection_rule(rows, margin_per_period):
    # given a customer history / when projected with yearly periods and a 3-year lookback
    out = npv_value(costed(rows), as_of=AS_OF, horizon=0, rate=0.1).execute().iloc[0]
    # then the margin per period follows the documented rule; T = 0 keeps one undiscounted flow
    assert out.margin_per_period == pytest.approx(margin_per_period)
    assert out.npv_value == pytest.approx(margin_per_period)


def test_npv_value_subtracts_the_serving_cost_per_period():
    # given 400 a year of margin and 150 a year spent on serving the customer
    tx = costed(_yearly(1, 4, 1000.0, 600.0, start=2020))
    # when projected over t = 0..2 at 0 %
    out = npv_value(tx, as_of=AS_OF, horizon=2, rate=0.0, serving_cost=150.0).execute().iloc[0]
    # then each period contributes Q_t - C_t = 250
    assert out.npv_value == pytest.approx(750.0)


def test_npv_value_with_monthly_periods():
    # given a customer who bought 30 worth of margin every month for a year
    rows = [
        (1, f"{2023 + (m + 6) // 12}-{(m + 6) % 12 + 1:02d}-10", 100.0, 70.0) for m in range(12)
    ]
    # when periods are 30 days and the lookback is 6 periods (180 days)
    out = (
        npv_value(
            costed(rows), as_of=AS_OF, horizon=11, rate=0.01, period_days=30, lookback_periods=6
        )
        .execute()
        .iloc[0]
    )
    # then the six months in the lookback give 30 per period
    assert out.margin_per_period == pytest.approx(30.0)
    assert out.npv_value == pytest.approx(npv([30.0] * 12, 0.01))


@pytest.mark.parametrize(
    ("rows", "kwargs", "message"),
    [
        ([], {}, "table is empty"),
        ([(1, "2024-01-01", -5.0, None)], {}, "negative amount"),
        ([(1, "2024-01-01", 5.0, -1.0)], {}, "negative cost"),
        ([(1, "2024-08-01", 5.0, 1.0)], {}, "no transaction at or before"),
        ([(1, "2024-01-01", 5.0, 1.0)], {"default_margin": 1.5}, "default_margin"),
        ([(1, "2024-01-01", 5.0, 1.0)], {"rate": -0.1}, "discount rate"),
        ([(1, "2024-01-01", 5.0, 1.0)], {"horizon": -1}, "horizon"),
        ([(1, "2024-01-01", 5.0, 1.0)], {"period_days": 0}, "period_days"),
        ([(1, "2024-01-01", 5.0, 1.0)], {"lookback_periods": 1.5}, "lookback_periods"),
        ([(1, "2024-01-01", 5.0, 1.0)], {"serving_cost": -3.0}, "serving_cost"),
    ],
    ids=[
        "empty", "negative-amount", "negative-cost", "future-only", "margin", "rate",
        "horizon", "period", "lookback", "serving-cost",
    ],
)  # fmt: skip
def test_bad_input_is_refused(rows, kwargs, message):
    # given bad transactions or parameters / when the NPV value is requested / then ValueError
    with pytest.raises(ValueError, match=message):
        npv_value(costed(rows), as_of=AS_OF, **kwargs).execute()


def test_historical_value_refuses_a_text_cost_column():
    # given a cost column of text
    table = ibis.memtable(
        pd.DataFrame(
            {
                "customer_id": [1],
                "ts": pd.to_datetime(["2024-01-01"]),
                "amount": [5.0],
                "cost": ["cheap"],
            }
        )
    )
    # when / then
    with pytest.raises(ValueError, match="cost is string"):
        historical_value(table, as_of=AS_OF)


@pytest.mark.parametrize(
    ("flows", "rate", "message"),
    [
        ([], 0.1, "non-empty"),
        ([1.0, float("nan")], 0.1, "finite"),
        ([[[1.0]]], 0.1, "non-empty series"),
        ([1.0], float("inf"), "discount rate"),
        ([1.0], -0.5, "discount rate"),
    ],
)
def test_npv_refuses_bad_flows_and_rates(flows, rate, message):
    # given bad flows or rate / when / then
    with pytest.raises(ValueError, match=message):
        npv(flows, rate)
