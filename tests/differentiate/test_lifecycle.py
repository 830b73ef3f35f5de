"""Lifecycle stages from each customer's own trajectory, and stage transitions."""

from __future__ import annotations

import datetime as dt

import ibis
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from idic.differentiate.lifecycle import (
    STAGES,
    LifecycleRules,
    lifecycle_stages,
    stage_transitions,
)

from .engines import fresh_default_backend, transactions_table  # noqa: F401 (fixture)

AS_OF = dt.date(2024, 6, 30)
END = pd.Timestamp(AS_OF) + pd.Timedelta(hours=12)


def _every(customer, *, days_ago_from, days_ago_to, step, amount):
    """Purchases every ``step`` days from ``days_ago_from`` down to ``days_ago_to``."""
    return [
        (customer, END - pd.Timedelta(days=d), amount)
        for d in range(days_ago_from, days_ago_to - 1, -step)
    ]


def declining_customer():
    """Weekly 100 for two years from 2022-01-03, then 30 every three weeks, then gone."""
    start = pd.Timestamp("2022-01-03 10:00")
    rows = [(1, start + pd.Timedelta(days=7 * k), 100.0) for k in range(104)]
    slow = start + pd.Timedelta(days=7 * 104)
    rows += [(1, slow + pd.Timedelta(days=21 * k), 30.0) for k in range(8)]
    return rows


def test_decline_is_caught_before_termination_while_the_customer_still_buys():
    # given a customer whose volume falls, then stops
    rows = declining_customer()
    tx = transactions_table(rows)
    last_purchase = max(r[1] for r in rows).date()
    # when the stage is computed in mid-2023, then every week of 2024 until September
    stages = {
        dt.date(2023, 6, 5): lifecycle_stages(tx, as_of=dt.date(2023, 6, 5)).execute().iloc[0]
    }
    day = dt.date(2024, 1, 1)
    while day <= dt.date(2024, 9, 2):
        stages[day] = lifecycle_stages(tx, as_of=day).execute().iloc[0]
        day += dt.timedelta(days=7)
    first = {}
    for day, row in stages.items():
        first.setdefault(row.lifecycle_stage, (day, row))
    # then the steady customer is stable, then in decline, and only later terminated
    assert stages[dt.date(2023, 6, 5)].lifecycle_stage == "stability"
    decline_day, decline_row = first["decline"]
    termination_day, _ = first["termination"]
    assert decline_day < termination_day
    # and the decline is flagged while they still buy: a purchase in the last window,
    # months before the last purchase
    assert decline_row.window_volume > 0
    assert decline_day < last_purchase - dt.timedelta(days=60)
    # and termination comes once the silence exceeds min_silence_days (60), in the first
    # weekly check after that
    assert 61 <= (termination_day - last_purchase).days < 61 + 7


STAGE_ROWS = [
    # 1: one purchase, 200 days ago: exploration (no second purchase yet)
    (1, END - pd.Timedelta(days=200), 50.0),
    # 2: first purchase 40 days ago, three since: exploration
    *_every(2, days_ago_from=40, days_ago_to=0, step=20, amount=20.0),
    # 3: 100 every 10 days for two years: stability
    *_every(3, days_ago_from=730, days_ago_to=3, step=10, amount=100.0),
    # 4: 100 every 10 days for two years, 250 every 10 days in the last 90 days: formation
    *_every(4, days_ago_from=730, days_ago_to=90, step=10, amount=100.0),
    *_every(4, days_ago_from=80, days_ago_to=0, step=10, amount=250.0),
    # 5: 100 every 10 days, but 40 every 10 days in the last 90: decline
    *_every(5, days_ago_from=730, days_ago_to=90, step=10, amount=100.0),
    *_every(5, days_ago_from=80, days_ago_to=0, step=10, amount=40.0),
    # 6: every 10 days until 50 days ago: 50 > 3 x 10 but not > 60 days: not terminated,
    # and W0 holds 4 purchases against 9 per earlier window: decline
    *_every(6, days_ago_from=730, days_ago_to=50, step=10, amount=100.0),
    # 7: every 10 days until 70 days ago: 70 > max(3 x 10, 60): termination
    *_every(7, days_ago_from=730, days_ago_to=70, step=10, amount=100.0),
    # 8: every 200 days, last 420 days ago: beyond the 365-day maximum: termination
    *_every(8, days_ago_from=1020, days_ago_to=420, step=200, amount=100.0),
    # 9: started 200 days ago, steady every 10 days: formation (history shorter than
    # the three baseline windows)
    *_every(9, days_ago_from=200, days_ago_to=0, step=10, amount=100.0),
    # 11: every 60 days for two years, none in the last 90 days: too sparse for windows to
    # tell (1.5 purchase days per window), not overdue (100 < 3 x 60): stability
    *_every(11, days_ago_from=820, days_ago_to=100, step=60, amount=100.0),
    # 10: bought after as_of only: not staged
    (10, END + pd.Timedelta(days=3), 10.0),
]


