"""Merging orders, contacts and events into one timeline (pure, no database)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import pairwise

import pytest
from hypothesis import given
from hypothesis import strategies as st

from idic.identify.timeline_merge import merge_timeline


def test_streams_merge_newest_first_across_time_zones():
    # given an order, a call and an event, in two time-zone notations
    orders = [{"ts": "2024-05-20T06:00:00+00:00", "order_id": "SO-1", "channel": "web"}]
    calls = [{"ts": "2024-05-20T15:00:00+08:00", "channel": "phone"}]  # 07:00 UTC
    events = [{"ts": "2024-05-19T23:00:00+00:00", "kind": "customer_created"}]
    # when merged
    timeline = merge_timeline(transactions=orders, interactions=calls, events=events)
    # then the call (latest instant) leads, then the order, then the event
    assert [e.stream for e in timeline] == ["interaction", "transaction", "event"]
    assert [e.channel for e in timeline] == ["phone", "web", ""]


def test_same_instant_keeps_stream_order():
    # given an order, a call and an event at the same instant
    ts = "2024-01-01T00:00:00+08:00"
    # when merged
    timeline = merge_timeline(
        transactions=[{"ts": ts}], interactions=[{"ts": ts}], events=[{"ts": ts}]
    )
    # then orders come before contacts, contacts before events
    assert [e.stream for e in timeline] == ["transaction", "interaction", "event"]


def test_limit_keeps_the_newest():
    # given five orders a day apart
    start = datetime(2024, 1, 1, tzinfo=UTC)
    orders = [{"ts": start + timedelta(days=i), "order_id": str(i)} for i in range(5)]
    # when merged with a limit of two
    timeline = merge_timeline(transactions=orders, limit=2)
    # then the two newest remain
    assert [e.item["order_id"] for e in timeline] == ["4", "3"]


def test_time_without_zone_is_refused():
    # given an interaction whose time has no zone / when merged / then it is refused
    with pytest.raises(ValueError, match="no time zone"):
        merge_timeline(interactions=[{"ts": "2024-01-01T10:00:00", "channel": "sms"}])


@given(
    st.lists(st.datetimes(timezones=st.just(UTC)), max_size=20),
    st.lists(st.datetimes(timezones=st.just(UTC)), max_size=20),
    st.lists(st.datetimes(timezones=st.just(UTC)), max_size=20),
)
def test_merge_keeps_every_item_and_never_goes_forward_in_time(orders, calls, events):
    # given three streams of arbitrary times
    streams = {
        "transactions": [{"ts": t} for t in orders],
        "interactions": [{"ts": t} for t in calls],
        "events": [{"ts": t} for t in events],
    }
    # when merged
    timeline = merge_timeline(**streams)
    # then nothing is lost and each entry is no later than the one before
    assert len(timeline) == len(orders) + len(calls) + len(events)
    assert all(a.ts >= b.ts for a, b in pairwise(timeline))
