"""RFM measures, the tie rule, segment rules, the purchase-rate variant and bad input."""

from __future__ import annotations

import datetime as dt

import ibis
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from idic.differentiate.rfm import (
    DEFAULT_SEGMENT_RULES,
    SegmentRule,
    quintile_score,
    rfm,
    rfm_purchase_rate,
    validate_segment_rules,
)

from .engines import fresh_default_backend, transactions_table  # noqa: F401 (fixture)

AS_OF = dt.date(2024, 3, 31)

SMALL = [
    # customer 1: three receipts on 2024-03-30 and one on 2024-01-30 -> two purchase days
    (1, "2024-01-30 10:00", 40.0),
    (1, "2024-03-30 09:00", 10.0),
    (1, "2024-03-30 12:00", 15.0),
    (1, "2024-03-30 23:59", 5.0),
    # customer 2: one purchase long ago, and one after as_of that must be ignored
    (2, "2023-12-31 18:00", 200.0),
    (2, "2024-04-01 00:00", 1000.0),
    # customer 3: bought on the as-of day itself
    (3, "2024-03-31 22:00", 0.0),
]


@pytest.mark.parametrize(
    ("customer", "recency", "frequency", "total", "average"),
    [
        (1, 1, 2, 70.0, 35.0),
        (2, 91, 1, 200.0, 200.0),
        (3, 0, 1, 0.0, 0.0),
    ],
)
def test_measures_of_a_small_data_set(customer, recency, frequency, total, average):
    # given a handful of purchases around as_of
    tx = transactions_table(SMALL)
    # when RFM is computed with total and with average monetary value
    by_total = rfm(tx, as_of=AS_OF).execute().set_index("customer_id").loc[customer]
    by_avg = rfm(tx, as_of=AS_OF, monetary="average").execute().set_index("customer_id")
    # then recency counts calendar days, frequency purchase days, monetary spend
    assert by_total.recency_days == recency
    assert by_total.frequency == frequency
    assert by_total.monetary == pytest.approx(total)
    assert by_avg.loc[customer, "monetary"] == pytest.approx(average)


def test_as_of_datetime_cuts_within_the_day():
    # given purchases on the as-of day, one before and one after noon
    tx = transactions_table([(1, "2024-03-31 09:00", 5.0), (1, "2024-03-31 15:00", 7.0)])
    # when as_of is noon of that day
    row = rfm(tx, as_of=dt.datetime(2024, 3, 31, 12, 0)).execute().iloc[0]  # noqa: DTZ001
    # then only the morning purchase counts
    assert row.monetary == 5.0
    assert row.recency_days == 0


def _scores(values, higher_is_better):
    table = ibis.memtable(
        pd.DataFrame({"id": range(len(values)), "v": pd.Series(values, dtype="float64")})
    )
    scored = table.mutate(s=quintile_score(table.v, higher_is_better=higher_is_better))
    return scored.order_by("id").execute().s.tolist()


@pytest.mark.parametrize(
    ("values", "higher_is_better", "expected"),
    [
        (list(range(1, 11)), True, [1, 1, 2, 2, 3, 3, 4, 4, 5, 5]),
        (list(range(1, 11)), False, [5, 5, 4, 4, 3, 3, 2, 2, 1, 1]),
        ([7, 7, 7, 7, 7], True, [1, 1, 1, 1, 1]),
        ([1, 1, 1, 2, 3], True, [1, 1, 1, 4, 5]),
        ([0, 0, 10, 20, 30], False, [4, 4, 3, 2, 1]),
        ([3, 1, 2], True, [4, 1, 2]),
        ([1, 2, 2, 2, 2, 2, 3], True, [1, 1, 1, 1, 1, 1, 5]),
    ],
)
def test_tie_rule(values, higher_is_better, expected):
    # given values to score / when scored by the tie rule 1 + floor(5k/N)
    scores = _scores(values, higher_is_better)
    # then each score follows the count of strictly worse values
    assert scores == expected


def test_default_segment_rules_tile_the_grid():
    # given the default rules / when validated
    grid = validate_segment_rules(DEFAULT_SEGMENT_RULES)
    # then each of the 25 (r, fm) cells has one segment and all eleven names occur
    assert len(grid) == 25
    assert set(grid.values()) == {
        "champions", "loyal", "potential loyalist", "new", "promising", "need attention",
        "about to sleep", "at risk", "can't lose", "hibernating", "lost",
    }  # fmt: skip
    assert grid[(5, 5)] == "champions"
    assert grid[(1, 1)] == "lost"
    assert grid[(1, 5)] == "can't lose"


@pytest.mark.parametrize(
    ("rules", "message"),
    [
        (DEFAULT_SEGMENT_RULES[:-1], r"r=1, fm=1 is matched by 0"),
        ((*DEFAULT_SEGMENT_RULES, SegmentRule("vip", (5, 5), (5, 5))), r"r=5, fm=5 .* by 2"),
        ((SegmentRule("all", (0, 5), (1, 5)),), "outside 1..5"),
        ((SegmentRule("", (1, 5), (1, 5)),), "non-empty name"),
    ],
)
def test_bad_segment_rules_are_refused(rules, message):
    # given rules with a gap, an overlap, a bad range or no name / when / then
    with pytest.raises(ValueError, match=message):
        validate_segment_rules(rules)


def test_custom_segment_rules_are_applied():
    # given two rules that split the grid by recency alone
    rules = (SegmentRule("recent", (3, 5), (1, 5)), SegmentRule("lapsed", (1, 2), (1, 5)))
    tx = transactions_table(SMALL)
    # when RFM runs with them
    out = rfm(tx, as_of=AS_OF, rules=rules).execute().set_index("customer_id")
    # then the segment follows r
    for _, row in out.iterrows():
        assert row.segment == ("recent" if row.r >= 3 else "lapsed")


