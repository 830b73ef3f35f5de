"""Trading-activity classes (004:L1031-1041), by share of customers and by thresholds."""

from __future__ import annotations

import datetime as dt
import math

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from idic.differentiate.activity import (
    DEFAULT_ACTIVITY_SHARES,
    ActivityThreshold,
    activity_classes,
)
from idic.differentiate.pyramid import Grade

from .engines import fresh_default_backend, transactions_table  # noqa: F401 (fixture)

AS_OF = dt.date(2024, 6, 30)
END = pd.Timestamp(AS_OF) + pd.Timedelta(hours=12)


def _recent(counts, *, old=True):
    """Customer c buys on counts[c-1] distinct days within the last 90 days (and, with
    ``old``, once a year before, so that silent customers have traded once)."""
    rows = []
    for cid, count in enumerate(counts, start=1):
        rows += [(cid, END - pd.Timedelta(days=d), 10.0) for d in range(count)]
        if old:
            rows.append((cid, END - pd.Timedelta(days=400), 10.0))
    return transactions_table(rows)


def test_shares_of_a_hundred_customers():
    # given 90 customers with 1..90 purchase days in the last 90 days and ten without
    counts = list(range(1, 91)) + [0] * 10
    # when classed by share with the text's 5 / 10 / 25 / 30 / 30
    out = activity_classes(_recent(counts), as_of=AS_OF).execute()
    sizes = out.groupby("activity_class").size().to_dict()
    # then each class holds its share of the 100 customers
    assert sizes == {"high-frequency": 5, "active": 10, "trading": 25, "inactive": 30, "silent": 30}
    # and the most active are high-frequency, the ten without recent purchases silent
    by_id = out.set_index("customer_id")
    assert set(by_id[by_id.activity_class == "high-frequency"].recent_purchases) == set(
        range(86, 91)
    )
    assert (by_id.loc[91:100, "activity_class"] == "silent").all()
    assert by_id.loc[90, "activity_rank"] == 1


def test_a_tie_block_that_would_overflow_a_class_drops_to_the_next():
    # given 20 customers, 3 of them tied at the top (15 % > the 5 % share)
    counts = [30, 30, 30, *range(1, 18)]
    # when classed by share
    out = activity_classes(_recent(counts), as_of=AS_OF).execute().set_index("customer_id")
    # then high-frequency stays empty rather than exceed 5 %; the three are "active"
    # (cumulative 15 % of 20 = 3 customers)
    assert "high-frequency" not in set(out.activity_class)
    assert out.loc[[1, 2, 3], "activity_class"].tolist() == ["active"] * 3


@pytest.mark.parametrize(
    ("count", "expected"),
    [(30, "high-frequency"), (24, "high-frequency"), (23, "active"), (12, "active"),
     (5, "trading"), (4, "trading"), (3, "inactive"), (1, "inactive"), (0, "silent")],
)  # fmt: skip
def test_thresholds(count, expected):
    # given one customer with ``count`` purchase days in the last 90 days
    tx = _recent([count])
    # when classed by the default thresholds
    out = activity_classes(tx, as_of=AS_OF, by="threshold").execute().iloc[0]
    # then the first class whose minimum is reached applies
    assert out.recent_purchases == count
    assert out.activity_class == expected


def test_window_and_as_of_are_respected():
    # given purchases 10 and 40 days before as_of, several on one day, and one after as_of
    rows = [(1, END - pd.Timedelta(days=10), 1.0), (1, END - pd.Timedelta(days=10, hours=1), 1.0)]
    rows += [(1, END - pd.Timedelta(days=40), 1.0), (1, END + pd.Timedelta(days=1), 1.0)]
    # when counted over a 30-day window
    out = activity_classes(transactions_table(rows), as_of=AS_OF, window_days=30).execute()
    # then only the purchase day inside the window counts
    assert out.recent_purchases.tolist() == [1]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"by": "volume"}, "by must be"),
        ({"shares": (Grade("a", 50), Grade("b", 40))}, "sum to 100"),
        ({"by": "threshold", "thresholds": (ActivityThreshold("a", 5),)}, "end at 0"),
        (
            {
                "by": "threshold",
                "thresholds": (ActivityThreshold("a", 2), ActivityThreshold("b", 3),
                               ActivityThreshold("c", 0)),
            },
            "fall strictly",
        ),
        (
            {"by": "threshold", "thresholds": (ActivityThreshold("a", 1), ActivityThreshold("a", 0))},
            "distinct",
        ),
        ({"window_days": 0}, "window_days"),
    ],
)  # fmt: skip
def test_bad_parameters_are_refused(kwargs, message):
    with pytest.raises(ValueError, match=message):
        activity_classes(_recent([1, 2]), as_of=AS_OF, **kwargs)


def test_bad_transactions_are_refused():
    with pytest.raises(ValueError, match="table is empty"):
        activity_classes(transactions_table([]), as_of=AS_OF)
    with pytest.raises(ValueError, match="negative amount"):
        activity_classes(transactions_table([(1, "2024-06-01", -3.0)]), as_of=AS_OF)


def test_a_single_class_takes_everyone():
    out = activity_classes(_recent([0, 5]), as_of=AS_OF, shares=(Grade("all", 100),)).execute()
    assert set(out.activity_class) == {"all"}


@settings(max_examples=40, deadline=None)
@given(counts=st.lists(st.integers(0, 40), min_size=1, max_size=60))
def test_share_classes_never_exceed_their_cumulative_share(counts):
    # given random recent activity
    out = activity_classes(_recent(counts), as_of=AS_OF).execute()
    n = len(counts)
    # then the first k classes together hold at most their cumulative share of customers
    cumulative = 0.0
    for rank, grade in enumerate(DEFAULT_ACTIVITY_SHARES[:-1], start=1):
        cumulative += grade.share_pct
        assert (out.activity_rank <= rank).sum() <= math.floor(cumulative * n / 100 + 1e-9)
    # and a more active customer is never in a less active class
    ordered = out.sort_values(["recent_purchases", "activity_rank"], ascending=[False, True])
    assert ordered.activity_rank.is_monotonic_increasing
    # and customers without a recent purchase are silent
    assert (out[out.recent_purchases == 0].activity_class == "silent").all()