@pytest.mark.parametrize(
    ("customer", "stage"),
    [
        (1, "exploration"),
        (2, "exploration"),
        (3, "stability"),
        (4, "formation"),
        (5, "decline"),
        (6, "decline"),
        (7, "termination"),
        (8, "termination"),
        (9, "formation"),
        (11, "stability"),
    ],
)
def test_stages_of_constructed_customers(customer, stage):
    # given constructed trajectories / when staged with the default rules
    out = lifecycle_stages(transactions_table(STAGE_ROWS), as_of=AS_OF).execute()
    stages = out.set_index("customer_id").lifecycle_stage
    # then each follows the documented rule
    assert stages[customer] == stage
    assert 10 not in stages.index


def test_volumes_and_gap_are_reported():
    # given customer 5 (100 every 10 days, 40 in the last 90 days)
    out = lifecycle_stages(transactions_table(STAGE_ROWS), as_of=AS_OF).execute()
    row = out.set_index("customer_id").loc[5]
    # then W0 holds nine purchases of 40 and each baseline window nine of 100
    assert row.window_volume == pytest.approx(360.0)
    assert row.baseline_volume == pytest.approx(900.0)
    assert row.mean_gap_days == pytest.approx(10.0)


def test_sparse_buyers_can_be_judged_by_windows_when_asked():
    # given the sparse customer 11 and no minimum of purchases per window
    rules = LifecycleRules(min_baseline_purchases=0)
    out = lifecycle_stages(transactions_table(STAGE_ROWS), as_of=AS_OF, rules=rules).execute()
    # then their empty last window reads as decline
    assert out.set_index("customer_id").lifecycle_stage[11] == "decline"


def test_volume_by_purchase_days():
    # given customer 5 measured by purchase days instead of spend
    rules = LifecycleRules(measure="purchases")
    out = lifecycle_stages(transactions_table(STAGE_ROWS), as_of=AS_OF, rules=rules).execute()
    stages = out.set_index("customer_id").lifecycle_stage
    # then the same number of purchases reads as stable: only the spend fell
    assert stages[5] == "stability"
    assert stages[6] == "decline"


def _stage_table(pairs):
    return ibis.memtable(pd.DataFrame(pairs, columns=["customer_id", "lifecycle_stage"]))


def test_stage_transitions_lists_the_changes():
    # given two snapshots of stages
    previous = _stage_table(
        [(1, "stability"), (2, "stability"), (3, "exploration"), (4, "decline")]
    )
    current = _stage_table([(1, "stability"), (2, "decline"), (3, "formation"), (5, "exploration")])
    # when compared
    events = stage_transitions(previous, current).execute().sort_values("customer_id")
    only_changes = stage_transitions(previous, current, include_new=False).execute()
    # then the changed customers are listed, a newcomer with no previous stage
    assert events.fillna("-").values.tolist() == [
        [2, "stability", "decline"],
        [3, "exploration", "formation"],
        [5, "-", "exploration"],
    ]
    assert sorted(only_changes.customer_id) == [2, 3]


def test_stage_transitions_refuses_tables_without_stages():
    with pytest.raises(ValueError, match="lacks the column 'lifecycle_stage'"):
        stage_transitions(_stage_table([(1, "x")]).drop("lifecycle_stage"), _stage_table([]))


@pytest.mark.parametrize(
    ("rules", "message"),
    [
        (LifecycleRules(window_days=0), "window_days"),
        (LifecycleRules(decline_ratio=1.2), "decline_ratio"),
        (LifecycleRules(growth_ratio=0.9), "growth_ratio"),
        (LifecycleRules(gap_multiple=0.5), "gap_multiple"),
        (LifecycleRules(min_baseline_purchases=-1), "min_baseline_purchases"),
        (LifecycleRules(min_silence_days=400), "must not exceed"),
        (LifecycleRules(measure="visits"), "measure"),  # type: ignore[arg-type]
    ],
)
def test_bad_rules_are_refused(rules, message):
    with pytest.raises(ValueError, match=message):
        lifecycle_stages(transactions_table(STAGE_ROWS), as_of=AS_OF, rules=rules)


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
        lifecycle_stages(transactions_table(rows), as_of=AS_OF)


@settings(max_examples=30, deadline=None)
@given(
    histories=st.lists(
        st.lists(st.tuples(st.integers(0, 800), st.integers(1, 500)), min_size=1, max_size=15),
        min_size=1,
        max_size=12,
    )
)
def test_every_customer_has_one_stage_and_recent_buyers_are_not_terminated(histories):
    # given random histories (days before as_of, amount)
    rows = [
        (cid, END - pd.Timedelta(days=d), float(a))
        for cid, h in enumerate(histories, start=1)
        for d, a in h
    ]
    # when staged
    out = lifecycle_stages(transactions_table(rows), as_of=AS_OF).execute()
    # then everyone has one of the five stages
    assert len(out) == len(histories)
    assert set(out.lifecycle_stage) <= set(STAGES)
    # and nobody who bought in the last 60 days (min_silence_days) is terminated
    recent = out[out.recency_days <= 60]
    assert (recent.lifecycle_stage != "termination").all()
    # and one-day customers are in exploration unless silent for over a year
    single = out[out.purchase_days == 1]
    assert set(single[single.recency_days <= 365].lifecycle_stage) <= {"exploration"}