def test_purchase_rate_separates_overdue_from_on_schedule():
    # given two customers both 30 days since their last purchase: A buys weekly,
    # B every 90 days; C bought once
    start = pd.Timestamp("2023-01-02")
    rows = [(1, start + pd.Timedelta(days=7 * k), 10.0) for k in range(40)]
    last_a = start + pd.Timedelta(days=7 * 39)
    as_of = (last_a + pd.Timedelta(days=30)).date()
    rows += [(2, last_a - pd.Timedelta(days=90 * k), 10.0) for k in range(3)]
    rows += [(3, last_a - pd.Timedelta(days=5), 10.0)]
    tx = transactions_table(rows)
    # when RFM is judged against each customer's own purchase rate
    out = rfm_purchase_rate(tx, as_of=as_of).execute().set_index("customer_id")
    # then plain recency cannot tell A from B, the ratio can
    assert out.loc[1, "r"] == out.loc[2, "r"]
    assert out.loc[1, "mean_gap_days"] == 7.0
    assert out.loc[2, "mean_gap_days"] == 90.0
    assert out.loc[1, "recency_ratio"] == pytest.approx(30 / 7)
    assert out.loc[2, "recency_ratio"] == pytest.approx(30 / 90)
    assert out.loc[2, "r_rate"] > out.loc[1, "r_rate"]
    # and the one-time buyer has no ratio and keeps the plain recency score
    assert pd.isna(out.loc[3, "recency_ratio"])
    assert pd.isna(out.loc[3, "mean_gap_days"])
    assert out.loc[3, "r_rate"] == out.loc[3, "r"]


def _frame(**columns):
    return ibis.memtable(pd.DataFrame(columns))


@pytest.mark.parametrize(
    ("table", "kwargs", "message"),
    [
        (transactions_table([]), {}, "table is empty"),
        (transactions_table([(1, "2024-01-01", -5.0)]), {}, "negative amount"),
        (transactions_table([(1, "2024-05-01", 5.0)]), {}, "no transaction at or before"),
        (
            _frame(customer_id=[1], amount=[1.0]),
            {},
            "lacks column.* ts",
        ),
        (
            _frame(customer_id=["x"], ts=pd.to_datetime(["2024-01-01"]), amount=[1.0]),
            {},
            "customer_id is string",
        ),
        (
            _frame(
                customer_id=[1], ts=pd.to_datetime(["2024-01-01"]).tz_localize("UTC"), amount=[1.0]
            ),
            {},
            "without time zone",
        ),
        (transactions_table([(1, "2024-01-01", 5.0)]), {"monetary": "median"}, "monetary must"),
        (
            transactions_table([(1, "2024-01-01", 5.0)]),
            {"as_of": dt.datetime(2024, 3, 1, tzinfo=dt.UTC)},
            "has a time zone",
        ),
        (transactions_table([(1, "2024-01-01", 5.0)]), {"precision": 9}, "precision"),
    ],
    ids=[
        "empty", "negative", "as_of-before-data", "missing-column", "mistyped-column",
        "aware-ts", "bad-monetary", "aware-as_of", "bad-precision",
    ],
)  # fmt: skip
def test_bad_input_is_refused(table, kwargs, message):
    # given a bad table or parameter / when RFM is requested / then a clear ValueError
    args = {"as_of": AS_OF, **kwargs}
    with pytest.raises(ValueError, match=message):
        rfm(table, **args).execute()


def test_nulls_are_refused():
    # given a transaction without an amount
    table = _frame(
        customer_id=pd.Series([1, 2], dtype="int64"),
        ts=pd.to_datetime(["2024-01-01", "2024-01-02"]),
        amount=pd.Series([1.0, None], dtype="float64"),
    )
    # when / then
    with pytest.raises(ValueError, match="null customer_id, ts or amount"):
        rfm(table, as_of=AS_OF)


history = st.lists(
    st.tuples(st.integers(0, 200), st.sampled_from([1.0, 5.0, 10.0, 0.1, 0.2, 0.3, 99.99])),
    min_size=1,
    max_size=8,
)


@settings(max_examples=25, deadline=None)
@given(histories=st.lists(history, min_size=1, max_size=25), twin=st.integers(0, 24))
def test_equal_values_get_equal_scores(histories, twin):
    # given customers with random histories, one of them copied under a new id
    start = pd.Timestamp("2024-01-01")
    rows = [
        (cid, start + pd.Timedelta(days=day), amount)
        for cid, h in enumerate(histories, start=1)
        for day, amount in h
    ]
    copied = twin % len(histories) + 1
    rows += [(999, ts, a) for c, ts, a in rows if c == copied]
    # when RFM is scored
    out = rfm(transactions_table(rows), as_of=dt.date(2024, 12, 31)).execute()
    # then scores are in 1..5 and every customer has one of the segments
    assert out[["r", "f", "m"]].isin(range(1, 6)).all().all()
    assert out.segment.notna().all()
    # and the copy scores exactly like the original
    by_id = out.set_index("customer_id")
    cols = ["recency_days", "frequency", "r", "f", "m", "segment"]
    assert by_id.loc[999, cols].tolist() == by_id.loc[copied, cols].tolist()
    # and any two customers with equal values share the score; better never scores lower
    out["money"] = (out.monetary * 100).round()
    for value, score, sign in (("recency_days", "r", -1), ("frequency", "f", 1), ("money", "m", 1)):
        assert out.groupby(value)[score].nunique().max() == 1
        ordered = out.assign(key=sign * out[value]).sort_values("key")
        assert ordered[score].is_monotonic_increasing
