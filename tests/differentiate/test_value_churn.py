"""The value × churn-risk matrix (002:L227-239): cells, priority, cuts as data."""

from __future__ import annotations

import ibis
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from idic.differentiate.value_churn import (
    ValueChurnRules,
    value_churn_matrix,
    value_churn_summary,
)

from .engines import fresh_default_backend  # noqa: F401 (fixture)


def tables(values, risks):
    value = ibis.memtable(
        pd.DataFrame({"customer_id": range(1, len(values) + 1), "value": map(float, values)})
    )
    risk = ibis.memtable(
        pd.DataFrame({"customer_id": range(1, len(risks) + 1), "churn_risk": map(float, risks)})
    )
    return value, risk


VALUES = [100, 90, 80, 70, 60, 50, 40, 30, 20, 10]
RISKS = [0.9, 0.1, 0.5, 0.4, 0.7, 0.2, 0.3, 0.8, 0.6, 0.0]


@pytest.mark.parametrize(
    ("customer", "cell", "priority"),
    [
        (1, "high value / high risk", 1),  # the text's BD group: act first
        (2, "high value / low risk", 2),  # the text's AD group: keep and cultivate
        (3, "low value / high risk", 3),  # 0.5 is high risk (>= the cut)
        (10, "low value / low risk", 4),
    ],
)
def test_two_by_two(customer, cell, priority):
    # given ten customers' value and churn risk / when crossed with the default cuts
    out = value_churn_matrix(*tables(VALUES, RISKS)).execute().set_index("customer_id")
    # then the top 20 % by value are high value, a risk >= 0.5 is high risk
    assert out.loc[customer, "cell"] == cell
    assert out.loc[customer, "priority"] == priority


def test_three_by_three_orders_high_value_high_risk_first():
    # given the same customers and 3 x 3 cuts
    rules = ValueChurnRules(value_top_pct=(20, 50), risk_cuts=(0.3, 0.6))
    matrix = value_churn_matrix(*tables(VALUES, RISKS), rules=rules)
    # when summarised
    summary = value_churn_summary(matrix).execute()
    # then the cells come in priority order, value first, then risk
    assert summary.cell.tolist() == [
        "high value / high risk",
        "high value / low risk",
        "mid value / high risk",
        "mid value / mid risk",
        "low value / high risk",
        "low value / mid risk",
        "low value / low risk",
    ]
    assert summary.priority.tolist() == [1, 3, 4, 5, 7, 8, 9]
    assert summary.customers.sum() == 10
    assert summary.set_index("priority").loc[7, "customers"] == 2  # customers 8 and 9


def test_only_customers_with_both_value_and_risk_are_placed():
    value, _ = tables(VALUES, RISKS)
    _, risk = tables(VALUES[:4], RISKS[:4])
    out = value_churn_matrix(value, risk).execute()
    assert sorted(out.customer_id) == [1, 2, 3, 4]


@pytest.mark.parametrize(
    ("rules", "message"),
    [
        (ValueChurnRules(value_top_pct=()), "one cut"),
        (ValueChurnRules(risk_cuts=(0.2, 0.4, 0.6)), "one cut"),
        (ValueChurnRules(value_top_pct=(50, 20)), "must rise"),
        (ValueChurnRules(value_top_pct=(100,)), "below 100"),
        (ValueChurnRules(risk_cuts=(1.0,)), "within \\(0, 1\\)"),
        (ValueChurnRules(risk_cuts=(0.6, 0.3)), "rise strictly"),
    ],
)
def test_bad_rules_are_refused(rules, message):
    with pytest.raises(ValueError, match=message):
        value_churn_matrix(*tables(VALUES, RISKS), rules=rules)


def test_risks_must_be_probabilities():
    with pytest.raises(ValueError, match="outside \\[0, 1\\]"):
        value_churn_matrix(*tables([1, 2], [0.5, 1.5]))
    value, risk = tables([1, 2], [0.5, 0.5])
    with pytest.raises(ValueError, match="churn risk table lacks"):
        value_churn_matrix(value, risk.rename(risk="churn_risk"))


@settings(max_examples=40, deadline=None)
@given(rows=st.lists(st.tuples(st.integers(0, 1000), st.integers(0, 100)), min_size=1, max_size=40))
def test_high_value_is_never_worth_less_and_high_risk_never_safer(rows):
    # given random values and risks
    out = value_churn_matrix(*tables([v for v, _ in rows], [r / 100 for _, r in rows])).execute()
    high, low = out[out.value_level == "high"], out[out.value_level == "low"]
    # then every high-value customer is worth more than every low-value one
    if len(high) and len(low):
        assert high.value.min() > low.value.max()
    # and risk levels follow the cut, and priorities the cells
    assert ((out.churn_risk >= 0.5) == (out.risk_level == "high")).all()
    expected = (out.value_level == "low") * 2 + (out.risk_level == "low") * 1 + 1
    assert (out.priority == expected).all()
