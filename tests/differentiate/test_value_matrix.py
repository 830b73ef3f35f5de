"""The actual × potential value matrix: MVC, MGC, BZ, migrators and the rest."""

from __future__ import annotations

import ibis
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from idic.differentiate.value_matrix import (
    ValueMatrixRules,
    segment_potential,
    value_matrix,
)

from .engines import fresh_default_backend  # noqa: F401 (fixture)


def values_table(rows, *, segment: bool = False) -> ibis.Table:
    """``(customer_id, actual_value, potential_value[, segment])`` rows as a table."""
    columns = ["customer_id", "actual_value", "potential_value"] + (["segment"] if segment else [])
    frame = pd.DataFrame(rows, columns=columns).astype(
        {"customer_id": "int64", "actual_value": "float64", "potential_value": "float64"}
    )
    return ibis.memtable(frame)


def previous_table(rows) -> ibis.Table:
    frame = pd.DataFrame(rows, columns=["customer_id", "actual_value"])
    return ibis.memtable(frame.astype({"customer_id": "int64", "actual_value": "float64"}))


# ten customers: the top 20 % by actual value are MVC, the top 20 % by growth gap MGC
TEN = [
    (1, 1000.0, 1000.0),  # most valuable
    (2, 900.0, 950.0),  # second most valuable
    (3, 500.0, 2000.0),  # gap 1500: most growable
    (4, 400.0, 1400.0),  # gap 1000: second most growable
    (5, 300.0, 600.0),  # gap 300: third, not in the top 20 %
    (6, 200.0, 200.0),
    (7, 100.0, 100.0),
    (8, 50.0, 50.0),
    (9, -20.0, 500.0),  # loses money even with a large gap
    (10, 0.0, 0.0),
]
PREVIOUS = [
    (1, 1500.0),  # fell by a third: falling, but MVC comes first
    (6, 400.0),  # fell by half: migrator
    (7, 110.0),  # fell by 9 %: not enough
    (8, 0.0),  # was worth nothing: cannot fall
]


@pytest.mark.parametrize(
    ("customer", "value_class", "falling"),
    [
        (1, "MVC", True),
        (2, "MVC", False),
        (3, "MGC", False),
        (4, "MGC", False),
        (5, "maintain", False),
        (6, "migrator", True),
        (7, "maintain", False),
        (8, "maintain", False),
        (9, "BZ", False),
        (10, "maintain", False),
    ],
)
def test_value_classes_of_ten_customers(customer, value_class, falling):
    # given ten customers with actual and potential value, and an earlier snapshot
    # when they are placed in the value matrix with the default rules
    out = value_matrix(values_table(TEN), previous=previous_table(PREVIOUS)).execute()
    row = out.set_index("customer_id").loc[customer]
    # then each lands in the class the documented rule gives
    assert row.value_class == value_class
    assert bool(row.falling) is falling


def test_value_change_and_gap_columns():
    # given the ten customers and the earlier snapshot
    out = value_matrix(values_table(TEN), previous=previous_table(PREVIOUS)).execute()
    out = out.set_index("customer_id")
    # then the change is relative to the previous value and the gap is potential - actual
    assert out.loc[6, "value_change_pct"] == pytest.approx(-50.0)
    assert out.loc[1, "value_change_pct"] == pytest.approx(-100 / 3)
    assert pd.isna(out.loc[8, "value_change_pct"])  # previous value 0
    assert pd.isna(out.loc[2, "previous_value"])  # not in the earlier snapshot
    assert out.loc[3, "growth_gap"] == 1500.0


def test_precedence_is_data():
    # given rules that put migrators before MVCs
    rules = ValueMatrixRules(precedence=("BZ", "migrator", "MVC", "MGC"))
    # when the matrix is computed
    out = value_matrix(values_table(TEN), previous=previous_table(PREVIOUS), rules=rules)
    classes = out.execute().set_index("customer_id").value_class
    # then the falling MVC shows as a migrator
    assert classes[1] == "migrator"
    assert classes[2] == "MVC"


def test_without_potential_or_previous_nobody_is_mgc_or_migrator():
    # given only actual values
    table = values_table(TEN).select("customer_id", "actual_value")
    # when the matrix runs without potential and previous snapshot
    out = value_matrix(table, potential=None).execute()
    # then only BZ, MVC and maintain occur
    assert set(out.value_class) == {"BZ", "MVC", "maintain"}
    assert out.falling.sum() == 0


def test_ties_at_the_mvc_boundary_stay_together():
    # given five customers where the 2nd and 3rd are worth the same
    rows = [(1, 500.0, 500.0), (2, 300.0, 300.0), (3, 300.0, 300.0), (4, 10.0, 10.0)]
    rows += [(5, 5.0, 5.0)]
    # when the top 40 % are MVC
    rules = ValueMatrixRules(mvc_top_pct=40)
    out = value_matrix(values_table(rows), rules=rules).execute().set_index("customer_id")
    # then both tied customers are MVC (fewer than 40 % are strictly above either)
    assert list(out.sort_index().value_class) == ["MVC", "MVC", "MVC", "maintain", "maintain"]


def test_segment_potential_is_the_segments_upper_quartile():
    # given two segments of four customers each
    rows = [(c, v, None, "retail") for c, v in ((1, 400.0), (2, 300.0), (3, 200.0), (4, 100.0))]
    rows += [(c, v, None, "trade") for c, v in ((5, 90.0), (6, 80.0), (7, 10.0), (8, -5.0))]
    table = values_table(rows, segment=True).drop("potential_value")
    # when the potential is the value the top 25 % of the segment reach
    out = segment_potential(table).execute().set_index("customer_id")
    # then it is the segment's benchmark, never below the customer's own value
    assert out.segment_benchmark.to_dict() == {1: 400, 2: 400, 3: 400, 4: 400} | {
        5: 90,
        6: 90,
        7: 90,
        8: 90,
    }
    assert out.potential_value[1] == 400.0
    assert out.potential_value[4] == 400.0
    assert out.potential_value[7] == 90.0
    # and the matrix takes it as the potential value
    matrix = value_matrix(out.reset_index().pipe(ibis.memtable)).execute()
    assert matrix.set_index("customer_id").value_class[8] == "BZ"


@pytest.mark.parametrize(
    ("rules", "message"),
    [
        (ValueMatrixRules(mvc_top_pct=0), "mvc_top_pct"),
        (ValueMatrixRules(mgc_top_pct=120), "mgc_top_pct"),
        (ValueMatrixRules(migrator_drop_pct=12.345), "migrator_drop_pct"),
        (ValueMatrixRules(precedence=("BZ", "MVC", "MGC")), "precedence"),
        (ValueMatrixRules(other="MVC"), "other"),
    ],
)
def test_bad_rules_are_refused(rules, message):
    # given bad rules / when the matrix is built / then ValueError
    with pytest.raises(ValueError, match=message):
        value_matrix(values_table(TEN), rules=rules)


def test_bad_tables_are_refused():
    # given a table without the potential column, and a previous snapshot without values
    table = values_table(TEN).drop("potential_value")
    # when / then the missing columns are named
    with pytest.raises(ValueError, match=r"lacks column.* potential_value"):
        value_matrix(table)
    with pytest.raises(ValueError, match="previous table lacks"):
        value_matrix(values_table(TEN), previous=previous_table(PREVIOUS).drop("actual_value"))
    with pytest.raises(ValueError, match="segment column"):
        segment_potential(values_table(TEN))


values_st = st.lists(
    st.tuples(st.integers(-100, 1000), st.integers(-100, 2000), st.integers(-100, 1000)),
    min_size=1,
    max_size=40,
)


@settings(max_examples=40, deadline=None)
@given(rows=values_st, mvc=st.integers(1, 100), mgc=st.integers(1, 100))
def test_every_customer_gets_one_class_and_shares_hold(rows, mvc, mgc):
    # given random actual, potential and previous values
    table = values_table([(i, a, p) for i, (a, p, _) in enumerate(rows, start=1)])
    previous = previous_table([(i, q) for i, (_, _, q) in enumerate(rows, start=1)])
    rules = ValueMatrixRules(mvc_top_pct=mvc, mgc_top_pct=mgc)
    # when classed
    out = value_matrix(table, previous=previous, rules=rules).execute()
    # then everyone has exactly one of the five classes
    assert len(out) == len(rows)
    assert set(out.value_class) <= {"BZ", "MVC", "migrator", "MGC", "maintain"}
    # and BZ is exactly the negative values (BZ comes first)
    assert ((out.actual_value < 0) == (out.value_class == "BZ")).all()
    # and an MVC is never worth less than a non-MVC with a positive value
    mvc_values = out[out.value_class == "MVC"].actual_value
    others = out[(out.value_class != "MVC") & (out.actual_value > 0)].actual_value
    if len(mvc_values) and len(others):
        assert mvc_values.min() > others.max()
    # and strictly fewer than the share have a higher value than any MVC
    assert (out.actual_value > mvc_values.min()).sum() * 100 < mvc * len(rows) or mvc_values.empty
